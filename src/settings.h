/* Connection and mapping settings from defaults, the config file, the environment and
 * options, in that order of precedence (last wins). Core module: no curses. */
#ifndef SDSFHIR_SETTINGS_H
#define SDSFHIR_SETTINGS_H

#include <stddef.h>

#include "client.h"

struct settings {
	char *server;			/* base URL */
	char *token_file;		/* file holding a bearer token */
	int netrc;			/* 1: Basic auth from netrc */
	char *netrc_file;
	char *oauth_token_url, *oauth_client_id, *oauth_secret_file;
	char *cacert;
	int insecure;
	int no_server_state;		/* UI: do not read the server state after the scan */
	int no_mouse;			/* UI: leave the mouse to the terminal */
	long connect_timeout_ms, timeout_ms;
	int retries;
	int batch;			/* studies per push request; 0: default */
	size_t max_request;		/* push request body limit in bytes; 0: default (1 MiB) */
	char *zone, *patient_system;
	char *dicomweb;			/* base URL of the DICOMweb server holding the images, or NULL */
	char *dicomweb_netrc_file;	/* its HTTP Basic credentials: this netrc file's entry for its host */
	char *dicomweb_token_file;	/* its bearer token (else SDSFHIR_DICOMWEB_TOKEN) */
	int images;			/* push: the instances too, by STOW-RS to the DICOMweb server */
	char *config_path;		/* the config file read, or NULL */
	char warnings[1024];		/* settings_client_opts: warnings to show, one a line ("" none) */
	/* secrets loaded by settings_client_opts; wiped by settings_clear */
	char *token, *oauth_secret, *dicomweb_token;
};

/* Free what s holds (secrets are wiped first). */
void settings_clear(struct settings *s);

/* Settings given as command-line options (see settings_options.def), applied after the
 * config file and the environment by settings_resolve. */
struct settings_args {
	const char *config;		/* --config FILE, or NULL for the default file */
	size_t n;
	struct { const char *key, *value; } set[32];
};

/* If option (a long option's name) is a setting, note it with its value; 1 when it is one,
 * 0 when it is not, -1 when there are too many. Values are borrowed from argv. */
int settings_arg(struct settings_args *a, const char *option, const char *value);

/* Init s, then read the config file (a->config, or $XDG_CONFIG_HOME/sdsfhir/config,
 * ~/.config/sdsfhir/config, which need not exist), the environment (SDSFHIR_SERVER,
 * SDSFHIR_TOKEN_FILE, SDSFHIR_ZONE, SDSFHIR_PATIENT_SYSTEM, SDSFHIR_DICOMWEB, SDSFHIR_OAUTH_TOKEN_URL,
 * SDSFHIR_OAUTH_CLIENT_ID, SDSFHIR_CACERT) and a's options, in that order. Config keys
 * are the settings keys of settings_options.def plus oauth_client_secret_file; times are
 * seconds. 0, or -1 with err (a bad file, variable or value). */
int settings_resolve(struct settings *s, const struct settings_args *a, char *err, size_t errlen);

/* The zone for fhir_opts from s->zone: "local" when unset, a fixed zone as it is, and a
 * time zone name (Europe/Berlin) becomes the process's TZ, giving "local". NULL when it is
 * none of these. */
const char *settings_zone(const struct settings *s);

struct fhir_opts;
/* What of s the FHIR mapping takes into o: the patient system, the DICOMweb URL, the zone
 * (settings_zone) and whether the user chose it; the rest of o is left as it is. -1 when the
 * zone is none of those settings_zone takes. */
int settings_fhir_opts(const struct settings *s, struct fhir_opts *o);

/* Fill client options (pointing into s): the auth mode follows from what is set; a token
 * comes from --token-file/token_file, else SDSFHIR_TOKEN; an OAuth2 secret from
 * SDSFHIR_CLIENT_SECRET or oauth_client_secret_file. 0, or -1 with err (never a secret). */
int settings_client_opts(struct settings *s, struct client_opts *o, char *err, size_t errlen);

struct dicomweb_opts;
/* Fill DICOMweb options (pointing into s): the URL, its own credentials (a netrc file, or a
 * token from dicomweb_token_file, else SDSFHIR_DICOMWEB_TOKEN), and the TLS settings. 0, or -1
 * with err (no dicomweb URL set, a token file that cannot be read; never a secret). */
int settings_dicomweb_opts(struct settings *s, struct dicomweb_opts *o, char *err, size_t errlen);

/* A one-line description of the auth mode for status lines: "none", "bearer token (file)". */
const char *settings_auth_name(const struct settings *s);

#endif
