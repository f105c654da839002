#include "config.h"

#include "fhir.h"
#include "settings.h"
#include "dicomweb.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>

static void settings_init(struct settings *s)
{
	memset(s, 0, sizeof *s);
	s->retries = -1;
}

static void wipe(char **p)
{
	if (*p) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void settings_clear(struct settings *s)
{
	char **all[] = {&s->server, &s->token_file, &s->netrc_file, &s->oauth_token_url, &s->oauth_client_id,
			&s->oauth_secret_file, &s->cacert, &s->zone, &s->patient_system, &s->dicomweb, &s->config_path,
			&s->dicomweb_netrc_file, &s->dicomweb_token_file, &s->token, &s->oauth_secret, &s->dicomweb_token};
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		wipe(all[i]);
}

static int set_str(char **dst, const char *v)
{
	char *n = strdup(v);
	if (!n)
		return -1;
	free(*dst);
	*dst = n;
	return 0;
}

static int yes_no(const char *v, int *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on"))
		return *out = 1, 0;
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "off"))
		return *out = 0, 0;
	return -1;
}

static int seconds(const char *v, long *ms)
{
	char *end;
	double d = strtod(v, &end);
	if (end == v || *end || d <= 0 || d > 86400)
		return -1;
	*ms = (long)(d * 1000);
	return 0;
}

/* Is v an http or https URL with a host? *userinfo: whether it holds a user name or password. */
static int web_url(const char *v, int *userinfo)
{
	char scheme[300], host[300], port[300];
	*userinfo = 0;
	return client_url_origin(v, scheme, host, port, sizeof host, userinfo) == 0 && *host &&
	       (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0) && !strpbrk(v, " \t\r\n");
}

