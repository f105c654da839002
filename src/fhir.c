#include "config.h"

#include "fhir.h"
#include "bodypart.h"
#include "jget.h"
#include "research.h"
#include "sds_meta.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- small helpers ---- */

void fhir_warn(const struct fhir_opts *o, const struct dataset_node *n, const char *fmt, ...)
{
	if (!o || !o->warn)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	o->warn(o->ctx, n, buf);
}

void fhir_add_str(json_object *o, const char *key, const char *v)
{
	if (v && *v)
		json_object_object_add(o, key, json_object_new_string(v));
}

json_object *fhir_coding(const char *system, const char *code, const char *display)
{
	json_object *c = json_object_new_object();
	fhir_add_str(c, "system", system);
	fhir_add_str(c, "code", code);
	fhir_add_str(c, "display", display);
	return c;
}

json_object *fhir_identifier(const char *use, const char *system, const char *value)
{
	json_object *i = json_object_new_object();
	fhir_add_str(i, "use", use);
	fhir_add_str(i, "system", system);
	fhir_add_str(i, "value", value);
	return i;
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static int num(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* An unsigned integer value (DICOM IS), or -1. */
static long unsigned_value(const char *s)
{
	if (!s)
		return -1;
	while (*s == ' ' || *s == '+')
		s++;
	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	char *end;
	long v = strtol(s, &end, 10);
	while (*end == ' ')
		end++;
	return *end || v < 0 || v > 2147483647L ? -1 : v;
}

int fhir_query_escape(const char *s, char *out, size_t len, int flags)
{
	size_t k = 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int keep = isalnum(c) || strchr("-._~:/", c) || ((flags & FHIR_ESC_BAR) && c == '|');
		int comma = (flags & FHIR_ESC_TOKEN) && c == ',';
		if (k + (keep ? 1 : comma ? 6 : 3) >= len)
			break;
		if (keep)
			out[k++] = (char)c;
		else
			k += (size_t)snprintf(out + k, len - k, "%s%%%02X", comma ? "%5C" : "", c);
	}
	if (len)
		out[k < len ? k : len - 1] = '\0';
	return *s ? -1 : 0;	/* never a cut value: the caller says it is too long */
}

char *fhir_query_escape_dup(const char *s, int flags)
{
	size_t len = strlen(s) * 6 + 1;
	char *out = malloc(len);
	if (out && fhir_query_escape(s, out, len, flags) < 0) {
		free(out);
		out = NULL;
	}
	return out;
}

/* Runs of digits (no leading zero but "0" itself) joined by dots: the form of UIDs and OIDs. */
static int dotted_digits(const char *s)
{
	if (!s || !*s)
		return 0;
	for (const char *p = s; *p;) {
		size_t d = strspn(p, "0123456789");
		if (d == 0 || (d > 1 && *p == '0'))
			return 0;
		p += d;
		if (*p == '.' && p[1])
			p++;
		else if (*p)
			return 0;
	}
	return 1;
}

int fhir_uid_valid(const char *uid)
{
	return uid && strlen(uid) <= 64 && dotted_digits(uid);
}

char *fhir_condition(const char *type, const char *system, const char *value, char *err, size_t errlen)
{
	char *es = fhir_query_escape_dup(system, FHIR_ESC_TOKEN), *ev = fhir_query_escape_dup(value, FHIR_ESC_TOKEN);
	char *cond = NULL;
	size_t n = es && ev ? strlen(es) + strlen(ev) + 13 : 0;
	if (n && n <= FHIR_QUERY_MAX && (cond = malloc(n)))
		snprintf(cond, n, "identifier=%s|%s", es, ev);
	else if (n)
		snprintf(err, errlen, "the query that finds its %s would be %zu bytes, more than servers accept (%d): "
			 "the %s identifier is too long", type, n, FHIR_QUERY_MAX, type);
	else
		snprintf(err, errlen, "out of memory");
	free(es);
	free(ev);
	return cond;
}

char *fhir_patient_condition(const struct dataset_tree *tree, const struct dataset_node *study,
			     const struct fhir_opts *opts, char *err, size_t errlen)
{
	char system[1024], value[1024];
	fhir_patient_identifier(tree, study, opts, system, sizeof system, value, sizeof value);
	return fhir_condition("Patient", system, value, err, errlen);
}

/* ---- conversions ---- */

static int days_in(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

int fhir_date(const char *da, char *out, size_t len)
{
	char d[9];
	if (!da)
		return -1;
	size_t n = strlen(da);
	if (n == 8 && digits(da, 8))
		memcpy(d, da, 8);
	else if (n == 10 && da[4] == '.' && da[7] == '.' && digits(da, 4) && digits(da + 5, 2) && digits(da + 8, 2)) {
		memcpy(d, da, 4);	/* ACR-NEMA YYYY.MM.DD */
		memcpy(d + 4, da + 5, 2);
		memcpy(d + 6, da + 8, 2);
	} else
		return -1;
	int y = num(d, 4), m = num(d + 4, 2), dd = num(d + 6, 2);
	if (y < 1 || m < 1 || m > 12 || dd < 1 || dd > days_in(y, m))
		return -1;
	snprintf(out, len, "%04d-%02d-%02d", y, m, dd);
	return 0;
}

/* "+HHMM" / "-HHMM" to "+HH:MM"; -1 when invalid. */
static int dicom_offset(const char *tz, char *out, size_t len)
{
	if (!tz || strlen(tz) != 5 || (tz[0] != '+' && tz[0] != '-') || !digits(tz + 1, 4))
		return -1;
	int h = num(tz + 1, 2), m = num(tz + 3, 2);
	if (m > 59 || (tz[0] == '-' && h * 60 + m > 12 * 60) || (tz[0] == '+' && h * 60 + m > 14 * 60))
		return -1;
	snprintf(out, len, "%c%02u:%02u", tz[0], (unsigned)h % 100, (unsigned)m % 100);
	return 0;
}

int fhir_zone_valid(const char *zone)
{
	if (!zone || strcmp(zone, "local") == 0 || strcmp(zone, "Z") == 0 || strcmp(zone, "UTC") == 0)
		return 1;
	char dicom[6];
	if (strlen(zone) == 6 && zone[3] == ':') {
		snprintf(dicom, sizeof dicom, "%c%c%c%c%c", zone[0], zone[1], zone[2], zone[4], zone[5]);
		char tmp[8];
		return dicom_offset(dicom, tmp, sizeof tmp) == 0;
	}
	return 0;
}

int fhir_datetime(const char *da, const char *tm, const char *tzoffset, const char *zone, char *out, size_t len)
{
	char date[16];
	if (fhir_date(da, date, sizeof date) < 0)
		return -1;
	if (!tm || !*tm) {
		snprintf(out, len, "%s", date);
		return 0;
	}
	char t[32];
	size_t k = 0;
	for (const char *p = tm; *p && k + 1 < sizeof t; p++)	/* ACR-NEMA HH:MM:SS */
		if (*p != ':')
			t[k++] = *p;
	t[k] = '\0';
	const char *dot = strchr(t, '.');
	size_t whole = dot ? (size_t)(dot - t) : strlen(t);
	if ((whole != 2 && whole != 4 && whole != 6) || !digits(t, whole) || (dot && whole != 6))
		return -2;
	int hh = num(t, 2), mm = whole >= 4 ? num(t + 2, 2) : 0, ss = whole >= 6 ? num(t + 4, 2) : 0;
	if (hh > 23 || mm > 59 || ss > 60)
		return -2;
	char frac[8] = "";
	if (dot) {
		size_t f = strlen(dot + 1);
		if (f < 1 || f > 6 || !digits(dot + 1, f))
			return -2;
		while (f > 0 && dot[f] == '0')
			f--;
		if (f > 0)
			snprintf(frac, sizeof frac, ".%.*s", (int)f, dot + 1);
	}
	char z[16];
	if (tzoffset && *tzoffset) {
		if (dicom_offset(tzoffset, z, sizeof z) < 0)
			return -3;
	} else if (zone && (strcmp(zone, "Z") == 0 || strcmp(zone, "UTC") == 0)) {
		snprintf(z, sizeof z, "Z");
	} else if (zone && strcmp(zone, "local") != 0) {
		if (!fhir_zone_valid(zone))
			return -3;
		snprintf(z, sizeof z, "%s", zone);
	} else {		/* the machine's zone at that moment (DST-aware) */
		struct tm lt = {0};
		lt.tm_year = num(date, 4) - 1900;
		lt.tm_mon = num(date + 5, 2) - 1;
		lt.tm_mday = num(date + 8, 2);
		lt.tm_hour = hh;
		lt.tm_min = mm;
		lt.tm_sec = ss > 59 ? 59 : ss;
		lt.tm_isdst = -1;
		time_t when = mktime(&lt);
		struct tm back;
		if (when == (time_t)-1 || !localtime_r(&when, &back))
			return -3;
		long off = back.tm_gmtoff / 60;
		unsigned a = (unsigned)(labs(off) % (24 * 60));
		snprintf(z, sizeof z, "%c%02u:%02u", off < 0 ? '-' : '+', a / 60, a % 60);
	}
	snprintf(out, len, "%sT%02d:%02d:%02d%s%s", date, hh, mm, ss, frac, z);
	return 0;
}

/* Component c (0-4) of a PN group pn[0..n), trimmed: its start and length. */
static void pn_component(const char *pn, size_t n, int c, const char **start, size_t *len)
{
	size_t i = 0;
	for (int k = 0; k < c && i < n; i++)
		if (pn[i] == '^')
			k++;
	size_t e = i;
	while (e < n && pn[e] != '^')
		e++;
	while (i < e && pn[i] == ' ')
		i++;
	while (e > i && pn[e - 1] == ' ')
		e--;
	*start = pn + i;
	*len = e - i;
}

/* The HumanName of PN group g[0..gl), or NULL when it has no component. */
static json_object *pn_group_name(const char *g, size_t gl)
{
	if (strspn(g, "^ ") >= gl)
		return NULL;
	json_object *name = json_object_new_object();
	fhir_add_str(name, "use", "official");
	const char *c;
	size_t cl;
	pn_component(g, gl, 0, &c, &cl);
	if (cl)
		json_object_object_add(name, "family", json_object_new_string_len(c, (int)cl));
	json_object *given = json_object_new_array();
	for (int k = 1; k <= 2; k++) {
		pn_component(g, gl, k, &c, &cl);
		if (cl)
			json_object_array_add(given, json_object_new_string_len(c, (int)cl));
	}
	if (json_object_array_length(given))
		json_object_object_add(name, "given", given);
	else
		json_object_put(given);
	static const char *const keys[] = {"prefix", "suffix"};
	for (int k = 3; k <= 4; k++) {
		pn_component(g, gl, k, &c, &cl);
		if (cl) {
			json_object *a = json_object_new_array();
			json_object_array_add(a, json_object_new_string_len(c, (int)cl));
			json_object_object_add(name, keys[k - 3], a);
		}
	}
	return name;
}

/* The start of group k (0 alphabetic, 1 ideographic, 2 phonetic) of pn and its length; NULL when absent. */
static const char *pn_group(const char *pn, int k, size_t *len)
{
	const char *g = pn;
	for (int i = 0; i < k && g; i++) {
		g = strchr(g, '=');
		g = g ? g + 1 : NULL;
	}
	*len = g ? strcspn(g, "=") : 0;
	return g;
}

json_object *fhir_name(const char *pn)
{
	for (int k = 0; pn && k < 3; k++) {	/* the alphabetic group; when it is empty, the ideographic, then the phonetic */
		size_t gl;
		const char *g = pn_group(pn, k, &gl);
		json_object *name = g ? pn_group_name(g, gl) : NULL;
		if (name)
			return name;
	}
	return NULL;
}

json_object *fhir_names(const char *pn)
{
	static const char *const rep[] = {NULL, "IDE", "SYL"};	/* ISO 21090 EN.representation */
	json_object *names = json_object_new_array();
	for (int k = 0; pn && k < 3; k++) {
		size_t gl;
		const char *g = pn_group(pn, k, &gl);
		json_object *name = g ? pn_group_name(g, gl) : NULL;
		if (!name)
			continue;
		if (rep[k]) {
			json_object *x = json_object_new_object(), *xs = json_object_new_array();
			fhir_add_str(x, "url", FHIR_EXT_EN_REPRESENTATION);
			fhir_add_str(x, "valueCode", rep[k]);
			json_object_array_add(xs, x);
			json_object_object_add(name, "extension", xs);
		}
		json_object_array_add(names, name);
	}
	if (json_object_array_length(names))
		return names;
	json_object_put(names);
	return NULL;
}

const char *fhir_gender(const char *sex)
{
	if (!sex)
		return NULL;
	if (strcasecmp(sex, "M") == 0 || strcasecmp(sex, "male") == 0)
		return "male";
	if (strcasecmp(sex, "F") == 0 || strcasecmp(sex, "female") == 0)
		return "female";
	if (strcasecmp(sex, "O") == 0 || strcasecmp(sex, "other") == 0)
		return "other";
	return NULL;
}

int fhir_laterality(const char *lat, const char **code, const char **display)
{
	static const struct { const char *dicom, *code, *display; } map[] = {
		{"L", "419161000", "Unilateral left"},
		{"R", "419465000", "Unilateral right"},
		{"B", "51440002", "Bilateral"},
	};
	for (size_t i = 0; lat && i < sizeof map / sizeof *map; i++) {
		if (strcasecmp(lat, map[i].dicom) == 0) {
			*code = map[i].code;
			*display = map[i].display;
			return 0;
		}
	}
	return -1;
}

void fhir_uuid5(const char *name, char out[37])
{
	/* RFC 4122 name space for URLs, 6ba7b811-9dad-11d1-80b4-00c04fd430c8 */
	static const unsigned char ns[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
					     0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) || !EVP_DigestUpdate(ctx, ns, sizeof ns) ||
	    !EVP_DigestUpdate(ctx, name, strlen(name)) || !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen < 16)
		memset(md, 0, sizeof md);
	EVP_MD_CTX_free(ctx);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);	/* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);	/* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 md[0], md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12],
		 md[13], md[14], md[15]);
}

int fhir_snomed_valid(const char *code)
{
	static const unsigned char d[10][10] = {
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6},
		{3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4},
		{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
	static const unsigned char p[8][10] = {
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2},
		{8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
	size_t n = code ? strlen(code) : 0;
	if (n < 6 || n > 18 || !digits(code, n) || code[0] == '0')
		return 0;
	unsigned c = 0;
	for (size_t i = 0; i < n; i++)
		c = d[c][p[i % 8][code[n - 1 - i] - '0']];
	return c == 0;
}

int fhir_bodysite_lookup(const char *q, char *code, size_t codelen, char *display, size_t displaylen)
{
	char c[64], d[256], in[64];
	if (!q || !*q || strlen(q) >= sizeof in)
		return -1;
	snprintf(in, sizeof in, "%s", q);	/* q may be code itself */
	q = in;
	if (digits(q, strlen(q))) {
		if (!fhir_snomed_valid(q))
			return -1;	/* a typo: the check digit does not match */
		snprintf(code, codelen, "%s", q);
		display[0] = '\0';
		for (int i = 0; i < dicom_cid4031_count(); i++)
			if (dicom_cid4031_get(i, c, sizeof c, d, sizeof d) == 0 && strcmp(c, q) == 0)
				snprintf(display, displaylen, "%s", d);
		const char *term, *ac, *meaning;
		for (int i = 0; !display[0] && bodypart_row(i, &term, &ac, &meaning) == 0; i++)
			if (strcmp(ac, q) == 0)
				snprintf(display, displaylen, "%s", meaning);
		return 0;
	}
	if (bodypart_map(q, code, codelen, display, displaylen))
		return 0;
	for (int i = 0; i < dicom_cid4031_count(); i++) {
		if (dicom_cid4031_get(i, c, sizeof c, d, sizeof d) == 0 && strcasecmp(d, q) == 0) {
			snprintf(code, codelen, "%s", c);
			snprintf(display, displaylen, "%s", d);
			return 0;
		}
	}
	return -1;
}

