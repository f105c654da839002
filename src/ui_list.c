/* Overlays over the panes: help, log, search prompt and results, a resource's JSON, the
 * bodySite picker, the tree filter and confirmations. */
#include "config.h"
#include "bodypart.h"

#include "ui.h"
#include "safefile.h"
#include "jget.h"

#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PICK_MAPPING = 1, PICK_TYPED, PICK_ENTRY };

static int has_input(int overlay)
{
	return overlay == UI_OV_PICKER || overlay == UI_OV_SEARCH || overlay == UI_OV_FILTER || overlay == UI_OV_FIND ||
	       overlay == UI_OV_SAVE;
}

void ui_list_open(struct ui *u, int overlay, const char *title)
{
	int same = u->overlay == overlay;
	u->overlay = overlay;
	u->lfind_typing = 0;
	if (!same)
		u->lhit = 0;
	snprintf(u->ov_title, sizeof u->ov_title, "%s", title);
	if (overlay == UI_OV_LOG) {	/* the log list is the log itself */
		u->lcur = u->ltop = 0;
		return;
	}
	ui_lines_clear(&u->list);
	if (!same) {
		u->lcur = u->ltop = 0;
		u->input[0] = '\0';
		u->input_len = 0;
	}
}

static struct ui_lines *items(struct ui *u)
{
	return u->overlay == UI_OV_LOG ? &u->log : &u->list;
}

void ui_help_open(struct ui *u)
{
	static const struct { const char *keys, *help; } table[] = {
#define KEY_ACTION(id, keys, k1, k2, k3, help) {keys, help},
#include "keys.def"
#undef KEY_ACTION
	};
	ui_list_open(u, UI_OV_HELP, "Keys (q or Esc closes)");
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "%-18s %s", table[i].keys, table[i].help);
	ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "%s", "");
	ui_lines_add(&u->list, UI_ATTR_TITLE, NULL, "Marks in the tree");
	ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "*   marked                !   an error below (the detail pane says which)");
	ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "-   study not on the server");
	ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "=   on the server, the same as generated");
	ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "~   on the server, different (view 3 shows how)");
	ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "%s", "");
	ui_lines_add(&u->list, UI_ATTR_TITLE, NULL, "In the detail pane");
	ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "! error ...   what could not be read or sent, and why");
	ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "warning ...   what was read, but with a problem");
}

/* ---- bodySite picker ---- */

static void ui_picker_filter(struct ui *u)
{
	ui_lines_clear(&u->list);
	const char *q = u->input;
	const struct dataset_node *st = ui_tree_study(ui_tree_node(u));
	if (!*q) {
		const char *bp = NULL;
		for (const struct dataset_node *se = st ? st->child : NULL; se && !bp; se = se->next)
			if (se->kind == DATASET_SERIES && (!u->bs_series || se == u->bs_series))
				bp = dataset_tag(u->tree, se, DICOM_BODY_PART);
		char code[64] = "", disp[256] = "";
		if (bp && *bp && bodypart_map(bp, code, sizeof code, disp, sizeof disp))
			ui_lines_add(&u->list, UI_ATTR_KEY, (void *)PICK_MAPPING,
				     "Body Part Examined of each series (Annex L): %s -> %s %s", bp, code, disp);
		else
			ui_lines_add(&u->list, UI_ATTR_DIM, (void *)PICK_MAPPING,
				     "Body Part Examined of each series (Annex L)%s%s%s", bp && *bp ? ": " : ": none here",
				     bp && *bp ? bp : "", bp && *bp ? " has no code" : "");
	}
	int digits = *q != '\0';
	for (const char *c = q; *c; c++)
		digits &= isdigit((unsigned char)*c) != 0;
	if (digits)
		ui_lines_add(&u->list, UI_ATTR_KEY, (void *)PICK_TYPED, "%s  (SNOMED CT code, as typed)", q);
	for (int i = 0; i < dicom_cid4031_count(); i++) {
		char code[64], disp[256];
		if (dicom_cid4031_get(i, code, sizeof code, disp, sizeof disp) == 0 &&
		    (!*q || strcasestr(disp, q) || strstr(code, q)))
			ui_lines_add(&u->list, UI_ATTR_NORMAL, (void *)PICK_ENTRY, "%s  %s", code, disp);
	}
	if (u->lcur >= u->list.n)
		u->lcur = u->list.n ? u->list.n - 1 : 0;
}

