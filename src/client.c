#include "config.h"

#include "client.h"
#include "jget.h"

#include <curl/curl.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdatomic.h>
#include <time.h>

struct buf {
	char *data;
	size_t len, cap;
	int overflow;
};

struct client {
	struct client_opts o;
	char *strings[8];	/* copies of the option strings */
	char *base;		/* ends in '/' */
	char *token;		/* bearer or OAuth2 access token */
	CURL *curl;
	char ua[96];
	char host[300];		/* host[:port] of the base URL, for people */
	int metadata_done;
	_Atomic long busy_since;	/* monotonic ms when the request in flight started; 0: none */
	curl_off_t uploaded;		/* request body bytes sent by the transfer in flight, at most */
};

#define BODY_MAX (64u << 20)	/* refuse replies larger than 64 MiB, counted as they are decoded */
#define JSON_VALUES_MAX 4000000	/* JSON values of a reply: json-c takes ~80 bytes each, about 300 MiB,
				   a few times BODY_MAX, whatever the reply claims */
#define RETRY_AFTER_MAX 300	/* seconds: a Retry-After beyond it is taken as this */
#define STALL_MS 30000L		/* a reply that sends nothing for this long has stalled */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	size_t len = size * n;
	if (b->len + len + 1 > BODY_MAX) {
		b->overflow = 1;
		return 0;
	}
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return 0;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

/* Does v hold a control character (CR, LF, ...), which would end a header line? */
static int has_control(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 1;
	return 0;
}

static long now_ms(void);

/* libcurl's progress callback: a set cancel flag aborts the transfer in flight. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal;
	struct client *c = ud;
	if (ulnow > c->uploaded)	/* the most sent, also when libcurl sends again on a new connection */
		c->uploaded = ulnow;
	return c->o.cancel && *c->o.cancel;
}

struct hdrs {
	struct client_response *resp;
	long retry_after;	/* seconds, -1 when absent */
	char ctype[128];	/* Content-Type, "" when absent */
};

static void header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	const char *v = line + n + 1;
	size_t vl = len - n - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	snprintf(out, outlen, "%.*s", (int)vl, v);
}

/* Retry-After as seconds (delay-seconds or an HTTP-date), saturated at RETRY_AFTER_MAX; -1 when
 * it is neither. */
long client_retry_after(const char *v)
{
	if (isdigit((unsigned char)v[0])) {
		long s = 0;
		for (const char *p = v; isdigit((unsigned char)*p); p++)
			if ((s = s * 10 + (*p - '0')) > RETRY_AFTER_MAX)
				return RETRY_AFTER_MAX;
		return s;
	}
	time_t when = curl_getdate(v, NULL);
	if (when == (time_t)-1)
		return -1;
	time_t now = time(NULL);
	return when <= now ? 0 : when - now > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : (long)(when - now);
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct hdrs *h = ud;
	size_t len = size * n;
	char ra[32] = "";
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {	/* a new response (after 100 Continue): forget the old */
		h->resp->etag[0] = h->resp->location[0] = h->ctype[0] = '\0';
		h->retry_after = -1;
	}
	header_value(p, len, "ETag", h->resp->etag, sizeof h->resp->etag);
	header_value(p, len, "Location", h->resp->location, sizeof h->resp->location);
	if (!h->resp->location[0])
		header_value(p, len, "Content-Location", h->resp->location, sizeof h->resp->location);
	header_value(p, len, "Retry-After", ra, sizeof ra);
	header_value(p, len, "Content-Type", h->ctype, sizeof h->ctype);
	if (ra[0])
		h->retry_after = client_retry_after(ra);
	return len;
}

static char *dup_opt(struct client *c, int i, const char *s)
{
	if (!s)
		return NULL;
	c->strings[i] = strdup(s);
	return c->strings[i];
}

