#include "config.h"

#include "ui.h"
#include "keys.h"
#include "cache.h"
#include "safefile.h"
#include "jget.h"
#include "termsafe.h"
#include "upload.h"

#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

#define PICTURE_CACHE_BYTES ((size_t)32 << 20)	/* rendered pictures kept: cells, not pixels */

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- lines ---- */

void ui_lines_add(struct ui_lines *l, int attr, void *data, const char *fmt, ...)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **t = realloc(l->text, cap * sizeof *t);
		int *a = t ? realloc(l->attr, cap * sizeof *a) : NULL;
		void **d = a ? realloc(l->data, cap * sizeof *d) : NULL;
		if (t)
			l->text = t;
		if (a)
			l->attr = a;
		if (!d)
			return;
		l->data = d;
		l->cap = cap;
	}
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	l->text[l->n] = s;
	l->attr[l->n] = attr;
	l->data[l->n] = data;
	l->n++;
}

void ui_lines_clear(struct ui_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->text[i]);
	free(l->text);
	free(l->attr);
	free(l->data);
	memset(l, 0, sizeof *l);
}

size_t ui_lines_find(const struct ui_lines *l, const char *text, size_t from, int dir, int include)
{
	if (from >= l->n)
		from = 0;
	for (size_t k = include ? 0 : 1; k <= l->n; k++) {
		size_t i = (from + (dir > 0 ? k : l->n - k % l->n)) % l->n;
		if (strcasestr(l->text[i], text))
			return i;
	}
	return l->n;
}

void ui_lines_hit_said(struct ui *u, const struct ui_lines *l, const char *text, size_t hit)
{
	size_t total = 0, nth = 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcasestr(l->text[i], text) && ++total && i == hit)
			nth = total;
	ui_status(u, UI_ATTR_NORMAL, "find: %s: line %zu of %zu with it (n, N: next, previous)", text, nth, total);
}

int ui_move(size_t *pos, size_t n, size_t page, int action)
{
	size_t last = n ? n - 1 : 0;
	switch (action) {
	case ACT_MOVE_DOWN: *pos = *pos < last ? *pos + 1 : last; return 1;
	case ACT_MOVE_UP: *pos = *pos ? *pos - 1 : 0; return 1;
	case ACT_PAGE_DOWN: *pos = *pos + page < last ? *pos + page : last; return 1;
	case ACT_PAGE_UP: *pos = *pos > page ? *pos - page : 0; return 1;
	case ACT_FIRST: *pos = 0; return 1;
	case ACT_LAST: *pos = last; return 1;
	default: return 0;
	}
}

/* ---- drawing helpers ---- */

size_t ui_text_width(const char *s)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t w = 0;
	while (*s) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2) {
			memset(&st, 0, sizeof st);
			s++;
			w++;
			continue;
		}
		int cw = wcwidth(wc);
		w += cw > 0 ? (size_t)cw : 0;
		s += n ? n : 1;
	}
	return w;
}

size_t ui_wrap_next(const char *s, int w, size_t *adv)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int used = 0;
	size_t i = 0, space = 0;
	while (s[i]) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s + i, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			wc = L'?';
			n = 1;
		}
		int cw = wcwidth(wc);
		if (cw < 0)
			cw = 1;
		if (used + cw > w && i > 0)
			break;
		if (wc == L' ')
			space = i;
		used += cw;
		i += n;
	}
	if (!s[i]) {
		*adv = i;
		return i;
	}
	if (space > 0) {	/* break after a word */
		*adv = space + 1;
		return space;
	}
	*adv = i;
	return i;
}

int ui_put_wrapped(int y, int x, int w, int rows, const char *s, int attr)
{
	int r = 0;
	while (r < rows && s && *s) {
		size_t adv, len = ui_wrap_next(s, w, &adv);
		char *line = strndup(s, len);
		ui_put(y + r, x, w, line ? line : "", attr);
		free(line);
		s += adv;
		r++;
	}
	return r;
}

int ui_put_wrapped_hang(int y, int x, int w, int rows, const char *s, int attr)
{
	int lead = (int)strspn(s ? s : "", " ");
	if (lead > w / 2)
		lead = 0;
	int r = 0;
	while (r < rows && s && *s) {
		int in = r ? lead : 0;
		size_t adv, len = ui_wrap_next(s, w - in, &adv);
		char *line = strndup(s, len);
		if (in)
			ui_put(y + r, x, in, "", attr);
		ui_put(y + r, x + in, w - in, line ? line : "", attr);
		free(line);
		s += adv;
		r++;
	}
	return r;
}

void ui_put_from(int y, int x, int w, const char *s, int attr, size_t skip)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t col = 0;
	while (s && *s && col < skip) {	/* whole characters only */
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			n = 1;
			wc = L'?';
		}
		int cw = wcwidth(wc);
		col += cw > 0 ? (size_t)cw : 1;
		s += n;
	}
	ui_put(y, x, w, s, attr);
}

/* Draw s at (y, x) in at most w columns, padding with blanks. */
void ui_put(int y, int x, int w, const char *raw, int attr)
{
	if (w <= 0)
		return;
	char safe[4096];	/* every byte drawn goes through termsafe first; wider text is cut anyway */
	const char *s = raw ? termsafe(raw, safe, sizeof safe, 1) : NULL;
	attrset(attr);
	move(y, x);
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int used = 0;
	while (s && *s && used < w) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
		if (n == (size_t)-1 || n == (size_t)-2) {
			memset(&st, 0, sizeof st);
			wc = L'?';
			n = 1;
		}
		int cw = wcwidth(wc);
		if (wc == L'\t')
			wc = L' ', cw = 1;
		if (cw < 0)
			wc = L'?', cw = 1;
		if (used + cw > w)
			break;
		wchar_t buf[2] = {wc, 0};
		addnwstr(buf, 1);
		used += cw;
		s += n ? n : 1;
	}
	for (; used < w; used++)
		addch(' ');
	attrset(A_NORMAL);
}

int ui_attr(struct ui *u, int a)
{
	static const int mono[UI_ATTR_COUNT] = {
		[UI_ATTR_NORMAL] = A_NORMAL, [UI_ATTR_TITLE] = A_REVERSE, [UI_ATTR_ERROR] = A_BOLD,
		[UI_ATTR_WARNING] = A_BOLD, [UI_ATTR_KEY] = A_BOLD, [UI_ATTR_STRING] = A_NORMAL,
		[UI_ATTR_NUMBER] = A_NORMAL, [UI_ATTR_MARK] = A_BOLD, [UI_ATTR_SAME] = A_NORMAL,
		[UI_ATTR_DIFFERENT] = A_BOLD, [UI_ATTR_ABSENT] = A_DIM, [UI_ATTR_DIM] = A_DIM,
		[UI_ATTR_SELECTED] = A_REVERSE, [UI_ATTR_BAR] = A_REVERSE};
	if (!u->color || a == UI_ATTR_SELECTED || a == UI_ATTR_TITLE || a == UI_ATTR_BAR)
		return mono[a];
	switch (a) {
	case UI_ATTR_ERROR: return COLOR_PAIR(1) | A_BOLD;
	case UI_ATTR_WARNING: case UI_ATTR_DIFFERENT: return COLOR_PAIR(2);
	case UI_ATTR_KEY: return COLOR_PAIR(3);
	case UI_ATTR_STRING: case UI_ATTR_SAME: return COLOR_PAIR(4);
	case UI_ATTR_NUMBER: return COLOR_PAIR(5);
	case UI_ATTR_MARK: return COLOR_PAIR(2) | A_BOLD;
	default: return mono[a];
	}
}

