#include "config.h"

#include "actions.h"
#include "bodypart.h"
#include "jget.h"
#include "research.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *actions_outcome_name(int outcome)
{
	static const char *const names[] = {"created", "existed", "updated", "unchanged", "not on the server", "same",
					    "different", "removed", "failed", "not sent", "unknown"};
	return outcome >= 0 && outcome < ACTIONS_NOUTCOMES ? names[outcome] : "?";
}

const char *actions_shown_text(size_t shown, long total, int more, const char *more_text, char *buf, size_t len)
{
	if (total < 0 && !more)
		total = (long)shown;	/* every page was read: the count is exact */
	int k = snprintf(buf, len, "%zu shown", shown);
	if (total >= 0 && k >= 0 && (size_t)k < len)
		k += snprintf(buf + k, len - (size_t)k, " of %ld", total);
	if (more && k >= 0 && (size_t)k < len)
		snprintf(buf + k, len - (size_t)k, " (more %s)", more_text);
	return buf;
}

static const char *const type_names[ACTIONS_NTYPES] = {"ImagingStudy", "Patient", "ResearchStudy", "ResearchSubject",
							"Practitioner", "Endpoint"};

const char *actions_item_text(const struct actions_item *it, char *buf, size_t len)
{
	const char *name = actions_outcome_name(it->outcome), *text = it->text ? it->text : "";
	snprintf(buf, len, "%-9s %s", name, strcmp(text, name) != 0 ? text : "");
	return buf;
}

const char *actions_types_text(const struct actions_summary *sum, char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = '\0';
	for (int t = 0; t < ACTIONS_NTYPES && k < len; t++) {
		char part[256];
		size_t pk = 0;
		for (int o = 0; o < ACTIONS_NOUTCOMES && pk < sizeof part; o++)
			if (sum->types[t][o])
				pk += (size_t)snprintf(part + pk, sizeof part - pk, "%s%zu %s", pk ? ", " : "", sum->types[t][o],
						       actions_outcome_name(o));
		if (pk)
			k += (size_t)snprintf(buf + k, len - k, "%s%s %s", k ? "; " : "", type_names[t], part);
	}
	return buf;
}

/* Count a resource of type (a resourceType) with outcome in sum->types. */
static void count_type(struct actions_summary *sum, const char *type, int outcome)
{
	for (int t = 0; type && t < ACTIONS_NTYPES; t++)
		if (strcmp(type, type_names[t]) == 0)
			sum->types[t][outcome]++;
}

/* Report an item, with res (may be NULL) the server's copy after a write. */
static void item_res(const struct actions_ctx *a, struct actions_summary *sum, const struct dataset_node *n,
		     const char *type, int outcome, const char *id, const char *text, json_object *res)
{
	sum->count[outcome]++;
	if (outcome != ACTIONS_SAME && outcome != ACTIONS_DIFFERENT && outcome != ACTIONS_NOT_FOUND)
		count_type(sum, type, outcome);
	if (a->item) {
		struct actions_item it = {n, type, outcome, id, text, res, NULL, NULL};
		a->item(a->ctx, &it);
	}
}

static void item(const struct actions_ctx *a, struct actions_summary *sum, const struct dataset_node *n,
		 const char *type, int outcome, const char *id, const char *text)
{
	item_res(a, sum, n, type, outcome, id, text, NULL);
}

/* Note a client failure in the summary; the worst kind wins (unreachable > auth > http). */
static void failed(struct actions_summary *sum, int status, const char *err)
{
	static const int rank[] = {[CLIENT_OK] = 0, [CLIENT_ERR_HTTP] = 1, [CLIENT_ERR_LOCAL] = 2,
				   [CLIENT_ERR_CANCELLED] = 3, [CLIENT_ERR_AUTH] = 4, [CLIENT_ERR_UNREACHABLE] = 5};
	if (rank[status] > rank[sum->status])
		sum->status = status;
	if (!sum->error[0])
		snprintf(sum->error, sizeof sum->error, "%s", err);
}

/* Whole-run failures: no point in going on. */
static int fatal(int status)
{
	return status == CLIENT_ERR_UNREACHABLE || status == CLIENT_ERR_AUTH || status == CLIENT_ERR_CANCELLED ||
	       status == CLIENT_ERR_LOCAL;
}

static int request(const struct actions_ctx *a, struct actions_summary *sum, const char *method, const char *path,
		   json_object *body, const char *if_match, const char *if_none_exist, int idempotent,
		   struct client_response *r, char *err, size_t errlen)
{
	int st = client_request(a->client, method, path, body, if_match, if_none_exist, idempotent, r, err, errlen);
	sum->requests += (size_t)(r->attempts ? r->attempts : 1);
	return st;
}


/* The id of a written resource: from the body, else from a Location "Type/id[/_history/v]". */
static void id_of(json_object *resource, const char *location, char *out, size_t len)
{
	const char *id = jget_str(resource, "id");
	out[0] = '\0';
	if (id) {
		snprintf(out, len, "%s", id);
		return;
	}
	if (!location || !*location)
		return;
	const char *h = strstr(location, "/_history");
	size_t end = h ? (size_t)(h - location) : strlen(location);
	size_t start = end;
	while (start > 0 && location[start - 1] != '/')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), location + start);
}

/* a->fopts without the warning callback: for building what is only measured or compared */
static const struct fhir_opts *quiet(const struct actions_ctx *a, struct fhir_opts *tmp)
{
	if (!a->fopts)
		return NULL;
	*tmp = *a->fopts;
	tmp->warn = NULL;
	return tmp;
}

/* a, not cancelled, into b, for reading back what a request cut by a cancel did: its client's
 * cancel flag too, until end_uncancelled(a). */
static void uncancelled(const struct actions_ctx *a, struct actions_ctx *b)
{
	*b = *a;
	b->cancel = NULL;
	client_set_cancel(a->client, NULL);
}

static void end_uncancelled(const struct actions_ctx *a)
{
	client_set_cancel(a->client, a->cancel);
}

static void progress(const struct actions_ctx *a, size_t done, size_t total)
{
	if (a->progress)
		a->progress(a->ctx, done, total);
}

static int cancelled(const struct actions_ctx *a)
{
	return a->cancel && *a->cancel;
}

/* The entries of a Bundle from a server; 0, or -1 with err when it is not a Bundle or its entry
 * is not an array (a Bundle without entries has none: *entries NULL). */
static int bundle_entries(json_object *bundle, json_object **entries, char *err, size_t errlen)
{
	json_object *e = NULL;
	*entries = NULL;
	if (!jget_is_resource(bundle, "Bundle")) {
		snprintf(err, errlen, "the server sent an invalid Bundle: %s", json_object_is_type(bundle, json_type_object)
			 ? "its resourceType is not Bundle" : "the reply is not a JSON object");
		return -1;
	}
	if (json_object_object_get_ex(bundle, "entry", &e) && e && !json_object_is_type(e, json_type_array)) {
		snprintf(err, errlen, "the server sent an invalid Bundle: entry is not an array");
		return -1;
	}
	*entries = e;
	return 0;
}

/* ---- looking studies up on the server ---- */

#define LOOKUP_URL_MAX 1900	/* a query longer than this is split: servers refuse URLs past about 2,000 bytes */

/* The server's resources of type whose identifier is systems[i]|values[i], for i in [0..n),
 * in as few searches as the URL length allows (next links followed): found[i] gets the first
 * match (a new reference) and count[i] the number of matches; all (may be NULL) gets every
 * match of i in a new array (NULL when none). A NULL value is looked for nowhere. include (may
 * be NULL) is asked for as _include, and what it brings appended to included. Returns a
 * client_status; err on failure. */
static int lookup(const struct actions_ctx *a, const char *type, const char *const *systems, const char *const *values,
		  size_t n, const char *include, json_object *included, json_object **found, size_t *count,
		  json_object **all, struct actions_summary *sum, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		found[i] = NULL;
		count[i] = 0;
		if (all)
			all[i] = NULL;
	}
	size_t i = 0;
	while (i < n) {
		/* as many identifiers as fit */
		char first_url[LOOKUP_URL_MAX + 2200];
		size_t k = (size_t)snprintf(first_url, sizeof first_url, "%s?identifier=", type), first = i, asked = 0;
		for (; i < n && i - first < 50; i++) {
			char esys[1100], eval[1100];
			if (!values[i] || fhir_query_escape(systems[i], esys, sizeof esys, FHIR_ESC_TOKEN) < 0 ||
			    fhir_query_escape(values[i], eval, sizeof eval, FHIR_ESC_TOKEN) < 0)
				continue;	/* never sent: a UID against DICOM's rules, a value too long for a URL */
			size_t need = strlen(esys) + strlen(eval) + 2;
			if (asked && k + need > LOOKUP_URL_MAX)
				break;
			k += (size_t)snprintf(first_url + k, sizeof first_url - k, "%s%s|%s", asked ? "," : "", esys, eval);
			asked++;
		}
		if (!asked)
			continue;
		snprintf(first_url + k, sizeof first_url - k, "&_count=%zu%s%s", 2 * (i - first) + 1, include ? "&_include=" : "",
			 include ? include : "");
		char *url = strdup(first_url);
		for (int pages = 0; url; pages++) {
			if (cancelled(a)) {
				snprintf(err, errlen, "cancelled");
				free(url);
				return CLIENT_ERR_CANCELLED;
			}
			struct client_response r;
			int st = request(a, sum, "GET", url, NULL, NULL, NULL, 1, &r, err, errlen);
			free(url);
			url = NULL;
			json_object *entries = NULL;
			if (st == CLIENT_OK && bundle_entries(r.body, &entries, err, errlen) < 0)
				st = CLIENT_ERR_HTTP;
			if (st != CLIENT_OK) {
				client_response_clear(&r);
				return st;
			}
			for (size_t e = 0; e < jget_len(entries); e++) {
				json_object *res = jget_obj(jget_idx_obj(entries, e), "resource");
				const char *mode = jget_str(jget_obj(jget_idx_obj(entries, e), "search"), "mode");
				if (included && res && mode && strcmp(mode, "include") == 0)
					json_object_array_add(included, json_object_get(res));
				if (!jget_is_resource(res, type))
					continue;
				json_object *ids = jget_arr(res, "identifier");
				for (size_t d = 0; d < jget_len(ids); d++) {
					json_object *id = jget_idx_obj(ids, d);
					const char *sys = jget_str(id, "system"), *val = jget_str(id, "value");
					for (size_t j = first; sys && val && j < i; j++) {
						if (!values[j] || strcmp(val, values[j]) != 0 || strcmp(sys, systems[j]) != 0)
							continue;
						if (!found[j])
							found[j] = json_object_get(res);
						if (all && (all[j] || (all[j] = json_object_new_array())))
							json_object_array_add(all[j], json_object_get(res));
						count[j]++;
					}
				}
			}
			json_object *links = jget_arr(r.body, "link");
			for (size_t l = 0; l < jget_len(links) && !url; l++) {
				json_object *link = jget_idx_obj(links, l);
				const char *rel = jget_str(link, "relation"), *next = jget_str(link, "url");
				if (rel && next && strcmp(rel, "next") == 0 && pages < 1000)
					url = strdup(next);
			}
			client_response_clear(&r);
		}
	}
	return CLIENT_OK;
}

/* What to say of count ImagingStudies that carry study's StudyInstanceUID: "and N more carry
 * this StudyInstanceUID (copies made outside sdsfhir? see them with ...)". */
static void copies_text(const struct dataset_node *study, size_t count, char *out, size_t len)
{
	snprintf(out, len, "and %zu more carry this StudyInstanceUID (copies made outside sdsfhir: see them with "
		 "sdsfhir search --identifier 'urn:dicom:uid|urn:oid:%.64s' and delete all but one on the server)",
		 count - 1, study->name);
}

/* lookup of the ImagingStudies of studies[0..n) by their urn:dicom:uid identifiers; patients
 * (may be NULL) gets their Patients, included. */
static int study_lookup(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
			json_object **found, size_t *count, json_object **all, json_object *patients,
			struct actions_summary *sum, char *err, size_t errlen)
{
	char **values = calloc(n ? n : 1, sizeof *values);
	const char **systems = calloc(n ? n : 1, sizeof *systems);
	int st = values && systems ? CLIENT_OK : CLIENT_ERR_LOCAL;
	for (size_t i = 0; i < n && st == CLIENT_OK; i++) {
		systems[i] = FHIR_SYS_DICOM_UID;
		if (fhir_uid_valid(studies[i]->name) && asprintf(&values[i], "urn:oid:%s", studies[i]->name) < 0) {
			values[i] = NULL;
			st = CLIENT_ERR_LOCAL;
		}
	}
	if (st == CLIENT_OK)
		st = lookup(a, "ImagingStudy", systems, (const char *const *)values, n, patients ? "ImagingStudy:subject" : NULL,
			    patients, found, count, all, sum, err, errlen);
	else
		snprintf(err, errlen, "out of memory");
	for (size_t i = 0; values && i < n; i++)
		free(values[i]);
	free(values);
	free(systems);
	return st;
}