struct client *client_new(const struct client_opts *opts, char *err, size_t errlen)
{
	static int global;
	if (!global) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "libcurl failed to initialise");
			return NULL;
		}
		global = 1;
	}
	struct client *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->o = *opts;
	const char *server = opts->server && *opts->server ? opts->server : CLIENT_DEFAULT_SERVER;
	if (strncmp(server, "http://", 7) != 0 && strncmp(server, "https://", 8) != 0) {
		snprintf(err, errlen, "server URL must start with http:// or https://: %s", server);
		client_free(&c);
		return NULL;
	}
	const char *host = strstr(server, "://") + 3;
	const char *at = strchr(host, '@'), *slash = strchr(host, '/');
	if (at && (!slash || at < slash)) {
		snprintf(err, errlen, "the server URL holds credentials: put them in a netrc file (--netrc) instead");
		client_free(&c);
		return NULL;
	}
	size_t n = strlen(server);
	c->base = malloc(n + 2);
	if (c->base)
		snprintf(c->base, n + 2, "%s%s", server, server[n - 1] == '/' ? "" : "/");
	c->o.server = c->base;
	CURLU *cu = curl_url();
	char *h = NULL, *port = NULL;
	if (cu && curl_url_set(cu, CURLUPART_URL, server, 0) == CURLUE_OK &&
	    curl_url_get(cu, CURLUPART_HOST, &h, 0) == CURLUE_OK)
		(void)curl_url_get(cu, CURLUPART_PORT, &port, 0);
	snprintf(c->host, sizeof c->host, "%s%s%s", h ? h : "the server", port ? ":" : "", port ? port : "");
	curl_free(h);
	curl_free(port);
	curl_url_cleanup(cu);
	c->o.netrc_file = dup_opt(c, 0, opts->netrc_file);
	c->o.oauth_token_url = dup_opt(c, 1, opts->oauth_token_url);
	c->o.oauth_client_id = dup_opt(c, 2, opts->oauth_client_id);
	c->o.oauth_client_secret = dup_opt(c, 3, opts->oauth_client_secret);
	c->o.cacert = dup_opt(c, 4, opts->cacert);
	c->o.token = NULL;
	if (opts->token)
		c->token = strdup(opts->token);
	if (!c->o.connect_timeout_ms)
		c->o.connect_timeout_ms = 10000;
	if (!c->o.timeout_ms)
		c->o.timeout_ms = 60000;
	if (c->o.retries < 0)
		c->o.retries = 3;
	if (!c->o.retry_wait_max_ms)
		c->o.retry_wait_max_ms = 30000;
	snprintf(c->ua, sizeof c->ua, "sdsfhir/%s libcurl/%s", PACKAGE_VERSION,
		 curl_version_info(CURLVERSION_NOW)->version);
	c->curl = curl_easy_init();
	if (!c->base || !c->curl || (opts->auth == CLIENT_AUTH_BEARER && !c->token)) {
		snprintf(err, errlen, "out of memory");
		client_free(&c);
		return NULL;
	}
	if ((c->token && has_control(c->token)) || (c->o.oauth_client_secret && has_control(c->o.oauth_client_secret)) ||
	    (c->o.oauth_client_id && has_control(c->o.oauth_client_id))) {
		snprintf(err, errlen, "the %s holds control characters (a line break?): refused",
			 c->token && has_control(c->token) ? "token" : "OAuth2 client id or secret");
		client_free(&c);
		return NULL;
	}
	if (opts->auth == CLIENT_AUTH_OAUTH2 && (!c->o.oauth_token_url || !c->o.oauth_client_id || !c->o.oauth_client_secret)) {
		snprintf(err, errlen, "OAuth2 needs a token URL, a client id and a client secret");
		client_free(&c);
		return NULL;
	}
	return c;
}

void client_free(struct client **cp)
{
	struct client *c = *cp;
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	for (size_t i = 0; i < sizeof c->strings / sizeof *c->strings; i++) {
		if (c->strings[i]) {
			explicit_bzero(c->strings[i], strlen(c->strings[i]));
			free(c->strings[i]);
		}
	}
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	free(c->base);
	free(c);
	*cp = NULL;
}

void client_set_log(struct client *c, void (*log)(void *ctx, const char *method, const char *url, long status,
						  long ms, const char *text), void *ctx)
{
	c->o.log = log;
	c->o.ctx = ctx;
}

const char *client_base(const struct client *c)
{
	return c->base;
}

const char *client_host(const struct client *c)
{
	return c->host;
}

void client_set_cancel(struct client *c, volatile int *cancel)
{
	c->o.cancel = cancel;
}

long client_waiting_ms(const struct client *c)
{
	long since = atomic_load(&c->busy_since);
	return since ? now_ms() - since : 0;
}

void client_response_clear(struct client_response *r)
{
	if (r->body)
		json_object_put(r->body);
	memset(r, 0, sizeof *r);
}