static void ui_log(struct ui *u, int attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void ui_status(struct ui *u, int attr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(u->status, sizeof u->status, fmt, ap);
	va_end(ap);
	u->status_attr = attr;
	if (u->cols > 0 && ui_text_width(u->status) > (size_t)u->cols)
		ui_log(u, attr, "%s", u->status);	/* too long for its line: whole in the log */
}
static void ui_log(struct ui *u, int attr, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	ui_lines_add(&u->log, attr, NULL, "%s", buf);
}

const struct ui_server_copy *ui_server_copy(struct ui *u, const struct dataset_node *study)
{
	for (size_t i = 0; i < u->ncopies; i++)
		if (u->copies[i].node == study)
			return &u->copies[i];
	return NULL;
}

static void keep_copy(struct ui *u, const struct dataset_node *study, json_object *res, const char *diff,
		      const char *kept)
{
	struct ui_server_copy *c = (struct ui_server_copy *)ui_server_copy(u, study);
	if (!c) {
		struct ui_server_copy *n = realloc(u->copies, (u->ncopies + 1) * sizeof *n);
		if (!n) {
			json_object_put(res);
			return;
		}
		u->copies = n;
		c = &n[u->ncopies++];
		memset(c, 0, sizeof *c);
		c->node = study;
		c->img_total = -1;
	}
	json_object_put(c->resource);
	free(c->diff);
	free(c->kept);
	c->resource = res;
	c->diff = diff ? strdup(diff) : NULL;
	c->kept = kept ? strdup(kept) : NULL;
}

void ui_server_keep(struct ui *u, const struct dataset_node *study, json_object *res)
{
	char diff[1500] = "", kept[512] = "";
	struct fhir_opts q = u->fopts;
	q.warn = NULL;
	struct actions_ctx a = {.tree = u->tree, .fopts = &q, .max_bytes = u->set.max_request};
	int d = actions_study_state(&a, study, res, diff, sizeof diff, kept, sizeof kept);
	((struct dataset_node *)study)->server = d ? DATASET_SERVER_DIFFERENT : DATASET_SERVER_SAME;
	keep_copy(u, study, json_object_get(res), d ? diff : NULL, kept[0] ? kept : NULL);
}

/* ---- jobs ---- */

/* ---- JSON for the views ---- */

void ui_json_lines(struct ui_lines *l, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE | JSON_C_TO_STRING_PRETTY_TAB);
	while (s && *s) {
		size_t n = strcspn(s, "\n");
		char line[2048];
		size_t k = 0;
		for (size_t i = 0; i < n && k + 3 < sizeof line; i++) {	/* tabs to two spaces */
			if (s[i] == '\t') {
				line[k++] = ' ';
				line[k++] = ' ';
			} else {
				line[k++] = s[i];
			}
		}
		line[k] = '\0';
		ui_lines_add(l, UI_JSON_LINE, NULL, "%s", line);
		s += n;
		if (*s)
			s++;
	}
}

char *ui_json_text(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t n = strlen(s);
	char *t = malloc(n + 2);
	if (t)
		snprintf(t, n + 2, "%s\n", s);
	return t;
}

/* ---- the shared selection: what the cursor and the marks name ---- */

struct dataset_node *ui_selected(struct ui *u)
{
	return u->nrows && u->cur < u->nrows ? u->rows[u->cur].node : NULL;
}

int ui_marked(struct ui *u)
{
	size_t n = 0;
	const struct dataset_node **s = u->tree ? dataset_collect(u->tree->root, DATASET_STUDY, &n) : NULL;
	int any = 0;
	for (size_t i = 0; i < n && !any; i++)
		any = (s[i]->flags & DATASET_NODE_MARKED) || (s[i]->parent && (s[i]->parent->flags & DATASET_NODE_MARKED));
	free(s);
	return any;
}

/* The studies an action applies to: the marked ones, else the one under the cursor (all of a
 * subject's, dataset's). Caller frees the array. */
const struct dataset_node **ui_targets(struct ui *u, size_t *n)
{
	*n = 0;
	if (!u->tree)
		return NULL;
	size_t all = 0;
	const struct dataset_node **studies = dataset_collect(u->tree->root, DATASET_STUDY, &all);
	size_t k = 0;
	for (size_t i = 0; i < all; i++) {
		const struct dataset_node *s = studies[i];
		if ((s->flags & DATASET_NODE_MARKED) || (s->parent && (s->parent->flags & DATASET_NODE_MARKED)))
			studies[k++] = s;
	}
	if (k) {
		*n = k;
		return studies;
	}
	free(studies);
	struct dataset_node *cur = ui_selected(u);
	if (!cur)
		return NULL;
	const struct dataset_node *st = dataset_ancestor(cur, DATASET_STUDY);
	return st ? dataset_collect(st, DATASET_STUDY, n) : dataset_collect(cur, DATASET_STUDY, n);
}

static void job_event(struct ui_job *j, struct dataset_node *node, int study, int outcome, const char *text,
		      json_object *res, const char *diff, const char *kept)
{
	struct ui_event *e = calloc(1, sizeof *e);
	if (!e)
		return;
	e->node = node;
	e->study = study;
	e->outcome = outcome;
	e->text = strdup(text ? text : "");
	e->resource = res ? json_object_get(res) : NULL;
	e->diff = diff ? strdup(diff) : NULL;
	e->kept = kept ? strdup(kept) : NULL;
	pthread_mutex_lock(&j->lock);
	if (j->last)
		j->last->next = e;
	else
		j->events = e;
	j->last = e;
	pthread_mutex_unlock(&j->lock);
}

static void job_item(void *ctx, const struct actions_item *it)
{
	struct ui_job *j = ctx;
	char text[2200];
	actions_item_text(it, text, sizeof text);
	json_object *copy = NULL;
	if (it->resource)
		json_object_deep_copy(it->resource, &copy, NULL);
	/* only an ImagingStudy's outcome is its study's state, not its Patient's or ResearchSubject's */
	job_event(j, (struct dataset_node *)it->node, it->type && strcmp(it->type, "ImagingStudy") == 0, it->outcome, text,
		  copy, it->diff, it->kept);
	json_object_put(copy);
}

static void job_progress(void *ctx, size_t done, size_t total)
{
	struct ui_job *j = ctx;
	atomic_store(&j->progress, done);
	atomic_store(&j->total, total);
}

static void job_outline(void *ctx, struct dataset_tree *outline)
{
	struct ui_job *j = ctx;
	pthread_mutex_lock(&j->lock);
	dataset_free(&j->outline);	/* one the UI has not taken yet: this one is newer */
	j->outline = outline;
	pthread_mutex_unlock(&j->lock);
}

static void job_log(void *ctx, const char *method, const char *url, long status, long ms, const char *text)
{
	char line[2400];
	if (status)
		snprintf(line, sizeof line, "%s %s -> %ld (%ld ms)%s%s", method, url, status, ms, text ? ": " : "", text ? text : "");
	else
		snprintf(line, sizeof line, "%s %s -> no reply (%ld ms): %s", method, url, ms, text ? text : "");
	job_event(ctx, NULL, 0, -1, line, NULL, NULL, NULL);
}

static void job_warn(void *ctx, const struct dataset_node *n, const char *text)
{
	char line[1800], w[600] = "";
	if (n)
		dataset_where(n, w, sizeof w);
	snprintf(line, sizeof line, "warning: %s%s%s", w, *w ? ": " : "", text);
	job_event(ctx, NULL, 0, -2, line, NULL, NULL, NULL);
}

struct job_arg {
	struct ui *u;
	struct ui_job *j;
};

static void job_image(void *ctx, const char *file, const char *reason)
{
	char line[4800];
	snprintf(line, sizeof line, "not stored  %s: %s", file, reason);
	job_event(ctx, NULL, 0, -2, line, NULL, NULL, NULL);
}

/* The DICOMweb server of the settings for job j: its requests in the log, Esc cancels them.
 * NULL with err when it cannot be used. Caller frees. */
static struct dicomweb *job_dicomweb(struct ui *u, struct ui_job *j, char *err, size_t errlen)
{
	struct dicomweb_opts o;
	if (settings_dicomweb_opts(&u->set, &o, err, errlen) < 0)
		return NULL;
	o.log = job_log;
	o.ctx = j;
	o.cancel = &j->cancel;
	return dicomweb_new(&o, err, errlen);
}

/* push with the images: each study's instances to the DICOMweb server first; the studies whose
 * instances are all there stay in j->studies, the others are said (their resources are not
 * written). */