/* ---- Patient ---- */

#define TAG(n, t) dataset_tag(tree, (n), DICOM_##t)

static int has_value(const char *s)
{
	return s && *s;
}

/* An ISO OID such as 2.16.840.1.113883.3.1: its root arc 0, 1 or 2, then digit runs. */
static int is_oid(const char *s)
{
	return (s[0] == '0' || s[0] == '1' || s[0] == '2') && s[1] == '.' && dotted_digits(s);
}

int fhir_patient_identifier(const struct dataset_tree *tree, const struct dataset_node *study,
			    const struct fhir_opts *opts, char *system, size_t slen, char *value, size_t vlen)
{
	const char *pid = TAG(study, PATIENT_ID), *issuer = TAG(study, ISSUER_PATIENT_ID);
	if (has_value(pid)) {
		if (has_value(issuer) && is_oid(issuer)) {
			snprintf(system, slen, "urn:oid:%s", issuer);
		} else if (has_value(issuer) && strchr(issuer, ':') && !strpbrk(issuer, " \t")) {
			snprintf(system, slen, "%s", issuer);
		} else if (has_value(issuer)) {	/* free text: a lower-case slug of it */
			char slug[256];
			size_t k = 0;
			for (const char *c = issuer; *c && k + 1 < sizeof slug; c++) {
				if (isalnum((unsigned char)*c))
					slug[k++] = (char)tolower((unsigned char)*c);
				else if (k && slug[k - 1] != '-')
					slug[k++] = '-';
			}
			while (k && slug[k - 1] == '-')
				k--;
			slug[k] = '\0';
			snprintf(system, slen, "urn:sparc_patient:issuer:%s", k ? slug : "unnamed");
		} else {
			snprintf(system, slen, "%s", opts && opts->patient_system ? opts->patient_system
										    : FHIR_SYS_PATIENT_DEFAULT);
		}
		snprintf(value, vlen, "%s", pid);
		return 1;
	}
	const struct dataset_node *ds = dataset_ancestor(study, DATASET_DATASET);
	const struct dataset_node *sub = dataset_ancestor(study, DATASET_SUBJECT);
	snprintf(system, slen, "%s", FHIR_SYS_SPARC_SUBJECT);
	snprintf(value, vlen, "%s/%s", ds ? ds->name : "", sub ? sub->name : "");
	return 0;
}

/* The subjects file of n's dataset, from mc (read once a dataset). Borrowed. */
static const struct sds_table *cached_subjects(struct dataset_meta_cache *mc, const struct dataset_node *n)
{
	return dataset_meta_cached(mc, n, "subjects.");
}