const char *client_outcome_text(json_object *o, char *buf, size_t len)
{
	json_object *rt, *issues;
	buf[0] = '\0';
	if (!o || !json_object_object_get_ex(o, "resourceType", &rt) ||
	    strcmp(json_object_get_string(rt), "OperationOutcome") != 0 ||
	    !json_object_object_get_ex(o, "issue", &issues) || !json_object_is_type(issues, json_type_array))
		return buf;
	size_t k = 0;
	for (size_t i = 0; i < json_object_array_length(issues); i++) {
		json_object *is = json_object_array_get_idx(issues, i), *v, *d, *ex;
		const char *text = NULL;
		if (json_object_object_get_ex(is, "diagnostics", &v))
			text = json_object_get_string(v);
		else if (json_object_object_get_ex(is, "details", &d) && json_object_object_get_ex(d, "text", &v))
			text = json_object_get_string(v);
		else if (json_object_object_get_ex(is, "code", &v))
			text = json_object_get_string(v);
		if (!text)
			continue;
		const char *where = NULL;
		if (json_object_object_get_ex(is, "expression", &ex) && json_object_is_type(ex, json_type_array) &&
		    json_object_array_length(ex) > 0)
			where = json_object_get_string(json_object_array_get_idx(ex, 0));
		int w = snprintf(buf + k, len - k, "%s%s%s%s%s", k ? "; " : "", text, where ? " (at " : "",
				 where ? where : "", where ? ")" : "");
		if (w < 0 || (size_t)w >= len - k)
			break;
		k += (size_t)w;
	}
	return buf;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Sleep ms in slices, returning early (-1) when cancelled. */
static int wait_ms(struct client *c, long ms)
{
	while (ms > 0) {
		if (c->o.cancel && *c->o.cancel)
			return -1;
		long slice = ms > 100 ? 100 : ms;
		struct timespec ts = {slice / 1000, (slice % 1000) * 1000000L};
		nanosleep(&ts, NULL);
		ms -= slice;
	}
	return 0;
}

static void log_exchange(struct client *c, const char *method, const char *url, long status, long ms, const char *text)
{
	if (c->o.log)
		c->o.log(c->o.ctx, method, url, status, ms, text && *text ? text : NULL);
}

/* A text for a body that is not an OperationOutcome: its start, printable. */
static void body_snippet(const struct buf *b, char *out, size_t len)
{
	size_t k = 0;
	for (size_t i = 0; b->data && i < b->len && k + 1 < len && k < 200; i++)
		out[k++] = isprint((unsigned char)b->data[i]) ? b->data[i] : ' ';
	out[k] = '\0';
}

/* What every request of the client sets: user agent, time-outs, protocols, TLS, the body buffer. */
static void common_opts(struct client *c, CURL *h, struct buf *b, char *ebuf)
{
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->ua);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
	/* a stalled reply (nothing for STALL_MS) fails then, not at the whole time-out */
	long stall = c->o.timeout_ms < STALL_MS ? c->o.timeout_ms : STALL_MS;
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall / 1000 > 0 ? stall / 1000 : 1L);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->o.cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o.cacert);
	if (c->o.insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static int fetch_token(struct client *c, char *err, size_t errlen)
{
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return CLIENT_ERR_LOCAL;
	}
	char *id = curl_easy_escape(h, c->o.oauth_client_id, 0), *sec = curl_easy_escape(h, c->o.oauth_client_secret, 0);
	size_t flen = (id ? strlen(id) : 0) + (sec ? strlen(sec) : 0) + 80;
	char *form = malloc(flen);
	struct buf b = {0};
	int st = CLIENT_ERR_LOCAL;
	if (!id || !sec || !form) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(form, flen, "grant_type=client_credentials&client_id=%s&client_secret=%s", id, sec);
	struct curl_slist *hd = curl_slist_append(NULL, "Accept: application/json");
	char ebuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, c->o.oauth_token_url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	common_opts(c, h, &b, ebuf);
	long t0 = now_ms(), status = 0;
	CURLcode rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hd);
	explicit_bzero(form, strlen(form));
	log_exchange(c, "POST", c->o.oauth_token_url, status, now_ms() - t0, rc == CURLE_OK ? NULL : ebuf);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "cannot reach the OAuth2 token URL %s: %s", c->o.oauth_token_url,
			 ebuf[0] ? ebuf : curl_easy_strerror(rc));
		st = CLIENT_ERR_UNREACHABLE;
		goto out;
	}
	json_object *j = b.data ? json_tokener_parse(b.data) : NULL, *tok;
	if (status / 100 != 2 || !j || !json_object_object_get_ex(j, "access_token", &tok) ||
	    !json_object_is_type(tok, json_type_string)) {
		const char *code = jget_str(j, "error"), *desc = jget_str(j, "error_description");
		const char *what = status == 404 || status == 405 || status == 410 ? "was not found: check --oauth-token-url"
				   : status >= 500 ? "failed" : status / 100 == 2 ? "sent no access_token"
				   : "refused the client credentials";
		snprintf(err, errlen, "the OAuth2 token URL %s %s (HTTP %ld%s%.100s%s%.300s)", c->o.oauth_token_url, what,
			 status, code ? ": " : "", code ? code : "", desc ? ": " : "", desc ? desc : "");
		st = status >= 500 ? CLIENT_ERR_HTTP : CLIENT_ERR_AUTH;
	} else {
		if (c->token) {
			explicit_bzero(c->token, strlen(c->token));
			free(c->token);
		}
		if (has_control(json_object_get_string(tok))) {
			snprintf(err, errlen, "the OAuth2 token URL %s sent a token with control characters: refused",
				 c->o.oauth_token_url);
			st = CLIENT_ERR_AUTH;
		} else {
			c->token = strdup(json_object_get_string(tok));
			st = c->token ? CLIENT_OK : CLIENT_ERR_LOCAL;
		}
	}
	json_object_put(j);