static void job_images(struct ui *u, struct ui_job *j)
{
	char err[600], line[1400], where[600];
	struct dicomweb *d = job_dicomweb(u, j, err, sizeof err);
	size_t kept = 0;
	for (size_t i = 0; i < j->nstudies; i++) {
		struct upload_summary s = {0};
		int r = d && !j->cancel ? upload_study(d, u->tree, j->studies[i], job_image, j, &s, err, sizeof err) : -1;
		dataset_where(j->studies[i], where, sizeof where);
		if (r == 1) {
			j->studies[kept++] = j->studies[i];
			snprintf(line, sizeof line, "images: %s: %zu stored, %zu there already", where, s.stored, s.held);
		} else {
			snprintf(line, sizeof line, "images: %s: not all on the DICOMweb server%s%s: not pushed", where,
				 r < 0 ? ": " : "", r < 0 ? (j->cancel ? "cancelled" : err) : "");
		}
		job_event(j, NULL, 0, r == 1 ? -1 : -2, line, NULL, NULL, NULL);
		job_progress(j, i + 1, j->nstudies);
	}
	j->nstudies = kept;
	dicomweb_free(&d);
}

/* refresh with images = yes: how many of each study's instances the DICOMweb server holds. */
static void job_image_counts(struct ui *u, struct ui_job *j)
{
	char err[600], line[1400];
	struct dicomweb *d = job_dicomweb(u, j, err, sizeof err);
	for (size_t i = 0; i < j->nstudies && d && !j->cancel; i++) {
		size_t there, total;
		if (upload_count(d, u->tree, j->studies[i], &there, &total, err, sizeof err) < 0) {
			snprintf(line, sizeof line, "images: %s", err);
			job_event(j, NULL, 0, -2, line, NULL, NULL, NULL);
			break;
		}
		snprintf(line, sizeof line, "images: %zu of %zu instances on the DICOMweb server", there, total);
		job_event(j, (struct dataset_node *)j->studies[i], 0, UI_EVENT_IMAGES, line, NULL, NULL, NULL);
		pthread_mutex_lock(&j->lock);	/* the counts of the event just queued */
		j->last->there = (long)there;
		j->last->total = (long)total;
		pthread_mutex_unlock(&j->lock);
	}
	dicomweb_free(&d);
}

static void *job_run(void *arg)
{
	struct job_arg *ja = arg;
	struct ui *u = ja->u;
	struct ui_job *j = ja->j;
	free(ja);
	if (j->kind == UI_JOB_SCAN) {
		char dir[4096];
		struct dataset_scan_opts so = {.threads = 0, .progress = job_progress, .outline = job_outline,
					       .ctx = j, .cancel = &j->cancel,
					       .cache_dir = !u->no_cache && cache_dir(dir, sizeof dir) == 0 ? dir : NULL};
		j->tree = dataset_scan((const char *const *)j->paths, j->npaths, &so, j->scan_err, sizeof j->scan_err);
		atomic_store(&j->done, 1);
		return NULL;
	}
	client_set_log(u->client, job_log, j);
	client_set_cancel(u->client, &j->cancel);	/* Esc aborts the request in flight */
	if (!u->metadata_checked) {
		int m = client_check_metadata(u->client, j->metadata_warning, sizeof j->metadata_warning);
		if (m < 0) {
			snprintf(j->sum.error, sizeof j->sum.error, "%s", j->metadata_warning);
			j->sum.status = -m;
			j->metadata_warning[0] = '\0';
			client_set_cancel(u->client, NULL);
			atomic_store(&j->done, 1);
			return NULL;
		}
	}
	struct fhir_opts fo = u->fopts;
	fo.warn = job_warn;
	fo.ctx = j;
	struct actions_ctx a = {.tree = u->tree, .client = u->client, .fopts = &fo, .batch = u->set.batch, .max_bytes = u->set.max_request,
				.item = job_item, .progress = job_progress, .ctx = j, .cancel = &j->cancel, .series = j->series};
	switch (j->kind) {
	case UI_JOB_PATIENT: actions_patients(&a, j->studies, j->nstudies, &j->sum); break;
	case UI_JOB_PUSH:
		if (j->images)
			job_images(u, j);
		if (j->nstudies)
			actions_push(&a, j->studies, j->nstudies, &j->sum);
		break;
	case UI_JOB_BODYSITE: actions_bodysite(&a, j->studies, j->nstudies, j->code, j->display, j->undo, &j->sum); break;
	case UI_JOB_UNDO: actions_bodysite_undo(&a, j->undo, &j->sum); break;
	case UI_JOB_RETRACT: actions_retract(&a, j->studies, j->nstudies, &j->sum); break;
	case UI_JOB_COMPARE:
		actions_compare(&a, j->studies, j->nstudies, &j->sum);
		if (u->set.images && u->set.dicomweb)
			job_image_counts(u, j);
		break;
	case UI_JOB_SEARCH:
		actions_search(&a, j->query, 0, &j->matches, &j->included, &j->total_found, &j->next, &j->sum);
		break;
	default: break;
	}
	client_set_cancel(u->client, NULL);
	atomic_store(&j->done, 1);
	return NULL;
}

static const char *job_name(int kind)
{
	static const char *const names[] = {"scan", "create patients", "push", "bodySite", "refresh", "search",
					    "undo bodySite", "retract"};
	return names[kind];
}

int ui_job_start(struct ui *u, int kind, const struct dataset_node **studies, size_t n, const char *code,
		 const char *display, const char *query)
{
	if (u->job) {
		ui_status(u, UI_ATTR_WARNING, "%s is still running (Esc cancels it)", job_name(u->job->kind));
		free(studies);
		return -1;
	}
	if (kind != UI_JOB_SCAN && !u->client) {
		ui_status(u, UI_ATTR_ERROR, "no server connection: %s", u->client_err);
		free(studies);
		return -1;
	}
	struct ui_job *j = calloc(1, sizeof *j);
	struct job_arg *ja = malloc(sizeof *ja);
	if (!j || !ja) {
		free(j);
		free(ja);
		free(studies);
		return -1;
	}
	pthread_mutex_init(&j->lock, NULL);
	j->kind = kind;
	j->studies = studies;
	j->nstudies = n;
	j->code = code ? strdup(code) : NULL;
	j->display = display ? strdup(display) : NULL;
	j->query = query ? strdup(query) : NULL;
	j->paths = u->paths;
	j->npaths = u->npaths;
	j->images = kind == UI_JOB_PUSH && u->push_images;
	u->push_images = 0;
	j->total_found = -1;
	j->started_ms = now_ms();
	if (kind == UI_JOB_BODYSITE) {
		j->undo = json_object_new_array();
		j->series = u->bs_series;
	}
	else if (kind == UI_JOB_UNDO)
		j->undo = json_object_get(u->undo);
	ja->u = u;
	ja->j = j;
	if (pthread_create(&j->thread, NULL, job_run, ja) != 0) {
		ui_status(u, UI_ATTR_ERROR, "cannot start a thread");
		free(ja);
		free(j->code);
		free(j->display);
		free(j->query);
		free(studies);
		free(j);
		return -1;
	}
	u->job = j;
	ui_status(u, UI_ATTR_NORMAL, "%s: started", job_name(kind));
	return 0;
}

/* Take the job's events; when it is done, its results. Returns what to redraw. */
/* Event e of job j: logged, and a study's new server state kept; e is freed. Returns what to redraw. */
static int job_event_take(struct ui *u, const struct ui_job *j, struct ui_event *e)
{
	int redraw = 0;
	int attr = e->outcome == ACTIONS_FAILED ? UI_ATTR_ERROR : e->outcome == -2 ? UI_ATTR_WARNING : UI_ATTR_NORMAL;
	char where[600] = "";
	if (e->node)
		dataset_where(e->node, where, sizeof where);
	ui_log(u, attr, "%s%s%s", e->text, *where ? "  " : "", where);
	if (e->node && e->node->kind == DATASET_STUDY && e->study) {
		switch (e->outcome) {
		case ACTIONS_NOT_FOUND: case ACTIONS_REMOVED: e->node->server = DATASET_SERVER_ABSENT; break;
		case ACTIONS_SAME: e->node->server = DATASET_SERVER_SAME; break;
		case ACTIONS_DIFFERENT: e->node->server = DATASET_SERVER_DIFFERENT; break;
		case ACTIONS_CREATED: case ACTIONS_UPDATED:
			if (j->kind == UI_JOB_PUSH)
				e->node->server = DATASET_SERVER_SAME;
			else if (j->kind == UI_JOB_BODYSITE)
				e->node->server = DATASET_SERVER_DIFFERENT;	/* refresh tells */
			break;
		default: break;
		}
		if (e->resource && (e->outcome == ACTIONS_SAME || e->outcome == ACTIONS_DIFFERENT))
			keep_copy(u, e->node, json_object_get(e->resource), e->diff, e->kept);
		else if (e->resource)	/* the server's answer to a write: its new state */
			ui_server_keep(u, e->node, e->resource);
		redraw |= UI_DRAW_TREE | UI_DRAW_DETAIL;
	}
	if (e->outcome == UI_EVENT_IMAGES && e->node) {	/* kept with the server's copy of the study */
		if (!ui_server_copy(u, e->node))
			keep_copy(u, e->node, NULL, NULL, NULL);
		struct ui_server_copy *c = (struct ui_server_copy *)ui_server_copy(u, e->node);
		if (c) {
			c->img_there = e->there;
			c->img_total = e->total;
		}
		redraw |= UI_DRAW_DETAIL;
	}
	if (attr == UI_ATTR_ERROR)
		ui_status(u, UI_ATTR_ERROR, "%s", e->text);
	json_object_put(e->resource);
	free(e->text);
	free(e->diff);
	free(e->kept);
	free(e);
	return redraw;
}