void ui_picker_open(struct ui *u)
{
	size_t n;
	const struct dataset_node **s = ui_tree_targets(u, &n);
	free(s);
	struct dataset_node *cur = ui_tree_node(u);	/* on a series, nothing marked: that series alone */
	u->bs_series = cur && cur->kind == DATASET_SERIES && !ui_tree_marked(u) ? cur : NULL;
	char title[400], which[300] = "";
	if (u->bs_series)
		snprintf(which, sizeof which, "series %s", *u->bs_series->name ? u->bs_series->name : "(no sample)");
	else
		snprintf(which, sizeof which, "%zu stud%s", n, n == 1 ? "y" : "ies");
	snprintf(title, sizeof title, "bodySite for %s: type to search DICOM CID 4031, or a SNOMED CT code; Enter applies", which);
	ui_list_open(u, UI_OV_PICKER, title);
	ui_picker_filter(u);
}

/* The Body Part Examined values of the series of studies[0..n), ", "-joined into out; how many differ. */
static size_t body_parts(struct ui *u, const struct dataset_node *const *studies, size_t n, size_t *series, char *out,
			 size_t len)
{
	size_t distinct = 0;
	*series = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		for (const struct dataset_node *se = studies[i]->child; se; se = se->next) {
			if (se->kind != DATASET_SERIES || (u->bs_series && se != u->bs_series))
				continue;
			(*series)++;
			const char *bp = dataset_tag(u->tree, se, DICOM_BODY_PART);
			char item[80];
			snprintf(item, sizeof item, "%s", bp && *bp ? bp : "(none)");
			int seen = 0;
			for (const char *p = out; (p = strstr(p, item)) && !seen; p++)
				seen = (p == out || p[-1] == ' ') && (p[strlen(item)] == ',' || !p[strlen(item)]);
			if (!seen && strlen(out) + strlen(item) + 3 < len) {
				snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? ", " : "", item);
				distinct++;
			}
		}
	return distinct;
}

/* parts (", "-joined Body Part Examined values) as "BREAST 76752008 Breast, CHEST none" into out. */
static void parts_codes(const char *parts, char *out, size_t len)
{
	size_t k = 0;
	out[0] = '\0';
	for (const char *p = parts; *p && k + 1 < len;) {
		size_t n = strcspn(p, ",");
		char term[80], code[64], disp[256];
		snprintf(term, sizeof term, "%.*s", (int)(n < sizeof term ? n : sizeof term - 1), p);
		int m = bodypart_map(term, code, sizeof code, disp, sizeof disp);
		k += (size_t)snprintf(out + k, len - k, "%s%s %s%s%s", k ? ", " : "", term, m ? code : "none: not written",
				      m ? " " : "", m ? disp : "");
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
}

static int picker_apply(struct ui *u)
{
	if (u->lcur >= u->list.n) {	/* what was typed matches nothing: say so, not the last message */
		ui_status(u, UI_ATTR_ERROR, "'%s' is no body part of DICOM CID 4031 or Annex L, nor a SNOMED CT code: "
			  "Ctrl-U clears it", u->input);
		return UI_DRAW_STATUS;
	}
	intptr_t kind = (intptr_t)u->list.data[u->lcur];
	char code[64] = "", disp[256] = "";
	const char *t = u->list.text[u->lcur];
	if (kind != PICK_MAPPING) {
		sscanf(t, "%63s", code);
		const char *d = strstr(t, "  ");
		if (kind == PICK_ENTRY && d)
			snprintf(disp, sizeof disp, "%s", d + 2);
		else if (fhir_bodysite_lookup(code, code, sizeof code, disp, sizeof disp) < 0) {
			ui_status(u, UI_ATTR_ERROR, "%s is not a SNOMED CT code: its check digit does not match (a typo?)", code);
			return UI_DRAW_STATUS;
		}
	}
	size_t n, series = 0;
	const struct dataset_node **s = ui_tree_targets(u, &n);
	char parts[600];
	size_t distinct = n ? body_parts(u, s, n, &series, parts, sizeof parts) : 0;
	free(s);
	if (!n)
		return UI_DRAW_ALL;
	snprintf(u->pending_code, sizeof u->pending_code, "%s", code);
	snprintf(u->pending_display, sizeof u->pending_display, "%s", disp);
	char title[900];
	char codes[400];
	parts_codes(parts, codes, sizeof codes);
	if (kind == PICK_MAPPING)
		snprintf(title, sizeof title, "bodySite from each series' Body Part Examined (Annex L: %s) for %zu series in %zu "
			 "stud%s at %s? y: write, n or Esc: no", codes, series, n, n == 1 ? "y" : "ies",
			 u->client ? client_base(u->client) : "(no server)");
	else
		snprintf(title, sizeof title, "bodySite %s %s for %zu series in %zu stud%s at %s? y: write, n or Esc: no", code,
			 *disp ? disp : "(no display)", series, n, n == 1 ? "y" : "ies",
			 u->client ? client_base(u->client) : "(no server)");
	ui_list_open(u, UI_OV_CONFIRM, title);
	u->confirm_job = UI_JOB_BODYSITE;
	if (kind != PICK_MAPPING && distinct > 1)
		ui_lines_add(&u->list, UI_ATTR_WARNING, NULL, "warning: the series are of different body parts (Body Part Examined %s)", parts);
	if (kind != PICK_MAPPING && !*disp)
		ui_lines_add(&u->list, UI_ATTR_WARNING, NULL, "warning: %s is a SNOMED CT code but not a body part of DICOM CID 4031 "
			     "or Annex L: check it before you write it", code);
	if (kind != PICK_MAPPING && distinct == 1) {	/* the headers name another body part */
		char hc[64], hd[256];
		if (bodypart_map(parts, hc, sizeof hc, hd, sizeof hd) && strcmp(hc, code) != 0)
			ui_lines_add(&u->list, UI_ATTR_WARNING, NULL, "warning: the headers say %s (%s %s), not %s", parts, hc, hd,
				     *disp ? disp : code);
	}
	return UI_DRAW_ALL;
}

/* ---- search ---- */

/* ---- search history: $XDG_STATE_HOME/sdsfhir/search_history, newest last ---- */

#define HISTORY_MAX 200
static const char not_a_query[] = "";	/* list data of lines that are not queries */

static int history_path(char *out, size_t len, int make)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[4096];
	if (state && *state == '/')
		snprintf(dir, sizeof dir, "%s/sdsfhir", state);
	else if (home && *home == '/')
		snprintf(dir, sizeof dir, "%s/.local/state/sdsfhir", home);
	else
		return -1;
	if (make) {	/* mkdir -p */
		for (char *p = dir + 1; *p; p++)
			if (*p == '/') {
				*p = '\0';
				mkdir(dir, 0700);
				*p = '/';
			}
		mkdir(dir, 0700);
	}
	return snprintf(out, len, "%s/search_history", dir) < (int)len ? 0 : -1;
}