static int settings_set(struct settings *s, const char *key, const char *v, char *err, size_t errlen)
{
	static const struct { const char *key; size_t off; } strs[] = {
		{"server", offsetof(struct settings, server)},
		{"token_file", offsetof(struct settings, token_file)},
		{"netrc_file", offsetof(struct settings, netrc_file)},
		{"oauth_token_url", offsetof(struct settings, oauth_token_url)},
		{"oauth_client_id", offsetof(struct settings, oauth_client_id)},
		{"oauth_client_secret_file", offsetof(struct settings, oauth_secret_file)},
		{"cacert", offsetof(struct settings, cacert)},
		{"zone", offsetof(struct settings, zone)},
		{"patient_system", offsetof(struct settings, patient_system)},
		{"dicomweb", offsetof(struct settings, dicomweb)},
		{"dicomweb_netrc_file", offsetof(struct settings, dicomweb_netrc_file)},
		{"dicomweb_token_file", offsetof(struct settings, dicomweb_token_file)},
	};
	if (strcmp(key, "patient_system") == 0 && (!*v || !strchr(v, ':') || strpbrk(v, " \t|"))) {
		snprintf(err, errlen, "patient_system takes a URI, such as urn:example:patient-id: '%s'", v);
		return -1;
	}
	if (strcmp(key, "dicomweb") == 0 && strlen(v) > 1000) {
		snprintf(err, errlen, "dicomweb: a URL of %zu bytes is longer than an identifier a server searches by (1000)",
			 strlen(v));
		return -1;
	}
	int userinfo = 0;
	if (strcmp(key, "dicomweb") == 0 && (!web_url(v, &userinfo) || userinfo)) {
		if (userinfo)	/* it goes into every ImagingStudy on the FHIR server: never a secret, never shown */
			snprintf(err, errlen, "dicomweb: a URL with a user name or password is refused, since it is "
				 "written into the FHIR resources; give the DICOMweb server's URL alone");
		else
			snprintf(err, errlen, "dicomweb takes the http:// or https:// base URL of a DICOMweb server: '%.200s'", v);
		return -1;
	}
	for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
		if (strcmp(key, strs[i].key) == 0) {
			if (set_str((char **)((char *)s + strs[i].off), v) < 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			if (strcmp(key, "netrc_file") == 0)
				s->netrc = 1;
			return 0;
		}
	}
	int bad = 0;
	if (strcmp(key, "netrc") == 0)
		bad = yes_no(v, &s->netrc);
	else if (strcmp(key, "insecure") == 0)
		bad = yes_no(v, &s->insecure);
	else if (strcmp(key, "images") == 0)
		bad = yes_no(v, &s->images);
	else if (strcmp(key, "server_state") == 0 || strcmp(key, "mouse") == 0) {
		int yes = 1;
		bad = yes_no(v, &yes);
		*(key[0] == 's' ? &s->no_server_state : &s->no_mouse) = !yes;
	}
	else if (strcmp(key, "connect_timeout") == 0)
		bad = seconds(v, &s->connect_timeout_ms);
	else if (strcmp(key, "timeout") == 0)
		bad = seconds(v, &s->timeout_ms);
	else if (strcmp(key, "retries") == 0 || strcmp(key, "batch") == 0) {
		char *end;
		long n = strtol(v, &end, 10);
		int max = strcmp(key, "retries") == 0 ? 10 : 1000;
		bad = end == v || *end || n < (key[0] == 'r' ? 0 : 1) || n > max;
		if (!bad)
			*(key[0] == 'r' ? &s->retries : &s->batch) = (int)n;
	} else if (strcmp(key, "max_request") == 0) {	/* bytes, or with k or M (1024-based) */
		char *end;
		unsigned long long n = strtoull(v, &end, 10);
		unsigned long long unit = *end == 'k' || *end == 'K' ? 1024 : *end == 'm' || *end == 'M' ? 1024 * 1024 : 1;
		if (unit > 1)
			end++;
		bad = end == v || *end || v[0] == '-' || n < 1 || n > (1ull << 30) / unit || n * unit < 4096;
		if (!bad)
			s->max_request = (size_t)(n * unit);
	} else {
		snprintf(err, errlen, "unknown setting '%s'", key);
		return -1;
	}
	if (bad)
		snprintf(err, errlen, "bad value for %s: '%s'", key, v);
	return bad ? -1 : 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int settings_load_file(struct settings *s, const char *path, char *err, size_t errlen)
{
	char def[4096];
	int optional = !path;
	if (!path) {
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		if (xdg && *xdg)
			snprintf(def, sizeof def, "%s/sdsfhir/config", xdg);
		else if (home && *home)
			snprintf(def, sizeof def, "%s/.config/sdsfhir/config", home);
		else
			return 0;
		path = def;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "config file %s: %s", path, strerror(errno));
		return -1;
	}
	char line[4096];
	int n = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		n++;
		char *l = trim(line);
		if (!*l || *l == '#')
			continue;
		char *eq = strchr(l, '=');
		if (!eq) {
			snprintf(err, errlen, "config file %s, line %d: expected key = value", path, n);
			rc = -1;
			break;
		}
		*eq = '\0';
		char e[256];
		if (settings_set(s, trim(l), trim(eq + 1), e, sizeof e) < 0) {
			snprintf(err, errlen, "config file %s, line %d: %s", path, n, e);
			rc = -1;
			break;
		}
	}
	fclose(f);
	if (rc == 0)
		set_str(&s->config_path, path);
	return rc;
}

static int settings_from_env(struct settings *s, char *err, size_t errlen)
{
	static const struct { const char *env, *key; } map[] = {
		{"SDSFHIR_SERVER", "server"}, {"SDSFHIR_TOKEN_FILE", "token_file"}, {"SDSFHIR_ZONE", "zone"},
		{"SDSFHIR_PATIENT_SYSTEM", "patient_system"}, {"SDSFHIR_OAUTH_TOKEN_URL", "oauth_token_url"},
		{"SDSFHIR_OAUTH_CLIENT_ID", "oauth_client_id"}, {"SDSFHIR_CACERT", "cacert"},
		{"SDSFHIR_DICOMWEB", "dicomweb"}, {"SDSFHIR_DICOMWEB_TOKEN_FILE", "dicomweb_token_file"},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
		const char *v = getenv(map[i].env);
		char e[256];
		if (v && *v && settings_set(s, map[i].key, v, e, sizeof e) < 0) {
			snprintf(err, errlen, "%s: %s", map[i].env, e);
			return -1;
		}
	}
	return 0;
}