/* The scan job j ended: its tree shown (the cursor and marks kept), then the server state read. */
static void job_scan_done(struct ui *u, struct ui_job *j, long secs)
{
	if (!j->tree && u->tree && u->tree->partial) {	/* an outline is no tree to act on */
		ui_tree_replace(u, NULL);
	}
	if (!j->tree && strcmp(j->scan_err, "cancelled") == 0) {
		ui_status(u, UI_ATTR_WARNING, "scan cancelled: nothing to show (Ctrl-R scans again)");
	} else if (!j->tree) {
		ui_status(u, UI_ATTR_ERROR, "scan failed: %s", j->scan_err);
	} else {
		for (struct dataset_node *ds = j->tree->root->child; ds; ds = ds->next) {
			ds->flags |= DATASET_NODE_OPEN;
			int small = j->tree->nfiles <= 2000;
			for (struct dataset_node *s = ds->child; s && small; s = s->next)
				s->flags |= DATASET_NODE_OPEN;
		}
		ui_tree_replace(u, j->tree);	/* the cursor and marks stay where they were */
		ui_status(u, u->tree->root->nerrors ? UI_ATTR_WARNING : UI_ATTR_NORMAL,
			  "scanned %zu files: %u instances, %u errors, %u warnings (%ld s)", u->tree->nfiles,
			  u->tree->root->ninstances, u->tree->root->nerrors, u->tree->root->nwarnings, secs);
		ui_log(u, UI_ATTR_DIM, "scan: %zu of %zu files from the scan cache", u->tree->cached, u->tree->nfiles);
		if (u->tree->cache_note[0])
			ui_log(u, UI_ATTR_WARNING, "warning: %s", u->tree->cache_note);
		size_t n = 0;	/* the studies, collected once: the zone note, then the marks */
		const struct dataset_node **all = dataset_collect(u->tree->root, DATASET_STUDY, &n);
		char zn[512];
		if (all && fhir_zone_assumed(u->tree, all, n, &u->fopts, zn, sizeof zn))
			ui_log(u, UI_ATTR_DIM, "note: %s", zn);
		if (n && u->client && !u->set.no_server_state) {	/* read in the background in batched searches */
			char keep[sizeof u->status];
			snprintf(keep, sizeof keep, "%s", u->status);
			if (ui_job_start(u, UI_JOB_COMPARE, all, n, NULL, NULL, NULL) == 0) {	/* it takes all */
				u->job->quiet = 1;	/* the scan's status stays; the marks fill in */
				snprintf(u->status, sizeof u->status, "%s", keep);
			}
		} else {
			free(all);
		}
	}
}

/* The search job j ended: its results in the window (appended to them for the next page). */
static void job_search_done(struct ui *u, struct ui_job *j)
{
	if (j->sum.status != CLIENT_OK) {
		ui_status(u, UI_ATTR_ERROR, "search: %s", j->sum.error);
		json_object_put(j->matches);
		json_object_put(j->included);
		if (!j->append && j->sum.status != CLIENT_ERR_CANCELLED && j->query) {
			/* the query stays in the box, the error under it */
			snprintf(u->search_error, sizeof u->search_error, "error: %s", j->sum.error);
			ui_search_open(u);
			snprintf(u->input, sizeof u->input, "%s", j->query);
			u->input_len = strlen(u->input);
		}
	} else {
		int appending = j->append && u->matches;
		if (!j->append && j->query)	/* it ran: worth finding again */
			ui_search_remember(j->query);
		if (appending) {
			for (size_t i = 0; i < json_object_array_length(j->matches); i++)
				json_object_array_add(u->matches, json_object_get(json_object_array_get_idx(j->matches, i)));
			for (size_t i = 0; i < json_object_array_length(j->included); i++)
				json_object_array_add(u->included, json_object_get(json_object_array_get_idx(j->included, i)));
			json_object_put(j->matches);
			json_object_put(j->included);
		} else {
			json_object_put(u->matches);
			json_object_put(u->included);
			u->matches = j->matches;
			u->included = j->included;
		}
		u->total_found = j->total_found;
		free(u->next);
		u->next = j->next;
		j->next = NULL;
		ui_results_open(u);	/* keeps the cursor when the results are already open */
		char shown[128];
		ui_status(u, UI_ATTR_NORMAL, "search: %s", actions_shown_text(json_object_array_length(u->matches),
			  u->total_found, u->next != NULL, "as you scroll", shown, sizeof shown));
	}
	free(j->next);
}

/* An action job j ended: what it did in the status line and the log. */
static void job_action_done(struct ui *u, struct ui_job *j, long secs)
{
	char counts[512] = "";
	for (int o = 0; o < ACTIONS_NOUTCOMES; o++)
		if (j->sum.count[o])
			snprintf(counts + strlen(counts), sizeof counts - strlen(counts), "%s%zu %s",
				 *counts ? ", " : "", j->sum.count[o], actions_outcome_name(o));
	if (j->kind == UI_JOB_BODYSITE && j->sum.changed) {	/* what was written, in words */
		size_t studies = j->sum.count[ACTIONS_UPDATED];
		char what[400];
		snprintf(what, sizeof what, "bodySite %s%s%s: %zu series in %zu stud%s", j->code ? j->code : "from Body Part Examined",
			 j->display ? " " : "", j->display ? j->display : "", j->sum.changed, studies, studies == 1 ? "y" : "ies");
		snprintf(counts, sizeof counts, "%s", what);
	}
	if (j->kind == UI_JOB_BODYSITE && jget_len(j->undo)) {
		json_object_put(u->undo);	/* u undoes this one */
		u->undo = json_object_get(j->undo);
	} else if (j->kind == UI_JOB_UNDO && j->sum.status == CLIENT_OK && !j->sum.count[ACTIONS_FAILED]) {
		json_object_put(u->undo);
		u->undo = NULL;
	}
	if (j->quiet && j->sum.status == CLIENT_OK) {	/* the state read on start: after the scan's status */
		char keep[sizeof u->status];
		snprintf(keep, sizeof keep, "%s", u->status);
		ui_status(u, u->status_attr, "%s | server: %s", keep, counts);
	} else if (j->quiet) {
		char keep[sizeof u->status];
		snprintf(keep, sizeof keep, "%s", u->status);
		ui_status(u, UI_ATTR_WARNING, "server state not read: %s | %s", j->sum.error, keep);
	} else if (j->sum.status != CLIENT_OK)
		ui_status(u, UI_ATTR_ERROR, "%s: %s%s%s", job_name(j->kind), j->sum.error, *counts ? " | " : "", counts);
	else
		ui_status(u, j->sum.count[ACTIONS_FAILED] ? UI_ATTR_ERROR : UI_ATTR_NORMAL, "%s: %s; %zu request%s (%ld s)",
			  job_name(j->kind), *counts ? counts : "nothing to do", j->sum.requests,
			  j->sum.requests == 1 ? "" : "s", secs);
	ui_log(u, UI_ATTR_DIM, "%s", u->status);
	char types[1024];	/* what was written, by resource type */
	if ((j->kind == UI_JOB_PUSH || j->kind == UI_JOB_PATIENT) && *actions_types_text(&j->sum, types, sizeof types))
		ui_log(u, UI_ATTR_DIM, "%s: %s", job_name(j->kind), types);
}

