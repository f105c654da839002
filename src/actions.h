/* The server actions, shared by the subcommands and the UI: create patients, push studies,
 * set bodySite, search. Core module: no curses. Each action reports every item through
 * the callbacks and returns a summary; none prints or exits. */
#ifndef SDSFHIR_ACTIONS_H
#define SDSFHIR_ACTIONS_H

#include <stddef.h>

#include <json-c/json.h>

#include "client.h"
#include "dataset.h"
#include "fhir.h"

enum actions_outcome {
	ACTIONS_CREATED,	/* a new resource */
	ACTIONS_EXISTED,	/* already there, left alone (conditional create) */
	ACTIONS_UPDATED,	/* written over the server's version */
	ACTIONS_UNCHANGED,	/* nothing to write */
	ACTIONS_NOT_FOUND,	/* not on the server */
	ACTIONS_SAME,		/* on the server as generated (compare) */
	ACTIONS_DIFFERENT,	/* on the server, but not as generated (compare) */
	ACTIONS_REMOVED,	/* deleted from the server (retract) */
	ACTIONS_FAILED,		/* refused; text says why */
	ACTIONS_NOT_SENT,	/* not sent: the run stopped first (cancelled, unreachable) */
	ACTIONS_UNKNOWN,	/* sent, its answer lost, and the server could not be read back */
	ACTIONS_NOUTCOMES
};

#define ACTIONS_MAX_BYTES (1024u * 1024u)	/* Medplum's default maxJsonSize */
#define ACTIONS_MAX_CONDITIONAL 8		/* conditional entries of one transaction Medplum takes */

struct actions_item {
	const struct dataset_node *node;	/* the study (borrowed) */
	const char *type;			/* "Patient" or "ImagingStudy" */
	int outcome;				/* enum actions_outcome */
	const char *id;				/* server id, or NULL (borrowed, valid during the call) */
	const char *text;			/* what happened, for people (borrowed) */
	json_object *resource;			/* compare: the server's resource; push, bodysite: the server's
					   copy after the write; or NULL (borrowed) */
	const char *diff;			/* compare: the differences, "path: here X, server Y; ...",
						   or NULL (borrowed) */
	const char *kept;			/* compare: what of the server's copy a push keeps though
						   the files say otherwise (fhir_study_merge), or NULL
						   (borrowed) */
};

struct actions_ctx {
	const struct dataset_tree *tree;
	struct client *client;
	const struct fhir_opts *fopts;
	int batch;				/* push: studies per request; 0: 4 */
	size_t max_bytes;			/* push: request body limit; 0: ACTIONS_MAX_BYTES */
	void (*item)(void *ctx, const struct actions_item *it);		/* each result; may be NULL */
	void (*progress)(void *ctx, size_t done, size_t total);		/* may be NULL */
	void *ctx;
	volatile int *cancel;			/* checked between requests */
	int files_win;				/* push: the files' bodySite wins over one set on the
						   server (see fhir_study_merge) */
	int same_person;			/* push: link studies to the Patients of their identifiers
						   even when name, birth date or sex differ */
	const struct dataset_node *series;	/* bodySite: this series only (borrowed); NULL: every
						   series of the study */
};

enum actions_type {		/* the resources written, as counted in actions_summary.types */
	ACTIONS_IMAGINGSTUDY,
	ACTIONS_PATIENT,
	ACTIONS_RESEARCHSTUDY,
	ACTIONS_RESEARCHSUBJECT,
	ACTIONS_PRACTITIONER,
	ACTIONS_ENDPOINT,
	ACTIONS_NTYPES
};

struct actions_summary {
	size_t count[ACTIONS_NOUTCOMES];	/* items by outcome: the action's own (studies; Patients for
						   actions_patients) */
	size_t types[ACTIONS_NTYPES][ACTIONS_NOUTCOMES];	/* every resource written, once each, by
								   type and outcome */
	size_t requests;			/* HTTP requests made, retries included */
	int status;				/* worst client_status met (CLIENT_OK when none) */
	size_t changed;				/* bodysite: series whose bodySite was written */
	char error[2048];			/* the first error, "" when none */
};

/* Conditional create of the Patients of studies[0..n) (each person once), with what the
 * ImagingStudies will refer to (ResearchStudy, ResearchSubject, Practitioner, Endpoint), in
 * transaction Bundles; the Patients are the items counted. */
void actions_patients(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		      struct actions_summary *sum);

/* Push studies[0..n), each with its Patient, in transaction Bundles of up to a->batch
 * studies and a->max_bytes bytes. The server's copies are read first (a few searches):
 * a study already the same is UNCHANGED and not sent; one whose version did not move
 * is UNCHANGED too. A refused Bundle of several studies is split in two and retried,
 * down to the one study that fails, which is reported with the server's OperationOutcome;
 * on servers that run a transaction entry by entry, each entry's status is read and the
 * failed studies are sent again on their own, once. A study too large for one request
 * goes without its instance lists, with a warning. A StudyInstanceUID met in several
 * folders is pushed once. */
void actions_push(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		  struct actions_summary *sum);