out:
	if (b.data) {
		explicit_bzero(b.data, b.len);
		free(b.data);
	}
	free(form);
	curl_free(id);
	curl_free(sec);
	curl_easy_cleanup(h);
	return st;
}

static int is_unreachable(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_RESOLVE_PROXY ||
	       rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	       rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR ||
	       rc == CURLE_RECV_ERROR || rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_PARTIAL_FILE;
}

/* curl's error rc in words a user can act on, with curl's own (detail) where they help;
 * stalled: nothing came for the stall time. Into buf; returns buf. */
static const char *plain_error(const struct client *c, CURLcode rc, const char *detail, int stalled, char *buf,
			       size_t len)
{
	long stall = (c->o.timeout_ms < STALL_MS ? c->o.timeout_ms : STALL_MS) / 1000;
	switch (rc) {
	case CURLE_URL_MALFORMAT: snprintf(buf, len, "not a valid URL (%s)", detail); break;
	case CURLE_UNSUPPORTED_PROTOCOL: snprintf(buf, len, "only http:// and https:// URLs are served (%s)", detail); break;
	case CURLE_COULDNT_RESOLVE_HOST: snprintf(buf, len, "its host name is not known (%s)", detail); break;
	case CURLE_COULDNT_CONNECT: snprintf(buf, len, "the connection failed: is the server running there? (%s)", detail); break;
	case CURLE_OPERATION_TIMEDOUT:
		if (stalled || c->o.timeout_ms <= STALL_MS)
			snprintf(buf, len, "the server sent nothing for %ld s: it stopped answering (time-out; --timeout sets "
				 "it)", stall > 0 ? stall : 1L);
		else
			snprintf(buf, len, "no whole answer within %ld s (time-out; --timeout sets it)", c->o.timeout_ms / 1000);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(buf, len, "its TLS certificate is not trusted: --cacert names the CA that signed it (%s)", detail);
		break;
	case CURLE_GOT_NOTHING: snprintf(buf, len, "the server closed the connection without an answer"); break;
	case CURLE_SEND_ERROR: case CURLE_RECV_ERROR: snprintf(buf, len, "the connection broke (%s)", detail); break;
	default: snprintf(buf, len, "%s", detail); break;
	}
	return buf;
}

int client_url_origin(const char *url, char *scheme, char *host, char *port, size_t len, int *userinfo)
{
	CURLU *u = curl_url();
	char *sc = NULL, *ho = NULL, *po = NULL, *us = NULL, *pw = NULL;
	int ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_SCHEME, &sc, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_HOST, &ho, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_PORT, &po, CURLU_DEFAULT_PORT) == CURLUE_OK;
	if (ok) {
		*userinfo = curl_url_get(u, CURLUPART_USER, &us, 0) == CURLUE_OK ||
			    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK;
		snprintf(scheme, len, "%s", sc);
		snprintf(host, len, "%s", ho);
		snprintf(port, len, "%s", po);
	}
	curl_free(sc), curl_free(ho), curl_free(po), curl_free(us), curl_free(pw);
	curl_url_cleanup(u);
	return ok ? 0 : -1;
}

