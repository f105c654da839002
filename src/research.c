#include "config.h"

#include "research.h"
#include "sds_meta.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VALUES_MAX 64	/* value columns read of one dataset_description element */

/* The UUID of the dataset folder named name: UUID v5 of "urn:sparc_dataset:<name>". */
static void dataset_uuid(const char *name, char out[37])
{
	char key[1100];
	snprintf(key, sizeof key, "urn:sparc_dataset:%s", name);
	fhir_uuid5(key, out);
}

void research_dataset_id(const char *name, char *out, size_t len)
{
	char uuid[37];
	dataset_uuid(name, uuid);
	snprintf(out, len, "urn:uid:%s-%s", name, uuid);
}

void research_subject_system(const char *name, char *out, size_t len)
{
	char uuid[37];
	dataset_uuid(name, uuid);
	snprintf(out, len, "urn:sparc_dataset:%s:subject", uuid);
}

int research_orcid_valid(const char *s)
{
	int total = 0;
	size_t n = 0;
	if (strlen(s) != 19)
		return 0;
	for (size_t i = 0; i < 19; i++) {
		if (i % 5 == 4) {
			if (s[i] != '-')
				return 0;
			continue;
		}
		if (++n == 16)
			break;
		if (!isdigit((unsigned char)s[i]))
			return 0;
		total = (total + (s[i] - '0')) * 2;
	}
	int check = (12 - total % 11) % 11;
	return s[18] == (check == 10 ? 'X' : '0' + check);
}

/* The values of element (aliases: a second name, may be NULL) in desc. */
static size_t values(const struct sds_table *desc, const char *element, const char *alias, const char **out)
{
	size_t n = desc ? sds_meta_element(desc, element, out, VALUES_MAX) : 0;
	return n || !alias || !desc ? n : sds_meta_element(desc, alias, out, VALUES_MAX);
}

/* The first non-empty value of element, or NULL. Borrowed. */
static const char *first_value(const struct sds_table *desc, const char *element)
{
	const char *v[VALUES_MAX];
	size_t n = values(desc, element, NULL, v);
	for (size_t i = 0; i < n; i++)
		if (*v[i])
			return v[i];
	return NULL;
}

/* Append {key: v} to array a unless an element has that value already (case ignored): seen
 * holds the values added, lower-cased, so that a list is made in linear time. */
static void add_unique(json_object *a, json_object *seen, const char *key, const char *v)
{
	char *low = strdup(v);
	for (char *p = low; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (low && !json_object_object_get_ex(seen, low, NULL)) {
		json_object_object_add(seen, low, NULL);
		json_object *o = json_object_new_object();
		fhir_add_str(o, key, v);
		json_object_array_add(a, o);
	}
	free(low);
}

/* a, or NULL (a put) when it is empty. */
static json_object *or_null(json_object *a)
{
	if (json_object_array_length(a))
		return a;
	json_object_put(a);
	return NULL;
}

/* Each item of the cells v[0..n) split at ';' and ',', trimmed, once, as CodeableConcepts
 * with text into a new array; NULL when none. */
static json_object *concepts(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array(), *seen = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		for (const char *p = v[i]; *p;) {
			size_t len = strcspn(p, ";,");
			const char *s = p, *e = p + len;
			p = *e ? e + 1 : e;
			while (s < e && isspace((unsigned char)*s))
				s++;
			while (e > s && isspace((unsigned char)e[-1]))
				e--;
			if (s == e)
				continue;
			char *text = strndup(s, (size_t)(e - s));
			if (text)
				add_unique(a, seen, "text", text);
			free(text);
		}
	}
	json_object_put(seen);
	return or_null(a);
}

/* Does the role cell (roles separated by ',' or ';') name PrincipalInvestigator? */
static int is_pi(const char *roles)
{
	for (const char *p = roles; *p;) {
		size_t len = strcspn(p, ";,");
		char role[128];
		snprintf(role, sizeof role, "%.*s", (int)(len < sizeof role ? len : sizeof role - 1), p);
		if (sds_meta_same_name(role, "PrincipalInvestigator") || sds_meta_same_name(role, "Principal Investigator"))
			return 1;
		p += len + (p[len] != '\0');
	}
	return 0;
}