/* The queries of the history, oldest first, into l (text only). */
static void history_read(struct ui_lines *l)
{
	char path[4200], line[700];
	FILE *f = history_path(path, sizeof path, 0) == 0 ? fopen(path, "r") : NULL;
	for (size_t n = 0; f && n < 10 * HISTORY_MAX && fgets(line, sizeof line, f); n++) {
		line[strcspn(line, "\r\n")] = '\0';
		int ok = *line != '\0';
		for (const char *c = line; *c && ok; c++)
			ok = (unsigned char)*c >= 0x20 && *c != 0x7f;	/* ours, but checked all the same */
		if (ok)
			ui_lines_add(l, UI_ATTR_NORMAL, NULL, "%s", line);
	}
	if (f)
		fclose(f);
}

void ui_search_remember(const char *query)
{
	struct ui_lines h = {0};
	history_read(&h);
	char path[4200], err[600];
	if (history_path(path, sizeof path, 1) < 0) {
		ui_lines_clear(&h);
		return;
	}
	struct safefile *sf = safefile_open(path, err, sizeof err);
	FILE *f = sf ? safefile_stream(sf) : NULL;
	size_t others = 0;
	for (size_t i = 0; i < h.n; i++)
		others += strcmp(h.text[i], query) != 0;
	size_t skip = others >= HISTORY_MAX ? others - (HISTORY_MAX - 1) : 0;	/* the oldest go */
	for (size_t i = 0; f && i < h.n; i++) {
		if (strcmp(h.text[i], query) == 0)
			continue;	/* once, as the newest */
		if (skip) {
			skip--;
			continue;
		}
		fprintf(f, "%s\n", h.text[i]);
	}
	if (f) {
		fprintf(f, "%s\n", query);
		safefile_commit(&sf, 1, err, sizeof err);	/* a history not kept is no error */
	}
	ui_lines_clear(&h);
}

static void ready_queries(struct ui *u);
static void study_queries(struct ui *u, const struct dataset_node *st);

void ui_search_open(struct ui *u)
{
	ui_list_open(u, UI_OV_SEARCH, "Search: type a Type?params query, or pick a ready or earlier one (Up/Down); Enter runs it");
	if (u->search_error[0]) {	/* the last query failed: it is in the box, the error under it */
		ui_lines_add(&u->list, UI_ATTR_ERROR, (void *)not_a_query, "%s", u->search_error);
		u->search_error[0] = '\0';
	}
	ready_queries(u);
	struct ui_lines h = {0};	/* then the earlier ones, newest first */
	history_read(&h);
	for (size_t i = h.n, k = 0; i-- > 0 && k < 50; k++)
		ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "%s", h.text[i]);
	ui_lines_clear(&h);
}

