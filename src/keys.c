/* The action table as help text, grouped by the views that take each action. */
#include "config.h"

#include "keys.h"

#include <stddef.h>
#include <string.h>

static const struct {
	const char *where, *keys, *help;
} table[] = {
#define KEY_ACTION(id, where, keys, k1, k2, k3, help) {where, keys, help},
#include "keys.def"
#undef KEY_ACTION
};

static const struct {
	const char *where, *heading;
} groups[] = {
	{"TDW", "Everywhere"},
	{"TD", "In both panes"},
	{"T", "In the tree"},
	{"D", "In the detail pane"},
	{"W", "In windows"},
};

const char *keys_shown(int a)
{
	return a >= 0 && (size_t)a < sizeof table / sizeof *table ? table[a].keys : "";
}

const char *keys_where(int a)
{
	return a >= 0 && (size_t)a < sizeof table / sizeof *table ? table[a].where : "";
}

void keys_help(void (*emit)(void *ctx, const char *heading, const char *keys, const char *help), void *ctx)
{
	for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
		int said = 0;
		for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
			if (strcmp(table[i].where, groups[g].where) != 0)
				continue;
			if (!said++)
				emit(ctx, groups[g].heading, NULL, NULL);
			emit(ctx, NULL, table[i].keys, table[i].help);
		}
	}
}