/* An ORCID iD as written (0000-..., or https://orcid.org/0000-...) without its prefix. */
static const char *orcid_of(const char *s)
{
	static const char *const prefixes[] = {"https://orcid.org/", "http://orcid.org/", "orcid.org/"};
	while (isspace((unsigned char)*s))
		s++;
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (strncasecmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return s + strlen(prefixes[i]);
	return s;
}

/* A HumanName from an SDS contributor name, "Last, First Middle" (or as written). */
static json_object *contributor_name(const char *name)
{
	json_object *n = json_object_new_object();
	fhir_add_str(n, "text", name);
	const char *comma = strchr(name, ',');
	if (comma) {
		char family[256];
		snprintf(family, sizeof family, "%.*s", (int)((size_t)(comma - name) < sizeof family ? comma - name : 255), name);
		fhir_add_str(n, "family", family);
		json_object *given = json_object_new_array();
		for (const char *p = comma + 1; *p;) {
			while (isspace((unsigned char)*p))
				p++;
			size_t len = strcspn(p, " \t");
			if (len) {
				char *g = strndup(p, len);
				if (g)
					json_object_array_add(given, json_object_new_string(g));
				free(g);
			}
			p += len;
		}
		if (json_object_array_length(given))
			json_object_object_add(n, "given", given);
		else
			json_object_put(given);
	}
	return n;
}

/* The Practitioners of desc's principal investigators into out: how many. */
static size_t investigators(const struct sds_table *desc, const struct dataset_node *ds, const struct fhir_opts *opts,
			    struct research_res *out)
{
	const char *names[VALUES_MAX], *orcids[VALUES_MAX], *roles[VALUES_MAX];
	size_t nn = values(desc, "Contributor name", "Contributors", names);
	size_t no = values(desc, "Contributor ORCiD", "Contributor ORCID ID", orcids);
	size_t nr = values(desc, "Contributor role", NULL, roles);
	size_t n = 0;
	if (nn == VALUES_MAX)
		fhir_warn(opts, ds, "more than %d contributors: the others are not read", VALUES_MAX);
	for (size_t i = 0; i < nn && i < nr; i++) {
		if (!*names[i] || !is_pi(roles[i]))
			continue;
		if (strlen(names[i]) > RESEARCH_NAME_MAX) {	/* never cut: an identifier of part of it names no one */
			fhir_warn(opts, ds, "a principal investigator's name of %zu bytes, over %d: no Practitioner for it",
				  strlen(names[i]), RESEARCH_NAME_MAX);
			continue;
		}
		if (n == RESEARCH_MAX_PI) {
			fhir_warn(opts, ds, "more than %d principal investigators: the others are left out", RESEARCH_MAX_PI);
			break;
		}
		struct research_res *r = &out[n++];
		const char *orcid = i < no ? orcid_of(orcids[i]) : "";
		r->type = "Practitioner";
		if (research_orcid_valid(orcid)) {
			snprintf(r->system, sizeof r->system, "%s", RESEARCH_SYS_ORCID);
			snprintf(r->value, sizeof r->value, "%s", orcid);
		} else {
			if (*orcid)
				fhir_warn(opts, ds, "contributor '%s': '%s' is not an ORCID iD (its check digit does not match): "
					  "the Practitioner is identified by name", names[i], orcid);
			snprintf(r->system, sizeof r->system, "%s", RESEARCH_SYS_CONTRIBUTOR);
			snprintf(r->value, sizeof r->value, "%s", names[i]);
		}
		r->resource = json_object_new_object();
		fhir_add_str(r->resource, "resourceType", "Practitioner");
		json_object *ids = json_object_new_array();
		json_object_array_add(ids, fhir_identifier(NULL, r->system, r->value));
		json_object_object_add(r->resource, "identifier", ids);
		json_object *hn = json_object_new_array();
		json_object_array_add(hn, contributor_name(names[i]));
		json_object_object_add(r->resource, "name", hn);
	}
	if (n > 1)
		fhir_warn(opts, ds, "%zu principal investigators: ResearchStudy.principalInvestigator holds one (FHIR R4), the "
			  "first; each has a Practitioner", n);
	return n;
}

/* The DOI in s (doi:10..., https://doi.org/10..., 10...), or NULL. Borrowed. */
static const char *doi_of(const char *s)
{
	static const char *const prefixes[] = {"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:", ""};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
		size_t k = strlen(prefixes[i]);
		if (strncasecmp(s, prefixes[i], k) == 0 && strncmp(s + k, "10.", 3) == 0 && strchr(s + k, '/'))
			return s + k;
	}
	return NULL;
}

/* DataCite's relation type (the dataset's to the work) to R4's RelatedArtifact.type, a required
 * binding of 8 codes (documentation, justification, citation, predecessor, successor,
 * derived-from, depends-on, composed-of): R5's cited-by is not one of them. A work that cites
 * or references the dataset, or that it cites, is a citation; the rest documentation. */