/* The path of url, dot segments resolved (curl's URL parser), and its query (NULL when none), as
 * sent; whether it holds user-info. 0, or -1 when it cannot be parsed. Caller frees with
 * curl_free. */
static int url_path(const char *url, char **path, char **query, int *userinfo)
{
	CURLU *u = curl_url();
	char *us = NULL, *pw = NULL;
	*path = *query = NULL;
	int ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		 curl_url_get(u, CURLUPART_PATH, path, 0) == CURLUE_OK;
	if (ok && curl_url_get(u, CURLUPART_QUERY, query, 0) != CURLUE_OK)
		*query = NULL;
	*userinfo = ok && (curl_url_get(u, CURLUPART_USER, &us, 0) == CURLUE_OK ||
			   curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK);
	curl_free(us), curl_free(pw);
	curl_url_cleanup(u);
	if (!ok) {
		curl_free(*path);
		*path = NULL;
	}
	return ok ? 0 : -1;
}

/* The URL of a request: path relative to the base, or an absolute link (a next link) whose
 * path, dot segments resolved, lies under the base's path: it is re-rooted onto the base, so
 * that a server behind a proxy, which names its own host in links, can be paged, and
 * credentials never go to another origin. A link with user-info, an encoded dot or a
 * backslash in its path, or a path outside the base's is refused. Caller frees. NULL with err. */
static char *request_url(struct client *c, const char *path, char *err, size_t errlen)
{
	if (strncmp(path, "http://", 7) != 0 && strncmp(path, "https://", 8) != 0) {
		size_t n = strlen(c->base) + strlen(path) + 1;
		char *url = malloc(n);
		if (url)
			snprintf(url, n, "%s%s", c->base, path[0] == '/' ? path + 1 : path);
		else
			snprintf(err, errlen, "out of memory");
		return url;
	}
	char *bpath = NULL, *bquery = NULL, *lpath = NULL, *lquery = NULL, *url = NULL;
	int bu = 0, lu = 0;
	if (url_path(c->base, &bpath, &bquery, &bu) == 0 && url_path(path, &lpath, &lquery, &lu) == 0 && !lu &&
	    !strcasestr(lpath, "%2e") && !strchr(lpath, '\\')) {
		size_t bl = strlen(bpath);	/* the base's path ends in '/' */
		const char *rest = !strncmp(lpath, bpath, bl) ? lpath + bl
				   : bl > 1 && !strncmp(lpath, bpath, bl - 1) && !lpath[bl - 1] ? "" : NULL;
		size_t n = rest ? strlen(c->base) + strlen(rest) + (lquery ? strlen(lquery) : 0) + 2 : 0;
		if (rest && (url = malloc(n)))
			snprintf(url, n, "%s%s%s%s", c->base, rest, lquery ? "?" : "", lquery ? lquery : "");
		else if (rest)
			snprintf(err, errlen, "out of memory");
	}
	if (!url && !err[0])
		snprintf(err, errlen, "the server sent a link outside %s: not followed", c->base);
	curl_free(bpath), curl_free(bquery), curl_free(lpath), curl_free(lquery);
	return url;
}

/* A header "Name: value", built to its length. NULL when value holds a control character. */
static char *header_line(const char *name, const char *value)
{
	if (has_control(value))
		return NULL;
	size_t n = strlen(name) + strlen(value) + 3;
	char *line = malloc(n);
	if (line)
		snprintf(line, n, "%s: %s", name, value);
	return line;
}

/* Add a header line to *hd; -1 (err set, *hd freed) when the value cannot be sent. */
static int add_header(struct curl_slist **hd, const char *name, const char *value, int secret, char *err, size_t errlen)
{
	char *line = header_line(name, value);
	struct curl_slist *n = line ? curl_slist_append(*hd, line) : NULL;
	if (line && secret)
		explicit_bzero(line, strlen(line));
	free(line);
	if (!n) {
		snprintf(err, errlen, "%s", !line && has_control(value) ? (secret ? "the token holds control characters: not sent"
				: "a header value holds control characters: not sent") : "out of memory");
		curl_slist_free_all(*hd);
		*hd = NULL;
		return -1;
	}
	*hd = n;
	return 0;
}

