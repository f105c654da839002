/* The terminal UI. Only ui*.c files include curses. Handlers return what must be redrawn
 * (UI_DRAW_* flags); only the main loop in ui.c draws. */
#ifndef SDSFHIR_UI_H
#define SDSFHIR_UI_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <json-c/json.h>

#include "actions.h"
#include "client.h"
#include "dataset.h"
#include "fhir.h"
#include "settings.h"
#include "picture.h"

enum {
	UI_DRAW_TREE = 1,
	UI_DRAW_DETAIL = 2,
	UI_DRAW_STATUS = 4,
	UI_DRAW_OVERLAY = 8,
	UI_DRAW_ALL = 15,
	UI_EXIT = 0x100,
	UI_GOTO = 0x200		/* the tree's cursor to u->go_to (from a window) */
};

enum ui_action {
#define KEY_ACTION(id, where, keys, k1, k2, k3, help) ACT_##id,
#include "keys.def"
#undef KEY_ACTION
	ACT_COUNT,
	ACT_NONE = -1
};

enum ui_detail_view { UI_VIEW_TAGS, UI_VIEW_FHIR, UI_VIEW_SERVER, UI_VIEW_IMAGE, UI_VIEW_COUNT };

enum ui_overlay { UI_OV_NONE, UI_OV_HELP, UI_OV_LOG, UI_OV_RESULTS, UI_OV_JSON, UI_OV_PICKER, UI_OV_SEARCH,
		  UI_OV_CONFIRM, UI_OV_FILTER, UI_OV_FIND, UI_OV_SAVE };

enum ui_job_kind { UI_JOB_SCAN, UI_JOB_PATIENT, UI_JOB_PUSH, UI_JOB_BODYSITE, UI_JOB_COMPARE, UI_JOB_SEARCH,
		   UI_JOB_UNDO, UI_JOB_RETRACT };

struct ui_row {
	struct dataset_node *node;
	int depth;
};

struct ui_lines {		/* a growable list of text lines with an attribute each */
	char **text;
	int *attr;		/* UI_ATTR_* */
	void **data;		/* per line, borrowed (results: json, picker: code) */
	size_t n, cap;
};

enum { UI_ATTR_NORMAL, UI_ATTR_TITLE, UI_ATTR_ERROR, UI_ATTR_WARNING, UI_ATTR_KEY, UI_ATTR_STRING, UI_ATTR_NUMBER,
       UI_ATTR_MARK, UI_ATTR_SAME, UI_ATTR_DIFFERENT, UI_ATTR_ABSENT, UI_ATTR_DIM, UI_ATTR_SELECTED, UI_ATTR_BAR,
       UI_ATTR_COUNT };

struct ui_event {		/* from the job thread to the main loop */
	struct ui_event *next;
	struct dataset_node *node;	/* where it happened (a study, subject or dataset), or NULL */
	int study;			/* it is about node's ImagingStudy: its outcome is the study's state */
	int outcome;			/* enum actions_outcome, or -1 for a log line */
	char *text;
	json_object *resource;		/* owned */
	char *diff, *kept;		/* compare: see struct actions_item; NULL when none (owned) */
	long there, total;		/* outcome UI_EVENT_IMAGES: the study's instances on the DICOMweb server */
};

#define UI_EVENT_IMAGES (-3)	/* an event's outcome: how many of a study's instances the DICOMweb server holds */

struct ui_job {
	int kind;			/* enum ui_job_kind */
	pthread_t thread;
	atomic_int done;
	volatile int cancel;
	atomic_size_t progress, total;
	long started_ms;
	/* inputs */
	const struct dataset_node **studies;
	size_t nstudies;
	char *code, *display, *query;
	char **paths;
	size_t npaths;
	/* outputs */
	pthread_mutex_t lock;
	struct ui_event *events, *last;
	struct actions_summary sum;
	struct dataset_tree *tree;	/* scan */
	struct dataset_tree *outline;	/* scan: the latest outline not yet shown (under lock) */
	char scan_err[512];
	json_object *matches, *included;	/* search */
	long total_found;
	char *next;			/* search: next page URL */
	int append;			/* search: add to the results shown */
	char metadata_warning[1024];
	json_object *undo;		/* bodysite: what to put back (filled); undo: what is put back */
	const struct dataset_node *series;	/* bodysite: this series only (borrowed); NULL: all */
	int quiet;			/* compare on start: no status of its own but a note after the scan's */
	int images;			/* push: the instances first, by STOW-RS to the DICOMweb server */
};