/* Ready queries for the node under the cursor: its study's, the datasets its patient is in,
 * its dataset's subjects. */
static void ready_queries(struct ui *u)
{
	const struct dataset_node *n = ui_tree_node(u), *st = ui_tree_study(n);
	const struct dataset_node *ds = n ? dataset_ancestor(n, DATASET_DATASET) : NULL;
	char q[2048], err[256];
	if (st && u->tree)
		study_queries(u, st);
	if (st && u->tree) {
		char sys[1024], val[1024], id[2100];
		fhir_patient_identifier(u->tree, st, &u->fopts, sys, sizeof sys, val, sizeof val);
		snprintf(id, sizeof id, "%s|%s", sys, val);
		if (actions_search_query("datasets", id, q, sizeof q, err, sizeof err) == 0)
			ui_lines_add(&u->list, UI_ATTR_NORMAL, (void *)"the patient's datasets", "%s", q);
	}
	if (ds && u->tree && actions_search_query("subjects", ds->name, q, sizeof q, err, sizeof err) == 0)
		ui_lines_add(&u->list, UI_ATTR_NORMAL, (void *)"the dataset's subjects", "%s", q);
}

/* The ready queries of study st: its patient's studies by name, its body site, itself, the patient. */
static void study_queries(struct ui *u, const struct dataset_node *st)
{
	char q[1024], esc[600];
	const char *pn = dataset_tag(u->tree, st, DICOM_PATIENT_NAME);
	char name[256] = "";
	json_object *hn = fhir_name(pn);
	json_object *given;
	if (hn && json_object_object_get_ex(hn, "given", &given))
		snprintf(name, sizeof name, "%s", json_object_get_string(json_object_array_get_idx(given, 0)));
	else if (hn && json_object_object_get_ex(hn, "family", &given))
		snprintf(name, sizeof name, "%s", json_object_get_string(given));
	json_object_put(hn);
	int name_ok = *name && fhir_query_escape(name, esc, sizeof esc, 0) == 0;	/* a name too long: no query */
	if (name_ok) {
		snprintf(q, sizeof q, "ImagingStudy?subject:Patient.name=%s&_include=ImagingStudy:subject", esc);
		ui_lines_add(&u->list, UI_ATTR_NORMAL, (void *)"the patient's studies", "%s", q);
	}
	const char *bp = NULL;
	for (const struct dataset_node *se = st->child; se && !bp; se = se->next)
		if (se->kind == DATASET_SERIES)
			bp = dataset_tag(u->tree, se, DICOM_BODY_PART);
	char code[64], disp[256];
	if (bp && bodypart_map(bp, code, sizeof code, disp, sizeof disp))
		ui_lines_add(&u->list, UI_ATTR_NORMAL, (void *)"studies of this body site", "ImagingStudy?bodysite=%s&_include=ImagingStudy:subject",
			     code);
	fhir_study_search(st->name, q, sizeof q);
	ui_lines_add(&u->list, UI_ATTR_NORMAL, (void *)"this study", "%s&_include=ImagingStudy:subject", q);
	if (name_ok)
		ui_lines_add(&u->list, UI_ATTR_NORMAL, (void *)"the patient, by name", "Patient?name=%s", esc);
}

/* The local study a search result stands for (by its urn:dicom:uid identifier), or NULL. */
static const struct dataset_node *local_study(struct ui *u, json_object *res)
{
	struct actions_row row;
	actions_result_row(res, NULL, &row);
	if (!u->tree || !row.study_uid[0])
		return NULL;
	size_t n;
	const struct dataset_node **all = dataset_collect(u->tree->root, DATASET_STUDY, &n), *found = NULL;
	for (size_t k = 0; k < n && !found; k++)
		if (strcmp(all[k]->name, row.study_uid) == 0)
			found = all[k];
	free(all);
	return found;
}

/* The local subject folder a ResearchSubject result stands for (its dataset and subject id), or NULL. */
static const struct dataset_node *local_subject(struct ui *u, const struct actions_row *row)
{
	for (const struct dataset_node *ds = u->tree && row->subject[0] ? u->tree->root->child : NULL; ds; ds = ds->next)
		for (const struct dataset_node *sub = ds->kind == DATASET_DATASET && !strcmp(ds->name, row->dataset) ? ds->child : NULL;
		     sub; sub = sub->next)
			if (sub->kind == DATASET_SUBJECT && !strcmp(sub->name, row->subject))
				return sub;
	return NULL;
}

