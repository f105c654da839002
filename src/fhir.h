/* FHIR R4 resources from the dataset model: Patient, ImagingStudy and transaction Bundles
 * (json-c). Core module: no curses. Every json_object returned is owned by the caller
 * (release it with json_object_put). */
#ifndef SDSFHIR_FHIR_H
#define SDSFHIR_FHIR_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "dataset.h"

#define FHIR_SYS_DICOM_UID "urn:dicom:uid"
#define FHIR_SYS_SPARC_STUDY "urn:sparc_study:uid"
#define FHIR_SYS_SPARC_DATASET "urn:sparc_dataset:uid"
#define FHIR_SYS_SPARC_SUBJECT "urn:sparc_subject:id"
#define FHIR_SYS_PATIENT_DEFAULT "urn:sparc_patient:id"
#define FHIR_SYS_DCM "http://dicom.nema.org/resources/ontology/DCM"
#define FHIR_SYS_SNOMED "http://snomed.info/sct"
#define FHIR_SYS_RFC3986 "urn:ietf:rfc:3986"
#define FHIR_EXT_EN_REPRESENTATION "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"

struct fhir_opts {
	const char *patient_system;	/* identifier system when there is no Issuer of Patient ID;
					   NULL: FHIR_SYS_PATIENT_DEFAULT */
	const char *zone;		/* zone of times without Timezone Offset From UTC: "local" (the
					   process's TZ, DST-aware) or a fixed "+hh:mm", "-hh:mm", "Z"; NULL: local */
	int zone_given;			/* the user chose the zone (a named one sets TZ, and zone is
					   "local"): fhir_zone_assumed has nothing to say */
	const char *bodysite_hint;	/* how this front end adds a bodySite ("b", "sdsfhir bodysite
					   --code"), named in the warning of a series without one; NULL: none */
	/* Called for each warning while building; may be NULL. node is borrowed. */
	void (*warn)(void *ctx, const struct dataset_node *node, const char *text);
	void *ctx;
	const char *dicomweb;		/* base URL of the DICOMweb (WADO-RS) server holding the
					   images: an Endpoint every ImagingStudy references; NULL: none */
};

/* ---- building blocks (shared with research.c) ---- */