/* Set series[].bodySite of studies already on the server: code (with display, may be
 * NULL) for every series, or, when code is NULL, the CID 4031 mapping of each series'
 * Body Part Examined. One read and one versioned update per study; on 412 one re-read
 * and retry. A study not on the server is reported NOT_FOUND, never created. */
void actions_bodysite(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		      const char *code, const char *display, json_object *undo, struct actions_summary *sum);

/* undo (may be NULL), a JSON array, gets for each study written what to put back: its id, the
 * version written and each series' previous bodySite. actions_bodysite_undo puts it back,
 * with If-Match on that version: a study changed on the server since is left alone (FAILED). */
void actions_bodysite_undo(const struct actions_ctx *a, json_object *undo, struct actions_summary *sum);

/* Compare studies[0..n) with what the server has: SAME, DIFFERENT (the text lists the
 * differences) or NOT_FOUND per study, read in as few searches as the URL length allows. */
void actions_compare(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		     struct actions_summary *sum);

/* Compare study with server, its ImagingStudy on the server, as a push would send it (over
 * the server's copy, without instance lists when over a->max_bytes): 0 when the same, the
 * number of differences (described in diff) otherwise, -1 (the reason in diff) when it cannot
 * be built. kept gets what of the server's copy a push keeps ("" when nothing). */
int actions_study_state(const struct actions_ctx *a, const struct dataset_node *study, json_object *server,
			char *diff, size_t len, char *kept, size_t keptlen);

/* Remove the study folders studies[0..n) from the server. A study all of whose subject folders
 * are named: every ImagingStudy that carries its urn:dicom:uid identifier is deleted (REMOVED).
 * One with folders left: only the named folders' series and identifiers are taken out of its
 * ImagingStudy (UPDATED, with If-Match). One not there is NOT_FOUND. The ResearchSubject of a
 * subject folder none of whose studies is left goes too; Patients stay. */
void actions_retract(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		     struct actions_summary *sum);

/* What a retract of studies[0..n) removes, for its question: the folders, each study's
 * "; "-separated, and for a study with folders left, which stay. Into buf; returns buf. */
const char *actions_retract_text(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
				 char *buf, size_t len);

/* Run a search ("Type?params" relative to the base, or a next link): the matching resources
 * (search mode "match") go into *matches and included ones into *included (new arrays,
 * caller puts them); *total is the server's total or -1. Follows next links while all is
 * set, else reads one page and sets *next to the next link (caller frees), or NULL when
 * none remains. Returns a client_status. */
int actions_search(const struct actions_ctx *a, const char *query, int all, json_object **matches,
		   json_object **included, long *total, char **next, struct actions_summary *sum);

/* One page of search results (a Bundle): matches and (new) includes appended, *total set
 * when given, *next to a copy of the next link or NULL. seen holds the includes kept so
 * far. 0, or -1 with err when bundle is not a searchset Bundle. */
int actions_page(json_object *bundle, json_object *matches, json_object *included, json_object *seen, long *total,
		 char **next, char *err, size_t errlen);

/* One search result as people read it: every field checked for its type, "" when absent. */
struct actions_row {
	char type[64], id[128];
	char patient[256];		/* ImagingStudy: the name of its included Patient, else its reference;
					   Patient: its name */
	char started[64], nseries[16], sites[512];	/* ImagingStudy */
	char dataset[256], sparc_study[512];		/* ImagingStudy: the SPARC names in its identifiers */
	char study_uid[256];		/* ImagingStudy: its urn:dicom:uid StudyInstanceUID */
	char gender[32], birth_date[32], identifier[600];	/* Patient */
	char subject[256], arm[128];	/* ResearchSubject: its SDS subject id and arm (patient: its
					   Patient's name, dataset: its ResearchStudy's, when included) */
	char last_updated[64];
};

/* Fill row from resource r of a search, with included (may be NULL) for the subjects' names.
 * Never fails: fields of the wrong type are left "". */
void actions_result_row(json_object *r, json_object *included, struct actions_row *row);

/* The query of a search shorthand: kind "patient" (a name), "bodysite" (SNOMED CT code, or a
 * name through CID 4031), "identifier", "dataset" (a dataset folder name: its ImagingStudies),
 * "subjects" (a dataset folder name: its ResearchSubjects with their Patients), "datasets" (a
 * patient name, or identifier system|value: the ResearchSubjects of that person with their
 * ResearchStudies). 0, or -1 with err. */
int actions_search_query(const char *kind, const char *value, char *out, size_t len, char *err, size_t errlen);

/* "N shown of T" when the total is known (the server's, or N itself when no page is left),
 * else "N shown"; " (more ...)" follows when more pages are left (more_text, e.g. "as you
 * scroll"). Into buf; returns buf. */
const char *actions_shown_text(size_t shown, long total, int more, const char *more_text, char *buf, size_t len);

/* The counts of sum->types: "ImagingStudy 2 created; Patient 2 existed; ...", "" when none.
 * Into buf; returns buf. */
const char *actions_types_text(const struct actions_summary *sum, char *buf, size_t len);

/* An item as one line: its outcome's name, padded, then its text (left out when it only says
 * the name again). Into buf; returns buf. */
const char *actions_item_text(const struct actions_item *it, char *buf, size_t len);

/* The display name of an outcome: "created", "existed", ... */
const char *actions_outcome_name(int outcome);

#endif
