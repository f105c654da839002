#include "config.h"

#include "cache.h"
#include "dataset.h"
#include "intern.h"
#include "sds_meta.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEPTH 32		/* folder levels below a sample folder */

struct filter {			/* which part of a dataset an input asked for */
	char *subject;		/* NULL: the whole dataset */
	char *sample;		/* NULL: the whole subject */
};

struct dsin {			/* one dataset named by the inputs */
	char *path;		/* realpath */
	struct filter *filters;
	size_t nfilters;
	int whole;
};

struct filemeta {		/* of each file to read: 32 bytes */
	uint64_t stamp;		/* cache_stamp() of its size, times and inode (when later is 0) */
	uint64_t cached;	/* hit: the stamp the scan cache has for it; it counts only if equal */
	uint32_t msg;		/* its error, skip reason or warning */
	int16_t staterr;	/* later STAT_FAILED: the errno */
	int8_t status;		/* enum dicom_status, once read; -1 before */
	uint8_t hit;		/* taken from the scan cache (see cached) */
	uint8_t later;		/* enum stat_later: a regular file by its folder entry is stat'ed by the
				   stat threads (stat_files) while the cache is read */
};

enum stat_later { STAT_DONE, STAT_LATER, STAT_FAILED, STAT_SPECIAL };

struct dscache {		/* the scan cache of one dataset */
	struct dataset_node *ds;
	long entries;		/* in the cache file; -1: none, or not trusted */
	size_t first, last;	/* its files: s->files[first .. last) */
};

struct scan {
	struct dataset_tree *tree;
	struct dataset_node **files;	/* every file to read */
	struct filemeta *meta;		/* parallel to files */
	size_t nfiles, capfiles;
	struct dscache *caches;
	size_t ncaches;
	atomic_size_t cached;
	atomic_size_t next, done;
	atomic_size_t next_stat;	/* stat_files' next file */
	pthread_mutex_t lock;
	const struct dataset_scan_opts *opts;
	int oom;
	volatile int nodict;		/* the DICOM dictionary could not be loaded: the scan stops */
	uint32_t **shared;		/* open-addressing set of the instances' tag arrays (share_tags) */
	size_t nshared, capshared;
	atomic_long outlined_ms;	/* when the last outline was published */
	atomic_long outline_gap_ms;	/* between outlines: 200 ms, or 10 times the last one's cost */
};

static void outline_maybe(struct scan *s);

static int cancelled(const struct scan *s)
{
	return s->nodict || (s->opts && s->opts->cancel && *s->opts->cancel);
}

/* The DICOM dictionary, loaded by the first file not found in the scan cache (a dataset
 * reopened unchanged needs none; loading it costs about 30 ms). */
static pthread_once_t dict_once = PTHREAD_ONCE_INIT;
static int dict_status;
static char dict_err[512];

static void dict_load(void)
{
	dict_status = dicom_init(dict_err, sizeof dict_err);
}

struct ancestor {		/* folders above the one being walked, for loop detection */
	const struct ancestor *up;
	dev_t dev;
	ino_t ino;
};

const char *dataset_kind_name(int kind)
{
	static const char *const names[] = {"root", "dataset", "subject", "study", "series",
					    "instance", "file", "metadata"};
	return kind >= 0 && kind <= DATASET_META ? names[kind] : "?";
}

static const char *str(struct scan *s, const char *text)
{
	uint32_t id = intern_add(s->tree->pool, text);
	if (!id) {
		s->oom = 1;
		return "";
	}
	return intern_get(s->tree->pool, id);
}

static void msg(struct scan *s, struct dataset_node *n, int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	struct dataset_msg *m = intern_alloc(s->tree->pool, sizeof *m);
	if (!m) {
		s->oom = 1;
		return;
	}
	m->level = level;
	m->text = str(s, buf);
	struct dataset_msg **tail = &n->msgs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = m;
	if (level == DATASET_ERROR)
		n->flags |= DATASET_NODE_ERROR;
}

static struct dataset_node *node(struct scan *s, struct dataset_node *parent, int kind, const char *name)
{
	struct dataset_node *n = intern_alloc(s->tree->pool, sizeof *n);
	if (!n) {
		s->oom = 1;
		return NULL;
	}
	n->kind = (uint8_t)kind;
	n->name = str(s, name);
	n->parent = parent;
	if (parent) {		/* prepend; children are sorted at the end */
		n->next = parent->child;
		parent->child = n;
	}
	return n;
}

int dataset_natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t la = 0, lb = 0;
			while (isdigit((unsigned char)a[la]))
				la++;
			while (isdigit((unsigned char)b[lb]))
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = strncmp(a, b, la);
			if (c)
				return c;
			a += la;
			b += lb;
		} else {
			if (*a != *b)
				return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
			a++;
			b++;
		}
	}
	return *a ? 1 : *b ? -1 : 0;
}

uint32_t dataset_tag_id(const struct dataset_node *n, enum dicom_tag t)
{
	if (!n || !n->tags || (int)t < 0 || t >= DICOM_TAG_COUNT)
		return 0;
	return t == DICOM_SOP_INSTANCE_UID ? n->sop : t == DICOM_INSTANCE_NUMBER ? n->number : n->tags[t];
}

const char *dataset_tag(const struct dataset_tree *tree, const struct dataset_node *n, enum dicom_tag t)
{
	uint32_t id = dataset_tag_id(n, t);
	return id ? intern_get(tree->pool, id) : NULL;
}

struct dataset_node *dataset_ancestor(const struct dataset_node *n, enum dataset_kind kind)
{
	for (; n; n = n->parent)
		if (n->kind == kind)
			return (struct dataset_node *)n;
	return NULL;
}

const struct dataset_node *dataset_middle_instance(const struct dataset_node *series)
{
	size_t n = 0;	/* the scan keeps a series' instances in Instance Number order (finish) */
	const struct dataset_node **all = series ? dataset_collect(series, DATASET_INSTANCE, &n) : NULL;
	const struct dataset_node *mid = all && n ? all[(n - 1) / 2] : NULL;
	free(all);
	return mid;
}

const struct dataset_node *dataset_study_of(const struct dataset_node *n)
{
	const struct dataset_node *st = n ? dataset_ancestor(n, DATASET_STUDY) : NULL;
	if (st || !n || n->kind != DATASET_SUBJECT)
		return st;
	const struct dataset_node *only = NULL;
	for (const struct dataset_node *c = n->child; c; c = c->next) {
		if (c->kind == DATASET_STUDY) {
			if (only)
				return NULL;
			only = c;
		}
	}
	return only;
}

const char *dataset_where(const struct dataset_node *n, char *buf, size_t len)
{
	const struct dataset_node *ds = dataset_ancestor(n, DATASET_DATASET);
	const struct dataset_node *sub = dataset_ancestor(n, DATASET_SUBJECT);
	if (!ds && !sub && n->kind == DATASET_FILE)	/* a path given on the command line: as given */
		snprintf(buf, len, "%s", n->name);
	else if (n->kind == DATASET_STUDY || n->kind == DATASET_SERIES || n->kind == DATASET_INSTANCE ||
		 n->kind == DATASET_FILE)
		snprintf(buf, len, "%s%s%s%s%s", ds ? ds->name : "", ds ? "/" : "", sub ? sub->name : n->name,
			 n->kind == DATASET_STUDY || !sub ? "" : "/",
			 n->kind == DATASET_STUDY || !sub ? "" : n->name);
	else
		snprintf(buf, len, "%s", n->kind == DATASET_DATASET ? n->name : n->path ? n->path : n->name);
	if (n->kind == DATASET_SERIES && !*n->name)
		snprintf(buf + strlen(buf), len - strlen(buf), "(no sample)");
	return buf;
}

static void collect(const struct dataset_node *n, enum dataset_kind kind, const struct dataset_node **out, size_t *k)
{
	if (n->kind == kind) {
		if (out)
			out[*k] = n;
		(*k)++;
		return;
	}
	for (const struct dataset_node *c = n->child; c; c = c->next)
		collect(c, kind, out, k);
}

const struct dataset_node **dataset_collect(const struct dataset_node *n, enum dataset_kind kind, size_t *count)
{
	size_t k = 0;
	collect(n, kind, NULL, &k);
	const struct dataset_node **out = k ? malloc(k * sizeof *out) : NULL;
	*count = 0;
	if (out)
		collect(n, kind, out, count);
	return out;
}

struct sds_table *dataset_meta(const struct dataset_node *n, const char *prefix, char *name, size_t len)
{
	const struct dataset_node *ds = dataset_ancestor(n, DATASET_DATASET);
	for (const struct dataset_node *c = ds ? ds->child : NULL; c; c = c->next) {
		char path[PATH_MAX], err[512];
		if (c->kind != DATASET_META || strncasecmp(c->name, prefix, strlen(prefix)) != 0 ||
		    dataset_node_path(c, path, sizeof path) < 0)
			continue;
		struct sds_table *t = sds_meta_read(path, err, sizeof err);
		if (t) {
			snprintf(name, len, "%s", c->name);
			return t;
		}
	}
	return NULL;
}