/* The headers of one attempt. NULL with err when one cannot be sent. */
static struct curl_slist *request_headers(struct client *c, int has_body, const char *if_match, const char *if_none_exist,
					  char *err, size_t errlen)
{
	struct curl_slist *hd = curl_slist_append(NULL, "Accept: application/fhir+json");
	if (hd && !curl_slist_append(hd, "Prefer: return=representation"))
		hd = NULL;
	if (hd && has_body && !curl_slist_append(hd, "Content-Type: application/fhir+json; charset=utf-8"))
		hd = NULL;
	if (!hd) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (c->token && (c->o.auth == CLIENT_AUTH_BEARER || c->o.auth == CLIENT_AUTH_OAUTH2)) {
		size_t n = strlen(c->token) + 8;
		char *v = malloc(n);
		if (!v) {
			curl_slist_free_all(hd);
			snprintf(err, errlen, "out of memory");
			return NULL;
		}
		snprintf(v, n, "Bearer %s", c->token);
		int r = add_header(&hd, "Authorization", v, 1, err, errlen);
		explicit_bzero(v, n);
		free(v);
		if (r < 0)
			return NULL;
	}
	if (if_match && add_header(&hd, "If-Match", if_match, 0, err, errlen) < 0)
		return NULL;
	if (if_none_exist && add_header(&hd, "If-None-Exist", if_none_exist, 0, err, errlen) < 0)
		return NULL;
	return hd;
}

/* The JSON of a reply, or NULL; a body with more JSON values than json-c can hold in
 * reasonable memory is not parsed (*huge set). */
static json_object *parse_reply(const struct buf *b, int *huge)
{
	char err[200];
	*huge = 0;
	if (!b->data || !b->len)
		return NULL;
	*huge = jget_count_values(b->data, b->len) > JSON_VALUES_MAX;
	return *huge ? NULL : jget_parse(b->data, b->len, JSON_VALUES_MAX, err, sizeof err);
}

/* A 409 a database gives two transactions that ran into each other (PostgreSQL's "could not
 * serialize access due to concurrent update", as Medplum passes it on): safe to run again. */
static int serialization_failure(const char *outcome)
{
	return strcasestr(outcome, "could not serialize") || strcasestr(outcome, "concurrent update") ||
	       strcasestr(outcome, "deadlock detected");
}

/* A reply that came: its JSON and what to do. 1 to try again (*wait in ms; -1: at once, not
 * counted as a try), with *st set when done. */
static int reply(struct client *c, const char *method, const char *url, long status, long ms, const struct buf *b,
		 const struct hdrs *h, int idempotent, int attempt, int *renewed, struct client_response *resp, int *st,
		 long *wait, char *err, size_t errlen)
{
	int huge, retry = 0;
	json_object *j = parse_reply(b, &huge);
	char oo[1024];
	client_outcome_text(j, oo, sizeof oo);
	if (!oo[0] && status >= 400)
		body_snippet(b, oo, sizeof oo);
	log_exchange(c, method, url, status, ms, status >= 400 ? oo : NULL);
	if (status >= 200 && status < 300) {
		if (b->len && !j && strcmp(method, "HEAD") != 0) {
			snprintf(err, errlen, "HTTP %ld from %s: %s", status, c->base, huge ? "the reply holds too many JSON "
				 "values to read" : "the reply is not valid JSON");
			*st = CLIENT_ERR_HTTP;
		} else {
			resp->body = j;
			j = NULL;
			*st = CLIENT_OK;
		}
	} else if (status == 401 && c->o.auth == CLIENT_AUTH_OAUTH2 && !*renewed) {
		*renewed = 1;	/* the token expired: renew once */
		int t = fetch_token(c, err, errlen);
		if (t != CLIENT_OK) {
			*st = t;
		} else {
			retry = 1;
			*wait = -1;
		}
	} else if ((status == 429 || status >= 500 || (status == 409 && serialization_failure(oo))) && idempotent &&
		   attempt < c->o.retries) {
		retry = 1;
		if (h->retry_after >= 0)
			*wait = h->retry_after * 1000L;
	} else {
		if (status == 401 || status == 403)
			snprintf(err, errlen, "HTTP %ld from %s: %s%s", status, c->base,
				 oo[0] ? oo : status == 401 ? "authentication required" : "forbidden",
				 c->o.auth == CLIENT_AUTH_NONE ? " (no credentials were sent: see SDSFHIR_TOKEN, --token-file, --netrc)"
							       : " (the credentials were refused)");
		else if (!j && (strcasestr(h->ctype, "html") || (b->len && b->data[strspn(b->data, " \t\r\n")] == '<')))
			snprintf(err, errlen, "HTTP %ld from %s: not a FHIR endpoint (an HTML page came back: "
				 "check the server's base URL)", status, url);
		else
			snprintf(err, errlen, "HTTP %ld: %s", status, oo[0] ? oo : "(no details)");
		resp->body = j;
		j = NULL;
		*st = status == 401 || status == 403 ? CLIENT_ERR_AUTH : CLIENT_ERR_HTTP;
	}
	if (j)
		json_object_put(j);
	return retry;
}

