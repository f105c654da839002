/* The help window: the keys of every view, from keys.def, and what the marks mean. */
#include "config.h"

#include "keys.h"
#include "ui.h"

static void help_line(void *ctx, const char *heading, const char *keys, const char *help)
{
	struct ui *u = ctx;
	if (heading && u->list.n)
		ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "%s", "");
	if (heading)
		ui_lines_add(&u->list, UI_ATTR_TITLE, NULL, "%s", heading);
	else
		ui_lines_add(&u->list, UI_ATTR_NORMAL, NULL, "%-18s %s", keys, help);
}

void ui_help_open(struct ui *u)
{
	ui_list_open(u, UI_OV_HELP, "Keys (q or Esc closes)");
	keys_help(help_line, u);
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

static const char *const help_bar[] = {"j/k move", "/ find", "n/N next", "g/G first, last", "q or Esc close", NULL};

const struct ui_view ui_view_help = {
	.name = "help", .where = 'W', .plain = 1, .key = ui_list_key, .draw = ui_list_draw, .find = ui_list_find, .bar = help_bar,
};