void ui_results_open(struct ui *u)
{
	size_t keep = u->overlay == UI_OV_RESULTS ? u->lcur : 0;
	char title[256], shown[128];
	snprintf(title, sizeof title, "Results: %s (Enter: the resource's JSON; -> marks a local study)",
		 actions_shown_text(jget_len(u->matches), u->total_found, u->next != NULL, "as you scroll", shown,
				    sizeof shown));
	ui_list_open(u, UI_OV_RESULTS, title);
	int patients = 0, studies = 0, subjects = 0;	/* each kind's table under its own header */
	for (size_t i = 0; i < jget_len(u->matches); i++) {
		json_object *r = json_object_array_get_idx(u->matches, i);
		struct actions_row row;
		actions_result_row(r, u->included, &row);
		const struct dataset_node *local = local_study(u, r);
		const struct dataset_node *sub = local ? dataset_ancestor(local, DATASET_SUBJECT) : NULL;
		if (!strcmp(row.type, "ImagingStudy")) {
			if (!studies++)
				ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "   %-22s %-16s %-25s %-12s %s", "SUBJECT HERE", "PATIENT",
					     "STARTED", "BODYSITE", "ID");
			ui_lines_add(&u->list, UI_ATTR_NORMAL, r, "%s %-22s %-16s %-25s %-12s %s", local ? "->" : "  ",
				     sub ? sub->name : "(not here)", *row.patient ? row.patient : "-", *row.started ? row.started : "-",
				     *row.sites ? row.sites : "-", *row.id ? row.id : "-");
		} else if (!strcmp(row.type, "Patient")) {	/* a table: name, birth date, gender, id */
			if (!patients++)
				ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "   %-30s %-10s %-7s %s", "NAME", "BORN", "GENDER", "ID");
			ui_lines_add(&u->list, UI_ATTR_NORMAL, r, "   %-30s %-10s %-7s Patient/%s", *row.patient ? row.patient : "-",
				     *row.birth_date ? row.birth_date : "-", *row.gender ? row.gender : "-", *row.id ? row.id : "-");
		} else if (!strcmp(row.type, "ResearchSubject")) {	/* subject, patient, dataset */
			const struct dataset_node *sn = local_subject(u, &row);
			if (!subjects++)
				ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "   %-22s %-16s %-28s %s", "SUBJECT", "PATIENT", "DATASET", "ARM");
			ui_lines_add(&u->list, UI_ATTR_NORMAL, r, "%s %-22s %-16s %-28s %s", sn ? "->" : "  ",
				     *row.subject ? row.subject : "-", *row.patient ? row.patient : "-",
				     *row.dataset ? row.dataset : "-", *row.arm ? row.arm : "-");
		} else {
			ui_lines_add(&u->list, UI_ATTR_NORMAL, r, "   %s/%s", *row.type ? row.type : "?", *row.id ? row.id : "-");
		}
	}
	if (!jget_len(u->matches))
		ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "(nothing found)");
	if (u->next)
		ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "(more: move down to load the next page)");
	u->lcur = keep < u->list.n ? keep : 0;
	while (u->lcur + 1 < u->list.n && !u->list.data[u->lcur])
		u->lcur++;	/* on a result, not on a header */
}

static void json_open(struct ui *u, json_object *r)
{
	char title[300];
	u->shown = r;
	struct actions_row row;
	actions_result_row(r, u->included, &row);
	u->jump = local_study(u, r);
	u->jump_subject = u->jump ? NULL : local_subject(u, &row);
	snprintf(title, sizeof title, "%s/%s%s", jget_str(r, "resourceType") ?: "?", jget_str(r, "id") ?: "-",
		 u->jump ? "  (Enter: go to the local study; q: back to the results)"
		 : u->jump_subject ? "  (Enter: go to the local subject; q: back to the results)" : "  (q: back to the results)");
	u->overlay = UI_OV_JSON;
	snprintf(u->ov_title, sizeof u->ov_title, "%s", title);
	ui_lines_clear(&u->list);
	ui_json_lines(&u->list, r);
	u->lcur = u->ltop = 0;
}

/* ---- drawing ---- */

/* The rows entry s takes wrapped at w columns. */
static int wrapped_rows(const char *s, int w)
{
	int r = 0;
	while (*s) {
		size_t adv;
		ui_wrap_next(s, w, &adv);
		s += adv ? adv : 1;
		r++;
	}
	return r ? r : 1;
}

