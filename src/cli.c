#include "config.h"

#include "cli.h"
#include "safefile.h"
#include "termsafe.h"
#include "jget.h"
#include "dataset.h"
#include "dicom.h"
#include "actions.h"
#include "cache.h"
#include "client.h"
#include "fhir.h"
#include "research.h"
#include "settings.h"
#include "intern.h"
#include "preview.h"
#include "upload.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/ioctl.h>

/* Everything the commands print goes through here: each line through termsafe, so that no
 * name, value or server text can drive the terminal (--json output is JSON, escaped by json-c). */
static void say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *f, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len), *safe = line ? termsafe_dup(line) : NULL;
		if (safe)
			fputs(safe, f);
		free(line);
		free(safe);
		p += len;
		if (*p == '\n') {
			fputc('\n', f);
			p++;
		}
	}
	free(text);
}


/* ---- scan ---- */

static void print_msgs(FILE *out, const struct dataset_node *n, int indent)
{
	for (const struct dataset_msg *m = n->msgs; m; m = m->next)
		say(out, "%*s%s: %s\n", indent, "", m->level == DATASET_ERROR ? "error" : "warning", m->text);
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void count_kinds(const struct dataset_node *n, size_t *counts)
{
	counts[n->kind]++;
	for (const struct dataset_node *c = n->child; c; c = c->next)
		count_kinds(c, counts);
}

static void plural(FILE *out, size_t n, const char *one, const char *many)
{
	say(out, "%zu %s", n, n == 1 ? one : many);
}

static void print_counts(FILE *out, const struct dataset_node *n)
{
	size_t c[DATASET_META + 1] = {0};
	count_kinds(n, c);
	const char *sep = "";
	if (n->kind == DATASET_ROOT) {
		plural(out, c[DATASET_DATASET], "dataset", "datasets");
		sep = ", ";
	}
	if (n->kind < DATASET_SUBJECT) {
		fputs(sep, out);
		plural(out, c[DATASET_SUBJECT], "subject", "subjects");
		sep = ", ";
	}
	if (n->kind < DATASET_STUDY) {
		fputs(sep, out);
		plural(out, c[DATASET_STUDY], "study", "studies");
		sep = ", ";
	}
	if (n->kind < DATASET_SERIES) {
		fputs(sep, out);
		plural(out, c[DATASET_SERIES], "series", "series");
		sep = ", ";
	}
	fputs(sep, out);
	plural(out, n->ninstances, "instance", "instances");
	if (n->nerrors) {
		fputs(", ", out);
		plural(out, n->nerrors, "error", "errors");
	}
	if (n->nwarnings) {
		fputs(", ", out);
		plural(out, n->nwarnings, "warning", "warnings");
	}
}

static void print_node(FILE *out, const struct dataset_tree *t, const struct dataset_node *n, int depth, int verbose)
{
	int ind = 2 * depth;
	switch (n->kind) {
	case DATASET_DATASET:
		say(out, "%*sdataset %s  (%s)\n%*s  ", ind, "", n->name, n->path, ind, "");
		print_counts(out, n);
		fputc('\n', out);
		break;
	case DATASET_META:
		say(out, "%*smetadata %s\n", ind, "", n->name);
		break;
	case DATASET_SUBJECT:
		say(out, "%*ssubject %s  ", ind, "", n->name);
		print_counts(out, n);
		fputc('\n', out);
		break;
	case DATASET_STUDY:
		say(out, "%*sstudy %s  date %s %s  patient %s  \"%s\"  ", ind, "", n->name,
			or_dash(dataset_tag(t, n, DICOM_STUDY_DATE)), or_dash(dataset_tag(t, n, DICOM_STUDY_TIME)),
			or_dash(dataset_tag(t, n, DICOM_PATIENT_ID)), or_dash(dataset_tag(t, n, DICOM_STUDY_DESCRIPTION)));
		print_counts(out, n);
		fputc('\n', out);
		break;
	case DATASET_SERIES:
		say(out, "%*sseries %s  #%s %s %s \"%s\"  uid %s  ", ind, "", *n->name ? n->name : "(no sample)",
			or_dash(dataset_tag(t, n, DICOM_SERIES_NUMBER)), or_dash(dataset_tag(t, n, DICOM_MODALITY)),
			or_dash(dataset_tag(t, n, DICOM_BODY_PART)), or_dash(dataset_tag(t, n, DICOM_SERIES_DESCRIPTION)),
			dataset_tag(t, n, DICOM_SERIES_UID));
		print_counts(out, n);
		fputc('\n', out);
		break;
	case DATASET_INSTANCE:
		if (verbose || n->msgs)
			say(out, "%*sinstance %s  #%s  %s\n", ind, "", n->name,
				or_dash(dataset_tag(t, n, DICOM_INSTANCE_NUMBER)), dataset_tag(t, n, DICOM_SOP_INSTANCE_UID));
		break;
	case DATASET_FILE:
		say(out, "%*s%s %s\n", ind, "", n->flags & DATASET_NODE_SKIPPED ? "skipped" : "file", n->name);
		break;
	default:
		break;
	}
	print_msgs(out, n, ind + 2);
	for (const struct dataset_node *c = n->child; c; c = c->next)
		print_node(out, t, c, depth + 1, verbose);
}

static void jadd_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

static json_object *jmsgs(const struct dataset_node *n)
{
	json_object *a = json_object_new_array();
	for (const struct dataset_msg *m = n->msgs; m; m = m->next) {
		json_object *o = json_object_new_object();
		jadd_str(o, "level", m->level == DATASET_ERROR ? "error" : "warning");
		jadd_str(o, "text", m->text);
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *jfile(const struct dataset_node *n)
{
	json_object *o = json_object_new_object();
	jadd_str(o, "path", n->name);
	const char *e = dataset_first_msg(n, DATASET_ERROR);
	jadd_str(o, e ? "error" : "skipped", e ? e : dataset_first_msg(n, DATASET_WARNING));
	return o;
}

static json_object *jcounts(const struct dataset_node *n)
{
	size_t c[DATASET_META + 1] = {0};
	count_kinds(n, c);
	json_object *o = json_object_new_object();
	static const struct { int kind; const char *key; } keys[] = {
		{DATASET_DATASET, "datasets"}, {DATASET_SUBJECT, "subjects"}, {DATASET_STUDY, "studies"},
		{DATASET_SERIES, "series"}};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (keys[i].kind > n->kind)
			json_object_object_add(o, keys[i].key, json_object_new_int64((int64_t)c[keys[i].kind]));
	json_object_object_add(o, "instances", json_object_new_int64(n->ninstances));
	json_object_object_add(o, "errors", json_object_new_int64(n->nerrors));
	json_object_object_add(o, "warnings", json_object_new_int64(n->nwarnings));
	return o;
}

#define JFLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct jout {			/* scan --json's studies go out through this buffer: a study has
				   many small pieces, and a stdio call each cost more than the rest */
	FILE *f;
	size_t len;
	int bad;		/* a write failed */
	char buf[65536];
};

static void jo_put(struct jout *o, const char *p, size_t n)
{
	if (o->len + n > sizeof o->buf) {
		o->bad |= fwrite(o->buf, 1, o->len, o->f) != o->len;
		o->len = 0;
		if (n > sizeof o->buf) {
			o->bad |= fwrite(p, 1, n, o->f) != n;
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void jo_str(struct jout *o, const char *s)
{
	jo_put(o, s, strlen(s));
}

/* obj as json-c writes it, then obj freed. */
static void put_jobj(struct jout *o, json_object *obj)
{
	jo_str(o, json_object_to_json_string_ext(obj, JFLAGS));
	json_object_put(obj);
}

/* ,"key": and v as a JSON string (null for NULL); one with anything to escape goes through tmp,
 * one json-c string used again and again, so that json-c does the escaping. */
static void put_field(struct jout *o, json_object *tmp, const char *key, const char *v, int first)
{
	jo_str(o, first ? "{\"" : ",\"");
	jo_str(o, key);
	jo_str(o, "\":");
	if (!v) {
		jo_str(o, "null");
		return;
	}
	size_t n = 0;
	while (v[n] && v[n] != '"' && v[n] != '\\' && (unsigned char)v[n] >= 0x20)
		n++;
	if (!v[n]) {	/* nothing to escape (the common case): as json-c would write it */
		jo_put(o, "\"", 1);
		jo_put(o, v, n);
		jo_put(o, "\"", 1);
		return;
	}
	json_object_set_string(tmp, v);
	jo_str(o, json_object_to_json_string_ext(tmp, JFLAGS));
}

/* A study, series or instance: its fields, its children's array (studies: "series", series:
 * "instances"), then files and counts (not for an instance) and messages, in that order, as
 * documented in sdsfhir(1); written as it goes. */
static void stream_item(struct jout *o, const struct dataset_tree *t, const struct dataset_node *n, json_object *tmp)
{
	const char *kids = NULL;
	switch (n->kind) {
	case DATASET_STUDY:
		put_field(o, tmp, "uid", n->name, 1);
		put_field(o, tmp, "date", dataset_tag(t, n, DICOM_STUDY_DATE), 0);
		put_field(o, tmp, "time", dataset_tag(t, n, DICOM_STUDY_TIME), 0);
		put_field(o, tmp, "description", dataset_tag(t, n, DICOM_STUDY_DESCRIPTION), 0);
		put_field(o, tmp, "patient_id", dataset_tag(t, n, DICOM_PATIENT_ID), 0);
		put_field(o, tmp, "patient_name", dataset_tag(t, n, DICOM_PATIENT_NAME), 0);
		kids = "series";
		break;
	case DATASET_SERIES:
		put_field(o, tmp, "uid", dataset_tag(t, n, DICOM_SERIES_UID), 1);
		put_field(o, tmp, "sample", n->name, 0);
		put_field(o, tmp, "number", dataset_tag(t, n, DICOM_SERIES_NUMBER), 0);
		put_field(o, tmp, "modality", dataset_tag(t, n, DICOM_MODALITY), 0);
		put_field(o, tmp, "body_part", dataset_tag(t, n, DICOM_BODY_PART), 0);
		put_field(o, tmp, "description", dataset_tag(t, n, DICOM_SERIES_DESCRIPTION), 0);
		kids = "instances";
		break;
	default:
		put_field(o, tmp, "path", n->name, 1);
		put_field(o, tmp, "uid", dataset_tag(t, n, DICOM_SOP_INSTANCE_UID), 0);
		put_field(o, tmp, "number", dataset_tag(t, n, DICOM_INSTANCE_NUMBER), 0);
		break;
	}
	if (kids) {
		jo_str(o, ",\"");
		jo_str(o, kids);
		jo_str(o, "\":[");
		int first = 1;
		json_object *files = json_object_new_array();
		for (const struct dataset_node *c = n->child; c && !o->bad; c = c->next) {
			if (c->kind == DATASET_FILE) {
				json_object_array_add(files, jfile(c));
			} else if (c->kind != DATASET_META) {
				if (!first)
					jo_put(o, ",", 1);
				first = 0;
				stream_item(o, t, c, tmp);
			}
		}
		jo_str(o, "],\"files\":");
		put_jobj(o, files);
		jo_str(o, ",\"counts\":");
		put_jobj(o, jcounts(n));
	}
	jo_str(o, ",\"messages\":");
	if (n->msgs)
		put_jobj(o, jmsgs(n));
	else
		jo_str(o, "[]");
	jo_put(o, "}", 1);
}

/* scan --json, streamed, so that memory does not grow with the output: the levels above a study
 * with their child array last, each study as stream_item writes it. */
static int stream_node(struct jout *jo, json_object *tmp, const struct dataset_tree *t, const struct dataset_node *n,
		       int depth)
{
	FILE *f = jo->f;
	if (n->kind == DATASET_STUDY || n->kind == DATASET_SERIES || n->kind == DATASET_INSTANCE) {
		stream_item(jo, t, n, tmp);
		jo->bad |= fwrite(jo->buf, 1, jo->len, f) != jo->len;	/* before the levels above write again */
		jo->len = 0;
		return jo->bad ? -1 : 0;
	}
	json_object *o = json_object_new_object(), *meta = NULL, *files = json_object_new_array();
	const char *kids = n->kind == DATASET_DATASET ? "subjects" : "studies";
	jadd_str(o, "name", n->name);
	if (n->kind == DATASET_DATASET) {
		jadd_str(o, "path", n->path);
		json_object_object_add(o, "metadata", meta = json_object_new_array());
	}
	for (const struct dataset_node *c = n->child; c; c = c->next) {
		if (c->kind == DATASET_META && meta)
			json_object_array_add(meta, json_object_new_string(c->name));
		else if (c->kind == DATASET_FILE)
			json_object_array_add(files, jfile(c));
	}
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "counts", jcounts(n));
	json_object_object_add(o, "messages", jmsgs(n));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(s);	/* "{...}": leave the brace open for the children */
	int bad = fprintf(f, "%*s%.*s, \"%s\": [", depth * 2, "", (int)(len - 1), s, kids) < 0;
	json_object_put(o);
	int first = 1;
	for (const struct dataset_node *c = n->child; c && !bad; c = c->next) {
		if (c->kind == DATASET_META || c->kind == DATASET_FILE)
			continue;
		bad |= fputs(first ? "\n" : ",\n", f) < 0;
		first = 0;
		if (c->kind == DATASET_STUDY)
			bad |= fprintf(f, "%*s", depth * 2 + 2, "") < 0;
		bad |= stream_node(jo, tmp, t, c, depth + 1) < 0;
	}
	bad |= fputs("]}", f) < 0;
	return bad ? -1 : 0;
}

static int stream_tree(FILE *f, const struct dataset_tree *t)
{
	struct jout *jo = malloc(sizeof *jo);	/* one buffer and one string for every study */
	json_object *tmp = json_object_new_string("");
	if (!jo || !tmp) {
		free(jo);
		json_object_put(tmp);
		return -1;
	}
	jo->f = f;
	jo->len = 0;
	jo->bad = 0;
	int bad = fputs("{\"format\": \"sdsfhir-scan/1\", \"datasets\": [", f) < 0, first = 1;
	json_object *errs = json_object_new_array();
	for (const struct dataset_node *c = t->root->child; c; c = c->next) {
		if (c->kind != DATASET_DATASET) {
			json_object *e = json_object_new_object();
			jadd_str(e, "input", c->name);
			jadd_str(e, "error", dataset_first_msg(c, DATASET_ERROR));
			json_object_array_add(errs, e);
			continue;
		}
		bad |= fputs(first ? "\n" : ",\n", f) < 0;
		first = 0;
		bad |= stream_node(jo, tmp, t, c, 1) < 0;
	}
	json_object *totals = jcounts(t->root), *cache = json_object_new_object();
	json_object_object_add(cache, "files", json_object_new_int64((int64_t)t->nfiles));
	json_object_object_add(cache, "from_cache", json_object_new_int64((int64_t)t->cached));
	bad |= fprintf(f, "],\n\"input_errors\": %s,\n\"totals\": %s,\n\"cache\": %s}\n",
		       json_object_to_json_string_ext(errs, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
		       json_object_to_json_string_ext(totals, JSON_C_TO_STRING_PLAIN),
		       json_object_to_json_string_ext(cache, JSON_C_TO_STRING_PLAIN)) < 0;
	json_object_put(errs);
	json_object_put(totals);
	json_object_put(cache);
	json_object_put(tmp);
	free(jo);
	return bad ? -1 : 0;
}

#define PRINT_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

static int print_json(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, PRINT_FLAGS);
	int r = puts(s) < 0 ? -1 : 0;
	json_object_put(o);
	return r;
}

static int usage_error(const char *cmd, const char *text)
{
	say(stderr, "sdsfhir %s: %s\nTry 'sdsfhir --help'.\n", cmd, text);
	return CLI_EXIT_USAGE;
}

/* When none of the paths argv[first..argc) exists: a usage error naming the first (exit 2);
 * 0 otherwise (a path missing among others is an error of the scan: partly done). */
static int paths_missing(const char *cmd, int argc, char **argv, int first)
{
	struct stat st;
	for (int i = first; i < argc; i++)
		if (stat(argv[i], &st) == 0 || errno != ENOENT)
			return 0;
	char text[600];
	snprintf(text, sizeof text, "%s: no such file or folder", first < argc ? argv[first] : "");
	return usage_error(cmd, text);
}

/* Parse the options shared by scan and tags; returns the index of the first path or -1. */
static int no_cache;	/* --no-cache */

/* The scan cache folder to use, or NULL (--no-cache, or no home). */
static const char *cache_folder(void)
{
	static char dir[4096];
	return !no_cache && cache_dir(dir, sizeof dir) == 0 ? dir : NULL;
}

static int parse_common(int argc, char **argv, const char *cmd, int *json, int *verbose, int *jobs)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'J'}, {"verbose", no_argument, NULL, 'v'},
		{"jobs", required_argument, NULL, 'j'}, {"no-cache", no_argument, NULL, 'C'}, {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': *json = 1; break;
		case 'v': *verbose = 1; break;
		case 'C': no_cache = 1; break;
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 16) {
				usage_error(cmd, "--jobs takes a number from 1 to 16");
				return -1;
			}
			*jobs = (int)n;
			break;
		}
		default: {
			char text[128];
			snprintf(text, sizeof text, "unknown option '%s'", argv[optind - 1]);
			usage_error(cmd, text);
			return -1;
		}
		}
	}
	return optind;
}