static const char *artifact_type(const char *relation)
{
	static const char *const map[][2] = {
		{"IsCitedBy", "citation"}, {"Cites", "citation"}, {"IsReferencedBy", "citation"}, {"References", "citation"},
		{"IsSupplementTo", "citation"}, {"IsDerivedFrom", "derived-from"}, {"IsVariantFormOf", "derived-from"},
		{"IsPreviousVersionOf", "successor"}, {"IsNewVersionOf", "predecessor"}, {"Requires", "depends-on"},
		{"HasPart", "composed-of"}, {"Compiles", "composed-of"}};
	for (size_t i = 0; relation && i < sizeof map / sizeof *map; i++)
		if (sds_meta_same_name(relation, map[i][0]))
			return map[i][1];
	return "documentation";
}

/* identifier (DOIs) and relatedArtifact of a ResearchStudy from desc's "DOI" and "Identifier" rows. */
static void artifacts(const struct sds_table *desc, json_object *ids, json_object *rs)
{
	const char *idv[VALUES_MAX], *types[VALUES_MAX], *rels[VALUES_MAX], *descs[VALUES_MAX], *dois[VALUES_MAX];
	size_t ni = values(desc, "Identifier", NULL, idv), nt = values(desc, "Identifier type", NULL, types);
	size_t nr = values(desc, "Relation type", NULL, rels), nd = values(desc, "Identifier description", NULL, descs);
	size_t nx = values(desc, "DOI", NULL, dois);
	json_object *arts = json_object_new_array();
	for (size_t i = 0; i < nx + ni; i++) {
		int own = i < nx;	/* a "DOI" row: the dataset's own */
		size_t k = own ? i : i - nx;
		const char *v = own ? dois[k] : idv[k];
		if (!*v)
			continue;
		const char *doi = doi_of(v);
		char *url = NULL;
		if (doi) {	/* an identifier only where it names the dataset itself */
			if (own)
				json_object_array_add(ids, fhir_identifier("official", RESEARCH_SYS_DOI, doi));
			if (asprintf(&url, "https://doi.org/%s", doi) < 0)
				url = NULL;
		}
		json_object *a = json_object_new_object();
		fhir_add_str(a, "type", own ? "citation" : artifact_type(k < nr ? rels[k] : NULL));
		fhir_add_str(a, "display", !own && k < nd ? descs[k] : NULL);
		if (doi || strstr(v, "://")) {
			fhir_add_str(a, "url", url ? url : v);
		} else {
			fhir_add_str(a, "label", k < nt && *types[k] ? types[k] : NULL);
			fhir_add_str(a, "citation", v);
		}
		free(url);
		json_object_array_add(arts, a);
	}
	if (json_object_array_length(arts))
		json_object_object_add(rs, "relatedArtifact", arts);
	else
		json_object_put(arts);
}

/* The distinct "subject experimental group" values of subjects table t (may be NULL) as arms;
 * NULL when none. */
static json_object *arms(const struct sds_table *t)
{
	int c = t ? sds_meta_column(t, "subject experimental group") : -1;
	json_object *a = json_object_new_array(), *seen = json_object_new_object();
	for (size_t r = 0; c >= 0 && r < t->nrows; r++)
		if (*t->cells[r * t->ncols + (size_t)c])
			add_unique(a, seen, "name", t->cells[r * t->ncols + (size_t)c]);
	json_object_put(seen);
	return or_null(a);
}

size_t research_dataset(const struct dataset_node *ds, const struct fhir_opts *opts, int style,
			struct research_res out[RESEARCH_MAX_PI + 1])
{
	char file[256] = "";
	struct sds_table *desc = dataset_meta(ds, "dataset_description.", file, sizeof file);
	struct sds_table *subjects = dataset_meta(ds, "subjects.", file, sizeof file);
	if (!desc)
		fhir_warn(opts, ds, "no readable dataset_description: its ResearchStudy is titled with the folder name");
	size_t n = research_tables(desc, subjects, ds, opts, style, out);
	sds_meta_free(&desc);
	sds_meta_free(&subjects);
	return n;
}

