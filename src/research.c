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

/* Does the role cell (roles separated by ',' or ';') name one of roles[0..n)? */
static int has_role(const char *cell, const char *const *roles, size_t n)
{
	for (const char *p = cell; *p;) {
		size_t len = strcspn(p, ";,");
		char role[128];
		snprintf(role, sizeof role, "%.*s", (int)(len < sizeof role ? len : sizeof role - 1), p);
		for (size_t i = 0; i < n; i++)
			if (sds_meta_same_name(role, roles[i]))
				return 1;
		p += len + (p[len] != '\0');
	}
	return 0;
}

/* Does the role cell name the principal investigator (template 1.2.3 spells it Principle)? */
static int is_pi(const char *roles)
{
	static const char *const pi[] = {"PrincipalInvestigator", "PrincipleInvestigator"};
	return has_role(roles, pi, 2);
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

/* A relatedArtifact of type for the work v (a DOI, a URL or a citation), labelled; NULL when v
 * is empty. The DOI, when v is one, into *doi (borrowed). */
static json_object *artifact(const char *v, const char *type, const char *label, const char *display, const char **doi)
{
	while (isspace((unsigned char)*v))
		v++;
	*doi = *v ? doi_of(v) : NULL;
	if (!*v)
		return NULL;
	char *url = NULL;
	if (*doi && asprintf(&url, "https://doi.org/%s", *doi) < 0)
		url = NULL;
	json_object *a = json_object_new_object();
	fhir_add_str(a, "type", type);
	fhir_add_str(a, "label", label && *label ? label : NULL);
	fhir_add_str(a, "display", display && *display ? display : NULL);
	if (*doi || strstr(v, "://"))
		fhir_add_str(a, "url", url ? url : v);
	else
		fhir_add_str(a, "citation", v);
	free(url);
	return a;
}

/* The works of a template's single rows: the element, its RelatedArtifact type and label, and
 * the row of their descriptions (may be NULL). */
static const struct {
	const char *element, *type, *label, *display;
} works[] = {
	{"DOI", "citation", NULL, NULL},	/* the dataset's own DOI: also its identifier */
	{"Originating Article DOI", "citation", "Originating article", NULL},	/* 1.2.3 */
	{"Protocol URL or DOI", "documentation", "Protocol", NULL},	/* 1.2.3 */
	{"Additional Links", "documentation", NULL, "Link Description"},	/* 1.2.3 */
	{"License", "documentation", "License", NULL},	/* 3.0.2 */
};

/* identifier (the dataset's own DOI) and relatedArtifact of a ResearchStudy: the rows of works[],
 * then 2.0.0's and 3.0.2's related identifiers (Identifier, Relation type, Identifier type,
 * Identifier description). */
static void artifacts(const struct sds_table *desc, json_object *ids, json_object *rs)
{
	const char *v[VALUES_MAX], *d[VALUES_MAX], *doi;
	json_object *arts = json_object_new_array(), *a;
	for (size_t w = 0; w < sizeof works / sizeof *works; w++) {
		size_t n = values(desc, works[w].element, NULL, v);
		size_t nd = works[w].display ? values(desc, works[w].display, NULL, d) : 0;
		for (size_t i = 0; i < n; i++) {
			if (!(a = artifact(v[i], works[w].type, works[w].label, i < nd ? d[i] : NULL, &doi)))
				continue;
			if (doi && w == 0)	/* an identifier only where it names the dataset itself */
				json_object_array_add(ids, fhir_identifier("official", RESEARCH_SYS_DOI, doi));
			json_object_array_add(arts, a);
		}
	}
	const char *types[VALUES_MAX], *rels[VALUES_MAX];
	size_t ni = values(desc, "Identifier", NULL, v), nt = values(desc, "Identifier type", NULL, types);
	size_t nr = values(desc, "Relation type", NULL, rels), nd = values(desc, "Identifier description", NULL, d);
	for (size_t i = 0; i < ni; i++) {
		const char *label = i < nt ? types[i] : NULL;
		if ((a = artifact(v[i], artifact_type(i < nr ? rels[i] : NULL), doi_of(v[i]) ? NULL : label,
				  i < nd ? d[i] : NULL, &doi)))
			json_object_array_add(arts, a);
	}
	if (json_object_array_length(arts))
		json_object_object_add(rs, "relatedArtifact", arts);
	else
		json_object_put(arts);
}

/* ResearchStudy.contact: the contributors that are contact persons (1.2.3's "Is Contact Person"
 * Yes, or the role ContactPerson or CorrespondingAuthor), by name; NULL when none. */
static json_object *contacts(const struct sds_table *desc)
{
	static const char *const roles[] = {"ContactPerson", "CorrespondingAuthor"};
	const char *names[VALUES_MAX], *r[VALUES_MAX], *yes[VALUES_MAX];
	size_t nn = values(desc, "Contributor name", "Contributors", names);
	size_t nr = values(desc, "Contributor role", NULL, r), ny = values(desc, "Is Contact Person", NULL, yes);
	json_object *a = json_object_new_array(), *seen = json_object_new_object();
	for (size_t i = 0; i < nn; i++)
		if (*names[i] && ((i < ny && (!strcasecmp(yes[i], "yes") || !strcasecmp(yes[i], "y") ||
					      !strcasecmp(yes[i], "true"))) || (i < nr && has_role(r[i], roles, 2))))
			add_unique(a, seen, "name", names[i]);
	json_object_put(seen);
	return or_null(a);
}

/* ResearchStudy.note: what R4 has no element for but a reader needs, as "Label: values":
 * funding (every template), 3.0.2's funding information, acknowledgments; each by
 * RESEARCH_NOTE_AUTHOR, so that a push replaces these and keeps other clients' notes. NULL when none. */
static json_object *notes(const struct sds_table *desc)
{
	static const char *const rows[][3] = {
		{"Funding", NULL, "Funding"}, {"Funding consortium", NULL, "Funding consortium"},
		{"Funding agency", NULL, "Funding agency"}, {"Award number", NULL, "Award number"},
		{"Acknowledgments", "Acknowledgements", "Acknowledgments"}};
	json_object *a = json_object_new_array();
	for (size_t k = 0; k < sizeof rows / sizeof *rows; k++) {
		const char *v[VALUES_MAX];
		size_t n = values(desc, rows[k][0], rows[k][1], v), len = strlen(rows[k][2]) + 3;
		for (size_t i = 0; i < n; i++)
			len += strlen(v[i]) + 2;
		char *text = malloc(len), *p = text;
		if (!text)
			continue;
		p += sprintf(p, "%s:", rows[k][2]);
		for (size_t i = 0, any = 0; i < n; i++)
			if (*v[i])
				p += sprintf(p, "%s %s", any++ ? ";" : "", v[i]);
		if (p > text + strlen(rows[k][2]) + 1) {
			json_object *o = json_object_new_object();
			fhir_add_str(o, "authorString", RESEARCH_NOTE_AUTHOR);
			fhir_add_str(o, "text", text);
			json_object_array_add(a, o);
		}
		free(text);
	}
	return or_null(a);
}

/* The distinct "subject experimental group" (template 1.2.3: "experimental group") values of
 * subjects table t (may be NULL) as arms; NULL when none. */
static const char *arm_column(const struct sds_table *t)
{
	return t && sds_meta_column(t, "subject experimental group") < 0 ? "experimental group"
									  : "subject experimental group";
}

static json_object *arms(const struct sds_table *t)
{
	int c = t ? sds_meta_column(t, arm_column(t)) : -1;
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
	if (!title)
		title = first_value(desc, "Name");	/* template 1.2.3 */
	if (!title && desc)
		fhir_warn(opts, ds, "dataset_description has no Title: its ResearchStudy is titled with the folder name");
	fhir_add_str(rs, "title", title ? title : ds ? ds->name : "(unnamed dataset)");
	fhir_add_str(rs, "status", "completed");
	const char *v[VALUES_MAX];
	json_object *c = concepts(v, values(desc, "Study organ system", NULL, v));
	if (c)
		json_object_object_add(rs, "focus", c);
	if ((c = concepts(v, values(desc, "Keywords", NULL, v))))
		json_object_object_add(rs, "keyword", c);
	if ((c = contacts(desc)))
		json_object_object_add(rs, "contact", c);
	/* Description (1.2.3, 3.0.2), else the Subtitle, then the Study purpose */
	const char *about = first_value(desc, "Description"), *purpose = first_value(desc, "Study purpose");
	if (!about)
		about = first_value(desc, "Subtitle");
	if (about || purpose) {
		size_t n = (about ? strlen(about) : 0) + (purpose ? strlen(purpose) : 0) + 4;
		char *d = malloc(n);
		if (d) {
			snprintf(d, n, "%s%s%s", about ? about : "", about && purpose ? "\n\n" : "", purpose ? purpose : "");
			fhir_add_str(rs, "description", d);
		}
		free(d);
	}
	if ((c = notes(desc)))
		json_object_object_add(rs, "note", c);
	if (!npi && desc)
		fhir_warn(opts, ds, "dataset_description names no principal investigator (Contributor role "
			  "PrincipalInvestigator): its ResearchStudy has none");
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
	fhir_add_str(r, "assignedArm", subjects ? sds_meta_lookup(subjects, "subject id", sub->name, arm_column(subjects))
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