int cli_scan(int argc, char **argv)
{
	int json = 0, verbose = 0, jobs = 0;
	int first = parse_common(argc, argv, "scan", &json, &verbose, &jobs);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first >= argc)
		return usage_error("scan", "give at least one dataset, primary/, subject or sample folder");
	if (paths_missing("scan", argc, argv, first))
		return CLI_EXIT_USAGE;
	char err[512];
	struct dataset_scan_opts opts = {.threads = jobs, .cache_dir = cache_folder()};
	struct dataset_tree *t = dataset_scan((const char *const *)argv + first, (size_t)(argc - first), &opts,
					      err, sizeof err);
	if (!t) {
		say(stderr, "sdsfhir: %s\n", err);
		return CLI_EXIT_FATAL;
	}
	if (t->cache_note[0])
		say(stderr, "sdsfhir: warning: %s\n", t->cache_note);
	if (verbose)
		say(stderr, "sdsfhir: %zu of %zu files taken from the scan cache\n", t->cached, t->nfiles);
	int rc = t->root->nerrors ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
	if (json) {
		if (stream_tree(stdout, t) < 0)
			rc = CLI_EXIT_FATAL;
	} else {
		for (const struct dataset_node *c = t->root->child; c; c = c->next)
			print_node(stdout, t, c, 0, verbose);
		fputs("total: ", stdout);
		print_counts(stdout, t->root);
		fputc('\n', stdout);
	}
	dataset_free(&t);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FATAL;
	return rc;
}