/* Report a warning on node n through o->warn (o may be NULL). */
void fhir_warn(const struct fhir_opts *o, const struct dataset_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set key to the string v on o; nothing when v is NULL or "". */
void fhir_add_str(json_object *o, const char *key, const char *v);
/* A Coding / an Identifier; NULL or "" members are left out. Caller puts. */
json_object *fhir_coding(const char *system, const char *code, const char *display);
json_object *fhir_identifier(const char *use, const char *system, const char *value);

enum fhir_ref_style {
	FHIR_REF_UUID,		/* "urn:uuid:<id>": within a transaction Bundle */
	FHIR_REF_ID,		/* "<Type>/<id>": NDJSON, whose resources carry those ids */
	FHIR_REF_IDENTIFIER	/* by identifier (type and identifier): a resource shown alone */
};

/* The id of the resource of the given type created conditionally on identifier system|value:
 * the UUID v5 of "<type>|<system>|<value>" (its Bundle fullUrl and its NDJSON id). */
void fhir_resource_uuid(const char *type, const char *system, const char *value, char out[37]);

#define FHIR_FULLURL_LEN 46	/* "urn:uuid:" and a UUID, terminated */

/* The fullUrl of that resource in a Bundle: "urn:uuid:" and fhir_resource_uuid. */
void fhir_resource_fullurl(const char *type, const char *system, const char *value, char out[FHIR_FULLURL_LEN]);

/* A Reference to that resource, made in style. Caller puts. */
json_object *fhir_reference(const char *type, const char *system, const char *value, int style);

/* ---- conversions (exposed for tests) ---- */

/* DICOM DA (YYYYMMDD, or YYYY.MM.DD) to FHIR date YYYY-MM-DD. 0, or -1 when invalid. */
int fhir_date(const char *da, char *out, size_t len);

/* DICOM DA + TM (+ Timezone Offset From UTC "+HHMM") to FHIR dateTime. Without a time the
 * result is the date alone; with one, the zone is the offset tag, else opts zone.
 * 0, or -1 invalid date, -2 invalid time, -3 invalid zone (out is then unusable). */
int fhir_datetime(const char *da, const char *tm, const char *tzoffset, const char *zone, char *out, size_t len);

/* When opts->zone is this machine's and not chosen (zone_given 0): how many of studies[0..n) have a
 * Study Time but no Timezone Offset From UTC (0008,0201), with a one-line note into text
 * naming the zone assumed for them; 0 (text "") otherwise. */
size_t fhir_zone_assumed(const struct dataset_tree *tree, const struct dataset_node *const *studies, size_t n,
			 const struct fhir_opts *opts, char *text, size_t len);

/* Is zone acceptable for fhir_opts.zone? */
int fhir_zone_valid(const char *zone);

/* DICOM PN to a FHIR HumanName: its alphabetic group (when empty, the ideographic, then the
 * phonetic one), or NULL when it has no component. Caller puts. */
json_object *fhir_name(const char *pn);

/* DICOM PN to FHIR HumanNames, one per group that has a component (PS3.5 6.2.1: alphabetic,
 * ideographic, phonetic), the ideographic and phonetic ones tagged with R4's extension
 * iso21090-EN-representation (IDE, SYL); NULL when none. Caller puts. */
json_object *fhir_names(const char *pn);

/* DICOM sex M/F/O to FHIR gender; NULL for anything else. Borrowed, static. */
const char *fhir_gender(const char *sex);

/* Laterality L/R/B to its SNOMED CT code and display (bodysite-laterality); 0, or -1. */
int fhir_laterality(const char *lat, const char **code, const char **display);

/* A name-based (version 5, SHA-1) UUID of name in sdsfhir's namespace, lower-case, 36 chars. */
void fhir_uuid5(const char *name, char out[37]);

/* The patient identifier of a study: system and value into the buffers. Returns 1 when it
 * comes from the DICOM Patient ID, 0 when the header is de-identified (subject id used). */
int fhir_patient_identifier(const struct dataset_tree *t, const struct dataset_node *study,
			    const struct fhir_opts *opts, char *system, size_t slen, char *value, size_t vlen);

#define FHIR_QUERY_MAX 2000	/* bytes of a query servers accept; a longer one is an error, never cut */

enum {
	FHIR_ESC_BAR = 1,	/* keep '|' (a system|value the user typed) */
	FHIR_ESC_TOKEN = 2	/* a token's value: ',' escaped as "\\," (FHIR search escaping), else it is
				   an OR of two values (Medplum reads %2C as one too) */
};

/* Percent-encode s for a URL query value (unreserved characters, ':' and '/' kept), as flags
 * (FHIR_ESC_*) say. out is always terminated; -1 when s does not fit (out is then unusable). */
int fhir_query_escape(const char *s, char *out, size_t len, int flags);

/* The same in a new string. Caller frees. NULL on out of memory. */
char *fhir_query_escape_dup(const char *s, int flags);

/* Does uid follow DICOM's rules: 64 characters at most, components of digits (no leading zero
 * but "0") joined by dots? */
int fhir_uid_valid(const char *uid);

/* The conditional query "identifier=<system>|<value>", escaped, that finds a resource of type
 * (named in err). Caller frees. NULL with err when it would be longer than FHIR_QUERY_MAX. */
char *fhir_condition(const char *type, const char *system, const char *value, char *err, size_t errlen);

/* The conditional query that finds a study's Patient: "identifier=<system>|<value>", escaped.
 * Caller frees. NULL with err when it would be longer than FHIR_QUERY_MAX. */
char *fhir_patient_condition(const struct dataset_tree *t, const struct dataset_node *study,
			     const struct fhir_opts *opts, char *err, size_t errlen);

/* Is code a SNOMED CT identifier: 6 to 18 digits whose last is the Verhoeff check digit? */
int fhir_snomed_valid(const char *code);

/* Is m an acquisition modality (DICOM CID 29), as ImagingStudy.modality lists? SR, KO, PR,
 * SEG, RTSTRUCT, RTPLAN, OT and the like are not. */
int fhir_acquisition_modality(const char *m);

/* A body site given as a SNOMED CT code (its check digit checked), a Body Part Examined term
 * (BREAST) or a CID 4031 name (Breast): its code and display (display "" for a code outside
 * CID 4031). 0, or -1. */
int fhir_bodysite_lookup(const char *q, char *code, size_t codelen, char *display, size_t displaylen);

/* ---- resources ---- */

/* The Patient of a study, or NULL on out of memory. */
json_object *fhir_patient_build(const struct dataset_tree *t, const struct dataset_node *study,
				const struct fhir_opts *opts);

/* Can the study be expressed as an ImagingStudy? 0, or -1 with the reason in err (a series
 * without Modality, no instance, a UID that breaks DICOM's rules, patients in conflict).
 * Cheap: builds nothing. */
int fhir_study_check(const struct dataset_tree *t, const struct dataset_node *study, char *err, size_t errlen);

/* The ImagingStudy of a study node. subject is the reference to use for the Patient (taken
 * over by the call); NULL makes a reference by identifier. NULL, with err filled, when the
 * study cannot be expressed (a series without Modality, no instance). */
json_object *fhir_study_build(const struct dataset_tree *t, const struct dataset_node *study,
			      json_object *subject, const struct fhir_opts *opts, char *err, size_t errlen);

/* The ImagingStudy of the subject folders f[0..nf) (nf >= 1) of one study only, which has
 * passed fhir_study_check: what is left of it when the others are retracted. subject as for
 * fhir_study_build. */
json_object *fhir_study_build_folders(const struct dataset_tree *t, const struct dataset_node *const *f, size_t nf,
				      json_object *subject, const struct fhir_opts *opts);
/* Drop the instance lists of an ImagingStudy's series (FHIR allows 0..*); the series keep
 * their uid, number, modality and numberOfInstances. For a study too large to send whole. */
void fhir_study_strip_instances(json_object *study);

/* A transaction Bundle for studies[0..n): what their ImagingStudies refer to as conditional
 * creates (ifNoneExist on an identifier), in the order a server resolves them (the Endpoint,
 * each dataset's Practitioners and ResearchStudy, each distinct Patient, each subject's
 * ResearchSubject), then each ImagingStudy as a conditional update on its urn:dicom:uid
 * identifier, linked by urn:uuid fullUrls. A study that cannot be built is left out and
 * reported through opts->warn with the reason; *skipped counts them. No fullUrl or
 * conditional URL appears twice: a StudyInstanceUID named again is left out.
 * slim (may be NULL): studies i with slim[i] set go without their instance lists.
 * known (may be NULL): resources on the server already, {"urn:uuid:<id>": "Type/<server id>"}:
 * left out, and referred to by their server ids. */
json_object *fhir_bundle_build(const struct dataset_tree *tree, const struct dataset_node *const *studies, size_t n,
			       const unsigned char *slim, const struct fhir_opts *opts, json_object *known, size_t *skipped);

enum {
	FHIR_HEADS_DATASET = 1,	/* the Endpoint, the dataset's Practitioners and ResearchStudy */
	FHIR_HEADS_SUBJECT = 2,	/* the Patient and the subject's ResearchSubject */
	FHIR_HEADS_ALL = 3
};

/* The conditional creates of fhir_bundle_build alone, those in what (FHIR_HEADS_*), without
 * the ImagingStudies, known as there. A study whose entries cannot be made is left out
 * through opts->warn; *skipped counts them. */
json_object *fhir_heads_build(const struct dataset_tree *tree, const struct dataset_node *const *studies, size_t n,
			      int what, const struct fhir_opts *opts, json_object *known, size_t *skipped);

/* The Bundle of fhir_bundle_build (without slim), written to f as json-c would write it with
 * flags (pretty-printed and spaced: JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED, and any
 * others) while it is made: the Patients, then each study built, written and
 * freed, so memory stays that of one study. 0, or -1 on a write error. */
int fhir_bundle_write(FILE *f, int flags, const struct dataset_tree *t, const struct dataset_node *const *studies,
		      size_t n, const struct fhir_opts *opts, size_t *skipped);

/* The ids a study's resources get in NDJSON exports (and the urn:uuid of their Bundle entries):
 * UUID v5 of "Patient|<system>|<value>" and of "ImagingStudy|<StudyInstanceUID>". */
void fhir_patient_uuid(const struct dataset_tree *t, const struct dataset_node *study, const struct fhir_opts *opts,
		       char out[37]);
void fhir_study_uuid(const struct dataset_node *study, char out[37]);

enum {				/* the files of fhir_ndjson_write, one a resource type */
	FHIR_NDJSON_PATIENT,
	FHIR_NDJSON_IMAGINGSTUDY,
	FHIR_NDJSON_RESEARCHSTUDY,
	FHIR_NDJSON_RESEARCHSUBJECT,
	FHIR_NDJSON_PRACTITIONER,
	FHIR_NDJSON_ENDPOINT,
	FHIR_NDJSON_TYPES
};
extern const char *const fhir_ndjson_types[FHIR_NDJSON_TYPES];	/* their resourceTypes */

/* Write what a push of studies[0..n) sends as FHIR Bulk Data NDJSON, one resource a line, each
 * type to its file (files[t] NULL: not written), counts[t] how many: ids from fhir_resource_uuid
 * (fhir_patient_uuid, fhir_study_uuid for ImagingStudies), references by those ids, each
 * resource once; a study that cannot be expressed is left out through opts->warn (*skipped
 * counts them). Streams one study at a time. 0, or -1 when a write fails. */
int fhir_ndjson_write(const struct dataset_tree *t, const struct dataset_node *const *studies, size_t n,
		      const struct fhir_opts *opts, FILE *const files[FHIR_NDJSON_TYPES], size_t counts[FHIR_NDJSON_TYPES],
		      size_t *skipped);

/* Compare a generated resource with the server's copy, ignoring id, meta, text and subject
 * (server-assigned). 0 when equal; else the number of differences, described in out as
 * "path: here X, server Y; ..." (cut to len). Object keys compare in any order. */
int fhir_diff(json_object *mine, json_object *server, char *out, size_t len);

/* The ImagingStudy a push writes over server's copy (its ownership rule): server's copy with
 * the elements sdsfhir derives from the files replaced by mine's (status, subject, started,
 * modality, description, endpoint, numberOfSeries, numberOfInstances, the identifiers of its
 * systems and the accession number, its own extension, and the series list with each series'
 * uid, number, modality, description, numberOfInstances, laterality, started and instance).
 * The rest stays as the server has it: elements and extensions other clients added, and a
 * series' bodySite set on the server that differs from the files' one (unless files_win).
 * kept (may be NULL) gets what was kept, "bodySite set on the server: kept (series 1, 2:
 * 80248007, the files say 76752008)", "" when nothing. New object; NULL on out of memory. */
json_object *fhir_study_merge(json_object *mine, json_object *server, int files_win, char *kept, size_t keptlen);

/* The same rule for any resource sdsfhir makes (ImagingStudy: fhir_study_merge): server's copy
 * with the elements sdsfhir makes of its type replaced by mine's (a ResearchStudy's title,
 * status, description, keyword, focus, arm, contact, principalInvestigator and relatedArtifact,
 * and its notes by RESEARCH_NOTE_AUTHOR (the server's other notes kept); a
 * ResearchSubject's status, study, individual and assignedArm; a Practitioner's name; an
 * Endpoint's status, connectionType, payloadType, payloadMimeType, address and name) and
 * mine's identifiers before the server's of other systems; the rest as the server has it.
 * New object; NULL on out of memory. */
json_object *fhir_resource_merge(json_object *mine, json_object *server);

/* The conditional URL that finds a study on a server: "ImagingStudy?identifier=urn:dicom:uid|urn:oid:<uid>". */
void fhir_study_search(const char *study_uid, char *out, size_t len);

#endif