const struct sds_table *dataset_meta_cached(struct dataset_meta_cache *c, const struct dataset_node *n,
					    const char *prefix)
{
	const struct dataset_node *ds = dataset_ancestor(n, DATASET_DATASET);
	if (c->ds != ds) {
		dataset_meta_cache_clear(c);
		c->table = ds ? dataset_meta(ds, prefix, c->file, sizeof c->file) : NULL;
		c->ds = ds;
	}
	return c->table;
}

void dataset_meta_cache_clear(struct dataset_meta_cache *c)
{
	sds_meta_free(&c->table);
	c->file[0] = '\0';
	c->ds = NULL;
}

const char *dataset_first_msg(const struct dataset_node *n, int level)
{
	for (const struct dataset_msg *m = n->msgs; m; m = m->next)
		if (m->level == level)
			return m->text;
	return NULL;
}

int dataset_node_path(const struct dataset_node *n, char *buf, size_t len)
{
	const struct dataset_node *ds = dataset_ancestor(n, DATASET_DATASET);
	const struct dataset_node *sub = dataset_ancestor(n, DATASET_SUBJECT);
	int r;
	if (!ds)
		r = n->kind == DATASET_FILE ? snprintf(buf, len, "%s", n->name) : -1;
	else if (n->kind == DATASET_DATASET)
		r = snprintf(buf, len, "%s", ds->path);
	else if (n->kind == DATASET_SUBJECT)
		r = snprintf(buf, len, "%s/primary/%s", ds->path, sub->name);
	else if ((n->kind == DATASET_INSTANCE || n->kind == DATASET_FILE) && sub)
		r = snprintf(buf, len, "%s/primary/%s/%s", ds->path, sub->name, n->name);
	else if (n->kind == DATASET_FILE || n->kind == DATASET_META)
		r = snprintf(buf, len, "%s/%s", ds->path, n->name);
	else
		r = -1;
	return r < 0 || (size_t)r >= len ? -1 : 0;
}

/* ---- inputs ---- */

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int has_primary(const char *path)
{
	char p[PATH_MAX];
	return snprintf(p, sizeof p, "%s/primary", path) < (int)sizeof p && is_dir(p);
}

static const char *base(const char *path)
{
	const char *b = strrchr(path, '/');
	return b && b[1] ? b + 1 : path;
}

static char *dirname_dup(const char *path)
{
	const char *b = strrchr(path, '/');
	if (!b)
		return strdup(".");
	if (b == path)
		return strdup("/");
	return strndup(path, (size_t)(b - path));
}

static struct dsin *dsin_get(struct dsin **list, size_t *n, const char *path)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i].path, path) == 0)
			return &(*list)[i];
	struct dsin *l = realloc(*list, (*n + 1) * sizeof *l);
	if (!l)
		return NULL;
	*list = l;
	struct dsin *d = &l[(*n)++];
	memset(d, 0, sizeof *d);
	d->path = strdup(path);
	return d->path ? d : NULL;
}

static int dsin_filter(struct dsin *d, const char *subject, const char *sample)
{
	if (!subject) {
		d->whole = 1;
		return 0;
	}
	struct filter *f = realloc(d->filters, (d->nfilters + 1) * sizeof *f);
	if (!f)
		return -1;
	d->filters = f;
	f[d->nfilters].subject = strdup(subject);
	f[d->nfilters].sample = sample ? strdup(sample) : NULL;
	d->nfilters++;
	return 0;
}

/* Does the dataset's filter take this subject (and, if sample is not NULL, this sample)? */
static int wanted(const struct dsin *d, const char *subject, const char *sample)
{
	if (d->whole)
		return 1;
	for (size_t i = 0; i < d->nfilters; i++) {
		if (strcmp(d->filters[i].subject, subject) != 0)
			continue;
		if (!sample || !d->filters[i].sample || strcmp(d->filters[i].sample, sample) == 0)
			return 1;
	}
	return 0;
}

/* input as people expect to read it: no repeated or trailing '/' (the root stays "/"). */
static void normalise(const char *input, char *out, size_t len)
{
	size_t k = 0;
	for (const char *p = input; *p && k + 1 < len; p++)
		if (!(*p == '/' && k > 0 && out[k - 1] == '/'))
			out[k++] = *p;
	while (k > 1 && out[k - 1] == '/')
		k--;
	out[k] = '\0';
}

static void input_error(struct scan *s, const char *raw, const char *fmt, ...)
{
	char input[PATH_MAX];
	normalise(raw, input, sizeof input);
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	struct dataset_node *n = node(s, s->tree->root, DATASET_FILE, input);
	if (n)
		msg(s, n, DATASET_ERROR, "%s", buf);
}

/* Work out which dataset (and which part of it) an input path names. */
static void classify(struct scan *s, const char *input, struct dsin **list, size_t *n)
{
	char real[PATH_MAX];
	struct stat st;
	if (stat(input, &st) != 0) {
		input_error(s, input, "%s", strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		input_error(s, input, "not a folder: give a dataset, primary/, subject or sample folder");
		return;
	}
	if (!realpath(input, real)) {
		input_error(s, input, "%s", strerror(errno));
		return;
	}
	char *parent = dirname_dup(real), *grand = parent ? dirname_dup(parent) : NULL;
	char *great = grand ? dirname_dup(grand) : NULL;
	struct dsin *d = NULL;
	int bad = !great;
	if (bad) {
		s->oom = 1;
	} else if (has_primary(real)) {
		bad = !(d = dsin_get(list, n, real)) || dsin_filter(d, NULL, NULL);
	} else if (strcmp(base(real), "primary") == 0) {
		bad = !(d = dsin_get(list, n, parent)) || dsin_filter(d, NULL, NULL);
	} else if (strcmp(base(parent), "primary") == 0) {
		bad = !(d = dsin_get(list, n, grand)) || dsin_filter(d, base(real), NULL);
	} else if (strcmp(base(grand), "primary") == 0) {
		bad = !(d = dsin_get(list, n, great)) || dsin_filter(d, base(parent), base(real));
	} else {
		DIR *dir = opendir(real);
		int found = 0;
		struct dirent *e;
		char **names = NULL;
		size_t nn = 0;
		while (dir && (e = readdir(dir))) {
			char p[PATH_MAX];
			if (e->d_name[0] == '.' ||
			    snprintf(p, sizeof p, "%s/%s", real, e->d_name) >= (int)sizeof p || !has_primary(p))
				continue;
			char **nl = realloc(names, (nn + 1) * sizeof *nl);
			if (!nl || !(nl[nn] = strdup(p))) {
				free(nl ? nl : names);
				names = NULL;
				nn = 0;
				s->oom = 1;
				break;
			}
			names = nl;
			nn++;
		}
		if (dir)
			closedir(dir);
		for (size_t i = 0; i < nn; i++) {
			if ((d = dsin_get(list, n, names[i])) && dsin_filter(d, NULL, NULL) == 0)
				found++;
			free(names[i]);
		}
		free(names);
		if (!dir)
			input_error(s, input, "cannot open folder: %s", strerror(errno));
		else if (!found)
			input_error(s, input, "not an SDS dataset: no primary/ folder in it or in its "
				    "sub-folders, and it is not a primary/, subject or sample folder");
	}
	if (bad && !s->oom)
		s->oom = 1;
	free(parent);
	free(grand);
	free(great);
}

/* ---- walking ---- */

/* The cache stamp of a file's status. */
static uint64_t stamp_of(const struct stat *st)
{
	return cache_stamp((uint64_t)st->st_size, (uint64_t)st->st_ino,
			   (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
			   (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec);
}

/* Add file n to the files to read; st NULL: a regular file by its folder entry, stat'ed later. */
static int add_file(struct scan *s, struct dataset_node *n, const struct stat *st)
{
	if (s->nfiles == s->capfiles) {
		size_t cap = s->capfiles ? s->capfiles * 2 : 1024;
		struct dataset_node **f = realloc(s->files, cap * sizeof *f);
		if (f)
			s->files = f;
		struct filemeta *m = f ? realloc(s->meta, cap * sizeof *m) : NULL;
		if (!m) {
			s->oom = 1;
			return -1;
		}
		s->meta = m;
		s->capfiles = cap;
	}
	s->meta[s->nfiles] = (struct filemeta){st ? stamp_of(st) : 0, 0, 0, 0, -1, 0, st ? STAT_DONE : STAT_LATER};
	s->files[s->nfiles++] = n;
	if (n->parent)
		n->parent->nchildren++;	/* files found, for the outline; finish() recounts */
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return dataset_natcmp(*(char *const *)a, *(char *const *)b);
}

/* The d_type of a name from list_dir (DT_UNKNOWN where the file system does not say). */
static unsigned char entry_type(const char *name)
{
	return (unsigned char)name[-1];
}

static void free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i] - 1);
	free(names);
}

/* The entries of a folder, without . and .., in natural order, each with its d_type in the
 * byte before it (entry_type). Caller frees them with free_list. */