/* ---- tags ---- */

int cli_tags(int argc, char **argv)
{
	int json = 0, verbose = 0, jobs = 0;
	int first = parse_common(argc, argv, "tags", &json, &verbose, &jobs);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first >= argc)
		return usage_error("tags", "give at least one DICOM file");
	char err[512];
	if (dicom_init(err, sizeof err) != DICOM_OK) {
		say(stderr, "sdsfhir: %s\n", err);
		return CLI_EXIT_FATAL;
	}
	struct dicom_header *h = malloc(sizeof *h);
	if (!h) {
		say(stderr, "sdsfhir: out of memory\n");
		return CLI_EXIT_FATAL;
	}
	int rc = CLI_EXIT_OK;
	json_object *all = json ? json_object_new_array() : NULL;
	for (int i = first; i < argc; i++) {
		int st = dicom_read_header(argv[i], h, err, sizeof err);
		if (st != DICOM_OK)
			rc = CLI_EXIT_PARTIAL;
		if (json) {
			json_object *o = json_object_new_object(), *tags = json_object_new_object();
			jadd_str(o, "file", argv[i]);
			if (st == DICOM_OK) {
				for (int t = 0; t < DICOM_TAG_COUNT; t++)
					jadd_str(tags, dicom_tag_table[t].keyword, dicom_header_get(h, (enum dicom_tag)t));
				json_object_object_add(o, "tags", tags);
				jadd_str(o, "transfer_syntax_name", h->xfer_name);
				jadd_str(o, "warning", h->warning[0] ? h->warning : NULL);
			} else {
				json_object_put(tags);
				jadd_str(o, "error", err);
			}
			json_object_array_add(all, o);
			continue;
		}
		say(stdout, "%s%s\n", i > first ? "\n" : "", argv[i]);
		if (st != DICOM_OK) {
			say(stdout, "  error: %s\n", err);
			continue;
		}
		for (int t = 0; t < DICOM_TAG_COUNT; t++) {
			const struct dicom_tag_info *ti = &dicom_tag_table[t];
			const char *v = dicom_header_get(h, (enum dicom_tag)t);
			say(stdout, "  (%04X,%04X) %-32s %s", ti->group, ti->element, ti->keyword, v ? v : "(absent)");
			if (t == DICOM_TRANSFER_SYNTAX)
				say(stdout, " (%s)", h->xfer_name);
			putchar('\n');
		}
		if (h->warning[0])
			say(stdout, "  warning: %s\n", h->warning);
	}
	free(h);
	if (json && print_json(all) < 0)
		rc = CLI_EXIT_FATAL;
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FATAL;
	return rc;
}

/* ---- fhir ---- */

/* "dataset/subject/name" for messages about node n. */

/* The zone assumed for studies without Timezone Offset From UTC, said once on stderr. */
static void zone_note(const struct dataset_tree *t, const struct dataset_node *const *studies, size_t n,
		      const struct fhir_opts *fo)
{
	char text[512];
	if (fhir_zone_assumed(t, studies, n, fo, text, sizeof text))
		say(stderr, "sdsfhir: note: %s\n", text);
}

static void warn_stderr(void *ctx, const struct dataset_node *n, const char *text)
{
	char w[1024];
	dataset_where(n, w, sizeof w);
	say(stderr, "sdsfhir: warning: %s: %s\n", w, text);
	if (ctx)
		++*(size_t *)ctx;
}

/* Print the errors and warnings of the tree on stderr; returns the number of errors. */
/* report_msgs below n; a message said already on another node (a study in several subject
 * folders has its error on each) is said once: said holds the texts. */
static size_t report_msgs_once(const struct dataset_node *n, json_object *said)
{
	size_t errors = 0;
	for (const struct dataset_msg *m = n->msgs; m; m = m->next) {
		char w[1024];
		if (said && json_object_object_get_ex(said, m->text, NULL))
			continue;
		if (said)
			json_object_object_add(said, m->text, NULL);
		dataset_where(n, w, sizeof w);
		say(stderr, "sdsfhir: %s: %s: %s\n", m->level == DATASET_ERROR ? "error" : "warning", w, m->text);
		errors += m->level == DATASET_ERROR;
	}
	for (const struct dataset_node *c = n->child; c; c = c->next)
		errors += report_msgs_once(c, said);
	return errors;
}

static size_t report_msgs(const struct dataset_node *n)
{
	json_object *said = json_object_new_object();
	size_t errors = report_msgs_once(n, said);
	json_object_put(said);
	return errors;
}

struct fhir_cmd {		/* fhir and export: their options and scan */
	struct settings set;
	const char *resource;	/* fhir --resource */
	const char *ndjson;	/* export --ndjson DIR */
	struct dataset_tree *tree;
	const struct dataset_node **studies;
	size_t nstudies, errors;
	struct fhir_opts fo;
};