/* Is s of the form of a FHIR id ([A-Za-z0-9.-]{1,64}), fit for a URL path or an If-Match? */
static int valid_id(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

/* Free texts[0..n) and the array (may be NULL). */
static void free_each(char **texts, size_t n)
{
	for (size_t i = 0; texts && i < n; i++)
		free(texts[i]);
	free(texts);
}

/* Put found[0..n) and free the array (may be NULL). */
static void put_each(json_object **found, size_t n)
{
	for (size_t i = 0; found && i < n; i++)
		json_object_put(found[i]);
	free(found);
}

/* Note in known that the resource of fullUrl full is type/id on the server (an id unfit for a
 * reference is not noted). */
static void know(json_object *known, const char *full, const char *type, const char *id)
{
	char ref[200];
	if (!type || !id || !valid_id(id))
		return;
	snprintf(ref, sizeof ref, "%s/%s", type, id);
	json_object_object_add(known, full, json_object_new_string(ref));
}

/* know resource r, made with identifier system|value. */
static void learn(json_object *known, json_object *r, const char *system, const char *value)
{
	char full[FHIR_FULLURL_LEN];
	fhir_resource_fullurl(jget_str(r, "resourceType") ?: "", system, value, full);
	know(known, full, jget_str(r, "resourceType"), jget_str(r, "id"));
}

static const char *identifier_value(json_object *res, const char *system);

#define FOLDERS_MAX 64	/* subject folders of one study looked at (fhir.c makes no more) */

/* Every subject folder of studies[0..n) (the study node of each; a study in several folders is
 * one of them), in a new array, *nf set; owner[j] (a new array, freed by the caller) the index
 * of folder j's study. NULL on out of memory. */
static const struct dataset_node **all_folders(const struct actions_ctx *a, const struct dataset_node *const *studies,
						size_t n, size_t **owner, size_t *nf)
{
	size_t total = 0;
	*nf = 0;
	for (size_t i = 0; i < n; i++) {
		size_t c = dataset_study_folders(a->tree, studies[i], NULL, 0);
		total += c < FOLDERS_MAX ? c : FOLDERS_MAX;
	}
	const struct dataset_node **out = malloc((total ? total : 1) * sizeof *out);
	*owner = malloc((total ? total : 1) * sizeof **owner);
	if (!out || !*owner) {
		free(out);
		free(*owner);
		*owner = NULL;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t c = dataset_study_folders(a->tree, studies[i], out + *nf, FOLDERS_MAX);
		for (size_t j = 0; j < c && j < FOLDERS_MAX; j++)
			(*owner)[(*nf)++] = i;
	}
	return out;
}

#define MISSING_LEN 600	/* what research_check says of a study's research resources */

/* Compare mine, as sdsfhir makes it, with server's copy r (over which a push writes it): 0
 * when the same; else what differs into diff. */
static int research_differs(json_object *mine, json_object *r, char *diff, size_t len)
{
	json_object *merged = mine ? fhir_resource_merge(mine, r) : NULL;
	int d = merged ? fhir_diff(merged, r, diff, len) : 0;
	json_object_put(merged);
	return d;
}

/* The resource of type in list with identifier system|value, or NULL. Borrowed. */
static json_object *find_resource(json_object *list, const char *type, const char *system, const char *value)
{
	for (size_t k = 0; k < jget_len(list); k++) {
		json_object *r = jget_idx_obj(list, k), *ids = jget_arr(r, "identifier");
		for (size_t d = 0; jget_is_resource(r, type) && d < jget_len(ids); d++) {
			const char *s = jget_str(jget_idx_obj(ids, d), "system"), *v = jget_str(jget_idx_obj(ids, d), "value");
			if (s && v && !strcmp(s, system) && !strcmp(v, value))
				return r;
		}
	}
	return NULL;
}

/* A found resource r made with identifier system|value: known when it is as sdsfhir makes it
 * (mine), else noted in update (when given) to be written over; what differs into why. */
static void research_found(json_object *known, json_object *update, json_object *r, json_object *mine,
			   const char *system, const char *value, const char *what, char *why, size_t len)
{
	char diff[400] = "";
	if (!research_differs(mine, r, diff, sizeof diff)) {
		if (known)
			learn(known, r, system, value);
		return;
	}
	char full[FHIR_FULLURL_LEN];
	fhir_resource_fullurl(jget_str(r, "resourceType") ?: "", system, value, full);
	if (update)
		json_object_object_add(update, full, json_object_get(r));
	if (!why[0])
		snprintf(why, len, "%s differs: %s", what, diff);
}

/* The verdict on dataset ds's ResearchStudy and Practitioners among included (found on the
 * server), "" when they are as sdsfhir makes them; known and update as research_found. */
static void research_dataset_check(const struct actions_ctx *a, const struct dataset_node *ds, json_object *included,
				   json_object *known, json_object *update, char *why, size_t len)
{
	struct research_res r[RESEARCH_MAX_PI + 1];
	struct fhir_opts q;
	size_t n = research_dataset(ds, quiet(a, &q), FHIR_REF_IDENTIFIER, r);
	why[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		json_object *there = find_resource(included, r[i].type, r[i].system, r[i].value);
		int study = i + 1 == n;
		if (study && there && why[0]) {	/* its Practitioners go with it: write it again too */
			char full[FHIR_FULLURL_LEN];
			fhir_resource_fullurl(r[i].type, r[i].system, r[i].value, full);
			if (update)
				json_object_object_add(update, full, json_object_get(there));
		} else if (!there && !why[0])
			snprintf(why, len, study ? "its dataset's ResearchStudy is not on the server"
					 : "its dataset's Practitioner %.100s is not on the server", r[i].value);
		else if (there)
			research_found(known, update, there, r[i].resource, r[i].system, r[i].value,
				       study ? "its dataset's ResearchStudy" : "its dataset's Practitioner", why, len);
		json_object_put(r[i].resource);
	}
}

/* For each study i with want[i] set (want NULL: every study), is what its ImagingStudy refers
 * to on the server as sdsfhir makes it: its subject's ResearchSubject, its dataset's
 * ResearchStudy and that one's Practitioners (one search of ResearchSubjects, the others
 * included)? missing[i] says what is not there or differs (a new string; NULL when all is
 * well). known (may
 * be NULL) learns the server ids of those found as made, as struct push holds them; update
 * (may be NULL) gets those found but different, {"urn:uuid:<id>": the server's copy}, to be
 * written over; patients (may be NULL) the ResearchSubjects' Patients. Returns a
 * client_status; err on failure. */
static int research_check(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
			  const unsigned char *want, char **missing, json_object *known, json_object *update,
			  json_object *patients, struct actions_summary *sum, char *err, size_t errlen)
{
	char (*systems)[128] = calloc(n ? n : 1, sizeof *systems);
	const char **sys = calloc(n ? n : 1, sizeof *sys), **vals = calloc(n ? n : 1, sizeof *vals);
	json_object **found = calloc(n ? n : 1, sizeof *found), *included = json_object_new_array();
	size_t *count = calloc(n ? n : 1, sizeof *count), asked = 0;
	int st = systems && sys && vals && found && count && included ? CLIENT_OK : CLIENT_ERR_LOCAL;
	for (size_t i = 0; i < n && st == CLIENT_OK; i++) {
		const struct dataset_node *ds = dataset_ancestor(studies[i], DATASET_DATASET);
		const struct dataset_node *sub = dataset_ancestor(studies[i], DATASET_SUBJECT);
		missing[i] = NULL;
		if ((want && !want[i]) || !ds || !sub)
			continue;
		research_subject_system(ds->name, systems[i], sizeof systems[i]);
		sys[i] = systems[i];
		vals[i] = sub->name;
		asked++;
	}
	if (st == CLIENT_OK && asked)
		st = lookup(a, "ResearchSubject", sys, vals, n,
			    patients ? "ResearchSubject:study&_include:iterate=ResearchStudy:principalinvestigator"
				       "&_include=ResearchSubject:individual"
				     : "ResearchSubject:study&_include:iterate=ResearchStudy:principalinvestigator",
			    included, found, count, NULL, sum, err, errlen);
	else if (st != CLIENT_OK)
		snprintf(err, errlen, "out of memory");
	for (size_t k = 0; patients && st == CLIENT_OK && k < jget_len(included); k++)
		if (jget_is_resource(jget_idx_obj(included, k), "Patient"))
			json_object_array_add(patients, json_object_get(jget_idx_obj(included, k)));
	json_object *verdicts = json_object_new_object();	/* dataset folder -> what of it differs */
	struct dataset_meta_cache mc = {0};
	struct fhir_opts q;
	for (size_t i = 0; st == CLIENT_OK && i < n; i++) {
		if (!vals[i])
			continue;
		const struct dataset_node *ds = dataset_ancestor(studies[i], DATASET_DATASET);
		const struct dataset_node *sub = dataset_ancestor(studies[i], DATASET_SUBJECT);
		json_object *v = NULL;
		if (!json_object_object_get_ex(verdicts, ds->path ? ds->path : ds->name, &v)) {
			char why[MISSING_LEN];
			research_dataset_check(a, ds, included, known, update, why, sizeof why);
			v = json_object_new_string(why);
			json_object_object_add(verdicts, ds->path ? ds->path : ds->name, v);
		}
		char why[MISSING_LEN] = "";
		if (!found[i]) {
			snprintf(why, sizeof why, "its ResearchSubject is not on the server");
		} else {
			json_object *mine = research_subject_alone(a->tree, sub, quiet(a, &q), dataset_meta_cached(&mc, sub, "subjects."));
			research_found(known, update, found[i], mine, sys[i], vals[i], "its ResearchSubject", why, sizeof why);
			json_object_put(mine);
		}
		if (!why[0])
			snprintf(why, sizeof why, "%s", json_object_get_string(v));
		missing[i] = why[0] ? strdup(why) : NULL;
	}
	dataset_meta_cache_clear(&mc);
	json_object_put(verdicts);
	put_each(found, n);
	json_object_put(included);
	free(systems);
	free(sys);
	free(vals);
	free(count);
	return st;
}

#define CONFLICT_LEN 700	/* what patient_check says of a study's Patient */

/* The first given name of HumanName name, or NULL. Borrowed. */
static const char *first_given(json_object *name)
{
	json_object *given = jget_arr(name, "given"), *g = jget_len(given) ? json_object_array_get_idx(given, 0) : NULL;
	return json_object_is_type(g, json_type_string) ? json_object_get_string(g) : NULL;
}

/* "family, given, birthDate, gender" of Patient p, those it has, into out. */
static void person_text(json_object *p, char *out, size_t len)
{
	json_object *name = jget_idx_obj(jget_arr(p, "name"), 0);
	const char *parts[] = {jget_str(name, "family"), first_given(name), jget_str(p, "birthDate"), jget_str(p, "gender")};
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < 4 && k < len; i++)
		if (parts[i])
			k += (size_t)snprintf(out + k, len - k, "%s%.80s", k ? ", " : "", parts[i]);
}

/* Does any name of Patient p have key (family, or the first given) equal to v, ignoring case? */
static int name_has(json_object *p, const char *key, const char *v)
{
	json_object *names = jget_arr(p, "name");
	for (size_t i = 0; i < jget_len(names); i++) {
		json_object *n = jget_idx_obj(names, i);
		const char *w = strcmp(key, "family") == 0 ? jget_str(n, "family") : first_given(n);
		if (w && !strcasecmp(w, v))
			return 1;
	}
	return 0;
}

/* Is server, a Patient of the server, another person than mine (the files' Patient of the
 * same identifier): a family name, first given name, birth date or sex that both give and
 * that differ? */
static int other_person(json_object *mine, json_object *server)
{
	json_object *name = jget_idx_obj(jget_arr(mine, "name"), 0);
	const char *family = jget_str(name, "family"), *g = first_given(name);
	const char *b1 = jget_str(mine, "birthDate"), *b2 = jget_str(server, "birthDate");
	const char *s1 = jget_str(mine, "gender"), *s2 = jget_str(server, "gender");
	int has_names = jget_len(jget_arr(server, "name")) > 0;
	return (family && has_names && !name_has(server, "family", family)) ||
	       (g && has_names && !name_has(server, "given", g)) || (b1 && b2 && strcmp(b1, b2) != 0) ||
	       (s1 && s2 && strcmp(s1, s2) != 0 && strcmp(s2, "unknown") != 0);
}

/* Before a study is linked to a Patient the server holds (by identifier: one without an issuer
 * falls under one global system, so two sites' "SUB001" would be one Patient), is it the files'
 * person? For each study i with want[i] set (want NULL: every study), conflict[i] gets NULL or
 * why not, naming both (a new string). patients holds the Patients read already; the others are looked up by
 * identifier. Returns a client_status. */
static int patient_check(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
			 const unsigned char *want, json_object *patients, char **conflict,
			 struct actions_summary *sum, char *err, size_t errlen)
{
	char **s = calloc(n ? n : 1, sizeof *s), **v = calloc(n ? n : 1, sizeof *v);	/* those to look up */
	json_object **found = calloc(n ? n : 1, sizeof *found);
	size_t *count = calloc(n ? n : 1, sizeof *count), asked = 0;
	struct fhir_opts q;
	char sys[1024], val[1024];
	int st = s && v && found && count ? CLIENT_OK : CLIENT_ERR_LOCAL;
	for (size_t i = 0; st == CLIENT_OK && i < n; i++) {
		conflict[i] = NULL;
		if (want && !want[i])
			continue;
		fhir_patient_identifier(a->tree, studies[i], quiet(a, &q), sys, sizeof sys, val, sizeof val);
		if (find_resource(patients, "Patient", sys, val))
			continue;
		s[i] = strdup(sys), v[i] = strdup(val);
		if (!s[i] || !v[i])
			st = CLIENT_ERR_LOCAL;
		asked++;
	}
	if (st == CLIENT_OK && asked)
		st = lookup(a, "Patient", (const char *const *)s, (const char *const *)v, n, NULL, NULL, found, count, NULL,
			    sum, err, errlen);
	else if (st != CLIENT_OK)
		snprintf(err, errlen, "out of memory");
	for (size_t i = 0; st == CLIENT_OK && i < n; i++) {
		if (want && !want[i])
			continue;
		fhir_patient_identifier(a->tree, studies[i], quiet(a, &q), sys, sizeof sys, val, sizeof val);
		json_object *there = found[i] ? found[i] : find_resource(patients, "Patient", sys, val);
		json_object *mine = there ? fhir_patient_build(a->tree, studies[i], quiet(a, &q)) : NULL;
		if (mine && other_person(mine, there)) {
			char p1[300], p2[300], why[CONFLICT_LEN];
			person_text(there, p1, sizeof p1);
			person_text(mine, p2, sizeof p2);
			snprintf(why, sizeof why, "Patient/%.64s on the server (%s) is another person than the files' (%s), "
				 "though both carry identifier %.120s|%.80s: not linked (push --same-person links it)",
				 jget_str(there, "id") ?: "?", p1, p2, sys, val);
			conflict[i] = strdup(why);
		}
		json_object_put(mine);
	}
	put_each(found, n);
	free_each(s, s ? n : 0);
	free_each(v, v ? n : 0);
	free(count);
	return st;
}

/* research_check of every subject folder of studies[0..n) (a study in several folders has a
 * ResearchSubject in each): missing[i] says what of study i's is not there (a new string, or
 * NULL). */
static int research_folders(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
			    char **missing, json_object *known, json_object *update, json_object *patients,
			    struct actions_summary *sum, char *err, size_t errlen)
{
	size_t nf = 0, *owner = NULL;
	const struct dataset_node **f = all_folders(a, studies, n, &owner, &nf);
	char **fm = f ? calloc(nf ? nf : 1, sizeof *fm) : NULL;
	int st = fm ? research_check(a, f, nf, NULL, fm, known, update, patients, sum, err, errlen) : CLIENT_ERR_LOCAL;
	if (!fm)
		snprintf(err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++)
		missing[i] = NULL;
	for (size_t j = 0; st == CLIENT_OK && j < nf; j++) {
		if (fm[j] && !missing[owner[j]]) {
			const struct dataset_node *sub = dataset_ancestor(f[j], DATASET_SUBJECT);
			char why[MISSING_LEN];
			if (f[j] != studies[owner[j]] && sub)	/* another folder's: name it */
				snprintf(why, sizeof why, "%.400s (%.100s)", fm[j], sub->name);
			else
				snprintf(why, sizeof why, "%s", fm[j]);
			missing[owner[j]] = strdup(why);
		}
	}
	free_each(fm, fm ? nf : 0);
	free(f);
	free(owner);
	return st;
}

static const char *version_of(json_object *resource)
{
	return jget_str(jget_obj(resource, "meta"), "versionId");
}

/* The one check before a write touches a resource read from the server: is r of type, carrying
 * identifier system|value, with an id fit for a URL (writable_uid, writable_study: the
 * ImagingStudy of a StudyInstanceUID, of a study)? 1, or 0 with the reason, naming both, in err
 * (may be NULL). */
static int writable(json_object *r, const char *type, const char *system, const char *value, char *err,
		    size_t errlen)
{
	const char *id = jget_str(r, "id"), *have = identifier_value(r, system);
	char what[160];
	snprintf(what, sizeof what, "it is not a%s %s", strchr("AEIOU", type[0]) ? "n" : "", type);
	const char *why = !jget_is_resource(r, type) ? what : !id || !valid_id(id) ? "it has no valid id"
			  : !have ? "it carries no identifier of that system"
			  : strcmp(have, value) != 0 ? (strcmp(type, "ImagingStudy") == 0 ? "it carries another StudyInstanceUID"
							: "it carries another identifier") : NULL;
	if (why && err)
		snprintf(err, errlen, "the server sent a resource that is not the one to write (%s, %.100s|%.200s wanted): "
			 "not changed", why, system, value);
	return !why;
}