/* fhir_patient_build, the subjects file from mc (NULL: read here). */
static json_object *patient_build(const struct dataset_tree *tree, const struct dataset_node *study,
				  const struct fhir_opts *opts, struct dataset_meta_cache *mc)
{
	char system[512], value[512];
	int from_dicom = fhir_patient_identifier(tree, study, opts, system, sizeof system, value, sizeof value);
	json_object *p = json_object_new_object();
	fhir_add_str(p, "resourceType", "Patient");
	json_object *ids = json_object_new_array();
	json_object *id = fhir_identifier("usual", system, value);
	const char *issuer = TAG(study, ISSUER_PATIENT_ID);
	if (from_dicom && has_value(issuer)) {
		json_object *a = json_object_new_object();
		fhir_add_str(a, "display", issuer);
		json_object_object_add(id, "assigner", a);
	}
	json_object_array_add(ids, id);
	json_object_object_add(p, "identifier", ids);

	if (from_dicom) {
		json_object *names = fhir_names(TAG(study, PATIENT_NAME));
		if (names)
			json_object_object_add(p, "name", names);
		const char *sex = TAG(study, PATIENT_SEX);
		const char *g = fhir_gender(sex);
		fhir_add_str(p, "gender", g);
		if (has_value(sex) && !g)
			fhir_warn(opts, study, "Patient's Sex '%s' is not M, F or O: no gender", sex);
		const char *bd = TAG(study, PATIENT_BIRTH_DATE);
		char date[16];
		if (has_value(bd) && fhir_date(bd, date, sizeof date) == 0)
			fhir_add_str(p, "birthDate", date);
		else if (has_value(bd))
			fhir_warn(opts, study, "Patient's Birth Date '%s' is not a valid date: left out", bd);
		return p;
	}

	/* de-identified header: what the SDS subjects file says */
	const struct dataset_node *sub = dataset_ancestor(study, DATASET_SUBJECT);
	struct dataset_meta_cache own = {0};
	const struct sds_table *t = cached_subjects(mc ? mc : &own, study);
	const char *file = mc ? mc->file : own.file, *sname = sub ? sub->name : "";
	const char *sex = t ? sds_meta_lookup(t, "subject id", sname, "sex") : NULL;
	const char *species = t ? sds_meta_lookup(t, "subject id", sname, "species") : NULL;
	const char *age = t ? sds_meta_lookup(t, "subject id", sname, "age") : NULL;
	const char *g = fhir_gender(sex);
	fhir_add_str(p, "gender", g);
	if (has_value(species) && strcasecmp(species, "Homo sapiens") != 0 && strcasecmp(species, "human") != 0) {
		json_object *ext = json_object_new_array(), *animal = json_object_new_object();
		json_object *inner = json_object_new_array(), *sp = json_object_new_object(), *cc = json_object_new_object();
		fhir_add_str(animal, "url", "http://hl7.org/fhir/StructureDefinition/patient-animal");
		fhir_add_str(sp, "url", "species");
		fhir_add_str(cc, "text", species);
		json_object_object_add(sp, "valueCodeableConcept", cc);
		json_object_array_add(inner, sp);
		json_object_object_add(animal, "extension", inner);
		json_object_array_add(ext, animal);
		json_object_object_add(p, "extension", ext);
	}
	if (t && sds_meta_column(t, "subject id") >= 0 && sds_meta_lookup(t, "subject id", sname, "subject id"))
		fhir_warn(opts, study, "de-identified header (no Patient ID): Patient identified by SDS subject '%s'; "
		     "sex%s%s, species%s%s, age%s%s from %s", sname, g ? " " : " unknown", g ? g : "",
		     has_value(species) ? " " : " unknown", has_value(species) ? species : "",
		     has_value(age) ? " " : " unknown", has_value(age) ? age : "", file);
	else
		fhir_warn(opts, study, "de-identified header (no Patient ID): Patient identified by SDS subject '%s'; "
		     "no subjects file row for it, so no sex or species", sname);
	dataset_meta_cache_clear(&own);
	return p;
}

json_object *fhir_patient_build(const struct dataset_tree *tree, const struct dataset_node *study,
				const struct fhir_opts *opts)
{
	return patient_build(tree, study, opts, NULL);
}

/* ---- ImagingStudy ---- */

void fhir_study_search(const char *study_uid, char *out, size_t len)
{
	char esc[256];	/* a UID that passes fhir_uid_valid is 64 characters at most, none escaped */
	if (fhir_query_escape(study_uid, esc, sizeof esc, 0) < 0 || snprintf(out, len, "ImagingStudy?identifier="
	    FHIR_SYS_DICOM_UID "|urn:oid:%s", esc) >= (int)len)
		snprintf(out, len, "ImagingStudy?identifier=" FHIR_SYS_DICOM_UID "|too-long");	/* matches nothing */
}

static json_object *subject_by_identifier(const struct dataset_tree *tree, const struct dataset_node *study,
					  const struct fhir_opts *opts)
{
	char system[1024], value[1024];
	fhir_patient_identifier(tree, study, opts, system, sizeof system, value, sizeof value);
	return fhir_reference("Patient", system, value, FHIR_REF_IDENTIFIER);
}

static void started(const struct dataset_tree *tree, const struct dataset_node *n, const char *what, const char *da,
		    const char *tm, const struct fhir_opts *opts, json_object *obj)
{
	char dt[64];
	if (!has_value(da)) {
		if (has_value(tm))
			fhir_warn(opts, n, "%s Time without %s Date: no started", what, what);
		return;
	}
	int r = fhir_datetime(da, tm, TAG(n, TIMEZONE_OFFSET), opts ? opts->zone : NULL, dt, sizeof dt);
	if (r == -2 || r == -3) {	/* keep the date alone */
		if (r == -2)
			fhir_warn(opts, n, "%s Time '%s' is not a valid time: started has the date only", what, tm);
		else
			fhir_warn(opts, n, "Timezone Offset From UTC '%s' is not valid: started has the date only",
			     TAG(n, TIMEZONE_OFFSET));
		r = fhir_datetime(da, NULL, NULL, NULL, dt, sizeof dt);
	}
	if (r == 0)
		fhir_add_str(obj, "started", dt);
	else
		fhir_warn(opts, n, "%s Date '%s' is not a valid date: no started", what, da);
}

#define FOLDERS_MAX 64	/* subject folders one study may span */

/* The study nodes of study's StudyInstanceUID (one per subject folder): how many, into out. */
static size_t folders(const struct dataset_tree *tree, const struct dataset_node *study,
		      const struct dataset_node **out)
{
	size_t n = dataset_study_folders(tree, study, out, FOLDERS_MAX);
	return n > FOLDERS_MAX ? FOLDERS_MAX : n;
}

struct sop {
	uint32_t uid;		/* SOP Instance UID string id */
	uint32_t at;		/* order met */
};

/* The issuer of an Accession Number (Issuer of Accession Number Sequence, 0008,0051) on
 * identifier id: its Universal Entity ID as the system (ISO: urn:oid:, UUID: urn:uuid:, URI as
 * it is), its Local Namespace Entity ID (or an ID of another type) as the assigner's name. */