/* The options of fhir and export, then the scan. 0, or an exit status. */
static int fhir_setup(int argc, char **argv, const char *cmd, struct fhir_cmd *fc)
{
	static const struct option longopts[] = {
		{"resource", required_argument, NULL, 'r'}, {"zone", required_argument, NULL, 's'},
		{"patient-system", required_argument, NULL, 's'}, {"dicomweb", required_argument, NULL, 's'},
		{"config", required_argument, NULL, 'f'},
		{"jobs", required_argument, NULL, 'j'}, {"no-cache", no_argument, NULL, 'C'},
		{"ndjson", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	int export = strcmp(cmd, "export") == 0, jobs = 0, c, li;
	struct settings_args args = {0};
	char e[512];
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:j:", longopts, &li)) != -1) {
		switch (c) {
		case 'r': fc->resource = optarg; break;
		case 'n': fc->ndjson = optarg; break;
		case 's': settings_arg(&args, longopts[li].name, optarg); break;
		case 'f': args.config = optarg; break;
		case 'j': jobs = atoi(optarg); break;
		case 'C': no_cache = 1; break;
		default: {
			char text[128];
			snprintf(text, sizeof text, "unknown option or missing value '%s'", argv[optind - 1]);
			return usage_error(cmd, text);
		}
		}
	}
	if ((fc->resource && export) || (fc->ndjson && !export))
		return usage_error(cmd, fc->resource ? "--resource is for fhir" : "--ndjson is for export");
	if (export && !fc->ndjson)
		return usage_error(cmd, "give --ndjson DIR, the folder for Patient.ndjson and ImagingStudy.ndjson");
	if (fc->resource) {	/* its name in any case, or the resource type's */
		static const char *const names[][2] = {{"patient", "patient"}, {"study", "study"},
			{"imagingstudy", "study"}, {"researchstudy", "researchstudy"}, {"researchsubject", "researchsubject"}};
		const char *r = fc->resource;
		fc->resource = NULL;
		for (size_t i = 0; i < sizeof names / sizeof *names && !fc->resource; i++)
			if (!strcasecmp(r, names[i][0]))
				fc->resource = names[i][1];
		if (!fc->resource)
			return usage_error(cmd, "--resource takes patient, study, researchstudy or researchsubject");
	}
	if (jobs < 0 || jobs > 16)
		return usage_error(cmd, "--jobs takes a number from 1 to 16");
	if (settings_resolve(&fc->set, &args, e, sizeof e) < 0)
		return usage_error(cmd, e);
	if (settings_fhir_opts(&fc->set, &fc->fo) < 0)
		return usage_error(cmd, "--zone takes local, Z, +hh:mm, -hh:mm or a time zone name such as Europe/Berlin");
	if (optind >= argc)
		return usage_error(cmd, "give at least one dataset, primary/, subject or sample folder");
	if (paths_missing(cmd, argc, argv, optind))
		return CLI_EXIT_USAGE;
	char err[512];
	struct dataset_scan_opts so = {.threads = jobs, .cache_dir = cache_folder()};
	fc->tree = dataset_scan((const char *const *)argv + optind, (size_t)(argc - optind), &so, err, sizeof err);
	if (!fc->tree) {
		say(stderr, "sdsfhir: %s\n", err);
		return CLI_EXIT_FATAL;
	}
	fc->errors = report_msgs(fc->tree->root);
	fc->fo.warn = warn_stderr;
	fc->fo.bodysite_hint = "sdsfhir bodysite --code";
	fc->studies = dataset_collect(fc->tree->root, DATASET_STUDY, &fc->nstudies);
	if (fc->nstudies == 0)
		say(stderr, "sdsfhir: no study found under the given paths\n");
	zone_note(fc->tree, fc->studies, fc->nstudies, &fc->fo);
	return 0;
}

static void fhir_done(struct fhir_cmd *fc)
{
	free(fc->studies);
	dataset_free(&fc->tree);
	settings_clear(&fc->set);
}

/* fhir --resource: the Patients, ImagingStudies, ResearchStudies or ResearchSubjects alone,
 * each once, as a JSON array; only those of studies that can be expressed. */
static json_object *fhir_resources(struct fhir_cmd *fc, size_t *skipped)
{
	json_object *all = json_object_new_array(), *keys = json_object_new_object();
	char err[512];
	int research = strncmp(fc->resource, "research", 8) == 0;
	struct dataset_meta_cache subjects = {0};	/* each dataset's subjects file read once */
	for (size_t i = 0; i < fc->nstudies && research; i++) {
		const struct dataset_node *st = fc->studies[i];
		int of_study = strcmp(fc->resource, "researchstudy") == 0;
		const struct dataset_node *n = dataset_ancestor(st, of_study ? DATASET_DATASET : DATASET_SUBJECT);
		char key[32];
		snprintf(key, sizeof key, "%p", (const void *)n);
		if (!n || json_object_object_get_ex(keys, key, NULL) || fhir_study_check(fc->tree, st, err, sizeof err) < 0)
			continue;	/* a study that cannot be expressed is named by --resource study */
		json_object_object_add(keys, key, NULL);
		json_object *r = of_study ? research_study_alone(n, &fc->fo)
					  : research_subject_alone(fc->tree, n, &fc->fo, dataset_meta_cached(&subjects, n, "subjects."));
		if (r)
			json_object_array_add(all, r);
	}
	dataset_meta_cache_clear(&subjects);
	for (size_t i = 0; i < fc->nstudies && !research; i++) {
		const struct dataset_node *st = fc->studies[i];
		if (fhir_study_check(fc->tree, st, err, sizeof err) < 0) {	/* nothing of it is pushed */
			warn_stderr(NULL, st, err);
			(*skipped)++;
			continue;
		}
		if (json_object_object_get_ex(keys, st->name, NULL))
			continue;	/* one ImagingStudy for a study in several folders */
		json_object_object_add(keys, st->name, NULL);
		if (strcmp(fc->resource, "patient") == 0) {
			char sys[1024], val[1024], key[2100];
			fhir_patient_identifier(fc->tree, st, &fc->fo, sys, sizeof sys, val, sizeof val);
			snprintf(key, sizeof key, "Patient|%s|%s", sys, val);
			if (json_object_object_get_ex(keys, key, NULL))
				continue;
			json_object_object_add(keys, key, NULL);
			json_object_array_add(all, fhir_patient_build(fc->tree, st, &fc->fo));
		} else {
			json_object *r = fhir_study_build(fc->tree, st, NULL, &fc->fo, err, sizeof err);
			if (r) {
				json_object_array_add(all, r);
			} else {
				warn_stderr(NULL, st, err);
				(*skipped)++;
			}
		}
	}
	json_object_put(keys);
	return all;	/* an array, for one result too: a script reads one shape */
}

int cli_fhir(int argc, char **argv)
{
	struct fhir_cmd fc = {0};
	int rc = fhir_setup(argc, argv, "fhir", &fc);
	if (rc) {
		fhir_done(&fc);
		return rc;
	}
	size_t skipped = 0;
	int bad;
	if (fc.resource) {
		bad = print_json(fhir_resources(&fc, &skipped)) < 0;
	} else {	/* the Bundle, written as it is made: memory does not grow with it */
		bad = fhir_bundle_write(stdout, PRINT_FLAGS, fc.tree, fc.studies, fc.nstudies, &fc.fo, &skipped) < 0 ||
		      putchar('\n') == EOF;
	}
	rc = fc.errors || skipped || !fc.nstudies ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
	if (bad)
		rc = CLI_EXIT_FATAL;
	fhir_done(&fc);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FATAL;
	return rc;
}

/* Is dir, made or not, inside one of t's dataset folders? (A folder not made yet: its parent.) */
static int export_inside_dataset(const struct dataset_tree *t, const char *dir)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", dir);
	for (size_t n = strlen(parent); n > 1 && parent[n - 1] == '/'; n--)
		parent[n - 1] = '\0';
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else
		snprintf(parent, sizeof parent, "%s", slash ? "/" : ".");
	return dataset_tree_contains(t, dir) || dataset_tree_contains(t, parent);
}

int cli_export(int argc, char **argv)
{
	struct fhir_cmd fc = {0};
	int rc = fhir_setup(argc, argv, "export", &fc);
	if (rc) {
		fhir_done(&fc);
		return rc;
	}
	if (export_inside_dataset(fc.tree, fc.ndjson)) {	/* before anything is made */
		say(stderr, "sdsfhir export: %s is inside a dataset folder, and sdsfhir never writes into one\n", fc.ndjson);
		fhir_done(&fc);
		return CLI_EXIT_USAGE;
	}
	char err[PATH_MAX + 300];
	if (mkdir(fc.ndjson, 0700) != 0 && errno != EEXIST) {
		say(stderr, "sdsfhir export: %s: %s\n", fc.ndjson, strerror(errno));
		fhir_done(&fc);
		return CLI_EXIT_FATAL;
	}
	if (safefile_dir_check(fc.ndjson, err, sizeof err) < 0) {	/* on a host with other users */
		say(stderr, "sdsfhir export: %s\n", err);
		fhir_done(&fc);
		return CLI_EXIT_USAGE;
	}
	char path[PATH_MAX];
	struct safefile *sf[FHIR_NDJSON_TYPES] = {0};
	FILE *files[FHIR_NDJSON_TYPES] = {0};
	size_t counts[FHIR_NDJSON_TYPES], skipped = 0;
	int bad = 0;
	err[0] = '\0';
	for (int t = 0; t < FHIR_NDJSON_TYPES && !bad; t++) {	/* Endpoint.ndjson only with a dicomweb setting */
		snprintf(path, sizeof path, "%s/%s.ndjson", fc.ndjson, fhir_ndjson_types[t]);
		if (t != FHIR_NDJSON_ENDPOINT || fc.fo.dicomweb)
			bad |= !(sf[t] = safefile_open(path, err, sizeof err)) || !(files[t] = safefile_stream(sf[t]));
	}
	if (!bad && fhir_ndjson_write(fc.tree, fc.studies, fc.nstudies, &fc.fo, files, counts, &skipped) < 0) {
		snprintf(err, sizeof err, "cannot write %s: %s", fc.ndjson, strerror(errno));
		bad = 1;
	}
	for (int t = 0; t < FHIR_NDJSON_TYPES; t++)	/* whole files, or none (as far as one rename goes) */
		if (bad)
			safefile_abort(&sf[t]);
		else if (sf[t] && safefile_commit(&sf[t], 1, err, sizeof err) < 0)
			bad = 1;
	if (bad) {
		say(stderr, "sdsfhir export: %s\n", err);
		rc = CLI_EXIT_FATAL;
	} else {
		say(stdout, "export: ");
		for (int t = 0; t < FHIR_NDJSON_TYPES; t++) {
			const char *type = fhir_ndjson_types[t];
			size_t k = strlen(type);
			int y = type[k - 1] == 'y';	/* ImagingStudy, ResearchStudy */
			if (files[t])
				say(stdout, "%s%zu %.*s%s", t ? ", " : "", counts[t], (int)(k - (counts[t] != 1 && y)), type,
				    counts[t] == 1 ? "" : y ? "ies" : "s");
		}
		say(stdout, " to %s\n", fc.ndjson);
		rc = fc.errors || skipped || !fc.nstudies ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
	}
	fhir_done(&fc);
	return rc;
}

/* ---- server commands: patient, push, bodysite, search ---- */

enum { OPT_SETTING = 256, OPT_CONFIG, OPT_CODE, OPT_DISPLAY, OPT_JSON, OPT_TABLE, OPT_ALL, OPT_PATIENT,
       OPT_BODYSITE, OPT_IDENTIFIER, OPT_DATASET, OPT_SUBJECTS, OPT_DATASETS, OPT_YES, OPT_FILES_WIN, OPT_SAME_PERSON };

