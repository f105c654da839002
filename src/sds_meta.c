#include "config.h"

#include "sds_meta.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct builder {
	char **cells;		/* all fields in order, header first */
	size_t n, cap, ncols, col, rows;
	int oom, ragged;
};

static int push(struct builder *b, const char *s, size_t len)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char **c = realloc(b->cells, cap * sizeof *c);
		if (!c)
			return b->oom = 1, -1;
		b->cells = c;
		b->cap = cap;
	}
	if (!(b->cells[b->n] = strndup(s ? s : "", len)))
		return b->oom = 1, -1;
	b->n++;
	return 0;
}

static void on_field(void *s, size_t len, void *data)
{
	struct builder *b = data;
	if (b->rows > 0 && b->col >= b->ncols) {	/* extra fields beyond the header */
		b->ragged = 1;
		return;
	}
	push(b, s, len);
	b->col++;
}

static void on_row(int c, void *data)
{
	(void)c;
	struct builder *b = data;
	if (b->rows == 0)
		b->ncols = b->col;
	else
		while (b->col < b->ncols && push(b, "", 0) == 0)	/* short rows are padded */
			b->col++;
	if (b->col > 0)
		b->rows++;
	b->col = 0;
}

static int is_blank(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

static struct sds_table *finish(struct builder *b, char *err, size_t errlen, const char *path)
{
	struct sds_table *t = NULL;
	if (b->oom || b->rows == 0 || b->ncols == 0) {
		snprintf(err, errlen, "%s: %s", path, b->oom ? "out of memory" : "no header row");
		goto out;
	}
	if (!(t = calloc(1, sizeof *t))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	t->ncols = b->ncols;
	t->header = b->cells;
	t->cells = b->cells + b->ncols;
	t->nrows = b->rows - 1;
	/* drop rows that are entirely empty (trailing blank lines of spreadsheets) */
	size_t w = 0;
	for (size_t r = 0; r < t->nrows; r++) {
		int blank = 1;
		for (size_t c = 0; c < t->ncols; c++)
			blank &= is_blank(t->cells[r * t->ncols + c]);
		if (blank) {
			for (size_t c = 0; c < t->ncols; c++)
				free(t->cells[r * t->ncols + c]);
			continue;
		}
		if (w != r)
			memmove(&t->cells[w * t->ncols], &t->cells[r * t->ncols], t->ncols * sizeof *t->cells);
		w++;
	}
	t->nrows = w;
	return t;
out:
	for (size_t i = 0; i < b->n; i++)
		free(b->cells[i]);
	free(b->cells);
	return NULL;
}

static struct sds_table *read_delimited(const char *path, unsigned char delim, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct csv_parser p;
	struct builder b = {0};
	csv_init(&p, CSV_APPEND_NULL);
	csv_set_delim(&p, delim);
	char buf[65536];
	size_t n;
	int bad = 0, first = 1;
	while (!bad && (n = fread(buf, 1, sizeof buf, f)) > 0) {
		char *s = buf;
		if (first && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {	/* UTF-8 byte order mark */
			s += 3;
			n -= 3;
		}
		first = 0;
		if (csv_parse(&p, s, n, on_field, on_row, &b) != n)
			bad = 1;
	}
	if (!bad)
		csv_fini(&p, on_field, on_row, &b);
	int ioerr = ferror(f);
	fclose(f);
	if (bad || ioerr) {
		snprintf(err, errlen, "%s: %s", path, ioerr ? "read error" : csv_strerror(csv_error(&p)));
		csv_free(&p);
		for (size_t i = 0; i < b.n; i++)
			free(b.cells[i]);
		free(b.cells);
		return NULL;
	}
	csv_free(&p);
	return finish(&b, err, errlen, path);
}

/* JSON: an array of objects, or an object holding one such array. */
static struct sds_table *read_json(const char *path, char *err, size_t errlen)
{
	json_object *root = json_object_from_file(path);
	if (!root) {
		snprintf(err, errlen, "%s: not valid JSON (%s)", path, json_util_get_last_err());
		return NULL;
	}
	json_object *rows = root;
	if (json_object_is_type(root, json_type_object)) {
		rows = NULL;
		json_object_object_foreach(root, k, v) {
			(void)k;
			if (json_object_is_type(v, json_type_array)) {
				rows = v;
				break;
			}
		}
	}
	struct builder b = {0};
	if (!rows || !json_object_is_type(rows, json_type_array)) {
		json_object_put(root);
		snprintf(err, errlen, "%s: expected an array of objects", path);
		return NULL;
	}
	/* header: union of keys in order of first appearance */
	size_t len = json_object_array_length(rows);
	for (size_t i = 0; i < len; i++) {
		json_object_object_foreach(json_object_array_get_idx(rows, i), k, v) {
			(void)v;
			size_t c;
			for (c = 0; c < b.n && strcmp(b.cells[c], k) != 0; c++)
				;
			if (c == b.n)
				push(&b, k, strlen(k));
		}
	}
	b.ncols = b.n;
	b.rows = 1;
	for (size_t i = 0; i < len && b.ncols; i++) {
		json_object *o = json_object_array_get_idx(rows, i);
		for (size_t c = 0; c < b.ncols; c++) {
			json_object *v = NULL;
			const char *s = "";
			if (json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, b.cells[c], &v) && v)
				s = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
									       : json_object_to_json_string(v);
			push(&b, s, strlen(s));
		}
		b.rows++;
	}
	json_object_put(root);
	return finish(&b, err, errlen, path);
}

struct sds_table *sds_meta_read(const char *path, char *err, size_t errlen)
{
	const char *dot = strrchr(path, '.');
	if (dot && strcasecmp(dot, ".csv") == 0)
		return read_delimited(path, ',', err, errlen);
	if (dot && strcasecmp(dot, ".tsv") == 0)
		return read_delimited(path, '\t', err, errlen);
	if (dot && strcasecmp(dot, ".json") == 0)
		return read_json(path, err, errlen);
	snprintf(err, errlen, "%s: unsupported format (csv, tsv and json are read)", path);
	return NULL;
}

void sds_meta_free(struct sds_table **t)
{
	if (!*t)
		return;
	for (size_t i = 0; i < (*t)->ncols * ((*t)->nrows + 1); i++)
		free((*t)->header[i]);
	free((*t)->header);
	free(*t);
	*t = NULL;
}

static int same_name(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '_' || *a == '-')
			a++;
		while (*b == ' ' || *b == '_' || *b == '-')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
}

int sds_meta_column(const struct sds_table *t, const char *name)
{
	for (size_t c = 0; c < t->ncols; c++)
		if (same_name(t->header[c], name))
			return (int)c;
	return -1;
}

const char *sds_meta_lookup(const struct sds_table *t, const char *key, const char *value, const char *column)
{
	int k = sds_meta_column(t, key), c = sds_meta_column(t, column);
	if (k < 0 || c < 0)
		return NULL;
	for (size_t r = 0; r < t->nrows; r++)
		if (strcmp(t->cells[r * t->ncols + (size_t)k], value) == 0)
			return t->cells[r * t->ncols + (size_t)c];
	return NULL;
}
