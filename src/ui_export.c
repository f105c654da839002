/* Taking what the detail pane or a JSON window shows away: to a file, to $PAGER, or to the
 * terminal's clipboard (OSC 52). */
#include "config.h"

#include "ui.h"
#include "safefile.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CLIP_MAX (64u << 10)	/* what terminals take through OSC 52, give or take */

static char *json_text(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);
	char *t = malloc(n + 2);
	if (t)
		snprintf(t, n + 2, "%s\n", s);
	return t;
}

static char *lines_text(const struct ui_lines *l)
{
	size_t n = 1;
	for (size_t i = 0; i < l->n; i++)
		n += strlen(l->text[i]) + 1;
	char *t = malloc(n), *p = t;
	for (size_t i = 0; t && i < l->n; i++)
		p += sprintf(p, "%s\n", l->text[i]);
	if (t)
		*p = '\0';
	return t;
}

/* What is shown, as text, and a file name for it. Caller frees. NULL when there is nothing. */
static char *shown_text(struct ui *u, char *name, size_t len)
{
	if (u->overlay == UI_OV_JSON && u->shown) {
		const char *type = NULL, *id = NULL;
		json_object *v;
		if (json_object_object_get_ex(u->shown, "resourceType", &v) && json_object_is_type(v, json_type_string))
			type = json_object_get_string(v);
		if (json_object_object_get_ex(u->shown, "id", &v) && json_object_is_type(v, json_type_string))
			id = json_object_get_string(v);
		char raw[400];	/* named by the server: a plain file name, nothing more */
		snprintf(raw, sizeof raw, "%s-%s.json", type ? type : "resource", id ? id : "unknown");
		safefile_name(raw, name, len);
		return json_text(u->shown);
	}
	ui_detail_update(u);	/* the lines of the node and view as they are now */
	const struct dataset_node *n = ui_tree_node(u), *st = ui_tree_study(n);
	const struct dataset_node *sub = st ? dataset_ancestor(st, DATASET_SUBJECT) : NULL;
	if (u->view == UI_VIEW_FHIR && st) {	/* what a push sends for this study */
		size_t skipped = 0;
		json_object *b = fhir_bundle_build(u->tree, &st, 1, NULL, &u->fopts, NULL, &skipped);
		char raw[400];
		snprintf(raw, sizeof raw, "%s.bundle.json", sub ? sub->name : st->name);
		safefile_name(raw, name, len);
		char *t = skipped ? NULL : json_text(b);
		json_object_put(b);
		return t;
	}
	const struct ui_server_copy *c = u->view == UI_VIEW_SERVER && st ? ui_server_copy(u, st) : NULL;
	if (c && c->resource) {
		char raw[400];
		snprintf(raw, sizeof raw, "%s.server.json", sub ? sub->name : st->name);
		safefile_name(raw, name, len);
		return json_text(c->resource);
	}
	char raw[400];
	snprintf(raw, sizeof raw, "%s.%s.txt", n ? (*n->name ? n->name : "node") : "detail",
		 u->view == UI_VIEW_TAGS ? "tags" : u->view == UI_VIEW_FHIR ? "fhir" : "server");
	safefile_name(raw, name, len);
	return lines_text(&u->detail);
}

/* shown_text, or a status saying there is nothing to take (what: "save", "show", "copy"). */
static char *shown_or_say(struct ui *u, char *name, size_t len, const char *what)
{
	char *t = shown_text(u, name, len);
	if (!t)
		ui_status(u, UI_ATTR_WARNING, "nothing to %s here", what);
	return t;
}

void ui_export_save_open(struct ui *u)
{
	char name[400];
	char *t = shown_or_say(u, name, sizeof name, "save");
	if (!t)
		return;
	free(t);
	int json = u->overlay == UI_OV_JSON;
	if (json)
		u->overlay = UI_OV_SAVE;	/* over the JSON window, which stays */
	else
		ui_list_open(u, UI_OV_SAVE, "");
	u->save_from_json = json;
	snprintf(u->input, sizeof u->input, "%s", name);
	u->input_len = strlen(u->input);
}