/* The log, each entry wrapped whole: the cursor's entry is always shown whole. */
static void log_draw(struct ui *u, struct ui_lines *l, int row, int x, int rows, int w)
{
	if (u->lcur < u->ltop)
		u->ltop = u->lcur;
	/* the cursor's entry must fit below ltop: count back from it, a screenful at most (going
	 * forward from ltop measured every entry again for each step, quadratic in the log) */
	int used = 0;
	size_t top = u->lcur < l->n ? u->lcur : l->n ? l->n - 1 : 0;
	for (size_t k = top + 1; k-- > u->ltop;) {
		int r = wrapped_rows(l->text[k], w);
		if (used + r > rows && k < top)
			break;
		used += r;
		top = k;
	}
	if (top > u->ltop)
		u->ltop = top;
	int r = 0;
	for (size_t k = u->ltop; k < l->n && r < rows; k++) {
		int a = ui_attr(u, k == u->lcur ? UI_ATTR_SELECTED : l->attr[k] < UI_ATTR_COUNT ? l->attr[k] : UI_ATTR_NORMAL);
		r += ui_put_wrapped(row + r, x, w, rows - r, l->text[k], a);
	}
	for (; r < rows; r++)
		ui_put(row + r, x, w, "", A_NORMAL);
}

void ui_list_draw(struct ui *u, int y, int x, int h, int w)
{
	struct ui_lines *l = items(u);
	int trows = 1;	/* a question is wrapped whole; other titles take one row */
	if (u->overlay == UI_OV_CONFIRM)
		trows = ui_put_wrapped(y, x, w, h > 4 ? h / 2 : 1, u->ov_title, ui_attr(u, UI_ATTR_TITLE));
	else
		ui_put(y, x, w, u->ov_title, ui_attr(u, UI_ATTR_TITLE));
	int row = y + trows, rows = h - trows;
	if (has_input(u->overlay)) {
		char line[600];
		snprintf(line, sizeof line, "> %s_", u->input);
		ui_put(row++, x, w, line, ui_attr(u, UI_ATTR_KEY));
		rows--;
	}
	if (u->overlay == UI_OV_LOG) {
		log_draw(u, l, row, x, rows, w);
		return;
	}
	if (u->overlay == UI_OV_HELP || u->overlay == UI_OV_JSON || u->overlay == UI_OV_CONFIRM) {
		size_t maxtop = rows > 0 && l->n > (size_t)rows ? l->n - (size_t)rows : 0;
		if (u->ltop > maxtop)	/* plain text scrolls no further than its last line */
			u->ltop = maxtop;
		u->lcur = u->ltop;
	}
	if (u->lcur < u->ltop)
		u->ltop = u->lcur;
	if (u->lcur >= u->ltop + (size_t)rows)
		u->ltop = u->lcur - (size_t)rows + 1;
	int selectable = u->overlay != UI_OV_HELP && u->overlay != UI_OV_CONFIRM;
	for (int i = 0; i < rows; i++) {
		size_t k = u->ltop + (size_t)i;
		if (k >= l->n) {
			ui_put(row + i, x, w, "", A_NORMAL);
			continue;
		}
		int a = k == u->lcur && selectable ? ui_attr(u, UI_ATTR_SELECTED) : ui_attr(u, l->attr[k] < UI_ATTR_COUNT ? l->attr[k] : UI_ATTR_NORMAL);
		if (u->overlay == UI_OV_SEARCH && l->data[k] && l->data[k] != not_a_query) {	/* a ready query: its label first */
			char *line = NULL;
			if (asprintf(&line, "%-26s %s", (const char *)l->data[k], l->text[k]) < 0)
				line = NULL;
			ui_put(row + i, x, w, line ? line : l->text[k], a);
			free(line);
		} else {
			ui_put(row + i, x, w, l->text[k], a);
		}
	}
}

/* ---- keys ---- */

static int close_overlay(struct ui *u)
{
	if (u->overlay == UI_OV_JSON && u->matches) {
		ui_results_open(u);
		return UI_DRAW_ALL;
	}
	u->overlay = UI_OV_NONE;
	return UI_DRAW_ALL;
}

static int input_key(struct ui *u, int key)
{
	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		while (u->input_len > 0) {	/* one UTF-8 character */
			unsigned char c = (unsigned char)u->input[--u->input_len];
			if ((c & 0xc0) != 0x80)
				break;
		}
		u->input[u->input_len] = '\0';
		return 1;
	}
	if (key == 21) {	/* Ctrl-U */
		u->input_len = 0;
		u->input[0] = '\0';
		return 1;
	}
	if (key >= 32 && key < 256 && key != 127 && u->input_len + 1 < sizeof u->input) {
		u->input[u->input_len++] = (char)key;
		u->input[u->input_len] = '\0';
		return 1;
	}
	return 0;
}