struct ui_server_copy {		/* what the server had for a study, from the last compare */
	const struct dataset_node *node;
	json_object *resource;
	char *diff;			/* its differences, or NULL */
	char *kept;			/* what of it a push keeps though the files say otherwise, or NULL */
	long img_there, img_total;	/* its instances on the DICOMweb server, of how many; total -1: not known */
};

struct ui {
	struct dataset_tree *tree;
	char **paths;
	size_t npaths;
	struct settings set;
	struct client *client;
	char client_err[1024];
	int metadata_checked;
	struct fhir_opts fopts;

	/* tree pane */
	struct ui_row *rows;
	size_t nrows, rowcap, cur, top;
	char filter[128];
	int focus;			/* 0 tree, 1 detail */

	/* detail pane */
	int view;
	struct ui_lines detail;
	size_t dtop;
	const struct dataset_node *dnode;	/* node the detail lines are for */
	int dview;
	int dwrap[UI_VIEW_COUNT];			/* per detail view (enum ui_detail_view), 1: long lines wrap; 0: they
					   scroll sideways */
	size_t dleft;			/* columns scrolled sideways */
	int split;			/* tree pane width chosen with < and >; 0: follows the tree */
	char dfind[128];		/* text found in the detail pane with /, "" when none */
	const struct ui_view *save_view;	/* the view the save prompt saves (the detail pane or the JSON window) */
	int save_under;			/* the window under the save prompt (UI_OV_NONE: the panes) */
	const struct dataset_node *go_to;	/* with UI_GOTO: where the tree's cursor goes */
	char save_replace[600];		/* the existing file Enter again replaces ("": none asked) */
	size_t dhit;			/* the detail line of the current hit */
	int tree_w;			/* widest tree row seen since the last rebuild */

	/* overlays */
	int overlay;
	char ov_title[256];
	struct ui_lines list;
	size_t lcur, ltop;
	char input[512];
	int lfind_typing;		/* / in a window (log, help, results, JSON): the text is being typed */
	char lfind[200];		/* what / last found in a window ("": nothing) */
	size_t lhit;			/* the line of the window it was last found on */
	size_t input_len;
	int confirm_job;		/* job a confirmation starts */
	int push_images;		/* the push started next takes the images too (i in its question) */
	char pending_code[64], pending_display[256];	/* bodySite the confirmation writes; "": the mapping */
	const struct dataset_node *bs_series;	/* bodySite: the series under the cursor when nothing is
						   marked (that one only); NULL: the studies' every series */
	json_object *shown;		/* JSON overlay: the resource shown (borrowed from results) */
	const struct dataset_node *jump;	/* JSON overlay: local study it matches */
	const struct dataset_node *jump_subject;	/* ... or local subject folder (a ResearchSubject) */

	char search_error[1100];	/* the last search's error, shown under its query when the box reopens */

	/* search results */
	json_object *matches, *included;
	long total_found;
	char *next;

	json_object *undo;		/* the last bodySite change, for u (see actions_bodysite_undo) */

	/* server copies */
	struct ui_server_copy *copies;
	size_t ncopies;

	/* status, log */
	char status[512];
	int status_attr;
	struct ui_lines log;

	/* the Image view */
	struct picture_worker *pictures;	/* renders off this thread, and keeps the recent ones */
	const struct dataset_node *img_node;	/* what the settings below are for */
	int img_step;			/* instances from a series' middle one */
	unsigned img_frame;		/* of a multi-frame instance, 0-based */
	double img_center, img_width;	/* the window chosen; width 0: the file's */
	double img_shown_center, img_shown_width;	/* the window of the picture shown */
	unsigned img_frames;		/* frames of the instance shown */
	size_t img_count;		/* instances of the series shown */

	struct ui_job *job;
	int lines, cols;		/* screen size at last layout */
	int color;
	int script;			/* running a script: no terminal input */
	int no_cache;			/* --no-cache */
	long first_draw_ms;
	void *timing;			/* FILE * of SDSFHIR_TIMING, or NULL */
};

