/* The tree pane: datasets, subjects, studies (a level only when a subject has several),
 * series, instances and unreadable files, with marks, errors and server state. */
#include "config.h"

#include "ui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The study a node stands for: itself, its ancestor study, or a subject's only study. */
static int single_study(const struct dataset_node *sub)
{
	int k = 0;
	for (const struct dataset_node *c = sub->child; c; c = c->next)
		k += c->kind == DATASET_STUDY;
	return k == 1;
}

static void label(const struct ui *u, const struct dataset_node *n, char *buf, size_t len);

/* Does the filter match what the tree shows of n (its label), its name, or the patient name
 * and UIDs behind it? */
static int matches(const struct ui *u, const struct dataset_node *n)
{
	if (!u->filter[0])
		return 0;
	if (strcasestr(n->name, u->filter))
		return 1;
	char lab[800];
	label(u, n, lab, sizeof lab);
	if (strcasestr(lab, u->filter))
		return 1;
	/* the values a node stands for (a series inherits none of its study's) */
	static const enum dicom_tag of_study[] = {DICOM_PATIENT_NAME, DICOM_PATIENT_ID, DICOM_STUDY_UID};
	static const enum dicom_tag of_series[] = {DICOM_SERIES_UID}, of_instance[] = {DICOM_SOP_INSTANCE_UID};
	const enum dicom_tag *also = n->kind == DATASET_STUDY ? of_study : n->kind == DATASET_SERIES ? of_series :
				     n->kind == DATASET_INSTANCE ? of_instance : NULL;
	size_t k = n->kind == DATASET_STUDY ? 3 : also ? 1 : 0;
	for (size_t i = 0; n->tags && i < k; i++) {
		const char *v = dataset_tag(u->tree, n, also[i]);
		if (v && strcasestr(v, u->filter))
			return 1;
	}
	return 0;
}

static int subtree_matches(const struct ui *u, const struct dataset_node *n)
{
	if (matches(u, n))
		return 1;
	for (const struct dataset_node *c = n->child; c; c = c->next)
		if (subtree_matches(u, c))
			return 1;
	return 0;
}

static void add_row(struct ui *u, struct dataset_node *n, int depth)
{
	if (u->nrows == u->rowcap) {
		size_t cap = u->rowcap ? u->rowcap * 2 : 256;
		struct ui_row *r = realloc(u->rows, cap * sizeof *r);
		if (!r)
			return;
		u->rows = r;
		u->rowcap = cap;
	}
	u->rows[u->nrows].node = n;
	u->rows[u->nrows].depth = depth;
	u->nrows++;
}

/* n's children at depth; under a filter only the matches and what leads to them, and below a
 * match (all set) everything, open or closed as the user left it: a match stays browsable. */
static void add_children(struct ui *u, struct dataset_node *n, int depth, int all)
{
	for (struct dataset_node *c = n->child; c; c = c->next) {
		if (c->kind == DATASET_META)
			continue;
		int filtering = u->filter[0] && !all;
		if (filtering && !subtree_matches(u, c))
			continue;
		int shown = !filtering || matches(u, c);	/* c and all below it shown */
		if (c->kind == DATASET_STUDY && n->kind == DATASET_SUBJECT && single_study(n)) {
			add_children(u, c, depth, shown);	/* the study level only when there are several */
			continue;
		}
		add_row(u, c, depth);
		if ((c->flags & DATASET_NODE_OPEN) || !shown)
			add_children(u, c, depth + 1, shown);
	}
}

void ui_tree_rebuild(struct ui *u)
{
	struct dataset_node *keep = u->nrows && u->cur < u->nrows ? u->rows[u->cur].node : NULL;
	u->nrows = 0;
	if (u->tree)
		add_children(u, u->tree->root, 0, 0);
	u->cur = 0;
	u->tree_w = 0;
	for (size_t i = 0; keep && i < u->nrows; i++)
		if (u->rows[i].node == keep)
			u->cur = i;
	for (size_t i = 0; i < u->nrows && i < 2000; i++) {	/* the split follows the tree */
		char lab[800];
		label(u, u->rows[i].node, lab, sizeof lab);
		int w = 5 + u->rows[i].depth * 2 + (int)ui_text_width(lab);
		if (w > u->tree_w)
			u->tree_w = w;
	}
	if (u->cur >= u->nrows)
		u->cur = u->nrows ? u->nrows - 1 : 0;
}

