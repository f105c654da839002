#include "config.h"

#include "cache.h"
#include "intern.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "SDSFHIRC"
#define CACHE_VERSION 2u	/* 2: ctime and inode in the key */
#define ENDIAN 0x01020304u

struct slot {
	const char *rel;	/* NULL: empty */
	struct cache_entry e;
};

struct cache {
	struct slot *slots;
	size_t nslots, nentries;
	char *keys;		/* the rel strings, back to back */
};

struct buf {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

struct cache_writer {
	struct buf b;
	char *path, *tmp;
	const struct intern *pool;
	uint32_t prev[DICOM_TAG_COUNT];
	size_t nrecords, count_at;
};

static uint64_t fnv64(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

int cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && *xdg)
		n = snprintf(buf, len, "%s/sdsfhir", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.cache/sdsfhir", home);
	else
		return -1;
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static void file_name(const char *dir, const char *dataset_path, char *out, size_t len)
{
	snprintf(out, len, "%s/%016llx.scan", dir, (unsigned long long)fnv64(dataset_path, strlen(dataset_path)));
}

/* ---- reading ---- */

struct rd {
	const unsigned char *p, *end;
	int bad;
};

static const void *take(struct rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	const void *v = r->p;
	r->p += n;
	return v;
}

static uint64_t get_n(struct rd *r, size_t n)
{
	uint64_t v = 0;
	uint8_t b8;
	uint16_t b16;
	uint32_t b32;
	const void *q = take(r, n);
	if (!q)
		return 0;
	switch (n) {
	case 1: memcpy(&b8, q, 1); return b8;
	case 2: memcpy(&b16, q, 2); return b16;
	case 4: memcpy(&b32, q, 4); return b32;
	default: memcpy(&v, q, 8); return v;
	}
}

#define GET(r, type) ((type)get_n(r, sizeof(type)))

/* A string "u16 length+1, bytes" (0: none): its id in pool, 0 for none; *ok = 0 on failure. */
static uint32_t get_str(struct rd *r, struct intern *pool, int *ok)
{
	uint16_t n = GET(r, uint16_t);
	if (r->bad || n == 0)
		return 0;
	const char *s = take(r, (size_t)n - 1);
	if (!s)
		return 0;
	uint32_t id = intern_addn(pool, s, (size_t)n - 1);
	if (!id)
		*ok = 0;
	return id;
}

static size_t hash_str(const char *s)
{
	return (size_t)fnv64(s, strlen(s));
}

struct cache *cache_load(const char *dir, const char *dataset_path, struct intern *pool, char *note, size_t notelen)
{
	char path[4096];
	note[0] = '\0';
	file_name(dir, dataset_path, path, sizeof path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	unsigned char *data = NULL;
	if (fstat(fileno(f), &st) != 0 || st.st_size < 40 || st.st_size > (1ll << 32) ||
	    !(data = malloc((size_t)st.st_size)) || fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fclose(f);
		free(data);
		snprintf(note, notelen, "scan cache %s unreadable: ignored, rebuilt", path);
		return NULL;
	}
	fclose(f);
	size_t size = (size_t)st.st_size;
	uint64_t sum;
	memcpy(&sum, data + size - 8, 8);
	struct rd r = {data, data + size - 8, 0};
	const char *magic = take(&r, 8);
	uint32_t version = GET(&r, uint32_t), ntags = GET(&r, uint32_t), endian = GET(&r, uint32_t);
	uint32_t plen = GET(&r, uint32_t);
	const char *p = take(&r, plen);
	uint32_t nrec = GET(&r, uint32_t);
	if (r.bad || memcmp(magic, MAGIC, 8) != 0 || fnv64(data, size - 8) != sum || version != CACHE_VERSION ||
	    ntags != DICOM_TAG_COUNT || endian != ENDIAN || plen != strlen(dataset_path) ||
	    memcmp(p, dataset_path, plen) != 0 || nrec > 100000000u) {
		free(data);
		snprintf(note, notelen, "scan cache %s is corrupt or not for this dataset: ignored, rebuilt", path);
		return NULL;
	}
	struct cache *c = calloc(1, sizeof *c);
	if (!c) {
		free(data);
		return NULL;
	}
	c->nslots = 16;
	while (c->nslots < (size_t)nrec + (size_t)nrec / 4)	/* at most 80 % full: short probes, less memory */
		c->nslots *= 2;
	c->slots = calloc(c->nslots, sizeof *c->slots);
	c->keys = malloc(size);	/* the keys are shorter than the file */
	size_t koff = 0;
	int ok = c->slots && c->keys;
	uint32_t cur[DICOM_TAG_COUNT] = {0};
	for (uint32_t i = 0; ok && i < nrec; i++) {
		uint16_t rl = GET(&r, uint16_t);
		const char *rel = take(&r, rl);
		struct cache_entry e;
		e.size = GET(&r, uint64_t);
		e.mtime_ns = GET(&r, int64_t);
		e.ctime_ns = GET(&r, int64_t);
		e.ino = GET(&r, uint64_t);
		e.status = GET(&r, uint8_t);
		e.msg = get_str(&r, pool, &ok);
		uint32_t mask = GET(&r, uint32_t);
		for (int t = 0; t < DICOM_TAG_COUNT && !r.bad; t++)
			if (mask & (1u << t))
				cur[t] = get_str(&r, pool, &ok);
		e.tags = NULL;
		if (r.bad || !rel || e.status > DICOM_ERR_INTERNAL) {
			ok = 0;
			break;
		}
		if (e.status == DICOM_OK) {
			e.tags = intern_alloc(pool, sizeof cur);
			if (!e.tags) {
				ok = 0;
				break;
			}
			memcpy(e.tags, cur, sizeof cur);
		}
		memcpy(c->keys + koff, rel, rl);
		c->keys[koff + rl] = '\0';
		const char *key = c->keys + koff;
		koff += (size_t)rl + 1;
		size_t h = hash_str(key) & (c->nslots - 1);
		while (c->slots[h].rel && strcmp(c->slots[h].rel, key) != 0)
			h = (h + 1) & (c->nslots - 1);
		if (!c->slots[h].rel)
			c->nentries++;
		c->slots[h].rel = key;
		c->slots[h].e = e;
	}
	free(data);
	if (!ok || r.p != r.end) {
		snprintf(note, notelen, "scan cache %s is corrupt: ignored, rebuilt", path);
		cache_free(&c);
		return NULL;
	}
	return c;
}

size_t cache_size(const struct cache *c)
{
	return c ? c->nentries : 0;
}

void cache_free(struct cache **c)
{
	if (!*c)
		return;
	free((*c)->slots);
	free((*c)->keys);
	free(*c);
	*c = NULL;
}

const struct cache_entry *cache_find(const struct cache *c, const char *rel, const struct cache_entry *stamp)
{
	if (!c)
		return NULL;
	size_t h = hash_str(rel) & (c->nslots - 1);
	for (; c->slots[h].rel; h = (h + 1) & (c->nslots - 1)) {
		if (strcmp(c->slots[h].rel, rel) == 0) {
			const struct cache_entry *e = &c->slots[h].e;
			return e->size == stamp->size && e->mtime_ns == stamp->mtime_ns && e->ctime_ns == stamp->ctime_ns &&
			       e->ino == stamp->ino ? e : NULL;
		}
	}
	return NULL;
}

/* ---- writing ---- */

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		while (cap < b->len + n)
			cap *= 2;
		unsigned char *q = realloc(b->p, cap);
		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

#define PUT(b, type, v) do { type v_ = (type)(v); put(b, &v_, sizeof v_); } while (0)

static void put_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > 65534)
		n = 65534;
	PUT(b, uint16_t, s ? n + 1 : 0);
	put(b, s, n);
}

static int mkdirs(const char *dir)
{
	char p[4096];
	snprintf(p, sizeof p, "%s", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST)
				return -1;
			*s = '/';
		}
	}
	return mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

