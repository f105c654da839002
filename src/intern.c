#include "intern.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)
#define BLOCK_IDS 4096			/* ids per block of the id -> string table */
#define MAX_BLOCKS 65536		/* fixed top level: blocks never move */

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

struct intern {
	struct chunk *chunks;		/* arena; head is the one being filled */
	const char **blocks[MAX_BLOCKS];	/* id -> string, two levels so readers never see a move */
	uint32_t count;			/* ids in use, id 0 excluded */
	uint32_t *slots;		/* open-addressing hash of ids */
	size_t nslots;
};

static uint32_t hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

struct intern *intern_new(void)
{
	struct intern *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->nslots = 1024;
	p->slots = calloc(p->nslots, sizeof *p->slots);
	if (!p->slots) {
		free(p);
		return NULL;
	}
	return p;
}

void intern_free(struct intern **pool)
{
	struct intern *p = *pool;
	if (!p)
		return;
	for (struct chunk *c = p->chunks, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	for (size_t i = 0; i < MAX_BLOCKS && p->blocks[i]; i++)
		free(p->blocks[i]);
	free(p->slots);
	free(p);
	*pool = NULL;
}

static void *arena(struct intern *p, size_t size, size_t align)
{
	struct chunk *c = p->chunks;
	size_t off = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (!c || off + size > c->size) {
		size_t want = size > CHUNK_SIZE / 4 ? size : CHUNK_SIZE - sizeof *c;
		struct chunk *n = malloc(sizeof *n + want);
		if (!n)
			return NULL;
		n->used = 0;
		n->size = want;
		if (c && size > CHUNK_SIZE / 4) {	/* big: keep filling the current chunk */
			n->next = c->next;
			c->next = n;
		} else {
			n->next = c;
			p->chunks = n;
		}
		c = n;
		off = 0;
	}
	c->used = off + size;
	return c->data + off;
}

void *intern_alloc(struct intern *p, size_t size)
{
	void *m = arena(p, size ? size : 1, 8);
	if (m)
		memset(m, 0, size);
	return m;
}

const char *intern_get(const struct intern *p, uint32_t id)
{
	if (id == 0 || id > p->count)
		return NULL;
	return p->blocks[id / BLOCK_IDS][id % BLOCK_IDS];
}

static int grow(struct intern *p)
{
	size_t n = p->nslots * 2;
	uint32_t *s = calloc(n, sizeof *s);
	if (!s)
		return -1;
	for (size_t i = 0; i < p->nslots; i++) {
		uint32_t id = p->slots[i];
		if (!id)
			continue;
		const char *str = intern_get(p, id);
		size_t j = hash(str, strlen(str)) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = id;
	}
	free(p->slots);
	p->slots = s;
	p->nslots = n;
	return 0;
}

uint32_t intern_addn(struct intern *p, const char *s, size_t len)
{
	size_t mask = p->nslots - 1, i = hash(s, len) & mask;
	for (uint32_t id; (id = p->slots[i]) != 0; i = (i + 1) & mask) {
		const char *t = intern_get(p, id);
		if (strncmp(t, s, len) == 0 && t[len] == '\0')
			return id;
	}
	uint32_t id = p->count + 1;
	if (id / BLOCK_IDS >= MAX_BLOCKS)
		return 0;
	const char **blk = p->blocks[id / BLOCK_IDS];
	if (!blk && !(blk = p->blocks[id / BLOCK_IDS] = calloc(BLOCK_IDS, sizeof *blk)))
		return 0;
	char *copy = arena(p, len + 1, 1);
	if (!copy)
		return 0;
	memcpy(copy, s, len);
	copy[len] = '\0';
	blk[id % BLOCK_IDS] = copy;
	p->slots[i] = id;
	p->count = id;
	if (p->count * 2 > p->nslots && grow(p) < 0)
		return 0;
	return id;
}

uint32_t intern_add(struct intern *p, const char *s)
{
	return intern_addn(p, s, strlen(s));
}

size_t intern_count(const struct intern *p)
{
	return p->count;
}
