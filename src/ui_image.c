/* The detail pane's Image view: an instance's picture (frame by frame), a series by its middle
 * instance (stepping through the others), a study or subject as a sheet of its series. Pictures
 * are rendered by the picture worker, off this thread: "rendering" shows meanwhile. */
#include "config.h"

#include "ui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define THUMB_W 24	/* the widest a contact sheet's thumbnail is, in cells */

/* The settings follow the node: another node, the file's window and the middle again. */
static void follow(struct ui *u, const struct dataset_node *n)
{
	if (u->img_node == n)
		return;
	u->img_node = n;
	u->img_step = 0;
	u->img_frame = 0;
	u->img_frames = 0;
	u->img_center = u->img_width = 0;
}

/* The instance shown for n (an instance, or a series stepped from its middle one), or NULL. */
static const struct dataset_node *shown_instance(struct ui *u, const struct dataset_node *n)
{
	if (n->kind == DATASET_INSTANCE) {
		u->img_count = 0;
		return n;
	}
	if (n->kind != DATASET_SERIES)
		return NULL;
	size_t count;
	const struct dataset_node **all = dataset_collect(n, DATASET_INSTANCE, &count);	/* by Instance Number */
	const struct dataset_node *pick = NULL;
	size_t mid = count ? (count - 1) / 2 : 0;	/* as dataset_middle_instance */
	if (all && count) {
		long k = (long)mid + u->img_step;
		k = k < 0 ? 0 : k >= (long)count ? (long)count - 1 : k;
		u->img_step = (int)(k - (long)mid);
		pick = all[k];
	}
	u->img_count = count;
	free(all);
	return pick;
}

void ui_image_lines(struct ui *u, const struct dataset_node *n)
{
	follow(u, n);
	const struct dataset_node *inst = shown_instance(u, n);
	char path[4096];
	if (inst && dataset_node_path(inst, path, sizeof path) == 0)
		ui_lines_add(&u->detail, UI_ATTR_TITLE, NULL, "image of %s", path);
	else if (dataset_study_of(n))
		ui_lines_add(&u->detail, UI_ATTR_TITLE, NULL, "images of the series of %s", n->name);
	else
		ui_lines_add(&u->detail, UI_ATTR_DIM, NULL, "%s", "no image here: a subject, study, series or instance has one");
}

static int colors_of(const struct ui *u)
{
	if (!u->color)
		return PREVIEW_COLORS_NONE;
	return COLORS >= 256 ? PREVIEW_COLORS_256 : COLORS >= 16 ? PREVIEW_COLORS_16 : COLORS >= 8 ? PREVIEW_COLORS_8
										 : PREVIEW_COLORS_NONE;
}

/* The cells of p at (y, x), centred in w columns. */
static void draw_cells(const struct preview *p, int y, int x, int w)
{
	int left = x + (w > p->cols ? (w - p->cols) / 2 : 0);
	for (int r = 0; r < p->rows; r++)
		for (int c = 0; c < p->cols && c < w; c++) {
			const struct preview_cell *cell = &p->cells[(size_t)r * (size_t)p->cols + (size_t)c];
			short pair = 0;
			if (cell->fg >= 0 || cell->bg >= 0) {
				int k = alloc_pair(cell->fg, cell->bg);	/* curses reuses the least used when full */
				pair = k > 0 ? (short)k : 0;
			}
			wchar_t ch[2] = {(wchar_t)(cell->ch >= 0x20 ? cell->ch : ' '), 0};
			cchar_t cc;
			setcchar(&cc, ch, A_NORMAL, pair, NULL);
			mvadd_wch(y + r, left + c, &cc);
		}
}

/* One picture in rows x w cells at (y, x): the picture, or what is in its way; its info said. */
static struct picture *one(struct ui *u, const char *path, int y, int x, int h, int w, int sheet)
{
	struct picture_req req = {.path = path, .frame = sheet ? 0 : u->img_frame, .center = u->img_center,
				  .width = u->img_width, .cols = w, .rows = h, .colors = colors_of(u), .ascii = preview_ascii()};
	struct picture *p = picture_get(u->pictures, &req);
	if (!p)
		ui_put(y + h / 2, x, w, "rendering...", ui_attr(u, UI_ATTR_DIM));
	else if (!p->cells)
		ui_put_wrapped(y, x, w, h, p->error, ui_attr(u, UI_ATTR_ERROR));
	else
		draw_cells(p->cells, y, x, w);
	return p;
}

