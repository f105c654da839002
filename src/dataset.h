/* The model: SDS datasets read from disk, grouped as
 * dataset -> subject -> study -> series -> instance, with errors and warnings on the nodes.
 * Core module: no curses. */
#ifndef SDSFHIR_DATASET_H
#define SDSFHIR_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "dicom.h"

struct intern;
struct sds_table;

enum dataset_kind {
	DATASET_ROOT,		/* the inputs; its children are datasets and unusable inputs */
	DATASET_DATASET,	/* a folder holding primary/ */
	DATASET_SUBJECT,	/* a folder in primary/ */
	DATASET_STUDY,		/* one StudyInstanceUID within a subject */
	DATASET_SERIES,		/* one SeriesInstanceUID within a study; named after its sample folder */
	DATASET_INSTANCE,	/* a DICOM file that was read */
	DATASET_FILE,		/* a file or folder that is not an instance, with the reason */
	DATASET_META		/* an SDS metadata file of a dataset (dataset_description, subjects, samples) */
};

enum dataset_level { DATASET_WARNING, DATASET_ERROR };

struct dataset_msg {
	struct dataset_msg *next;
	int level;		/* enum dataset_level */
	const char *text;	/* borrowed from the tree */
};

enum {
	DATASET_NODE_ERROR = 1,		/* the node could not be read; msgs holds why */
	DATASET_NODE_SKIPPED = 2,	/* readable, but not an instance (DICOMDIR, stray file) */
	DATASET_NODE_MARKED = 4,	/* marked by the user */
	DATASET_NODE_OPEN = 8		/* expanded in the tree view */
};

enum dataset_server {		/* a study's state on the server, as last seen */
	DATASET_SERVER_UNKNOWN,
	DATASET_SERVER_ABSENT,
	DATASET_SERVER_SAME,
	DATASET_SERVER_DIFFERENT
};

struct dataset_node {
	struct dataset_node *parent, *child, *next;
	const char *name;	/* dataset, subject: folder name; study: StudyInstanceUID;
				   series: sample folder; instance, file: path below the subject folder
				   (below the dataset for files outside subjects; the input for root errors) */
	const char *path;	/* dataset: its folder (absolute); NULL for other kinds */
	struct dataset_msg *msgs;	/* errors and warnings about this node, in order found */
	uint32_t *tags;		/* instance: DICOM_TAG_COUNT string ids, 0 when absent, shared by the
				   instances whose values are all the same but these two (their slots
				   are 0: read them with dataset_tag or dataset_tag_id); study, series:
				   those of their first instance; else NULL */
	uint32_t sop, number;	/* instance (and its study and series): the string ids of its
				   SOPInstanceUID and InstanceNumber */
	uint32_t ninstances;	/* instances in the subtree */
	uint32_t nerrors;	/* error messages in the subtree */
	uint32_t nwarnings;	/* warning messages in the subtree */
	uint32_t nchildren;	/* direct children */
	uint8_t kind;		/* enum dataset_kind */
	uint8_t flags;		/* DATASET_NODE_* */
	uint8_t server;		/* study: enum dataset_server */
};

struct dataset_tree {
	struct dataset_node *root;
	struct intern *pool;	/* every string and node of the tree lives here */
	size_t nfiles;		/* files found */
	size_t cached;		/* of those, taken from the scan cache unread */
	char cache_note[512];	/* a cache that was ignored or could not be written, "" if none */
	int partial;		/* an outline handed out while the scan runs (see dataset_scan_opts):
				   datasets and subjects only, without children or messages; their
				   nchildren counts the files found under them, ninstances those
				   read so far */
	const struct dataset_node **twins;	/* study nodes whose StudyInstanceUID is in several
						   subject folders, grouped by UID, in tree order */
	size_t ntwins;
};

struct dataset_scan_opts {
	int threads;		/* reader threads; 0: one per online CPU */
	const char *cache_dir;	/* folder of the scan caches (see cache.h); NULL: no cache */
	void (*progress)(void *ctx, size_t done, size_t total);	/* optional, from the scanning thread */
	/* optional, from the scanning thread, at most every 200 ms and once when the listing
	 * ends: an outline of what is found so far (tree->partial set); the callee owns it and
	 * frees it with dataset_free */
	void (*outline)(void *ctx, struct dataset_tree *outline);
	void *ctx;
	volatile int *cancel;	/* when set non-zero, the scan stops soon and returns NULL ("cancelled") */
};

