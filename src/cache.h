/* The scan cache: what was read from each file of a dataset, keyed by its path below the
 * dataset and a 64-bit hash of its size, modification and change times and inode (as git's
 * index: an edit that keeps the size and restores the mtime still changes the ctime), in one file per dataset under the cache folder
 * (never inside the dataset). A cache that is corrupt, foreign or of another version is
 * ignored and rebuilt. Core module: no curses. */
#ifndef SDSFHIR_CACHE_H
#define SDSFHIR_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dicom.h"

struct intern;

struct cache_entry {
	uint64_t stamp;		/* cache_stamp() of the file when it was read */
	int status;		/* enum dicom_status of the read */
	uint32_t msg;		/* error, skip reason or warning (string id), 0: none */
	uint32_t *tags;		/* DICOM_TAG_COUNT string ids (status DICOM_OK), in the pool; NULL otherwise */
};

/* The folder of the caches: $XDG_CACHE_HOME/sdsfhir or ~/.cache/sdsfhir into buf; -1 if none. */
int cache_dir(char *buf, size_t len);

/* Read the cache of the dataset at dataset_path (absolute) from dir, one entry at a time in the
 * order written, handing each to each(ctx, rel, e): rel and e are borrowed for the call, their
 * strings interned in pool. Returns the number of entries, or -1 when there is none or it
 * cannot be trusted, with why in note ("" when there simply is none). The checksum is known
 * only once all is read: after -1, the caller drops what each() was given. Nothing stays in
 * memory but the strings. */
long cache_read(const char *dir, const char *dataset_path, struct intern *pool,
		void (*each)(void *ctx, const char *rel, const struct cache_entry *e), void *ctx,
		char *note, size_t notelen);

/* A file's stamp: a hash of its size, modification and change times (ns) and inode. */
uint64_t cache_stamp(uint64_t size, uint64_t ino, int64_t mtime_ns, int64_t ctime_ns);

/* The hash of a file's key (its path below the dataset), for tables of files to match entries to. */
uint64_t cache_key_hash(const char *rel);

/* Writing: open a new cache for the dataset, add every file, commit (atomic rename). */
struct cache_writer;
struct cache_writer *cache_writer_open(const char *dir, const char *dataset_path, const struct intern *pool,
				       char *err, size_t errlen);
int cache_writer_add(struct cache_writer *w, const char *rel, const struct cache_entry *e);
/* Commit (1) or abandon (0) the new cache; frees w and sets it to NULL. 0, or -1 with err. */
int cache_writer_close(struct cache_writer **w, int commit, char *err, size_t errlen);

#endif