struct server_cmd {
	struct settings set;
	int verbose, jobs;
	const char *code, *display;
	int json, all;
	const char *shorthand, *shorthand_value;
	int yes;		/* retract --yes: do not ask */
	int files_win;		/* push --files-win: the files' bodySite over the server's */
	int same_person;	/* push --same-person: link to the identifier's Patient whatever it says */
};

static void log_stderr(void *ctx, const char *method, const char *url, long status, long ms, const char *text)
{
	(void)ctx;
	if (status)
		say(stderr, "sdsfhir: %s %s -> %ld (%ld ms)%s%s\n", method, url, status, ms, text ? ": " : "", text ? text : "");
	else
		say(stderr, "sdsfhir: %s %s -> no reply (%ld ms): %s\n", method, url, ms, text ? text : "");
}

/* Parse the options of a server command; returns the index of the first operand, or -1. */
static int parse_server(int argc, char **argv, const char *cmd, struct server_cmd *sc)
{
	static const struct option longopts[] = {
#define SETTINGS_OPTION(name, arg, key, fixed) {name, arg ? required_argument : no_argument, NULL, OPT_SETTING},
#include "settings_options.def"
#undef SETTINGS_OPTION
		{"config", required_argument, NULL, OPT_CONFIG},
		{"code", required_argument, NULL, OPT_CODE}, {"display", required_argument, NULL, OPT_DISPLAY},
		{"json", no_argument, NULL, OPT_JSON}, {"table", no_argument, NULL, OPT_TABLE},
		{"all", no_argument, NULL, OPT_ALL}, {"patient", required_argument, NULL, OPT_PATIENT},
		{"bodysite", required_argument, NULL, OPT_BODYSITE}, {"identifier", required_argument, NULL, OPT_IDENTIFIER},
		{"dataset", required_argument, NULL, OPT_DATASET}, {"subjects", required_argument, NULL, OPT_SUBJECTS},
		{"datasets", required_argument, NULL, OPT_DATASETS}, {"verbose", no_argument, NULL, 'v'},
		{"jobs", required_argument, NULL, 'j'}, {"token", required_argument, NULL, 'T'},
		{"no-cache", no_argument, NULL, 'C'}, {"yes", no_argument, NULL, OPT_YES},
		{"files-win", no_argument, NULL, OPT_FILES_WIN}, {"same-person", no_argument, NULL, OPT_SAME_PERSON},
		{NULL, 0, NULL, 0}};
	/* which command takes which of its own options */
	int is_push = !strcmp(cmd, "push"), is_bs = !strcmp(cmd, "bodysite"), is_search = !strcmp(cmd, "search");
	int is_retract = !strcmp(cmd, "retract");
	struct settings_args args = {0};
	char err[512];
	int c, li = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vj:", longopts, &li)) != -1) {
		int own_ok = 1;
		switch (c) {
		case OPT_SETTING:
			own_ok = is_push || !strcmp(cmd, "status") ||	/* status compares with what push sends */
				 (strcmp(longopts[li].name, "batch") != 0 && strcmp(longopts[li].name, "max-request") != 0);
			if (own_ok && settings_arg(&args, longopts[li].name, optarg) < 0) {
				usage_error(cmd, "too many options");
				return -1;
			}
			break;
		case OPT_CONFIG: args.config = optarg; break;
		case OPT_CODE: sc->code = optarg; own_ok = is_bs; break;
		case OPT_DISPLAY: sc->display = optarg; own_ok = is_bs; break;
		case OPT_JSON: sc->json = 1; own_ok = is_search; break;
		case OPT_TABLE: sc->json = 0; own_ok = is_search; break;
		case OPT_ALL: sc->all = 1; own_ok = is_search; break;
		case OPT_PATIENT: case OPT_BODYSITE: case OPT_IDENTIFIER: case OPT_DATASET: case OPT_SUBJECTS:
		case OPT_DATASETS:
			own_ok = is_search;
			sc->shorthand = c == OPT_PATIENT ? "patient" : c == OPT_BODYSITE ? "bodysite" :
					c == OPT_IDENTIFIER ? "identifier" : c == OPT_SUBJECTS ? "subjects" :
					c == OPT_DATASETS ? "datasets" : "dataset";
			sc->shorthand_value = optarg;
			break;
		case OPT_YES: sc->yes = 1; own_ok = is_retract; break;
		case OPT_FILES_WIN: sc->files_win = 1; own_ok = is_push; break;
		case OPT_SAME_PERSON: sc->same_person = 1; own_ok = is_push || !strcmp(cmd, "status"); break;
		case 'v': sc->verbose = 1; break;
		case 'j': sc->jobs = atoi(optarg); break;
		case 'C': no_cache = 1; break;
		case 'T':
			usage_error(cmd, "a token is never taken on the command line: set SDSFHIR_TOKEN or use --token-file");
			return -1;
		default: {
			char text[160];
			snprintf(text, sizeof text, "unknown option or missing value '%s'", argv[optind - 1]);
			usage_error(cmd, text);
			return -1;
		}
		}
		if (!own_ok) {
			char text[160];
			snprintf(text, sizeof text, "option '%s' is not for %s", argv[optind - 1], cmd);
			usage_error(cmd, text);
			return -1;
		}
	}
	if (settings_resolve(&sc->set, &args, err, sizeof err) < 0) {
		usage_error(cmd, err);
		return -1;
	}
	return optind;
}

static int exit_for(int client_status)
{
	switch (client_status) {
	case CLIENT_OK: return CLI_EXIT_OK;
	case CLIENT_ERR_UNREACHABLE: return CLI_EXIT_UNREACHABLE;
	case CLIENT_ERR_AUTH: return CLI_EXIT_AUTH;
	case CLIENT_ERR_HTTP: return CLI_EXIT_SERVER;
	default: return CLI_EXIT_FATAL;
	}
}

/* Connect: client and the /metadata check. NULL with *rc set on failure. */
static struct client *connect_server(struct server_cmd *sc, int *rc)
{
	struct client_opts co;
	char err[1024];
	int bad = settings_client_opts(&sc->set, &co, err, sizeof err) < 0;
	for (const char *w = sc->set.warnings; *w;) {	/* once each, before anything is sent */
		size_t n = strcspn(w, "\n");
		char line[1100], shown[1400];
		snprintf(line, sizeof line, "%.*s", (int)n, w);
		say(stderr, "sdsfhir: warning: %s\n", termsafe(line, shown, sizeof shown, 0));
		w += n + (w[n] == '\n');
	}
	if (bad) {
		say(stderr, "sdsfhir: %s\n", err);
		*rc = CLI_EXIT_USAGE;
		return NULL;
	}
	if (sc->verbose)
		co.log = log_stderr;
	struct client *c = client_new(&co, err, sizeof err);
	if (!c) {
		say(stderr, "sdsfhir: %s\n", err);
		*rc = CLI_EXIT_USAGE;
		return NULL;
	}
	int m = client_check_metadata(c, err, sizeof err);
	if (m < 0) {
		say(stderr, "sdsfhir: %s\n", err);
		*rc = exit_for(-m);
		client_free(&c);
		return NULL;
	}
	if (m > 0)
		say(stderr, "sdsfhir: warning: %s\n", err);
	return c;
}

static void print_item(void *ctx, const struct actions_item *it)
{
	(void)ctx;
	char w[1024] = "";
	if (it->node)
		dataset_where(it->node, w, sizeof w);
	char line[2200];
	size_t k = strlen(actions_item_text(it, line, sizeof line));
	say(stdout, "%s%s%s\n", line, *w && k && line[k - 1] != ' ' ? "  " : "", w);	/* none after no text */
}

/* retract asks first, on the terminal: 0 when the answer is yes. */
static int ask_retract(const struct dataset_tree *t, const struct dataset_node **studies, size_t n,
		       const struct server_cmd *sc)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty) {
		say(stderr, "sdsfhir retract: it asks first, and there is no terminal: add --yes\n");
		return -1;
	}
	const char *server = sc->set.server ? sc->set.server : CLIENT_DEFAULT_SERVER;
	char shown[600], what[4096], what_shown[8192];
	struct actions_ctx a = {.tree = t};
	termsafe(server, shown, sizeof shown, 0);
	termsafe(actions_retract_text(&a, studies, n, what, sizeof what), what_shown, sizeof what_shown, 0);
	say(tty, "Remove from %s: %s? Their Patients stay. [y/N] ", shown, what_shown);
	fflush(tty);
	char line[16] = "";
	int yes = fgets(line, sizeof line, tty) && (line[0] == 'y' || line[0] == 'Y');
	fclose(tty);
	if (!yes)
		say(stderr, "sdsfhir retract: nothing removed\n");
	return yes ? 0 : -1;
}

