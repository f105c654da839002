/* The detail pane: Tags (DICOM values, counts, warnings), FHIR (the generated resources) and
 * Server (the server's copy and what differs). */
#include "config.h"

#include "research.h"
#include "sds_meta.h"
#include "ui.h"
#include "safefile.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


static void messages(struct ui_lines *l, const struct dataset_node *n, int depth)
{
	for (const struct dataset_msg *m = n->msgs; m; m = m->next)
		ui_lines_add(l, m->level == DATASET_ERROR ? UI_ATTR_ERROR : UI_ATTR_WARNING, NULL, "%s %s: %s",
			     m->level == DATASET_ERROR ? "! error" : "warning", n->kind == DATASET_STUDY ? "study" : n->name, m->text);
	if (depth < 3)
		for (const struct dataset_node *c = n->child; c; c = c->next)
			messages(l, c, depth + 1);
}

/* What the SDS metadata says of n: dataset_description for a dataset, its row of subjects
 * for a subject, of samples for a series. */
static void sds_lines(struct ui *u, const struct dataset_node *n)
{
	char file[256];
	struct sds_table *t = NULL;
	if (n->kind == DATASET_DATASET && (t = dataset_meta(n, "dataset_description.", file, sizeof file))) {
		ui_lines_add(&u->detail, UI_ATTR_DIM, NULL, "%s:", file);
		int vcol = sds_meta_column(t, "value");
		for (size_t r = 0; r < t->nrows; r++)
			ui_lines_add(&u->detail, UI_ATTR_NORMAL, NULL, "  %-22s %s", t->cells[r * t->ncols],
				     t->ncols > 1 ? t->cells[r * t->ncols + (vcol > 0 ? (size_t)vcol : 1)] : "");
	} else if (n->kind == DATASET_SUBJECT || n->kind == DATASET_SERIES) {
		int sub = n->kind == DATASET_SUBJECT;
		const struct dataset_node *s = dataset_ancestor(n, DATASET_SUBJECT);
		if (!s || !(t = dataset_meta(n, sub ? "subjects." : "samples.", file, sizeof file)))
			return;
		int ck = sds_meta_column(t, sub ? "subject id" : "sample id"), cs = sds_meta_column(t, "subject id");
		for (size_t r = 0; ck >= 0 && r < t->nrows; r++) {
			const char *key = t->cells[r * t->ncols + (size_t)ck];
			if (strcmp(key, sub ? s->name : n->name) || (!sub && cs >= 0 && strcmp(t->cells[r * t->ncols + (size_t)cs], s->name)))
				continue;
			ui_lines_add(&u->detail, UI_ATTR_DIM, NULL, "%s:", file);
			for (size_t c = 0; c < t->ncols; c++)
				if (*t->cells[r * t->ncols + c])
					ui_lines_add(&u->detail, UI_ATTR_NORMAL, NULL, "  %-22s %s", t->header[c], t->cells[r * t->ncols + c]);
			break;
		}
	}
	sds_meta_free(&t);
}

/* The longest PS3.6 keyword of the tags read: keeps the values in one column. */
static int keyword_width(void)
{
	static int w;
	if (!w)
		for (int t = 0; t < DICOM_TAG_COUNT; t++)
			if ((int)strlen(dicom_tag_table[t].keyword) > w)
				w = (int)strlen(dicom_tag_table[t].keyword);
	return w;
}