static char **list_dir(const char *path, size_t *count, int *err)
{
	DIR *d = opendir(path);
	*count = 0;
	*err = 0;
	if (!d) {
		*err = errno;
		return NULL;
	}
	char **names = NULL;
	size_t cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (*count == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn)
				goto oom;
			names = nn;
		}
		size_t len = strlen(e->d_name);
		char *t = malloc(len + 2);
		if (!t)
			goto oom;
		t[0] = (char)e->d_type;	/* kept before the name: entry_type() */
		memcpy(t + 1, e->d_name, len + 1);
		names[(*count)++] = t + 1;
	}
	closedir(d);
	if (*count > 1)
		qsort(names, *count, sizeof *names, cmp_str);
	return names;
oom:
	closedir(d);
	free_list(names, *count);
	*count = 0;
	*err = ENOMEM;
	return NULL;
}

static int looped(const struct ancestor *up, const struct stat *st)
{
	for (; up; up = up->up)
		if (up->dev == st->st_dev && up->ino == st->st_ino)
			return 1;
	return 0;
}

/* a, '/' and b into out (cap bytes; just b when a is ""): its length, or -1 when it does not fit.
 * (snprintf was a quarter of the time of reopening a dataset from the cache.) */
static int join(char *out, size_t cap, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = la ? la + 1 + lb : lb;
	if (n >= cap)
		return -1;
	if (la) {
		memcpy(out, a, la);
		out[la] = '/';
	}
	memcpy(out + (la ? la + 1 : 0), b, lb + 1);
	return (int)n;
}

/* Walk a folder below a subject (a sample, or deeper); files become pending nodes of subject. */
static void walk(struct scan *s, struct dataset_node *subject, const char *dir, const char *rel,
		 const struct ancestor *up, int depth)
{
	size_t n;
	int err;
	char **names = list_dir(dir, &n, &err);
	if (!names && err) {
		struct dataset_node *f = node(s, subject, DATASET_FILE, rel);
		if (f)
			msg(s, f, DATASET_ERROR, "cannot read folder: %s", strerror(err));
		return;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);	/* stat by name in it: no path lookup per file */
	for (size_t i = 0; i < n && !s->oom && !cancelled(s); i++) {
		char path[PATH_MAX], r[PATH_MAX];
		struct stat st;
		if (join(path, sizeof path, dir, names[i]) < 0 || join(r, sizeof r, rel, names[i]) < 0) {
			struct dataset_node *f = node(s, subject, DATASET_FILE, names[i]);
			if (f)
				msg(s, f, DATASET_ERROR, "path longer than %d bytes: not read", PATH_MAX);
			continue;
		}
		if (entry_type(names[i]) == DT_REG) {	/* stat'ed by a reader, in parallel (add_file) */
			struct dataset_node *f = node(s, subject, DATASET_FILE, r);
			if (f)
				add_file(s, f, NULL);
			continue;
		}
		if ((dfd >= 0 ? fstatat(dfd, names[i], &st, 0) : stat(path, &st)) != 0) {
			struct dataset_node *f = node(s, subject, DATASET_FILE, r);
			int e = errno;
			struct stat lst;
			if (f && (dfd >= 0 ? fstatat(dfd, names[i], &lst, AT_SYMLINK_NOFOLLOW) : lstat(path, &lst)) == 0 &&
			    S_ISLNK(lst.st_mode))
				msg(s, f, DATASET_ERROR, e == ELOOP ? "symbolic link loop" :
				    "broken symbolic link: %s", strerror(e));
			else if (f)
				msg(s, f, DATASET_ERROR, "%s", strerror(e));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			struct ancestor a = {up, st.st_dev, st.st_ino};
			if (looped(up, &st)) {
				struct dataset_node *f = node(s, subject, DATASET_FILE, r);
				if (f)
					msg(s, f, DATASET_ERROR, "symbolic link loop: leads back to a folder above it");
			} else if (depth >= MAX_DEPTH) {
				struct dataset_node *f = node(s, subject, DATASET_FILE, r);
				if (f)
					msg(s, f, DATASET_ERROR, "folders nested deeper than %d levels: not read", MAX_DEPTH);
			} else {
				walk(s, subject, path, r, &a, depth + 1);
			}
		} else if (S_ISREG(st.st_mode)) {
			struct dataset_node *f = node(s, subject, DATASET_FILE, r);
			if (f)
				add_file(s, f, &st);
		} else {
			struct dataset_node *f = node(s, subject, DATASET_FILE, r);
			if (f) {
				msg(s, f, DATASET_WARNING, "not a regular file: ignored");
				f->flags |= DATASET_NODE_SKIPPED;
			}
		}
	}
	if (dfd >= 0)
		close(dfd);
	free_list(names, n);
}