/* The whole datasets of the study folders studies[0..*n) of *t, scanned again, so that a
 * study's folders not named are seen: a push of one folder of a study in several sends all
 * of it, a retract keeps the others' part. *t and *studies are replaced by the new tree and
 * its nodes for the same folders; when the inputs[0..ninputs) named every dataset whole (or
 * a folder above it), nothing is read again. 0, or -1 (then unchanged). */
static int widen_to_datasets(struct dataset_tree **t, const struct dataset_node ***studies, size_t *n,
			     const struct dataset_scan_opts *so, char *const *inputs, size_t ninputs)
{
	size_t nds = 0, nall = 0, whole = 0;
	const struct dataset_node **ds = dataset_collect((*t)->root, DATASET_DATASET, &nds);
	for (size_t i = 0; ds && i < nds; i++) {	/* read whole already: named, or a folder above it */
		int in = 0;
		for (size_t j = 0; j < ninputs && !in; j++) {
			char real[PATH_MAX];
			size_t k = realpath(inputs[j], real) ? strlen(real) : 0;
			in = k && !strncmp(ds[i]->path, real, k) && (ds[i]->path[k] == '/' || !ds[i]->path[k] || k == 1);
		}
		whole += in;
	}
	if (ds && whole == nds) {	/* nothing to read again */
		free(ds);
		return 0;
	}
	const char **paths = calloc(nds ? nds : 1, sizeof *paths);
	for (size_t i = 0; paths && i < nds; i++)
		paths[i] = ds[i]->path;
	char err[512];
	struct dataset_tree *wide = paths && nds ? dataset_scan(paths, nds, so, err, sizeof err) : NULL;
	free(paths);
	free(ds);
	const struct dataset_node **all = wide ? dataset_collect(wide->root, DATASET_STUDY, &nall) : NULL;
	const struct dataset_node **pick = all ? calloc(*n ? *n : 1, sizeof *pick) : NULL;
	size_t k = 0;
	for (size_t i = 0; pick && i < *n; i++) {	/* the same dataset folder, subject folder and UID */
		const struct dataset_node *d1 = dataset_ancestor((*studies)[i], DATASET_DATASET);
		const struct dataset_node *s1 = dataset_ancestor((*studies)[i], DATASET_SUBJECT);
		for (size_t j = 0; d1 && s1 && j < nall; j++) {
			const struct dataset_node *d2 = dataset_ancestor(all[j], DATASET_DATASET);
			const struct dataset_node *s2 = dataset_ancestor(all[j], DATASET_SUBJECT);
			if (d2 && s2 && !strcmp(d1->path, d2->path) && !strcmp(s1->name, s2->name) &&
			    !strcmp((*studies)[i]->name, all[j]->name)) {
				pick[k++] = all[j];
				break;
			}
		}
	}
	free(all);
	if (!pick || k != *n) {		/* not all found again: keep what was asked */
		free(pick);
		dataset_free(&wide);
		return -1;
	}
	free(*studies);
	dataset_free(t);
	*t = wide;
	*studies = pick;
	return 0;
}

/* patient, push and bodysite: scan, connect, run the action, report. */
static void report_image(void *ctx, const char *file, const char *reason)
{
	(void)ctx;
	say(stdout, "not stored  %s: %s\n", file, reason);
}

/* The DICOMweb server of the settings, its warnings said; NULL when it cannot be used (said,
 * *rc a usage error). Caller frees. */
static struct dicomweb *open_dicomweb(struct server_cmd *sc, const char *cmd, int *rc)
{
	char err[600];
	struct dicomweb_opts o;
	struct dicomweb *d = NULL;
	size_t said = strlen(sc->set.warnings);	/* the server's own are said when it is connected */
	if (settings_dicomweb_opts(&sc->set, &o, err, sizeof err) == 0) {
		o.log = sc->verbose ? log_stderr : NULL;
		d = dicomweb_new(&o, err, sizeof err);
	}
	for (const char *w = sc->set.warnings + said; *w;) {
		size_t k = strcspn(w, "\n");
		say(stderr, "sdsfhir: warning: %.*s\n", (int)k, w);
		w += k + (w[k] == '\n');
	}
	sc->set.warnings[said] = '\0';
	if (!d) {
		say(stderr, "sdsfhir: %s --images: %s\n", cmd, err);
		*rc = CLI_EXIT_USAGE;
	}
	return d;
}

/* status --images: how many of each study's instances the DICOMweb server holds. */
static void status_images(struct server_cmd *sc, const struct dataset_tree *t, const struct dataset_node **studies,
			  size_t n, int *rc)
{
	char err[600];
	struct dicomweb *d = open_dicomweb(sc, "status", rc);
	if (!d)
		return;
	for (size_t i = 0; i < n; i++) {
		char where[600];
		size_t there, total;
		dataset_where(studies[i], where, sizeof where);
		if (upload_count(d, t, studies[i], &there, &total, err, sizeof err) < 0) {
			say(stdout, "images      %s: %s\n", where, err);
			*rc = CLI_EXIT_PARTIAL;
			break;
		}
		say(stdout, "images      %s: %zu of %zu instances on the DICOMweb server%s\n", where, there, total,
		    there == total ? "" : " (push --images sends the rest)");
		if (there != total && *rc == CLI_EXIT_OK)
			*rc = CLI_EXIT_PARTIAL;
	}
	dicomweb_free(&d);
}

/* push --images: each study's instances to the DICOMweb server first; the studies whose
 * instances are all there stay in studies[], the others are said and left out (their FHIR
 * resources are not written, so no Endpoint points at missing images). Returns how many stay. */
static size_t push_images(struct server_cmd *sc, const struct dataset_tree *t, const struct dataset_node **studies,
			  size_t n, int *rc)
{
	char err[600];
	struct dicomweb *d = open_dicomweb(sc, "push", rc);
	if (!d)
		return 0;
	size_t kept = 0, said = 0;
	int dead = 0;
	for (size_t i = 0; i < n; i++) {
		char where[600];
		dataset_where(studies[i], where, sizeof where);
		struct upload_summary s = {0};
		if (dead) {	/* the server could not be asked: the rest are not tried */
			say(stdout, "images      %s: not sent (the DICOMweb server could not be asked): its resources not written\n",
			    where);
			continue;
		}
		int r = upload_study(d, t, studies[i], report_image, NULL, &s, err, sizeof err);
		if (r == 1) {
			studies[kept++] = studies[i];
			say(stdout, "images      %s: %zu stored, %zu there already (%zu request%s)\n", where, s.stored, s.held,
			    s.requests, s.requests == 1 ? "" : "s");
		} else {
			say(stdout, "images      %s: %zu of %zu not on the DICOMweb server%s%s: its resources not written\n", where,
			    r < 0 && !s.failed ? s.instances - s.held : s.failed, s.instances, r < 0 ? ": " : "", r < 0 ? err : "");
			*rc = CLI_EXIT_PARTIAL;
			dead = r < 0 && !s.sent;
		}
		if (*dicomweb_elsewhere(d) && !said++)
			say(stderr, "sdsfhir: warning: the DICOMweb server names its studies at %s, not under %s: a viewer following "
			    "the Endpoint may not reach them (Orthanc: set DicomWeb's Host and Ssl in its configuration)\n",
			    dicomweb_elsewhere(d), sc->set.dicomweb);
	}
	say(stdout, "images: %zu of %zu stud%s with all their instances on %s\n", kept, n, n == 1 ? "y" : "ies",
	    sc->set.dicomweb);
	dicomweb_free(&d);
	return kept;
}

/* The last lines of an action: its outcomes, requests and what it wrote; the exit status that
 * follows from them (rc: the one so far). */
static int action_summary(const char *cmd, const struct actions_summary *sum, const struct client *c, size_t errors,
			  int rc)
{
	say(stdout, "%s: ", cmd);
	const char *sep = "";
	for (int o = 0; o < ACTIONS_NOUTCOMES; o++) {
		if (sum->count[o]) {
			say(stdout, "%s%zu %s", sep, sum->count[o], actions_outcome_name(o));
			sep = ", ";
		}
	}
	say(stdout, "%s%zu request%s to %s\n", *sep ? "; " : "", sum->requests, sum->requests == 1 ? "" : "s", client_base(c));
	char types[1024];
	if (!strcmp(cmd, "patient") || !strcmp(cmd, "push"))	/* what was written, by resource type */
		say(stdout, "%s: %s\n", cmd, *actions_types_text(sum, types, sizeof types) ? types : "nothing written");
	if (sum->error[0])
		say(stderr, "sdsfhir: %s\n", sum->error);
	if (sum->status != CLIENT_OK)
		return exit_for(sum->status) == CLI_EXIT_SERVER && (sum->count[ACTIONS_CREATED] || sum->count[ACTIONS_UPDATED] ||
		       sum->count[ACTIONS_EXISTED] || sum->count[ACTIONS_UNCHANGED]) ? CLI_EXIT_PARTIAL : exit_for(sum->status);
	if (sum->count[ACTIONS_FAILED] || sum->count[ACTIONS_NOT_SENT] || sum->count[ACTIONS_UNKNOWN] ||
	    sum->count[ACTIONS_NOT_FOUND] || sum->count[ACTIONS_DIFFERENT] || errors)
		return CLI_EXIT_PARTIAL;
	return rc;
}