static void accession_issuer(const struct dataset_tree *tree, const struct dataset_node *study, json_object *id)
{
	const char *local = TAG(study, ACSN_ISSUER_LOCAL), *uid = TAG(study, ACSN_ISSUER_UID);
	const char *type = TAG(study, ACSN_ISSUER_TYPE);
	char sys[600] = "";
	if (has_value(uid) && type && !strcmp(type, "ISO") && is_oid(uid))
		snprintf(sys, sizeof sys, "urn:oid:%s", uid);
	else if (has_value(uid) && type && !strcmp(type, "UUID") && strlen(uid) == 36 &&
		 strspn(uid, "0123456789abcdefABCDEF-") == 36) {
		snprintf(sys, sizeof sys, "urn:uuid:%s", uid);
		for (char *p = sys; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	} else if (has_value(uid) && type && (!strcmp(type, "URI") || !strcmp(type, "URL")) && strchr(uid, ':') &&
		 !strpbrk(uid, " \t") && strlen(uid) < sizeof sys)
		snprintf(sys, sizeof sys, "%s", uid);
	fhir_add_str(id, "system", sys);
	const char *name = has_value(local) ? local : !*sys && has_value(uid) ? uid : NULL;
	if (name) {
		json_object *a = json_object_new_object();
		fhir_add_str(a, "display", name);
		json_object_object_add(id, "assigner", a);
	}
}

size_t fhir_zone_assumed(const struct dataset_tree *tree, const struct dataset_node *const *studies, size_t n,
			 const struct fhir_opts *opts, char *text, size_t len)
{
	size_t k = 0;
	text[0] = '\0';
	if (opts && (opts->zone_given || (opts->zone && strcmp(opts->zone, "local") != 0)))
		return 0;
	for (size_t i = 0; i < n; i++)
		k += has_value(TAG(studies[i], STUDY_TIME)) && !has_value(TAG(studies[i], TIMEZONE_OFFSET));
	if (!k)
		return 0;
	time_t now = time(NULL);
	struct tm lt;
	char zone[64] = "?";
	if (localtime_r(&now, &lt))
		strftime(zone, sizeof zone, "%Z, %z now", &lt);
	snprintf(text, len, "%zu stud%s no Timezone Offset From UTC (0008,0201): %s times are read in this "
		 "machine's zone (%s); --zone sets another", k, k == 1 ? "y has" : "ies have", k == 1 ? "its" : "their", zone);
	return k;
}

static int cmp_sop(const void *pa, const void *pb)
{
	const struct sop *a = pa, *b = pb;
	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* The instances of the series nodes se[0..nse) (one series in one or several folders), each
 * SOP Instance UID once, in order; *ninst set. */
static json_object *build_instances(const struct dataset_tree *tree, const struct dataset_node *const *se, size_t nse,
				    const struct fhir_opts *opts, size_t *ninst)
{
	size_t total = 0;
	for (size_t k = 0; k < nse; k++)
		for (const struct dataset_node *i = se[k]->child; i; i = i->next)
			total += i->kind == DATASET_INSTANCE;
	struct sop *keys = malloc((total ? total : 1) * sizeof *keys);
	unsigned char *dup = calloc(total ? total : 1, 1);
	json_object *instances = json_object_new_array();
	size_t n = 0, at = 0, across = 0;
	if (!keys || !dup) {
		free(keys);
		free(dup);
		*ninst = 0;
		return instances;
	}
	for (size_t k = 0; k < nse; k++)
		for (const struct dataset_node *i = se[k]->child; i; i = i->next)
			if (i->kind == DATASET_INSTANCE) {
				keys[at] = (struct sop){dataset_tag_id(i, DICOM_SOP_INSTANCE_UID), (uint32_t)at};
				at++;
			}
	qsort(keys, total, sizeof *keys, cmp_sop);
	for (size_t k = 1; k < total; k++)
		if (keys[k].uid == keys[k - 1].uid)
			dup[keys[k].at] = 1;
	at = 0;
	for (size_t k = 0; k < nse; k++) {
		for (const struct dataset_node *i = se[k]->child; i; i = i->next) {
			if (i->kind != DATASET_INSTANCE)
				continue;
			if (dup[at++]) {
				if (k == 0)
					fhir_warn(opts, i, "SOP Instance UID %s repeats an earlier file of this series: %s left out",
					     TAG(i, SOP_INSTANCE_UID), i->name);
				else
					across++;
				continue;
			}
			json_object *in = json_object_new_object();
			fhir_add_str(in, "uid", TAG(i, SOP_INSTANCE_UID));
			char oid[128];
			snprintf(oid, sizeof oid, "urn:oid:%s", TAG(i, SOP_CLASS_UID));
			json_object_object_add(in, "sopClass", fhir_coding(FHIR_SYS_RFC3986, oid, NULL));
			long inum = unsigned_value(TAG(i, INSTANCE_NUMBER));
			if (inum >= 0)
				json_object_object_add(in, "number", json_object_new_int64(inum));
			json_object_array_add(instances, in);
			n++;
		}
	}
	if (across)
		fhir_warn(opts, se[0], "series %s is in %zu subject folders: %zu instance(s) repeat and are listed once",
		     TAG(se[0], SERIES_UID), nse, across);
	free(keys);
	free(dup);
	*ninst = n;
	return instances;
}

static json_object *build_series(const struct dataset_tree *tree, const struct dataset_node *const *group, size_t ngroup,
				 const struct fhir_opts *opts, size_t *ninst)
{
	const struct dataset_node *se = group[0];
	const char *modality = TAG(se, MODALITY);	/* present: fhir_study_check */
	json_object *s = json_object_new_object();
	fhir_add_str(s, "uid", TAG(se, SERIES_UID));
	long number = unsigned_value(TAG(se, SERIES_NUMBER));
	if (number >= 0)
		json_object_object_add(s, "number", json_object_new_int64(number));
	else if (has_value(TAG(se, SERIES_NUMBER)))
		fhir_warn(opts, se, "Series Number '%s' is not a whole number: left out", TAG(se, SERIES_NUMBER));
	json_object_object_add(s, "modality", fhir_coding(FHIR_SYS_DCM, modality, NULL));
	fhir_add_str(s, "description", TAG(se, SERIES_DESCRIPTION));

	size_t n = 0;
	json_object *instances = build_instances(tree, group, ngroup, opts, &n);
	json_object_object_add(s, "numberOfInstances", json_object_new_int64((int64_t)n));

	const char *bp = TAG(se, BODY_PART);
	char code[32], display[128];
	if (has_value(bp) && bodypart_map(bp, code, sizeof code, display, sizeof display))
		json_object_object_add(s, "bodySite", fhir_coding(FHIR_SYS_SNOMED, code, display));
	else {
		char hint[128] = "";	/* how to add one, in the front end's words */
		if (opts && opts->bodysite_hint)
			snprintf(hint, sizeof hint, " (add one: %s)", opts->bodysite_hint);
		if (has_value(bp))
			fhir_warn(opts, se, "Body Part Examined '%s' is not a defined term of DICOM PS3.16 Annex L: no "
				  "bodySite%s", bp, hint);
		else
			fhir_warn(opts, se, "no Body Part Examined: no bodySite%s", hint);
	}
	const char *lat = TAG(se, LATERALITY), *lcode, *ldisplay;
	if (has_value(lat) && fhir_laterality(lat, &lcode, &ldisplay) == 0)
		json_object_object_add(s, "laterality", fhir_coding(FHIR_SYS_SNOMED, lcode, ldisplay));
	else if (has_value(lat))
		fhir_warn(opts, se, "Laterality '%s' is not L, R or B: no laterality", lat);
	started(tree, se, "Series", TAG(se, SERIES_DATE), TAG(se, SERIES_TIME), opts, s);
	json_object_object_add(s, "instance", instances);
	*ninst = n;
	return s;
}

static int bad_uid(const char *what, const char *uid, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s '%.80s%s' breaks DICOM's rules (64 characters at most, digits and dots): the study is "
		 "not pushed", what, uid ? uid : "", uid && strlen(uid) > 80 ? "..." : "");
	return -1;
}

int fhir_study_check(const struct dataset_tree *tree, const struct dataset_node *study, char *err, size_t errlen)
{
	const char *conflict = dataset_first_msg(study, DATASET_ERROR);
	if (conflict) {		/* one StudyInstanceUID, different patients */
		snprintf(err, errlen, "%s", conflict);
		return -1;
	}
	const struct dataset_node *f[FOLDERS_MAX];
	size_t nf = folders(tree, study, f), ninstances = 0;
	if (dataset_study_folders(tree, study, NULL, 0) > FOLDERS_MAX) {
		snprintf(err, errlen, "study %s is in more than %d subject folders", study->name, FOLDERS_MAX);
		return -1;
	}
	if (!fhir_uid_valid(study->name))
		return bad_uid("StudyInstanceUID", study->name, err, errlen);
	for (size_t k = 0; k < nf; k++) {
		ninstances += f[k]->ninstances;
		for (const struct dataset_node *se = f[k]->child; se; se = se->next) {
			if (se->kind == DATASET_SERIES && !fhir_uid_valid(TAG(se, SERIES_UID)))
				return bad_uid("SeriesInstanceUID", TAG(se, SERIES_UID), err, errlen);
			for (const struct dataset_node *i = se->kind == DATASET_SERIES ? se->child : NULL; i; i = i->next) {
				if (i->kind != DATASET_INSTANCE)
					continue;
				if (!fhir_uid_valid(TAG(i, SOP_INSTANCE_UID)))
					return bad_uid("SOPInstanceUID", TAG(i, SOP_INSTANCE_UID), err, errlen);
				if (!fhir_uid_valid(TAG(i, SOP_CLASS_UID)))
					return bad_uid("SOPClassUID", TAG(i, SOP_CLASS_UID), err, errlen);
			}
			if (se->kind == DATASET_SERIES && !has_value(TAG(se, MODALITY))) {
				snprintf(err, errlen, "series %s (sample %s) has no Modality (0008,0060), which FHIR requires",
					 TAG(se, SERIES_UID), *se->name ? se->name : "-");
				return -1;
			}
		}
	}
	if (ninstances == 0) {
		snprintf(err, errlen, "study %s has no instance", study->name);
		return -1;
	}
	return 0;
}

int fhir_acquisition_modality(const char *m)
{
	/* DICOM PS3.16 CID 29 (Acquisition Modality), with the terms older editions also listed */
	static const char *const cid29[] = {
		"AR", "BI", "BDUS", "BMD", "CFM", "CR", "CT", "DG", "DMS", "DX", "ECG", "EEG", "EMG", "EOG", "EPS", "ES",
		"GM", "HD", "IO", "IVOCT", "IVUS", "KER", "LEN", "LS", "MG", "MR", "NM", "OAM", "OCT", "OP", "OPM", "OPT",
		"OPTBSV", "OPTENF", "OPV", "OSS", "PA", "POS", "PT", "PX", "RESP", "RF", "RG", "RTIMAGE", "SM", "SRF",
		"TG", "US", "VA", "XA", "XC"};
	for (size_t i = 0; m && i < sizeof cid29 / sizeof *cid29; i++)
		if (strcmp(m, cid29[i]) == 0)
			return 1;
	return 0;
}

/* Add an identifier unless ids already holds the same system and value. */
static void add_identifier(json_object *ids, const char *use, const char *system, const char *value)
{
	for (size_t i = 0; i < json_object_array_length(ids); i++) {
		json_object *o = json_object_array_get_idx(ids, i), *sy, *va;
		if (json_object_object_get_ex(o, "system", &sy) && json_object_object_get_ex(o, "value", &va) &&
		    strcmp(json_object_get_string(sy), system) == 0 && strcmp(json_object_get_string(va), value) == 0)
			return;
	}
	json_object_array_add(ids, fhir_identifier(use, system, value));
}

/* How an ImagingStudy refers to its ResearchStudy and Endpoint: as it refers to its Patient
 * (a Bundle's urn:uuid, NDJSON's Type/id), else by identifier. */
static int ref_style(json_object *subject)
{
	json_object *ref = NULL;
	const char *s = json_object_object_get_ex(subject, "reference", &ref) ? json_object_get_string(ref) : NULL;
	return s && strncmp(s, "urn:uuid:", 9) == 0 ? FHIR_REF_UUID
	       : s && strncmp(s, "Patient/", 8) == 0 ? FHIR_REF_ID : FHIR_REF_IDENTIFIER;
}

json_object *fhir_study_build(const struct dataset_tree *tree, const struct dataset_node *study,
			      json_object *subject, const struct fhir_opts *opts, char *err, size_t errlen)
{
	if (fhir_study_check(tree, study, err, errlen) < 0) {
		json_object_put(subject);
		return NULL;
	}
	const struct dataset_node *f[FOLDERS_MAX];
	size_t nf = folders(tree, study, f);
	return fhir_study_build_folders(tree, f, nf, subject, opts);
}

json_object *fhir_study_build_folders(const struct dataset_tree *tree, const struct dataset_node *const *f, size_t nf,
				      json_object *subject, const struct fhir_opts *opts)
{
	const struct dataset_node *study = f[0];	/* the same resource whichever folder asks */
	/* series by SeriesInstanceUID over every folder, in order met */
	size_t cap = 0;
	for (size_t k = 0; k < nf; k++)
		cap += f[k]->nchildren;
	const struct dataset_node **all = malloc((cap ? cap : 1) * sizeof *all), **group = malloc((cap ? cap : 1) * sizeof *group);
	unsigned char *used = calloc(cap ? cap : 1, 1);
	size_t nall = 0;
	for (size_t k = 0; all && k < nf; k++)
		for (const struct dataset_node *se = f[k]->child; se; se = se->next)
			if (se->kind == DATASET_SERIES)
				all[nall++] = se;
	json_object *series = json_object_new_array(), *modalities = json_object_new_array();
	size_t nseries = 0, ninstances = 0;
	for (size_t a = 0; all && group && used && a < nall; a++) {
		if (used[a])
			continue;
		size_t ng = 0;
		for (size_t b = a; b < nall; b++)
			if (!used[b] && all[b]->tags[DICOM_SERIES_UID] == all[a]->tags[DICOM_SERIES_UID]) {
				used[b] = 1;
				group[ng++] = all[b];
			}
		size_t n = 0;
		json_object_array_add(series, build_series(tree, group, ng, opts, &n));
		nseries++;
		ninstances += n;
		const char *m = TAG(all[a], MODALITY);
		int seen = !fhir_acquisition_modality(m);	/* SR, KO, PR, SEG... stay on their series */
		for (size_t k = 0; k < json_object_array_length(modalities) && !seen; k++) {
			json_object *code;
			json_object_object_get_ex(json_object_array_get_idx(modalities, k), "code", &code);
			seen = strcmp(json_object_get_string(code), m) == 0;
		}
		if (!seen)
			json_object_array_add(modalities, fhir_coding(FHIR_SYS_DCM, m, NULL));
	}
	free(all);
	free(group);
	free(used);
	json_object *r = json_object_new_object();
	fhir_add_str(r, "resourceType", "ImagingStudy");
	int style = ref_style(subject);
	char v[1024];
	json_object *exts = json_object_new_array();
	for (size_t k = 0; k < nf; k++) {	/* its dataset's ResearchStudy, once per dataset */
		const struct dataset_node *ds = dataset_ancestor(f[k], DATASET_DATASET);
		int again = 0;
		for (size_t j = 0; j < k && !again; j++)
			again = dataset_ancestor(f[j], DATASET_DATASET) == ds;
		if (!ds || again)
			continue;
		json_object *x = json_object_new_object();
		fhir_add_str(x, "url", RESEARCH_EXT_STUDY);
		research_dataset_id(ds->name, v, sizeof v);
		json_object_object_add(x, "valueReference", fhir_reference("ResearchStudy", FHIR_SYS_SPARC_DATASET, v, style));
		json_object_array_add(exts, x);
	}
	if (json_object_array_length(exts))	/* FHIR has no empty arrays */
		json_object_object_add(r, "extension", exts);
	else
		json_object_put(exts);
	json_object *ids = json_object_new_array();
	snprintf(v, sizeof v, "urn:oid:%s", study->name);
	add_identifier(ids, NULL, FHIR_SYS_DICOM_UID, v);
	for (size_t k = 0; k < nf; k++) {	/* one per subject folder */
		const struct dataset_node *sub = dataset_ancestor(f[k], DATASET_SUBJECT);
		snprintf(v, sizeof v, "urn:uid:%s-%s", sub ? sub->name : "", study->name);
		add_identifier(ids, "temp", FHIR_SYS_SPARC_STUDY, v);
	}
	for (size_t k = 0; k < nf; k++) {	/* one per dataset */
		const struct dataset_node *ds = dataset_ancestor(f[k], DATASET_DATASET);
		research_dataset_id(ds ? ds->name : "", v, sizeof v);
		add_identifier(ids, "temp", FHIR_SYS_SPARC_DATASET, v);
	}
	const char *acsn = TAG(study, ACCESSION_NUMBER);
	if (has_value(acsn)) {	/* R4 ImagingStudy mapping: Accession Number, type ACSN */
		json_object *id = json_object_new_object(), *type = json_object_new_object(), *codings = json_object_new_array();
		json_object_array_add(codings, fhir_coding("http://terminology.hl7.org/CodeSystem/v2-0203", "ACSN", NULL));
		json_object_object_add(type, "coding", codings);
		fhir_add_str(id, "use", "usual");
		json_object_object_add(id, "type", type);
		accession_issuer(tree, study, id);
		fhir_add_str(id, "value", acsn);
		json_object_array_add(ids, id);
	}
	json_object_object_add(r, "identifier", ids);
	fhir_add_str(r, "status", "available");
	if (json_object_array_length(modalities))
		json_object_object_add(r, "modality", modalities);
	else
		json_object_put(modalities);
	json_object_object_add(r, "subject", subject ? subject : subject_by_identifier(tree, study, opts));
	started(tree, study, "Study", TAG(study, STUDY_DATE), TAG(study, STUDY_TIME), opts, r);
	if (opts && opts->dicomweb && *opts->dicomweb) {	/* where the images are */
		json_object *eps = json_object_new_array();
		json_object_array_add(eps, fhir_reference("Endpoint", FHIR_SYS_RFC3986, opts->dicomweb, style));
		json_object_object_add(r, "endpoint", eps);
	}
	json_object_object_add(r, "numberOfSeries", json_object_new_int64((int64_t)nseries));
	json_object_object_add(r, "numberOfInstances", json_object_new_int64((int64_t)ninstances));
	fhir_add_str(r, "description", TAG(study, STUDY_DESCRIPTION));
	json_object_object_add(r, "series", series);
	return r;
}

/* ---- Bundle ---- */

static json_object *entry(const char *fullurl, json_object *resource, const char *method, const char *url,
			  const char *if_none_exist)
{
	json_object *e = json_object_new_object(), *req = json_object_new_object();
	fhir_add_str(e, "fullUrl", fullurl);
	json_object_object_add(e, "resource", resource);
	fhir_add_str(req, "method", method);
	fhir_add_str(req, "url", url);
	fhir_add_str(req, "ifNoneExist", if_none_exist);
	json_object_object_add(e, "request", req);
	return e;
}

void fhir_study_strip_instances(json_object *study)
{
	json_object *series;
	if (!json_object_object_get_ex(study, "series", &series) || !json_object_is_type(series, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(series); i++)
		json_object_object_del(json_object_array_get_idx(series, i), "instance");
}

/* Append to heads the conditional create of r (its resource taken over), unless seen or added
 * has its fullUrl (added gets it). 0, or -1 with err when its condition is too long for a server. */
static int add_head(json_object *heads, json_object *seen, json_object *added, struct research_res *r, char *err,
		    size_t errlen)
{
	char full[FHIR_FULLURL_LEN];
	fhir_resource_fullurl(r->type, r->system, r->value, full);
	int have = json_object_object_get_ex(seen, full, NULL) || json_object_object_get_ex(added, full, NULL);
	char *cond = have ? NULL : fhir_condition(r->type, r->system, r->value, err, errlen);
	if (!cond) {
		json_object_put(r->resource);
		return have ? 0 : -1;
	}
	json_object_object_add(added, full, NULL);
	json_object_array_add(heads, entry(full, r->resource, "POST", r->type, cond));
	free(cond);
	return 0;
}

#define HEADS_MAX (RESEARCH_MAX_PI + 4)	/* the Endpoint, a dataset's, a Patient, a ResearchSubject */

/* What the ImagingStudy of study refers to, in the order a server resolves them, those in what
 * (FHIR_HEADS_*), referring to each other in style: the Endpoint, its dataset's Practitioners
 * and ResearchStudy (unless seen holds that ResearchStudy's fullUrl), its Patient (unless seen
 * holds it), its subject's ResearchSubject. Into out; how many. */
static size_t heads_of(const struct dataset_tree *tree, const struct dataset_node *study, const struct fhir_opts *opts,
		       struct dataset_meta_cache *mc, int style, int what, json_object *seen, struct research_res out[HEADS_MAX])
{
	char full[FHIR_FULLURL_LEN], system[1024], value[1024];
	const struct dataset_node *ds = dataset_ancestor(study, DATASET_DATASET);
	const struct dataset_node *sub = dataset_ancestor(study, DATASET_SUBJECT);
	size_t n = 0;
	if (what & FHIR_HEADS_DATASET) {
		if (opts && opts->dicomweb && *opts->dicomweb)
			research_endpoint(opts->dicomweb, &out[n++]);
		research_dataset_id(ds ? ds->name : "", value, sizeof value);
		fhir_resource_fullurl("ResearchStudy", FHIR_SYS_SPARC_DATASET, value, full);
		if (ds && !json_object_object_get_ex(seen, full, NULL))	/* dataset_description read once */
			n += research_dataset(ds, opts, style, out + n);
	}
	if (!(what & FHIR_HEADS_SUBJECT))
		return n;
	fhir_patient_identifier(tree, study, opts, system, sizeof system, value, sizeof value);
	fhir_resource_fullurl("Patient", system, value, full);
	if (!json_object_object_get_ex(seen, full, NULL)) {
		out[n] = (struct research_res){patient_build(tree, study, opts, mc), "Patient", "", ""};
		snprintf(out[n].system, sizeof out[n].system, "%s", system);
		snprintf(out[n].value, sizeof out[n].value, "%s", value);
		n++;
	}
	if (sub && ds)
		research_subject(sub, fhir_reference("Patient", system, value, style), style, cached_subjects(mc, ds), &out[n++]);
	return n;
}

/* The entries a study's ImagingStudy refers to (heads_of), those not in seen, appended to
 * heads as conditional creates; their fullUrls added to seen. All or none: 0, or -1 with err
 * (a condition too long for a server). */
static int head_entries(const struct dataset_tree *tree, const struct dataset_node *study, const struct fhir_opts *opts,
			struct dataset_meta_cache *mc, json_object *seen, json_object *heads, int what, char *err, size_t errlen)
{
	struct research_res r[HEADS_MAX];
	size_t n = heads_of(tree, study, opts, mc, FHIR_REF_UUID, what, seen, r);
	json_object *added = json_object_new_object(), *mine = json_object_new_array();
	int bad = 0;
	for (size_t i = 0; i < n; i++)
		bad |= add_head(mine, seen, added, &r[i], err, errlen);
	for (size_t k = 0; !bad && k < json_object_array_length(mine); k++)
		json_object_array_add(heads, json_object_get(json_object_array_get_idx(mine, k)));
	json_object_object_foreach(added, key, unused) {
		(void)unused;
		if (!bad)
			json_object_object_add(seen, key, NULL);
	}
	json_object_put(added);
	json_object_put(mine);
	return bad ? -1 : 0;
}

/* Study's entries for a transaction Bundle: those it refers to appended to heads (NULL: none)
 * and its own into *study_entry (study_entry NULL: the study is only checked, which is what
 * makes building it fail). 1; 0 for a StudyInstanceUID seen already (one ImagingStudy: only
 * the heads of this folder); -1 when it goes into no Bundle (reported through opts->warn). */
static int bundle_entries(const struct dataset_tree *tree, const struct dataset_node *study, int slim,
			  const struct fhir_opts *opts, struct dataset_meta_cache *mc, json_object *seen, json_object *heads,
			  json_object **study_entry)
{
	char uuid[37], full[64], sfull[64], url[400], err[512];
	json_object *ok = NULL, *st = NULL;
	if (study_entry)
		*study_entry = NULL;
	fhir_study_uuid(study, uuid);
	snprintf(sfull, sizeof sfull, "urn:uuid:%s", uuid);
	if (json_object_object_get_ex(seen, sfull, &ok)) {	/* the same study through another folder */
		if (json_object_get_boolean(ok) && heads && head_entries(tree, study, opts, mc, seen, heads, FHIR_HEADS_ALL, err, sizeof err) < 0)
			fhir_warn(opts, study, "left out of the Bundle: %s", err);
		return 0;
	}
	if (study_entry) {
		fhir_patient_uuid(tree, study, opts, uuid);
		snprintf(full, sizeof full, "urn:uuid:%s", uuid);
		json_object *ref = json_object_new_object();
		fhir_add_str(ref, "reference", full);
		st = fhir_study_build(tree, study, ref, opts, err, sizeof err);
		if (st && slim)
			fhir_study_strip_instances(st);
	}
	int bad = study_entry ? !st : fhir_study_check(tree, study, err, sizeof err) < 0;
	bad = bad || (heads && head_entries(tree, study, opts, mc, seen, heads, FHIR_HEADS_ALL, err, sizeof err) < 0);
	json_object_object_add(seen, sfull, json_object_new_boolean(!bad));
	if (bad) {
		fhir_warn(opts, study, "left out of the Bundle: %s", err);
		json_object_put(st);
		return -1;
	}
	if (st) {
		fhir_study_search(study->name, url, sizeof url);
		*study_entry = entry(sfull, st, "PUT", url, NULL);
	}
	return 1;
}

/* A new set of the fullUrls in known (may be NULL). */
static json_object *seen_of(json_object *known)
{
	json_object *seen = json_object_new_object();
	if (json_object_is_type(known, json_type_object)) {
		json_object_object_foreach(known, k, v) {
			(void)v;
			json_object_object_add(seen, k, NULL);
		}
	}
	return seen;
}

/* Replace every Reference.reference of o found in known by its value. */
static void resolve_refs(json_object *o, json_object *known)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			resolve_refs(json_object_array_get_idx(o, i), known);
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			json_object *to;
			if (strcmp(k, "reference") == 0 && json_object_is_type(v, json_type_string) &&
			    json_object_object_get_ex(known, json_object_get_string(v), &to) && json_object_is_type(to, json_type_string))
				json_object_set_string(v, json_object_get_string(to));
			else
				resolve_refs(v, known);
		}
	}
}