/* Entry point: sdsfhir [options] [PATH...]. Returns an exit status. */
int ui_main(int argc, char **argv);

/* ui_lines */
void ui_lines_add(struct ui_lines *l, int attr, void *data, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ui_lines_clear(struct ui_lines *l);
/* The next (dir 1) or previous line of l holding text (case ignored) from line from, wrapping
 * (include: from itself counts); l->n when none. */
size_t ui_lines_find(const struct ui_lines *l, const char *text, size_t from, int dir, int include);
/* Say in the status line which of l's lines holding text line hit is, and of how many. */
void ui_lines_hit_said(struct ui *u, const struct ui_lines *l, const char *text, size_t hit);

/* One pane or window, as tig's view_ops and tmux's window modes: its keys, drawing, search, the
 * text S, o and y take, and its key bar, in one table. ui.c routes keys, the mouse and jobs to
 * the view the user is in (ui_view_of); views never call each other: they share the state in
 * struct ui and open windows through ui_list_open. */
struct ui_view {
	const char *name;		/* "tree", "log", ... */
	char where;			/* its letter in keys.def's where column (T, D, W); 0: typed text */
	int prompt;			/* a line typed on the status line, over the panes or a window */
	int plain;			/* a window of plain text: its cursor is its top line, no line selected */
	int input;			/* a window with a line of input under its title */
	int question;			/* a window whose title is a question, wrapped whole */
	int (*key)(struct ui *u, int action, int key);	/* a key (action ACT_NONE: none); UI_DRAW_* | UI_EXIT */
	void (*draw)(struct ui *u, int y, int x, int h, int w);
	int (*find)(struct ui *u, int dir, int include);	/* n, N: the next (dir 1) or previous hit,
								   said in the status line; NULL: none */
	char *(*text)(struct ui *u, char *name, size_t len);	/* what S, o and y take, and a file name
								   for it; Caller frees; NULL: nothing */
	const char *const *bar;		/* key bar items, "key what", most important first */
};
extern const struct ui_view ui_view_tree, ui_view_detail, ui_view_help, ui_view_log, ui_view_results, ui_view_json,
	ui_view_picker, ui_view_search, ui_view_confirm, ui_view_filter, ui_view_find, ui_view_save;
/* The view keys go to now (borrowed). */
const struct ui_view *ui_view_of(const struct ui *u);

/* ui_tree.c: the tree pane (and its filter prompt) */
void ui_tree_rebuild(struct ui *u);
/* Show t (taken; NULL: nothing) in place of the tree shown, which is freed: an outline while
 * the scan runs, then the scan's tree. The cursor stays on the same dataset or subject, at the
 * same height, and marks and folds of datasets and subjects carry over. */
void ui_tree_replace(struct ui *u, struct dataset_tree *t);
void ui_tree_select(struct ui *u, const struct dataset_node *n);
/* A click on tree row row at column x (twice: a double click): the cursor there; on its > or v,
 * or twice, the node opens or closes. Returns what to redraw. */
int ui_tree_click(struct ui *u, size_t row, int x, int twice);

/* ui_detail.c: the detail pane (and its find prompt) */
void ui_detail_update(struct ui *u);

/* ui_image.c: the detail pane's Image view */
void ui_image_lines(struct ui *u, const struct dataset_node *n);	/* its text lines (S, o, y, /) */
void ui_image_draw(struct ui *u, const struct dataset_node *n, int y, int x, int h, int w);
int ui_image_key(struct ui *u, int action);	/* [ ] ( ) { } =; -1: not one of them */

/* ui_list.c: what every window shares (tmux's mode-tree) */
void ui_list_open(struct ui *u, int overlay, const char *title);
/* The title (a question wrapped whole) and the input line of the window: the rows left below them. */
void ui_list_frame(struct ui *u, int y, int x, int h, int w, int *row, int *rows);
/* The lines of l in rows rows from row, the cursor's selected (selectable); text: plain text,
 * its cursor is its top line; label(u, k), when given, is drawn before line k (NULL: none). */
void ui_list_rows(struct ui *u, const struct ui_lines *l, int row, int x, int rows, int w, int selectable, int text,
		  const char *(*label)(struct ui *u, size_t k));
void ui_list_draw(struct ui *u, int y, int x, int h, int w);	/* frame and rows, selectable */
/* What every window does with a key: / finds (typed on the status line), moves, q and Esc
 * close. Returns what to redraw, 0 when the key is none of these. */
int ui_list_key(struct ui *u, int action, int key);
int ui_list_find(struct ui *u, int dir, int include);	/* the find of ui_list_key */
int ui_list_move(struct ui *u, int action);
int ui_list_input(struct ui *u, int key);	/* edit u->input: 1 if key was text or an edit */
int ui_list_enter(int key);			/* is key Enter? */
/* The line being typed (u->input) at (y, x), after label and before after: a prompt. */
void ui_list_prompt(struct ui *u, int y, int x, int w, const char *label, const char *after);

/* the windows' openers: ui_help.c, ui_log.c, ui_search.c, ui_results.c, ui_picker.c, ui_confirm.c */
void ui_help_open(struct ui *u);
void ui_log_open(struct ui *u);
void ui_search_open(struct ui *u);
/* Keep query in the search history ($XDG_STATE_HOME/sdsfhir/search_history), once, newest last. */
void ui_search_remember(const char *query);
void ui_results_open(struct ui *u);
void ui_picker_open(struct ui *u);
int ui_confirm_push(struct ui *u);	/* p: the question that names the studies (y pushes) */
int ui_confirm_retract(struct ui *u);	/* D: the question that names what goes (y removes) */

/* ui_export.c: what a view shows, taken away (with its save prompt) */
void ui_export_save_open(struct ui *u, const struct ui_view *v);	/* asks for a file name, offering one */
void ui_export_pager(struct ui *u, const struct ui_view *v);	/* $PAGER (default less), then back */
void ui_export_copy(struct ui *u, const struct ui_view *v);	/* the terminal's clipboard, OSC 52 */

/* ui.c: JSON for the views */
void ui_json_lines(struct ui_lines *l, json_object *o);	/* pretty-printed, a line each (UI_JSON_LINE) */
char *ui_json_text(json_object *o);			/* pretty-printed, ending in a newline; Caller frees */
#define UI_JSON_LINE UI_ATTR_COUNT	/* the attr of a line of JSON, coloured by its parts */

/* ui.c: the shared selection, for every view */
struct dataset_node *ui_selected(struct ui *u);	/* the node under the tree's cursor, or NULL (borrowed) */
int ui_marked(struct ui *u);			/* is anything marked? */
/* The studies an action applies to: the marked ones, else the one under the cursor (all of a
 * subject's, dataset's). Caller frees the array. */
const struct dataset_node **ui_targets(struct ui *u, size_t *n);

/* ui.c helpers for the other ui files */
void ui_put(int y, int x, int w, const char *s, int attr);
/* ui_put from column skip of s on. */
void ui_put_from(int y, int x, int w, const char *s, int attr, size_t skip);
int ui_attr(struct ui *u, int attr);
void ui_status(struct ui *u, int attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int ui_job_start(struct ui *u, int kind, const struct dataset_node **studies, size_t n, const char *code,
		 const char *display, const char *query);
const struct ui_server_copy *ui_server_copy(struct ui *u, const struct dataset_node *study);
/* Record res (borrowed) as the server's copy of study, and its state from a comparison. */
void ui_server_keep(struct ui *u, const struct dataset_node *study, json_object *res);
size_t ui_text_width(const char *s);
/* The next row of s wrapped at w columns (after a word where one fits): its length in bytes;
 * *adv is how far to go on (past the blank it broke at). */
size_t ui_wrap_next(const char *s, int w, size_t *adv);
/* Draw s wrapped at w columns in at most rows rows from (y, x); returns the rows used. */
int ui_put_wrapped(int y, int x, int w, int rows, const char *s, int attr);
/* The same, the rows after the first indented as s is (its leading blanks, up to half of w):
 * a wrapped JSON or tag line stays under its own start. */
int ui_put_wrapped_hang(int y, int x, int w, int rows, const char *s, int attr);
/* Move *pos among n lines for a movement action (a page is page lines); 1 if it was one. */
int ui_move(size_t *pos, size_t n, size_t page, int action);

#endif