/* Scan the given paths: dataset roots, folders of datasets, primary/, subject or sample
 * folders, in any mix. Problems with a path or a file become nodes with errors; NULL
 * (with err filled) only when nothing can be done at all (out of memory, no DICOM
 * dictionary). Caller frees with dataset_free. Never writes to disk. */
struct dataset_tree *dataset_scan(const char *const *paths, size_t npaths,
				  const struct dataset_scan_opts *opts, char *err, size_t errlen);
void dataset_free(struct dataset_tree **tree);

/* The value of tag t on node n (instance, series or study): borrowed, NULL if absent. */
const char *dataset_tag(const struct dataset_tree *tree, const struct dataset_node *n, enum dicom_tag t);
/* Its string id in the tree's pool (equal values, equal ids); 0 if absent. */
uint32_t dataset_tag_id(const struct dataset_node *n, enum dicom_tag t);

/* The file-system path of a dataset, subject, instance or file node into buf.
 * Returns 0, or -1 when it does not fit or the node has no path. */
int dataset_node_path(const struct dataset_node *n, char *buf, size_t len);

/* The ancestor of n of the given kind, or NULL. Borrowed. */
struct dataset_node *dataset_ancestor(const struct dataset_node *n, enum dataset_kind kind);
/* The instance a series is shown by: the middle one of its instances, which the scan keeps in
 * Instance Number order (then by name); NULL when it has none (borrowed). */
const struct dataset_node *dataset_middle_instance(const struct dataset_node *series);
/* The study n is in, or n's only study when n is a subject with one; NULL otherwise (borrowed). */
const struct dataset_node *dataset_study_of(const struct dataset_node *n);

/* Where n is, for a message: "dataset/subject/sample" (a study: "dataset/subject"), a dataset
 * its name, a path given on the command line as given. Into buf; returns buf. */
const char *dataset_where(const struct dataset_node *n, char *buf, size_t len);

/* Every node of the given kind under n (n itself included), in tree order, in a new array
 * (*count set). Caller frees the array, not the nodes. NULL with *count 0 when none or out of memory. */
const struct dataset_node **dataset_collect(const struct dataset_node *n, enum dataset_kind kind, size_t *count);

/* The first readable SDS metadata file of n's dataset whose name starts with prefix
 * ("subjects."), as a table; its file name into name. NULL if none. Caller frees with
 * sds_meta_free. */
struct sds_table *dataset_meta(const struct dataset_node *n, const char *prefix, char *name, size_t len);

/* dataset_meta for nodes that come dataset by dataset: the table of the dataset met last is
 * kept, so that each dataset's file is read once. Zero-initialise; free with
 * dataset_meta_cache_clear. */
struct dataset_meta_cache {
	const struct dataset_node *ds;	/* the dataset of table */
	struct sds_table *table;	/* NULL when it has none */
	char file[256];			/* its file name */
};

/* The table of prefix of n's dataset, read when its dataset is not c's (one prefix a cache).
 * Borrowed from c; NULL if none. */
const struct sds_table *dataset_meta_cached(struct dataset_meta_cache *c, const struct dataset_node *n,
					    const char *prefix);
void dataset_meta_cache_clear(struct dataset_meta_cache *c);

/* The study nodes that hold study's StudyInstanceUID, in tree order, study itself
 * included: how many (1 when it is in one subject folder only); the first max into out
 * (borrowed). */
size_t dataset_study_folders(const struct dataset_tree *t, const struct dataset_node *study,
			     const struct dataset_node **out, size_t max);

/* The display name of a kind: "dataset", "subject", ... */
const char *dataset_kind_name(int kind);

/* Natural order of two names: digit runs compare by value ("sam-2" < "sam-10"). */
int dataset_natcmp(const char *a, const char *b);

/* Is the existing folder dir inside (or one of) the datasets of t? sdsfhir writes into none.
 * 0 when t is NULL or dir cannot be resolved. */
int dataset_tree_contains(const struct dataset_tree *t, const char *dir);

/* First message of the given level on n (not its subtree), or NULL. Borrowed. */
const char *dataset_first_msg(const struct dataset_node *n, int level);

#endif
