/* Pictures of DICOM instances rendered off the UI thread, and kept: a worker thread decodes and
 * draws what is asked for (only the latest requests: moving on drops the older ones), and a
 * cache of a fixed size in bytes keeps the recent ones (least recently used go first). No curses. */
#ifndef SDSFHIR_PICTURE_H
#define SDSFHIR_PICTURE_H

#include <stddef.h>

#include "preview.h"

struct picture_req {
	const char *path;	/* the file (borrowed) */
	unsigned frame;		/* 0-based */
	double center, width;	/* width > 0: this window; else the file's */
	int cols, rows;		/* the most cells the picture takes */
	int colors, ascii;	/* enum preview_colors; ASCII only */
};

struct picture {
	struct preview *cells;	/* NULL when it could not be shown (error says why) */
	unsigned frames;	/* frames of the instance */
	double center, width;	/* the window used (grey) */
	char info[256];		/* "512x512 MONOCHROME2, frame 1 of 3, window 40/400 (header)" */
	char error[512];
};

struct picture_worker;

/* A worker and its cache of at most cache_bytes. NULL when out of memory. Caller frees. */
struct picture_worker *picture_worker_new(size_t cache_bytes);
void picture_worker_free(struct picture_worker **w);

/* Start a new set of requests: the ones not rendered yet are dropped. */
void picture_begin(struct picture_worker *w);

/* The picture req asks for: a copy (Caller frees with picture_free), or NULL while it is being
 * rendered (it is asked for then). */
struct picture *picture_get(struct picture_worker *w, const struct picture_req *req);
void picture_free(struct picture **p);

/* Has a picture been rendered since the last call? */
int picture_ready(struct picture_worker *w);

/* Are pictures asked for and not rendered yet? */
int picture_pending(struct picture_worker *w);

/* What the cache holds: pictures and bytes. */
void picture_stats(struct picture_worker *w, size_t *count, size_t *bytes);

#endif