static int is_meta_name(const char *name)
{
	static const char *const prefixes[] = {"dataset_description.", "subjects.", "samples."};
	for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
		if (strncasecmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* Is (subject, sample) a row of the samples table? Without a subject id column, the sample id alone. */
static int sample_listed(const struct sds_table *t, const char *subject, const char *sample)
{
	int cs = sds_meta_column(t, "sample id"), cu = sds_meta_column(t, "subject id");
	for (size_t r = 0; r < t->nrows; r++)
		if (strcmp(t->cells[r * t->ncols + (size_t)cs], sample) == 0 &&
		    (cu < 0 || strcmp(t->cells[r * t->ncols + (size_t)cu], subject) == 0))
			return 1;
	return 0;
}


/* The SDS 3 level a folder in primary/ named name is, when it is not a subject's: "pool"
 * (pool-, a pool of subjects), "performance" (perf-) or "site" (site-); else NULL. */
static const char *sds_level(const char *name)
{
	static const char *const levels[][2] = {{"pool-", "pool"}, {"perf-", "performance"}, {"site-", "site"}};
	for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
		if (!strncmp(name, levels[i][0], strlen(levels[i][0])))
			return levels[i][1];
	return NULL;
}

/* Warn about the samples table's rows of this subject that have no folder. */
static void missing_samples(struct scan *s, struct dataset_node *sub, const struct sds_table *t, const char *file,
			    const char *subject_dir)
{
	int cs = sds_meta_column(t, "sample id"), cu = sds_meta_column(t, "subject id");
	if (cu < 0)
		return;
	for (size_t r = 0; r < t->nrows; r++) {
		const char *id = t->cells[r * t->ncols + (size_t)cs];
		if (!*id || strcmp(t->cells[r * t->ncols + (size_t)cu], sub->name) != 0)
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", subject_dir, id);
		if (!is_dir(p))
			msg(s, sub, DATASET_WARNING, "%s lists sample %s, which has no folder here", file, id);
	}
}

static void scan_dataset(struct scan *s, const struct dsin *in)
{
	struct dataset_node *ds = node(s, s->tree->root, DATASET_DATASET, base(in->path));
	if (!ds)
		return;
	ds->path = str(s, in->path);
	if (s->opts && s->opts->cache_dir) {	/* read once the walk has found the files (apply_cache) */
		struct dscache *c = realloc(s->caches, (s->ncaches + 1) * sizeof *c);
		if (c) {
			s->caches = c;
			c[s->ncaches].ds = ds;
			c[s->ncaches].entries = -1;
			s->ncaches++;
		}
	}
	size_t n;
	int err;
	char **names = list_dir(in->path, &n, &err);
	for (size_t i = 0; i < n; i++)
		if (is_meta_name(names[i]))
			node(s, ds, DATASET_META, names[i]);
	free_list(names, n);

	struct sds_table *subjects = NULL, *samples_tab = NULL;
	const char *subjects_name = NULL, *samples_name = NULL;
	for (struct dataset_node *c = ds->child; c; c = c->next) {
		int is_sub = strncasecmp(c->name, "subjects.", 9) == 0, is_sam = strncasecmp(c->name, "samples.", 8) == 0;
		if (c->kind != DATASET_META || (!is_sub && !is_sam) || (is_sub ? subjects != NULL : samples_tab != NULL))
			continue;
		char p[PATH_MAX], e[600];
		snprintf(p, sizeof p, "%s/%s", in->path, c->name);
		struct sds_table *t = sds_meta_read(p, e, sizeof e);
		if (!t) {
			msg(s, c, DATASET_WARNING, "%s", e);
		} else if (sds_meta_column(t, is_sub ? "subject id" : "sample id") < 0) {
			msg(s, c, DATASET_WARNING, "no '%s' column: not checked against the folders",
			    is_sub ? "subject id" : "sample id");
			sds_meta_free(&t);
		} else if (is_sub) {
			subjects = t;
			subjects_name = c->name;
		} else {
			samples_tab = t;
			samples_name = c->name;
		}
	}

	char primary[PATH_MAX];
	snprintf(primary, sizeof primary, "%s/primary", in->path);
	struct stat pst;
	if (stat(primary, &pst) != 0) {
		msg(s, ds, DATASET_ERROR, "cannot read primary/: %s", strerror(errno));
		return;
	}
	struct ancestor top = {NULL, pst.st_dev, pst.st_ino};
	names = list_dir(primary, &n, &err);
	if (!names && err) {
		msg(s, ds, DATASET_ERROR, "cannot read primary/: %s", strerror(err));
		return;
	}
	size_t nsub = 0;
	for (size_t i = 0; i < n && !s->oom; i++) {
		char path[PATH_MAX];
		struct stat st;
		if (!wanted(in, names[i], NULL))
			continue;
		if (snprintf(path, sizeof path, "%s/%s", primary, names[i]) >= (int)sizeof path)
			continue;
		if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
			struct dataset_node *f = node(s, ds, DATASET_FILE, names[i]);
			if (f) {
				msg(s, f, DATASET_WARNING, "in primary/ but not a subject folder: ignored");
				f->flags |= DATASET_NODE_SKIPPED;
			}
			continue;
		}
		const char *level = sds_level(names[i]);
		if (level) {	/* SDS 3: not one person's; a subject's would be a Patient of no one */
			struct dataset_node *f = node(s, ds, DATASET_FILE, names[i]);
			if (f) {
				msg(s, f, DATASET_WARNING, "an SDS %s folder: not read (sdsfhir describes subjects, sub-, "
				    "and their samples); nothing in it is pushed", level);
				f->flags |= DATASET_NODE_SKIPPED;
			}
			continue;
		}
		struct dataset_node *sub = node(s, ds, DATASET_SUBJECT, names[i]);
		if (!sub)
			break;
		nsub++;
		if (strncmp(names[i], "sub-", 4) != 0)
			msg(s, sub, DATASET_WARNING, "subject folder name does not start with 'sub-' (SDS)");
		if (subjects && !sds_meta_lookup(subjects, "subject id", names[i], "subject id"))
			msg(s, sub, DATASET_WARNING, "not listed in %s", subjects_name);
		struct ancestor a = {&top, st.st_dev, st.st_ino};
		size_t m;
		char **samples = list_dir(path, &m, &err);
		if (!samples && err) {
			msg(s, sub, DATASET_ERROR, "cannot read subject folder: %s", strerror(err));
			continue;
		}
		if (samples_tab && in->whole)	/* rows of this subject without a folder */
			missing_samples(s, sub, samples_tab, samples_name, path);
		for (size_t j = 0; j < m && !s->oom; j++) {
			char sp[PATH_MAX];
			struct stat sst;
			if (snprintf(sp, sizeof sp, "%s/%s", path, samples[j]) >= (int)sizeof sp)
				continue;
			int dir = stat(sp, &sst) == 0 && S_ISDIR(sst.st_mode);
			if (!wanted(in, names[i], dir ? samples[j] : ""))
				continue;
			if (dir && samples_tab && !sample_listed(samples_tab, names[i], samples[j]))
				msg(s, sub, DATASET_WARNING, "sample folder %s is not listed in %s", samples[j], samples_name);
			if (dir) {
				struct ancestor b = {&a, sst.st_dev, sst.st_ino};
				if (looped(&a, &sst)) {
					struct dataset_node *f = node(s, sub, DATASET_FILE, samples[j]);
					if (f)
						msg(s, f, DATASET_ERROR, "symbolic link loop: leads back to a folder above it");
				} else {
					walk(s, sub, sp, samples[j], &b, 1);
				}
			} else {
				/* files straight in the subject folder: read them, outside any sample */
				char one[PATH_MAX];
				snprintf(one, sizeof one, "%s", samples[j]);
				struct dataset_node *f = node(s, sub, DATASET_FILE, one);
				int gone = stat(sp, &sst) != 0 ? errno : 0;
				if (f && !gone && S_ISREG(sst.st_mode)) {
					add_file(s, f, &sst);
				} else if (f && !gone) {	/* a FIFO, a device, a socket */
					msg(s, f, DATASET_WARNING, "not a regular file: ignored");
					f->flags |= DATASET_NODE_SKIPPED;
				} else if (f) {
					msg(s, f, DATASET_ERROR, "%s", strerror(gone));
				}
			}
			outline_maybe(s);
		}
		free_list(samples, m);
	}
	if (subjects && in->whole) {	/* rows without a folder */
		int col = sds_meta_column(subjects, "subject id");
		for (size_t r = 0; r < subjects->nrows; r++) {
			const char *id = subjects->cells[r * subjects->ncols + (size_t)col];
			int found = 0;
			for (size_t k = 0; k < n && !found; k++)
				found = strcmp(names[k], id) == 0;
			if (*id && !found)
				msg(s, ds, DATASET_WARNING, "%s lists subject %s, which has no folder in primary/", subjects_name, id);
		}
	}
	sds_meta_free(&subjects);
	sds_meta_free(&samples_tab);
	free_list(names, n);
	if (!nsub && in->whole)
		msg(s, ds, DATASET_WARNING, "primary/ holds no subject folders");
	else if (!nsub)
		msg(s, ds, DATASET_ERROR, "the subject or sample folder named on the command line was not found");
}

/* ---- reading ---- */

static uint64_t tags_hash(const uint32_t *tags)
{
	uint64_t h = 14695981039346656037ull;	/* FNV-1a over the ids */
	for (int t = 0; t < DICOM_TAG_COUNT; t++)
		h = (h ^ tags[t]) * 1099511628211ull;
	return h;
}

/* File f read as full (DICOM_TAG_COUNT string ids): its SOPInstanceUID and InstanceNumber go
 * into f->sop and f->number, and the rest into a tag array shared with every file whose other
 * values are the same (a series' instances mostly differ in those two only): 116 bytes an
 * instance saved. Under s->lock when readers run. NULL when out of memory. */
static uint32_t *share_tags(struct scan *s, struct dataset_node *f, const uint32_t *full)
{
	uint32_t rest[DICOM_TAG_COUNT];
	memcpy(rest, full, sizeof rest);
	f->sop = rest[DICOM_SOP_INSTANCE_UID];
	f->number = rest[DICOM_INSTANCE_NUMBER];
	rest[DICOM_SOP_INSTANCE_UID] = rest[DICOM_INSTANCE_NUMBER] = 0;
	if (s->nshared * 2 >= s->capshared) {	/* at most half full */
		size_t cap = s->capshared ? s->capshared * 2 : 256;
		uint32_t **t = calloc(cap, sizeof *t);
		if (!t)
			return NULL;
		for (size_t i = 0; i < s->capshared; i++) {
			if (!s->shared[i])
				continue;
			size_t j = tags_hash(s->shared[i]) & (cap - 1);
			while (t[j])
				j = (j + 1) & (cap - 1);
			t[j] = s->shared[i];
		}
		free(s->shared);
		s->shared = t;
		s->capshared = cap;
	}
	size_t j = tags_hash(rest) & (s->capshared - 1);
	for (; s->shared[j]; j = (j + 1) & (s->capshared - 1))
		if (memcmp(s->shared[j], rest, sizeof rest) == 0)
			return s->shared[j];
	uint32_t *a = intern_alloc(s->tree->pool, sizeof rest);
	if (!a)
		return NULL;
	memcpy(a, rest, sizeof rest);
	s->shared[j] = a;
	s->nshared++;
	return a;
}

/* A file's key in the scan cache: its path below the dataset. */
static void cache_key(const struct dataset_node *f, char *key, size_t len)
{
	const struct dataset_node *sub = dataset_ancestor(f, DATASET_SUBJECT);
	if (!sub || join(key, len, sub->name, f->name) < 0)	/* "/name" outside any subject */
		snprintf(key, len, "%s/%s", sub ? sub->name : "", f->name);
}

struct matcher {		/* the files of one dataset, by key, for the entries of its cache */
	struct scan *s;
	size_t first, n;	/* its files: s->files[first .. first + n) */
	uint32_t *slots;	/* 1 + file index - first; 0: empty */
	uint32_t *hashes;	/* parallel: the key's hash, so that keys are rebuilt only when it matches */
	size_t nslots;
};

/* A cache entry: when a file of the dataset has its key and still its size, times and inode, the
 * file takes what was read from it last time, and is not read again. */
static void match_entry(void *ctx, const char *rel, const struct cache_entry *e)
{
	struct matcher *mt = ctx;
	struct scan *s = mt->s;
	uint64_t h = cache_key_hash(rel);
	char key[PATH_MAX];
	for (size_t i = h & (mt->nslots - 1); mt->slots[i]; i = (i + 1) & (mt->nslots - 1)) {
		size_t k = mt->first + mt->slots[i] - 1;
		struct filemeta *m = &s->meta[k];
		if (mt->hashes[i] != (uint32_t)h)
			continue;
		cache_key(s->files[k], key, sizeof key);
		if (strcmp(key, rel) != 0)
			continue;
		if (m->hit)
			return;	/* its stamp is compared once every file is stat'ed (settle_hits) */
		uint32_t *tags = e->tags ? share_tags(s, s->files[k], e->tags) : NULL;
		if (e->tags && !tags) {
			s->oom = 1;
			return;
		}
		s->files[k]->tags = tags;
		m->hit = 1;
		m->status = (int8_t)e->status;
		m->msg = e->msg;
		m->cached = e->stamp;
		return;
	}
}

/* Read the scan cache of dataset c: its files take their entries, to stand if their stamps
 * still match (settle_hits); read_one then does not read them. Runs beside stat_files, and
 * touches none of the fields that does. */
static void apply_cache(struct scan *s, struct dscache *c)
{
	size_t first = c->first;
	struct matcher mt = {s, first, c->last - first, NULL, NULL, 16};
	while (mt.nslots < mt.n + mt.n / 4)
		mt.nslots *= 2;
	mt.slots = calloc(mt.nslots, sizeof *mt.slots);
	mt.hashes = malloc(mt.nslots * sizeof *mt.hashes);
	if (!mt.slots || !mt.hashes || mt.n >= UINT32_MAX) {
		free(mt.slots);
		free(mt.hashes);
		return;		/* no cache this time: every file is read */
	}
	char key[PATH_MAX], note[600];
	for (size_t k = 0; k < mt.n; k++) {
		cache_key(s->files[first + k], key, sizeof key);
		uint64_t h = cache_key_hash(key);
		size_t i = h & (mt.nslots - 1);
		while (mt.slots[i])
			i = (i + 1) & (mt.nslots - 1);
		mt.slots[i] = (uint32_t)(k + 1);
		mt.hashes[i] = (uint32_t)h;
	}
	c->entries = cache_read(s->opts->cache_dir, c->ds->path, s->tree->pool, match_entry, &mt, note, sizeof note);
	if (c->entries < 0) {	/* not to be trusted after all: nothing taken from it */
		for (size_t k = first; k < c->last; k++) {
			if (s->meta[k].hit) {
				s->meta[k].hit = 0;
				s->meta[k].status = -1;
				s->meta[k].msg = 0;
				s->files[k]->tags = NULL;
				s->files[k]->sop = s->files[k]->number = 0;
			}
		}
	}
	if (note[0])
		snprintf(s->tree->cache_note, sizeof s->tree->cache_note, "%s", note);
	free(mt.slots);
	free(mt.hashes);
}

/* The stats that the walk left (filemeta.later), on a thread of their own while the cache is
 * read: each file's stamp, or why it has none. Touches only stamp, later and staterr. */
static void *stat_files(void *arg)
{
	struct scan *s = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&s->next_stat, 1);
		if (i >= s->nfiles || cancelled(s))
			break;
		struct filemeta *m = &s->meta[i];
		if (m->later != STAT_LATER)
			continue;
		char path[PATH_MAX];
		struct stat st;
		int e = dataset_node_path(s->files[i], path, sizeof path) < 0 ? ENAMETOOLONG : stat(path, &st) != 0 ? errno : 0;
		if (e) {
			m->staterr = (int16_t)e;
			m->later = STAT_FAILED;
		} else if (!S_ISREG(st.st_mode)) {
			m->later = STAT_SPECIAL;	/* changed since the listing */
		} else {
			m->stamp = stamp_of(&st);
			m->later = STAT_DONE;
		}
	}
	return NULL;
}

