/* The scan cache file: what is written is read back, entry by entry, across the reader's
 * buffer refills (the file is read in pieces); a damaged file is refused as a whole. */
#include "cache.h"
#include "intern.h"
#include "mkdcm.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>

#define N 20000

struct seen {
	struct intern *pool;
	long n, wrong;
};

static void key_of(long i, char *buf, size_t len)
{	/* long keys of varying length, so that records straddle the reader's buffer */
	snprintf(buf, len, "sub-%ld/sam-%ld/%0*ld.dcm", i / 1000, (i / 10) % 100, (int)(20 + i % 37), i);
}

static void each(void *ctx, const char *rel, const struct cache_entry *e)
{
	struct seen *s = ctx;
	char want[128];
	key_of(s->n, want, sizeof want);
	const char *uid = e->tags ? intern_get(s->pool, e->tags[DICOM_SOP_INSTANCE_UID]) : NULL;
	char wuid[64];
	snprintf(wuid, sizeof wuid, "1.2.3.%ld", s->n);
	if (strcmp(rel, want) != 0 || e->stamp != cache_stamp((uint64_t)s->n * 7, (uint64_t)s->n, s->n * 1000, s->n * 2000) ||
	    e->status != DICOM_OK || !uid || strcmp(uid, wuid) != 0)
		s->wrong++;
	s->n++;
}

int main(void)
{
	char *dir = mktemp_dir();
	ok(dir != NULL, "temporary folder");
	if (!dir)
		return tap_done();
	struct intern *pool = intern_new();
	char err[512] = "", note[600] = "", key[128];
	struct cache_writer *w = cache_writer_open(dir, "/data/ds", pool, err, sizeof err);
	ok(w != NULL, "writer opened (%s)", err);
	uint32_t tags[DICOM_TAG_COUNT] = {0};
	tags[DICOM_STUDY_UID] = intern_add(pool, "1.2.3");
	int rc = 0;
	for (long i = 0; w && i < N; i++) {
		char uid[64];
		snprintf(uid, sizeof uid, "1.2.3.%ld", i);
		tags[DICOM_SOP_INSTANCE_UID] = intern_add(pool, uid);
		struct cache_entry e = {cache_stamp((uint64_t)i * 7, (uint64_t)i, i * 1000, i * 2000), DICOM_OK, 0, tags};
		key_of(i, key, sizeof key);
		rc |= cache_writer_add(w, key, &e);
	}
	ok(w && rc == 0 && cache_writer_close(&w, 1, err, sizeof err) == 0, "%d entries written (%s)", N, err);

	struct seen s = {intern_new(), 0, 0};
	long n = cache_read(dir, "/data/ds", s.pool, each, &s, note, sizeof note);
	is_int(n, N, "all read back (%s)", note);
	is_int(s.n, N, "each entry handed over once, in order");
	is_int(s.wrong, 0, "every key, stamp and tag as written");

	struct seen o = {intern_new(), 0, 0};
	is_int(cache_read(dir, "/data/other", o.pool, each, &o, note, sizeof note), -1, "no cache for another dataset");
	is_str(note, "", "... which is no problem: no note");

	int damaged = sh("f=$(ls '%s'/*.scan) && printf X | dd of=\"$f\" bs=1 seek=300000 conv=notrunc 2>/dev/null", dir) == 0;
	struct seen d = {intern_new(), 0, 0};
	is_int(damaged ? cache_read(dir, "/data/ds", d.pool, each, &d, note, sizeof note) : 0, -1,
	       "one byte changed deep inside: refused as a whole");
	ok(strstr(note, "corrupt") != NULL, "... as corrupt (%s)", note);
	intern_free(&pool);
	intern_free(&s.pool);
	intern_free(&o.pool);
	intern_free(&d.pool);
	rm_rf(dir);
	return tap_done();
}
