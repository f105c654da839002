/* QIDO-RS and STOW-RS with libcurl: the multipart body streamed from the files (curl's MIME API),
 * the answers read through the typed JSON accessors. */
#include "config.h"

#include "dicomweb.h"
#include "client.h"
#include "jget.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BODY_MAX ((size_t)64 << 20)	/* an answer over this is refused (a study's UIDs fit many times) */
#define VALUES_MAX ((size_t)4 << 20)	/* JSON values an answer may hold */
#define PAGE 1000			/* instances a QIDO page asks for */
#define HELD_MAX 2000000		/* instances a study may be said to hold */

struct dicomweb {
	struct dicomweb_opts o;
	char *base;			/* o.url without its trailing slashes */
	char ua[96];
	char elsewhere[300];
	struct curl_slist *auth;	/* the bearer header, or NULL */
};

struct body {
	char *data;
	size_t len;
	int over;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct body *b = ctx;
	size_t k = size * n;
	if (b->len + k > BODY_MAX) {
		b->over = 1;
		return 0;
	}
	char *d = realloc(b->data, b->len + k + 1);
	if (!d)
		return 0;
	memcpy(d + b->len, p, k);
	b->data = d;
	b->len += k;
	d[b->len] = '\0';
	return k;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	(void)a, (void)b, (void)c, (void)d;
	const struct dicomweb *w = ctx;
	return w->o.cancel && *w->o.cancel;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

struct dicomweb *dicomweb_new(const struct dicomweb_opts *o, char *err, size_t errlen)
{
	char scheme[16], host[256], port[16];
	int userinfo = 0;
	if (!o->url || client_url_origin(o->url, scheme, host, port, sizeof host, &userinfo) < 0 ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		snprintf(err, errlen, "the DICOMweb URL is not an http:// or https:// URL");
		return NULL;
	}
	if (userinfo) {	/* it is written into every Endpoint: never a secret */
		snprintf(err, errlen, "the DICOMweb URL holds a user name or password: give them in a netrc file");
		return NULL;
	}
	struct dicomweb *d = calloc(1, sizeof *d);
	if (!d || !(d->base = strdup(o->url))) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->o = *o;
	for (size_t n = strlen(d->base); n > 0 && d->base[n - 1] == '/'; n--)
		d->base[n - 1] = '\0';
	snprintf(d->ua, sizeof d->ua, "sdsfhir/%s libcurl/%s", PACKAGE_VERSION, curl_version_info(CURLVERSION_NOW)->version);
	if (o->token) {
		char *h = NULL;
		if (asprintf(&h, "Authorization: Bearer %s", o->token) < 0 || !(d->auth = curl_slist_append(NULL, h))) {
			free(h);
			dicomweb_free(&d);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		explicit_bzero(h, strlen(h));
		free(h);
	}
	return d;
}

void dicomweb_free(struct dicomweb **dp)
{
	struct dicomweb *d = dp ? *dp : NULL;
	if (!d)
		return;
	for (struct curl_slist *s = d->auth; s; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(d->auth);
	free(d->base);
	free(d);
	*dp = NULL;
}

const char *dicomweb_elsewhere(const struct dicomweb *d)
{
	return d->elsewhere;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Is uid a UID (digits and dots, at most 64): safe in a URL path as it is. */
static int is_uid(const char *uid)
{
	size_t n = uid ? strlen(uid) : 0;
	return n > 0 && n <= 64 && strspn(uid, "0123456789.") == n;
}

/* One exchange: the handle set up with the options and auth, headers added (taken), then
 * performed. The body (Caller frees b->data), the status into *status. 0, or -1 with err. */
static int perform(struct dicomweb *d, CURL *h, const char *method, const char *url, struct curl_slist *hd,
		   struct body *b, long *status, char *err, size_t errlen)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	for (struct curl_slist *s = d->auth; s; s = s->next)
		hd = curl_slist_append(hd, s->data);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_USERAGENT, d->ua);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	long stall = d->o.timeout_ms > 0 ? d->o.timeout_ms : 60000;	/* nothing for this long: the server stalled */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall / 1000 > 0 ? stall / 1000 : 1L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, d);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");	/* no redirects: the credentials stay with the origin */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	if (d->o.netrc_file) {
		curl_easy_setopt(h, CURLOPT_NETRC, (long)CURL_NETRC_REQUIRED);
		curl_easy_setopt(h, CURLOPT_NETRC_FILE, d->o.netrc_file);
	}
	if (d->o.cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, d->o.cacert);
	if (d->o.insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	long t0 = now_ms();
	CURLcode rc = curl_easy_perform(h);
	*status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	for (struct curl_slist *s = hd; s; s = s->next)	/* the bearer copy too */
		if (!strncmp(s->data, "Authorization:", 14))
			explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(hd);
	const char *why = rc == CURLE_OK ? NULL : b->over ? "the answer is over 64 MiB" :
			  rc == CURLE_ABORTED_BY_CALLBACK ? "cancelled" : *ebuf ? ebuf : curl_easy_strerror(rc);
	if (d->o.log)
		d->o.log(d->o.ctx, method, url, *status, now_ms() - t0, why);
	if (why) {
		snprintf(err, errlen, "DICOMweb server %s: %s", d->base, why);
		return -1;
	}
	if (*status == 401 || *status == 403) {
		snprintf(err, errlen, "DICOMweb server %s: HTTP %ld: the credentials were refused (a netrc entry for its "
			 "host, or a token: see DICOMWEB in sdsfhir(1))", d->base, *status);
		return -1;
	}
	return 0;
}

int dicomweb_held(struct dicomweb *d, const char *study, char ***uids, size_t *n, char *err, size_t errlen)
{
	*uids = NULL;
	*n = 0;
	if (!is_uid(study)) {
		snprintf(err, errlen, "not a Study Instance UID: not asked");
		return -1;
	}
	size_t cap = 0;
	for (size_t offset = 0;; offset += PAGE) {
		char url[1400];
		snprintf(url, sizeof url, "%s/studies/%s/instances?includefield=00080018&limit=%d&offset=%zu", d->base, study,
			 PAGE, offset);
		CURL *h = curl_easy_init();
		struct body b = {0};
		long status = 0;
		struct curl_slist *hd = curl_slist_append(NULL, "Accept: application/dicom+json");
		int r = h ? perform(d, h, "GET", url, hd, &b, &status, err, errlen) : -1;
		if (h)
			curl_easy_cleanup(h);
		json_object *page = NULL;
		if (r == 0 && (status == 204 || status == 404 || (status == 200 && b.len == 0))) {
			free(b.data);
			return 0;	/* the study is not there, or nothing more of it */
		}
		if (r == 0 && status != 200)
			snprintf(err, errlen, "DICOMweb server %s: HTTP %ld to a search of the study's instances", d->base, status);
		else if (r == 0)
			page = jget_parse(b.data, b.len, VALUES_MAX, err, errlen);	/* NULL: err says why */
		free(b.data);
		if (!page) {
			if (r == 0 && status == 200)
				snprintf(err + strlen(err), errlen - strlen(err), " (the DICOMweb server's answer to a search)");
			goto fail;
		}
		size_t k = jget_len(page);
		for (size_t i = 0; i < k; i++) {
			const char *uid = jget_idx_str(jget_arr(jget_obj(jget_idx_obj(page, i), "00080018"), "Value"), 0);
			if (!is_uid(uid))
				continue;
			if (*n >= HELD_MAX) {
				json_object_put(page);
				snprintf(err, errlen, "DICOMweb server %s: more than 2,000,000 instances said to be in one study", d->base);
				goto fail;
			}
			if (*n == cap) {
				char **g = realloc(*uids, (cap = cap ? 2 * cap : 256) * sizeof *g);
				if (!g) {
					json_object_put(page);
					snprintf(err, errlen, "out of memory");
					goto fail;
				}
				*uids = g;
			}
			if (!((*uids)[*n] = strdup(uid))) {
				json_object_put(page);
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			(*n)++;
		}
		json_object_put(page);
		if (k < PAGE) {
			if (*n)
				qsort(*uids, *n, sizeof **uids, by_str);
			return 0;
		}
	}
fail:
	for (size_t i = 0; i < *n; i++)
		free((*uids)[i]);
	free(*uids);
	*uids = NULL;
	*n = 0;
	return -1;
}

/* PS3.4 Table GG.4-1 and B.2-1: what a Failure Reason means. */
static const char *failure_name(long code)
{
	switch (code) {
	case 0xA700: return "out of resources";
	case 0xA900: return "the data set does not match its SOP Class";
	case 0xC000: return "the server cannot understand it";
	case 0x0110: return "processing failure";
	case 0x0122: return "SOP Class not supported";
	case 0x0124: return "not authorized";
	case 0x0111: return "duplicate SOP Instance";
	default: return "refused";
	}
}

/* The SOP Instance UID of an item of a Referenced or Failed SOP Sequence. Borrowed. */
static const char *item_uid(json_object *item)
{
	return jget_idx_str(jget_arr(jget_obj(item, "00081155"), "Value"), 0);
}

/* Mark the parts from a STOW-RS answer. */
static void read_answer(struct dicomweb *d, json_object *a, struct dicomweb_part *parts, size_t n)
{
	json_object *ok = jget_arr(jget_obj(a, "00081199"), "Value"), *bad = jget_arr(jget_obj(a, "00081198"), "Value");
	for (size_t i = 0; i < jget_len(ok); i++) {
		const char *uid = item_uid(jget_idx_obj(ok, i));
		for (size_t k = 0; uid && k < n; k++)
			if (!strcmp(parts[k].sop_uid, uid))
				parts[k].stored = 1;
	}
	for (size_t i = 0; i < jget_len(bad); i++) {
		json_object *item = jget_idx_obj(bad, i);
		const char *uid = item_uid(item);
		json_object *code = json_object_array_get_idx(jget_arr(jget_obj(item, "00081197"), "Value"), 0);
		long c = json_object_is_type(code, json_type_int) ? (long)json_object_get_int64(code) : -1;
		for (size_t k = 0; uid && k < n; k++)
			if (!strcmp(parts[k].sop_uid, uid) && !parts[k].stored)
				snprintf(parts[k].reason, sizeof parts[k].reason, "the DICOMweb server refused it: %s (Failure Reason %04lX)",
					 failure_name(c), c < 0 ? 0 : c);
	}
	const char *where = jget_idx_str(jget_arr(jget_obj(a, "00081190"), "Value"), 0);
	d->elsewhere[0] = '\0';
	if (where && strncmp(where, d->base, strlen(d->base)) != 0)
		snprintf(d->elsewhere, sizeof d->elsewhere, "%s", where);
}

int dicomweb_store(struct dicomweb *d, const char *study, struct dicomweb_part *parts, size_t n, char *err,
		   size_t errlen)
{
	for (size_t k = 0; k < n; k++) {
		parts[k].stored = 0;
		snprintf(parts[k].reason, sizeof parts[k].reason, "the DICOMweb server did not say it was stored");
	}
	if (!is_uid(study)) {
		snprintf(err, errlen, "not a Study Instance UID: not sent");
		return -1;
	}
	CURL *h = curl_easy_init();
	curl_mime *mime = h ? curl_mime_init(h) : NULL;
	if (!mime) {
		if (h)
			curl_easy_cleanup(h);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < n; k++) {	/* each file streamed from disk as it is sent */
		curl_mimepart *p = curl_mime_addpart(mime);
		curl_mime_filedata(p, parts[k].path);
		curl_mime_filename(p, NULL);
		curl_mime_type(p, "application/dicom");
	}
	curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
	/* the subtype kept, curl adds the boundary: related, not form-data (which Orthanc answers 200
	 * with nothing stored) */
	struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: multipart/related; type=\"application/dicom\"");
	hd = curl_slist_append(hd, "Accept: application/dicom+json");
	hd = curl_slist_append(hd, "Expect:");
	char url[1400];
	snprintf(url, sizeof url, "%s/studies/%s", d->base, study);
	struct body b = {0};
	long status = 0;
	int r = perform(d, h, "POST", url, hd, &b, &status, err, errlen);
	curl_mime_free(mime);
	curl_easy_cleanup(h);
	json_object *a = NULL;
	char perr[200] = "";
	if (r == 0 && b.len)
		a = jget_parse(b.data, b.len, VALUES_MAX, perr, sizeof perr);
	free(b.data);
	if (r < 0)
		return -1;
	if (json_object_is_type(a, json_type_array)) {	/* an answer of one object in an array: that object */
		json_object *keep = jget_idx_obj(a, 0) ? json_object_get(jget_idx_obj(a, 0)) : NULL;
		json_object_put(a);
		a = keep;
	}
	if (!json_object_is_type(a, json_type_object)) {
		json_object_put(a);
		snprintf(err, errlen, "DICOMweb server %s: HTTP %ld without a DICOM JSON answer to a store%s%s%s", d->base, status,
			 status == 409 ? " (409: a Study Instance UID that does not match the request's)" : "",
			 *perr ? ": " : "", perr);
		return -1;
	}
	read_answer(d, a, parts, n);
	json_object_put(a);
	return 0;
}