/* Once every file is stat'ed and every cache read: a cache entry stands only for a file whose
 * stamp is still the one it was read with. */
static void settle_hits(struct scan *s)
{
	for (size_t i = 0; i < s->nfiles; i++) {
		struct filemeta *m = &s->meta[i];
		if (m->hit && (m->later != STAT_DONE || m->cached != m->stamp)) {
			m->hit = 0;	/* changed since the cache: read again */
			m->status = -1;
			m->msg = 0;
			s->files[i]->tags = NULL;
			s->files[i]->sop = s->files[i]->number = 0;
		}
	}
}

static void read_one(struct scan *s, size_t i, struct dicom_header *h)
{
	struct dataset_node *f = s->files[i];
	struct filemeta *m = &s->meta[i];
	char path[PATH_MAX], err[512];
	int st;
	if (m->later == STAT_FAILED || m->later == STAT_SPECIAL) {
		st = m->later == STAT_FAILED ? DICOM_ERR_IO : DICOM_SKIP_SPECIAL;
		snprintf(err, sizeof err, "%s", m->later == STAT_FAILED ? strerror(m->staterr) : "not a regular file: ignored");
	} else if (m->hit) {
		st = m->status;
		atomic_fetch_add(&s->cached, 1);
	} else if (pthread_once(&dict_once, dict_load) != 0 || dict_status != DICOM_OK) {
		s->nodict = 1;
		return;
	} else if (dataset_node_path(f, path, sizeof path) < 0) {
		st = DICOM_ERR_IO;
		snprintf(err, sizeof err, "path too long");
	} else {
		st = dicom_read_header(path, h, err, sizeof err);
	}
	int hit = m->hit;
	pthread_mutex_lock(&s->lock);
	m->status = (int8_t)st;
	if (st == DICOM_OK) {
		uint32_t *tags = f->tags;	/* a hit's, shared already */
		if (!hit) {
			uint32_t full[DICOM_TAG_COUNT];
			for (int t = 0; t < DICOM_TAG_COUNT; t++) {
				const char *v = dicom_header_get(h, (enum dicom_tag)t);
				full[t] = v ? intern_add(s->tree->pool, v) : 0;
			}
			tags = share_tags(s, f, full);
		}
		if (!tags)
			s->oom = 1;
		f->tags = tags;
		m->msg = hit ? m->msg : h->warning[0] ? intern_add(s->tree->pool, h->warning) : 0;
		if (m->msg)
			msg(s, f, DATASET_WARNING, "%s", intern_get(s->tree->pool, m->msg));
		static const enum dicom_tag required[] = {DICOM_STUDY_UID, DICOM_SERIES_UID,
							  DICOM_SOP_INSTANCE_UID, DICOM_SOP_CLASS_UID};
		for (size_t k = 0; tags && k < sizeof required / sizeof *required; k++) {
			const char *v = dataset_tag(s->tree, f, required[k]);
			if (!v || !*v) {
				const struct dicom_tag_info *ti = &dicom_tag_table[required[k]];
				msg(s, f, DATASET_ERROR, "%s %s (%04X,%04X)", v ? "empty" : "missing",
				    ti->name, ti->group, ti->element);
			}
		}
		if (!(f->flags & DATASET_NODE_ERROR))
			f->kind = DATASET_INSTANCE;
	} else {
		m->msg = hit ? m->msg : intern_add(s->tree->pool, err);
		const char *text = intern_get(s->tree->pool, m->msg);
		if (st == DICOM_SKIP_DICOMDIR || st == DICOM_SKIP_SPECIAL) {
			msg(s, f, DATASET_WARNING, "%s", text ? text : "skipped");
			f->flags |= DATASET_NODE_SKIPPED;
		} else {
			msg(s, f, DATASET_ERROR, "%s", text ? text : "cannot read");
		}
	}
	if (f->parent)
		f->parent->ninstances++;	/* files read so far, for the outline; finish() recounts */
	pthread_mutex_unlock(&s->lock);
}

/* Does file i of s belong in the cache of dataset ds? Passing troubles are read again next time. */
static int cacheable(const struct scan *s, size_t i, const struct dataset_node *ds)
{
	int st = s->meta[i].status;
	return dataset_ancestor(s->files[i], DATASET_DATASET) == ds && st >= 0 && st != DICOM_ERR_IO &&
	       st != DICOM_ERR_INTERNAL && st != DICOM_SKIP_SPECIAL;
}

/* Write the scan cache of every dataset that has one, with what was just read. */
static void write_caches(struct scan *s)
{
	for (size_t c = 0; c < s->ncaches; c++) {
		char err[600];
		const struct dataset_node *ds = s->caches[c].ds;
		size_t n = 0, hits = 0;
		for (size_t i = 0; i < s->nfiles; i++)
			if (cacheable(s, i, ds)) {
				n++;
				hits += s->meta[i].hit;
			}
		if (s->caches[c].entries >= 0 && hits == n && n == (size_t)s->caches[c].entries)
			continue;	/* nothing changed: the cache on disk is right */
		struct cache_writer *w = cache_writer_open(s->opts->cache_dir, ds->path, s->tree->pool, err, sizeof err);
		for (size_t i = 0; w && i < s->nfiles; i++) {
			struct dataset_node *f = s->files[i];
			if (!cacheable(s, i, ds))
				continue;
			char key[PATH_MAX];
			cache_key(f, key, sizeof key);
			uint32_t full[DICOM_TAG_COUNT];	/* the shared array with the file's own two values */
			if (f->tags) {
				memcpy(full, f->tags, sizeof full);
				full[DICOM_SOP_INSTANCE_UID] = f->sop;
				full[DICOM_INSTANCE_NUMBER] = f->number;
			}
			struct cache_entry e = {s->meta[i].stamp, s->meta[i].status, s->meta[i].msg,
						s->meta[i].status == DICOM_OK && f->tags ? full : NULL};
			if (cache_writer_add(w, key, &e) < 0)
				break;
		}
		if (w && cache_writer_close(&w, 1, err, sizeof err) == 0)
			err[0] = '\0';
		if (err[0] && !s->tree->cache_note[0])
			snprintf(s->tree->cache_note, sizeof s->tree->cache_note, "%s", err);
	}
	free(s->caches);
}

static void *worker(void *arg)
{
	struct scan *s = arg;
	struct dicom_header *h = malloc(sizeof *h);
	if (!h)
		return NULL;
	for (;;) {
		size_t i = atomic_fetch_add(&s->next, 1);
		if (i >= s->nfiles || cancelled(s))
			break;
		read_one(s, i, h);
		outline_maybe(s);
		size_t done = atomic_fetch_add(&s->done, 1) + 1;
		if (s->opts && s->opts->progress && (done % 256 == 0 || done == s->nfiles))
			s->opts->progress(s->opts->ctx, done, s->nfiles);
	}
	free(h);
	return NULL;
}