static int list_move(struct ui *u, int action)
{
	size_t n = items(u)->n, page = u->lines > 6 ? (size_t)u->lines - 6 : 1;
	if (!ui_move(&u->lcur, n, page, action))
		return 0;
	if (u->overlay == UI_OV_HELP || u->overlay == UI_OV_JSON || u->overlay == UI_OV_CONFIRM)
		u->ltop = u->lcur;	/* plain text: scroll */
	u->lhit = u->lcur;	/* a find goes on from here */
	if (u->overlay == UI_OV_RESULTS && u->next && n && u->lcur + 1 >= n && !u->job) {
		char *q = strdup(u->next);	/* the last line: load the next page */
		if (q && ui_job_start(u, UI_JOB_SEARCH, NULL, 0, NULL, NULL, q) == 0)
			u->job->append = 1;
		free(q);
	}
	return UI_DRAW_OVERLAY;
}

/* The windows / finds text in, n and N move between its lines. */
static int findable(int overlay)
{
	return overlay == UI_OV_LOG || overlay == UI_OV_HELP || overlay == UI_OV_RESULTS || overlay == UI_OV_JSON;
}

/* Move to the next (dir 1) or previous line of the window holding u->lfind (include: the
 * current one counts), saying which of how many. */
static int list_find(struct ui *u, int dir, int include)
{
	struct ui_lines *l = items(u);
	if (!u->lfind[0] || !l->n) {
		ui_status(u, UI_ATTR_WARNING, "nothing to find: / in this window finds text");
		return UI_DRAW_STATUS;
	}
	int text = u->overlay == UI_OV_HELP || u->overlay == UI_OV_JSON;	/* its cursor is its top line */
	size_t hit = ui_lines_find(l, u->lfind, text ? u->lhit : u->lcur, dir, include);
	if (hit == l->n) {
		ui_status(u, UI_ATTR_WARNING, "find: '%s' is not in this window", u->lfind);
		return UI_DRAW_STATUS;
	}
	u->lcur = u->lhit = hit;
	if (text)
		u->ltop = hit;	/* plain text: scrolled to it (the last page at most) */
	ui_lines_hit_said(u, l, u->lfind, hit);
	return UI_DRAW_OVERLAY | UI_DRAW_STATUS;
}

/* / in a window: typed on the status line, Enter finds, Esc leaves it; n and N after. */
static int list_find_keys(struct ui *u, int action, int key)
{
	if (u->lfind_typing) {
		if (action == ACT_CANCEL) {
			u->lfind_typing = 0;
			ui_status(u, UI_ATTR_NORMAL, "%s", "");
		} else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
			u->lfind_typing = 0;
			if (u->input_len)
				snprintf(u->lfind, sizeof u->lfind, "%s", u->input);
			return list_find(u, 1, u->input_len ? 1 : 0) | UI_DRAW_ALL;
		} else if (!input_key(u, key)) {
			return 0;
		}
		return UI_DRAW_ALL;
	}
	if (action == ACT_FILTER) {
		u->lfind_typing = 1;
		u->input[0] = '\0';
		u->input_len = 0;
		return UI_DRAW_ALL;
	}
	if (action == ACT_NEXT_MATCH || action == ACT_PREV_MATCH)
		return list_find(u, action == ACT_NEXT_MATCH ? 1 : -1, 0);
	return -1;	/* not a find key */
}