int ui_export_save(struct ui *u, const char *path)
{
	char name[400];
	int was = u->overlay, ask = 0;
	u->overlay = u->save_from_json ? UI_OV_JSON : UI_OV_NONE;	/* the text of what was shown */
	char *t = shown_text(u, name, sizeof name);
	u->overlay = was;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	char full[PATH_MAX + 400], real[PATH_MAX];	/* where it goes, said whole */
	snprintf(full, sizeof full, "%s%s%s", realpath(*dir ? dir : "/", real) ? real : dir, "/",
		 slash ? slash + 1 : path);
	struct stat st;
	int exists = *path && lstat(path, &st) == 0;
	if (!t) {
		ui_status(u, UI_ATTR_WARNING, "nothing to save here");
	} else if (!*path) {
		ui_status(u, UI_ATTR_WARNING, "no file name: nothing saved");
	} else if (dataset_tree_contains(u->tree, *dir ? dir : "/")) {
		ui_status(u, UI_ATTR_ERROR, "not saved: sdsfhir never writes into a dataset folder (%s)", full);
	} else if (exists && (!S_ISREG(st.st_mode) || strcmp(u->save_replace, path) != 0)) {
		if (S_ISREG(st.st_mode)) {	/* asked once: the same name again replaces it */
			snprintf(u->save_replace, sizeof u->save_replace, "%s", path);
			ui_status(u, UI_ATTR_WARNING, "%s exists: Enter again replaces it, or give another name", full);
			ask = 1;
		} else {
			ui_status(u, UI_ATTR_ERROR, "not saved: %s exists and is not a regular file", full);
		}
	} else {
		size_t n = strlen(t);
		char err[PATH_MAX + 200];
		if (safefile_write(path, t, n, exists, err, sizeof err) < 0)
			ui_status(u, UI_ATTR_ERROR, "%s", err);
		else
			ui_status(u, UI_ATTR_NORMAL, "saved %zu bytes to %s%s", n, full, exists ? " (replaced)" : "");
	}
	if (!ask)
		u->save_replace[0] = '\0';
	free(t);
	return ask;
}

void ui_export_pager(struct ui *u)
{
	char name[400], err[600], base[PATH_MAX];
	char *t = shown_or_say(u, name, sizeof name, "show");
	if (!t)
		return;
	const char *dir = getenv("TMPDIR");
	snprintf(base, sizeof base, "%s/sdsfhir-view", dir && *dir ? dir : "/tmp");
	struct safefile *sf = safefile_open(base, err, sizeof err);	/* used, then dropped */
	size_t n = strlen(t);
	int ok = sf && fwrite(t, 1, n, safefile_stream(sf)) == n && fflush(safefile_stream(sf)) == 0;
	free(t);
	if (!ok) {
		ui_status(u, UI_ATTR_ERROR, "cannot write a file for the pager: %s", sf ? strerror(errno) : err);
		safefile_abort(&sf);
		return;
	}
	const char *tmp = safefile_tmpname(sf);
	const char *pager = getenv("PAGER");
	if (!pager || !*pager)
		pager = "less";
	def_prog_mode();
	endwin();
	pid_t pid = fork();
	if (pid == 0) {	/* the pager gets the terminal; the file is its argument */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		char cmd[1024];
		snprintf(cmd, sizeof cmd, "%s \"$1\"", pager);
		execl("/bin/sh", "sh", "-c", cmd, "sh", tmp, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	reset_prog_mode();
	refresh();
	safefile_abort(&sf);	/* closed and removed */
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) == 127)
		ui_status(u, UI_ATTR_ERROR, "the pager (%s) could not run", pager);
	else
		ui_status(u, UI_ATTR_NORMAL, "back from %s", pager);
}

void ui_export_copy(struct ui *u)
{
	char name[400];
	char *t = shown_or_say(u, name, sizeof name, "copy");
	if (!t)
		return;
	size_t n = strlen(t);
	if (n > CLIP_MAX) {
		ui_status(u, UI_ATTR_WARNING, "%zu bytes: more than terminals take into the clipboard (%u KiB): S saves it to a file",
			  n, CLIP_MAX >> 10);
		free(t);
		return;
	}
	unsigned char *b64 = malloc(4 * ((n + 2) / 3) + 1);
	if (!b64) {
		free(t);
		return;
	}
	int len = EVP_EncodeBlock(b64, (const unsigned char *)t, (int)n);
	free(t);
	if (!u->script) {	/* OSC 52: the terminal (or tmux with set-clipboard) puts it in the clipboard */
		fflush(stdout);
		if (write(STDOUT_FILENO, "\033]52;c;", 7) < 0 || write(STDOUT_FILENO, b64, (size_t)len) < 0 ||
		    write(STDOUT_FILENO, "\a", 1) < 0)
			len = -1;
	}
	free(b64);
	if (len < 0)
		ui_status(u, UI_ATTR_ERROR, "cannot write to the terminal");
	else
		ui_status(u, UI_ATTR_NORMAL, "copied %zu bytes to the clipboard (through the terminal, OSC 52)", n);
}