static void read_all(struct scan *s)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int n = s->opts && s->opts->threads > 0 ? s->opts->threads : (int)(ncpu > 0 ? ncpu : 1);
	if (n > 16)
		n = 16;
	if ((size_t)n > s->nfiles)
		n = s->nfiles ? (int)s->nfiles : 1;
	pthread_t tid[16];
	int started = 0;
	for (int i = 1; i < n; i++)
		if (pthread_create(&tid[started], NULL, worker, s) == 0)
			started++;
	worker(s);
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
}

/* The stats the walk left, on threads, while this thread reads the scan caches; then which
 * cache entries stand. */
static void stat_and_match(struct scan *s)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int n = s->opts && s->opts->threads > 0 ? s->opts->threads : (int)(ncpu > 0 ? ncpu : 1);
	pthread_t tid[16];
	int started = 0;
	for (int i = 0; i < n && i < 16 && s->nfiles; i++)
		if (pthread_create(&tid[started], NULL, stat_files, s) == 0)
			started++;
	for (size_t c = 0; c < s->ncaches && !s->oom; c++)
		apply_cache(s, &s->caches[c]);
	stat_files(s);	/* then help */
	for (int i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	settle_hits(s);
}

/* ---- the outline: datasets and subjects while the scan runs ---- */

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmp_names(const void *pa, const void *pb)
{
	const struct dataset_node *a = *(const struct dataset_node *const *)pa, *b = *(const struct dataset_node *const *)pb;
	int c = dataset_natcmp(a->name, b->name);
	return c ? c : strcmp(a->name, b->name);
}

/* Copies of from's datasets (from the root) or subjects (from a dataset) under to, in the
 * order the finished tree will have; to's counts include theirs. -1 when out of memory. */
static int outline_copy(struct dataset_tree *t, struct dataset_node *to, const struct dataset_node *from)
{
	int kind = from->kind == DATASET_ROOT ? DATASET_DATASET : DATASET_SUBJECT;
	size_t k = 0;
	for (const struct dataset_node *c = from->child; c; c = c->next)
		k += c->kind == kind;
	const struct dataset_node **v = malloc((k ? k : 1) * sizeof *v);
	if (!v)
		return -1;
	k = 0;
	for (const struct dataset_node *c = from->child; c; c = c->next)
		if (c->kind == kind)
			v[k++] = c;
	qsort(v, k, sizeof *v, cmp_names);
	struct dataset_node **tail = &to->child;
	int rc = 0;
	for (size_t i = 0; i < k && rc == 0; i++) {
		struct dataset_node *n = intern_alloc(t->pool, sizeof *n);
		uint32_t name = intern_add(t->pool, v[i]->name), path = v[i]->path ? intern_add(t->pool, v[i]->path) : 0;
		if (!n || !name || (v[i]->path && !path)) {
			rc = -1;
			break;
		}
		*n = (struct dataset_node){.parent = to, .name = intern_get(t->pool, name),
					   .path = path ? intern_get(t->pool, path) : NULL, .kind = v[i]->kind,
					   .flags = v[i]->flags & (DATASET_NODE_ERROR | DATASET_NODE_SKIPPED),
					   .ninstances = v[i]->ninstances, .nchildren = v[i]->nchildren,
					   .nerrors = (v[i]->flags & DATASET_NODE_ERROR) != 0};
		if (kind == DATASET_DATASET)
			rc = outline_copy(t, n, v[i]);
		*tail = n;
		tail = &n->next;
		to->ninstances += n->ninstances;
		to->nchildren += n->nchildren;
		to->nerrors += n->nerrors;
	}
	free(v);
	return rc;
}

/* Hand the outline of what is found so far to opts->outline. Under s->lock. */
static void outline_publish(struct scan *s)
{
	long t0 = mono_ms();
	struct dataset_tree *t = calloc(1, sizeof *t);
	if (!t || !(t->pool = intern_new())) {
		free(t);
		return;
	}
	t->partial = 1;
	t->nfiles = s->nfiles;
	t->root = intern_alloc(t->pool, sizeof *t->root);
	if (t->root)
		*t->root = (struct dataset_node){.name = "", .kind = DATASET_ROOT};
	if (!t->root || outline_copy(t, t->root, s->tree->root) < 0) {
		dataset_free(&t);
		return;
	}
	s->opts->outline(s->opts->ctx, t);
	long cost = mono_ms() - t0;
	atomic_store(&s->outline_gap_ms, cost * 10 > 200 ? cost * 10 : 200);
	atomic_store(&s->outlined_ms, mono_ms());
}

/* Publish an outline when the last one is old enough (one thread does). */
static void outline_maybe(struct scan *s)
{
	if (!s->opts || !s->opts->outline)
		return;
	long now = mono_ms(), last = atomic_load(&s->outlined_ms);
	if (now - last < atomic_load(&s->outline_gap_ms) || !atomic_compare_exchange_strong(&s->outlined_ms, &last, now))
		return;
	pthread_mutex_lock(&s->lock);
	outline_publish(s);
	pthread_mutex_unlock(&s->lock);
}

/* ---- grouping, sorting, counting ---- */

static const char *sample_of(struct scan *s, const char *rel)
{
	const char *slash = strchr(rel, '/');
	if (!slash)
		return "";
	uint32_t id = intern_addn(s->tree->pool, rel, (size_t)(slash - rel));
	return id ? intern_get(s->tree->pool, id) : "";
}

static struct dataset_node *find_child(struct dataset_node *p, int kind, uint32_t *tags, enum dicom_tag t,
				       struct dataset_node *hint)
{
	if (hint && hint->parent == p && hint->kind == kind && hint->tags[t] == tags[t])
		return hint;
	for (struct dataset_node *c = p->child; c; c = c->next)
		if (c->kind == kind && c->tags && c->tags[t] == tags[t])
			return c;
	return NULL;
}

/* Regroup the pending files of a subject into studies and series. */
static void group_subject(struct scan *s, struct dataset_node *sub)
{
	struct dataset_node *pending = sub->child, *series = NULL;
	sub->child = NULL;
	for (struct dataset_node *f = pending, *next; f; f = next) {
		next = f->next;
		struct dataset_node *parent = sub, *study = NULL;
		if (f->tags && f->tags[DICOM_STUDY_UID] && *intern_get(s->tree->pool, f->tags[DICOM_STUDY_UID])) {
			study = find_child(sub, DATASET_STUDY, f->tags, DICOM_STUDY_UID, series ? series->parent : NULL);
			if (!study && (study = node(s, sub, DATASET_STUDY,
						    intern_get(s->tree->pool, f->tags[DICOM_STUDY_UID])))) {
				study->tags = f->tags;
				study->sop = f->sop;
				study->number = f->number;
			}
			parent = study ? study : sub;
		}
		if (study && f->tags[DICOM_SERIES_UID] && *intern_get(s->tree->pool, f->tags[DICOM_SERIES_UID])) {
			const char *sample = sample_of(s, f->name);
			struct dataset_node *se = find_child(study, DATASET_SERIES, f->tags, DICOM_SERIES_UID, series);
			if (!se && (se = node(s, study, DATASET_SERIES, sample))) {
				se->tags = f->tags;
				se->sop = f->sop;
				se->number = f->number;
			}
			else if (se && strcmp(se->name, sample) != 0 && !dataset_first_msg(se, DATASET_WARNING))
				msg(s, se, DATASET_WARNING, "series is split over sample folders '%s' and '%s'",
				    se->name, sample);
			if (se) {
				series = se;
				parent = se;
			}
		}
		f->parent = parent;
		f->next = parent->child;
		parent->child = f;
	}
	size_t nstudies = 0;
	for (struct dataset_node *st = sub->child; st; st = st->next) {
		if (st->kind != DATASET_STUDY)
			continue;
		nstudies++;
		/* a sample folder that holds several series */
		for (struct dataset_node *a = st->child; a; a = a->next) {
			if (a->kind != DATASET_SERIES)
				continue;
			size_t same = 0;
			for (struct dataset_node *b = st->child; b; b = b->next)
				same += b->kind == DATASET_SERIES && strcmp(a->name, b->name) == 0;
			if (same > 1)
				msg(s, a, DATASET_WARNING, "sample folder '%s' holds %zu series; this is one of them "
				    "(SeriesInstanceUID %s)", *a->name ? a->name : "(none)", same,
				    intern_get(s->tree->pool, a->tags[DICOM_SERIES_UID]));
			if (!*a->name)
				msg(s, a, DATASET_WARNING, "DICOM files lie straight in the subject folder, "
				    "not in a sample folder");
		}
	}
	if (nstudies > 1)
		msg(s, sub, DATASET_WARNING, "subject folder holds %zu studies (different StudyInstanceUIDs)", nstudies);
	if (nstudies == 0 && !sub->msgs)
		msg(s, sub, DATASET_WARNING, "no DICOM instances in this subject folder");
}