static int writable_uid(json_object *r, const char *uid, char *err, size_t errlen)
{
	char want[200];
	snprintf(want, sizeof want, "urn:oid:%s", uid);
	return writable(r, "ImagingStudy", FHIR_SYS_DICOM_UID, want, err, errlen);
}

static int writable_study(json_object *r, const struct dataset_node *study, char *err, size_t errlen)
{
	return writable_uid(r, study->name, err, errlen);
}

/* ---- push ---- */

#define PUSH_REREADS 3	/* times a study changed on the server meanwhile is read and merged again */

struct push_study {
	const struct dataset_node *node;
	size_t bytes;		/* the study's share of a Bundle, serialized */
	unsigned char slim;	/* sent without its instance lists */
	unsigned char stale;	/* the server's copy changed since it was read: read it again */
	unsigned char rereads;	/* times it was read again */
	unsigned char resent;	/* sent again after an answer was lost */
	unsigned char ds_resent;	/* its dataset's transaction sent again after its answer was lost */
	char *version;		/* the server's versionId before the push, or NULL */
	json_object *server;	/* the server's copy, merged over (fhir_study_merge), or NULL (owned) */
	char *kept;		/* what of the server's copy was kept, or NULL (owned) */
};

/* Free what ps holds. */
static void push_study_clear(struct push_study *ps)
{
	free(ps->version);
	free(ps->kept);
	json_object_put(ps->server);
	ps->version = ps->kept = NULL;
	ps->server = NULL;
}

struct push {
	const struct actions_ctx *a;
	struct actions_summary *sum;
	size_t done, total, max_bytes;
	int heads;		/* FHIR_HEADS_*: Bundles of what the studies refer to (actions_patients),
				   0: of the studies with it (actions_push) */
	json_object *known;	/* what was written: {"urn:uuid:<id>": "Type/<server id>"}, each
				   reported once and referred to by its server id from then on */
	json_object *update;	/* what the studies refer to that is on the server but not as
				   made: {"urn:uuid:<id>": the server's copy}, written over it */
};

static long status_code(json_object *entry)
{
	const char *st = jget_str(jget_obj(entry, "response"), "status");
	return st ? strtol(st, NULL, 10) : 0;
}

/* A refusal because the request was too large: 413, or Medplum's "400 File too large". */
static int too_large(long status, const char *err)
{
	return status == 413 || (status == 400 && err && (strcasestr(err, "too large") || strcasestr(err, "too big")));
}

static void push_failed(struct push *p, struct push_study *s, const char *text)
{
	item(p->a, p->sum, s->node, p->heads ? "Patient" : "ImagingStudy", ACTIONS_FAILED, NULL, text);
	p->done++;
}

/* s was not sent: the run stopped first. */
static void push_not_sent(struct push *p, struct push_study *s)
{
	item(p->a, p->sum, s->node, p->heads ? "Patient" : "ImagingStudy", ACTIONS_NOT_SENT, NULL, "");
	p->done++;
}

/* s failed with status st and err: "not sent" when the run stopped before it was sent. */
static void push_fail_or_stop(struct push *p, struct push_study *s, int st, const char *err)
{
	if (fatal(st))
		push_not_sent(p, s);
	else
		push_failed(p, s, err);
}

/* The node a Bundle entry of type with fullUrl full stands for among the studies ps[0..n): a
 * Patient its first study, a ResearchStudy or Practitioner the dataset, a ResearchSubject the
 * subject folder. NULL when none. Borrowed. */
static const struct dataset_node *entry_node(const struct actions_ctx *a, const struct push_study *ps, size_t n,
					     const char *type, const char *full)
{
	if (!type || !full)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct dataset_node *st = ps[i].node, *ds = dataset_ancestor(st, DATASET_DATASET);
		const struct dataset_node *sub = dataset_ancestor(st, DATASET_SUBJECT), *hit = NULL;
		char mine[FHIR_FULLURL_LEN] = "", sys[1024], val[1100];
		if (strcmp(type, "Patient") == 0) {
			fhir_patient_identifier(a->tree, st, a->fopts, sys, sizeof sys, val, sizeof val);
			fhir_resource_fullurl(type, sys, val, mine);
			hit = st;
		} else if (strcmp(type, "ResearchStudy") == 0 && ds) {
			research_dataset_id(ds->name, val, sizeof val);
			fhir_resource_fullurl(type, FHIR_SYS_SPARC_DATASET, val, mine);
			hit = ds;
		} else if (strcmp(type, "ResearchSubject") == 0 && ds && sub) {
			research_subject_system(ds->name, sys, sizeof sys);
			fhir_resource_fullurl(type, sys, sub->name, mine);
			hit = sub;
		} else if (strcmp(type, "Practitioner") == 0) {
			return ds;
		}
		if (hit && strcmp(full, mine) == 0)
			return hit;
	}
	return NULL;
}

/* Entry sent of a transaction, not an ImagingStudy, and the server's answer got: counted by
 * type and reported once a resource (the Patients of actions_patients as its items, the others
 * when created or refused). A refusal is described in head_err. */
static void head_result(struct push *p, const struct push_study *ps, size_t n, json_object *sent, json_object *got,
			char *head_err, size_t errlen)
{
	json_object *res = jget_obj(sent, "resource"), *gresp = jget_obj(got, "response");
	const char *type = jget_str(res, "resourceType"), *full = jget_str(sent, "fullUrl");
	long code = status_code(got);
	int ok = code >= 200 && code < 300;
	char id[128], oo[1024], text[1500];
	id_of(jget_obj(got, "resource"), jget_str(gresp, "location"), id, sizeof id);
	client_outcome_text(jget_obj(gresp, "outcome"), oo, sizeof oo);
	if (!type)
		return;
	if (!ok)
		snprintf(head_err, errlen, "its %s was refused: HTTP %ld: %s", type, code, oo[0] ? oo : "(no details)");
	if (full && json_object_object_get_ex(p->known, full, NULL))
		return;
	if (full && ok)
		know(p->known, full, type, id);
	const char *method = jget_str(jget_obj(sent, "request"), "method");
	int outcome = !ok ? ACTIONS_FAILED : code == 201 ? ACTIONS_CREATED
		      : method && !strcmp(method, "PUT") ? ACTIONS_UPDATED : ACTIONS_EXISTED;
	const struct dataset_node *node = entry_node(p->a, ps, n, type, full);
	if (!ok) {
		snprintf(text, sizeof text, "%s: HTTP %ld: %s", type, code, oo[0] ? oo : "(no details)");
	} else {
		json_object *ident = jget_idx_obj(jget_arr(res, "identifier"), 0);
		snprintf(text, sizeof text, "%s/%s (%s|%s)", type, id, jget_str(ident, "system") ?: "",
			 jget_str(ident, "value") ?: "");
	}
	if (p->heads && strcmp(type, "Patient") == 0) {
		item(p->a, p->sum, node, type, outcome, ok ? id : NULL, text);
		return;
	}
	count_type(p->sum, type, outcome);
	if (outcome != ACTIONS_EXISTED && p->a->item) {
		struct actions_item it = {node, type, outcome, ok ? id : NULL, text, NULL, NULL, NULL};
		p->a->item(p->a->ctx, &it);
	}
}

static int push_batch(struct push *p, struct push_study *ps, size_t n, int retry);
static int push_stale_heads(struct push *p, struct push_study *ps, size_t n, json_object *stale);
static void refresh_updates(struct push *p, json_object *entries);
static void entry_over(json_object *e, json_object *resource, const char *type, const char *id, const char *version);
static int push_resolve(struct push *p, struct push_study *ps, size_t n, int st, const char *err);
static size_t json_bytes(json_object *o);

/* Read a transaction-response entry by entry (servers without atomic transactions answer 200
 * and give each entry its own status). Studies that failed in a Bundle of several are sent
 * again on their own, once. */
static int push_response(struct push *p, struct push_study *ps, size_t n, json_object *sent, json_object *reply,
			 int retry)
{
	json_object *out = jget_arr(sent, "entry"), *in = NULL;
	char err[200];
	int bad = bundle_entries(reply, &in, err, sizeof err) < 0;
	if (!bad && jget_len(in) != jget_len(out)) {
		snprintf(err, sizeof err, "the server sent an invalid Bundle: its %zu entries answer the %zu sent",
			 jget_len(in), jget_len(out));
		bad = 1;
	}
	if (bad) {
		failed(p->sum, CLIENT_ERR_HTTP, err);
		for (size_t i = 0; i < n; i++)
			push_failed(p, &ps[i], err);
		return CLIENT_ERR_HTTP;
	}
	size_t *again = malloc((n ? n : 1) * sizeof *again), nagain = 0;
	char head_err[1200] = "";
	json_object *stale = json_object_new_array();	/* heads written over a copy changed meanwhile */
	for (size_t k = 0; k < jget_len(out); k++) {
		json_object *got = jget_idx_obj(in, k), *res = jget_obj(jget_idx_obj(out, k), "resource");
		json_object *gres = jget_obj(got, "resource"), *gresp = jget_obj(got, "response");
		long code = status_code(got);
		char id[128], text[1500], oo[1024];
		id_of(gres, jget_str(gresp, "location"), id, sizeof id);
		client_outcome_text(jget_obj(gresp, "outcome"), oo, sizeof oo);
		int ok = code >= 200 && code < 300;
		const char *full = jget_str(jget_idx_obj(out, k), "fullUrl");
		if (!jget_is_resource(res, "ImagingStudy")) {	/* what the studies refer to */
			if (code == 412 && !retry && stale)
				json_object_array_add(stale, json_object_get(jget_idx_obj(out, k)));
			else
				head_result(p, ps, n, jget_idx_obj(out, k), got, head_err, sizeof head_err);
			continue;
		}
		size_t si = 0;	/* the study of this entry */
		for (; si < n; si++) {
			char uuid[37], mine[FHIR_FULLURL_LEN];
			fhir_study_uuid(ps[si].node, uuid);
			snprintf(mine, sizeof mine, "urn:uuid:%s", uuid);
			if (full && strcmp(mine, full) == 0)
				break;
		}
		if (si == n)
			continue;
		if (!ok) {
			if (code == 412 && ps[si].server && ps[si].rereads < PUSH_REREADS && again) {
				ps[si].stale = 1;	/* changed on the server meanwhile: read, merge, send */
				again[nagain++] = si;
				continue;
			}
			if (n > 1 && !retry && again) {
				again[nagain++] = si;	/* on its own, once */
				continue;
			}
			snprintf(text, sizeof text, "HTTP %ld: %s%s%s", code, oo[0] ? oo : "(no details)",
				 head_err[0] ? "; " : "", head_err);
			failed(p->sum, CLIENT_ERR_HTTP, text);
			push_failed(p, &ps[si], text);
			continue;
		}
		const char *v = version_of(gres);
		int out_kind = code == 201 ? ACTIONS_CREATED
			       : v && ps[si].version && strcmp(v, ps[si].version) == 0 ? ACTIONS_UNCHANGED : ACTIONS_UPDATED;
		snprintf(text, sizeof text, "ImagingStudy/%s%s%s%s", id, ps[si].slim ? " (without its instance list)" : "",
			 ps[si].kept ? ": " : "", ps[si].kept ? ps[si].kept : "");
		item_res(p->a, p->sum, ps[si].node, "ImagingStudy", out_kind, id, text,
			 jget_is_resource(gres, "ImagingStudy") ? gres : NULL);
		p->done++;
	}
	if (p->heads & FHIR_HEADS_SUBJECT)
		p->done += n;
	int st = jget_len(stale) ? push_stale_heads(p, ps, n, stale) : CLIENT_OK;
	json_object_put(stale);
	for (size_t i = 0; i < nagain && !fatal(st); i++)
		st = push_batch(p, &ps[again[i]], 1, 1);
	free(again);
	return fatal(st) ? st : CLIENT_OK;
}

/* Entries sent (of a server that runs transactions entry by entry) whose writes over the
 * server's copies were refused with 412: read those copies again, merge over them, send
 * once more. Returns a client_status. */
static int push_stale_heads(struct push *p, struct push_study *ps, size_t n, json_object *stale)
{
	json_object *b = json_object_new_object(), *entries = json_object_new_array();
	json_object_object_add(b, "resourceType", json_object_new_string("Bundle"));
	json_object_object_add(b, "type", json_object_new_string("transaction"));
	json_object_object_add(b, "entry", entries);
	refresh_updates(p, stale);
	for (size_t k = 0; k < jget_len(stale); k++) {
		json_object *e = jget_idx_obj(stale, k), *server = NULL, *copy = NULL;
		const char *f = jget_str(e, "fullUrl"), *v, *id, *type;
		if (!f || !json_object_object_get_ex(p->update, f, &server) || !(v = version_of(server)) || !valid_id(v) ||
		    !(id = jget_str(server, "id")) || !valid_id(id) || !(type = jget_str(server, "resourceType")) ||
		    json_object_deep_copy(e, &copy, NULL) != 0)
			continue;
		entry_over(copy, fhir_resource_merge(jget_obj(e, "resource"), server), type, id, v);
		json_object_array_add(entries, copy);
	}
	struct client_response r;
	char err[1500], head_err[1200] = "";
	json_object *in = NULL;
	int st = jget_len(entries) ? request(p->a, p->sum, "POST", "", b, NULL, NULL, 1, &r, err, sizeof err) : CLIENT_OK;
	if (jget_len(entries) && st == CLIENT_OK && bundle_entries(r.body, &in, err, sizeof err) == 0 &&
	    jget_len(in) == jget_len(entries))
		for (size_t k = 0; k < jget_len(entries); k++)
			head_result(p, ps, n, jget_idx_obj(entries, k), jget_idx_obj(in, k), head_err, sizeof head_err);
	else if (jget_len(entries))
		failed(p->sum, st == CLIENT_OK ? CLIENT_ERR_HTTP : st, err);
	if (jget_len(entries))
		client_response_clear(&r);
	json_object_put(b);
	return st;
}

/* The entries of transaction Bundle b a server resolves by a search (ifNoneExist, or a
 * conditional URL): Medplum runs a transaction of more than ACTIONS_MAX_CONDITIONAL under strict
 * isolation and refuses it. */
static size_t conditional_entries(json_object *b)
{
	json_object *entries = jget_arr(b, "entry");
	size_t k = 0;
	for (size_t i = 0; i < jget_len(entries); i++) {
		json_object *req = jget_obj(jget_idx_obj(entries, i), "request");
		const char *url = jget_str(req, "url");
		k += jget_str(req, "ifNoneExist") || (url && strchr(url, '?'));
	}
	return k;
}

/* Read study s's server copy again: it changed since it was read (HTTP 412). One gone since is
 * created again. Returns a client_status. */