static void tags(struct ui *u, const struct dataset_node *n)
{
	struct ui_lines *l = &u->detail;
	int kw = keyword_width();
	char path[4096];
	if (n->kind == DATASET_INSTANCE && dataset_node_path(n, path, sizeof path) == 0) {
		struct dicom_header *h = malloc(sizeof *h);
		char err[512];
		ui_lines_add(l, UI_ATTR_TITLE, NULL, "%s", path);
		if (h && dicom_read_header(path, h, err, sizeof err) == DICOM_OK) {
			for (int t = 0; t < DICOM_TAG_COUNT; t++) {
				const struct dicom_tag_info *ti = &dicom_tag_table[t];
				const char *v = dicom_header_get(h, (enum dicom_tag)t);
				ui_lines_add(l, v ? UI_ATTR_NORMAL : UI_ATTR_DIM, NULL, "(%04X,%04X) %-*s %s%s%s", ti->group,
					     ti->element, kw, ti->keyword, v ? v : "(absent)", t == DICOM_TRANSFER_SYNTAX ? "  " : "",
					     t == DICOM_TRANSFER_SYNTAX ? h->xfer_name : "");
			}
			if (h->warning[0])
				ui_lines_add(l, UI_ATTR_WARNING, NULL, "warning %s", h->warning);
		} else {
			ui_lines_add(l, UI_ATTR_ERROR, NULL, "! %s", h ? err : "out of memory");
		}
		free(h);
		messages(l, n, 3);
		return;
	}
	switch (n->kind) {
	case DATASET_DATASET:
		ui_lines_add(l, UI_ATTR_TITLE, NULL, "dataset %s", n->name);
		ui_lines_add(l, UI_ATTR_NORMAL, NULL, "path: %s", n->path);
		for (const struct dataset_node *c = n->child; c; c = c->next)
			if (c->kind == DATASET_META)
				ui_lines_add(l, UI_ATTR_NORMAL, NULL, "SDS metadata: %s", c->name);
		break;
	case DATASET_SUBJECT:
		ui_lines_add(l, UI_ATTR_TITLE, NULL, "subject %s", n->name);
		break;
	case DATASET_FILE:
		ui_lines_add(l, UI_ATTR_TITLE, NULL, "%s", n->name);
		if (dataset_node_path(n, path, sizeof path) == 0)
			ui_lines_add(l, UI_ATTR_NORMAL, NULL, "path: %s", path);
		break;
	default:
		ui_lines_add(l, UI_ATTR_TITLE, NULL, "%s %s", dataset_kind_name(n->kind), *n->name ? n->name : "(no sample)");
		break;
	}
	messages(l, n, 0);	/* problems first */
	const struct dataset_node *src = n->tags ? n : dataset_study_of(n);
	if (src && src->tags) {
		ui_lines_add(l, UI_ATTR_DIM, NULL, "shared tags (first instance):");
		static const enum dicom_tag shown[] = {
			DICOM_PATIENT_NAME, DICOM_PATIENT_ID, DICOM_ISSUER_PATIENT_ID, DICOM_PATIENT_BIRTH_DATE,
			DICOM_PATIENT_SEX, DICOM_PATIENT_AGE, DICOM_STUDY_UID, DICOM_STUDY_DATE, DICOM_STUDY_TIME,
			DICOM_TIMEZONE_OFFSET, DICOM_STUDY_DESCRIPTION, DICOM_ACCESSION_NUMBER, DICOM_NUM_STUDY_SERIES,
			DICOM_NUM_STUDY_INST, DICOM_SERIES_UID, DICOM_SERIES_NUMBER, DICOM_SERIES_DESCRIPTION,
			DICOM_MODALITY, DICOM_BODY_PART, DICOM_LATERALITY, DICOM_CONTRAST_AGENT, DICOM_NUM_SERIES_INST,
			DICOM_SPECIFIC_CHARSET};
		for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
			if (n->kind == DATASET_STUDY || n->kind == DATASET_SUBJECT) {
				if (shown[i] == DICOM_SERIES_UID || shown[i] == DICOM_SERIES_NUMBER ||
				    shown[i] == DICOM_SERIES_DESCRIPTION || shown[i] == DICOM_NUM_SERIES_INST ||
				    shown[i] == DICOM_LATERALITY)
					continue;
			}
			const char *v = dataset_tag(u->tree, src, shown[i]);
			ui_lines_add(l, v ? UI_ATTR_NORMAL : UI_ATTR_DIM, NULL, "%-*s %s", kw, dicom_tag_table[shown[i]].keyword,
				     v ? v : "(absent)");
		}
	}
	sds_lines(u, n);
	if (n->kind != DATASET_FILE) {
		size_t studies = 0, series = 0;
		const struct dataset_node **s = dataset_collect(n, DATASET_STUDY, &studies);
		free(s);
		s = dataset_collect(n, DATASET_SERIES, &series);
		free(s);
		ui_lines_add(l, UI_ATTR_NORMAL, NULL, "found: %zu stud%s, %zu series, %u instances, %u errors, %u warnings",
			     studies, studies == 1 ? "y" : "ies", series, n->ninstances, n->nerrors, n->nwarnings);
	}
}