static void job_free(struct ui_job **jp)
{
	struct ui_job *j = *jp;
	json_object_put(j->undo);
	dataset_free(&j->outline);
	free(j->studies);
	free(j->code);
	free(j->display);
	free(j->query);
	pthread_mutex_destroy(&j->lock);
	free(j);
	*jp = NULL;
}

static int job_poll(struct ui *u)
{
	struct ui_job *j = u->job;
	if (!j)
		return 0;
	int redraw = UI_DRAW_STATUS;
	pthread_mutex_lock(&j->lock);
	struct ui_event *e = j->events;
	j->events = j->last = NULL;
	struct dataset_tree *outline = j->outline;
	j->outline = NULL;
	pthread_mutex_unlock(&j->lock);
	if (outline && (!u->tree || u->tree->partial)) {	/* the tree fills in while the scan runs */
		ui_tree_replace(u, outline);
		redraw |= UI_DRAW_ALL;
	} else {
		dataset_free(&outline);
	}
	while (e) {
		struct ui_event *next = e->next;
		redraw |= job_event_take(u, j, e);
		e = next;
	}
	if (!atomic_load(&j->done))
		return redraw;
	pthread_join(j->thread, NULL);
	u->job = NULL;
	if (j->metadata_warning[0])
		ui_log(u, UI_ATTR_WARNING, "warning: %s", j->metadata_warning);
	if (j->kind != UI_JOB_SCAN && j->sum.status != CLIENT_ERR_UNREACHABLE && j->sum.status != CLIENT_ERR_AUTH)
		u->metadata_checked = 1;
	long secs = (now_ms() - j->started_ms) / 1000;
	if (j->kind == UI_JOB_SCAN)
		job_scan_done(u, j, secs);
	else if (j->kind == UI_JOB_SEARCH)
		job_search_done(u, j);
	else
		job_action_done(u, j, secs);
	job_free(&j);
	u->dnode = NULL;	/* detail lines may show server state */
	return UI_DRAW_ALL;
}

/* ---- layout and drawing ---- */

static int tree_width(struct ui *u)
{
	/* following its rows, the tree takes at most 2/5 (the detail pane's JSON needs the room);
	 * moved with < and >, up to 2/3 */
	int lo = u->cols < 60 ? u->cols / 3 : 24, hi = u->split ? u->cols * 2 / 3 : u->cols * 2 / 5;
	if (hi < lo)
		hi = lo;
	int w = u->split ? u->split : u->tree_w + 2;	/* follows the tree's rows unless moved */
	if (!u->split && !u->tree_w)
		w = u->cols * 45 / 100;
	return w < lo ? lo : w > hi ? hi : w;
}

static void draw_progress(struct ui *u, int y)
{
	struct ui_job *j = u->job;
	size_t done = atomic_load(&j->progress), total = atomic_load(&j->total);
	long el = now_ms() - j->started_ms;
	char left[64] = "";
	if (total && done && done < total) {
		long rest = (long)((double)el * (double)(total - done) / (double)done / 1000.0);
		snprintf(left, sizeof left, ", %ld:%02ld left", rest / 60, rest % 60);
	}
	char text[600], waiting[400] = "";
	long wait = j->kind != UI_JOB_SCAN && u->client ? client_waiting_ms(u->client) : 0;
	if (wait >= 1000)	/* a request is out: say for whom we wait */
		snprintf(waiting, sizeof waiting, "  waiting for %s (%ld s)", client_host(u->client), wait / 1000);
	if (j->cancel)
		snprintf(text, sizeof text, " %s: cancelling...", job_name(j->kind));
	else if (j->kind == UI_JOB_SCAN && !total)
		snprintf(text, sizeof text, " scan: listing folders... %zu files found  (Esc: cancel)",
			 u->tree && u->tree->partial ? u->tree->nfiles : 0);
	else
		snprintf(text, sizeof text, " %s: %zu/%zu%s%s  (Esc: cancel)", job_name(j->kind), done, total, left, waiting);
	int barw = u->cols / 3;
	int filled = total ? (int)((double)barw * (double)done / (double)total) : 0;
	char bar[512];
	int k = 0;
	bar[k++] = '[';
	for (int i = 0; i < barw && k < (int)sizeof bar - 3; i++)
		bar[k++] = i < filled ? '#' : '.';
	bar[k++] = ']';
	bar[k] = '\0';
	ui_put(y, 0, barw + 2, bar, ui_attr(u, UI_ATTR_KEY));
	ui_put(y, barw + 2, u->cols - barw - 2, text, ui_attr(u, UI_ATTR_NORMAL));
}

/* ---- the views: routing ---- */

static const struct ui_view *const windows[] = {
	[UI_OV_HELP] = &ui_view_help, [UI_OV_LOG] = &ui_view_log, [UI_OV_RESULTS] = &ui_view_results,
	[UI_OV_JSON] = &ui_view_json, [UI_OV_PICKER] = &ui_view_picker, [UI_OV_SEARCH] = &ui_view_search,
	[UI_OV_CONFIRM] = &ui_view_confirm, [UI_OV_FILTER] = &ui_view_filter, [UI_OV_FIND] = &ui_view_find,
	[UI_OV_SAVE] = &ui_view_save,
};

const struct ui_view *ui_view_of(const struct ui *u)
{
	if (u->overlay > 0 && (size_t)u->overlay < sizeof windows / sizeof *windows && windows[u->overlay])
		return windows[u->overlay];
	return u->focus ? &ui_view_detail : &ui_view_tree;
}

/* The key bar items of the view the user is in. */
static const char *const *bar_items(const struct ui *u)
{
	static const char *const typing[] = {"type what to find", "Enter find", "Esc leave", NULL};
	return u->lfind_typing && u->overlay ? typing : ui_view_of(u)->bar;
}

/* The key bar for the width: whole items only, as many as fit (? lists them all). */
static void footer(const struct ui *u, char *buf, size_t len)
{
	size_t k = 0, w = 0;
	buf[0] = '\0';
	for (const char *const *it = bar_items(u); *it; it++) {
		size_t iw = ui_text_width(*it) + 2;
		if (w + iw > (size_t)u->cols)
			continue;	/* a shorter one further on may still fit */
		int n = snprintf(buf + k, len - k, "  %s", *it);
		if (n < 0 || (size_t)n >= len - k)
			break;
		k += (size_t)n;
		w += iw;
	}
}

static void draw_status(struct ui *u)
{
	char title[512];
	snprintf(title, sizeof title, " sdsfhir %s | %s | auth: %s%s", PACKAGE_VERSION,
		 u->client ? client_base(u->client) : "no server", settings_auth_name(&u->set),
		 u->view == UI_VIEW_TAGS ? " | Tags" : u->view == UI_VIEW_FHIR ? " | FHIR" : u->view == UI_VIEW_IMAGE ? " | Image"
											       : " | Server");
	ui_put(0, 0, u->cols, title, ui_attr(u, UI_ATTR_TITLE));
	if (u->job)
		draw_progress(u, u->lines - 2);
	else if (ui_text_width(u->status) > (size_t)u->cols && u->cols > 20) {
		ui_put(u->lines - 2, 0, u->cols - 10, u->status, ui_attr(u, u->status_attr));
		ui_put(u->lines - 2, u->cols - 10, 10, " ... (L)", ui_attr(u, UI_ATTR_KEY));
	} else
		ui_put(u->lines - 2, 0, u->cols, u->status, ui_attr(u, u->status_attr));
	char bar[600];
	footer(u, bar, sizeof bar);
	ui_put(u->lines - 1, 0, u->cols, bar + 1, ui_attr(u, UI_ATTR_BAR));	/* one blank before the first */
}