static int push_reread(struct push *p, struct push_study *s)
{
	const char *id = jget_str(s->server, "id");
	char path[200], err[1500];
	s->stale = 0;
	s->rereads++;
	if (!id || !valid_id(id))
		return CLIENT_OK;
	snprintf(path, sizeof path, "ImagingStudy/%s", id);
	struct client_response r;
	int st = request(p->a, p->sum, "GET", path, NULL, NULL, NULL, 1, &r, err, sizeof err);
	if ((st == CLIENT_OK && writable_study(r.body, s->node, NULL, 0)) || r.status == 404 || r.status == 410) {
		const char *v = st == CLIENT_OK ? version_of(r.body) : NULL;
		json_object_put(s->server);
		s->server = st == CLIENT_OK ? r.body : NULL;
		r.body = NULL;
		free(s->version);
		s->version = v ? strdup(v) : NULL;
		st = CLIENT_OK;
	}
	client_response_clear(&r);
	return st;
}

/* Make transaction entry e write resource (taken over) over type/id at version: PUT to it with
 * If-Match on the version, no longer a conditional create. */
static void entry_over(json_object *e, json_object *resource, const char *type, const char *id, const char *version)
{
	json_object *req = jget_obj(e, "request");
	char url[200], etag[200];
	snprintf(url, sizeof url, "%s/%s", type, id);
	snprintf(etag, sizeof etag, "W/\"%s\"", version);
	json_object_object_add(e, "resource", resource);
	json_object_object_add(req, "method", json_object_new_string("PUT"));
	json_object_object_add(req, "url", json_object_new_string(url));
	json_object_object_add(req, "ifMatch", json_object_new_string(etag));
	json_object_object_del(req, "ifNoneExist");
}

/* After a 412 (another write came between the read and this one): read again the server's
 * copies of what the transaction entries write over (p->update), so that the next try merges
 * over the versions there now; one gone since is created again. */
static void refresh_updates(struct push *p, json_object *entries)
{
	for (size_t k = 0; p->update && k < jget_len(entries); k++) {
		json_object *e = jget_idx_obj(entries, k), *server = NULL;
		const char *f = jget_str(e, "fullUrl");
		if (!f || !jget_str(jget_obj(e, "request"), "ifMatch") || !json_object_object_get_ex(p->update, f, &server))
			continue;
		const char *id = jget_str(server, "id"), *type = jget_str(server, "resourceType");
		char path[200], err[1500];
		if (!id || !type || !valid_id(id))
			continue;
		snprintf(path, sizeof path, "%s/%s", type, id);
		struct client_response r;
		int st = request(p->a, p->sum, "GET", path, NULL, NULL, NULL, 1, &r, err, sizeof err);
		json_object *ident = jget_idx_obj(jget_arr(jget_obj(e, "resource"), "identifier"), 0);
		const char *isys = jget_str(ident, "system"), *ival = jget_str(ident, "value");
		if (st == CLIENT_OK && isys && ival && writable(r.body, type, isys, ival, NULL, 0) &&
		    !strcmp(jget_str(r.body, "id") ?: "", id)) {
			json_object_object_add(p->update, f, r.body);
			r.body = NULL;
		} else if (r.status == 404 || r.status == 410) {
			json_object_object_del(p->update, f);
		}
		client_response_clear(&r);
	}
}

/* The entries of transaction b that are on the server but not as made (p->update): written
 * over the server's copy (fhir_resource_merge), to Type/<id> with If-Match on its version. */
static void push_updates(struct push *p, json_object *b)
{
	json_object *entries = jget_arr(b, "entry");
	for (size_t k = 0; p->update && k < jget_len(entries); k++) {
		json_object *e = jget_idx_obj(entries, k), *req = jget_obj(e, "request"), *server = NULL;
		const char *f = jget_str(e, "fullUrl");
		if (!f || !req || !json_object_object_get_ex(p->update, f, &server))
			continue;
		const char *id = jget_str(server, "id"), *type = jget_str(server, "resourceType"), *v = version_of(server);
		json_object *ident = jget_idx_obj(jget_arr(jget_obj(e, "resource"), "identifier"), 0);
		const char *isys = jget_str(ident, "system"), *ival = jget_str(ident, "value");
		int ok = type && isys && ival && writable(server, type, isys, ival, NULL, 0) && v && valid_id(v);
		json_object *merged = ok ? fhir_resource_merge(jget_obj(e, "resource"), server) : NULL;
		if (merged)
			entry_over(e, merged, type, id, v);
	}
}

/* Write the ImagingStudies of transaction b over the server's copies read before (ps[i].server):
 * each merged over its copy (fhir_study_merge) and sent to ImagingStudy/<id> with If-Match on
 * the version read, so that a change made meanwhile is never overwritten (412). */
static void push_over_server(struct push *p, json_object *b, struct push_study *ps, size_t n)
{
	json_object *entries = jget_arr(b, "entry");
	for (size_t i = 0; i < n; i++) {
		const char *id = jget_str(ps[i].server, "id");
		char uuid[37], full[FHIR_FULLURL_LEN], kept[1024];
		if (!id || !valid_id(id) || !ps[i].version || !valid_id(ps[i].version))
			continue;
		fhir_study_uuid(ps[i].node, uuid);
		snprintf(full, sizeof full, "urn:uuid:%s", uuid);
		for (size_t k = 0; k < jget_len(entries); k++) {
			json_object *e = jget_idx_obj(entries, k), *req = jget_obj(e, "request");
			const char *f = jget_str(e, "fullUrl");
			if (!f || strcmp(f, full) != 0 || !req)
				continue;
			json_object *merged = fhir_study_merge(jget_obj(e, "resource"), ps[i].server, p->a->files_win, kept,
							       sizeof kept);
			if (!merged)
				break;
			entry_over(e, merged, "ImagingStudy", id, ps[i].version);
			free(ps[i].kept);
			ps[i].kept = kept[0] ? strdup(kept) : NULL;
			break;
		}
	}
}

/* Send one Bundle for ps[0..n); on a refusal of several, split; a single study refused as too
 * large is sent again without its instance lists. Returns a client_status. */
static int push_batch(struct push *p, struct push_study *ps, size_t n, int retry)
{
	const struct actions_ctx *a = p->a;
	if (cancelled(a))
		return CLIENT_ERR_CANCELLED;
	for (size_t i = 0; i < n; i++) {
		int rs = ps[i].stale ? push_reread(p, &ps[i]) : CLIENT_OK;
		if (fatal(rs))
			return rs;
	}
	const struct dataset_node **nodes = malloc(n * sizeof *nodes);
	unsigned char *slim = malloc(n);
	if (!nodes || !slim) {
		free(nodes);
		free(slim);
		failed(p->sum, CLIENT_ERR_LOCAL, "out of memory");
		return CLIENT_ERR_LOCAL;
	}
	for (size_t i = 0; i < n; i++)
		nodes[i] = ps[i].node;
	/* a study in several subject folders: every folder, for each one's ResearchSubject */
	size_t nf = 0, *owner = NULL;
	const struct dataset_node **f = p->heads ? NULL : all_folders(a, nodes, n, &owner, &nf);
	unsigned char *fslim = f ? malloc(nf ? nf : 1) : NULL;
	for (size_t j = 0; fslim && j < nf; j++)
		fslim[j] = ps[owner[j]].slim;
	for (size_t i = 0; i < n; i++)
		slim[i] = ps[i].slim;
	size_t skipped = 0;	/* none: actions_push passes only studies that pass fhir_study_check */
	json_object *b = p->heads ? fhir_heads_build(a->tree, nodes, n, p->heads, a->fopts, p->known, &skipped)
		       : fslim ? fhir_bundle_build(a->tree, f, nf, fslim, a->fopts, p->known, &skipped)
			       : fhir_bundle_build(a->tree, nodes, n, slim, a->fopts, p->known, &skipped);
	free(nodes);
	free(slim);
	free(f);
	free(fslim);
	free(owner);
	push_updates(p, b);
	if (!p->heads)
		push_over_server(p, b, ps, n);
	if (n > 1 && (conditional_entries(b) > ACTIONS_MAX_CONDITIONAL ||
		      (p->heads && json_bytes(b) + 200 > p->max_bytes))) {	/* over a server limit: halve */
		json_object_put(b);
		int s1 = push_batch(p, ps, n / 2, retry);
		return fatal(s1) ? s1 : push_batch(p, ps + n / 2, n - n / 2, retry);
	}
	struct client_response r;
	char err[1500];
	int st = request(a, p->sum, "POST", "", b, NULL, NULL, 1, &r, err, sizeof err);
	if (st == CLIENT_OK) {
		st = push_response(p, ps, n, b, r.body, retry);
	} else if (st == CLIENT_ERR_HTTP && n > 1 && r.status >= 400 && r.status < 500) {
		client_response_clear(&r);	/* too large, or one bad study: halve */
		json_object_put(b);
		size_t half = n / 2;
		int s1 = push_batch(p, ps, half, retry);
		if (fatal(s1))
			return s1;
		return push_batch(p, ps + half, n - half, retry);
	} else if (st == CLIENT_ERR_HTTP && n == 1 && r.status == 412 && ps[0].rereads < PUSH_REREADS) {
		client_response_clear(&r);	/* changed on the server meanwhile: read, merge, send */
		refresh_updates(p, jget_arr(b, "entry"));
		json_object_put(b);
		if (ps[0].server)
			ps[0].stale = 1;
		else
			ps[0].rereads++;
		return push_batch(p, ps, 1, retry);
	} else if (st == CLIENT_ERR_HTTP && n == 1 && !ps[0].slim && !p->heads && too_large(r.status, err)) {
		client_response_clear(&r);
		json_object_put(b);
		ps[0].slim = 1;
		if (a->fopts && a->fopts->warn) {
			char w[1700];
			snprintf(w, sizeof w, "the server refused the study as too large (%s): sent without its instance lists", err);
			a->fopts->warn(a->fopts->ctx, ps[0].node, w);
		}
		return push_batch(p, ps, 1, retry);
	} else if (r.unknown && !p->heads) {
		client_response_clear(&r);	/* sent, its answer lost: what is on the server now? */
		json_object_put(b);
		st = push_resolve(p, ps, n, st, err);
		progress(a, p->done, p->total);
		return st;
	} else {
		failed(p->sum, st, err);
		for (size_t i = 0; i < n; i++)
			push_fail_or_stop(p, &ps[i], st, err);
	}
	json_object_put(b);
	client_response_clear(&r);
	progress(a, p->done, p->total);
	return st;
}

/* The transaction for ps[0..n) was sent and its answer lost (st, err): the studies are read
 * back before anything is said. One on the server as it was sent is done; the others are sent
 * again once, one at a time (after a cancel: not sent); when the server cannot be read either,
 * each is unknown, with the command that settles it. Returns a client_status: CLIENT_OK when the
 * run may go on. */
static int push_resolve(struct push *p, struct push_study *ps, size_t n, int st, const char *err)
{
	struct actions_ctx b;	/* read back even after a cancel: one search */
	uncancelled(p->a, &b);
	const struct dataset_node **nodes = malloc(n * sizeof *nodes);
	json_object **found = calloc(n, sizeof *found);
	size_t *count = calloc(n, sizeof *count), *again = malloc(n * sizeof *again), nagain = 0;
	char rerr[1500] = "out of memory", text[2000];
	int rs = nodes && found && count && again ? CLIENT_OK : CLIENT_ERR_LOCAL, cancel = st == CLIENT_ERR_CANCELLED;
	for (size_t i = 0; rs == CLIENT_OK && i < n; i++)
		nodes[i] = ps[i].node;
	if (rs == CLIENT_OK)
		rs = study_lookup(&b, nodes, n, found, count, NULL, NULL, p->sum, rerr, sizeof rerr);
	end_uncancelled(p->a);
	for (size_t i = 0; i < n; i++) {
		char diff[300], kept[512], id[128];
		if (rs != CLIENT_OK) {
			snprintf(text, sizeof text, "its answer was lost (%.300s) and the server could not be read back (%.300s): "
				 "sdsfhir status on this folder tells whether it is there", err, rerr);
			item(p->a, p->sum, ps[i].node, "ImagingStudy", ACTIONS_UNKNOWN, NULL, text);
			p->done++;
		} else if (count[i] == 1 && actions_study_state(&b, ps[i].node, found[i], diff, sizeof diff, kept, sizeof kept) == 0) {
			id_of(found[i], NULL, id, sizeof id);
			snprintf(text, sizeof text, "ImagingStudy/%s (its answer was lost: read back, it is on the server)", id);
			item_res(p->a, p->sum, ps[i].node, "ImagingStudy", ps[i].server ? ACTIONS_UPDATED : ACTIONS_CREATED, id,
				 text, found[i]);
			p->done++;
		} else if (cancel) {	/* it went out: the server may still be carrying it out */
			snprintf(text, sizeof text, "cancelled after it was sent, and not on the server when read back; the "
				 "server may still carry it out: sdsfhir status on this folder tells");
			item(p->a, p->sum, ps[i].node, "ImagingStudy", ACTIONS_UNKNOWN, NULL, text);
			p->done++;
		} else if (ps[i].resent) {
			snprintf(text, sizeof text, "sent twice, its answer lost each time (%.300s), and not on the server", err);
			failed(p->sum, st, text);
			push_failed(p, &ps[i], text);
		} else {
			again[nagain++] = i;
		}
	}
	put_each(found, n);
	free(nodes);
	free(count);
	if (rs != CLIENT_OK || cancel) {
		failed(p->sum, rs != CLIENT_OK ? rs : st, rs != CLIENT_OK ? rerr : "cancelled");
		free(again);
		return rs != CLIENT_OK ? rs : st;
	}
	int r2 = CLIENT_OK;
	for (size_t k = 0; k < nagain && !fatal(r2); k++) {	/* again, once, on its own */
		ps[again[k]].resent = 1;
		r2 = push_batch(p, &ps[again[k]], 1, 1);
	}
	for (size_t k = 0; fatal(r2) && k < nagain; k++)
		if (!ps[again[k]].resent)
			push_not_sent(p, &ps[again[k]]);
	free(again);
	return fatal(r2) ? r2 : CLIENT_OK;
}

static size_t json_bytes(json_object *o)
{
	return o ? strlen(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) : 0;
}

/* The bytes a study adds to a Bundle (its ImagingStudy, its Patient, the entries around them);
 * over the limit, the study goes without its instance lists, with a warning; still over it, an
 * error. 0, or -1 with err. */
static int push_size(const struct actions_ctx *a, struct push_study *s, size_t max, char *err, size_t errlen)
{
	struct fhir_opts q;
	json_object *st = fhir_study_build(a->tree, s->node, NULL, quiet(a, &q), err, errlen);
	json_object *pt = fhir_patient_build(a->tree, s->node, quiet(a, &q));
	char *cond = fhir_patient_condition(a->tree, s->node, quiet(a, &q), err, errlen);
	if (!cond) {
		json_object_put(st);
		json_object_put(pt);
		return -1;
	}
	size_t envelope = 600 + strlen(cond), patient = json_bytes(pt);
	free(cond);
	s->bytes = json_bytes(st) + patient + envelope;
	if (s->bytes + 200 > max && st) {
		fhir_study_strip_instances(st);
		s->bytes = json_bytes(st) + patient + envelope;
		s->slim = 1;
	}
	json_object_put(st);
	json_object_put(pt);
	if (s->bytes + 200 > max) {
		snprintf(err, errlen, "its ImagingStudy is %zu bytes even without instance lists, over the request limit of %zu bytes (--max-request)",
			 s->bytes, max);
		return -1;
	}
	return 0;
}

/* The ImagingStudy a push sends for study (without its instance lists when slim), merged over
 * the server's copy server (may be NULL; kept gets what of it is kept). NULL with err. */