enum { ATTEMPT_DONE, ATTEMPT_RETRY };

/* The wait before retry attempt + 1 when the server names none: 500 ms doubled each time (at
 * most 32 s), jittered to between half and all of it, so that clients that failed together do
 * not come back together. */
static long backoff_ms(int attempt)
{
	static _Thread_local unsigned seed;
	if (!seed)
		seed = (unsigned)now_ms() ^ (unsigned)getpid() << 16;
	long full = 500L << (attempt < 6 ? attempt : 6);
	return full / 2 + (long)(rand_r(&seed) % (unsigned)(full / 2 + 1));
}

/* One exchange of a request; st set; ATTEMPT_RETRY with *wait (ms) when it is to be tried again. */
static int attempt_once(struct client *c, const char *method, const char *url, const char *payload,
			struct curl_slist *hd, int idempotent, int attempt, int *renewed, struct client_response *resp,
			int *st, long *wait, char *err, size_t errlen)
{
	struct buf b = {0};
	struct hdrs h = {resp, -1, ""};
	char ebuf[CURL_ERROR_SIZE] = "";
	CURL *e = c->curl;
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hd);
	common_opts(c, e, &b, ebuf);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &h);
	if (c->o.auth == CLIENT_AUTH_NETRC) {
		curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_REQUIRED);
		if (c->o.netrc_file)
			curl_easy_setopt(e, CURLOPT_NETRC_FILE, c->o.netrc_file);
	}
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, payload ? payload : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(payload ? strlen(payload) : 0));
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	}
	long t0 = now_ms();
	atomic_store(&c->busy_since, t0 ? t0 : 1);
	c->uploaded = 0;
	CURLcode rc = curl_easy_perform(e);
	atomic_store(&c->busy_since, 0);
	long ms = now_ms() - t0, status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	resp->attempts = attempt + 1;
	resp->status = rc == CURLE_OK ? status : 0;
	curl_off_t sent = 0;	/* a write whose body went out and whose answer did not come may be done */
	curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &sent);
	/* libcurl sends a request again on a new connection when a reused one dies before any
	 * answer: a connect failure then may follow a body that went out */
	resp->unknown = rc != CURLE_OK && strcmp(method, "GET") != 0 && (sent > 0 || c->uploaded > 0) &&
			(rc == CURLE_ABORTED_BY_CALLBACK || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING ||
			 rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE ||
			 rc == CURLE_COULDNT_CONNECT);
	int retry = 0;
	*wait = backoff_ms(attempt);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {	/* Esc: at once, and no retry */
		log_exchange(c, method, url, 0, ms, "cancelled");
		snprintf(err, errlen, "cancelled");
		*st = CLIENT_ERR_CANCELLED;
	} else if (rc != CURLE_OK) {
		const char *why = b.overflow ? "reply larger than 64 MiB" : ebuf[0] ? ebuf : curl_easy_strerror(rc);
		log_exchange(c, method, url, 0, ms, why);	/* curl's own words in the log, plain ones below */
		/* a reply slower than the whole time-out is tried again; a stalled one (nothing
		 * for STALL_MS, a server that accepted and hangs) is not */
		int stalled = rc == CURLE_OPERATION_TIMEDOUT && ms + 200 < c->o.timeout_ms;
		char plain[700];
		if (!b.overflow)
			why = plain_error(c, rc, why, stalled, plain, sizeof plain);
		int transient = (rc == CURLE_OPERATION_TIMEDOUT && !stalled) || rc == CURLE_GOT_NOTHING ||
				rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_PARTIAL_FILE;
		if (transient && idempotent && attempt < c->o.retries && !b.overflow) {
			retry = 1;	/* the reply was lost: safe to ask again */
		} else {
			snprintf(err, errlen, "%s %s: %s", is_unreachable(rc) ? "cannot reach" : "request to", c->base, why);
			*st = is_unreachable(rc) ? CLIENT_ERR_UNREACHABLE : CLIENT_ERR_LOCAL;
		}
	} else {
		retry = reply(c, method, url, status, ms, &b, &h, idempotent, attempt, renewed, resp, st, wait, err, errlen);
	}
	free(b.data);
	return retry ? ATTEMPT_RETRY : ATTEMPT_DONE;
}