/* In t, the dataset at path, or its subject named sub (when sub is not NULL). */
static struct dataset_node *find_same(const struct dataset_tree *t, const char *path, const char *sub)
{
	for (struct dataset_node *ds = t->root->child; ds; ds = ds->next) {
		if (ds->kind != DATASET_DATASET || !ds->path || strcmp(ds->path, path) != 0)
			continue;
		if (!sub)
			return ds;
		for (struct dataset_node *s = ds->child; s; s = s->next)
			if (s->kind == DATASET_SUBJECT && strcmp(s->name, sub) == 0)
				return s;
		return NULL;
	}
	return NULL;
}

void ui_tree_replace(struct ui *u, struct dataset_tree *t)
{
	struct dataset_tree *old = u->tree;
	const struct dataset_node *cur = ui_selected(u);
	const struct dataset_node *cds = cur ? dataset_ancestor(cur, DATASET_DATASET) : NULL;
	const struct dataset_node *csub = cur ? dataset_ancestor(cur, DATASET_SUBJECT) : NULL;
	size_t height = u->cur >= u->top ? u->cur - u->top : 0;
	struct dataset_node *keep = NULL;
	for (struct dataset_node *ds = t && t->partial ? t->root->child : NULL; ds; ds = ds->next)
		ds->flags |= DATASET_NODE_OPEN;	/* an outline shows its subjects */
	for (const struct dataset_node *ds = old && t ? old->root->child : NULL; ds; ds = ds->next) {
		if (ds->kind != DATASET_DATASET || !ds->path)
			continue;
		struct dataset_node *nds = find_same(t, ds->path, NULL);
		if (!nds)
			continue;
		nds->flags = (uint8_t)((nds->flags & ~(DATASET_NODE_OPEN | DATASET_NODE_MARKED)) |
				       (ds->flags & (DATASET_NODE_OPEN | DATASET_NODE_MARKED)));
		for (const struct dataset_node *s = ds->child; s; s = s->next) {
			struct dataset_node *ns = s->kind == DATASET_SUBJECT && ((s->flags & DATASET_NODE_MARKED) || s == csub)
							  ? find_same(t, ds->path, s->name) : NULL;
			if (ns && (s->flags & DATASET_NODE_MARKED))
				ns->flags |= DATASET_NODE_MARKED;
			if (ns && s == csub)
				keep = ns;
		}
		if (ds == cds && !keep)
			keep = nds;
	}
	u->tree = t;
	if (old != t)
		dataset_free(&old);
	u->nrows = 0;	/* nothing of the old tree is kept */
	u->dnode = NULL;
	ui_lines_clear(&u->detail);
	ui_tree_rebuild(u);
	for (size_t i = 0; keep && i < u->nrows; i++)
		if (u->rows[i].node == keep) {
			u->cur = i;
			u->top = i >= height ? i - height : 0;
		}
}


void ui_tree_select(struct ui *u, const struct dataset_node *n)
{
	for (const struct dataset_node *p = n->parent; p; p = p->parent)
		((struct dataset_node *)p)->flags |= DATASET_NODE_OPEN;
	u->filter[0] = '\0';
	ui_tree_rebuild(u);
	for (size_t i = 0; i < u->nrows; i++) {
		if (u->rows[i].node == n || (n->kind == DATASET_STUDY && u->rows[i].node == n->parent &&
					      single_study(n->parent))) {
			u->cur = i;
			break;
		}
	}
}

static char state_char(const struct dataset_node *study)
{
	if (!study)
		return ' ';
	switch (study->server) {
	case DATASET_SERVER_ABSENT: return '-';
	case DATASET_SERVER_SAME: return '=';
	case DATASET_SERVER_DIFFERENT: return '~';
	default: return ' ';
	}
}

