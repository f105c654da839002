/* The one way sdsfhir creates a file (git's tempfile.c and lockfile.c): a temporary file of an
 * unguessable name in the target's folder (mkostemp: O_CREAT|O_EXCL, mode 0600, so never
 * through a link or a name someone planted), written, flushed to disk (fsync), then renamed
 * over the target, or linked to it when an existing file must not be replaced. Every file it
 * writes holds patient data or may (exports, saved JSON, the scan cache, the search history):
 * all are 0600. Core module: no curses. */
#ifndef SDSFHIR_SAFEFILE_H
#define SDSFHIR_SAFEFILE_H

#include <stddef.h>
#include <stdio.h>

struct safefile;

/* A new temporary file beside path, open for reading and writing. NULL with err. Caller ends
 * it with safefile_commit or safefile_abort. */
struct safefile *safefile_open(const char *path, char *err, size_t errlen);

/* Its stream (borrowed, valid until the end). */
FILE *safefile_stream(struct safefile *sf);

/* The temporary file's name (borrowed): for a file that is used and dropped, never put in place
 * (the UI's pager reads it, then safefile_abort removes it). */
const char *safefile_tmpname(const struct safefile *sf);

/* Flush, fsync and close it, then put it in place: renamed over path (replace set), or linked
 * to path when none is there (replace 0: an existing file is kept, EEXIST). The temporary file
 * is gone either way. 0, or -1 with err (errno kept). *sf is freed and set to NULL. */
int safefile_commit(struct safefile **sf, int replace, char *err, size_t errlen);

/* Drop it: closed and removed. *sf is freed and set to NULL; NULL is fine. */
void safefile_abort(struct safefile **sf);

/* Write all of data to path through a safefile. 0, or -1 with err. */
int safefile_write(const char *path, const void *data, size_t len, int replace, char *err, size_t errlen);

/* name (from a server or a folder: hostile) as a plain file name into out: every byte but
 * letters, digits, '.', '-' and '_' becomes '_', a leading '.' too, and it is cut to len - 1
 * bytes at most (and 200). "" becomes "_". */
void safefile_name(const char *name, char *out, size_t len);

/* May sdsfhir write into folder dir, on a host with other users: owned by this user (or by
 * root with the sticky bit, as /tmp) and writable by no other user unless sticky? 0, or -1
 * with the reason in err. */
int safefile_dir_check(const char *dir, char *err, size_t errlen);

#endif