static void draw(struct ui *u, int what)
{
	getmaxyx(stdscr, u->lines, u->cols);
	if (u->lines < 5 || u->cols < 20) {
		erase();
		ui_put(0, 0, u->cols, "sdsfhir: window too small", A_NORMAL);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	int h = u->lines - 3, tw = tree_width(u);
	const struct ui_view *v = ui_view_of(u);
	if (what & UI_DRAW_STATUS || what == UI_DRAW_ALL)
		draw_status(u);
	if (u->lfind_typing && u->overlay)	/* / in a window: typed in the status line */
		ui_list_prompt(u, u->lines - 2, 0, u->cols, "find in this window: ", "");
	int under = v->prompt ? (u->overlay == UI_OV_SAVE ? u->save_under : UI_OV_NONE) : u->overlay;
	if (under) {
		windows[under]->draw(u, 1, 0, h, u->cols);
	} else {
		if (what & UI_DRAW_TREE)
			ui_view_tree.draw(u, 1, 0, h, tw);
		for (int y = 1; y <= h; y++)
			ui_put(y, tw, 1, "|", ui_attr(u, UI_ATTR_DIM));
		if (what & (UI_DRAW_DETAIL | UI_DRAW_TREE))
			ui_view_detail.draw(u, 1, tw + 1, h, u->cols - tw - 1);
	}
	if (v->prompt)	/* typed in the status line, over what is under it */
		v->draw(u, u->lines - 2, 0, 1, u->cols);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- keys ---- */

static int action_of(int key)
{
	static const int keys[][3] = {
#define KEY_ACTION(id, where, names, k1, k2, k3, help) {k1, k2, k3},
#include "keys.def"
#undef KEY_ACTION
	};
	if (key == KEY_ENTER || key == '\r')
		key = '\n';
	for (int a = 0; a < ACT_COUNT; a++)
		for (int k = 0; k < 3; k++)
			if (keys[a][k] && keys[a][k] == key)
				return a;
	return ACT_NONE;
}

/* A click or a wheel turn at (x, y): click 1 pressed, 2 released or clicked (it acts); wheel
 * -1 up, 1 down. A click selects (and focuses) what it is on, the wheel scrolls what is under it. */
static int mouse(struct ui *u, int x, int y, int click, int wheel)
{
	int h = u->lines - 3, tw = tree_width(u);
	if (y < 1 || y > h)
		return 0;
	const struct ui_view *v = ui_view_of(u);
	if (u->overlay && !v->prompt) {
		if (wheel)
			return ui_list_move(u, wheel > 0 ? ACT_MOVE_DOWN : ACT_MOVE_UP) | UI_DRAW_ALL;
		size_t row = u->ltop + (size_t)(y - 2);	/* below the window's title */
		if (click && y >= 2 && row < (u->overlay == UI_OV_LOG ? u->log.n : u->list.n) && u->overlay != UI_OV_CONFIRM)
			u->lcur = row;
		return UI_DRAW_ALL;
	}
	int detail = x > tw;
	if (wheel) {
		const struct ui_view *pane = detail ? &ui_view_detail : &ui_view_tree;
		for (int i = 0; i < 3; i++)
			pane->key(u, wheel > 0 ? ACT_MOVE_DOWN : ACT_MOVE_UP, 0);
		return UI_DRAW_ALL;
	}
	if (!click)
		return 0;
	u->focus = detail;
	if (detail)
		return UI_DRAW_ALL;
	size_t row = u->top + (size_t)(y - 1);
	if (click == 1) {	/* pressed: the row selected; released (the click done): it may open */
		if (row < u->nrows)
			u->cur = row;
		return UI_DRAW_ALL;
	}
	static long last_ms;	/* a second click on the same row soon after: a double click */
	static int last_y = -1;
	long now = now_ms();
	int twice = y == last_y && now - last_ms < 400;
	last_ms = twice ? 0 : now;
	last_y = y;
	return ui_tree_click(u, row, x, twice);
}

/* The studies of an action, or a warning that there are none. Caller frees. */
static const struct dataset_node **targets_or_warn(struct ui *u, size_t *n)
{
	const struct dataset_node **s = ui_targets(u, n);
	if (!*n)
		ui_status(u, UI_ATTR_WARNING, "no study under the cursor (mark subjects or studies with Space)");
	return s;
}

/* The actions that start a job or open a window, the same from either pane; -1: none of them. */
static int pane_action(struct ui *u, int action)
{
	size_t n;
	const struct dataset_node **s;
	switch (action) {
	case ACT_QUIT:
		return UI_EXIT;
	case ACT_HELP:
		ui_help_open(u);
		return UI_DRAW_ALL;
	case ACT_LOG:
		ui_log_open(u);
		return UI_DRAW_ALL;
	case ACT_CANCEL:
		if (u->job) {
			u->job->cancel = 1;
			ui_status(u, UI_ATTR_WARNING, "cancelling...");
		}
		return UI_DRAW_STATUS;
	case ACT_CREATE_PATIENT:
		s = targets_or_warn(u, &n);
		if (n)
			ui_job_start(u, UI_JOB_PATIENT, s, n, NULL, NULL, NULL);
		else
			free(s);
		return UI_DRAW_ALL;
	case ACT_PUSH:
		return ui_confirm_push(u);
	case ACT_RETRACT:
		return ui_confirm_retract(u);
	case ACT_RESCAN:	/* from disk again; the tree shown stays until the new one is whole */
		if (ui_job_start(u, UI_JOB_SCAN, NULL, 0, NULL, NULL, NULL) == 0)
			ui_status(u, UI_ATTR_NORMAL, "scanning again (Esc cancels; the tree shown stays until then)");
		return UI_DRAW_STATUS;
	case ACT_UNDO:
		if (!jget_len(u->undo)) {
			ui_status(u, UI_ATTR_WARNING, "nothing to undo: no bodySite change in this session");
			return UI_DRAW_STATUS;
		}
		ui_job_start(u, UI_JOB_UNDO, NULL, 0, NULL, NULL, NULL);
		return UI_DRAW_ALL;
	case ACT_BODYSITE:
		s = targets_or_warn(u, &n);
		free(s);
		if (n)
			ui_picker_open(u);
		return UI_DRAW_ALL;
	case ACT_SEARCH:
		ui_search_open(u);
		return UI_DRAW_ALL;
	case ACT_REFRESH:
		s = u->tree ? dataset_collect(u->tree->root, DATASET_STUDY, &n) : NULL;
		if (s && n)
			ui_job_start(u, UI_JOB_COMPARE, s, n, NULL, NULL, NULL);
		else
			free(s);
		return UI_DRAW_ALL;
	default:
		return -1;
	}
}

/* The layout both panes share: which pane, the detail view, wrapping, the split; -1: none of them. */
static int layout_action(struct ui *u, int action)
{
	switch (action) {
	case ACT_SWITCH_PANE:
		u->focus = !u->focus;
		return UI_DRAW_ALL;
	case ACT_WRAP:
		u->dwrap[u->view] = !u->dwrap[u->view];	/* this view only: the tag table keeps its columns */
		u->dleft = 0;
		ui_status(u, UI_ATTR_NORMAL, "%s", u->dwrap[u->view] ? "detail: long lines wrap (w: scroll them sideways)"
						     : "detail: long lines scroll sideways with Left and Right in the pane (w: wrap)");
		return UI_DRAW_ALL;
	case ACT_SPLIT_LEFT: case ACT_SPLIT_RIGHT:
		u->split = tree_width(u) + (action == ACT_SPLIT_LEFT ? -4 : 4);
		u->split = tree_width(u);	/* within the bounds */
		return UI_DRAW_ALL;
	case ACT_VIEW_NEXT: case ACT_VIEW_TAGS: case ACT_VIEW_FHIR: case ACT_VIEW_SERVER: case ACT_VIEW_IMAGE:
		u->view = action == ACT_VIEW_NEXT ? (u->view + 1) % UI_VIEW_COUNT : action - ACT_VIEW_TAGS;
		u->dtop = 0;
		return UI_DRAW_ALL;
	default:
		return ui_image_key(u, action);
	}
}

/* What every view does alike: ? (help, or a window's keys), n and N (its find), S, o and y (its
 * text; the panes': the detail pane's); -1: none of them. */
static int common_action(struct ui *u, const struct ui_view *v, int action)
{
	const struct ui_view *shown = u->overlay ? v : &ui_view_detail;
	switch (action) {
	case ACT_HELP:
		if (!u->overlay)
			return -1;
		char keys[600];	/* ? in a window: its own keys, all of them */
		size_t k = 0;
		keys[0] = '\0';
		for (const char *const *it = v->bar; *it && k < sizeof keys; it++)
			k += (size_t)snprintf(keys + k, sizeof keys - k, "%s%s", k ? "   " : "", *it);
		ui_status(u, UI_ATTR_NORMAL, "keys here: %s", keys);
		return UI_DRAW_STATUS;
	case ACT_NEXT_MATCH: case ACT_PREV_MATCH:
		if (!v->find) {
			ui_status(u, UI_ATTR_WARNING, "nothing to find in this window");
			return UI_DRAW_STATUS;
		}
		return v->find(u, action == ACT_NEXT_MATCH ? 1 : -1, 0);
	case ACT_SAVE:
		ui_export_save_open(u, shown);
		return UI_DRAW_ALL;
	case ACT_PAGER:
		ui_export_pager(u, shown);
		return UI_DRAW_ALL;
	case ACT_COPY:
		ui_export_copy(u, shown);
		return UI_DRAW_STATUS;
	default:
		return -1;
	}
}

/* A key to the view the user is in: typed text to a prompt or a window with an input line; in
 * a window, a find being typed; then the keys every view shares, then the panes', then its own.
 * A key keys.def does not give the view says so. */
static int route_key(struct ui *u, int key)
{
	const struct ui_view *v = ui_view_of(u);
	int action = action_of(key);
	if (!v->where)
		return v->key(u, action, key) | UI_DRAW_STATUS;
	if (u->lfind_typing && u->overlay)
		return ui_list_key(u, action, key) | UI_DRAW_STATUS;
	if (action == ACT_NONE)
		return 0;
	if (!strchr(keys_where(action), v->where)) {
		ui_status(u, UI_ATTR_WARNING, "%s: not a key %s (? lists %s keys)", keys_shown(action),
			  u->overlay ? "in this window" : "in this pane", u->overlay ? "this window's" : "the");
		return UI_DRAW_STATUS;
	}
	int r = common_action(u, v, action);
	if (r < 0 && !u->overlay)
		r = pane_action(u, action);
	if (r < 0 && !u->overlay)
		r = layout_action(u, action);
	return r >= 0 ? r : v->key(u, action, key);
}

static int dispatch(struct ui *u, int key)
{
	if (key == KEY_MOUSE) {
		MEVENT ev;
		if (getmouse(&ev) != OK)
			return 0;
		int wheel = ev.bstate & BUTTON4_PRESSED ? -1 : ev.bstate & BUTTON5_PRESSED ? 1 : 0;
		int click = ev.bstate & (BUTTON1_CLICKED | BUTTON1_RELEASED) ? 2 : ev.bstate & BUTTON1_PRESSED ? 1 : 0;
		return mouse(u, ev.x, ev.y, click, wheel);
	}
	if (key == KEY_RESIZE)
		return UI_DRAW_ALL;
	int r = route_key(u, key);
	if (r & UI_GOTO && u->go_to)
		ui_tree_select(u, u->go_to);
	return r & ~UI_GOTO;
}

/* ---- script mode (tests): keys from a file, screen dumps ---- */

static void dump_screen(struct ui *u, const char *path)
{
	char err[600];
	struct safefile *sf = strcmp(path, "-") ? safefile_open(path, err, sizeof err) : NULL;
	FILE *f = sf ? safefile_stream(sf) : strcmp(path, "-") ? NULL : stdout;
	if (!f)
		return;
	for (int y = 0; y < u->lines; y++) {
		wchar_t line[1024];
		int n = mvinnwstr(y, 0, line, u->cols < 1023 ? u->cols : 1023);
		if (n < 0)
			n = 0;
		line[n] = 0;
		char out[4096];
		size_t m = wcstombs(out, line, sizeof out - 1);
		if (m == (size_t)-1)
			m = 0;
		out[m] = '\0';
		while (m && out[m - 1] == ' ')
			out[--m] = '\0';
		fprintf(f, "%s\n", out);
	}
	if (sf)
		safefile_commit(&sf, 1, err, sizeof err);
}

static int key_named(const char *name)
{
	static const struct { const char *name; int key; } named[] = {
		{"<Enter>", '\n'}, {"<Esc>", 27}, {"<Tab>", '\t'}, {"<Space>", ' '}, {"<Up>", KEY_UP},
		{"<Down>", KEY_DOWN}, {"<Left>", KEY_LEFT}, {"<Right>", KEY_RIGHT}, {"<PgUp>", KEY_PPAGE},
		{"<PgDn>", KEY_NPAGE}, {"<Home>", KEY_HOME}, {"<End>", KEY_END}, {"<BS>", KEY_BACKSPACE},
		{"<C-c>", 3}, {"<C-u>", 21}, {"<C-r>", 18}};
	for (size_t i = 0; i < sizeof named / sizeof *named; i++)
		if (strcmp(name, named[i].name) == 0)
			return named[i].key;
	return -1;
}

static void wait_job(struct ui *u, int *redraw)
{
	while (u->job) {
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
		*redraw |= job_poll(u);
	}
	if (!u->pictures || u->view != UI_VIEW_IMAGE)
		return;
	draw(u, UI_DRAW_ALL);	/* the pictures this screen asks for, rendered (10 s at most) */
	for (int i = 0; i < 500 && picture_pending(u->pictures); i++) {
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
	}
	*redraw |= UI_DRAW_ALL;
}

/* Run the script; returns 1 when it asked to quit. */
static int run_script(struct ui *u, FILE *f)
{
	char line[1024];
	int redraw = UI_DRAW_ALL;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		char *l = line;
		while (*l == ' ')
			l++;
		if (!*l || *l == '#')
			continue;
		redraw |= job_poll(u);
		if (strncmp(l, ":wait", 5) == 0) {
			wait_job(u, &redraw);
		} else if (strncmp(l, ":dump ", 6) == 0) {
			wait_job(u, &redraw);
			draw(u, UI_DRAW_ALL);
			redraw = 0;
			dump_screen(u, l + 6);
		} else if (strncmp(l, ":sleep ", 7) == 0) {
			long ms = strtol(l + 7, NULL, 10);
			struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		} else if (strncmp(l, ":mouse ", 7) == 0) {	/* :mouse X Y click|up|down */
			int mx, my;
			char what[16] = "";
			if (sscanf(l + 7, "%d %d %15s", &mx, &my, what) == 3)
				redraw |= mouse(u, mx, my, strcmp(what, "click") == 0 ? 2 : 0,
						strcmp(what, "up") == 0 ? -1 : strcmp(what, "down") == 0 ? 1 : 0);
		} else if (strncmp(l, ":resize ", 8) == 0) {
			int w, h;
			if (sscanf(l + 8, "%dx%d", &w, &h) == 2)
				resizeterm(h, w);
			redraw = UI_DRAW_ALL;
		} else if (strncmp(l, ":type ", 6) == 0) {
			for (const char *c = l + 6; *c; c++)
				redraw |= dispatch(u, (unsigned char)*c);
		} else {
			for (char *tok = strtok(l, " "); tok; tok = strtok(NULL, " ")) {
				int k = tok[0] == '<' && tok[1] ? key_named(tok) : (unsigned char)tok[0];
				if (k < 0)
					continue;
				long k0 = now_ms();
				redraw |= dispatch(u, k) | job_poll(u);
				if (redraw & UI_EXIT)
					return 1;
				if (u->timing) {	/* each key answered: handled and drawn */
					draw(u, redraw);
					redraw = 0;
					fprintf(u->timing, "key %d ms %ld%s\n", k, now_ms() - k0, u->job ? " busy" : "");
				}
			}
		}
		if (redraw & UI_EXIT)
			return 1;
		if (redraw) {
			draw(u, redraw);
			redraw = 0;
		}
	}
	return 0;
}

/* ---- setup ---- */

static int parse_args(struct ui *u, int argc, char **argv)
{
	enum { OPT_SETTING = 256, OPT_CONFIG, OPT_NO_CACHE };
	static const struct option longopts[] = {
#define SETTINGS_OPTION(name, arg, key, fixed) {name, arg ? required_argument : no_argument, NULL, OPT_SETTING},
#include "settings_options.def"
#undef SETTINGS_OPTION
		{"config", required_argument, NULL, OPT_CONFIG}, {"no-cache", no_argument, NULL, OPT_NO_CACHE},
		{NULL, 0, NULL, 0}};
	struct settings_args args = {0};
	char err[1024];
	int c, li = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, &li)) != -1) {
		if (c == OPT_CONFIG) {
			args.config = optarg;
		} else if (c == OPT_NO_CACHE) {
			u->no_cache = 1;
		} else if (c != OPT_SETTING || settings_arg(&args, longopts[li].name, optarg) < 0) {
			fprintf(stderr, "sdsfhir: unknown option or missing value '%s'\nTry 'sdsfhir --help'.\n", argv[optind - 1]);
			return -1;
		}
	}
	if (settings_resolve(&u->set, &args, err, sizeof err) < 0) {
		fprintf(stderr, "sdsfhir: %s\n", err);
		return -1;
	}
	return optind;
}