int ui_list_action(struct ui *u, int action, int key)
{
	if (action == ACT_HELP && !u->lfind_typing && u->overlay != UI_OV_HELP && !has_input(u->overlay)) {
		char keys[600];	/* ? in a window: its own keys, all of them */
		ui_status(u, UI_ATTR_NORMAL, "keys here: %s", ui_window_keys(u, keys, sizeof keys));
		return UI_DRAW_STATUS;
	}
	if (findable(u->overlay)) {
		int r = list_find_keys(u, action, key);
		if (r >= 0)
			return r;
	}
	if (u->overlay == UI_OV_CONFIRM) {
		int job = u->confirm_job;
		u->overlay = UI_OV_NONE;
		if (key == 'y' || key == 'Y') {
			size_t n;
			const struct dataset_node **s = ui_tree_targets(u, &n);
			int bs = job == UI_JOB_BODYSITE;
			if (n)
				ui_job_start(u, job, s, n, bs && *u->pending_code ? u->pending_code : NULL,
					     bs && *u->pending_display ? u->pending_display : NULL, NULL);
			else
				free(s);
		} else {
			ui_status(u, UI_ATTR_NORMAL, "%s", job == UI_JOB_PUSH ? "not pushed" : job == UI_JOB_RETRACT ?
				  "nothing removed" : "bodySite not written");
		}
		return UI_DRAW_ALL;
	}
	if (u->overlay == UI_OV_SAVE && (action == ACT_CANCEL || key == '\n' || key == '\r' || key == KEY_ENTER)) {
		u->overlay = u->save_from_json ? UI_OV_JSON : UI_OV_NONE;
		if (action == ACT_CANCEL) {
			u->save_replace[0] = '\0';
			ui_status(u, UI_ATTR_NORMAL, "not saved");
		} else if (ui_export_save(u, u->input)) {
			u->overlay = UI_OV_SAVE;	/* the name exists: the prompt stays, to replace or rename */
		}
		return UI_DRAW_ALL;
	}
	if (u->overlay == UI_OV_JSON && (action == ACT_SAVE || action == ACT_PAGER || action == ACT_COPY)) {
		if (action == ACT_SAVE)
			ui_export_save_open(u);
		else if (action == ACT_PAGER)
			ui_export_pager(u);
		else
			ui_export_copy(u);
		return UI_DRAW_ALL;
	}
	if ((u->overlay == UI_OV_FILTER || u->overlay == UI_OV_FIND) && action == ACT_CANCEL) {
		if (u->overlay == UI_OV_FILTER) {	/* Esc: no filter */
			u->filter[0] = '\0';
			ui_tree_filter(u);
		} else {
			u->dfind[0] = '\0';
		}
		u->overlay = UI_OV_NONE;
		return UI_DRAW_ALL;
	}
	if (action == ACT_CANCEL || (action == ACT_QUIT && !has_input(u->overlay)))
		return close_overlay(u);
	if (has_input(u->overlay)) {
		if (key == KEY_UP || key == KEY_DOWN || key == KEY_NPAGE || key == KEY_PPAGE) {
			list_move(u, action);
			if (u->overlay == UI_OV_SEARCH && u->lcur < u->list.n && u->list.data[u->lcur] != not_a_query) {
				snprintf(u->input, sizeof u->input, "%s", u->list.text[u->lcur]);
				u->input_len = strlen(u->input);
			}
			return UI_DRAW_OVERLAY;
		}
		if (key == '\n' || key == '\r' || key == KEY_ENTER) {
			if (u->overlay == UI_OV_FIND) {	/* applied already (an empty prompt: the last find again) */
				u->overlay = UI_OV_NONE;
				return ui_detail_find_said(u, 1, u->input_len ? 1 : 0) | UI_DRAW_ALL;
			}
			if (u->overlay == UI_OV_FILTER) {	/* applied already: keep it */
				u->overlay = UI_OV_NONE;
				ui_status(u, UI_ATTR_NORMAL, *u->filter ? "%s: %s (n, N: next, previous)" : "%s%s", "filter",
					  *u->filter ? u->filter : ": none");
				return UI_DRAW_ALL;
			}
			if (u->overlay == UI_OV_PICKER)
				return picker_apply(u);
			const char *q = u->input_len ? u->input : u->lcur < u->list.n ? u->list.text[u->lcur] : "";
			if (!*q)
				return 0;
			char query[600];
			snprintf(query, sizeof query, "%s", q);
			u->overlay = UI_OV_NONE;
			free(u->next);
			u->next = NULL;	/* remembered once it ran: a failed query is not history */
			ui_job_start(u, UI_JOB_SEARCH, NULL, 0, NULL, NULL, query);
			return UI_DRAW_ALL;
		}
		if (input_key(u, key)) {
			if (u->overlay == UI_OV_PICKER) {
				u->lcur = 0;
				ui_picker_filter(u);
			} else if (u->overlay == UI_OV_FILTER) {	/* live, as you type */
				snprintf(u->filter, sizeof u->filter, "%s", u->input);
				ui_tree_filter(u);
				return UI_DRAW_ALL;
			} else if (u->overlay == UI_OV_FIND) {	/* as you type */
				if (u->input_len)
					snprintf(u->dfind, sizeof u->dfind, "%s", u->input);
				ui_detail_find(u, 1, 1);
				return UI_DRAW_ALL;
			}
			return UI_DRAW_OVERLAY;
		}
		return 0;
	}
	if (action == ACT_OPEN) {
		if (u->overlay == UI_OV_RESULTS && u->lcur < u->list.n && u->list.data[u->lcur]) {
			json_open(u, u->list.data[u->lcur]);
			return UI_DRAW_ALL;
		}
		if (u->overlay == UI_OV_JSON && u->jump) {
			u->overlay = UI_OV_NONE;
			ui_server_keep(u, u->jump, u->shown);
			ui_tree_select(u, u->jump);
			u->view = UI_VIEW_SERVER;
			ui_status(u, UI_ATTR_NORMAL, "the local study of the search result");
			return UI_DRAW_ALL;
		}
		if (u->overlay == UI_OV_JSON && u->jump_subject) {
			u->overlay = UI_OV_NONE;
			ui_tree_select(u, u->jump_subject);
			u->view = UI_VIEW_FHIR;
			ui_status(u, UI_ATTR_NORMAL, "the local subject of the search result");
			return UI_DRAW_ALL;
		}
		return 0;
	}
	return list_move(u, action);
}