size_t research_tables(const struct sds_table *desc, const struct sds_table *subjects, const struct dataset_node *ds,
		       const struct fhir_opts *opts, int style, struct research_res out[RESEARCH_MAX_PI + 1])
{
	size_t npi = investigators(desc, ds, opts, out);
	struct research_res *r = &out[npi];
	r->type = "ResearchStudy";
	snprintf(r->system, sizeof r->system, "%s", FHIR_SYS_SPARC_DATASET);
	research_dataset_id(ds ? ds->name : "", r->value, sizeof r->value);
	json_object *rs = r->resource = json_object_new_object();
	fhir_add_str(rs, "resourceType", "ResearchStudy");
	json_object *ids = json_object_new_array();
	json_object_array_add(ids, fhir_identifier("official", r->system, r->value));
	artifacts(desc, ids, rs);
	json_object_object_add(rs, "identifier", ids);
	const char *title = first_value(desc, "Title");
	fhir_add_str(rs, "title", title ? title : ds ? ds->name : "(unnamed dataset)");
	fhir_add_str(rs, "status", "completed");
	const char *v[VALUES_MAX];
	json_object *c = concepts(v, values(desc, "Study organ system", NULL, v));
	if (c)
		json_object_object_add(rs, "focus", c);
	if ((c = concepts(v, values(desc, "Keywords", NULL, v))))
		json_object_object_add(rs, "keyword", c);
	const char *sub = first_value(desc, "Subtitle"), *purpose = first_value(desc, "Study purpose");
	if (sub || purpose) {
		size_t n = (sub ? strlen(sub) : 0) + (purpose ? strlen(purpose) : 0) + 4;
		char *d = malloc(n);
		if (d) {
			snprintf(d, n, "%s%s%s", sub ? sub : "", sub && purpose ? "\n\n" : "", purpose ? purpose : "");
			fhir_add_str(rs, "description", d);
		}
		free(d);
	}
	if (npi)
		json_object_object_add(rs, "principalInvestigator", fhir_reference(out[0].type, out[0].system, out[0].value, style));
	if ((c = arms(subjects)))
		json_object_object_add(rs, "arm", c);
	return npi + 1;
}

void research_subject(const struct dataset_node *sub, json_object *individual, int style,
		      const struct sds_table *subjects, struct research_res *out)
{
	const struct dataset_node *ds = dataset_ancestor(sub, DATASET_DATASET);
	const char *dsname = ds ? ds->name : "";
	char dsid[1100];
	out->type = "ResearchSubject";
	research_subject_system(dsname, out->system, sizeof out->system);
	snprintf(out->value, sizeof out->value, "%s", sub->name);
	research_dataset_id(dsname, dsid, sizeof dsid);
	json_object *r = out->resource = json_object_new_object();
	fhir_add_str(r, "resourceType", "ResearchSubject");
	json_object *ids = json_object_new_array();
	json_object_array_add(ids, fhir_identifier("usual", out->system, out->value));
	json_object_object_add(r, "identifier", ids);
	fhir_add_str(r, "status", "off-study");	/* a dataset is a finished study */
	json_object_object_add(r, "study", fhir_reference("ResearchStudy", FHIR_SYS_SPARC_DATASET, dsid, style));
	json_object_object_add(r, "individual", individual);
	fhir_add_str(r, "assignedArm", subjects ? sds_meta_lookup(subjects, "subject id", sub->name, "subject experimental group")
						: NULL);
}

void research_endpoint(const char *url, struct research_res *out)
{
	out->type = "Endpoint";
	snprintf(out->system, sizeof out->system, "%s", FHIR_SYS_RFC3986);
	snprintf(out->value, sizeof out->value, "%s", url);
	json_object *e = out->resource = json_object_new_object();
	fhir_add_str(e, "resourceType", "Endpoint");
	json_object *ids = json_object_new_array();
	json_object_array_add(ids, fhir_identifier(NULL, out->system, out->value));
	json_object_object_add(e, "identifier", ids);
	fhir_add_str(e, "status", "active");
	json_object_object_add(e, "connectionType",
			       fhir_coding("http://terminology.hl7.org/CodeSystem/endpoint-connection-type", "dicom-wado-rs", NULL));
	fhir_add_str(e, "name", "DICOMweb WADO-RS");
	json_object *pt = json_object_new_array(), *dicom = json_object_new_object();
	fhir_add_str(dicom, "text", "DICOM");
	json_object_array_add(pt, dicom);
	json_object_object_add(e, "payloadType", pt);
	json_object *mime = json_object_new_array();
	json_object_array_add(mime, json_object_new_string("application/dicom"));
	json_object_object_add(e, "payloadMimeType", mime);
	fhir_add_str(e, "address", url);
}

json_object *research_study_alone(const struct dataset_node *ds, const struct fhir_opts *opts)
{
	struct research_res r[RESEARCH_MAX_PI + 1];
	size_t n = research_dataset(ds, opts, FHIR_REF_IDENTIFIER, r);
	for (size_t i = 0; i + 1 < n; i++)
		json_object_put(r[i].resource);
	return r[n - 1].resource;
}

json_object *research_subject_alone(const struct dataset_tree *t, const struct dataset_node *sub,
				    const struct fhir_opts *opts, const struct sds_table *subjects)
{
	const struct dataset_node *study = sub->child;
	while (study && study->kind != DATASET_STUDY)
		study = study->next;
	if (!study || !dataset_ancestor(sub, DATASET_DATASET))
		return NULL;
	char system[1024], value[1024];
	struct research_res r;
	fhir_patient_identifier(t, study, opts, system, sizeof system, value, sizeof value);
	research_subject(sub, fhir_reference("Patient", system, value, FHIR_REF_IDENTIFIER), FHIR_REF_IDENTIFIER, subjects, &r);
	return r.resource;
}
