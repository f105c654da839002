/* What every window over the panes shares, as tmux's mode-tree: opening, the title and input
 * line, drawing lines, moving, finding with / n N, ? for its keys, and closing. Each window is a
 * view of its own file (ui_help.c, ui_log.c, ui_search.c, ui_results.c, ui_picker.c,
 * ui_confirm.c); the prompts are their panes' (ui_tree.c, ui_detail.c, ui_export.c). */
#include "config.h"

#include "ui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Does the window show plain text (its cursor is its top line)? */
static int plain_text(const struct ui *u)
{
	return ui_view_of(u)->plain;
}

void ui_list_frame(struct ui *u, int y, int x, int h, int w, int *row, int *rows)
{
	int trows = 1;	/* a question is wrapped whole; other titles take one row */
	if (ui_view_of(u)->question)
		trows = ui_put_wrapped(y, x, w, h > 4 ? h / 2 : 1, u->ov_title, ui_attr(u, UI_ATTR_TITLE));
	else
		ui_put(y, x, w, u->ov_title, ui_attr(u, UI_ATTR_TITLE));
	*row = y + trows;
	*rows = h - trows;
	if (ui_view_of(u)->input) {
		char line[600];
		snprintf(line, sizeof line, "> %s_", u->input);
		ui_put((*row)++, x, w, line, ui_attr(u, UI_ATTR_KEY));
		(*rows)--;
	}
}

void ui_list_rows(struct ui *u, const struct ui_lines *l, int row, int x, int rows, int w, int selectable, int text,
		  const char *(*label)(struct ui *u, size_t k))
{
	if (text) {
		size_t maxtop = rows > 0 && l->n > (size_t)rows ? l->n - (size_t)rows : 0;
		if (u->ltop > maxtop)	/* plain text scrolls no further than its last line */
			u->ltop = maxtop;
		u->lcur = u->ltop;
	}
	if (u->lcur < u->ltop)
		u->ltop = u->lcur;
	if (rows > 0 && u->lcur >= u->ltop + (size_t)rows)
		u->ltop = u->lcur - (size_t)rows + 1;
	for (int i = 0; i < rows; i++) {
		size_t k = u->ltop + (size_t)i;
		if (k >= l->n) {
			ui_put(row + i, x, w, "", A_NORMAL);
			continue;
		}
		int a = k == u->lcur && selectable ? ui_attr(u, UI_ATTR_SELECTED)
						    : ui_attr(u, l->attr[k] < UI_ATTR_COUNT ? l->attr[k] : UI_ATTR_NORMAL);
		const char *lab = label ? label(u, k) : NULL;
		char *line = NULL;
		if (lab && asprintf(&line, "%-26s %s", lab, l->text[k]) < 0)
			line = NULL;
		ui_put(row + i, x, w, line ? line : l->text[k], a);
		free(line);
	}
}

void ui_list_draw(struct ui *u, int y, int x, int h, int w)
{
	int row, rows;
	ui_list_frame(u, y, x, h, w, &row, &rows);
	ui_list_rows(u, items(u), row, x, rows, w, !plain_text(u), plain_text(u), NULL);
}

int ui_list_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

int ui_list_input(struct ui *u, int key)
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

int ui_list_move(struct ui *u, int action)
{
	size_t n = items(u)->n, page = u->lines > 6 ? (size_t)u->lines - 6 : 1;
	if (!ui_move(&u->lcur, n, page, action))
		return 0;
	if (plain_text(u))
		u->ltop = u->lcur;	/* plain text: scroll */
	u->lhit = u->lcur;	/* a find goes on from here */
	return UI_DRAW_OVERLAY;
}

/* Move to the next (dir 1) or previous line of the window holding u->lfind (include: the
 * current one counts), saying which of how many. */
int ui_list_find(struct ui *u, int dir, int include)
{
	struct ui_lines *l = items(u);
	if (!u->lfind[0] || !l->n) {
		ui_status(u, UI_ATTR_WARNING, "nothing to find: / in this window finds text");
		return UI_DRAW_STATUS;
	}
	int text = plain_text(u);
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

/* / in a window: typed on the status line, Enter finds, Esc leaves it. */
static int find_typing(struct ui *u, int action, int key)
{
	if (action == ACT_CANCEL) {
		u->lfind_typing = 0;
		ui_status(u, UI_ATTR_NORMAL, "%s", "");
	} else if (ui_list_enter(key)) {
		u->lfind_typing = 0;
		if (u->input_len)
			snprintf(u->lfind, sizeof u->lfind, "%s", u->input);
		return ui_list_find(u, 1, u->input_len ? 1 : 0) | UI_DRAW_ALL;
	} else if (!ui_list_input(u, key)) {
		return 0;
	}
	return UI_DRAW_ALL;
}

int ui_list_key(struct ui *u, int action, int key)
{
	const struct ui_view *v = ui_view_of(u);
	if (u->lfind_typing)
		return find_typing(u, action, key);
	if (action == ACT_FILTER && v->find) {
		u->lfind_typing = 1;
		u->input[0] = '\0';
		u->input_len = 0;
		return UI_DRAW_ALL;
	}
	if (action == ACT_CANCEL || action == ACT_QUIT) {
		u->overlay = UI_OV_NONE;
		return UI_DRAW_ALL;
	}
	return ui_list_move(u, action);
}

void ui_list_prompt(struct ui *u, int y, int x, int w, const char *label, const char *after)
{
	char line[800];
	snprintf(line, sizeof line, "%s%s_%s", label, u->input, after);
	ui_put(y, x, w, line, ui_attr(u, UI_ATTR_KEY));
}