/* A transaction Bundle of entries (taken over), their references to known resolved; seen
 * and mc freed. */
static json_object *bundle_of(json_object *entries, json_object *seen, struct dataset_meta_cache *mc, json_object *known)
{
	json_object *b = json_object_new_object();
	fhir_add_str(b, "resourceType", "Bundle");
	fhir_add_str(b, "type", "transaction");
	json_object_put(seen);
	dataset_meta_cache_clear(mc);
	json_object_object_add(b, "entry", entries);
	if (known)
		resolve_refs(entries, known);
	return b;
}

json_object *fhir_heads_build(const struct dataset_tree *tree, const struct dataset_node *const *studies, size_t n,
			      int what, const struct fhir_opts *opts, json_object *known, size_t *skipped)
{
	json_object *entries = json_object_new_array(), *seen = seen_of(known);
	struct dataset_meta_cache mc = {0};
	*skipped = 0;
	for (size_t i = 0; i < n; i++) {
		char err[512];
		if (head_entries(tree, studies[i], opts, &mc, seen, entries, what, err, sizeof err) < 0) {
			fhir_warn(opts, studies[i], "left out of the Bundle: %s", err);
			(*skipped)++;
		}
	}
	return bundle_of(entries, seen, &mc, known);
}

json_object *fhir_bundle_build(const struct dataset_tree *tree, const struct dataset_node *const *studies, size_t n,
			       const unsigned char *slim, const struct fhir_opts *opts, json_object *known, size_t *skipped)
{
	json_object *entries = json_object_new_array(), *study_entries = json_object_new_array();
	json_object *seen = seen_of(known);	/* the fullUrls already in (or on the server) */
	struct dataset_meta_cache mc = {0};
	*skipped = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *st, *heads = json_object_new_array();
		int r = bundle_entries(tree, studies[i], slim && slim[i], opts, &mc, seen, heads, &st);
		*skipped += r < 0;
		for (size_t k = 0; k < json_object_array_length(heads); k++)
			json_object_array_add(entries, json_object_get(json_object_array_get_idx(heads, k)));
		json_object_put(heads);
		if (st)
			json_object_array_add(study_entries, st);
	}
	for (size_t i = 0; i < json_object_array_length(study_entries); i++)
		json_object_array_add(entries, json_object_get(json_object_array_get_idx(study_entries, i)));
	json_object_put(study_entries);
	return bundle_of(entries, seen, &mc, known);
}