static void warn_lines(void *ctx, const struct dataset_node *n, const char *text)
{
	char w[600] = "";
	if (n && n->kind == DATASET_SERIES)	/* which series: the study's all warn alike */
		snprintf(w, sizeof w, "%s: ", *n->name ? n->name : "(no sample)");
	ui_lines_add(ctx, UI_ATTR_WARNING, NULL, "warning %s%s", w, text);
}

/* A resource under its title; nothing when r is NULL. r is put. */
static void resource_lines(struct ui_lines *l, const char *title, json_object *r)
{
	if (!r)
		return;
	ui_lines_add(l, UI_ATTR_TITLE, NULL, "%s", title);
	ui_json_lines(l, r);
	json_object_put(r);
}

static void fhir(struct ui *u, const struct dataset_node *n)
{
	const struct dataset_node *st = dataset_study_of(n);
	struct ui_lines *l = &u->detail;
	struct ui_lines warns = {0};
	struct fhir_opts fo = u->fopts;
	fo.warn = warn_lines;
	fo.ctx = &warns;
	json_object *research = NULL, *endpoint = NULL;
	if (n && n->kind == DATASET_DATASET) {	/* a dataset: its ResearchStudy */
		research = research_study_alone(n, &fo);
		if (fo.dicomweb && *fo.dicomweb) {
			struct research_res ep;
			research_endpoint(fo.dicomweb, &ep);
			endpoint = ep.resource;
		}
	} else if (n && n->kind == DATASET_SUBJECT) {	/* a subject: its ResearchSubject */
		char file[256];
		struct sds_table *subjects = dataset_meta(n, "subjects.", file, sizeof file);
		research = research_subject_alone(u->tree, n, &fo, subjects);
		sds_meta_free(&subjects);
	}
	if (!st && !research) {
		ui_lines_add(l, UI_ATTR_DIM, NULL, "Move to a dataset, a subject, a study or below to see its FHIR.");
		return;
	}
	char err[512];
	json_object *p = st ? fhir_patient_build(u->tree, st, &fo) : NULL;
	json_object *s = st ? fhir_study_build(u->tree, st, NULL, &fo, err, sizeof err) : NULL;
	for (size_t i = 0; i < warns.n; i++)
		ui_lines_add(l, UI_ATTR_WARNING, NULL, "%s", warns.text[i]);
	ui_lines_clear(&warns);
	resource_lines(l, n->kind == DATASET_DATASET ? "ResearchStudy" : "ResearchSubject", research);
	resource_lines(l, "Endpoint", endpoint);
	if (!st) {
		if (n->kind == DATASET_SUBJECT)
			ui_lines_add(l, UI_ATTR_DIM, NULL, "It holds several studies: move to one to see its ImagingStudy.");
		return;
	}
	ui_lines_add(l, UI_ATTR_TITLE, NULL, "Patient");
	if (p)
		ui_json_lines(l, p);
	ui_lines_add(l, UI_ATTR_TITLE, NULL, "ImagingStudy");
	if (s)
		ui_json_lines(l, s);
	else
		ui_lines_add(l, UI_ATTR_ERROR, NULL, "! %s", err);
	json_object_put(p);
	json_object_put(s);
}

/* How many of the study's instances the DICOMweb server holds, when a refresh read it. */
static void images_line(struct ui_lines *l, const struct ui_server_copy *c)
{
	if (c && c->img_total >= 0)
		ui_lines_add(l, c->img_there == c->img_total ? UI_ATTR_SAME : UI_ATTR_DIFFERENT, NULL,
			     "Images: %ld of %ld instances on the DICOMweb server%s", c->img_there, c->img_total,
			     c->img_there == c->img_total ? "" : " (p, then i, sends the rest)");
}

