/* A FHIR REST client over libcurl: one connection reused, auth, time-outs, retries of
 * idempotent requests, OperationOutcome text. Core module: no curses.
 * Secrets (tokens, client secrets) never appear in errors or in the log. */
#ifndef SDSFHIR_CLIENT_H
#define SDSFHIR_CLIENT_H

#include <stddef.h>

#include <json-c/json.h>

#define CLIENT_DEFAULT_SERVER "http://localhost:8080/fhir/"

enum client_auth { CLIENT_AUTH_NONE, CLIENT_AUTH_BEARER, CLIENT_AUTH_NETRC, CLIENT_AUTH_OAUTH2 };

struct client_opts {
	const char *server;		/* base URL; NULL: CLIENT_DEFAULT_SERVER */
	int auth;			/* enum client_auth */
	const char *token;		/* bearer token (borrowed; from the environment or a file) */
	const char *netrc_file;		/* NULL: ~/.netrc */
	const char *oauth_token_url, *oauth_client_id, *oauth_client_secret;	/* client credentials */
	const char *cacert;		/* CA bundle for TLS; NULL: the system's */
	int insecure;			/* 1: do not verify TLS certificates (only when asked) */
	long connect_timeout_ms, timeout_ms;	/* 0: 10 s and 60 s */
	int retries;			/* retries of idempotent requests; -1: 3 */
	long retry_wait_max_ms;		/* cap on a Retry-After or back-off wait; 0: 30 s */
	/* Called after each HTTP exchange: method, URL (no secrets), status (0 when none), ms, and
	 * the OperationOutcome text or transport error (NULL when none). May be NULL. */
	void (*log)(void *ctx, const char *method, const char *url, long status, long ms, const char *text);
	void *ctx;
	volatile int *cancel;		/* when set non-zero, the request in flight is aborted and
					   no new request or retry starts */
};

enum client_status {
	CLIENT_OK = 0,
	CLIENT_ERR_HTTP,	/* the server answered with an error status; see response */
	CLIENT_ERR_AUTH,	/* 401 or 403, or no token could be had */
	CLIENT_ERR_UNREACHABLE,	/* connection refused, DNS, TLS, time-out */
	CLIENT_ERR_CANCELLED,	/* cancel was set */
	CLIENT_ERR_LOCAL	/* out of memory, bad URL, bad options */
};

struct client_response {
	long status;		/* HTTP status, 0 when none */
	json_object *body;	/* parsed JSON body or NULL; owned, freed by client_response_clear */
	char etag[128];		/* ETag header, "" when none */
	char location[1024];	/* Location or Content-Location header, "" when none */
	int attempts;		/* requests made, retries included */
	int unknown;		/* a write that may have been carried out though its answer never came
				   (a time-out, a stall, a cancel or a dropped connection after its body
				   was sent): only reading the server tells */
};

struct client;

/* A client for opts (copied). NULL with err on failure. Caller frees with client_free. */
struct client *client_new(const struct client_opts *opts, char *err, size_t errlen);
void client_free(struct client **c);

/* Replace the log callback (and its context) of opts. */
void client_set_log(struct client *c, void (*log)(void *ctx, const char *method, const char *url, long status,
						  long ms, const char *text), void *ctx);

/* The base URL, ending in '/'. Borrowed. */
/* The scheme, host and port of url (the port made explicit; curl's URL parser), each into a
 * buffer of len bytes, and whether it holds user-info. 0, or -1 when it cannot be parsed. */
int client_url_origin(const char *url, char *scheme, char *host, char *port, size_t len, int *userinfo);

const char *client_base(const struct client *c);

/* The server's host[:port], for people. Borrowed. */
const char *client_host(const struct client *c);

/* Replace the cancel flag of opts: when it is set, the request in flight is aborted at once
 * (libcurl's progress callback) and no retry follows. */
void client_set_cancel(struct client *c, volatile int *cancel);

/* How long the request in flight has been out, in ms; 0 when none. Safe from another thread. */
long client_waiting_ms(const struct client *c);

/* Send a request. path is relative to the base ("Patient?name=x") or an absolute URL
 * under the base (a next link). body may be NULL (borrowed). if_match and if_none_exist
 * may be NULL. idempotent: may be retried on 5xx, 429 and time-outs.
 * Returns a client_status; resp is filled in all cases (clear it afterwards); err holds a
 * one-line reason on failure: "cannot reach <server>: <reason>", "HTTP 400: <OperationOutcome>". */
int client_request(struct client *c, const char *method, const char *path, json_object *body,
		   const char *if_match, const char *if_none_exist, int idempotent,
		   struct client_response *resp, char *err, size_t errlen);
void client_response_clear(struct client_response *resp);

/* Read /metadata once: 0 when it is a CapabilityStatement of FHIR 4.0.x; 1 with a warning
 * in warn for another version; <0 (a client_status, negated) when it could not be read. */
int client_check_metadata(struct client *c, char *warn, size_t warnlen);

/* The verdict on a /metadata reply body: 0 for a CapabilityStatement of FHIR 4.0.x, 1 with
 * a warning otherwise (base names the server in it). */
int client_metadata_verdict(json_object *body, const char *base, char *warn, size_t warnlen);

/* A Retry-After value in seconds: delay-seconds or an HTTP-date, saturated at 300; -1 when it
 * is neither. */
long client_retry_after(const char *value);

/* The diagnostics of an OperationOutcome (all issues, "; "-joined) into buf; "" when o is
 * not one. Returns buf. */
const char *client_outcome_text(json_object *o, char *buf, size_t len);

#endif