/* A study or subject: its series, a thumbnail each with its number and description under it. */
static void sheet(struct ui *u, const struct dataset_node *st, int y, int x, int h, int w)
{
	size_t n = 0;
	const struct dataset_node **series = dataset_collect(st, DATASET_SERIES, &n);
	int per_row = w / (THUMB_W + 1) > 0 ? w / (THUMB_W + 1) : 1;
	int nrows = n ? (int)((n + (size_t)per_row - 1) / (size_t)per_row) : 1;
	int tw = w / per_row - 1, th = tw / 2 + 1;
	if (th > (h - 1) / nrows - 2)	/* every series on the screen, smaller if need be (3 rows at least) */
		th = (h - 1) / nrows - 2 > 3 ? (h - 1) / nrows - 2 : 3;
	ui_put(y, x, w, "the middle instance of each series (open a series for its instances)", ui_attr(u, UI_ATTR_DIM));
	for (size_t i = 0; i < n && th > 0; i++) {
		int row = y + 1 + (int)(i / (size_t)per_row) * (th + 2), col = x + (int)(i % (size_t)per_row) * (tw + 1);
		if (row + th + 1 > y + h)
			break;
		const struct dataset_node *mid = dataset_middle_instance(series[i]);
		char path[4096], label[300];
		if (mid && dataset_node_path(mid, path, sizeof path) == 0) {
			struct picture *p = one(u, path, row, col, th, tw, 1);
			picture_free(&p);
		}
		const char *num = dataset_tag(u->tree, series[i], DICOM_SERIES_NUMBER);
		const char *desc = dataset_tag(u->tree, series[i], DICOM_SERIES_DESCRIPTION);
		snprintf(label, sizeof label, "#%s %s", num ? num : "?", desc ? desc : *series[i]->name ? series[i]->name : "");
		ui_put(row + th, col, tw, label, ui_attr(u, UI_ATTR_NORMAL));
	}
	free(series);
}

void ui_image_draw(struct ui *u, const struct dataset_node *n, int y, int x, int h, int w)
{
	for (int r = 0; r < h; r++)
		ui_put(y + r, x, w, "", A_NORMAL);
	if (!u->pictures || !n || h < 3 || w < 4)
		return;
	picture_begin(u->pictures);	/* what this screen asks for; older requests are dropped */
	follow(u, n);
	const struct dataset_node *inst = shown_instance(u, n);
	char path[4096];
	if (!inst) {
		const struct dataset_node *st = n->kind == DATASET_SUBJECT || n->kind == DATASET_STUDY ? n : NULL;
		if (st)
			sheet(u, st, y, x, h, w);
		else
			ui_put(y, x, w, "no image here: a subject, study, series or instance has one", ui_attr(u, UI_ATTR_DIM));
		return;
	}
	if (dataset_node_path(inst, path, sizeof path) < 0)
		return;
	struct picture *p = one(u, path, y + 3, x, h - 3, w, 0);
	char where[400];
	if (u->img_count)
		snprintf(where, sizeof where, "%s: instance %ld of %zu", inst->name,
			 (long)u->img_step + (long)(u->img_count - 1) / 2 + 1, u->img_count);
	else
		snprintf(where, sizeof where, "%s", inst->name);
	ui_put(y, x, w, where, ui_attr(u, UI_ATTR_TITLE));
	ui_put(y + 1, x, w, p ? p->info : "", ui_attr(u, UI_ATTR_NORMAL));
	ui_put(y + 2, x, w, "[ ] instance or frame  ( ) window center  { } width  = the file's window",
	       ui_attr(u, UI_ATTR_DIM));
	if (p) {
		u->img_frames = p->frames;
		u->img_shown_center = p->center;
		u->img_shown_width = p->width;
	}
	picture_free(&p);
}

int ui_image_key(struct ui *u, int action)
{
	double c = u->img_width > 0 ? u->img_center : u->img_shown_center;
	double wd = u->img_width > 0 ? u->img_width : u->img_shown_width;
	switch (action) {
	case ACT_IMAGE_PREV: case ACT_IMAGE_NEXT: {
		int d = action == ACT_IMAGE_NEXT ? 1 : -1;
		if (u->img_frames > 1) {	/* a multi-frame instance: its frames */
			long f = (long)u->img_frame + d;
			u->img_frame = (unsigned)(f < 0 ? 0 : f >= (long)u->img_frames ? (long)u->img_frames - 1 : f);
		} else {
			u->img_step += d;
			u->img_frame = 0;
		}
		break;
	}
	case ACT_WINDOW_DOWN: case ACT_WINDOW_UP:
		if (!(wd > 0))
			return UI_DRAW_DETAIL;
		u->img_center = c + (action == ACT_WINDOW_UP ? 1 : -1) * wd / 10;
		u->img_width = wd;
		break;
	case ACT_WINDOW_NARROW: case ACT_WINDOW_WIDE:
		if (!(wd > 0))
			return UI_DRAW_DETAIL;
		u->img_center = c;
		u->img_width = action == ACT_WINDOW_WIDE ? wd * 1.25 : wd / 1.25 > 1 ? wd / 1.25 : 1;
		break;
	case ACT_WINDOW_RESET:
		u->img_center = u->img_width = 0;
		break;
	default:
		return -1;
	}
	if (u->view != UI_VIEW_IMAGE)
		ui_status(u, UI_ATTR_WARNING, "4 shows the Image view, where this key works");
	ui_lines_clear(&u->detail);	/* its text (S, o, y) names the instance shown now */
	return UI_DRAW_DETAIL | UI_DRAW_STATUS;
}