/* Entry e of a Bundle being written: as json-c pretty-prints it at that depth; e freed. */
static int write_entry(FILE *f, json_object *e, int flags, int *first)
{
	const char *s = json_object_to_json_string_ext(e, flags);
	int bad = fputs(*first ? "{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"transaction\",\n  \"entry\": [\n    "
			       : ",\n    ", f) < 0;
	*first = 0;
	for (const char *p = s; *p && !bad; p++)
		bad = fputc(*p, f) == EOF || (*p == '\n' && fputs("    ", f) < 0);
	json_object_put(e);
	return bad ? -1 : 0;
}

int fhir_bundle_write(FILE *f, int flags, const struct dataset_tree *tree, const struct dataset_node *const *studies,
		      size_t n, const struct fhir_opts *opts, size_t *skipped)
{
	unsigned char *ok = calloc(n ? n : 1, 1);
	json_object *seen = json_object_new_object();
	struct dataset_meta_cache mc = {0};
	int first = 1, bad = !ok || !seen;
	*skipped = 0;
	for (size_t i = 0; i < n && !bad; i++) {	/* what studies refer to, as fhir_bundle_build puts it first */
		json_object *heads = json_object_new_array();	/* the studies only checked */
		int r = bundle_entries(tree, studies[i], 0, opts, &mc, seen, heads, NULL);
		*skipped += r < 0;
		ok[i] = r > 0;
		for (size_t k = 0; k < json_object_array_length(heads) && !bad; k++)
			bad |= write_entry(f, json_object_get(json_object_array_get_idx(heads, k)), flags, &first) < 0;
		json_object_put(heads);
	}
	json_object_put(seen);
	seen = json_object_new_object();
	bad |= !seen;
	for (size_t i = 0; i < n && !bad; i++) {	/* then each study: made, written, freed */
		json_object *st;
		int r = ok[i] ? bundle_entries(tree, studies[i], 0, opts, &mc, seen, NULL, &st) : 0;
		*skipped += r < 0;	/* out of memory: what the check in the first pass cannot tell */
		if (r > 0)
			bad |= write_entry(f, st, flags, &first) < 0;
	}
	json_object_put(seen);
	dataset_meta_cache_clear(&mc);
	free(ok);
	if (!bad && first) {	/* no entry at all: json-c's own empty Bundle */
		size_t none;
		json_object *b = fhir_bundle_build(tree, studies, 0, NULL, opts, NULL, &none);
		bad = fputs(json_object_to_json_string_ext(b, flags), f) < 0;
		json_object_put(b);
	} else if (!bad) {
		bad = fputs("\n  ]\n}", f) < 0;
	}
	return bad ? -1 : 0;
}

/* ---- NDJSON for bulk import ---- */