static void label(const struct ui *u, const struct dataset_node *n, char *buf, size_t len)
{
	const struct dataset_tree *t = u->tree;
	const char *base;
	switch (n->kind) {
	case DATASET_DATASET:
		if (t->partial)
			snprintf(buf, len, "%s (%u/%u files read)", n->name, n->ninstances, n->nchildren);
		else
			snprintf(buf, len, "%s (%u instances)", n->name, n->ninstances);
		break;
	case DATASET_SUBJECT:
		if (t->partial)
			snprintf(buf, len, "%s (%u/%u)", n->name, n->ninstances, n->nchildren);
		else
			snprintf(buf, len, "%s (%u)", n->name, n->ninstances);
		break;
	case DATASET_STUDY: {
		const char *d = dataset_tag(t, n, DICOM_STUDY_DATE), *desc = dataset_tag(t, n, DICOM_STUDY_DESCRIPTION);
		snprintf(buf, len, "study %s %s (%u)", d && *d ? d : "-", desc && *desc ? desc : n->name, n->ninstances);
		break;
	}
	case DATASET_SERIES: {
		const char *num = dataset_tag(t, n, DICOM_SERIES_NUMBER), *desc = dataset_tag(t, n, DICOM_SERIES_DESCRIPTION);
		snprintf(buf, len, "%s #%s %s (%u)", *n->name ? n->name : "(no sample)", num ? num : "-",
			 desc ? desc : "", n->ninstances);
		break;
	}
	case DATASET_INSTANCE:
		base = strrchr(n->name, '/');
		snprintf(buf, len, "%s #%s", base ? base + 1 : n->name, dataset_tag(t, n, DICOM_INSTANCE_NUMBER) ?: "-");
		break;
	default:
		snprintf(buf, len, "%s", n->name);
		break;
	}
}

static void tree_draw(struct ui *u, int y, int x, int h, int w)
{
	if (!u->tree) {
		for (int i = 0; i < h; i++)
			ui_put(y + i, x, w, i == 0 ? (u->job ? " scanning..." : " nothing to show") : "", A_NORMAL);
		return;
	}
	if (u->cur < u->top)
		u->top = u->cur;
	if (u->cur >= u->top + (size_t)h)
		u->top = u->cur - (size_t)h + 1;
	for (int i = 0; i < h; i++) {
		size_t r = u->top + (size_t)i;
		if (r >= u->nrows) {
			ui_put(y + i, x, w, i == 0 && !u->nrows ? (u->filter[0] ? " no match" : " no dataset") : "", A_NORMAL);
			continue;
		}
		const struct dataset_node *n = u->rows[r].node;
		const struct dataset_node *st = n->kind == DATASET_STUDY || (n->kind == DATASET_SUBJECT && single_study(n))
							? dataset_study_of(n) : NULL;
		char text[1024], lab[800];
		label(u, n, lab, sizeof lab);
		const struct ui_server_copy *c = st ? ui_server_copy(u, st) : NULL;
		if (c && c->img_total >= 0)	/* images = yes: its instances on the DICOMweb server */
			snprintf(lab + strlen(lab), sizeof lab - strlen(lab), " [%ld/%ld images]", c->img_there, c->img_total);
		int open = n->child && n->kind != DATASET_INSTANCE && n->kind != DATASET_FILE;
		snprintf(text, sizeof text, "%c%c%c%*s%s %s", (n->flags & DATASET_NODE_MARKED) ? '*' : ' ',
			 n->nerrors ? '!' : ' ', state_char(st), u->rows[r].depth * 2, "",
			 open ? ((n->flags & DATASET_NODE_OPEN) ? "v" : ">") : " ", lab);
		int tw = (int)ui_text_width(text);
		if (tw > u->tree_w)
			u->tree_w = tw;	/* the split follows the widest row seen */
		int attr = (n->flags & DATASET_NODE_ERROR) ? UI_ATTR_ERROR : n->kind == DATASET_FILE ? UI_ATTR_DIM :
			   (n->flags & DATASET_NODE_MARKED) ? UI_ATTR_MARK : UI_ATTR_NORMAL;
		int a = ui_attr(u, attr);
		if (r == u->cur)
			a = u->focus ? (int)(ui_attr(u, UI_ATTR_SELECTED) | (int)A_DIM) : ui_attr(u, UI_ATTR_SELECTED);
		ui_put(y + i, x, w, text, a);
		const char *m = u->filter[0] ? strcasestr(text, u->filter) : NULL;
		if (m) {	/* the filter's text marked in the row, as a find's */
			char *pre = strndup(text, (size_t)(m - text)), *hit = strndup(m, strlen(u->filter));
			int col = pre ? (int)ui_text_width(pre) : 0, hw = hit ? (int)ui_text_width(hit) : 0;
			if (hit && col < w)
				ui_put(y + i, x + col, hw < w - col ? hw : w - col, hit, a | A_UNDERLINE);
			free(pre);
			free(hit);
		}
	}
}



/* Apply u->filter as it is now: rebuild, cursor on the first match. */
static void tree_filter(struct ui *u)
{
	ui_tree_rebuild(u);
	for (size_t i = 0; u->filter[0] && i < u->nrows; i++)
		if (matches(u, u->rows[i].node)) {
			u->cur = i;
			break;
		}
}