static json_object *study_as_sent(const struct actions_ctx *a, const struct dataset_node *study, int slim,
				  json_object *server, char *kept, size_t keptlen, char *err, size_t errlen)
{
	struct fhir_opts q;
	json_object *mine = fhir_study_build(a->tree, study, NULL, quiet(a, &q), err, errlen);
	if (kept && keptlen)
		kept[0] = '\0';
	if (mine && slim)
		fhir_study_strip_instances(mine);
	if (!mine || !server)
		return mine;
	json_object *merged = fhir_study_merge(mine, server, a->files_win, kept, keptlen);
	json_object_put(mine);
	if (!merged)
		snprintf(err, errlen, "out of memory");
	return merged;
}

/* The fullUrl of the ResearchStudy of study's dataset into full; 0 when it has no dataset. */
static int research_study_full(const struct dataset_node *study, char full[FHIR_FULLURL_LEN])
{
	const struct dataset_node *ds = dataset_ancestor(study, DATASET_DATASET);
	char v[1100];
	if (!ds)
		return 0;
	research_dataset_id(ds->name, v, sizeof v);
	fhir_resource_fullurl("ResearchStudy", FHIR_SYS_SPARC_DATASET, v, full);
	return 1;
}

/* Send the dataset-level resources of study ps (its dataset's Practitioners and ResearchStudy,
 * the Endpoint) in one transaction (at most ACTIONS_MAX_CONDITIONAL entries), learning their
 * ids. Returns a client_status; why gets the reason when they were not written. */
static int push_dataset(struct push *p, struct push_study *ps, char *why, size_t len);

/* The dataset transaction of study ps was sent and its answer lost, or refused with 412 (st,
 * err): is its ResearchStudy on the server now, as made? Then it is known; else the
 * transaction is sent again, once, over the copy there now. Returns a client_status. */
static int dataset_read_back(struct push *p, struct push_study *ps, int st, const char *err, char *why, size_t len)
{
	struct actions_ctx b;	/* read back even after a cancel */
	const struct dataset_node *ds = dataset_ancestor(ps->node, DATASET_DATASET);
	char dsid[1100], rerr[1500], diff[300];
	struct fhir_opts q;
	json_object *found = NULL;
	size_t count = 0;
	uncancelled(p->a, &b);
	research_dataset_id(ds ? ds->name : "", dsid, sizeof dsid);
	const char *sys = FHIR_SYS_SPARC_DATASET, *val = dsid;
	int rs = lookup(&b, "ResearchStudy", &sys, &val, 1, NULL, NULL, &found, &count, NULL, p->sum, rerr, sizeof rerr);
	end_uncancelled(p->a);
	json_object *mine = rs == CLIENT_OK && found && ds ? research_study_alone(ds, quiet(p->a, &q)) : NULL;
	int there = mine && count == 1 && !research_differs(mine, found, diff, sizeof diff);
	if (there) {
		learn(p->known, found, sys, val);
	} else if (mine && count == 1) {	/* there, not as made: written over this copy */
		char full[FHIR_FULLURL_LEN];
		fhir_resource_fullurl("ResearchStudy", sys, val, full);
		json_object_object_add(p->update, full, json_object_get(found));
	}
	json_object_put(mine);
	json_object_put(found);
	if (there)
		return CLIENT_OK;
	if (rs != CLIENT_OK || st == CLIENT_ERR_CANCELLED || ps->ds_resent) {
		snprintf(why, len, "its answer was lost (%.400s)%s%.400s", err, rs != CLIENT_OK ? " and the server could not "
			 "be read back: " : "", rs != CLIENT_OK ? rerr : "");
		failed(p->sum, rs != CLIENT_OK ? rs : st, st == CLIENT_ERR_CANCELLED ? "cancelled" : why);
		return rs != CLIENT_OK ? rs : st;
	}
	ps->ds_resent = 1;	/* not there: again, once */
	return push_dataset(p, ps, why, len);
}

static int push_dataset(struct push *p, struct push_study *ps, char *why, size_t len)
{
	const struct actions_ctx *a = p->a;
	const struct dataset_node *one = ps->node;
	char err[1500] = "", head_err[1200] = "";
	size_t skipped;
	json_object *b = fhir_heads_build(a->tree, &one, 1, FHIR_HEADS_DATASET, a->fopts, p->known, &skipped);
	push_updates(p, b);
	json_object *in = NULL, *out = jget_arr(b, "entry");
	struct client_response r;
	int st = request(a, p->sum, "POST", "", b, NULL, NULL, 1, &r, err, sizeof err);
	if (st == CLIENT_OK && bundle_entries(r.body, &in, err, sizeof err) < 0)
		st = CLIENT_ERR_HTTP;
	int stale = st != CLIENT_OK && r.status == 412;	/* changed meanwhile (a server entry by entry: in an entry) */
	for (size_t k = 0; st == CLIENT_OK && k < jget_len(in); k++)
		stale |= status_code(jget_idx_obj(in, k)) == 412;
	if ((st != CLIENT_OK && r.unknown) || (stale && !ps->ds_resent)) {	/* what is there now? */
		json_object_put(b);
		client_response_clear(&r);
		if (st == CLIENT_OK)
			snprintf(err, sizeof err, "HTTP 412: changed on the server meanwhile");
		return dataset_read_back(p, ps, st, err, why, len);
	}
	if (st == CLIENT_OK && jget_len(in) != jget_len(out)) {
		snprintf(err, sizeof err, "the server sent an invalid Bundle: its %zu entries answer the %zu sent",
			 jget_len(in), jget_len(out));
		st = CLIENT_ERR_HTTP;
	}
	for (size_t k = 0; st == CLIENT_OK && k < jget_len(out); k++)
		head_result(p, ps, 1, jget_idx_obj(out, k), jget_idx_obj(in, k), head_err, sizeof head_err);
	if (st != CLIENT_OK)
		failed(p->sum, st, err);
	snprintf(why, len, "%s", head_err[0] ? head_err : err[0] ? err : "the server gave it no valid id");
	json_object_put(b);
	client_response_clear(&r);
	return st;
}

/* First of all, the dataset-level resources of the datasets of ps[0..n), a transaction per
 * dataset (see push_dataset). A study whose dataset's were not written fails with the
 * reason; the others are moved to the front, in order: how many. *status: a client_status
 * (fatal: stop). */
static size_t push_datasets(struct push *p, struct push_study *ps, size_t n, int *status)
{
	json_object *why = json_object_new_object();	/* ResearchStudy fullUrl -> why it is not there */
	*status = CLIENT_OK;
	for (size_t i = 0; i < n && !fatal(*status); i++) {
		char full[FHIR_FULLURL_LEN], text[1600];
		if (!research_study_full(ps[i].node, full) || json_object_object_get_ex(p->known, full, NULL) ||
		    json_object_object_get_ex(why, full, NULL))
			continue;
		*status = push_dataset(p, &ps[i], text, sizeof text);
		if (!json_object_object_get_ex(p->known, full, NULL)) {
			json_object_object_add(why, full, json_object_new_string(text));
			failed(p->sum, CLIENT_ERR_HTTP, text);	/* also when the server ran it entry by entry */
		}
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		char full[FHIR_FULLURL_LEN], text[1700];
		json_object *w = NULL;
		if (!research_study_full(ps[i].node, full) || json_object_object_get_ex(p->known, full, NULL)) {
			struct push_study keep = ps[m];	/* swapped, so that what each holds is freed once */
			ps[m++] = ps[i];
			ps[i] = keep;
			continue;
		}
		json_object_object_get_ex(why, full, &w);
		snprintf(text, sizeof text, "its dataset's ResearchStudy was not written: %s", w ? json_object_get_string(w) : "not sent");
		if (fatal(*status))	/* the run stopped: its own transaction never went out */
			push_not_sent(p, &ps[i]);
		else
			push_failed(p, &ps[i], text);
	}
	json_object_put(why);
	return m;
}

/* Warn that study s goes without its instance lists (push_size found it over max). */
static void warn_slim(const struct actions_ctx *a, const struct push_study *s, size_t max)
{
	if (s->slim && a->fopts && a->fopts->warn) {
		char w[300];
		snprintf(w, sizeof w, "the ImagingStudy of %u instances is over the request limit of %zu bytes (--max-request): "
			 "pushed without its instance lists (the series keep their counts)", s->node->ninstances, max);
		a->fopts->warn(a->fopts->ctx, s->node, w);
	}
}

/* Send ps[0..m): what their datasets refer to first (push_datasets), then transactions of up
 * to batch studies and p->max_bytes (their bytes); after a failure that ends the run, the
 * rest are "not sent". */
static void push_all(struct push *p, struct push_study *ps, size_t m, size_t batch)
{
	int st = CLIENT_OK;
	m = m ? push_datasets(p, ps, m, &st) : 0;
	for (size_t i = 0; i < m;) {
		if (fatal(st)) {
			for (; i < m; i++)
				push_not_sent(p, &ps[i]);
			if (st == CLIENT_ERR_CANCELLED)
				failed(p->sum, st, "cancelled");
			break;
		}
		size_t j = i, bytes = 600;
		while (j < m && j - i < batch && (j == i || bytes + ps[j].bytes <= p->max_bytes))
			bytes += ps[j++].bytes;
		for (size_t k = i; k < j; k++)	/* said when it is sent, not on a push that sends nothing */
			warn_slim(p->a, &ps[k], p->max_bytes);
		st = push_batch(p, ps + i, j - i, 0);
		i = j;
	}
}

/* ---- patients ---- */

#define PATIENTS_BATCH 4	/* studies whose Patients and ResearchSubjects go in one transaction */

void actions_patients(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		      struct actions_summary *sum)
{
	struct push p = {a, sum, 0, n, a->max_bytes ? a->max_bytes : ACTIONS_MAX_BYTES, FHIR_HEADS_SUBJECT,
			 json_object_new_object(), json_object_new_object()};
	struct push_study *ps = calloc(n ? n : 1, sizeof *ps);
	if (!ps || !p.known) {
		failed(sum, CLIENT_ERR_LOCAL, "out of memory");
		n = 0;
	}
	for (size_t i = 0; i < n; i++)
		ps[i].node = studies[i];
	progress(a, 0, n);
	/* what is on the server but not as made is written over (the rest: conditional creates) */
	char **missing = n ? calloc(n, sizeof *missing) : NULL, err[1500] = "out of memory";
	int st = n ? missing ? research_folders(a, studies, n, missing, NULL, p.update, NULL, sum, err, sizeof err)
			     : CLIENT_ERR_LOCAL : CLIENT_OK;
	free_each(missing, st == CLIENT_OK ? n : 0);
	if (st != CLIENT_OK) {
		failed(sum, st, err);
		for (size_t i = 0; i < n; i++)
			push_fail_or_stop(&p, &ps[i], st, err);
		n = 0;
	}
	push_all(&p, ps, n, PATIENTS_BATCH);
	progress(a, n, n);
	json_object_put(p.known);
	json_object_put(p.update);
	free(ps);
}

/* What push found of a study on the server. */
struct push_verdict {
	unsigned char same;	/* its ImagingStudy is there as push would send it */
	char *missing;		/* what of what it refers to is not there as made, or NULL (owned) */
	char *kept;		/* what the server keeps though the files say otherwise, or NULL (owned) */
	char *conflict;		/* its Patient on the server is another person, or NULL (owned) */
};

/* The studies of studies[0..n) push can send, each StudyInstanceUID once, into ps and nodes
 * (what cannot be expressed is reported here, once): how many. */
static size_t push_take(struct push *p, const struct dataset_node *const *studies, size_t n, struct push_study *ps,
			const struct dataset_node **nodes, json_object *seen)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char err[512];
		if (json_object_object_get_ex(seen, studies[i]->name, NULL)) {
			p->total--;	/* the same study through another folder: pushed once */
			continue;
		}
		json_object_object_add(seen, studies[i]->name, NULL);
		ps[k] = (struct push_study){.node = studies[i]};
		if (fhir_study_check(p->a->tree, studies[i], err, sizeof err) == 0 &&
		    push_size(p->a, &ps[k], p->max_bytes, err, sizeof err) == 0)
			nodes[k++] = studies[i];
		else
			push_failed(p, &ps[k], err);
	}
	return k;
}

/* What the server holds of nodes[0..k) (ps): found[i] and count[i] its ImagingStudies, v[i]
 * the verdict; the research resources found as made learnt in p->known, those to write over
 * in p->update. Returns a client_status; err on failure. */
static int push_read(struct push *p, struct push_study *ps, const struct dataset_node **nodes, size_t k,
		     json_object **found, size_t *count, struct push_verdict *v, char *err, size_t errlen)
{
	const struct actions_ctx *a = p->a;
	json_object *patients = json_object_new_array();	/* the Patients read on the way */
	char **missing = calloc(k ? k : 1, sizeof *missing), **conflict = calloc(k ? k : 1, sizeof *conflict);
	int st = missing && conflict ? study_lookup(a, nodes, k, found, count, NULL, patients, p->sum, err, errlen)
				     : (snprintf(err, errlen, "out of memory"), CLIENT_ERR_LOCAL);
	for (size_t i = 0; st == CLIENT_OK && i < k; i++) {
		char text[200], kept[512];
		json_object *mine = count[i] == 1 ? study_as_sent(a, ps[i].node, ps[i].slim, found[i], kept,
								  sizeof kept, err, errlen) : NULL;
		v[i].same = mine && fhir_diff(mine, found[i], text, sizeof text) == 0;
		v[i].kept = mine && kept[0] ? strdup(kept) : NULL;
		json_object_put(mine);
	}
	/* what they refer to: a study whose ResearchSubject is gone is sent again; what is there
	 * is referred to by its server id and not sent; and whether their Patients are the files' */
	if (st == CLIENT_OK)
		st = research_folders(a, nodes, k, missing, p->known, p->update, patients, p->sum, err, errlen);
	if (st == CLIENT_OK)
		st = patient_check(a, nodes, k, NULL, patients, conflict, p->sum, err, errlen);
	for (size_t i = 0; st == CLIENT_OK && i < k; i++) {	/* handed over */
		v[i].missing = missing[i];
		v[i].conflict = conflict[i];
	}
	free_each(st == CLIENT_OK ? NULL : missing, k);
	free_each(st == CLIENT_OK ? NULL : conflict, k);
	if (st == CLIENT_OK) {
		free(missing);
		free(conflict);
	}
	json_object_put(patients);
	return st;
}

/* Report ps[0..k) that are not sent (the same on the server; refused here) and move those to
 * send to the front, in order, with the server's copy and version: how many. */
