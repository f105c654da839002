/* The search window: a Type?params query typed, or a ready one for the node under the cursor, or
 * an earlier one from the history; Enter runs it (the results window shows what came). */
#include "config.h"
#include "bodypart.h"

#include "ui.h"
#include "safefile.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	const struct dataset_node *n = ui_selected(u), *st = dataset_study_of(n);
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

/* A ready query's label, drawn before it. */
static const char *label(struct ui *u, size_t k)
{
	const char *d = u->list.data[k];
	return d && d != not_a_query ? d : NULL;
}

static void search_draw(struct ui *u, int y, int x, int h, int w)
{
	int row, rows;
	ui_list_frame(u, y, x, h, w, &row, &rows);
	ui_list_rows(u, &u->list, row, x, rows, w, 1, 0, label);
}

static int search_key(struct ui *u, int action, int key)
{
	if (action == ACT_CANCEL) {
		u->overlay = UI_OV_NONE;
		return UI_DRAW_ALL;
	}
	if (key == KEY_UP || key == KEY_DOWN || key == KEY_NPAGE || key == KEY_PPAGE) {
		ui_list_move(u, action);
		if (u->lcur < u->list.n && u->list.data[u->lcur] != not_a_query) {
			snprintf(u->input, sizeof u->input, "%s", u->list.text[u->lcur]);
			u->input_len = strlen(u->input);
		}
		return UI_DRAW_OVERLAY;
	}
	if (ui_list_enter(key)) {
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
	return ui_list_input(u, key) ? UI_DRAW_OVERLAY : 0;
}

static const char *const search_bar[] = {"Enter run", "Up/Down earlier and ready queries", "Ctrl-U clear", "Esc close", NULL};

const struct ui_view ui_view_search = {
	.name = "search", .where = 0, .input = 1, .key = search_key, .draw = search_draw, .bar = search_bar,
};