/* The first line of a secret file. Caller wipes and frees. */
/* Note a warning for the caller to show (the core prints nothing). */
static void warning(struct settings *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warning(struct settings *s, const char *fmt, ...)
{
	size_t used = strlen(s->warnings);
	if (used + 2 >= sizeof s->warnings)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->warnings + used, sizeof s->warnings - used, fmt, ap);
	va_end(ap);
	used = strlen(s->warnings);
	if (used + 1 < sizeof s->warnings)
		strcat(s->warnings, "\n");
}

/* Warn, as ssh does, when group or others can read a file of secrets. */
static void private_file(struct settings *s, const char *path, const char *what, const struct stat *st)
{
	if (st->st_mode & (S_IRWXG | S_IRWXO))
		warning(s, "%s file %s can be read by others: chmod 600 it", what, path);
}

static char *read_secret(struct settings *s, const char *path, const char *what, char *err, size_t errlen)
{
	char buf[16384];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s file %s: %s", what, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {	/* a FIFO or a device would hang or never end */
		snprintf(err, errlen, "%s file %s: not a regular file", what, path);
		close(fd);
		return NULL;
	}
	private_file(s, path, what, &st);
	n = st.st_size < (off_t)sizeof buf ? read(fd, buf, sizeof buf - 1) : -1;
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s file %s: %s", what, path, st.st_size >= (off_t)sizeof buf ? "too large" : strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	char *t = trim(buf);
	int control = 0;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		control |= *p < 0x20 || *p == 0x7f;
	char *out = *t && !control ? strdup(t) : NULL;
	explicit_bzero(buf, sizeof buf);
	if (control)
		snprintf(err, errlen, "%s file %s holds control characters (more than one line?): refused", what, path);
	else if (!out)
		snprintf(err, errlen, "%s file %s is empty", what, path);
	return out;
}