static size_t push_sort(struct push *p, struct push_study *ps, size_t k, json_object **found, const size_t *count,
			const struct push_verdict *v)
{
	struct actions_summary *sum = p->sum;
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		char id[128], text[700];
		if (v[i].conflict && !p->a->same_person) {	/* refused here, not by the server */
			if (!sum->error[0])
				snprintf(sum->error, sizeof sum->error, "%s", v[i].conflict);
			push_failed(p, &ps[i], v[i].conflict);
		} else if (count[i] > 1) {	/* a conditional write would fail: "matched multiple resources" */
			id_of(found[i], NULL, id, sizeof id);
			snprintf(text, sizeof text, "ImagingStudy/%s ", id);
			copies_text(ps[i].node, count[i], text + strlen(text), sizeof text - strlen(text));
			failed(sum, CLIENT_ERR_HTTP, text);
			push_failed(p, &ps[i], text);
		} else if (v[i].same && !v[i].missing) {
			id_of(found[i], NULL, id, sizeof id);
			snprintf(text, sizeof text, "ImagingStudy/%s (the same on the server: not sent)%s%s", id,
				 v[i].kept ? ": " : "", v[i].kept ? v[i].kept : "");
			item(p->a, sum, ps[i].node, "ImagingStudy", ACTIONS_UNCHANGED, id, text);
			p->done++;
		} else {
			struct push_study keep = ps[i];	/* swapped, so that what each holds is freed once */
			const char *ver = count[i] == 1 ? version_of(found[i]) : NULL;
			keep.version = ver ? strdup(ver) : NULL;
			keep.server = count[i] == 1 ? json_object_get(found[i]) : NULL;
			ps[i] = ps[m];
			ps[m++] = keep;
		}
	}
	return m;
}

void actions_push(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		  struct actions_summary *sum)
{
	size_t batch = a->batch > 0 ? (size_t)a->batch : 4, k = 0;
	struct push p = {a, sum, 0, n, a->max_bytes ? a->max_bytes : ACTIONS_MAX_BYTES, 0, json_object_new_object(),
			 json_object_new_object()};
	struct push_study *ps = calloc(n ? n : 1, sizeof *ps);
	json_object **found = calloc(n ? n : 1, sizeof *found);
	size_t *count = calloc(n ? n : 1, sizeof *count);
	const struct dataset_node **nodes = calloc(n ? n : 1, sizeof *nodes);
	struct push_verdict *v = calloc(n ? n : 1, sizeof *v);
	json_object *seen = json_object_new_object();
	char err[1500];
	if (!ps || !found || !count || !nodes || !v || !seen || !p.known || !p.update) {
		failed(sum, CLIENT_ERR_LOCAL, "out of memory");
		n = 0;
	}
	progress(a, 0, n);
	k = n ? push_take(&p, studies, n, ps, nodes, seen) : 0;
	/* what the server holds now: studies already the same are left alone */
	int st = k ? push_read(&p, ps, nodes, k, found, count, v, err, sizeof err) : CLIENT_OK;
	if (st != CLIENT_OK) {
		failed(sum, st, err);
		for (size_t i = 0; i < k; i++)
			push_fail_or_stop(&p, &ps[i], st, err);
		k = 0;
	}
	size_t m = push_sort(&p, ps, k, found, count, v);
	progress(a, p.done, p.total);
	push_all(&p, ps, m, batch);
	for (size_t i = 0; ps && i < n; i++) {
		push_study_clear(&ps[i]);
		if (found && found[i])
			json_object_put(found[i]);
	}
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].missing);
		free(v[i].kept);
		free(v[i].conflict);
	}
	free(ps);
	free(found);
	free(count);
	free(nodes);
	free(v);
	json_object_put(seen);
	json_object_put(p.known);
	json_object_put(p.update);
	progress(a, n, n);
}

/* ---- bodySite ---- */

/* Set bodySite on the series of resource r (a->series: that one only); returns how many
 * changed, or -1 with err. */
static int apply_bodysite(const struct actions_ctx *a, const struct dataset_node *study, json_object *r,
			  const char *code, const char *display, char *err, size_t errlen)
{
	json_object *series = jget_arr(r, "series");
	int changed = 0;
	if (!series) {
		snprintf(err, errlen, "the server's ImagingStudy has no series");
		return -1;
	}
	for (size_t i = 0; i < jget_len(series); i++) {
		json_object *s = jget_idx_obj(series, i);
		if (!s) {
			snprintf(err, errlen, "the server's ImagingStudy has a series that is not an object");
			return -1;
		}
		const char *uid = jget_str(s, "uid");
		const struct dataset_node *local = NULL;	/* the local series with that UID, if any */
		for (const struct dataset_node *se = study->child; se && !local; se = se->next)
			if (se->kind == DATASET_SERIES && uid && strcmp(dataset_tag(a->tree, se, DICOM_SERIES_UID), uid) == 0)
				local = se;
		if (a->series && local != a->series)
			continue;	/* not the one series asked for: left as it is */
		char c[64], d[256];
		if (code) {
			snprintf(c, sizeof c, "%s", code);
			snprintf(d, sizeof d, "%s", display ? display : "");
		} else {
			const char *bp = local ? dataset_tag(a->tree, local, DICOM_BODY_PART) : NULL;	/* the files' */
			if (!bp || !*bp || !bodypart_map(bp, c, sizeof c, d, sizeof d)) {
				snprintf(err, errlen, "series %s: %s: give --code", uid ? uid : "?",
					 bp && *bp ? "its Body Part Examined is not a defined term of PS3.16 Annex L"
						   : "no Body Part Examined in the local files");
				return -1;
			}
		}
		json_object *old = jget_obj(s, "bodySite");
		if (old && jget_str(old, "code") &&
		    strcmp(jget_str(old, "code"), c) == 0 && strcmp(jget_str(old, "system") ? jget_str(old, "system") : "", FHIR_SYS_SNOMED) == 0)
			continue;
		json_object *cd = json_object_new_object();
		json_object_object_add(cd, "system", json_object_new_string(FHIR_SYS_SNOMED));
		json_object_object_add(cd, "code", json_object_new_string(c));
		if (*d)
			json_object_object_add(cd, "display", json_object_new_string(d));
		json_object_object_add(s, "bodySite", cd);
		changed++;
	}
	return changed;
}

/* The first matching resource of a searchset and how many matched; a Bundle of the wrong shape
 * is no match at all. */
static json_object *first_match(json_object *bundle, size_t *count)
{
	json_object *entries = jget_arr(bundle, "entry"), *found = NULL;
	*count = 0;
	for (size_t i = 0; i < jget_len(entries); i++) {
		json_object *e = jget_idx_obj(entries, i), *res = jget_obj(e, "resource");
		const char *mode = jget_str(jget_obj(e, "search"), "mode");
		if ((mode && strcmp(mode, "match") != 0) || !res)
			continue;
		if (!found)
			found = res;
		(*count)++;
	}
	return found;
}

/* The series' bodySite of resource r by series uid: {uid: bodySite or null}. New object. */
static json_object *series_sites(json_object *r)
{
	json_object *out = json_object_new_object(), *series = jget_arr(r, "series");
	for (size_t i = 0; i < jget_len(series); i++) {
		json_object *se = jget_idx_obj(series, i), *bs = jget_obj(se, "bodySite");
		const char *uid = jget_str(se, "uid");
		if (uid)
			json_object_object_add(out, uid, bs ? json_object_get(bs) : NULL);
	}
	return out;
}

static void bodysite_one(const struct actions_ctx *a, const struct dataset_node *study, const char *code,
			 const char *display, struct actions_summary *sum, int *stop, json_object *undo)
{
	char url[400], err[1500], text[1700], id[128], path[300], etag[160];
	fhir_study_search(study->name, url, sizeof url);
	struct client_response r;
	int st = request(a, sum, "GET", url, NULL, NULL, NULL, 1, &r, err, sizeof err);
	if (st != CLIENT_OK) {
		failed(sum, st, err);
		item(a, sum, study, "ImagingStudy", ACTIONS_FAILED, NULL, err);
		*stop = fatal(st);
		client_response_clear(&r);
		return;
	}
	size_t count;
	json_object *entries;
	if (bundle_entries(r.body, &entries, err, sizeof err) < 0) {
		failed(sum, CLIENT_ERR_HTTP, err);
		item(a, sum, study, "ImagingStudy", ACTIONS_FAILED, NULL, err);
		client_response_clear(&r);
		return;
	}
	json_object *res = first_match(r.body, &count);
	if (res && count == 1 && !writable_study(res, study, err, sizeof err)) {
		failed(sum, CLIENT_ERR_HTTP, err);
		item(a, sum, study, "ImagingStudy", ACTIONS_FAILED, NULL, err);
		client_response_clear(&r);
		return;
	}
	if (!res || count > 1) {
		snprintf(text, sizeof text, count > 1 ? "%zu ImagingStudies carry this StudyInstanceUID: not changed"
						      : "push it first", count);
		item(a, sum, study, "ImagingStudy", count > 1 ? ACTIONS_FAILED : ACTIONS_NOT_FOUND, NULL, text);
		client_response_clear(&r);
		return;
	}
	res = json_object_get(res);
	client_response_clear(&r);
	for (int attempt = 0;; attempt++) {
		id_of(res, NULL, id, sizeof id);
		if (!valid_id(id)) {
			item(a, sum, study, "ImagingStudy", ACTIONS_FAILED, NULL, "the server gave the study no valid id: not changed");
			break;
		}
		json_object *before = series_sites(res);	/* for an undo */
		int changed = apply_bodysite(a, study, res, code, display, err, sizeof err);
		if (changed <= 0) {
			json_object_put(before);
			snprintf(text, sizeof text, "ImagingStudy/%s: %s", id, changed < 0 ? err : "bodySite already set");
			item(a, sum, study, "ImagingStudy", changed < 0 ? ACTIONS_FAILED : ACTIONS_UNCHANGED, id, text);
			break;
		}
		const char *vid = version_of(res);
		etag[0] = '\0';
		if (vid && valid_id(vid))	/* a version of the form FHIR gives ids, or none */
			snprintf(etag, sizeof etag, "W/\"%s\"", vid);
		snprintf(path, sizeof path, "ImagingStudy/%s", id);
		st = request(a, sum, "PUT", path, res, etag[0] ? etag : NULL, NULL, 1, &r, err, sizeof err);
		if (st == CLIENT_OK) {
			const char *v = version_of(r.body);
			if (undo && v) {	/* what to put back, and the version that must still be there */
				json_object *rec = json_object_new_object();
				json_object_object_add(rec, "id", json_object_new_string(id));
				json_object_object_add(rec, "uid", json_object_new_string(study->name));
				json_object_object_add(rec, "version", json_object_new_string(v));
				json_object_object_add(rec, "series", before);
				before = NULL;
				json_object_array_add(undo, rec);
			}
			json_object_put(before);
			sum->changed += (size_t)changed;
			snprintf(text, sizeof text, "ImagingStudy/%s: bodySite set on %d series", id, changed);
			item_res(a, sum, study, "ImagingStudy", ACTIONS_UPDATED, id, text,
				 jget_is_resource(r.body, "ImagingStudy") ? r.body : NULL);
			client_response_clear(&r);
			break;
		}
		json_object_put(before);
		if (r.status == 412 && attempt == 0) {	/* changed meanwhile: re-read, re-apply, once */
			client_response_clear(&r);
			st = request(a, sum, "GET", path, NULL, NULL, NULL, 1, &r, err, sizeof err);
			if (st == CLIENT_OK) {
				json_object_put(res);
				res = r.body;
				r.body = NULL;
				client_response_clear(&r);
				continue;
			}
		}
		failed(sum, st, err);
		snprintf(text, sizeof text, "%s%s", r.status == 412 ? "changed on the server twice meanwhile: " : "", err);
		item(a, sum, study, "ImagingStudy", ACTIONS_FAILED, id, text);
		*stop = fatal(st);
		client_response_clear(&r);
		break;
	}
	json_object_put(res);
}

void actions_bodysite(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		      const char *code, const char *display, json_object *undo, struct actions_summary *sum)
{
	int stop = 0;
	for (size_t i = 0; i < n && !stop; i++) {
		if (cancelled(a)) {
			failed(sum, CLIENT_ERR_CANCELLED, "cancelled");
			break;
		}
		progress(a, i, n);
		bodysite_one(a, studies[i], code, display, sum, &stop, undo);
	}
	progress(a, n, n);
}

void actions_bodysite_undo(const struct actions_ctx *a, json_object *undo, struct actions_summary *sum)
{
	for (size_t i = 0; i < jget_len(undo); i++) {
		json_object *rec = jget_idx_obj(undo, i), *was = jget_obj(rec, "series");
		const char *id = jget_str(rec, "id"), *version = jget_str(rec, "version"), *uid = jget_str(rec, "uid");
		char path[200], err[1500], text[1700], etag[200];
		if (!id || !version || !uid || !was || !valid_id(id) || !valid_id(version) || cancelled(a))
			continue;
		snprintf(path, sizeof path, "ImagingStudy/%s", id);
		struct client_response r;
		int st = request(a, sum, "GET", path, NULL, NULL, NULL, 1, &r, err, sizeof err);
		const char *now = st == CLIENT_OK ? version_of(r.body) : NULL;
		if (st == CLIENT_OK && (!now || strcmp(now, version) != 0)) {
			snprintf(text, sizeof text, "not undone: ImagingStudy/%s changed on the server since the bodySite "
				 "was written (version %s, not %s)", id, now ? now : "?", version);
			item(a, sum, NULL, "ImagingStudy", ACTIONS_FAILED, id, text);
			failed(sum, CLIENT_ERR_HTTP, text);
			client_response_clear(&r);
			continue;
		}
		if (st == CLIENT_OK && !writable_uid(r.body, uid, err, sizeof err))	/* not the study written */
			st = CLIENT_ERR_HTTP;
		if (st != CLIENT_OK) {
			failed(sum, st, err);
			item(a, sum, NULL, "ImagingStudy", ACTIONS_FAILED, id, err);
			client_response_clear(&r);
			if (fatal(st))
				break;
			continue;
		}
		json_object *res = r.body, *series = jget_arr(res, "series");
		for (size_t k = 0; k < jget_len(series); k++) {
			json_object *se = jget_idx_obj(series, k), *old = NULL;
			const char *uid = jget_str(se, "uid");
			if (!uid || !json_object_object_get_ex(was, uid, &old))
				continue;
			if (old)
				json_object_object_add(se, "bodySite", json_object_get(old));
			else
				json_object_object_del(se, "bodySite");
		}
		snprintf(etag, sizeof etag, "W/\"%s\"", version);
		struct client_response w;
		st = request(a, sum, "PUT", path, res, etag, NULL, 1, &w, err, sizeof err);
		if (st == CLIENT_OK) {	/* the server's answer is each folder's new server state */
			snprintf(text, sizeof text, "ImagingStudy/%s: bodySite put back", id);
			size_t ns = 0, said = 0;
			const struct dataset_node **all = a->tree ? dataset_collect(a->tree->root, DATASET_STUDY, &ns) : NULL;
			for (size_t k = 0; k < ns; k++)
				if (!strcmp(all[k]->name, uid) && ++said)
					item_res(a, sum, all[k], "ImagingStudy", ACTIONS_UPDATED, id, text,
						 jget_is_resource(w.body, "ImagingStudy") ? w.body : NULL);
			free(all);
			if (!said)	/* its folders are not in this tree any more */
				item(a, sum, NULL, "ImagingStudy", ACTIONS_UPDATED, id, text);
		} else {
			snprintf(text, sizeof text, "ImagingStudy/%s: %s%s", id, w.status == 412 ? "changed on the server "
				 "meanwhile, not undone: " : "", err);
			failed(sum, st, text);
			item(a, sum, NULL, "ImagingStudy", ACTIONS_FAILED, id, text);
		}
		client_response_clear(&w);
		client_response_clear(&r);
		if (fatal(st))
			break;
	}
}

/* ---- compare ---- */