int client_request(struct client *c, const char *method, const char *path, json_object *body,
		   const char *if_match, const char *if_none_exist, int idempotent,
		   struct client_response *resp, char *err, size_t errlen)
{
	memset(resp, 0, sizeof *resp);
	err[0] = '\0';
	char *url = request_url(c, path, err, errlen);
	if (!url)
		return strstr(err, "memory") ? CLIENT_ERR_LOCAL : CLIENT_ERR_HTTP;
	const char *payload = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
									  JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	if (c->o.auth == CLIENT_AUTH_OAUTH2 && !c->token) {
		int st = fetch_token(c, err, errlen);
		if (st != CLIENT_OK) {
			free(url);
			return st;
		}
	}
	int renewed = 0, st = CLIENT_ERR_LOCAL, tries = 0;
	long t0 = now_ms();
	for (int attempt = 0;; attempt++) {
		tries++;
		if (c->o.cancel && *c->o.cancel) {
			snprintf(err, errlen, "cancelled");
			st = CLIENT_ERR_CANCELLED;
			break;
		}
		struct curl_slist *hd = request_headers(c, payload != NULL, if_match, if_none_exist, err, errlen);
		if (!hd) {
			st = CLIENT_ERR_LOCAL;
			break;
		}
		long wait = 0;
		int again = attempt_once(c, method, url, payload, hd, idempotent, attempt, &renewed, resp, &st, &wait,
					 err, errlen);
		curl_slist_free_all(hd);
		if (again != ATTEMPT_RETRY)
			break;
		if (wait < 0)	/* a renewed token: at once, and it does not count as a try */
			attempt--, tries--, wait = 0;
		if (resp->body) {
			json_object_put(resp->body);
			resp->body = NULL;
		}
		if (wait > c->o.retry_wait_max_ms)
			wait = c->o.retry_wait_max_ms;
		if (wait_ms(c, wait) < 0) {
			snprintf(err, errlen, "cancelled");
			st = CLIENT_ERR_CANCELLED;
			break;
		}
	}
	if (st != CLIENT_OK && st != CLIENT_ERR_CANCELLED && tries > 1) {	/* say the retries, and how long */
		size_t k = strlen(err);
		snprintf(err + k, errlen - k, " (tried %d times in %.1f s; --retries sets how many)", tries,
			 (double)(now_ms() - t0) / 1000.0);
	}
	free(url);
	return st;
}

int client_check_metadata(struct client *c, char *warn, size_t warnlen)
{
	warn[0] = '\0';
	struct client_response r;
	char err[1024];
	int st = client_request(c, "GET", "metadata", NULL, NULL, NULL, 1, &r, err, sizeof err);
	c->metadata_done = 1;
	if (st != CLIENT_OK) {
		snprintf(warn, warnlen, "%s", err);
		client_response_clear(&r);
		return -st;
	}
	int ret = client_metadata_verdict(r.body, c->base, warn, warnlen);
	client_response_clear(&r);
	return ret;
}

int client_metadata_verdict(json_object *body, const char *base, char *warn, size_t warnlen)
{
	json_object *rt = NULL, *v = NULL;
	warn[0] = '\0';
	if (!json_object_is_type(body, json_type_object) || !json_object_object_get_ex(body, "resourceType", &rt) ||
	    !json_object_is_type(rt, json_type_string) || strcmp(json_object_get_string(rt), "CapabilityStatement") != 0) {
		snprintf(warn, warnlen, "%smetadata is not a CapabilityStatement: is this a FHIR server?", base);
		return 1;
	}
	if (!json_object_object_get_ex(body, "fhirVersion", &v) || !json_object_is_type(v, json_type_string) ||
	    strncmp(json_object_get_string(v), "4.0.", 4) != 0) {
		snprintf(warn, warnlen, "%s speaks FHIR %s, not R4 (4.0.x): resources may be refused", base,
			 v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "(version not given)");
		return 1;
	}
	return 0;
}