static long num(struct scan *s, const struct dataset_node *n, enum dicom_tag t, int *ok)
{
	const char *v = dataset_tag(s->tree, n, t);
	char *end;
	*ok = 0;
	if (!v || !*v)
		return 0;
	long x = strtol(v, &end, 10);
	*ok = *end == '\0';
	return x;
}

static struct scan *cmp_scan;	/* qsort has no context argument; sorting is single-threaded */

static int rank(const struct dataset_node *n)
{
	switch (n->kind) {
	case DATASET_META: return 0;
	case DATASET_DATASET: case DATASET_SUBJECT: case DATASET_STUDY:
	case DATASET_SERIES: case DATASET_INSTANCE: return 1;
	default: return 2;
	}
}

struct sortent {		/* a child to sort, with its number parsed once */
	struct dataset_node *n;
	long num;		/* series: SeriesNumber; instance: InstanceNumber */
	int ok;			/* num was a whole number */
};

static int cmp_nodes(const void *pa, const void *pb)
{
	const struct sortent *ea = pa, *eb = pb;
	const struct dataset_node *a = ea->n, *b = eb->n;
	struct scan *s = cmp_scan;
	int ra = rank(a), rb = rank(b), c, oka = ea->ok, okb = eb->ok;
	if (ra != rb)
		return ra - rb;
	if (a->kind == DATASET_STUDY && b->kind == DATASET_STUDY) {
		static const enum dicom_tag keys[] = {DICOM_STUDY_DATE, DICOM_STUDY_TIME, DICOM_STUDY_UID};
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
			const char *x = intern_get(s->tree->pool, a->tags[keys[i]]);
			const char *y = intern_get(s->tree->pool, b->tags[keys[i]]);
			if ((c = strcmp(x ? x : "", y ? y : "")) != 0)
				return c;
		}
	} else if (a->kind == DATASET_SERIES && b->kind == DATASET_SERIES) {
		if ((c = dataset_natcmp(a->name, b->name)) != 0)
			return c;
		long x = ea->num, y = eb->num;
		if (oka != okb || x != y)
			return oka != okb ? okb - oka : x < y ? -1 : 1;
		return strcmp(intern_get(s->tree->pool, a->tags[DICOM_SERIES_UID]),
			      intern_get(s->tree->pool, b->tags[DICOM_SERIES_UID]));
	} else if (a->kind == DATASET_INSTANCE && b->kind == DATASET_INSTANCE) {
		long x = ea->num, y = eb->num;
		if (oka != okb || x != y)
			return oka != okb ? okb - oka : x < y ? -1 : 1;
	}
	if ((c = dataset_natcmp(a->name, b->name)) != 0)
		return c;
	return strcmp(a->name, b->name);
}

/* The count tags of the headers against what was found. */
static void check_count(struct scan *s, struct dataset_node *n, enum dicom_tag t, size_t found)
{
	int ok;
	long said = num(s, n, t, &ok);
	if (ok && said >= 0 && (size_t)said != found)
		msg(s, n, DATASET_WARNING, "%s (%04X,%04X) says %ld, %zu found", dicom_tag_table[t].name,
		    dicom_tag_table[t].group, dicom_tag_table[t].element, said, found);
}

static size_t count_instances(const struct dataset_node *n)
{
	size_t k = n->kind == DATASET_INSTANCE;
	for (const struct dataset_node *c = n->child; c; c = c->next)
		k += count_instances(c);
	return k;
}

static void check_counts(struct scan *s, struct dataset_node *st)
{
	size_t nseries = 0;
	for (struct dataset_node *se = st->child; se; se = se->next) {
		if (se->kind != DATASET_SERIES)
			continue;
		nseries++;
		check_count(s, se, DICOM_NUM_SERIES_INST, count_instances(se));
	}
	check_count(s, st, DICOM_NUM_STUDY_SERIES, nseries);
	check_count(s, st, DICOM_NUM_STUDY_INST, count_instances(st));
}

static void finish(struct scan *s, struct dataset_node *n, struct sortent **buf, size_t *cap)
{
	size_t k = 0;
	for (struct dataset_node *c = n->child; c; c = c->next)
		k++;
	if (k > *cap) {
		struct sortent *b = realloc(*buf, k * sizeof *b);
		if (!b) {
			s->oom = 1;
			return;
		}
		*buf = b;
		*cap = k;
	}
	k = 0;
	for (struct dataset_node *c = n->child; c; c = c->next) {
		struct sortent *e = &(*buf)[k++];
		e->n = c;
		e->num = 0;
		e->ok = 0;
		if (c->kind == DATASET_SERIES || c->kind == DATASET_INSTANCE)
			e->num = num(s, c, c->kind == DATASET_SERIES ? DICOM_SERIES_NUMBER : DICOM_INSTANCE_NUMBER, &e->ok);
	}
	cmp_scan = s;
	if (k > 1)
		qsort(*buf, k, sizeof **buf, cmp_nodes);
	n->child = NULL;
	n->nchildren = 0;
	while (k--) {
		(*buf)[k].n->next = n->child;
		n->child = (*buf)[k].n;
		n->nchildren++;
	}
	n->ninstances = n->kind == DATASET_INSTANCE;
	n->nerrors = n->nwarnings = 0;
	for (struct dataset_msg *m = n->msgs; m; m = m->next)
		*(m->level == DATASET_ERROR ? &n->nerrors : &n->nwarnings) += 1;
	for (struct dataset_node *c = n->child; c; c = c->next) {
		finish(s, c, buf, cap);
		n->ninstances += c->ninstances;
		n->nerrors += c->nerrors;
		n->nwarnings += c->nwarnings;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void check_duplicates(struct scan *s, struct dataset_node *se)
{
	/* duplicate SOP Instance UIDs within one series */
	size_t n = 0;
	for (struct dataset_node *c = se->child; c; c = c->next)
		n += c->kind == DATASET_INSTANCE;
	if (n < 2)
		return;
	uint32_t *ids = malloc(n * sizeof *ids);
	if (!ids)
		return;
	n = 0;
	for (struct dataset_node *c = se->child; c; c = c->next)
		if (c->kind == DATASET_INSTANCE)
			ids[n++] = c->sop;
	qsort(ids, n, sizeof *ids, cmp_u32);
	size_t dup = 0;
	for (size_t i = 1; i < n; i++)
		dup += ids[i] == ids[i - 1];
	free(ids);
	if (dup)
		msg(s, se, DATASET_WARNING, "%zu file(s) repeat a SOP Instance UID of this series", dup);
}


/* ---- one study in several subject folders ---- */

struct twin_key {
	uint32_t uid;		/* the StudyInstanceUID's string id */
	uint32_t at;		/* position in tree order */
};

static int cmp_twin(const void *pa, const void *pb)
{
	const struct twin_key *a = pa, *b = pb;
	if (a->uid != b->uid)
		return a->uid < b->uid ? -1 : 1;
	return a->at < b->at ? -1 : a->at > b->at;
}

/* A message added after finish(): the counts of n and its ancestors follow. */
static void late_msg(struct scan *s, struct dataset_node *n, int level, const char *text)
{
	msg(s, n, level, "%s", text);
	for (struct dataset_node *p = n; p; p = p->parent)
		*(level == DATASET_ERROR ? &p->nerrors : &p->nwarnings) += 1;
}

/* Studies whose StudyInstanceUID is in several subject folders (of any dataset read): the
 * same patient makes one ImagingStudy of them (a warning names the folders), different
 * patients an error on each. tree->twins keeps them, grouped by UID, in tree order. */
static void find_twins(struct scan *s)
{
	size_t n = 0;
	const struct dataset_node **all = dataset_collect(s->tree->root, DATASET_STUDY, &n);
	if (!all)
		return;
	struct twin_key *key = malloc((n ? n : 1) * sizeof *key);
	struct dataset_node **by = malloc((n ? n : 1) * sizeof *by);
	if (!key || !by || n > UINT32_MAX) {
		free(key);
		free(by);
		free(all);
		return;
	}
	for (size_t i = 0; i < n; i++)
		key[i] = (struct twin_key){all[i]->tags[DICOM_STUDY_UID], (uint32_t)i};
	qsort(key, n, sizeof *key, cmp_twin);	/* by UID, then in tree order */
	for (size_t i = 0; i < n; i++)
		by[i] = (struct dataset_node *)all[key[i].at];
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && key[j].uid == key[i].uid)
			j++;
		if (j - i > 1) {
			int same = 1;
			for (size_t a = i; a < j; a++) {
				const char *pid = intern_get(s->tree->pool, by[a]->tags[DICOM_PATIENT_ID]);
				same &= pid && *pid && by[a]->tags[DICOM_PATIENT_ID] == by[i]->tags[DICOM_PATIENT_ID] &&
					by[a]->tags[DICOM_ISSUER_PATIENT_ID] == by[i]->tags[DICOM_ISSUER_PATIENT_ID];
			}
			char list[900] = "";
			size_t used = 0;
			for (size_t a = i; a < j && used + 1 < sizeof list; a++) {
				const struct dataset_node *ds = dataset_ancestor(by[a], DATASET_DATASET);
				const struct dataset_node *sub = dataset_ancestor(by[a], DATASET_SUBJECT);
				const char *pid = intern_get(s->tree->pool, by[a]->tags[DICOM_PATIENT_ID]);
				char who[200] = "";
				if (!same)
					snprintf(who, sizeof who, pid && *pid ? " (Patient ID '%s')" : " (%s)",
						 pid && *pid ? pid : "no Patient ID: the subject folder names the patient");
				int w = snprintf(list + used, sizeof list - used, "%s%s/%s%s", a > i ? ", " : "",
						 ds ? ds->name : "", sub ? sub->name : "", who);
				used += w > 0 ? (size_t)w : 0;
				if (used >= sizeof list)
					used = sizeof list - 1;
			}
			char text[1100];
			if (same)
				snprintf(text, sizeof text, "StudyInstanceUID %s is in %zu subject folders (%s): they make one "
					 "ImagingStudy with the series of all of them", by[i]->name, j - i, list);
			else
				snprintf(text, sizeof text, "StudyInstanceUID %s is in subject folders of different patients: %s; "
					 "it goes into no Bundle", by[i]->name, list);
			for (size_t a = i; a < j; a++) {
				late_msg(s, by[a], same ? DATASET_WARNING : DATASET_ERROR, text);
				by[k++] = by[a];
			}
		}
		i = j;
	}
	free(key);
	free(all);
	if (k == 0) {
		free(by);
		return;
	}
	s->tree->twins = (const struct dataset_node **)by;
	s->tree->ntwins = k;
}