void fhir_resource_uuid(const char *type, const char *system, const char *value, char out[37])
{
	size_t n = strlen(type) + strlen(system) + strlen(value) + 3;
	char *key = malloc(n);
	if (!key) {
		memset(out, '0', 36);
		out[36] = '\0';
		return;
	}
	snprintf(key, n, "%s|%s|%s", type, system, value);
	fhir_uuid5(key, out);
	free(key);
}

void fhir_resource_fullurl(const char *type, const char *system, const char *value, char out[FHIR_FULLURL_LEN])
{
	char uuid[37];
	fhir_resource_uuid(type, system, value, uuid);
	snprintf(out, FHIR_FULLURL_LEN, "urn:uuid:%s", uuid);
}

json_object *fhir_reference(const char *type, const char *system, const char *value, int style)
{
	json_object *r = json_object_new_object();
	char uuid[37], ref[128];
	if (style == FHIR_REF_IDENTIFIER) {
		fhir_add_str(r, "type", type);
		json_object_object_add(r, "identifier", fhir_identifier(NULL, system, value));
		return r;
	}
	fhir_resource_uuid(type, system, value, uuid);
	if (style == FHIR_REF_UUID)
		snprintf(ref, sizeof ref, "urn:uuid:%s", uuid);
	else
		snprintf(ref, sizeof ref, "%s/%s", type, uuid);
	fhir_add_str(r, "reference", ref);
	return r;
}

void fhir_patient_uuid(const struct dataset_tree *tree, const struct dataset_node *study, const struct fhir_opts *opts,
		       char out[37])
{
	char system[1024], value[1024];
	fhir_patient_identifier(tree, study, opts, system, sizeof system, value, sizeof value);
	fhir_resource_uuid("Patient", system, value, out);
}

void fhir_study_uuid(const struct dataset_node *study, char out[37])
{
	char key[300];
	snprintf(key, sizeof key, "ImagingStudy|%s", study->name);
	fhir_uuid5(key, out);
}