void actions_compare(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		     struct actions_summary *sum)
{
	json_object **found = calloc(n ? n : 1, sizeof *found);
	size_t *count = calloc(n ? n : 1, sizeof *count);
	char err[1500];
	progress(a, 0, n);
	json_object *patients = json_object_new_array();	/* the Patients read on the way */
	char **conflict = calloc(n ? n : 1, sizeof *conflict);
	int st = found && count && conflict ? study_lookup(a, studies, n, found, count, NULL, patients, sum, err, sizeof err)
					    : CLIENT_ERR_LOCAL;
	if (st != CLIENT_OK) {
		failed(sum, st, found && count ? err : "out of memory");
		for (size_t i = 0; i < n; i++)
			item(a, sum, studies[i], "ImagingStudy", ACTIONS_FAILED, NULL, st == CLIENT_ERR_CANCELLED ? "cancelled" :
			     found && count ? err : "out of memory");
		n = found && count ? n : 0;
	}
	unsigned char *there = calloc(n ? n : 1, 1);	/* and what those found refer to */
	char **missing = calloc(n ? n : 1, sizeof *missing);
	for (size_t i = 0; there && i < n && st == CLIENT_OK; i++)
		there[i] = found[i] != NULL;
	int looked = st == CLIENT_OK;
	if (looked)
		st = there && missing ? research_check(a, studies, n, there, missing, NULL, NULL, patients, sum, err, sizeof err)
				      : CLIENT_ERR_LOCAL;
	if (looked && st == CLIENT_OK)	/* and whether their Patients are the files' people */
		st = patient_check(a, studies, n, there, patients, conflict, sum, err, sizeof err);
	if (looked && st != CLIENT_OK) {
		failed(sum, st, there && missing ? err : "out of memory");
		for (size_t i = 0; i < n; i++)
			item(a, sum, studies[i], "ImagingStudy", ACTIONS_FAILED, NULL, st == CLIENT_ERR_CANCELLED ? "cancelled" :
			     there && missing ? err : "out of memory");
	}
	for (size_t i = 0; i < n && st == CLIENT_OK; i++) {
		char id[128], text[2048];
		if (!found[i]) {
			item(a, sum, studies[i], "ImagingStudy", ACTIONS_NOT_FOUND, NULL, "not on the server");
			continue;
		}
		id_of(found[i], NULL, id, sizeof id);
		char kept[512] = "", diff[1500] = "", copies[400] = "";
		int d = actions_study_state(a, studies[i], found[i], diff, sizeof diff, kept, sizeof kept);
		const char *why = conflict[i] && !a->same_person ? conflict[i] : missing[i];
		if (d == 0 && why) {	/* the ImagingStudy as made, what it refers to not */
			snprintf(diff, sizeof diff, "%s", why);
			d = 1;
		}
		if (count[i] > 1)
			copies_text(studies[i], count[i], copies, sizeof copies);
		snprintf(text, sizeof text, "ImagingStudy/%s%s%s%s%s%s%s", id, copies[0] ? " " : "", copies, d ? ": " : "",
			 d ? diff : "", kept[0] ? (d || copies[0] ? "; " : ": ") : "", kept);
		int out = d || count[i] > 1 ? ACTIONS_DIFFERENT : ACTIONS_SAME;
		sum->count[out]++;
		if (a->item) {
			struct actions_item it = {studies[i], "ImagingStudy", out, id, text, found[i], d > 0 ? diff : NULL,
						  kept[0] ? kept : NULL};
			a->item(a->ctx, &it);
		}
	}
	put_each(found, n);
	free(count);
	free(there);
	free_each(missing, n);
	free_each(conflict, n);
	json_object_put(patients);
	progress(a, n, n);
}

int actions_study_state(const struct actions_ctx *a, const struct dataset_node *study, json_object *server,
			char *diff, size_t len, char *kept, size_t keptlen)
{
	/* as a push would send it: without instance lists when over the limit, over the server's copy */
	struct push_study as = {.node = study};
	char err[512];
	push_size(a, &as, a->max_bytes ? a->max_bytes : ACTIONS_MAX_BYTES, err, sizeof err);
	json_object *mine = study_as_sent(a, study, as.slim, server, kept, keptlen, err, sizeof err);
	int d = mine ? fhir_diff(mine, server, diff, len) : -1;
	if (!mine)
		snprintf(diff, len, "%s", err);
	json_object_put(mine);
	return d;
}

/* ---- retract ---- */

/* Is node one of studies[0..n)? */
static int among(const struct dataset_node *node, const struct dataset_node *const *studies, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (studies[i] == node)
			return 1;
	return 0;
}

/* The folders of study's StudyInstanceUID that are not among studies[0..n): into left (at most
 * FOLDERS_MAX); how many. */
static size_t folders_left(const struct actions_ctx *a, const struct dataset_node *study,
			   const struct dataset_node *const *studies, size_t n, const struct dataset_node **left)
{
	const struct dataset_node *f[FOLDERS_MAX];
	size_t nf = dataset_study_folders(a->tree, study, f, FOLDERS_MAX), k = 0;
	for (size_t j = 0; j < nf && j < FOLDERS_MAX; j++)
		if (!among(f[j], studies, n))
			left[k++] = f[j];
	return k;
}

/* Does ImagingStudy res name study folder st (its urn:sparc_study:uid identifier)? */
static int names_folder(json_object *res, const struct dataset_node *st)
{
	const struct dataset_node *sub = dataset_ancestor(st, DATASET_SUBJECT);
	char want[1200];
	snprintf(want, sizeof want, "urn:uid:%s-%s", sub ? sub->name : "", st->name);
	json_object *ids = jget_arr(res, "identifier");
	for (size_t i = 0; i < jget_len(ids); i++) {
		const char *sys = jget_str(jget_idx_obj(ids, i), "system"), *v = jget_str(jget_idx_obj(ids, i), "value");
		if (sys && v && !strcmp(sys, FHIR_SYS_SPARC_STUDY) && !strcmp(v, want))
			return 1;
	}
	return 0;
}

/* "DATASET/SUBJECT" of a study folder into out. */
static void folder_name(const struct dataset_node *st, char *out, size_t len)
{
	const struct dataset_node *ds = dataset_ancestor(st, DATASET_DATASET), *sub = dataset_ancestor(st, DATASET_SUBJECT);
	snprintf(out, len, "%s%s%s", ds ? ds->name : "", ds && sub ? "/" : "", sub ? sub->name : st->name);
}

const char *actions_retract_text(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
				 char *buf, size_t len)
{
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && k < len; i++) {
		int again = 0;
		for (size_t j = 0; j < i && !again; j++)
			again = strcmp(studies[j]->name, studies[i]->name) == 0;
		if (again)
			continue;
		const struct dataset_node *left[FOLDERS_MAX];
		size_t nl = folders_left(a, studies[i], studies, n, left);
		char name[600];
		for (size_t j = i; j < n && k < len; j++) {	/* the folders asked, of this study */
			if (strcmp(studies[j]->name, studies[i]->name) != 0)
				continue;
			folder_name(studies[j], name, sizeof name);
			k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? (j == i ? "; " : ", ") : "", name);
		}
		if (nl && k < len) {
			folder_name(left[0], name, sizeof name);
			k += (size_t)snprintf(buf + k, len - k, " (its series only: the study stays for %s%s)", name,
					      nl > 1 ? " and more" : "");
		}
	}
	return buf;
}

/* Remove the ResearchSubjects of the subject folders of studies[0..n) whose every study is
 * retracted (one still there keeps it). */
static void retract_subjects(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
			     struct actions_summary *sum)
{
	char (*systems)[128] = calloc(n ? n : 1, sizeof *systems);
	const char **sys = calloc(n ? n : 1, sizeof *sys), **vals = calloc(n ? n : 1, sizeof *vals);
	json_object **found = calloc(n ? n : 1, sizeof *found), **all = calloc(n ? n : 1, sizeof *all);
	size_t *count = calloc(n ? n : 1, sizeof *count), asked = 0;
	char err[1500];
	for (size_t i = 0; systems && sys && vals && found && all && count && i < n; i++) {
		const struct dataset_node *ds = dataset_ancestor(studies[i], DATASET_DATASET);
		const struct dataset_node *sub = dataset_ancestor(studies[i], DATASET_SUBJECT);
		int keep = !ds || !sub;
		for (const struct dataset_node *c = sub ? sub->child : NULL; c && !keep; c = c->next)
			keep = c->kind == DATASET_STUDY && !among(c, studies, n);
		for (size_t j = 0; j < i && !keep; j++)	/* once a subject folder */
			keep = vals[j] && dataset_ancestor(studies[j], DATASET_SUBJECT) == sub;
		if (keep)
			continue;
		research_subject_system(ds->name, systems[i], sizeof systems[i]);
		sys[i] = systems[i];
		vals[i] = sub->name;
		asked++;
	}
	int st = asked ? lookup(a, "ResearchSubject", sys, vals, n, NULL, NULL, found, count, all, sum, err, sizeof err)
		       : CLIENT_OK;
	if (st != CLIENT_OK)
		failed(sum, st, err);
	for (size_t i = 0; st == CLIENT_OK && i < n; i++) {
		for (size_t k = 0; k < jget_len(all[i]) && !fatal(st); k++) {
			char id[128], path[200], text[1700];
			id_of(json_object_array_get_idx(all[i], k), NULL, id, sizeof id);
			if (!valid_id(id))
				continue;
			snprintf(path, sizeof path, "ResearchSubject/%s", id);
			struct client_response r = {0};
			st = cancelled(a) ? CLIENT_ERR_CANCELLED : request(a, sum, "DELETE", path, NULL, NULL, NULL, 1, &r, err, sizeof err);
			int out = st == CLIENT_OK ? ACTIONS_REMOVED : ACTIONS_FAILED;
			snprintf(text, sizeof text, "ResearchSubject/%s%s%s", id, st == CLIENT_OK ? "" : ": ",
				 st == CLIENT_OK ? "" : st == CLIENT_ERR_CANCELLED ? "cancelled" : err);
			if (st != CLIENT_OK)
				failed(sum, st, st == CLIENT_ERR_CANCELLED ? "cancelled" : err);
			count_type(sum, "ResearchSubject", out);
			if (a->item) {
				struct actions_item it = {dataset_ancestor(studies[i], DATASET_SUBJECT), "ResearchSubject", out,
							  st == CLIENT_OK ? id : NULL, text, NULL, NULL, NULL};
				a->item(a->ctx, &it);
			}
			client_response_clear(&r);
			if (!fatal(st))
				st = CLIENT_OK;
		}
	}
	for (size_t i = 0; found && all && i < n; i++) {
		json_object_put(found[i]);
		json_object_put(all[i]);
	}
	free(systems), free(sys), free(vals), free(found), free(all), free(count);
}

/* What is left of the ImagingStudy res of study when its folders among studies[0..n) are
 * retracted: built from the folders left[0..nl), over the server's copy; its references
 * (subject, ResearchStudy, Endpoint) stay as the server has them. New object. */
static json_object *retract_rest(const struct actions_ctx *a, json_object *res, const struct dataset_node *const *left,
				 size_t nl)
{
	struct fhir_opts q;
	json_object *mine = fhir_study_build_folders(a->tree, left, nl, NULL, quiet(a, &q));
	json_object *out = mine ? fhir_study_merge(mine, res, 0, NULL, 0) : NULL;
	json_object_put(mine);
	const char *const refs[] = {"subject", "extension", "endpoint"};
	for (size_t k = 0; out && k < sizeof refs / sizeof *refs; k++) {
		json_object *v = NULL;
		if (json_object_object_get_ex(res, refs[k], &v) && v)
			json_object_object_add(out, refs[k], json_object_get(v));
		else
			json_object_object_del(out, refs[k]);
	}
	return out;
}

/* Take study's folders among studies[0..n) out of its ImagingStudy res (the server's copy):
 * what the folders left[0..nl) make, written with If-Match on res's version (a 412: read again
 * and once more). Returns a client_status. */
static int retract_part(const struct actions_ctx *a, const struct dataset_node *study, json_object *res,
			const struct dataset_node *const *left, size_t nl, struct actions_summary *sum)
{
	char path[200], etag[200], err[1500], text[1700], name[600];
	json_object *cur = json_object_get(res);
	int st = CLIENT_OK;
	folder_name(left[0], name, sizeof name);
	for (int attempt = 0; attempt < PUSH_REREADS; attempt++) {
		const char *v = version_of(cur);
		if (!writable_study(cur, study, err, sizeof err)) {
			st = CLIENT_ERR_HTTP;
			break;
		}
		json_object *rest = retract_rest(a, cur, left, nl);
		snprintf(path, sizeof path, "ImagingStudy/%s", jget_str(cur, "id"));
		snprintf(etag, sizeof etag, "W/\"%s\"", v && valid_id(v) ? v : "");
		struct client_response r = {0};	/* read below also when nothing was sent */
		st = rest ? request(a, sum, "PUT", path, rest, v && valid_id(v) ? etag : NULL, NULL, 1, &r, err, sizeof err)
			  : CLIENT_ERR_LOCAL;
		json_object_put(rest);
		if (!rest)
			snprintf(err, sizeof err, "out of memory");
		if (st == CLIENT_OK || r.status != 412) {
			client_response_clear(&r);
			break;
		}
		client_response_clear(&r);	/* changed meanwhile: read it again */
		st = request(a, sum, "GET", path, NULL, NULL, NULL, 1, &r, err, sizeof err);
		json_object_put(cur);
		cur = r.body;
		r.body = NULL;
		client_response_clear(&r);
		if (st != CLIENT_OK)
			break;
		st = CLIENT_ERR_HTTP;
		snprintf(err, sizeof err, "changed on the server %d times meanwhile: not changed", PUSH_REREADS);
	}
	if (st == CLIENT_OK) {
		snprintf(text, sizeof text, "ImagingStudy/%s: this folder's series taken out; the study stays for %s%s",
			 jget_str(cur, "id"), name, nl > 1 ? " and more" : "");
		item(a, sum, study, "ImagingStudy", ACTIONS_UPDATED, jget_str(cur, "id"), text);
	} else {
		failed(sum, st, err);
		item(a, sum, study, "ImagingStudy", ACTIONS_FAILED, NULL, err);
	}
	json_object_put(cur);
	return st;
}

/* Delete every copy the server holds of study's ImagingStudy (all[i]). Returns a client_status. */
static int retract_whole(const struct actions_ctx *a, const struct dataset_node *study, json_object *copies,
			 struct actions_summary *sum)
{
	int st = CLIENT_OK;
	char err[1500];
	for (size_t k = 0; k < jget_len(copies); k++) {
		char id[128], path[200], text[1700];
		json_object *c = json_object_array_get_idx(copies, k);
		if (!writable_study(c, study, err, sizeof err)) {
			item(a, sum, study, "ImagingStudy", ACTIONS_FAILED, NULL, err);
			continue;
		}
		id_of(c, NULL, id, sizeof id);
		snprintf(path, sizeof path, "ImagingStudy/%s", id);
		struct client_response r = {0};
		st = cancelled(a) ? CLIENT_ERR_CANCELLED : request(a, sum, "DELETE", path, NULL, NULL, NULL, 1, &r, err, sizeof err);
		if (st == CLIENT_OK) {
			snprintf(text, sizeof text, "ImagingStudy/%s (its Patient stays)", id);
			item(a, sum, study, "ImagingStudy", ACTIONS_REMOVED, id, text);
		} else {
			failed(sum, st, st == CLIENT_ERR_CANCELLED ? "cancelled" : err);
			item(a, sum, study, "ImagingStudy", ACTIONS_FAILED, id, st == CLIENT_ERR_CANCELLED ? "cancelled" : err);
		}
		client_response_clear(&r);
		if (fatal(st))
			return st;
		st = CLIENT_OK;
	}
	return st;
}