static void server(struct ui *u, const struct dataset_node *n)
{
	const struct dataset_node *st = dataset_study_of(n);
	struct ui_lines *l = &u->detail;
	if (!st) {
		ui_lines_add(l, UI_ATTR_DIM, NULL, "Move to a study to see the server's copy.");
		return;
	}
	const struct ui_server_copy *c = ui_server_copy(u, st);
	switch (st->server) {
	case DATASET_SERVER_UNKNOWN:
		ui_lines_add(l, UI_ATTR_DIM, NULL, "Server state not known yet: r reads it.");
		images_line(l, c);
		return;
	case DATASET_SERVER_ABSENT:
		ui_lines_add(l, UI_ATTR_WARNING, NULL, "Not on the server (p pushes it).");
		images_line(l, c);
		return;
	case DATASET_SERVER_SAME:
		ui_lines_add(l, UI_ATTR_SAME, NULL, "On the server, the same as generated%s", c && c->kept ? ":" : ".");
		break;
	default:
		ui_lines_add(l, UI_ATTR_DIFFERENT, NULL, "On the server, but different%s",
			     c && c->diff ? ":" : " (r reads it again).");
		if (c && c->diff) {
			for (const char *d = c->diff; *d;) {	/* one difference a line */
				size_t k = strcspn(d, ";");
				ui_lines_add(l, UI_ATTR_DIFFERENT, NULL, "  %.*s", (int)k, d);
				d += k;
				while (*d == ';' || *d == ' ')
					d++;
			}
		}
		break;
	}
	if (c && c->kept)	/* what the server keeps though the files say otherwise */
		ui_lines_add(l, UI_ATTR_NORMAL, NULL, "  %s (a push keeps it; push --files-win writes the files' value)",
			     c->kept);
	images_line(l, c);
	if (c && c->resource) {
		ui_lines_add(l, UI_ATTR_TITLE, NULL, "ImagingStudy on the server");
		ui_json_lines(l, c->resource);
	}
}

void ui_detail_update(struct ui *u)
{
	const struct dataset_node *n = ui_selected(u);
	if (n == u->dnode && u->dview == u->view && u->detail.n)
		return;
	ui_lines_clear(&u->detail);
	if (n != u->dnode)
		u->dtop = 0;
	u->dnode = n;
	u->dview = u->view;
	if (!n)
		return;
	if (u->tree->partial) {		/* an outline: nothing read to show yet */
		ui_lines_add(&u->detail, UI_ATTR_DIM, NULL, "%s %s: still scanning", dataset_kind_name(n->kind), n->name);
		ui_lines_add(&u->detail, UI_ATTR_NORMAL, NULL, "files found: %u, read: %u", n->nchildren, n->ninstances);
		ui_lines_add(&u->detail, UI_ATTR_DIM, NULL, "Tags, FHIR and server state show when the scan ends.");
		return;
	}
	if (u->view == UI_VIEW_TAGS)
		tags(u, n);
	else if (u->view == UI_VIEW_FHIR)
		fhir(u, n);
	else if (u->view == UI_VIEW_IMAGE)
		ui_image_lines(u, n);
	else
		server(u, n);
}

/* A JSON line in colours: keys, strings, numbers. */
static void json_draw(struct ui *u, int y, int x, int w, const char *s)
{
	ui_put(y, x, w, s, ui_attr(u, UI_ATTR_NORMAL));
	const char *q = strchr(s, '"');
	if (!q)
		return;
	size_t col = ui_text_width("") + (size_t)(q - s);
	const char *end = strchr(q + 1, '"');
	if (!end)
		return;
	char part[1024];
	int is_key = end[1] == ':';
	snprintf(part, sizeof part, "%.*s", (int)(end - q + 1), q);
	if ((int)col < w)
		ui_put(y, x + (int)col, (int)ui_text_width(part) < w - (int)col ? (int)ui_text_width(part) : w - (int)col,
		       part, ui_attr(u, is_key ? UI_ATTR_KEY : UI_ATTR_STRING));
	if (is_key) {
		const char *v = end + 2;
		while (*v == ' ')
			v++;
		size_t vcol = col + ui_text_width(part) + (size_t)(v - end - 1);
		int attr = *v == '"' ? UI_ATTR_STRING : (*v == '-' || (*v >= '0' && *v <= '9')) ? UI_ATTR_NUMBER : -1;
		if (attr >= 0 && (int)vcol < w)
			ui_put(y, x + (int)vcol, w - (int)vcol, v, ui_attr(u, attr));
	}
}