struct cache_writer *cache_writer_open(const char *dir, const char *dataset_path, const struct intern *pool,
				       char *err, size_t errlen)
{
	if (mkdirs(dir) < 0) {
		snprintf(err, errlen, "cannot make the cache folder %s: %s", dir, strerror(errno));
		return NULL;
	}
	struct cache_writer *w = calloc(1, sizeof *w);
	char path[4096];
	file_name(dir, dataset_path, path, sizeof path);
	if (!w || !(w->path = strdup(path)) || asprintf(&w->tmp, "%s.%ld.tmp", path, (long)getpid()) < 0) {
		if (w)
			free(w->path);
		free(w);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->pool = pool;
	put(&w->b, MAGIC, 8);
	PUT(&w->b, uint32_t, CACHE_VERSION);
	PUT(&w->b, uint32_t, DICOM_TAG_COUNT);
	PUT(&w->b, uint32_t, ENDIAN);
	PUT(&w->b, uint32_t, strlen(dataset_path));
	put(&w->b, dataset_path, strlen(dataset_path));
	w->count_at = w->b.len;
	PUT(&w->b, uint32_t, 0);
	return w;
}

int cache_writer_add(struct cache_writer *w, const char *rel, const struct cache_entry *e)
{
	size_t rl = strlen(rel);
	if (rl > 65535)
		return -1;
	PUT(&w->b, uint16_t, rl);
	put(&w->b, rel, rl);
	PUT(&w->b, uint64_t, e->size);
	PUT(&w->b, int64_t, e->mtime_ns);
	PUT(&w->b, int64_t, e->ctime_ns);
	PUT(&w->b, uint64_t, e->ino);
	PUT(&w->b, uint8_t, e->status);
	put_str(&w->b, intern_get(w->pool, e->msg));
	uint32_t mask = 0;
	for (int t = 0; e->tags && t < DICOM_TAG_COUNT; t++)
		if (e->tags[t] != w->prev[t])
			mask |= 1u << t;
	PUT(&w->b, uint32_t, mask);
	for (int t = 0; t < DICOM_TAG_COUNT; t++) {
		if (mask & (1u << t)) {
			put_str(&w->b, intern_get(w->pool, e->tags[t]));
			w->prev[t] = e->tags[t];
		}
	}
	w->nrecords++;
	return w->b.oom ? -1 : 0;
}

int cache_writer_close(struct cache_writer **wp, int commit, char *err, size_t errlen)
{
	struct cache_writer *w = *wp;
	int rc = 0;
	if (commit && !w->b.oom) {
		uint32_t n = (uint32_t)w->nrecords;
		memcpy(w->b.p + w->count_at, &n, sizeof n);
		uint64_t sum = fnv64(w->b.p, w->b.len);
		put(&w->b, &sum, sizeof sum);
		FILE *f = fopen(w->tmp, "wb");
		int bad = !f;
		if (f) {
			bad = fwrite(w->b.p, 1, w->b.len, f) != w->b.len;
			bad |= fclose(f) != 0;
		}
		if (bad || rename(w->tmp, w->path) != 0) {
			snprintf(err, errlen, "cannot write the scan cache %s: %s", w->path, strerror(errno));
			unlink(w->tmp);
			rc = -1;
		}
	} else if (commit) {
		snprintf(err, errlen, "out of memory writing the scan cache");
		rc = -1;
	}
	free(w->b.p);
	free(w->path);
	free(w->tmp);
	free(w);
	*wp = NULL;
	return rc;
}
