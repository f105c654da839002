/* A study's instances to a DICOMweb server: ask what it holds, send the rest in batches, check
 * every instance in the answers. */
#include "config.h"

#include "upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct item {
	const char *uid;	/* SOP Instance UID (borrowed from the tree) */
	char *path;
	int send;		/* 1: not on the server, the first file of its UID */
};

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_uid(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
	int c = strcmp(x->uid, y->uid);
	return c ? c : x < y ? -1 : x > y;	/* the first file of a UID first */
}

/* Is uid among held[0..n) (sorted, as dicomweb_held gives them)? */
static int held_has(char **held, size_t n, const char *uid)
{
	return n && bsearch(&uid, held, n, sizeof *held, by_str) != NULL;	/* (bsearch takes no NULL, even for nothing) */
}

static void held_free(char **held, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(held[i]);
	free(held);
}

/* Another file of an instance already to be sent is not sent again (it counts as there). */
static void once(struct item *items, size_t n, struct upload_summary *s)
{
	struct item **by = malloc(n * sizeof *by);
	size_t k = 0;
	for (size_t i = 0; by && i < n; i++)
		if (items[i].send)
			by[k++] = &items[i];
	if (by && k)
		qsort(by, k, sizeof *by, by_uid);
	for (size_t i = 1; by && i < k; i++)
		if (!strcmp(by[i]->uid, by[i - 1]->uid)) {
			by[i]->send = 0;
			s->held++;
		}
	free(by);
}

/* Send items[from..to) whose send is set, bounded by count and bytes: how far it got. */
static size_t batch(struct dicomweb *d, const char *study, struct item *items, size_t from, size_t to,
		    void (*report)(void *, const char *, const char *), void *ctx, struct upload_summary *s, int *dead,
		    char *err, size_t errlen)
{
	struct dicomweb_part parts[UPLOAD_BATCH_FILES];
	size_t np = 0, bytes = 0, k = from;
	for (; k < to && np < UPLOAD_BATCH_FILES; k++) {
		if (!items[k].send)
			continue;
		struct stat st;	/* checked just before it goes: a file that vanished would fail the whole request */
		if (lstat(items[k].path, &st) != 0 || !S_ISREG(st.st_mode)) {
			report(ctx, items[k].path, "the file is gone or is not a regular file: not sent");
			s->failed++;
			continue;
		}
		if (np && bytes + (size_t)st.st_size > UPLOAD_BATCH_BYTES)
			break;
		bytes += (size_t)st.st_size;
		parts[np++] = (struct dicomweb_part){.path = items[k].path, .sop_uid = items[k].uid};
	}
	if (!np)
		return k;
	s->sent += np;
	s->requests++;
	if (dicomweb_store(d, study, parts, np, err, errlen) < 0) {
		*dead = 1;
		for (size_t i = 0; i < np; i++)
			report(ctx, parts[i].path, err);
		s->failed += np;
		return k;
	}
	for (size_t i = 0; i < np; i++) {
		if (parts[i].stored) {
			s->stored++;
		} else {
			report(ctx, parts[i].path, parts[i].reason);
			s->failed++;
		}
	}
	return k;
}

int upload_study(struct dicomweb *d, const struct dataset_tree *t, const struct dataset_node *study,
		 void (*report)(void *ctx, const char *file, const char *reason), void *ctx, struct upload_summary *s,
		 char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	size_t n = 0;
	const struct dataset_node **inst = dataset_collect(study, DATASET_INSTANCE, &n);
	struct item *items = n ? calloc(n, sizeof *items) : NULL;
	if (n && (!inst || !items)) {
		free(inst);
		free(items);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->instances = n;
	char **held = NULL;
	size_t nheld = 0;
	int rc = dicomweb_held(d, study->name, &held, &nheld, err, errlen);
	if (rc == 0) {
		for (size_t i = 0; i < n; i++) {
			char path[4096];
			items[i].uid = dataset_tag(t, inst[i], DICOM_SOP_INSTANCE_UID);
			items[i].path = dataset_node_path(inst[i], path, sizeof path) == 0 ? strdup(path) : NULL;
			if (!items[i].uid || !items[i].path) {
				report(ctx, items[i].path ? items[i].path : inst[i]->name, "no SOP Instance UID: not sent");
				s->failed++;
			} else if (held_has(held, nheld, items[i].uid)) {
				s->held++;
			} else {
				items[i].send = 1;
			}
		}
		once(items, n, s);
		int dead = 0;
		for (size_t k = 0; k < n && !dead;)
			k = batch(d, study->name, items, k, n, report, ctx, s, &dead, err, errlen);
		rc = dead ? -1 : s->failed ? 0 : 1;
	}
	held_free(held, nheld);
	for (size_t i = 0; i < n; i++)
		free(items[i].path);
	free(items);
	free(inst);
	return rc;
}

int upload_count(struct dicomweb *d, const struct dataset_tree *t, const struct dataset_node *study, size_t *there,
		 size_t *total, char *err, size_t errlen)
{
	*there = *total = 0;
	char **held = NULL;
	size_t nheld = 0, n = 0;
	if (dicomweb_held(d, study->name, &held, &nheld, err, errlen) < 0)
		return -1;
	const struct dataset_node **inst = dataset_collect(study, DATASET_INSTANCE, &n);
	const char **uids = n ? malloc(n * sizeof *uids) : NULL;
	size_t k = 0;
	for (size_t i = 0; uids && i < n; i++)
		if ((uids[k] = dataset_tag(t, inst[i], DICOM_SOP_INSTANCE_UID)))
			k++;
	if (uids && k)
		qsort(uids, k, sizeof *uids, by_str);
	for (size_t i = 0; i < k; i++) {
		if (i && !strcmp(uids[i], uids[i - 1]))
			continue;	/* one instance, however many files */
		(*total)++;
		*there += held_has(held, nheld, uids[i]);
	}
	free(uids);
	free(inst);
	held_free(held, nheld);
	return 0;
}