/* Once a secret is in memory, no core dump may carry it away. */
static void no_core_dumps(void)
{
	struct rlimit none = {0, 0};
	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Is the host of "host[:port]/..." a loopback one? */
static int loopback(const char *h)
{
	size_t n = strcspn(h, ":/");
	if (h[0] == '[')
		return strncmp(h, "[::1]", 5) == 0;
	return (n == 9 && strncmp(h, "localhost", 9) == 0) || strncmp(h, "127.", 4) == 0;
}

int settings_client_opts(struct settings *s, struct client_opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	o->server = s->server;
	o->cacert = s->cacert;
	o->insecure = s->insecure;
	o->connect_timeout_ms = s->connect_timeout_ms;
	o->timeout_ms = s->timeout_ms;
	o->retries = s->retries;
	o->auth = CLIENT_AUTH_NONE;
	s->warnings[0] = '\0';
	wipe(&s->token);
	wipe(&s->oauth_secret);
	const char *env_token = getenv("SDSFHIR_TOKEN");
	if (s->oauth_token_url || s->oauth_client_id) {
		const char *env_secret = getenv("SDSFHIR_CLIENT_SECRET");
		if (!s->oauth_token_url || !s->oauth_client_id) {
			snprintf(err, errlen, "OAuth2 needs both oauth_token_url and oauth_client_id");
			return -1;
		}
		if (s->oauth_secret_file)
			s->oauth_secret = read_secret(s, s->oauth_secret_file, "OAuth2 client secret", err, errlen);
		else if (env_secret && *env_secret)
			s->oauth_secret = strdup(env_secret);
		else
			snprintf(err, errlen, "OAuth2 needs a client secret: set SDSFHIR_CLIENT_SECRET or oauth_client_secret_file");
		if (!s->oauth_secret)
			return -1;
		o->auth = CLIENT_AUTH_OAUTH2;
		o->oauth_token_url = s->oauth_token_url;
		o->oauth_client_id = s->oauth_client_id;
		o->oauth_client_secret = s->oauth_secret;
	} else if (s->token_file || (env_token && *env_token)) {
		s->token = s->token_file ? read_secret(s, s->token_file, "token", err, errlen) : strdup(env_token);
		if (!s->token)
			return -1;
		o->auth = CLIENT_AUTH_BEARER;
		o->token = s->token;
	} else if (s->netrc) {
		o->auth = CLIENT_AUTH_NETRC;
		o->netrc_file = s->netrc_file;
		char def[4096];
		const char *home = getenv("HOME");
		const char *nf = s->netrc_file ? s->netrc_file : home && snprintf(def, sizeof def, "%s/.netrc", home) <
				 (int)sizeof def ? def : NULL;
		struct stat st;
		if (nf && stat(nf, &st) == 0)
			private_file(s, nf, "netrc", &st);
	}
	if (s->token || s->oauth_secret)
		no_core_dumps();
	const char *server = s->server ? s->server : CLIENT_DEFAULT_SERVER;
	if (o->auth != CLIENT_AUTH_NONE && strncmp(server, "http://", 7) == 0 && !loopback(server + 7))
		warning(s, "credentials go to %s over plain http: anyone on the way can read them (use https)", server);
	if (s->insecure)
		warning(s, "TLS certificates are not checked (--insecure): the server may not be who it says");
	return 0;
}

const char *settings_auth_name(const struct settings *s)
{
	if (s->oauth_token_url)
		return "OAuth2 client credentials";
	if (s->token_file)
		return "bearer token (file)";
	if (getenv("SDSFHIR_TOKEN") && *getenv("SDSFHIR_TOKEN"))
		return "bearer token (SDSFHIR_TOKEN)";
	if (s->netrc)
		return "basic (netrc)";
	return "none";
}

int settings_arg(struct settings_args *a, const char *option, const char *value)
{
	static const struct { const char *option, *key, *fixed; } map[] = {
#define SETTINGS_OPTION(option, arg, key, fixed) {option, key, fixed},
#include "settings_options.def"
#undef SETTINGS_OPTION
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
		if (strcmp(option, map[i].option) != 0)
			continue;
		if (a->n == sizeof a->set / sizeof *a->set)
			return -1;
		a->set[a->n].key = map[i].key;
		a->set[a->n++].value = map[i].fixed ? map[i].fixed : value;
		return 1;
	}
	return 0;
}

int settings_resolve(struct settings *s, const struct settings_args *a, char *err, size_t errlen)
{
	settings_init(s);
	if (settings_load_file(s, a->config, err, errlen) < 0 || settings_from_env(s, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < a->n; i++)
		if (settings_set(s, a->set[i].key, a->set[i].value, err, errlen) < 0)
			return -1;
	return 0;
}

const char *settings_zone(const struct settings *s)
{
	const char *zone = s->zone;
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

int settings_fhir_opts(const struct settings *s, struct fhir_opts *o)
{
	o->patient_system = s->patient_system;
	o->dicomweb = s->dicomweb;
	o->zone = settings_zone(s);
	o->zone_given = s->zone && *s->zone;
	return o->zone ? 0 : -1;
}

int settings_dicomweb_opts(struct settings *s, struct dicomweb_opts *o, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	if (!s->dicomweb) {
		snprintf(err, errlen, "no DICOMweb server: --dicomweb URL (or dicomweb in the config file) names it");
		return -1;
	}
	o->url = s->dicomweb;
	o->netrc_file = s->dicomweb_netrc_file;
	o->cacert = s->cacert;
	o->insecure = s->insecure;
	o->timeout_ms = s->timeout_ms;
	const char *env = getenv("SDSFHIR_DICOMWEB_TOKEN");
	if (!s->dicomweb_token && (s->dicomweb_token_file || (env && *env))) {
		s->dicomweb_token = s->dicomweb_token_file ? read_secret(s, s->dicomweb_token_file, "DICOMweb token", err, errlen)
							   : strdup(env);
		if (!s->dicomweb_token)
			return -1;
	}
	o->token = s->dicomweb_token;
	if ((o->token || o->netrc_file) && strncmp(s->dicomweb, "http://", 7) == 0 && !loopback(s->dicomweb + 7))
		warning(s, "the DICOMweb credentials go to %s over plain http: anyone on the way can read them (use https)",
			s->dicomweb);
	return 0;
}