void actions_retract(const struct actions_ctx *a, const struct dataset_node *const *studies, size_t n,
		     struct actions_summary *sum)
{
	json_object **found = calloc(n ? n : 1, sizeof *found), **all = calloc(n ? n : 1, sizeof *all);
	size_t *count = calloc(n ? n : 1, sizeof *count);
	json_object *seen = json_object_new_object();
	char err[1500];
	progress(a, 0, n);
	int st = found && all && count && seen ? study_lookup(a, studies, n, found, count, all, NULL, sum, err, sizeof err)
					       : CLIENT_ERR_LOCAL;
	if (st != CLIENT_OK) {
		const char *why = st == CLIENT_ERR_LOCAL ? "out of memory" : err;
		failed(sum, st, why);
		for (size_t i = 0; i < n; i++)
			item(a, sum, studies[i], "ImagingStudy", ACTIONS_FAILED, NULL, why);
	}
	for (size_t i = 0; st == CLIENT_OK && i < n; i++) {
		if (json_object_object_get_ex(seen, studies[i]->name, NULL))
			continue;	/* the same study through another folder asked too */
		json_object_object_add(seen, studies[i]->name, NULL);
		progress(a, i, n);
		if (!all[i]) {
			item(a, sum, studies[i], "ImagingStudy", ACTIONS_NOT_FOUND, NULL, "");
			continue;
		}
		const struct dataset_node *left[FOLDERS_MAX];
		size_t nl = folders_left(a, studies[i], studies, n, left), k = 0;
		for (size_t j = 0; count[i] == 1 && j < nl; j++)	/* those left that are on the server: one
									   retracted before is not put back */
			if (names_folder(found[i], left[j]))
				left[k++] = left[j];
		nl = count[i] == 1 ? k : nl;
		if (nl && count[i] > 1) {
			snprintf(err, sizeof err, "%zu ImagingStudies carry this StudyInstanceUID: not changed (see them with "
				 "sdsfhir search --identifier 'urn:dicom:uid|urn:oid:%.64s')", count[i], studies[i]->name);
			failed(sum, CLIENT_ERR_HTTP, err);
			item(a, sum, studies[i], "ImagingStudy", ACTIONS_FAILED, NULL, err);
			continue;
		}
		st = nl ? retract_part(a, studies[i], found[i], left, nl, sum) : retract_whole(a, studies[i], all[i], sum);
		if (!fatal(st))
			st = CLIENT_OK;
	}
	if (st == CLIENT_OK)
		retract_subjects(a, studies, n, sum);
	for (size_t i = 0; found && all && i < n; i++) {
		json_object_put(found[i]);
		json_object_put(all[i]);
	}
	free(found);
	free(all);
	free(count);
	json_object_put(seen);
	progress(a, n, n);
}

/* ---- search ---- */

static void copy(char *out, size_t len, const char *s)
{
	snprintf(out, len, "%s", s ? s : "");
}

/* "given family" of the first HumanName of resource p. */
static void human_name(json_object *p, char *out, size_t len)
{
	json_object *name = jget_idx_obj(jget_arr(p, "name"), 0);
	const char *family = jget_str(name, "family"), *given = first_given(name);
	if (!family && !given)
		given = jget_str(name, "text");
	snprintf(out, len, "%s%s%s", given ? given : "", given && family ? " " : "", family ? family : "");
}

static const char *identifier_value(json_object *res, const char *system)
{
	json_object *ids = jget_arr(res, "identifier");
	for (size_t i = 0; i < jget_len(ids); i++) {
		json_object *id = jget_idx_obj(ids, i);
		const char *s = jget_str(id, "system");
		if (s && strcmp(s, system) == 0)
			return jget_str(id, "value");
	}
	return NULL;
}

/* The SPARC name in an identifier value "urn:uid:<name>-<uuid or uid>". */
static void sparc_name(const char *v, char *out, size_t len, int strip_uuid)
{
	if (!v) {
		out[0] = '\0';
		return;
	}
	if (strncmp(v, "urn:uid:", 8) == 0)
		v += 8;
	size_t n = strlen(v);
	if (strip_uuid && n > 37 && v[n - 37] == '-')
		n -= 37;
	snprintf(out, len, "%.*s", (int)n, v);
}

/* The resource of included (may be NULL) that reference ref ("Type/id", relative or absolute)
 * points at, or NULL. Borrowed. */
static json_object *included_one(const char *ref, json_object *included)
{
	for (size_t k = 0; ref && k < jget_len(included); k++) {
		json_object *p = jget_idx_obj(included, k);
		char pref[300];
		snprintf(pref, sizeof pref, "%s/%s", jget_str(p, "resourceType") ?: "?", jget_str(p, "id") ?: "?");
		size_t lr = strlen(ref), lp = strlen(pref);
		if (strcmp(pref, ref) == 0 || (lr > lp && strcmp(ref + lr - lp, pref) == 0 && ref[lr - lp - 1] == '/'))
			return p;
	}
	return NULL;
}

void actions_result_row(json_object *r, json_object *included, struct actions_row *row)
{
	memset(row, 0, sizeof *row);
	copy(row->type, sizeof row->type, jget_str(r, "resourceType"));
	copy(row->id, sizeof row->id, jget_str(r, "id"));
	copy(row->last_updated, sizeof row->last_updated, jget_str(jget_obj(r, "meta"), "lastUpdated"));
	if (strcmp(row->type, "Patient") == 0) {
		human_name(r, row->patient, sizeof row->patient);
		copy(row->gender, sizeof row->gender, jget_str(r, "gender"));
		copy(row->birth_date, sizeof row->birth_date, jget_str(r, "birthDate"));
		json_object *id = jget_idx_obj(jget_arr(r, "identifier"), 0);
		if (id)
			snprintf(row->identifier, sizeof row->identifier, "%s|%s", jget_str(id, "system") ?: "",
				 jget_str(id, "value") ?: "");
		return;
	}
	if (strcmp(row->type, "ResearchSubject") == 0) {	/* subject id, its Patient, its dataset */
		json_object *p = included_one(jget_str(jget_obj(r, "individual"), "reference"), included);
		json_object *st = included_one(jget_str(jget_obj(r, "study"), "reference"), included);
		copy(row->subject, sizeof row->subject, jget_str(jget_idx_obj(jget_arr(r, "identifier"), 0), "value"));
		copy(row->arm, sizeof row->arm, jget_str(r, "assignedArm"));
		if (p)
			human_name(p, row->patient, sizeof row->patient);
		else
			copy(row->patient, sizeof row->patient, jget_str(jget_obj(r, "individual"), "reference"));
		if (st)
			sparc_name(identifier_value(st, FHIR_SYS_SPARC_DATASET), row->dataset, sizeof row->dataset, 1);
		else
			copy(row->dataset, sizeof row->dataset, jget_str(jget_obj(r, "study"), "reference"));
		return;
	}
	if (strcmp(row->type, "ImagingStudy") != 0)
		return;
	const char *ref = jget_str(jget_obj(r, "subject"), "reference");
	json_object *p = included_one(ref, included);
	if (p)
		human_name(p, row->patient, sizeof row->patient);
	else
		copy(row->patient, sizeof row->patient, ref);
	copy(row->started, sizeof row->started, jget_str(r, "started"));
	json_object *series = jget_arr(r, "series");
	if (series)
		snprintf(row->nseries, sizeof row->nseries, "%zu", jget_len(series));
	for (size_t k = 0; k < jget_len(series); k++) {
		json_object *bs = jget_obj(jget_idx_obj(series, k), "bodySite");
		const char *x = jget_str(bs, "display") ? jget_str(bs, "display") : jget_str(bs, "code");
		size_t used = strlen(row->sites);
		if (x && !strstr(row->sites, x))
			snprintf(row->sites + used, sizeof row->sites - used, "%s%s", used ? "," : "", x);
	}
	sparc_name(identifier_value(r, FHIR_SYS_SPARC_DATASET), row->dataset, sizeof row->dataset, 1);
	sparc_name(identifier_value(r, FHIR_SYS_SPARC_STUDY), row->sparc_study, sizeof row->sparc_study, 0);
	const char *uid = identifier_value(r, FHIR_SYS_DICOM_UID);
	if (uid && strncmp(uid, "urn:oid:", 8) == 0)
		copy(row->study_uid, sizeof row->study_uid, uid + 8);
}

int actions_search_query(const char *kind, const char *value, char *out, size_t len, char *err, size_t errlen)
{
	if (!value || !*value) {
		snprintf(err, errlen, "--%s needs a value", kind);
		return -1;
	}
	char *esc = NULL, name[1200];
	int r = -1;
	if (strcmp(kind, "patient") == 0 && (esc = fhir_query_escape_dup(value, 0))) {
		r = snprintf(out, len, "ImagingStudy?subject:Patient.name=%s&_include=ImagingStudy:subject", esc);
	} else if (strcmp(kind, "bodysite") == 0) {
		char code[64], display[256];
		if (fhir_bodysite_lookup(value, code, sizeof code, display, sizeof display) < 0) {
			snprintf(err, errlen, "'%.200s' is neither a SNOMED CT code nor a body part of DICOM CID 4031", value);
			return -1;
		}
		r = snprintf(out, len, "ImagingStudy?bodysite=" FHIR_SYS_SNOMED "|%s&_include=ImagingStudy:subject", code);
	} else if (strcmp(kind, "identifier") == 0 && (esc = fhir_query_escape_dup(value, FHIR_ESC_BAR))) {
		r = snprintf(out, len, "ImagingStudy?identifier=%s&_include=ImagingStudy:subject", esc);
	} else if (strcmp(kind, "dataset") == 0 || strcmp(kind, "subjects") == 0) {	/* by its identifier */
		research_dataset_id(value, name, sizeof name);
		if (strlen(value) < 1000 && (esc = fhir_query_escape_dup(name, FHIR_ESC_TOKEN)))
			r = snprintf(out, len, strcmp(kind, "dataset") == 0
				     ? "ImagingStudy?identifier=" FHIR_SYS_SPARC_DATASET "|%s&_include=ImagingStudy:subject"
				     : "ResearchSubject?study:ResearchStudy.identifier=" FHIR_SYS_SPARC_DATASET
				       "|%s&_include=ResearchSubject:individual&_include=ResearchSubject:study", esc);
	} else if (strcmp(kind, "datasets") == 0 && (esc = fhir_query_escape_dup(value, FHIR_ESC_BAR))) {
		/* the datasets a patient is in: by identifier (system|value) or by name */
		r = snprintf(out, len, "ResearchSubject?individual:Patient.%s=%s&_include=ResearchSubject:individual"
			     "&_include=ResearchSubject:study", strchr(value, '|') ? "identifier" : "name", esc);
	} else if (strcmp(kind, "patient") && strcmp(kind, "identifier") && strcmp(kind, "datasets")) {
		snprintf(err, errlen, "unknown search shorthand '%s'", kind);
		return -1;
	}
	free(esc);
	if (r < 0 || (size_t)r >= len || r > FHIR_QUERY_MAX) {
		snprintf(err, errlen, "the --%s query would be longer than servers accept (%d bytes)", kind, FHIR_QUERY_MAX);
		return -1;
	}
	return 0;
}

int actions_page(json_object *bundle, json_object *matches, json_object *included, json_object *seen, long *total,
		 char **next, char *err, size_t errlen)
{
	json_object *v, *entries, *links;
	*next = NULL;
	if (bundle_entries(bundle, &entries, err, errlen) < 0)
		return -1;
	if (json_object_object_get_ex(bundle, "total", &v) && json_object_is_type(v, json_type_int))
		*total = json_object_get_int64(v);
	if (entries) {
		for (size_t i = 0; i < json_object_array_length(entries); i++) {
			json_object *e = json_object_array_get_idx(entries, i), *res, *search;
			if (!json_object_is_type(e, json_type_object) || !json_object_object_get_ex(e, "resource", &res) ||
			    !json_object_is_type(res, json_type_object))
				continue;
			const char *mode = json_object_object_get_ex(e, "search", &search) ? jget_str(search, "mode") : NULL;
			if (mode && strcmp(mode, "include") == 0) {
				char key[300];
				snprintf(key, sizeof key, "%s/%s", jget_str(res, "resourceType") ? jget_str(res, "resourceType") : "?",
					 jget_str(res, "id") ? jget_str(res, "id") : "?");
				if (json_object_object_get_ex(seen, key, NULL))
					continue;
				json_object_object_add(seen, key, NULL);
				json_object_array_add(included, json_object_get(res));
			} else if (!mode || strcmp(mode, "match") == 0) {
				json_object_array_add(matches, json_object_get(res));
			}
		}
	}
	if (json_object_object_get_ex(bundle, "link", &links) && json_object_is_type(links, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(links); i++) {
			json_object *l = json_object_array_get_idx(links, i);
			if (jget_str(l, "relation") && strcmp(jget_str(l, "relation"), "next") == 0 && jget_str(l, "url") && !*next)
				*next = strdup(jget_str(l, "url"));
		}
	}
	return 0;
}

int actions_search(const struct actions_ctx *a, const char *query, int all, json_object **matches,
		   json_object **included, long *total, char **more, struct actions_summary *sum)
{
	*matches = json_object_new_array();
	*included = json_object_new_array();
	*total = -1;
	*more = NULL;
	char *next = strdup(query), err[1500];
	int st = CLIENT_OK, pages = 0;
	json_object *seen = json_object_new_object();	/* Type/id of includes already kept */
	json_object *visited = json_object_new_object();	/* page URLs already read */
	while (next && !cancelled(a)) {
		struct client_response r;
		json_object_object_add(visited, next, NULL);
		st = request(a, sum, "GET", next, NULL, NULL, NULL, 1, &r, err, sizeof err);
		free(next);
		next = NULL;
		if (st != CLIENT_OK) {
			failed(sum, st, err);
			client_response_clear(&r);
			break;
		}
		if (actions_page(r.body, *matches, *included, seen, total, &next, err, sizeof err) < 0) {
			failed(sum, CLIENT_ERR_HTTP, err);
			st = CLIENT_ERR_HTTP;
			client_response_clear(&r);
			break;
		}
		pages++;
		client_response_clear(&r);
		if (next && !all) {
			*more = next;
			next = NULL;
		}
		if (next && (pages >= 10000 || json_object_object_get_ex(visited, next, NULL))) {
			snprintf(err, sizeof err, "stopped after %d pages: the server's next links %s", pages,
				 pages >= 10000 ? "do not end" : "go round in a loop");
			failed(sum, CLIENT_ERR_HTTP, err);
			st = CLIENT_ERR_HTTP;
			free(next);
			next = NULL;
		}
		progress(a, (size_t)json_object_array_length(*matches), *total > 0 ? (size_t)*total : 0);
	}
	free(next);
	json_object_put(seen);
	json_object_put(visited);
	if (cancelled(a) && st == CLIENT_OK) {
		st = CLIENT_ERR_CANCELLED;
		failed(sum, st, "cancelled");
	}
	return st;
}