static void detail_draw(struct ui *u, int y, int x, int h, int w)
{
	if (u->view == UI_VIEW_IMAGE) {
		ui_image_draw(u, ui_selected(u), y, x, h, w);
		return;
	}
	struct ui_lines *l = &u->detail;
	if (l->n && u->dtop >= l->n)
		u->dtop = l->n - 1;
	int counter = u->focus && l->n > (size_t)h && h > 1 && w > 16;	/* where we are: on a row of its own, the last */
	if (counter)
		h--;
	size_t k = u->dtop;
	for (int i = 0; i < h; k++) {
		if (k >= l->n) {
			ui_put(y + i++, x, w, "", A_NORMAL);
			continue;
		}
		const char *at = u->dfind[0] && k == u->dhit ? strcasestr(l->text[k], u->dfind) : NULL;
		int hit = at && !u->dwrap[u->view] && !u->dleft;	/* the match itself marked, not the line */
		int attr = ui_attr(u, at && !hit ? UI_ATTR_SELECTED : l->attr[k] == UI_JSON_LINE ? UI_ATTR_NORMAL : l->attr[k]);
		if (u->dwrap[u->view])	/* the whole line, over as many rows as it needs, under its start */
			i += ui_put_wrapped_hang(y + i, x, w, h - i, l->text[k], attr);
		else if (u->dleft)	/* scrolled sideways: plain text */
			ui_put_from(y + i++, x, w, l->text[k], attr, u->dleft);
		else if (l->attr[k] == UI_JSON_LINE)
			json_draw(u, y + i++, x, w, l->text[k]);
		else
			ui_put(y + i++, x, w, l->text[k], attr);
		if (hit) {	/* over the line just drawn: the matched text in the selection's colours */
			char *pre = strndup(l->text[k], (size_t)(at - l->text[k]));
			int col = pre ? (int)ui_text_width(pre) : 0;
			free(pre);
			char *m = strndup(at, strlen(u->dfind));
			int mw = m ? (int)ui_text_width(m) : 0;
			if (m && col < w)
				ui_put(y + i - 1, x + col, mw < w - col ? mw : w - col, m,
				       ui_attr(u, UI_ATTR_SELECTED) | A_UNDERLINE);	/* seen on a title row too */
			free(m);
		}
		if (*l->text[k] == '\0' && u->dwrap[u->view] && i < h)	/* an empty line still takes a row */
			ui_put(y + i++, x, w, "", A_NORMAL);
	}
	if (counter) {	/* never over the text: it covered the first line's end */
		char pos[32];
		snprintf(pos, sizeof pos, " %zu/%zu ", u->dtop + 1, l->n);
		ui_put(y + h, x, w - (int)strlen(pos), "", A_NORMAL);
		ui_put(y + h, x + w - (int)strlen(pos), (int)strlen(pos), pos, ui_attr(u, UI_ATTR_BAR));
	}
}

/* Move to the next (dir 1) or previous (-1) detail line holding u->dfind, from the current
 * hit (include: the current line counts). 0, or -1 when none. */
static int detail_find_quiet(struct ui *u, int dir, int include)
{
	size_t n = u->detail.n;
	if (!u->dfind[0] || !n)
		return -1;
	size_t i = ui_lines_find(&u->detail, u->dfind, u->dhit < n ? u->dhit : u->dtop, dir, include);
	if (i == n)
		return -1;
	u->dhit = i;
	size_t page = u->lines > 6 ? (size_t)u->lines - 6 : 1;
	if (i < u->dtop || i >= u->dtop + page)
		u->dtop = i > 2 ? i - 2 : 0;	/* a little context above */
	return 0;
}

/* n, N: detail_find_quiet, with the outcome in the status line: which hit of how many, or that
 * the text is not in the pane. */
static int detail_find(struct ui *u, int dir, int include)
{
	if (!u->dfind[0]) {
		ui_status(u, UI_ATTR_WARNING, "nothing to find: / in this pane finds text");
		return UI_DRAW_STATUS;
	}
	if (detail_find_quiet(u, dir, include) < 0) {
		ui_status(u, UI_ATTR_WARNING, "find: '%s' is not in this pane", u->dfind);
		return UI_DRAW_DETAIL | UI_DRAW_STATUS;
	}
	ui_lines_hit_said(u, &u->detail, u->dfind, u->dhit);
	return UI_DRAW_DETAIL | UI_DRAW_STATUS;
}

static int detail_key(struct ui *u, int action, int key)
{
	(void)key;
	if (action == ACT_FILTER) {	/* a find starts empty, as less's / (Enter: the last one again) */
		ui_list_open(u, UI_OV_FIND, "");
		return UI_DRAW_ALL;
	}
	size_t n = u->detail.n, page = u->lines > 4 ? (size_t)u->lines - 4 : 1;
	if (action == ACT_CLOSE && u->dleft)	/* Left: scroll back, then back to the tree */
		u->dleft = u->dleft > 8 ? u->dleft - 8 : 0;
	else if (action == ACT_CLOSE)
		u->focus = 0;
	else if (action == ACT_OPEN && !u->dwrap[u->view])	/* Right: sideways */
		u->dleft += 8;
	else if (action == ACT_LAST)	/* the last page, not the last line alone */
		u->dtop = n > page ? n - page : 0;
	else if (!ui_move(&u->dtop, n, page, action))
		return 0;
	return UI_DRAW_DETAIL | UI_DRAW_TREE;
}

