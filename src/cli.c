#include "config.h"

#include "cli.h"
#include "dataset.h"
#include "dicom.h"
#include "fhir.h"
#include "intern.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ---- scan ---- */

static void print_msgs(FILE *out, const struct dataset_node *n, int indent)
{
	for (const struct dataset_msg *m = n->msgs; m; m = m->next)
		fprintf(out, "%*s%s: %s\n", indent, "", m->level == DATASET_ERROR ? "error" : "warning", m->text);
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
	fprintf(out, "%zu %s", n, n == 1 ? one : many);
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
		fprintf(out, "%*sdataset %s  (%s)\n%*s  ", ind, "", n->name, n->path, ind, "");
		print_counts(out, n);
		fputc('\n', out);
		break;
	case DATASET_META:
		fprintf(out, "%*smetadata %s\n", ind, "", n->name);
		break;
	case DATASET_SUBJECT:
		fprintf(out, "%*ssubject %s  ", ind, "", n->name);
		print_counts(out, n);
		fputc('\n', out);
		break;
	case DATASET_STUDY:
		fprintf(out, "%*sstudy %s  date %s %s  patient %s  \"%s\"  ", ind, "", n->name,
			or_dash(dataset_tag(t, n, DICOM_STUDY_DATE)), or_dash(dataset_tag(t, n, DICOM_STUDY_TIME)),
			or_dash(dataset_tag(t, n, DICOM_PATIENT_ID)), or_dash(dataset_tag(t, n, DICOM_STUDY_DESCRIPTION)));
		print_counts(out, n);
		fputc('\n', out);
		break;
	case DATASET_SERIES:
		fprintf(out, "%*sseries %s  #%s %s %s \"%s\"  uid %s  ", ind, "", *n->name ? n->name : "(no sample)",
			or_dash(dataset_tag(t, n, DICOM_SERIES_NUMBER)), or_dash(dataset_tag(t, n, DICOM_MODALITY)),
			or_dash(dataset_tag(t, n, DICOM_BODY_PART)), or_dash(dataset_tag(t, n, DICOM_SERIES_DESCRIPTION)),
			dataset_tag(t, n, DICOM_SERIES_UID));
		print_counts(out, n);
		fputc('\n', out);
		break;
	case DATASET_INSTANCE:
		if (verbose || n->msgs)
			fprintf(out, "%*sinstance %s  #%s  %s\n", ind, "", n->name,
				or_dash(dataset_tag(t, n, DICOM_INSTANCE_NUMBER)), dataset_tag(t, n, DICOM_SOP_INSTANCE_UID));
		break;
	case DATASET_FILE:
		fprintf(out, "%*s%s %s\n", ind, "", n->flags & DATASET_NODE_SKIPPED ? "skipped" : "file", n->name);
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

/* The JSON of node n: named arrays per level, as documented in sdsfhir(1). */
static json_object *jnode(const struct dataset_tree *t, const struct dataset_node *n)
{
	json_object *o = json_object_new_object(), *kids = NULL, *files = json_object_new_array();
	json_object *meta = NULL;
	switch (n->kind) {
	case DATASET_DATASET:
		jadd_str(o, "name", n->name);
		jadd_str(o, "path", n->path);
		meta = json_object_new_array();
		json_object_object_add(o, "metadata", meta);
		json_object_object_add(o, "subjects", kids = json_object_new_array());
		break;
	case DATASET_SUBJECT:
		jadd_str(o, "name", n->name);
		json_object_object_add(o, "studies", kids = json_object_new_array());
		break;
	case DATASET_STUDY:
		jadd_str(o, "uid", n->name);
		jadd_str(o, "date", dataset_tag(t, n, DICOM_STUDY_DATE));
		jadd_str(o, "time", dataset_tag(t, n, DICOM_STUDY_TIME));
		jadd_str(o, "description", dataset_tag(t, n, DICOM_STUDY_DESCRIPTION));
		jadd_str(o, "patient_id", dataset_tag(t, n, DICOM_PATIENT_ID));
		jadd_str(o, "patient_name", dataset_tag(t, n, DICOM_PATIENT_NAME));
		json_object_object_add(o, "series", kids = json_object_new_array());
		break;
	case DATASET_SERIES:
		jadd_str(o, "uid", dataset_tag(t, n, DICOM_SERIES_UID));
		jadd_str(o, "sample", n->name);
		jadd_str(o, "number", dataset_tag(t, n, DICOM_SERIES_NUMBER));
		jadd_str(o, "modality", dataset_tag(t, n, DICOM_MODALITY));
		jadd_str(o, "body_part", dataset_tag(t, n, DICOM_BODY_PART));
		jadd_str(o, "description", dataset_tag(t, n, DICOM_SERIES_DESCRIPTION));
		json_object_object_add(o, "instances", kids = json_object_new_array());
		break;
	case DATASET_INSTANCE:
		jadd_str(o, "path", n->name);
		jadd_str(o, "uid", dataset_tag(t, n, DICOM_SOP_INSTANCE_UID));
		jadd_str(o, "number", dataset_tag(t, n, DICOM_INSTANCE_NUMBER));
		break;
	default:
		break;
	}
	for (const struct dataset_node *c = n->child; c; c = c->next) {
		if (c->kind == DATASET_META && meta)
			json_object_array_add(meta, json_object_new_string(c->name));
		else if (c->kind == DATASET_FILE)
			json_object_array_add(files, jfile(c));
		else if (kids)
			json_object_array_add(kids, jnode(t, c));
	}
	if (n->kind != DATASET_INSTANCE) {
		json_object_object_add(o, "files", files);
		json_object_object_add(o, "counts", jcounts(n));
	} else {
		json_object_put(files);
	}
	json_object_object_add(o, "messages", jmsgs(n));
	return o;
}

static json_object *jtree(const struct dataset_tree *t)
{
	json_object *o = json_object_new_object(), *ds = json_object_new_array(), *errs = json_object_new_array();
	jadd_str(o, "format", "sdsfhir-scan/1");
	for (const struct dataset_node *c = t->root->child; c; c = c->next) {
		if (c->kind == DATASET_DATASET) {
			json_object_array_add(ds, jnode(t, c));
		} else {
			json_object *e = json_object_new_object();
			jadd_str(e, "input", c->name);
			jadd_str(e, "error", dataset_first_msg(c, DATASET_ERROR));
			json_object_array_add(errs, e);
		}
	}
	json_object_object_add(o, "datasets", ds);
	json_object_object_add(o, "input_errors", errs);
	json_object_object_add(o, "totals", jcounts(t->root));
	return o;
}

static int print_json(json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = puts(s) < 0 ? -1 : 0;
	json_object_put(o);
	return r;
}

static int usage_error(const char *cmd, const char *text)
{
	fprintf(stderr, "sdsfhir %s: %s\nTry 'sdsfhir --help'.\n", cmd, text);
	return CLI_EXIT_USAGE;
}

/* Parse the options shared by scan and tags; returns the index of the first path or -1. */
static int parse_common(int argc, char **argv, const char *cmd, int *json, int *verbose, int *jobs)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'J'}, {"verbose", no_argument, NULL, 'v'},
		{"jobs", required_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vj:", longopts, NULL)) != -1) {
		switch (c) {
		case 'J': *json = 1; break;
		case 'v': *verbose = 1; break;
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
	char err[512];
	struct dataset_scan_opts opts = {.threads = jobs};
	struct dataset_tree *t = dataset_scan((const char *const *)argv + first, (size_t)(argc - first), &opts,
					      err, sizeof err);
	if (!t) {
		fprintf(stderr, "sdsfhir: %s\n", err);
		return CLI_EXIT_FATAL;
	}
	int rc = t->root->nerrors ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
	if (json) {
		if (print_json(jtree(t)) < 0)
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
		fprintf(stderr, "sdsfhir: %s\n", err);
		return CLI_EXIT_FATAL;
	}
	struct dicom_header *h = malloc(sizeof *h);
	if (!h) {
		fprintf(stderr, "sdsfhir: out of memory\n");
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
		printf("%s%s\n", i > first ? "\n" : "", argv[i]);
		if (st != DICOM_OK) {
			printf("  error: %s\n", err);
			continue;
		}
		for (int t = 0; t < DICOM_TAG_COUNT; t++) {
			const struct dicom_tag_info *ti = &dicom_tag_table[t];
			const char *v = dicom_header_get(h, (enum dicom_tag)t);
			printf("  (%04X,%04X) %-32s %s", ti->group, ti->element, ti->keyword, v ? v : "(absent)");
			if (t == DICOM_TRANSFER_SYNTAX)
				printf(" (%s)", h->xfer_name);
			putchar('\n');
		}
		if (h->warning[0])
			printf("  warning: %s\n", h->warning);
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
static void where(const struct dataset_node *n, char *buf, size_t len)
{
	const struct dataset_node *ds = dataset_ancestor(n, DATASET_DATASET);
	const struct dataset_node *sub = dataset_ancestor(n, DATASET_SUBJECT);
	if (n->kind == DATASET_STUDY || n->kind == DATASET_SERIES || n->kind == DATASET_INSTANCE ||
	    n->kind == DATASET_FILE)
		snprintf(buf, len, "%s/%s%s%s", ds ? ds->name : "", sub ? sub->name : n->name,
			 n->kind == DATASET_STUDY || !sub ? "" : "/",
			 n->kind == DATASET_STUDY || !sub ? "" : n->name);
	else
		snprintf(buf, len, "%s", n->kind == DATASET_DATASET ? n->name : n->path ? n->path : n->name);
	if (n->kind == DATASET_SERIES && !*n->name)
		snprintf(buf + strlen(buf), len - strlen(buf), "(no sample)");
}

static void warn_stderr(void *ctx, const struct dataset_node *n, const char *text)
{
	char w[1024];
	where(n, w, sizeof w);
	fprintf(stderr, "sdsfhir: warning: %s: %s\n", w, text);
	if (ctx)
		++*(size_t *)ctx;
}

/* Print the errors and warnings of the tree on stderr; returns the number of errors. */
static size_t report_msgs(const struct dataset_node *n)
{
	size_t errors = 0;
	for (const struct dataset_msg *m = n->msgs; m; m = m->next) {
		char w[1024];
		where(n, w, sizeof w);
		fprintf(stderr, "sdsfhir: %s: %s: %s\n", m->level == DATASET_ERROR ? "error" : "warning", w, m->text);
		errors += m->level == DATASET_ERROR;
	}
	for (const struct dataset_node *c = n->child; c; c = c->next)
		errors += report_msgs(c);
	return errors;
}

/* Apply --zone: an IANA name becomes the process's TZ; returns the fhir_opts zone, or NULL if invalid. */
static const char *set_zone(const char *zone)
{
	if (!zone || !*zone)
		return "local";
	if (fhir_zone_valid(zone))
		return zone;
	const char *dir = getenv("TZDIR");
	char path[1024];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	if (strstr(zone, "..") || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	setenv("TZ", zone, 1);
	tzset();
	return "local";
}

int cli_fhir(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"resource", required_argument, NULL, 'r'}, {"zone", required_argument, NULL, 'z'},
		{"patient-system", required_argument, NULL, 'p'}, {"jobs", required_argument, NULL, 'j'},
		{NULL, 0, NULL, 0}};
	const char *resource = NULL, *zone = getenv("SDSFHIR_ZONE"), *psys = getenv("SDSFHIR_PATIENT_SYSTEM");
	int jobs = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:z:p:j:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': resource = optarg; break;
		case 'z': zone = optarg; break;
		case 'p': psys = optarg; break;
		case 'j': jobs = atoi(optarg); break;
		default: {
			char text[128];
			snprintf(text, sizeof text, "unknown option or missing value '%s'", argv[optind - 1]);
			return usage_error("fhir", text);
		}
		}
	}
	if (resource && strcmp(resource, "patient") != 0 && strcmp(resource, "study") != 0)
		return usage_error("fhir", "--resource takes patient or study");
	if (jobs < 0 || jobs > 16)
		return usage_error("fhir", "--jobs takes a number from 1 to 16");
	if (psys && (!*psys || !strchr(psys, ':') || strpbrk(psys, " \t|")))
		return usage_error("fhir", "--patient-system takes a URI, such as urn:example:patient-id");
	const char *z = set_zone(zone);
	if (!z)
		return usage_error("fhir", "--zone takes local, Z, +hh:mm, -hh:mm or a time zone name such as Europe/Berlin");
	if (optind >= argc)
		return usage_error("fhir", "give at least one dataset, primary/, subject or sample folder");

	char err[512];
	struct dataset_scan_opts so = {.threads = jobs};
	struct dataset_tree *t = dataset_scan((const char *const *)argv + optind, (size_t)(argc - optind), &so, err, sizeof err);
	if (!t) {
		fprintf(stderr, "sdsfhir: %s\n", err);
		return CLI_EXIT_FATAL;
	}
	size_t errors = report_msgs(t->root);
	struct fhir_opts fo = {.patient_system = psys, .zone = z, .warn = warn_stderr};
	size_t nstudies = 0, skipped = 0;
	const struct dataset_node **studies = dataset_collect(t->root, DATASET_STUDY, &nstudies);
	json_object *out;
	if (!resource) {
		out = fhir_bundle_build(t, studies, nstudies, &fo, &skipped);
	} else {
		json_object *all = json_object_new_array(), *keys = json_object_new_object();
		for (size_t i = 0; i < nstudies; i++) {
			if (strcmp(resource, "patient") == 0) {
				char sys[512], val[512], key[1030];
				fhir_patient_identifier(t, studies[i], &fo, sys, sizeof sys, val, sizeof val);
				snprintf(key, sizeof key, "%s|%s", sys, val);
				if (json_object_object_get_ex(keys, key, NULL))
					continue;
				json_object_object_add(keys, key, NULL);
				json_object_array_add(all, fhir_patient_build(t, studies[i], &fo));
			} else {
				json_object *st = fhir_study_build(t, studies[i], NULL, &fo, err, sizeof err);
				if (st) {
					json_object_array_add(all, st);
				} else {
					warn_stderr(NULL, studies[i], err);
					skipped++;
				}
			}
		}
		json_object_put(keys);
		if (json_object_array_length(all) == 1) {
			out = json_object_get(json_object_array_get_idx(all, 0));
			json_object_put(all);
		} else {
			out = all;
		}
	}
	free(studies);
	int rc = errors || skipped ? CLI_EXIT_PARTIAL : CLI_EXIT_OK;
	if (nstudies == 0) {
		fprintf(stderr, "sdsfhir: no study found under the given paths\n");
		rc = CLI_EXIT_PARTIAL;
	}
	if (print_json(out) < 0)
		rc = CLI_EXIT_FATAL;
	dataset_free(&t);
	if (fflush(stdout) != 0)
		rc = CLI_EXIT_FATAL;
	return rc;
}