/* Cancel the running job and give it up to ms to end. 0 when it ended. */
static int stop_job(struct ui *u, long ms)
{
	if (!u->job)
		return 0;
	u->job->cancel = 1;
	long t0 = now_ms();
	int redraw = 0;
	while (u->job && now_ms() - t0 < ms) {
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
		redraw |= job_poll(u);
	}
	return u->job ? -1 : 0;
}

static void cleanup(struct ui *u)
{
	if (stop_job(u, 1000) < 0)
		return;	/* a job stuck in a system call: quit anyway, the process ends it */
	picture_worker_free(&u->pictures);
	ui_lines_clear(&u->detail);
	ui_lines_clear(&u->list);
	ui_lines_clear(&u->log);
	for (size_t i = 0; i < u->ncopies; i++) {
		json_object_put(u->copies[i].resource);
		free(u->copies[i].diff);
		free(u->copies[i].kept);
	}
	free(u->copies);
	json_object_put(u->matches);
	json_object_put(u->included);
	json_object_put(u->undo);
	free(u->next);
	free(u->rows);
	dataset_free(&u->tree);
	client_free(&u->client);
	settings_clear(&u->set);
}

/* The terminal for SDSFHIR_SCRIPT: curses on /dev/null, SDSFHIR_SIZE (COLSxROWS, default
 * 80x24) as its size. *in and *out get the streams to close after delscreen. */
