/* A DICOMweb server (PS3.18): which instances of a study it holds (QIDO-RS) and storing files
 * (STOW-RS, streamed from disk as multipart/related), each instance checked in its answer,
 * never the status alone. Its own credentials (a netrc file's entry for its host, or a bearer
 * token), sent to its origin only. Core module: no curses. */
#ifndef SDSFHIR_DICOMWEB_H
#define SDSFHIR_DICOMWEB_H

#include <stddef.h>

struct dicomweb_opts {
	const char *url;		/* the base, e.g. https://pacs.example/dicom-web (borrowed) */
	const char *netrc_file;		/* HTTP Basic from this netrc file's entry for the host, or NULL */
	const char *token;		/* a bearer token, or NULL (borrowed) */
	const char *cacert;		/* CA bundle; NULL: the system's */
	int insecure;			/* 1: TLS certificates not verified (only when asked) */
	long timeout_ms;		/* nothing received for this long ends a request; 0: 60 s */
	volatile int *cancel;		/* set non-zero: the request in flight ends */
	void (*log)(void *ctx, const char *method, const char *url, long status, long ms, const char *text);
	void *ctx;
};

struct dicomweb_part {
	const char *path;		/* the file (borrowed) */
	const char *sop_uid;		/* its SOP Instance UID (borrowed) */
	int stored;			/* out: 1 when the answer lists it as stored */
	char reason[200];		/* out: why not, when not */
};

struct dicomweb;

/* NULL with err when the options cannot work (a bad URL, no memory). Caller frees. */
struct dicomweb *dicomweb_new(const struct dicomweb_opts *o, char *err, size_t errlen);
void dicomweb_free(struct dicomweb **d);

/* The SOP Instance UIDs of study the server holds, sorted (strcmp), into *uids (Caller frees
 * each and the array; none: NULL, 0). 0, or -1 with err. */
int dicomweb_held(struct dicomweb *d, const char *study, char ***uids, size_t *n, char *err, size_t errlen);

/* Store parts[0..n) of study in one request; each part's stored and reason filled from the
 * answer's Referenced and Failed SOP Sequences (a part in neither is not stored: "the server
 * did not say"). 0 when the server answered with a DICOM JSON body, -1 with err otherwise. */
int dicomweb_store(struct dicomweb *d, const char *study, struct dicomweb_part *parts, size_t n, char *err,
		   size_t errlen);

/* Where the server's answers say they are (the Retrieve URL of the last store), when it is not
 * under the configured base: "" when it is, or nothing was stored. Borrowed. */
const char *dicomweb_elsewhere(const struct dicomweb *d);

#endif
