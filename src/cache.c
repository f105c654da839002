#include "config.h"

#include "cache.h"
#include "safefile.h"
#include "intern.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "SDSFHIRC"
#define CACHE_VERSION 3u	/* 2: ctime and inode in the key; 3: a hash of them (8 bytes, was 32) */
#define ENDIAN 0x01020304u

struct buf {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

struct cache_writer {
	struct buf b;		/* records not yet written to f */
	struct safefile *sf;	/* the new cache, under its temporary name */
	FILE *f;		/* its stream (borrowed from sf) */
	int bad;		/* a write failed */
	char *path;
	const struct intern *pool;
	uint32_t prev[DICOM_TAG_COUNT];
	size_t nrecords, count_at;
};

#define FNV_START 14695981039346656037ull

/* FNV-1a, 64 bits, of n more bytes after those that gave h (FNV_START: none yet). */
static uint64_t fnv64_more(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static uint64_t fnv64(const void *data, size_t n)
{
	return fnv64_more(FNV_START, data, n);
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

#define RD_BUF (1u << 17)	/* more than the longest record part (a string of 65,535 bytes) */

struct rd {			/* a cache file read in pieces, hashed as it comes in */
	FILE *f;
	size_t left;		/* bytes of the file not yet read, up to its checksum */
	uint64_t sum;		/* fnv64 of the bytes read so far */
	unsigned char *buf, *p, *end;
	int bad;
};

static const void *take(struct rd *r, size_t n)
{
	if (r->bad)
		return NULL;
	if ((size_t)(r->end - r->p) < n && r->left) {	/* refill: the rest moves to the front */
		size_t have = (size_t)(r->end - r->p), want = RD_BUF - have;
		memmove(r->buf, r->p, have);
		if (want > r->left)
			want = r->left;
		size_t got = fread(r->buf + have, 1, want, r->f);
		r->sum = fnv64_more(r->sum, r->buf + have, got);
		r->left -= got;
		if (got < want)
			r->left = 0, r->bad = 1;
		r->p = r->buf;
		r->end = r->buf + have + got;
	}
	if ((size_t)(r->end - r->p) < n) {
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

uint64_t cache_stamp(uint64_t size, uint64_t ino, int64_t mtime_ns, int64_t ctime_ns)
{
	uint64_t v[4] = {size, ino, (uint64_t)mtime_ns, (uint64_t)ctime_ns};
	return fnv64(v, sizeof v);
}

uint64_t cache_key_hash(const char *rel)
{
	return fnv64(rel, strlen(rel));
}

long cache_read(const char *dir, const char *dataset_path, struct intern *pool,
		void (*each)(void *ctx, const char *rel, const struct cache_entry *e), void *ctx,
		char *note, size_t notelen)
{
	char path[4096];
	note[0] = '\0';
	file_name(dir, dataset_path, path, sizeof path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	struct stat st;
	uint64_t sum = 0;
	struct rd r = {f, 0, FNV_START, malloc(RD_BUF), NULL, NULL, 0};
	char *key = malloc(65536);
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 40 || st.st_size > (1ll << 40) ||
	    !r.buf || !key || fseeko(f, st.st_size - 8, SEEK_SET) != 0 || fread(&sum, 1, 8, f) != 8 ||
	    fseeko(f, 0, SEEK_SET) != 0) {
		fclose(f);
		free(r.buf);
		free(key);
		snprintf(note, notelen, "scan cache %s unreadable: ignored, rebuilt", path);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	r.left = size - 8;
	r.p = r.end = r.buf;
	const char *magic = take(&r, 8);
	uint32_t version = GET(&r, uint32_t), ntags = GET(&r, uint32_t), endian = GET(&r, uint32_t);
	uint32_t plen = GET(&r, uint32_t);
	const char *p = take(&r, plen);
	uint32_t nrec = GET(&r, uint32_t);
	int ok = !r.bad && memcmp(magic, MAGIC, 8) == 0 && version == CACHE_VERSION && ntags == DICOM_TAG_COUNT &&
		 endian == ENDIAN && plen == strlen(dataset_path) && memcmp(p, dataset_path, plen) == 0 &&
		 (size_t)nrec <= size / 17;	/* no record is shorter */
	if (!ok)
		snprintf(note, notelen, "scan cache %s is corrupt or not for this dataset: ignored, rebuilt", path);
	uint32_t cur[DICOM_TAG_COUNT] = {0};
	for (uint32_t i = 0; ok && i < nrec; i++) {
		uint16_t rl = GET(&r, uint16_t);
		const char *rel = take(&r, rl);
		if (rel) {	/* copied at once: the next take may refill the buffer under it */
			memcpy(key, rel, rl);
			key[rl] = '\0';
		}
		struct cache_entry e;
		const unsigned char *stamp = take(&r, 9);	/* stamp and status: one take */
		if (!stamp)
			break;
		memcpy(&e.stamp, stamp, 8);
		e.status = stamp[8];
		e.msg = get_str(&r, pool, &ok);
		uint32_t mask = GET(&r, uint32_t);
		for (int t = 0; t < DICOM_TAG_COUNT && !r.bad; t++)
			if (mask & (1u << t))
				cur[t] = get_str(&r, pool, &ok);
		if (r.bad || !rel || e.status > DICOM_ERR_INTERNAL) {
			ok = 0;
			break;
		}
		e.tags = e.status == DICOM_OK ? cur : NULL;
		each(ctx, key, &e);
	}
	fclose(f);
	free(r.buf);
	free(key);
	if (note[0])
		return -1;
	if (!ok || r.bad || r.p != r.end || r.left || r.sum != sum) {	/* the checksum, once all is read */
		snprintf(note, notelen, "scan cache %s is corrupt: ignored, rebuilt", path);
		return -1;
	}
	return (long)nrec;
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
	if (!w || !(w->path = strdup(path))) {
		free(w);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->pool = pool;
	char why[600];
	if (!(w->sf = safefile_open(path, why, sizeof why))) {
		snprintf(err, errlen, "cannot write the scan cache: %s", why);
		free(w->path);
		free(w);
		return NULL;
	}
	w->f = safefile_stream(w->sf);
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
	PUT(&w->b, uint64_t, e->stamp);
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
	if (w->b.len >= 65536 && !w->b.oom) {	/* to the file as it grows: memory does not grow with the dataset */
		w->bad |= fwrite(w->b.p, 1, w->b.len, w->f) != w->b.len;
		w->b.len = 0;
	}
	return w->b.oom || w->bad ? -1 : 0;
}

/* The record count into the header, then the checksum of everything after it, read back. */
static int finish_file(struct cache_writer *w)
{
	uint32_t n = (uint32_t)w->nrecords;
	unsigned char chunk[65536];
	uint64_t h = FNV_START;
	size_t got;
	if (fwrite(w->b.p, 1, w->b.len, w->f) != w->b.len || fseeko(w->f, (off_t)w->count_at, SEEK_SET) != 0 ||
	    fwrite(&n, sizeof n, 1, w->f) != 1 || fflush(w->f) != 0 || fseeko(w->f, 0, SEEK_SET) != 0)
		return -1;
	while ((got = fread(chunk, 1, sizeof chunk, w->f)) > 0)
		h = fnv64_more(h, chunk, got);
	if (ferror(w->f) || fseeko(w->f, 0, SEEK_END) != 0 || fwrite(&h, sizeof h, 1, w->f) != 1)
		return -1;
	return 0;
}

int cache_writer_close(struct cache_writer **wp, int commit, char *err, size_t errlen)
{
	struct cache_writer *w = *wp;
	int rc = 0;
	if (commit && !w->b.oom) {
		char why[600];
		if (w->bad || finish_file(w) < 0) {
			snprintf(err, errlen, "cannot write the scan cache %s: %s", w->path, strerror(errno));
			safefile_abort(&w->sf);
			rc = -1;
		} else if (safefile_commit(&w->sf, 1, why, sizeof why) < 0) {
			snprintf(err, errlen, "the scan cache: %s", why);
			rc = -1;
		}
	} else {
		safefile_abort(&w->sf);
		if (commit) {
			snprintf(err, errlen, "out of memory writing the scan cache");
			rc = -1;
		}
	}
	free(w->b.p);
	free(w->path);
	free(w);
	*wp = NULL;
	return rc;
}
