/* The log window: requests, results and warnings, newest last, each entry wrapped whole. */
#include "config.h"

#include "ui.h"

#include <curses.h>

void ui_log_open(struct ui *u)
{
	ui_list_open(u, UI_OV_LOG, "Log: requests, results and warnings (newest last)");
	u->lcur = u->log.n ? u->log.n - 1 : 0;	/* opens at the newest line */
}

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

/* The cursor's entry is always shown whole. */
static void log_draw(struct ui *u, int y, int x, int h, int w)
{
	const struct ui_lines *l = &u->log;
	int row, rows;
	ui_list_frame(u, y, x, h, w, &row, &rows);
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

static const char *const log_bar[] = {"j/k move", "/ find", "n/N next", "g/G first, last", "q or Esc close", NULL};

const struct ui_view ui_view_log = {
	.name = "log", .where = 'W', .key = ui_list_key, .draw = log_draw, .find = ui_list_find, .bar = log_bar,
};
