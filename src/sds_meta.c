#include "config.h"

#include "sds_meta.h"
#include "jget.h"

#include <csv.h>
#include <expat.h>
#include <zip.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define META_FILE_MAX (64u << 20)	/* a metadata file larger than this is not read */
#define META_TABLE_MAX (64u << 20)	/* nor one whose table would take more memory than this */

struct builder {
	char **cells;		/* all fields in order, header first */
	size_t n, cap, ncols, col, rows;
	size_t bytes;		/* memory the cells take, counted as they are added */
	int oom, ragged, too_big;
};

/* A file to read: opened without blocking (a FIFO would hang), regular and not too large.
 * The descriptor (blocking again), or -1 with err. */
static int open_regular(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)META_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path, !S_ISREG(st.st_mode) ? "not a regular file: ignored"
			 : "larger than 64 MiB: not read");
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static int push(struct builder *b, const char *s, size_t len)
{
	b->bytes += len + 1 + 2 * sizeof(char *) + 16;	/* the copy, its pointer, malloc's own */
	if (b->bytes > META_TABLE_MAX) {
		b->too_big = 1;
		return b->oom = 1, -1;
	}
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
		snprintf(err, errlen, "%s: %s", path, b->too_big ? "its table would take more than 64 MiB: not read" :
			 b->oom ? "out of memory" : "no header row");
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
	for (size_t i = b->rows * b->ncols; i < b->n; i++)	/* a last row never ended: not in the table */
		free(b->cells[i]);
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
	int fd = open_regular(path, err, errlen);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (!f) {
		if (fd >= 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
		}
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
		snprintf(err, errlen, "%s: %s", path, ioerr ? "read error" : b.too_big ?
			 "its table would take more than 64 MiB: not read" : csv_strerror(csv_error(&p)));
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
	int fd = open_regular(path, err, errlen);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *text = fstat(fd, &st) == 0 ? malloc((size_t)st.st_size + 1) : NULL;
	ssize_t n = text ? read(fd, text, (size_t)st.st_size) : -1;
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: cannot read it", path);
		free(text);
		return NULL;
	}
	text[n] = '\0';
	char why[200];	/* json-c takes ~80 bytes a value: a few times META_TABLE_MAX at most */
	json_object *root = jget_parse(text, (size_t)n, META_TABLE_MAX / 32, why, sizeof why);
	free(text);
	if (!root) {
		snprintf(err, errlen, "%s: %s", path, why);
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
		json_object *row = json_object_array_get_idx(rows, i);
		if (!json_object_is_type(row, json_type_object))	/* rows are objects; others are skipped */
			continue;
		json_object_object_foreach(row, k, v) {
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

/* ---- xlsx: the first worksheet, through libzip and expat ---- */

#define XLSX_PART_MAX (64u << 20)	/* refuse parts that unpack larger (zip bombs) */

/* A part of the zip, NUL-terminated; NULL when absent or too large. Caller frees. */
static char *zip_part(zip_t *z, const char *name, size_t *len)
{
	zip_stat_t st;
	if (zip_stat(z, name, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || st.size > XLSX_PART_MAX)
		return NULL;
	zip_file_t *f = zip_fopen(z, name, 0);
	char *buf = f ? malloc(st.size + 1) : NULL;
	zip_int64_t n = buf ? zip_fread(f, buf, st.size) : -1;
	if (f)
		zip_fclose(f);
	if (n < 0 || (zip_uint64_t)n != st.size) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

struct xml {			/* parser state for sharedStrings.xml and a sheet */
	char **strings;		/* shared strings */
	size_t nstrings, capstrings;
	char *text;		/* text being gathered */
	size_t tlen, tcap;
	int in_text;		/* inside <t> or <v> */
	/* sheet */
	size_t col;		/* column of the current cell */
	char type[16];		/* t= of the current cell */
	size_t row_cells;	/* cells so far in the row */
	struct builder *b;
	int oom;
	XML_Parser parser;	/* the part being parsed */
	const char *refused;	/* why parsing stopped, or NULL */
	size_t bytes;		/* the shared strings' memory, counted towards META_TABLE_MAX */
};

/* Stop parsing x's part: why (static). */
static void x_refuse(struct xml *x, const char *why)
{
	if (!x->refused)
		x->refused = why;
	XML_StopParser(x->parser, XML_FALSE);
}

/* A DTD or an entity declaration: office files never need one, and entities amplify. */
static void x_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int internal)
{
	(void)name, (void)sysid, (void)pubid, (void)internal;
	x_refuse(ud, "it holds a DTD (office files never need one): refused");
}

static void x_entity(void *ud, const XML_Char *name, int pe, const XML_Char *value, int len, const XML_Char *base,
		     const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	(void)name, (void)pe, (void)value, (void)len, (void)base, (void)sysid, (void)pubid, (void)notation;
	x_refuse(ud, "it declares an entity (office files never need one): refused");
}

static void x_text(void *ud, const XML_Char *s, int len)
{
	struct xml *x = ud;
	if (!x->in_text || len <= 0)
		return;
	if (x->tlen + (size_t)len + 1 > x->tcap) {
		size_t cap = x->tcap ? x->tcap * 2 : 256;
		while (cap < x->tlen + (size_t)len + 1)
			cap *= 2;
		char *t = realloc(x->text, cap);
		if (!t) {
			x->oom = 1;
			return;
		}
		x->text = t;
		x->tcap = cap;
	}
	memcpy(x->text + x->tlen, s, (size_t)len);
	x->tlen += (size_t)len;
	x->text[x->tlen] = '\0';
}

static const char *local_name(const char *n)
{
	const char *c = strrchr(n, ':');
	return c ? c + 1 : n;
}

static void ss_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml *x = ud;
	(void)atts;
	name = local_name(name);
	if (!strcmp(name, "si"))
		x->tlen = 0;
	else if (!strcmp(name, "t"))
		x->in_text = 1;
}

static void ss_end(void *ud, const XML_Char *name)
{
	struct xml *x = ud;
	name = local_name(name);
	if (!strcmp(name, "t")) {
		x->in_text = 0;
	} else if (!strcmp(name, "si")) {
		if (x->nstrings == x->capstrings) {
			size_t cap = x->capstrings ? x->capstrings * 2 : 64;
			char **n = realloc(x->strings, cap * sizeof *n);
			if (!n) {
				x->oom = 1;
				return;
			}
			x->strings = n;
			x->capstrings = cap;
		}
		x->bytes += x->tlen + 1 + 48;	/* the string, its slot, malloc's share (a 1-byte string takes 32) */
		if (x->bytes > META_TABLE_MAX) {
			x_refuse(x, "its shared strings are larger than a table sdsfhir reads: not read");
			return;
		}
		x->strings[x->nstrings] = strndup(x->text ? x->text : "", x->tlen);
		if (!x->strings[x->nstrings])
			x->oom = 1;
		else
			x->nstrings++;
		x->tlen = 0;
	}
}

static size_t col_of(const char *ref)
{
	size_t c = 0;
	for (; *ref >= 'A' && *ref <= 'Z'; ref++)
		c = c * 26 + (size_t)(*ref - 'A' + 1);
	return c ? c - 1 : 0;
}

static void sh_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml *x = ud;
	name = local_name(name);
	if (!strcmp(name, "row")) {
		x->row_cells = 0;
		x->b->col = 0;
	} else if (!strcmp(name, "c")) {
		x->type[0] = '\0';
		x->col = x->row_cells;
		for (int i = 0; atts[i]; i += 2) {
			if (!strcmp(atts[i], "r"))
				x->col = col_of(atts[i + 1]);
			else if (!strcmp(atts[i], "t"))
				snprintf(x->type, sizeof x->type, "%s", atts[i + 1]);
		}
		x->tlen = 0;
	} else if (!strcmp(name, "v") || !strcmp(name, "t")) {
		x->in_text = 1;
	}
}

static void sh_end(void *ud, const XML_Char *name)
{
	struct xml *x = ud;
	name = local_name(name);
	if (!strcmp(name, "v") || !strcmp(name, "t")) {
		x->in_text = 0;
	} else if (!strcmp(name, "c")) {
		if (x->col > 4096)	/* a far-off cell: not a table we read */
			return;
		while (x->row_cells < x->col) {	/* skipped cells are empty */
			on_field("", 0, x->b);
			x->row_cells++;
		}
		const char *v = x->text ? x->text : "";
		size_t n = x->tlen;
		if (!strcmp(x->type, "s")) {
			size_t i = (size_t)strtoul(v, NULL, 10);
			v = i < x->nstrings ? x->strings[i] : "";
			n = strlen(v);
		}
		on_field((void *)v, n, x->b);
		x->row_cells++;
		x->tlen = 0;
	} else if (!strcmp(name, "row")) {
		on_row(0, x->b);
	}
}

static int parse_xml(const char *data, size_t len, XML_StartElementHandler start, XML_EndElementHandler end,
		     struct xml *x, char *err, size_t errlen, const char *what)
{
	XML_Parser p = XML_ParserCreate("UTF-8");
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, start, end);
	XML_SetCharacterDataHandler(p, x_text);
	XML_SetStartDoctypeDeclHandler(p, x_doctype);
	XML_SetEntityDeclHandler(p, x_entity);
	x->parser = p;
	x->refused = NULL;
	int ok = XML_Parse(p, data, (int)len, 1) == XML_STATUS_OK && !x->refused;
	if (x->refused)
		snprintf(err, errlen, "%s: %s", what, x->refused);
	else if (!ok)
		snprintf(err, errlen, "%s: %s at line %lu", what, XML_ErrorString(XML_GetErrorCode(p)),
			 (unsigned long)XML_GetCurrentLineNumber(p));
	x->parser = NULL;
	XML_ParserFree(p);
	return ok && !x->oom ? 0 : -1;
}

static struct sds_table *read_xlsx(const char *path, char *err, size_t errlen)
{
	int zerr = 0;
	int fd = open_regular(path, err, errlen);
	if (fd < 0)
		return NULL;
	zip_t *z = zip_fdopen(fd, ZIP_RDONLY, &zerr);	/* it owns fd from here on */
	if (!z)
		close(fd);
	if (!z) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, zerr);
		snprintf(err, errlen, "%s: not a readable xlsx file (%s)", path, zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return NULL;
	}
	struct builder b = {0};
	struct xml x = {0};
	x.b = &b;
	struct sds_table *t = NULL;
	size_t len = 0;
	char e[256] = "";
	char *ss = zip_part(z, "xl/sharedStrings.xml", &len);
	if (ss && parse_xml(ss, len, ss_start, ss_end, &x, e, sizeof e, "sharedStrings.xml") < 0) {
		snprintf(err, errlen, "%s: %s", path, e);
		goto out;
	}
	char *sheet = zip_part(z, "xl/worksheets/sheet1.xml", &len);
	for (zip_int64_t i = 0; !sheet && i < zip_get_num_entries(z, 0); i++) {
		const char *n = zip_get_name(z, (zip_uint64_t)i, 0);
		if (n && !strncmp(n, "xl/worksheets/", 14) && strstr(n, ".xml") && !strchr(n + 14, '/'))
			sheet = zip_part(z, n, &len);
	}
	if (!sheet) {
		snprintf(err, errlen, "%s: no worksheet in it (or one larger than %u MiB)", path, XLSX_PART_MAX >> 20);
	} else if (parse_xml(sheet, len, sh_start, sh_end, &x, e, sizeof e, "worksheet") < 0) {
		snprintf(err, errlen, "%s: %s", path, e[0] ? e : "out of memory");
	} else {
		t = finish(&b, err, errlen, path);
		b.cells = NULL;
		b.n = 0;
	}
	free(sheet);
out:
	free(ss);
	for (size_t i = 0; i < x.nstrings; i++)
		free(x.strings[i]);
	free(x.strings);
	free(x.text);
	for (size_t i = 0; i < b.n; i++)
		free(b.cells[i]);
	free(b.cells);
	zip_close(z);
	return t;
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
	if (dot && strcasecmp(dot, ".xlsx") == 0)
		return read_xlsx(path, err, errlen);
	snprintf(err, errlen, "%s: unsupported format (xlsx, csv, tsv and json are read)", path);
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

int sds_meta_same_name(const char *a, const char *b)
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
		if (sds_meta_same_name(t->header[c], name))
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

size_t sds_meta_element(const struct sds_table *t, const char *element, const char **out, size_t max)
{
	size_t row = t->nrows, n = 0;
	for (size_t r = 0; r < t->nrows && row == t->nrows; r++)
		if (t->ncols && sds_meta_same_name(t->cells[r * t->ncols], element))
			row = r;
	int named = 0;	/* are there columns named Value, Value 2...? */
	for (size_t c = 1; c < t->ncols; c++)
		named |= strncasecmp(t->header[c], "value", 5) == 0;
	for (size_t c = 1; row < t->nrows && c < t->ncols && n < max; c++)
		if (!named || strncasecmp(t->header[c], "value", 5) == 0)
			out[n++] = t->cells[row * t->ncols + c];
	return n;
}