static int ndjson_line(FILE *f, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return fputs(s, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
}

const char *const fhir_ndjson_types[FHIR_NDJSON_TYPES] = {"Patient", "ImagingStudy", "ResearchStudy", "ResearchSubject",
							   "Practitioner", "Endpoint"};

/* Write r (put) to the file of its type, with its id (the UUID of its fullUrl), unless seen
 * has that fullUrl. -1 on a write error. */
static int ndjson_emit(FILE *const files[FHIR_NDJSON_TYPES], size_t counts[FHIR_NDJSON_TYPES], json_object *seen,
		       struct research_res *r)
{
	char full[FHIR_FULLURL_LEN];
	int t = 0, bad = 0;
	while (t < FHIR_NDJSON_TYPES && strcmp(fhir_ndjson_types[t], r->type) != 0)
		t++;
	fhir_resource_fullurl(r->type, r->system, r->value, full);
	if (t < FHIR_NDJSON_TYPES && files[t] && !json_object_object_get_ex(seen, full, NULL)) {
		json_object_object_add(seen, full, NULL);
		json_object_object_add(r->resource, "id", json_object_new_string(full + strlen("urn:uuid:")));
		bad = ndjson_line(files[t], r->resource);
		counts[t]++;
	}
	json_object_put(r->resource);
	return bad;
}

int fhir_ndjson_write(const struct dataset_tree *tree, const struct dataset_node *const *studies, size_t n,
		      const struct fhir_opts *opts, FILE *const files[FHIR_NDJSON_TYPES], size_t counts[FHIR_NDJSON_TYPES],
		      size_t *skipped)
{
	json_object *seen = json_object_new_object();	/* ids already written */
	struct dataset_meta_cache mc = {0};
	int bad = !seen;
	memset(counts, 0, FHIR_NDJSON_TYPES * sizeof *counts);
	*skipped = 0;
	for (size_t i = 0; i < n && !bad; i++) {
		char pid[37], sid[37], err[512], ref[64];
		if (fhir_study_check(tree, studies[i], err, sizeof err) < 0) {
			fhir_study_uuid(studies[i], sid);
			if (!json_object_object_get_ex(seen, sid, NULL)) {
				json_object_object_add(seen, sid, NULL);
				fhir_warn(opts, studies[i], "left out of the export: %s", err);
				(*skipped)++;
			}
			continue;
		}
		struct research_res heads[HEADS_MAX];	/* what it refers to, each once */
		size_t nh = heads_of(tree, studies[i], opts, &mc, FHIR_REF_ID, FHIR_HEADS_ALL, seen, heads);
		for (size_t k = 0; k < nh; k++)
			bad |= ndjson_emit(files, counts, seen, &heads[k]);
		fhir_study_uuid(studies[i], sid);
		if (json_object_object_get_ex(seen, sid, NULL))
			continue;	/* the same study through another folder */
		json_object_object_add(seen, sid, NULL);
		fhir_patient_uuid(tree, studies[i], opts, pid);
		snprintf(ref, sizeof ref, "Patient/%s", pid);
		json_object *subject = json_object_new_object();
		json_object_object_add(subject, "reference", json_object_new_string(ref));
		json_object *st = fhir_study_build(tree, studies[i], subject, opts, err, sizeof err);
		if (!st)
			continue;
		json_object_object_add(st, "id", json_object_new_string(sid));
		if (files[FHIR_NDJSON_IMAGINGSTUDY]) {
			bad |= ndjson_line(files[FHIR_NDJSON_IMAGINGSTUDY], st);
			counts[FHIR_NDJSON_IMAGINGSTUDY]++;
		}
		json_object_put(st);
	}
	json_object_put(seen);
	dataset_meta_cache_clear(&mc);
	return bad ? -1 : 0;
}

/* ---- comparing ---- */

static void short_json(json_object *o, char *out, size_t len)
{
	const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "(none)";
	size_t n = strlen(s);
	if (n > 60)
		snprintf(out, len, "%.57s...", s);
	else
		snprintf(out, len, "%s", s);
}

/* Is a a Reference the server resolves (by identifier, or to a Bundle's urn:uuid), and b one it
 * resolved ("Type/id")? Then they are the same. */
static int resolved_reference(json_object *a, json_object *b)
{
	json_object *ra = NULL, *rb = NULL;
	if (!json_object_is_type(a, json_type_object) || !json_object_is_type(b, json_type_object) ||
	    !json_object_object_get_ex(b, "reference", &rb) || !json_object_is_type(rb, json_type_string))
		return 0;
	if (json_object_object_get_ex(a, "reference", &ra))
		return json_object_is_type(ra, json_type_string) && strncmp(json_object_get_string(ra), "urn:uuid:", 9) == 0;
	return json_object_object_get_ex(a, "identifier", NULL) && json_object_object_get_ex(a, "type", NULL);
}

static void diff_rec(json_object *a, json_object *b, char *path, size_t plen, int *count, char *out, size_t len,
		     int top)
{
	size_t pl = strlen(path);
	if (resolved_reference(a, b))
		return;
	if (json_object_is_type(a, json_type_object) && json_object_is_type(b, json_type_object)) {
		json_object_object_foreach(a, k, va) {
			if (top && (!strcmp(k, "id") || !strcmp(k, "meta") || !strcmp(k, "text") || !strcmp(k, "subject")))
				continue;
			json_object *vb = NULL;
			json_object_object_get_ex(b, k, &vb);
			snprintf(path + pl, plen - pl, "%s%s", pl ? "." : "", k);
			diff_rec(va, vb, path, plen, count, out, len, 0);
			path[pl] = '\0';
		}
		json_object_object_foreach(b, k2, vb2) {
			if (top && (!strcmp(k2, "id") || !strcmp(k2, "meta") || !strcmp(k2, "text") || !strcmp(k2, "subject")))
				continue;
			if (!json_object_object_get_ex(a, k2, NULL)) {
				snprintf(path + pl, plen - pl, "%s%s", pl ? "." : "", k2);
				diff_rec(NULL, vb2, path, plen, count, out, len, 0);
				path[pl] = '\0';
			}
		}
		return;
	}
	if (json_object_is_type(a, json_type_array) && json_object_is_type(b, json_type_array) &&
	    json_object_array_length(a) == json_object_array_length(b)) {
		for (size_t i = 0; i < json_object_array_length(a); i++) {
			snprintf(path + pl, plen - pl, "[%zu]", i);
			diff_rec(json_object_array_get_idx(a, i), json_object_array_get_idx(b, i), path, plen, count, out,
				 len, 0);
			path[pl] = '\0';
		}
		return;
	}
	if (a && b && json_object_equal(a, b))
		return;
	char x[64], y[64];
	short_json(a, x, sizeof x);
	short_json(b, y, sizeof y);
	size_t used = strlen(out);
	if (used + 1 < len)
		snprintf(out + used, len - used, "%s%s: here %s, server %s", used ? "; " : "", path, x, y);
	(*count)++;
}

int fhir_diff(json_object *mine, json_object *server, char *out, size_t len)
{
	char path[512] = "";
	int count = 0;
	out[0] = '\0';
	diff_rec(mine, server, path, sizeof path, &count, out, len, 1);
	return count;
}

/* ---- merging with the server's copy ---- */

/* The elements of an ImagingStudy and of its series that sdsfhir derives from the files. */
static const char *const owned_study[] = {"status", "subject", "started", "modality", "description", "endpoint",
					   "numberOfSeries", "numberOfInstances", NULL};
static const char *const owned_series[] = {"uid", "number", "modality", "description", "numberOfInstances",
					    "laterality", "started", "instance", NULL};

/* A deep copy of o (NULL for NULL or out of memory). */
static json_object *copy_json(json_object *o)
{
	json_object *d = NULL;
	return o && json_object_deep_copy(o, &d, NULL) == 0 ? d : NULL;
}

static int listed(const char *const *names, const char *k)
{
	for (; *names; names++)
		if (strcmp(*names, k) == 0)
			return 1;
	return 0;
}

/* Is identifier id one sdsfhir makes: of its systems, or the accession number (type ACSN)? */
static int owned_identifier(json_object *id)
{
	const char *sys = jget_str(id, "system");
	if (sys && (!strcmp(sys, FHIR_SYS_DICOM_UID) || !strcmp(sys, FHIR_SYS_SPARC_STUDY) ||
		    !strcmp(sys, FHIR_SYS_SPARC_DATASET)))
		return 1;
	json_object *codings = jget_arr(jget_obj(id, "type"), "coding");
	for (size_t i = 0; i < jget_len(codings); i++) {
		const char *code = jget_str(jget_idx_obj(codings, i), "code");
		if (code && !strcmp(code, "ACSN"))
			return 1;
	}
	return 0;
}

static int owned_extension(json_object *x)
{
	const char *url = jget_str(x, "url");
	return url && (!strcmp(url, RESEARCH_EXT_STUDY) || !strcmp(url, RESEARCH_EXT_STUDY_OLD));
}

static int owned_note(json_object *x)
{
	const char *who = jget_str(x, "authorString");
	return who && !strcmp(who, RESEARCH_NOTE_AUTHOR);
}

/* mine's array key, then the elements of server's that are not owned; absent when empty. */
static void merge_array(json_object *out, json_object *mine, json_object *server, const char *key,
			int (*owned)(json_object *))
{
	json_object *arr = json_object_new_array(), *m = jget_arr(mine, key), *s = jget_arr(server, key);
	for (size_t i = 0; i < jget_len(m); i++)
		json_object_array_add(arr, copy_json(json_object_array_get_idx(m, i)));
	for (size_t i = 0; i < jget_len(s); i++) {
		json_object *e = json_object_array_get_idx(s, i);
		if (!owned(e))
			json_object_array_add(arr, copy_json(e));
	}
	if (json_object_array_length(arr))
		json_object_object_add(out, key, arr);
	else {
		json_object_put(arr);
		json_object_object_del(out, key);
	}
}

static int same_coding(json_object *a, json_object *b)
{
	const char *sa = jget_str(a, "system"), *sb = jget_str(b, "system"), *ca = jget_str(a, "code"),
		   *cb = jget_str(b, "code");
	return sa && sb && ca && cb && !strcmp(sa, sb) && !strcmp(ca, cb);
}

struct kept_site {
	char series[24];	/* its number, else "?" */
	char server[40], files[40];	/* the bodySite codes ("none" for none) */
};

#define KEPT_MAX 64	/* series listed in the note of what was kept */

/* Series m (mine) over its server copy s: m's owned elements, s's others; s's bodySite when it
 * differs from m's (set on the server), unless files_win, noted in k (when it has room). New
 * object. */
static json_object *merge_series(json_object *m, json_object *s, int files_win, struct kept_site *k, size_t *nk)
{
	json_object *out = copy_json(m), *mb = jget_obj(m, "bodySite"), *sb = jget_obj(s, "bodySite");
	json_object_object_foreach(s, key, v) {
		if (!listed(owned_series, key) && strcmp(key, "bodySite") != 0 && !json_object_object_get_ex(m, key, NULL))
			json_object_object_add(out, key, copy_json(v));
	}
	if (sb && !files_win && !(mb && same_coding(mb, sb))) {
		json_object *num = NULL;
		json_object_object_add(out, "bodySite", copy_json(sb));
		if (*nk < KEPT_MAX) {
			struct kept_site *e = &k[(*nk)++];
			snprintf(e->series, sizeof e->series, "%s",
				 json_object_object_get_ex(m, "number", &num) ? json_object_get_string(num) : "?");
			snprintf(e->server, sizeof e->server, "%s", jget_str(sb, "code") ?: "?");
			snprintf(e->files, sizeof e->files, "%s", mb ? jget_str(mb, "code") ?: "?" : "none");
		}
	}
	return out;
}

/* "bodySite set on the server: kept (series 1, 2: 80248007, the files say 76752008; ...)". */
static void kept_text(struct kept_site *k, size_t nk, char *out, size_t len)
{
	size_t used = (size_t)snprintf(out, len, "bodySite set on the server: kept (");
	for (size_t i = 0; i < nk && used < len; i++) {
		if (!k[i].series[0])
			continue;	/* listed with an earlier one */
		used += (size_t)snprintf(out + used, len - used, "%sseries %s", i ? "; " : "", k[i].series);
		for (size_t j = i + 1; j < nk && used < len; j++)
			if (!strcmp(k[j].server, k[i].server) && !strcmp(k[j].files, k[i].files)) {
				used += (size_t)snprintf(out + used, len - used, ", %s", k[j].series);
				k[j].series[0] = '\0';
			}
		if (used < len)
			used += (size_t)snprintf(out + used, len - used, ": %s, the files say %s", k[i].server, k[i].files);
	}
	if (used < len)
		snprintf(out + used, len - used, ")");
}

json_object *fhir_study_merge(json_object *mine, json_object *server, int files_win, char *kept, size_t keptlen)
{
	if (kept && keptlen)
		kept[0] = '\0';
	json_object *out = json_object_is_type(server, json_type_object) ? copy_json(server)
									 : json_object_new_object();
	struct kept_site k[KEPT_MAX];
	size_t nk = 0;
	if (!out)
		return NULL;
	for (const char *const *k = owned_study; *k; k++) {
		json_object *v = NULL;
		if (json_object_object_get_ex(mine, *k, &v) && v)
			json_object_object_add(out, *k, copy_json(v));
		else
			json_object_object_del(out, *k);
	}
	json_object_object_add(out, "resourceType", json_object_new_string("ImagingStudy"));
	merge_array(out, mine, server, "identifier", owned_identifier);
	merge_array(out, mine, server, "extension", owned_extension);
	json_object *series = json_object_new_array(), *ms = jget_arr(mine, "series"), *ss = jget_arr(server, "series");
	for (size_t i = 0; i < jget_len(ms); i++) {
		json_object *m = json_object_array_get_idx(ms, i), *s = NULL;
		const char *uid = jget_str(m, "uid");
		for (size_t j = 0; uid && j < jget_len(ss) && !s; j++) {
			const char *su = jget_str(jget_idx_obj(ss, j), "uid");
			if (su && !strcmp(su, uid))
				s = jget_idx_obj(ss, j);
		}
		json_object_array_add(series, s ? merge_series(m, s, files_win, k, &nk) : copy_json(m));
	}
	if (json_object_array_length(series))
		json_object_object_add(out, "series", series);
	else {
		json_object_put(series);
		json_object_object_del(out, "series");
	}
	if (nk && kept && keptlen)
		kept_text(k, nk, kept, keptlen);
	return out;
}

/* The elements sdsfhir makes of each research resource (identifier apart). */
static const char *const *owned_keys(const char *type)
{
	static const char *const study[] = {"title", "status", "description", "keyword", "focus", "arm", "contact",
					    "principalInvestigator", "relatedArtifact", NULL};
	static const char *const subject[] = {"status", "study", "individual", "assignedArm", NULL};
	static const char *const practitioner[] = {"name", NULL};
	static const char *const endpoint[] = {"status", "connectionType", "payloadType", "payloadMimeType", "address",
					       "name", NULL};
	return !type ? NULL : !strcmp(type, "ResearchStudy") ? study : !strcmp(type, "ResearchSubject") ? subject
	       : !strcmp(type, "Practitioner") ? practitioner : !strcmp(type, "Endpoint") ? endpoint : NULL;
}

/* Does identifier list ids hold one of system? */
static int has_system(json_object *ids, const char *system)
{
	for (size_t i = 0; system && i < jget_len(ids); i++) {
		const char *s = jget_str(jget_idx_obj(ids, i), "system");
		if (s && !strcmp(s, system))
			return 1;
	}
	return 0;
}

json_object *fhir_resource_merge(json_object *mine, json_object *server)
{
	const char *type = jget_str(mine, "resourceType");
	if (type && !strcmp(type, "ImagingStudy"))
		return fhir_study_merge(mine, server, 0, NULL, 0);
	const char *const *owned = owned_keys(type);
	json_object *out = json_object_is_type(server, json_type_object) ? copy_json(server) : json_object_new_object();
	if (!out)
		return NULL;
	if (!owned) {		/* not one of sdsfhir's: all of mine over it */
		json_object_object_foreach(mine, k, v) {
			if (strcmp(k, "id") != 0 && strcmp(k, "meta") != 0)
				json_object_object_add(out, k, copy_json(v));
		}
		return out;
	}
	for (; *owned; owned++) {
		json_object *v = NULL;
		if (json_object_object_get_ex(mine, *owned, &v) && v)
			json_object_object_add(out, *owned, copy_json(v));
		else
			json_object_object_del(out, *owned);
	}
	if (!strcmp(type, "ResearchStudy"))	/* sdsfhir's notes, and the others' */
		merge_array(out, mine, server, "note", owned_note);
	json_object_object_add(out, "resourceType", json_object_new_string(type));
	json_object *ids = json_object_new_array(), *m = jget_arr(mine, "identifier"), *sv = jget_arr(server, "identifier");
	for (size_t i = 0; i < jget_len(m); i++)
		json_object_array_add(ids, copy_json(json_object_array_get_idx(m, i)));
	for (size_t i = 0; i < jget_len(sv); i++) {	/* another client's identifiers, of other systems */
		json_object *id = json_object_array_get_idx(sv, i);
		if (!has_system(m, jget_str(id, "system")))
			json_object_array_add(ids, copy_json(id));
	}
	if (json_object_array_length(ids))
		json_object_object_add(out, "identifier", ids);
	else {
		json_object_put(ids);
		json_object_object_del(out, "identifier");
	}
	return out;
}