static SCREEN *script_screen(FILE **in, FILE **out)
{
	const char *term = getenv("TERM");
	*in = fopen("/dev/null", "r");
	*out = fopen("/dev/null", "w");
	int w = 80, h = 24;
	const char *size = getenv("SDSFHIR_SIZE");
	if (size)
		sscanf(size, "%dx%d", &w, &h);
	char lines[16], cols[16];
	snprintf(lines, sizeof lines, "%d", h);
	snprintf(cols, sizeof cols, "%d", w);
	setenv("LINES", lines, 1);
	setenv("COLUMNS", cols, 1);
	SCREEN *scr = newterm(term && *term && strcmp(term, "dumb") ? term : "xterm", *out, *in);
	return scr ? scr : newterm("xterm", *out, *in);
}

/* Signals, raw keys, the mouse (unless turned off), no cursor, and colours unless NO_COLOR. */
static void terminal_setup(struct ui *u)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	raw();
	noecho();
	keypad(stdscr, TRUE);
	if (!u->set.no_mouse) {	/* as tig, htop and k9s: click and wheel; Shift keeps the terminal's selection */
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
		mouseinterval(0);
	}
	curs_set(0);
	set_escdelay(25);
	timeout(100);
	const char *nc = getenv("NO_COLOR");
	u->color = has_colors() && !(nc && *nc);
	if (u->color) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_RED, -1);
		init_pair(2, COLOR_YELLOW, -1);
		init_pair(3, COLOR_CYAN, -1);
		init_pair(4, COLOR_GREEN, -1);
		init_pair(5, COLOR_MAGENTA, -1);
	}
}

/* Keys and jobs until q or a signal; each key's time to tf (may be NULL). Returns the exit
 * status: 0, or 130 after Ctrl-C (interrupted, as a shell counts it: 128 + SIGINT). */
static int main_loop(struct ui *u, FILE *tf)
{
	int redraw = 0;
	while (!got_signal) {
		int key = getch();
		long k0 = now_ms();
		if (key == 3)	/* Ctrl-C in raw mode */
			return 128 + SIGINT;
		if (key != ERR)
			redraw |= dispatch(u, key);
		redraw |= job_poll(u);
		if (u->pictures && picture_ready(u->pictures))
			redraw |= UI_DRAW_DETAIL;	/* a picture came */
		if (redraw & UI_EXIT)
			break;
		if (redraw) {
			draw(u, redraw);
			redraw = 0;
		}
		if (tf && key != ERR)
			fprintf(tf, "key %d ms %ld%s\n", key, now_ms() - k0, u->job ? " busy" : "");
	}
	return 0;
}

int ui_main(int argc, char **argv)
{
	long t0 = now_ms();	/* the first screen is timed from here */
	struct ui u;
	memset(&u, 0, sizeof u);
	int first = parse_args(&u, argc, argv);
	if (first < 0)
		return 2;
	static char *dot[] = {"."};
	u.paths = first < argc ? argv + first : dot;
	u.npaths = first < argc ? (size_t)(argc - first) : 1;
	u.fopts.bodysite_hint = "b";
	if (settings_fhir_opts(&u.set, &u.fopts) < 0) {
		fprintf(stderr, "sdsfhir: --zone takes local, Z, +hh:mm, -hh:mm or a time zone name such as Europe/Berlin\n");
		cleanup(&u);
		return 2;
	}
	struct client_opts co;
	if (settings_client_opts(&u.set, &co, u.client_err, sizeof u.client_err) == 0) {
		u.client = client_new(&co, u.client_err, sizeof u.client_err);
	}

	const char *script = getenv("SDSFHIR_SCRIPT");
	FILE *sf = NULL, *devnull_in = NULL, *devnull_out = NULL;
	SCREEN *scr = NULL;
	if (script && *script) {
		sf = fopen(script, "r");
		if (!sf) {
			fprintf(stderr, "sdsfhir: SDSFHIR_SCRIPT %s: %s\n", script, strerror(errno));
			cleanup(&u);
			return 2;
		}
		scr = script_screen(&devnull_in, &devnull_out);
		u.script = 1;
	} else {
		if (!isatty(0) || !isatty(1)) {
			fprintf(stderr, "sdsfhir: the UI needs a terminal (or use a subcommand: sdsfhir --help)\n");
			cleanup(&u);
			return 2;
		}
		initscr();
	}
	if (script && !scr) {
		fprintf(stderr, "sdsfhir: cannot set up the terminal for the script\n");
		cleanup(&u);
		return 2;
	}
	terminal_setup(&u);
	u.pictures = picture_worker_new(PICTURE_CACHE_BYTES);	/* NULL (out of memory): no pictures, said */
	if (!u.client)
		ui_log(&u, UI_ATTR_ERROR, "no server connection: %s", u.client_err);
	for (const char *w = u.set.warnings; *w;) {
		size_t n = strcspn(w, "\n");
		ui_log(&u, UI_ATTR_WARNING, "warning: %.*s", (int)n, w);
		w += n + (w[n] == '\n');
	}
	if (u.set.warnings[0])
		ui_status(&u, UI_ATTR_WARNING, "%s (L: the log)", "a warning about the credentials");
	ui_job_start(&u, UI_JOB_SCAN, NULL, 0, NULL, NULL, NULL);
	draw(&u, UI_DRAW_ALL);
	u.first_draw_ms = now_ms() - t0;
	const char *timing = getenv("SDSFHIR_TIMING");	/* bench/ui.sh: how long each key took */
	char terr[600];
	struct safefile *tsf = timing && *timing ? safefile_open(timing, terr, sizeof terr) : NULL;
	FILE *tf = tsf ? safefile_stream(tsf) : NULL;
	if (tf)
		fprintf(tf, "first-draw-ms %ld\n", u.first_draw_ms);
	u.timing = tf;

	int rc = 0;
	if (sf) {
		run_script(&u, sf);
		fclose(sf);
	} else {
		rc = main_loop(&u, tf);
	}
	if (tsf)
		safefile_commit(&tsf, 1, terr, sizeof terr);
	erase();	/* a terminal without an alternate screen (vt100) is left clean too */
	refresh();
	endwin();
	if (scr)
		delscreen(scr);
	if (devnull_in)
		fclose(devnull_in);
	if (devnull_out)
		fclose(devnull_out);
	cleanup(&u);
	if (got_signal)
		rc = 128 + got_signal;
	return rc;
}