static int run_action(int argc, char **argv, const char *cmd)
{
	struct server_cmd sc = {0};
	int first = parse_server(argc, argv, cmd, &sc), rc = CLI_EXIT_OK;
	if (first < 0) {
		settings_clear(&sc.set);
		return CLI_EXIT_USAGE;
	}
	struct fhir_opts fo = {.warn = warn_stderr, .bodysite_hint = "sdsfhir bodysite --code"};
	if (settings_fhir_opts(&sc.set, &fo) < 0) {
		settings_clear(&sc.set);
		return usage_error(cmd, "--zone takes local, Z, +hh:mm, -hh:mm or a time zone name");
	}
	if (first >= argc) {
		settings_clear(&sc.set);
		return usage_error(cmd, "give at least one dataset, primary/, subject or sample folder");
	}
	char code[64] = "", display[256] = "";
	if (sc.code && fhir_bodysite_lookup(sc.code, code, sizeof code, display, sizeof display) < 0) {
		settings_clear(&sc.set);
		if (sc.code[0] && strspn(sc.code, "0123456789") == strlen(sc.code))
			return usage_error(cmd, "--code: not a SNOMED CT code (its check digit does not match): a typo?");
		return usage_error(cmd, "--code takes a SNOMED CT code or a CID 4031 body part (breast, heart...)");
	}
	if (sc.display)
		snprintf(display, sizeof display, "%s", sc.display);
	if (paths_missing(cmd, argc, argv, first)) {
		settings_clear(&sc.set);
		return CLI_EXIT_USAGE;
	}
	char err[512];
	struct dataset_scan_opts so = {.threads = sc.jobs, .cache_dir = cache_folder()};
	struct dataset_tree *t = dataset_scan((const char *const *)argv + first, (size_t)(argc - first), &so, err, sizeof err);
	if (!t) {
		say(stderr, "sdsfhir: %s\n", err);
		settings_clear(&sc.set);
		return CLI_EXIT_FATAL;
	}
	size_t errors = report_msgs(t->root);
	size_t n = 0;
	const struct dataset_node **studies = dataset_collect(t->root, DATASET_STUDY, &n);
	if (n)	/* a study is made of all its subject folders, named or not: read their datasets whole */
		widen_to_datasets(&t, &studies, &n, &so, argv + first, (size_t)(argc - first));
	if (n && !strcmp(cmd, "retract") && !sc.yes && ask_retract(t, studies, n, &sc) != 0) {
		free(studies);
		dataset_free(&t);
		settings_clear(&sc.set);
		return CLI_EXIT_USAGE;
	}
	size_t found = n;
	if (n && !strcmp(cmd, "push") && sc.set.images)
		n = push_images(&sc, t, studies, n, &rc);
	struct client *c = n ? connect_server(&sc, &rc) : NULL;
	if (!found) {
		say(stderr, "sdsfhir: no study found under the given paths\n");
		rc = CLI_EXIT_PARTIAL;
	}
	if (c) {
		size_t warnings = 0;
		fo.ctx = &warnings;
		zone_note(t, studies, n, &fo);
		struct actions_ctx a = {.tree = t, .client = c, .fopts = &fo, .batch = sc.set.batch,
					 .max_bytes = sc.set.max_request, .item = print_item, .files_win = sc.files_win,
					 .same_person = sc.same_person};
		struct actions_summary sum = {0};
		if (!strcmp(cmd, "patient"))
			actions_patients(&a, studies, n, &sum);
		else if (!strcmp(cmd, "push"))
			actions_push(&a, studies, n, &sum);
		else if (!strcmp(cmd, "status"))
			actions_compare(&a, studies, n, &sum);
		else if (!strcmp(cmd, "retract"))
			actions_retract(&a, studies, n, &sum);
		else
			actions_bodysite(&a, studies, n, sc.code ? code : NULL, sc.code ? display : NULL, NULL, &sum);
		rc = action_summary(cmd, &sum, c, errors, rc);
		client_free(&c);
	}
	if (n && !strcmp(cmd, "status") && sc.set.images)
		status_images(&sc, t, studies, n, &rc);
	free(studies);
	dataset_free(&t);
	settings_clear(&sc.set);
	fflush(stdout);
	return rc;
}

int cli_patient(int argc, char **argv)
{
	return run_action(argc, argv, "patient");
}

int cli_push(int argc, char **argv)
{
	return run_action(argc, argv, "push");
}

int cli_bodysite(int argc, char **argv)
{
	return run_action(argc, argv, "bodysite");
}

int cli_retract(int argc, char **argv)
{
	return run_action(argc, argv, "retract");
}

int cli_status(int argc, char **argv)
{
	return run_action(argc, argv, "status");
}

/* ---- search output ---- */

static size_t text_width(const char *s)
{
	size_t w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		w += (*p & 0xc0) != 0x80;	/* code points; good enough for names */
	return w;
}

struct table {
	size_t ncols, nrows;
	const char *head[8];
	char **cells;		/* nrows * ncols */
};

static void table_add(struct table *t, char **row)
{
	char **c = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *c);
	if (!c)
		return;
	t->cells = c;
	for (size_t i = 0; i < t->ncols; i++)
		c[t->nrows * t->ncols + i] = termsafe_dup(row[i] && *row[i] ? row[i] : "-");
	t->nrows++;
}

static void table_print(struct table *t)
{
	size_t w[8] = {0};
	for (size_t i = 0; i < t->ncols; i++) {
		w[i] = text_width(t->head[i]);
		for (size_t r = 0; r < t->nrows; r++)
			if (t->cells[r * t->ncols + i] && text_width(t->cells[r * t->ncols + i]) > w[i])
				w[i] = text_width(t->cells[r * t->ncols + i]);
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t i = 0; i < t->ncols; i++) {
			const char *s = r == 0 ? t->head[i] : t->cells[(r - 1) * t->ncols + i];
			s = s ? s : "";
			if (i + 1 < t->ncols)
				say(stdout, "%s%*s  ", s, (int)(w[i] - text_width(s)), "");
			else
				say(stdout, "%s\n", s);
		}
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
}

static void print_studies(json_object *matches, json_object *included, const char *shorthand)
{
	struct table t = {7, 0, {"ID", "PATIENT", "STARTED", "SERIES", "BODY SITES", "DATASET", "SPARC STUDY"}, NULL};
	json_object *datasets = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(matches); i++) {
		struct actions_row r;
		actions_result_row(json_object_array_get_idx(matches, i), included, &r);
		if (r.dataset[0])
			json_object_object_add(datasets, r.dataset, NULL);
		char *row[7] = {r.id, r.patient, r.started, r.nseries, r.sites, r.dataset, r.sparc_study};
		table_add(&t, row);
	}
	table_print(&t);
	if (shorthand && !strcmp(shorthand, "patient") && json_object_array_length(matches)) {
		say(stdout, "datasets:");
		json_object_object_foreach(datasets, k, v) {
			(void)v;
			char shown[600];
			say(stdout, " %s", termsafe(k, shown, sizeof shown, 0));
		}
		putchar('\n');
	}
	json_object_put(datasets);
}

/* ResearchSubjects: the subject, its Patient and its dataset (from what was included). */
static void print_subjects(json_object *matches, json_object *included)
{
	struct table t = {5, 0, {"SUBJECT", "PATIENT", "DATASET", "ARM", "ID"}, NULL};
	for (size_t i = 0; i < json_object_array_length(matches); i++) {
		struct actions_row r;
		actions_result_row(json_object_array_get_idx(matches, i), included, &r);
		char *row[5] = {r.subject, r.patient, r.dataset, r.arm, r.id};
		table_add(&t, row);
	}
	table_print(&t);
}

static void print_resources(json_object *matches)
{
	int patients = 1;
	struct actions_row r;
	for (size_t i = 0; i < json_object_array_length(matches); i++) {
		actions_result_row(json_object_array_get_idx(matches, i), NULL, &r);
		patients &= !strcmp(r.type, "Patient");
	}
	struct table t = {patients ? 5 : 3, 0, {"ID", "NAME", "GENDER", "BIRTH DATE", "IDENTIFIER"}, NULL};
	if (!patients)
		t.head[0] = "TYPE", t.head[1] = "ID", t.head[2] = "LAST UPDATED";
	for (size_t i = 0; i < json_object_array_length(matches); i++) {
		actions_result_row(json_object_array_get_idx(matches, i), NULL, &r);
		char *prow[5] = {r.id, r.patient, r.gender, r.birth_date, r.identifier}, *orow[3] = {r.type, r.id, r.last_updated};
		table_add(&t, patients ? prow : orow);
	}
	table_print(&t);
}

