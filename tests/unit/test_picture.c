/* The picture worker: a picture asked for comes, the same as drawn directly; the cache never
 * holds more bytes than its cap, and keeps the most recently used; a new screen drops the
 * requests not started. On the 64x64 images of data/. */
#include "dicom.h"
#include "picture.h"
#include "preview.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The picture of req, waiting for the worker (5 s at most). Caller frees. */
static struct picture *wait_for(struct picture_worker *w, const struct picture_req *req)
{
	for (int i = 0; i < 500; i++) {
		struct picture *p = picture_get(w, req);
		if (p)
			return p;
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(void)
{
	char err[512], path[4096];
	const char *src = getenv("top_srcdir");
	ok(dicom_init(err, sizeof err) == DICOM_OK, "dicom_init");
	snprintf(path, sizeof path, "%s/data/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1/sam-1/IM0001.dcm",
		 src ? src : ".");
	struct picture_worker *w = picture_worker_new(20000);
	ok(w != NULL, "a worker with a cache of 20,000 bytes");
	struct picture_req req = {.path = path, .cols = 20, .rows = 10, .colors = PREVIEW_COLORS_256};
	ok(picture_get(w, &req) == NULL, "the first ask: not there yet (it renders)");
	struct picture *p = wait_for(w, &req);
	ok(p && p->cells, "... then it comes");
	struct dicom_image *im = dicom_image_read(path, 0, 0, 0, err, sizeof err);
	int cols = 0, rows = 0;
	if (im)
		preview_fit(im->width, im->height, 20, 10, &cols, &rows);
	struct preview *direct = im ? preview_cells(im, cols, rows, PREVIEW_COLORS_256, 0) : NULL;
	ok(p && p->cells && direct && p->cells->cols == direct->cols && p->cells->rows == direct->rows &&
	   !memcmp(p->cells->cells, direct->cells, (size_t)direct->cols * (size_t)direct->rows * sizeof *direct->cells),
	   "... the same cells as drawn directly (%dx%d)", cols, rows);
	is_str(p ? p->info : NULL, "64x64 MONOCHROME2, frame 1 of 1, window 1585/2702 (histogram)", "... its info");
	picture_free(&p);
	preview_free(&direct);
	dicom_image_free(&im);
	ok(picture_pending(w) == 0, "nothing pending");
	p = picture_get(w, &req);
	ok(p != NULL, "asked again: from the cache at once");
	picture_free(&p);

	size_t count, bytes, most = 0;	/* many sizes: the cache stays under its cap */
	for (int c = 10; c <= 60; c += 2) {
		struct picture_req r = req;
		r.cols = c;
		picture_free((p = wait_for(w, &r), &p));
		picture_stats(w, &count, &bytes);
		if (bytes > most)
			most = bytes;
	}
	ok(most <= 20000, "26 sizes rendered: the cache never went over its 20,000 bytes (at most %zu)", most);
	picture_stats(w, &count, &bytes);
	ok(count >= 1 && count < 26, "... the older ones went (%zu kept)", count);
	struct picture_req last = req;
	last.cols = 60;
	p = picture_get(w, &last);
	ok(p != NULL, "the most recent one is kept");
	picture_free(&p);
	ok(picture_get(w, &req) == NULL, "the first one went (least recently used): asked for again");
	picture_begin(w);	/* a new screen: what was asked and not started is dropped */
	struct picture_req bad = req;
	bad.path = "/nonexistent/x.dcm";
	p = wait_for(w, &bad);
	ok(p && !p->cells && strstr(p->error, "cannot open"), "a file that is not there: its error, no cells");
	picture_free(&p);
	picture_worker_free(&w);
	ok(w == NULL, "freed");
	return tap_done();
}
