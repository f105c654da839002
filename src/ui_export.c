/* Taking what a view shows (the detail pane, a JSON window) away: to a file, to $PAGER, or to
 * the terminal's clipboard (OSC 52); and the save prompt. */
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

/* What view v shows, as text, and a file name for it, or a status saying there is nothing to
 * take (what: "save", "show", "copy"). Caller frees. */
static char *shown_or_say(struct ui *u, const struct ui_view *v, char *name, size_t len, const char *what)
{
	char *t = v->text ? v->text(u, name, len) : NULL;
	if (!t)
		ui_status(u, UI_ATTR_WARNING, "nothing to %s here", what);
	return t;
}

void ui_export_save_open(struct ui *u, const struct ui_view *v)
{
	char name[400];
	char *t = shown_or_say(u, v, name, sizeof name, "save");
	if (!t)
		return;
	free(t);
	u->save_under = u->overlay;	/* a window stays under the prompt */
	if (u->overlay)
		u->overlay = UI_OV_SAVE;
	else
		ui_list_open(u, UI_OV_SAVE, "");
	u->save_view = v;
	snprintf(u->input, sizeof u->input, "%s", name);
	u->input_len = strlen(u->input);
}

/* Save to path; an existing file is replaced only when asked twice for the same name: 1 when
 * it asks (the prompt stays), 0 when done or refused. */
static int save(struct ui *u, const char *path)
{
	char name[400];
	int ask = 0;
	char *t = u->save_view->text(u, name, sizeof name);
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

void ui_export_pager(struct ui *u, const struct ui_view *v)
{
	char name[400], err[600], base[PATH_MAX];
	char *t = shown_or_say(u, v, name, sizeof name, "show");
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

void ui_export_copy(struct ui *u, const struct ui_view *v)
{
	char name[400];
	char *t = shown_or_say(u, v, name, sizeof name, "copy");
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

/* ---- the save prompt: S, a file name offered ---- */

static int save_key(struct ui *u, int action, int key)
{
	int under = u->save_under;
	if (action == ACT_CANCEL) {
		u->overlay = under;
		u->save_replace[0] = '\0';
		ui_status(u, UI_ATTR_NORMAL, "not saved");
		return UI_DRAW_ALL;
	}
	if (ui_list_enter(key)) {
		u->overlay = under;
		if (save(u, u->input))
			u->overlay = UI_OV_SAVE;	/* the name exists: the prompt stays, to replace or rename */
		return UI_DRAW_ALL;
	}
	return ui_list_input(u, key) ? UI_DRAW_ALL : 0;
}

static void save_draw(struct ui *u, int y, int x, int h, int w)
{
	(void)h;
	int exists = u->save_replace[0] && !strcmp(u->input, u->save_replace);
	ui_list_prompt(u, y, x, w, "save to: ", exists ? "   it exists: Enter again replaces it, or give another name" : "");
}

static const char *const save_bar[] = {"a file name (not in a dataset folder)", "Enter save", "Ctrl-U clear", "Esc no", NULL};

const struct ui_view ui_view_save = {
	.name = "save", .where = 0, .prompt = 1, .key = save_key, .draw = save_draw, .bar = save_bar,
};