int cli_search(int argc, char **argv)
{
	struct server_cmd sc = {0};
	int first = parse_server(argc, argv, "search", &sc), rc = CLI_EXIT_OK;
	if (first < 0) {
		settings_clear(&sc.set);
		return CLI_EXIT_USAGE;
	}
	char query[4096], err[1024];
	if (sc.shorthand && first < argc) {
		settings_clear(&sc.set);
		return usage_error("search", "give a query or a shorthand (--patient, --bodysite...), not both");
	}
	if (sc.shorthand) {
		if (actions_search_query(sc.shorthand, sc.shorthand_value, query, sizeof query, err, sizeof err) < 0) {
			settings_clear(&sc.set);
			return usage_error("search", err);
		}
	} else if (first + 1 == argc && strchr(argv[first], '?') != argv[first] && isupper((unsigned char)argv[first][0])) {
		snprintf(query, sizeof query, "%s", argv[first]);
	} else {
		settings_clear(&sc.set);
		return usage_error("search", "give one query such as 'ImagingStudy?bodysite=76752008', or a shorthand");
	}
	struct client *c = connect_server(&sc, &rc);
	if (!c) {
		settings_clear(&sc.set);
		return rc;
	}
	struct actions_ctx a = {.client = c};
	struct actions_summary sum = {0};
	json_object *matches = NULL, *included = NULL;
	long total;
	char *next = NULL;
	int st = actions_search(&a, query, sc.all, &matches, &included, &total, &next, &sum);
	int more = next != NULL || (st != CLIENT_OK && json_object_array_length(matches));
	free(next);
	if (st != CLIENT_OK) {	/* the pages read before it are printed all the same */
		say(stderr, "sdsfhir: %s\n", sum.error);
		rc = exit_for(st);
	}
	if (st != CLIENT_OK && !json_object_array_length(matches)) {
		/* nothing to print */
	} else if (sc.json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "query", json_object_new_string(query));
		if (total < 0 && !more)
			total = (long)json_object_array_length(matches);	/* every page was read */
		json_object_object_add(o, "total", total >= 0 ? json_object_new_int64(total) : NULL);
		json_object_object_add(o, "more", json_object_new_boolean(more));
		json_object_object_add(o, "matches", json_object_get(matches));
		json_object_object_add(o, "included", json_object_get(included));
		if (print_json(o) < 0)
			rc = CLI_EXIT_FATAL;
	} else {
		size_t n = json_object_array_length(matches);
		int studies = n > 0, subjects = n > 0;
		for (size_t i = 0; i < n; i++) {
			studies &= jget_is_resource(json_object_array_get_idx(matches, i), "ImagingStudy");
			subjects &= jget_is_resource(json_object_array_get_idx(matches, i), "ResearchSubject");
		}
		if (studies)
			print_studies(matches, included, sc.shorthand);
		else if (subjects)
			print_subjects(matches, included);
		else if (n)
			print_resources(matches);
		char shown[128];
		say(stdout, "%s\n", actions_shown_text(n, total, more, "pages: --all", shown, sizeof shown));
	}
	json_object_put(matches);
	json_object_put(included);
	client_free(&c);
	settings_clear(&sc.set);
	fflush(stdout);
	return rc;
}

/* ---- preview: pictures of instances and series on standard output ---- */

struct preview_opts {
	int cols, rows;		/* the most cells a picture takes */
	unsigned frame;		/* 0-based */
	double center, width;	/* width > 0: the window given */
	int format, colors, ascii;
};

/* One instance's picture, after a line that names it; 0, or -1 when it could not be shown. */
static int preview_one(const char *path, const char *label, const struct preview_opts *o)
{
	char err[512];
	struct dicom_image *im = dicom_image_read(path, o->frame, o->center, o->width, err, sizeof err);
	if (!im) {
		say(stdout, "%s: error: %s\n", label, err);
		return -1;
	}
	int cols, rows;
	preview_fit(im->width, im->height, o->cols, o->rows, &cols, &rows);
	char info[256];
	preview_info(im, info, sizeof info);
	say(stdout, "%s: %s\n", label, info);
	char *t = preview_text(im, cols, rows, o->colors, o->format, o->ascii);	/* escapes of our own: not sanitized */
	dicom_image_free(&im);
	if (!t) {
		say(stdout, "%s: error: out of memory\n", label);
		return -1;
	}
	fputs(t, stdout);
	free(t);
	return 0;
}

/* A folder: each series below it, by its middle instance. Returns how many failed. */
static int preview_folder(const char *dir, const struct preview_opts *o)
{
	char err[512];
	struct dataset_scan_opts so = {.cache_dir = cache_folder()};
	const char *paths[] = {dir};
	struct dataset_tree *t = dataset_scan(paths, 1, &so, err, sizeof err);
	if (!t) {
		say(stdout, "%s: error: %s\n", dir, err);
		return 1;
	}
	size_t n = 0, bad = 0;
	const struct dataset_node **series = dataset_collect(t->root, DATASET_SERIES, &n);
	for (size_t i = 0; i < n; i++) {
		const struct dataset_node *mid = dataset_middle_instance(series[i]);
		char where[600], file[PATH_MAX], label[PATH_MAX + 700];
		dataset_where(series[i], where, sizeof where);
		const char *desc = dataset_tag(t, series[i], DICOM_SERIES_DESCRIPTION);
		if (!mid || dataset_node_path(mid, file, sizeof file) < 0) {
			say(stdout, "%s: error: no instance that could be read\n", where);
			bad++;
			continue;
		}
		snprintf(label, sizeof label, "%s%s%s (%s)", where, desc && *desc ? " " : "", desc ? desc : "", mid->name);
		bad += preview_one(file, label, o) < 0;
	}
	if (!n) {
		say(stdout, "%s: error: no series with DICOM files here\n", dir);
		bad++;
	}
	free(series);
	dataset_free(&t);
	return (int)bad;
}

static int preview_args(int argc, char **argv, struct preview_opts *o)
{
	static const struct option longopts[] = {
		{"size", required_argument, NULL, 's'}, {"frame", required_argument, NULL, 'f'},
		{"format", required_argument, NULL, 'F'}, {"window", required_argument, NULL, 'w'}, {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 's':
			if (sscanf(optarg, "%dx%d", &o->cols, &o->rows) != 2 || o->cols < 1 || o->rows < 1 || o->cols > 1000 ||
			    o->rows > 1000)
				return usage_error("preview", "--size takes COLSxROWS, each from 1 to 1000"), -1;
			break;
		case 'f': {
			long f = strtol(optarg, &end, 10);
			if (*end || f < 1 || f > 1000000)
				return usage_error("preview", "--frame takes a frame number from 1"), -1;
			o->frame = (unsigned)(f - 1);
			break;
		}
		case 'w':
			if (sscanf(optarg, "%lf,%lf", &o->center, &o->width) != 2 || !(o->width > 0))
				return usage_error("preview", "--window takes CENTER,WIDTH (a width above 0)"), -1;
			break;
		case 'F':
			if (!strcmp(optarg, "symbols"))
				o->format = PREVIEW_SYMBOLS;
			else if (!strcmp(optarg, "sixel"))
				o->format = PREVIEW_SIXEL;
			else if (!strcmp(optarg, "kitty"))
				o->format = PREVIEW_KITTY;
			else
				return usage_error("preview", "--format takes symbols, sixel or kitty"), -1;
			break;
		default: {
			char text[128];
			snprintf(text, sizeof text, "unknown option '%s'", argv[optind - 1]);
			return usage_error("preview", text), -1;
		}
		}
	}
	return optind;
}

int cli_preview(int argc, char **argv)
{
	struct preview_opts o = {.cols = 80, .rows = 24, .colors = preview_colors_of_env()};
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 2) {
		o.cols = ws.ws_col;
		o.rows = ws.ws_row - 2;	/* room for its line and the prompt */
	}
	o.ascii = preview_ascii();
	int first = preview_args(argc, argv, &o);
	if (first < 0)
		return CLI_EXIT_USAGE;
	if (first >= argc)
		return usage_error("preview", "give at least one DICOM file or folder");
	if (paths_missing("preview", argc, argv, first))
		return CLI_EXIT_USAGE;
	char err[512];
	if (dicom_init(err, sizeof err) != DICOM_OK) {
		say(stderr, "sdsfhir: %s\n", err);
		return CLI_EXIT_FATAL;
	}
	int bad = 0;
	for (int i = first; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			bad += preview_folder(argv[i], &o);
		else
			bad += preview_one(argv[i], argv[i], &o) < 0;
	}
	if (fflush(stdout) != 0)
		return CLI_EXIT_FATAL;
	return bad ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
}
