/* SPARC datasets as FHIR research data: a ResearchStudy per dataset (from its
 * dataset_description), a Practitioner per principal investigator, a ResearchSubject per
 * subject folder, and the Endpoint of the DICOMweb server holding the images (json-c).
 * Core module: no curses. */
#ifndef SDSFHIR_RESEARCH_H
#define SDSFHIR_RESEARCH_H

#include <stddef.h>

#include <json-c/json.h>

#include "dataset.h"
#include "fhir.h"

struct sds_table;

#define RESEARCH_SYS_ORCID "https://orcid.org"
#define RESEARCH_SYS_DOI "https://doi.org"
#define RESEARCH_SYS_CONTRIBUTOR "urn:sparc_contributor:name"	/* a PI without a valid ORCID iD */
/* An ImagingStudy's link to its dataset's ResearchStudy: sdsfhir's own extension, defined by
 * share/StructureDefinition-imagingStudy-researchStudy.json (R4 allows workflow-researchStudy
 * on other resources only). Earlier versions wrote the workflow one: a push replaces it. */
#define RESEARCH_EXT_STUDY "urn:sdsfhir:StructureDefinition:imagingStudy-researchStudy"
#define RESEARCH_EXT_STUDY_OLD "http://hl7.org/fhir/StructureDefinition/workflow-researchStudy"
#define RESEARCH_NOTE_AUTHOR "sdsfhir: dataset_description"	/* authorString of the notes made here */
#define RESEARCH_NAME_MAX 256	/* bytes of a contributor name that identifies a Practitioner */
#define RESEARCH_MAX_PI 6	/* principal investigators read from one dataset_description: with its
				   ResearchStudy and the Endpoint, a transaction of 8 conditional creates */

/* A resource made here and the identifier it is created conditionally on. */
struct research_res {
	json_object *resource;	/* caller puts */
	const char *type;	/* its resourceType; static */
	char system[128];
	char value[1024];
};

/* The identifier value a dataset folder named name carries (system FHIR_SYS_SPARC_DATASET),
 * the same as its ImagingStudies': "urn:uid:<name>-<UUID v5 of urn:sparc_dataset:<name>>". */
void research_dataset_id(const char *name, char *out, size_t len);

/* The identifier system of the subjects of the dataset folder named name:
 * "urn:sparc_dataset:<that UUID>:subject". */
void research_subject_system(const char *name, char *out, size_t len);

/* Is s an ORCID iD: 0000-0000-0000-000X, its last character the ISO 7064 11,2 check digit? */
int research_orcid_valid(const char *s);

/* The resources of dataset ds in the order a Bundle needs them: a Practitioner for each
 * principal investigator of its dataset_description, then its ResearchStudy, referring to
 * the first of them in the given style (enum fhir_ref_style). Into out; returns how many (at
 * least 1). Without dataset_description the ResearchStudy is titled with the folder name,
 * with a warning. */
size_t research_dataset(const struct dataset_node *ds, const struct fhir_opts *opts, int style,
			struct research_res out[RESEARCH_MAX_PI + 1]);

/* research_dataset from the tables read: desc (dataset_description) and subjects, either may
 * be NULL; ds (may be NULL) names the dataset and gets the warnings. */
size_t research_tables(const struct sds_table *desc, const struct sds_table *subjects, const struct dataset_node *ds,
		       const struct fhir_opts *opts, int style, struct research_res out[RESEARCH_MAX_PI + 1]);

/* The ResearchSubject of subject folder sub: individual is the reference to its Patient (taken
 * over), study its dataset's ResearchStudy referred to in style; assignedArm its "subject
 * experimental group" in subjects (its dataset's subjects file, borrowed; may be NULL). */
void research_subject(const struct dataset_node *sub, json_object *individual, int style,
		      const struct sds_table *subjects, struct research_res *out);

/* The Endpoint of the DICOMweb (WADO-RS) server at url. */
void research_endpoint(const char *url, struct research_res *out);

/* The ResearchStudy of dataset ds alone, referring by identifier. Caller puts. */
json_object *research_study_alone(const struct dataset_node *ds, const struct fhir_opts *opts);

/* The ResearchSubject of subject folder sub alone, referring by identifier; its Patient is
 * that of its first study; subjects its dataset's subjects file (borrowed; may be NULL). NULL
 * when it holds no study. Caller puts. */
json_object *research_subject_alone(const struct dataset_tree *t, const struct dataset_node *sub,
				    const struct fhir_opts *opts, const struct sds_table *subjects);

#endif