/* What the pane shows, as text, and a file name for it: the Bundle a push sends in the FHIR
 * view, the server's copy in the Server view, else the lines. */
static char *detail_text(struct ui *u, char *name, size_t len)
{
	ui_detail_update(u);	/* the lines of the node and view as they are now */
	const struct dataset_node *n = ui_selected(u), *st = dataset_study_of(n);
	const struct dataset_node *sub = st ? dataset_ancestor(st, DATASET_SUBJECT) : NULL;
	char raw[400];
	if (u->view == UI_VIEW_FHIR && st) {	/* what a push sends for this study */
		size_t skipped = 0;
		json_object *b = fhir_bundle_build(u->tree, &st, 1, NULL, &u->fopts, NULL, &skipped);
		snprintf(raw, sizeof raw, "%s.bundle.json", sub ? sub->name : st->name);
		safefile_name(raw, name, len);
		char *t = skipped ? NULL : ui_json_text(b);
		json_object_put(b);
		return t;
	}
	const struct ui_server_copy *c = u->view == UI_VIEW_SERVER && st ? ui_server_copy(u, st) : NULL;
	if (c && c->resource) {
		snprintf(raw, sizeof raw, "%s.server.json", sub ? sub->name : st->name);
		safefile_name(raw, name, len);
		return ui_json_text(c->resource);
	}
	snprintf(raw, sizeof raw, "%s.%s.txt", n ? (*n->name ? n->name : "node") : "detail",
		 u->view == UI_VIEW_TAGS ? "tags" : u->view == UI_VIEW_FHIR ? "fhir" : "server");
	safefile_name(raw, name, len);
	size_t size = 1;
	for (size_t i = 0; i < u->detail.n; i++)
		size += strlen(u->detail.text[i]) + 1;
	char *t = malloc(size), *p = t;
	for (size_t i = 0; t && i < u->detail.n; i++)
		p += sprintf(p, "%s\n", u->detail.text[i]);
	if (t)
		*p = '\0';
	return t;
}

static void detail_draw_fresh(struct ui *u, int y, int x, int h, int w)
{
	ui_detail_update(u);
	detail_draw(u, y, x, h, w);
}

static const char *const detail_bar[] = {"q quit", "? help", "Tab tree", "/ find", "n/N next hit", "v view", "w wrap",
					 "S save", "o pager", "y copy", "</> split", "p push", "b bodySite", "L log", NULL};

const struct ui_view ui_view_detail = {
	.name = "detail", .where = 'D', .key = detail_key, .draw = detail_draw_fresh, .find = detail_find,
	.text = detail_text, .bar = detail_bar,
};

/* ---- the find prompt: / in the pane, found as it is typed ---- */

static int find_key(struct ui *u, int action, int key)
{
	if (action == ACT_CANCEL) {
		u->dfind[0] = '\0';
		u->overlay = UI_OV_NONE;
		return UI_DRAW_ALL;
	}
	if (ui_list_enter(key)) {	/* found already (an empty prompt: the last find again) */
		u->overlay = UI_OV_NONE;
		return detail_find(u, 1, u->input_len ? 1 : 0) | UI_DRAW_ALL;
	}
	if (!ui_list_input(u, key))
		return 0;
	if (u->input_len)
		snprintf(u->dfind, sizeof u->dfind, "%s", u->input);
	detail_find_quiet(u, 1, 1);
	return UI_DRAW_ALL;
}

static void find_draw(struct ui *u, int y, int x, int h, int w)
{
	(void)h;
	ui_list_prompt(u, y, x, w, "find: ", "");
}

static const char *const find_bar[] = {"type to find", "Enter keep", "Esc close", "then n, N: next, previous", NULL};

const struct ui_view ui_view_find = {
	.name = "find", .where = 0, .prompt = 1, .key = find_key, .draw = find_draw, .bar = find_bar,
};