static size_t find_match(struct ui *u, int dir)
{
	for (size_t k = 1; k <= u->nrows; k++) {
		size_t i = (u->cur + (dir > 0 ? k : u->nrows - k)) % u->nrows;
		if (matches(u, u->rows[i].node))
			return i;
	}
	return u->cur;
}

/* Set (on 1) or clear every mark on the subjects and studies below n: how many changed. */
static size_t mark_below(struct dataset_node *n, int on)
{
	size_t k = 0;
	for (struct dataset_node *c = n->child; c; c = c->next) {
		if (c->kind == DATASET_SUBJECT || c->kind == DATASET_STUDY) {
			int was = (c->flags & DATASET_NODE_MARKED) != 0;
			c->flags = (uint8_t)(on && c->kind == DATASET_SUBJECT ? c->flags | DATASET_NODE_MARKED
									     : c->flags & ~DATASET_NODE_MARKED);
			k += was != ((c->flags & DATASET_NODE_MARKED) != 0);
		}
		if (c->kind != DATASET_SERIES && c->kind != DATASET_INSTANCE)
			k += mark_below(c, on);
	}
	return k;
}

/* Open (on 1) or close the subjects, studies and series below n; how many changed. */
static size_t open_below(struct dataset_node *n, int on)
{
	size_t k = 0;
	for (struct dataset_node *c = n->child; c; c = c->next) {
		if (c->kind == DATASET_SUBJECT || c->kind == DATASET_STUDY || c->kind == DATASET_SERIES ||
		    (c->kind == DATASET_DATASET && on)) {
			uint8_t was = c->flags & DATASET_NODE_OPEN;
			c->flags = (uint8_t)(on ? c->flags | DATASET_NODE_OPEN : c->flags & ~DATASET_NODE_OPEN);
			k += was != (c->flags & DATASET_NODE_OPEN);
		}
		if (c->kind != DATASET_SERIES && c->kind != DATASET_INSTANCE)
			k += open_below(c, on);
	}
	return k;
}

int ui_tree_click(struct ui *u, size_t row, int x, int twice)
{
	if (row >= u->nrows)
		return 0;
	u->cur = row;
	struct dataset_node *n = u->rows[row].node;
	int marker = 3 + u->rows[row].depth * 2;	/* the column of its > or v */
	if ((x == marker || twice) && n->child && n->kind != DATASET_INSTANCE && n->kind != DATASET_FILE) {
		n->flags ^= DATASET_NODE_OPEN;
		ui_tree_rebuild(u);
	}
	return UI_DRAW_ALL;
}

