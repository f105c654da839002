/* The images of studies put on a DICOMweb server: the instances it lacks, in batches bounded by
 * count and bytes, each confirmed in the server's answer. Core module: no curses. */
#ifndef SDSFHIR_UPLOAD_H
#define SDSFHIR_UPLOAD_H

#include <stddef.h>

#include "dataset.h"
#include "dicomweb.h"

#define UPLOAD_BATCH_FILES 200			/* instances a request holds at most */
#define UPLOAD_BATCH_BYTES ((size_t)64 << 20)	/* and bytes (a server may hold a request whole in memory) */

struct upload_summary {
	size_t instances;	/* of the study */
	size_t held;		/* the server had already: not sent */
	size_t sent, stored;	/* sent, and confirmed stored */
	size_t failed;		/* not there in the end (reported, with the reason) */
	size_t requests;
};

/* Put study's instances on the server: the ones it lacks, then each confirmed. report(ctx, file
 * path, reason) is called for each instance not there in the end. 1 when all are there, 0 when
 * some are not, -1 when the server could not be asked or answered no store (err; then nothing
 * more is sent). */
int upload_study(struct dicomweb *d, const struct dataset_tree *t, const struct dataset_node *study,
		 void (*report)(void *ctx, const char *file, const char *reason), void *ctx, struct upload_summary *s,
		 char *err, size_t errlen);

/* How many of study's instances (distinct SOP Instance UIDs) the server holds, of how many:
 * 0, or -1 with err. */
int upload_count(struct dicomweb *d, const struct dataset_tree *t, const struct dataset_node *study, size_t *there,
		 size_t *total, char *err, size_t errlen);

#endif
