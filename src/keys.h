/* The UI's table of actions (keys.def) as help text, for the ? screen, sdsfhir --help-keys and
 * the man page. No curses here. */
#ifndef SDSFHIR_KEYS_H
#define SDSFHIR_KEYS_H

/* Call emit for each group of actions by where they work ("Everywhere", "In both panes", ...):
 * once with heading set and keys, help NULL, then once per action of it (heading NULL). */
void keys_help(void (*emit)(void *ctx, const char *heading, const char *keys, const char *help), void *ctx);

/* The where letters of action a (T tree, D detail, W windows), or "" for none (borrowed). */
const char *keys_where(int a);

/* The keys of action a as shown ("j, Down"), or "" (borrowed). */
const char *keys_shown(int a);

#endif