static int tree_key(struct ui *u, int action, int key)
{
	(void)key;
	if (!u->tree || !u->nrows)
		return 0;
	struct dataset_node *n = ui_selected(u);
	int page = u->lines > 4 ? u->lines - 4 : 1;
	if (ui_move(&u->cur, u->nrows, (size_t)page, action))
		return UI_DRAW_TREE | UI_DRAW_DETAIL | UI_DRAW_STATUS;
	switch (action) {
	case ACT_OPEN:
		if (n->child && !(n->flags & DATASET_NODE_OPEN)) {
			n->flags |= DATASET_NODE_OPEN;
			ui_tree_rebuild(u);
		} else if (n->kind == DATASET_INSTANCE || n->kind == DATASET_FILE || (n->flags & DATASET_NODE_OPEN)) {
			u->focus = 1;	/* nothing to open: read the detail */
		}
		break;
	case ACT_CLOSE:
		if (n->flags & DATASET_NODE_OPEN && n->child) {
			n->flags &= (uint8_t)~DATASET_NODE_OPEN;
			ui_tree_rebuild(u);
		} else {
			int d = u->rows[u->cur].depth;
			while (u->cur > 0 && u->rows[u->cur].depth >= d && d > 0)
				u->cur--;
		}
		break;
	case ACT_MARK:
		if (n->kind == DATASET_SUBJECT || n->kind == DATASET_STUDY) {
			n->flags ^= DATASET_NODE_MARKED;
		} else if (n->kind == DATASET_DATASET) {	/* all its subjects, or none when all were */
			int all = 1;
			for (struct dataset_node *c = n->child; c; c = c->next)
				if (c->kind == DATASET_SUBJECT && !(c->flags & DATASET_NODE_MARKED))
					all = 0;
			size_t k = mark_below(n, !all);
			ui_status(u, UI_ATTR_NORMAL, "%s %zu subject%s of %s", all ? "unmarked" : "marked", k, k == 1 ? "" : "s",
				  n->name);
		} else {
			ui_status(u, UI_ATTR_WARNING, "only datasets, subjects and studies can be marked");
			return UI_DRAW_STATUS;
		}
		if (u->cur + 1 < u->nrows)
			u->cur++;
		return UI_DRAW_ALL;
	case ACT_MARK_ALL: {	/* the subjects of the rows shown: under a filter, those of the matches */
		size_t k = 0;
		for (size_t i = 0; i < u->nrows; i++) {
			struct dataset_node *s = u->rows[i].node;
			if (s->kind == DATASET_SUBJECT && !(s->flags & DATASET_NODE_MARKED)) {
				s->flags |= DATASET_NODE_MARKED;
				k++;
			}
		}
		ui_status(u, UI_ATTR_NORMAL, "marked %zu more subject%s%s%s (A clears the marks)", k, k == 1 ? "" : "s",
			  u->filter[0] ? " matching " : "", u->filter);
		return UI_DRAW_ALL;
	}
	case ACT_OPEN_ALL: case ACT_CLOSE_ALL: {	/* as htop's + and -: datasets stay open */
		size_t k = open_below(u->tree->root, action == ACT_OPEN_ALL);
		ui_tree_rebuild(u);
		ui_status(u, UI_ATTR_NORMAL, "%s %zu node%s", action == ACT_OPEN_ALL ? "opened" : "closed", k, k == 1 ? "" : "s");
		return UI_DRAW_ALL;
	}
	case ACT_MARK_CLEAR: {
		size_t k = mark_below(u->tree->root, 0);
		ui_status(u, UI_ATTR_NORMAL, "%zu mark%s cleared", k, k == 1 ? "" : "s");
		return UI_DRAW_ALL;
	}
	case ACT_FILTER:	/* filter as you type, the filter there to edit */
		ui_list_open(u, UI_OV_FILTER, "");
		snprintf(u->input, sizeof u->input, "%s", u->filter);
		u->input_len = strlen(u->input);
		return UI_DRAW_ALL;
	default:
		return 0;
	}
	return UI_DRAW_TREE | UI_DRAW_DETAIL | UI_DRAW_STATUS;
}

/* n, N: the next or previous node that matches the filter. */
static int tree_find(struct ui *u, int dir, int include)
{
	(void)include;
	if (!u->filter[0]) {
		ui_status(u, UI_ATTR_WARNING, "no filter: / sets one");
		return UI_DRAW_STATUS;
	}
	if (u->nrows)
		u->cur = find_match(u, dir);
	return UI_DRAW_TREE | UI_DRAW_DETAIL | UI_DRAW_STATUS;
}

static const char *const tree_bar[] = {"q quit", "? help", "Tab detail", "p push", "b bodySite", "s search", "/ filter",
				       "n/N next match", "Space mark", "a mark all", "A no marks", "+/- open, close all",
				       "r refresh", "^R rescan", "v view", "L log", "c patient", "u undo", "D remove", "w wrap",
				       "</> split", NULL};

const struct ui_view ui_view_tree = {
	.name = "tree", .where = 'T', .key = tree_key, .draw = tree_draw, .find = tree_find, .bar = tree_bar,
};

/* ---- the filter prompt: / in the tree, applied as it is typed ---- */

static int filter_key(struct ui *u, int action, int key)
{
	if (action == ACT_CANCEL) {	/* Esc: no filter */
		u->filter[0] = '\0';
		tree_filter(u);
		u->overlay = UI_OV_NONE;
		return UI_DRAW_ALL;
	}
	if (ui_list_enter(key)) {	/* applied already: keep it */
		u->overlay = UI_OV_NONE;
		ui_status(u, UI_ATTR_NORMAL, *u->filter ? "%s: %s (n, N: next, previous)" : "%s%s", "filter",
			  *u->filter ? u->filter : ": none");
		return UI_DRAW_ALL;
	}
	if (!ui_list_input(u, key))
		return 0;
	snprintf(u->filter, sizeof u->filter, "%s", u->input);
	tree_filter(u);
	return UI_DRAW_ALL;
}

static void filter_draw(struct ui *u, int y, int x, int h, int w)
{
	(void)h;
	ui_list_prompt(u, y, x, w, "filter: ", "");
}

static const char *const filter_bar[] = {"type to filter (names, descriptions, patients, UIDs)", "Enter keep",
					 "Esc no filter", NULL};

const struct ui_view ui_view_filter = {
	.name = "filter", .where = 0, .prompt = 1, .key = filter_key, .draw = filter_draw, .bar = filter_bar,
};