/* Studies that share a Patient ID (and issuer) but disagree on name, birth date or sex: a
 * warning on each, naming the values and the folders. */
static void check_patients(struct scan *s)
{
	size_t n = 0;
	const struct dataset_node **all = dataset_collect(s->tree->root, DATASET_STUDY, &n);
	struct twin_key *key = malloc((n ? n : 1) * sizeof *key);
	if (!all || !key || n > UINT32_MAX) {
		free(all);
		free(key);
		return;
	}
	for (size_t i = 0; i < n; i++)	/* PatientID and issuer in one key: ids are below 2^32 */
		key[i] = (struct twin_key){all[i]->tags[DICOM_PATIENT_ID], (uint32_t)i};
	qsort(key, n, sizeof *key, cmp_twin);
	static const enum dicom_tag fields[] = {DICOM_PATIENT_NAME, DICOM_PATIENT_BIRTH_DATE, DICOM_PATIENT_SEX};
	static const char *const what[] = {"names", "birth dates", "sexes"};
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && key[j].uid == key[i].uid)
			j++;
		const char *pid = intern_get(s->tree->pool, key[i].uid);
		for (size_t f = 0; pid && *pid && j - i > 1 && f < sizeof fields / sizeof *fields; f++) {
			char list[900] = "";
			size_t used = 0, differ = 0;
			for (size_t a = i; a < j; a++) {
				const struct dataset_node *st = all[key[a].at];
				if (st->tags[DICOM_ISSUER_PATIENT_ID] != all[key[i].at]->tags[DICOM_ISSUER_PATIENT_ID])
					continue;
				differ += st->tags[fields[f]] != all[key[i].at]->tags[fields[f]];
				const struct dataset_node *ds = dataset_ancestor(st, DATASET_DATASET);
				const struct dataset_node *sub = dataset_ancestor(st, DATASET_SUBJECT);
				const char *v = intern_get(s->tree->pool, st->tags[fields[f]]);
				int w = snprintf(list + used, sizeof list - used, "%s'%s' in %s/%s", used ? ", " : "",
						 v ? v : "", ds ? ds->name : "", sub ? sub->name : "");
				used += w > 0 ? (size_t)w : 0;
				if (used >= sizeof list)
					used = sizeof list - 1;
			}
			if (!differ)
				continue;
			char text[1100];
			snprintf(text, sizeof text, "Patient ID '%s' is given with different %s: %s", pid, what[f], list);
			for (size_t a = i; a < j; a++)
				if (all[key[a].at]->tags[DICOM_ISSUER_PATIENT_ID] == all[key[i].at]->tags[DICOM_ISSUER_PATIENT_ID])
					late_msg(s, (struct dataset_node *)all[key[a].at], DATASET_WARNING, text);
		}
		i = j;
	}
	free(all);
	free(key);
}

size_t dataset_study_folders(const struct dataset_tree *t, const struct dataset_node *study,
			     const struct dataset_node **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < t->ntwins; i++) {
		if (t->twins[i]->tags[DICOM_STUDY_UID] != study->tags[DICOM_STUDY_UID])
			continue;
		if (k < max)
			out[k] = t->twins[i];
		k++;
	}
	if (k == 0) {
		if (max)
			out[0] = study;
		k = 1;
	}
	return k;
}

struct dataset_tree *dataset_scan(const char *const *paths, size_t npaths,
				  const struct dataset_scan_opts *opts, char *err, size_t errlen)
{
	struct scan s;
	memset(&s, 0, sizeof s);
	s.opts = opts;
	pthread_mutex_init(&s.lock, NULL);
	struct dataset_tree *tree = calloc(1, sizeof *tree);
	if (!tree || !(tree->pool = intern_new())) {
		free(tree);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s.tree = tree;
	tree->root = node(&s, NULL, DATASET_ROOT, "");

	struct dsin *ins = NULL;
	size_t nins = 0;
	for (size_t i = 0; i < npaths && !s.oom; i++)
		classify(&s, paths[i], &ins, &nins);
	atomic_store(&s.outlined_ms, mono_ms());
	atomic_store(&s.outline_gap_ms, 200);
	for (size_t i = 0; i < nins && !s.oom && !cancelled(&s); i++) {
		size_t first = s.nfiles, ncaches = s.ncaches;
		scan_dataset(&s, &ins[i]);
		if (s.ncaches > ncaches) {
			s.caches[s.ncaches - 1].first = first;
			s.caches[s.ncaches - 1].last = s.nfiles;
		}
	}
	if (opts && opts->outline && !s.oom && !cancelled(&s)) {	/* everything found: the whole outline */
		pthread_mutex_lock(&s.lock);
		outline_publish(&s);
		pthread_mutex_unlock(&s.lock);
	}
	if (!s.oom && !cancelled(&s))
		stat_and_match(&s);
	for (size_t i = 0; i < nins; i++) {
		for (size_t j = 0; j < ins[i].nfilters; j++) {
			free(ins[i].filters[j].subject);
			free(ins[i].filters[j].sample);
		}
		free(ins[i].filters);
		free(ins[i].path);
	}
	free(ins);

	if (!s.oom && !cancelled(&s))
		read_all(&s);
	int stop = cancelled(&s);
	if (!s.oom && !stop)
		write_caches(&s);
	else
		free(s.caches);
	tree->nfiles = s.nfiles;
	tree->cached = atomic_load(&s.cached);
	free(s.files);
	free(s.meta);
	free(s.shared);		/* the arrays stay in the pool */
	if (stop && !s.oom) {	/* the caches went in the branch above */
		pthread_mutex_destroy(&s.lock);
		dataset_free(&tree);
		snprintf(err, errlen, "%s", s.nodict ? dict_err : "cancelled");
		return NULL;
	}
	for (struct dataset_node *ds = tree->root->child; ds && !s.oom; ds = ds->next)
		for (struct dataset_node *sub = ds->child; sub; sub = sub->next)
			if (sub->kind == DATASET_SUBJECT)
				group_subject(&s, sub);
	for (struct dataset_node *ds = tree->root->child; ds && !s.oom; ds = ds->next)
		for (struct dataset_node *sub = ds->child; sub; sub = sub->next)
			for (struct dataset_node *st = sub->child; st; st = st->next)
				for (struct dataset_node *se = st->child; se; se = se->next)
					if (se->kind == DATASET_SERIES)
						check_duplicates(&s, se);
	for (struct dataset_node *ds = tree->root->child; ds && !s.oom; ds = ds->next)
		for (struct dataset_node *sub = ds->child; sub; sub = sub->next)
			for (struct dataset_node *st = sub->child; st; st = st->next)
				if (st->kind == DATASET_STUDY)
					check_counts(&s, st);
	struct sortent *buf = NULL;
	size_t cap = 0;
	if (!s.oom)
		finish(&s, tree->root, &buf, &cap);
	free(buf);
	if (!s.oom)
		find_twins(&s);
	if (!s.oom)
		check_patients(&s);
	pthread_mutex_destroy(&s.lock);
	if (s.oom) {
		dataset_free(&tree);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return tree;
}

void dataset_free(struct dataset_tree **tree)
{
	if (!*tree)
		return;
	intern_free(&(*tree)->pool);
	free((*tree)->twins);
	free(*tree);
	*tree = NULL;
}

int dataset_tree_contains(const struct dataset_tree *t, const char *dir)
{
	char real[PATH_MAX];
	if (!t || !realpath(dir, real))
		return 0;
	for (const struct dataset_node *ds = t->root->child; ds; ds = ds->next) {
		size_t n = ds->kind == DATASET_DATASET && ds->path ? strlen(ds->path) : 0;
		if (n && strncmp(real, ds->path, n) == 0 && (real[n] == '/' || !real[n]))
			return 1;
	}
	return 0;
}
