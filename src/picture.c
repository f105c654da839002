/* The picture worker: one thread, a queue of the latest requests, an LRU cache by bytes. */
#include "config.h"

#include "picture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define QUEUE_MAX 64

struct entry {
	char *key;
	struct picture pic;
	size_t bytes;
	struct entry *prev, *next;	/* most recently used first */
};

struct job {
	char *key;
	struct picture_req req;	/* req.path points into path */
	char *path;
};

struct picture_worker {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop, ready;
	struct job queue[QUEUE_MAX];
	size_t nqueue;
	char *busy;			/* the key being rendered, or NULL */
	struct entry *head, *tail;
	size_t bytes, count, cap;
};

/* The request and the file's size and times: a file changed is a new picture. Caller frees. */
static char *key_of(const struct picture_req *r)
{
	struct stat st;
	if (stat(r->path, &st) != 0)
		memset(&st, 0, sizeof st);
	char *k = NULL;
	if (asprintf(&k, "%s|%lld|%lld.%09ld|%u|%.17g|%.17g|%d|%d|%d|%d", r->path, (long long)st.st_size,
		     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, r->frame, r->center, r->width, r->cols, r->rows,
		     r->colors, r->ascii) < 0)
		k = NULL;
	return k;
}

static void render(const struct picture_req *r, struct picture *p)
{
	memset(p, 0, sizeof *p);
	struct dicom_image *im = dicom_image_read(r->path, r->frame, r->center, r->width, p->error, sizeof p->error);
	if (!im)
		return;
	int cols, rows;
	preview_fit(im->width, im->height, r->cols, r->rows, &cols, &rows);
	p->frames = im->frames;
	p->center = im->center;
	p->width = im->width_;
	preview_info(im, p->info, sizeof p->info);
	p->cells = preview_cells(im, cols, rows, r->colors, r->ascii);
	if (!p->cells)
		snprintf(p->error, sizeof p->error, "out of memory");
	dicom_image_free(&im);
}

static void unlink_entry(struct picture_worker *w, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		w->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		w->tail = e->prev;
	e->prev = e->next = NULL;
}

static void push_front(struct picture_worker *w, struct entry *e)
{
	e->next = w->head;
	e->prev = NULL;
	if (w->head)
		w->head->prev = e;
	w->head = e;
	if (!w->tail)
		w->tail = e;
}

static void entry_free(struct entry *e)
{
	preview_free(&e->pic.cells);
	free(e->key);
	free(e);
}

/* Keep p under key (taken), the least recently used going while over the cap. Under the lock. */
static void cache_put(struct picture_worker *w, char *key, struct picture *p)
{
	struct entry *e = calloc(1, sizeof *e);
	if (!e) {
		free(key);
		preview_free(&p->cells);
		return;
	}
	e->key = key;
	e->pic = *p;
	e->bytes = sizeof *e + strlen(key) + (p->cells ? (size_t)p->cells->cols * (size_t)p->cells->rows * sizeof *p->cells->cells : 0);
	push_front(w, e);
	w->bytes += e->bytes;
	w->count++;
	while (w->bytes > w->cap && w->tail && w->tail != e) {
		struct entry *old = w->tail;
		unlink_entry(w, old);
		w->bytes -= old->bytes;
		w->count--;
		entry_free(old);
	}
}

static void *worker(void *arg)
{
	struct picture_worker *w = arg;
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		if (!w->nqueue) {
			pthread_cond_wait(&w->wake, &w->lock);
			continue;
		}
		struct job j = w->queue[0];
		memmove(w->queue, w->queue + 1, --w->nqueue * sizeof *w->queue);
		w->busy = j.key;
		pthread_mutex_unlock(&w->lock);
		struct picture p;
		render(&j.req, &p);	/* the lock is not held: requests come in meanwhile */
		free(j.path);
		pthread_mutex_lock(&w->lock);
		w->busy = NULL;
		cache_put(w, j.key, &p);
		w->ready = 1;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct picture_worker *picture_worker_new(size_t cache_bytes)
{
	struct picture_worker *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->cap = cache_bytes;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, worker, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		free(w);
		return NULL;
	}
	return w;
}

static void queue_clear(struct picture_worker *w)
{
	for (size_t i = 0; i < w->nqueue; i++) {
		free(w->queue[i].key);
		free(w->queue[i].path);
	}
	w->nqueue = 0;
}

void picture_worker_free(struct picture_worker **wp)
{
	struct picture_worker *w = wp ? *wp : NULL;
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	queue_clear(w);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);	/* at most the picture being rendered */
	while (w->head) {
		struct entry *e = w->head;
		unlink_entry(w, e);
		entry_free(e);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
	*wp = NULL;
}

void picture_begin(struct picture_worker *w)
{
	pthread_mutex_lock(&w->lock);
	queue_clear(w);
	pthread_mutex_unlock(&w->lock);
}

static struct picture *copy_of(const struct picture *p)
{
	struct picture *c = malloc(sizeof *c);
	if (!c)
		return NULL;
	*c = *p;
	c->cells = NULL;
	if (p->cells) {
		size_t n = (size_t)p->cells->cols * (size_t)p->cells->rows;
		c->cells = malloc(sizeof *c->cells);
		struct preview_cell *cells = c->cells ? malloc(n * sizeof *cells) : NULL;
		if (!cells) {
			free(c->cells);
			free(c);
			return NULL;
		}
		*c->cells = *p->cells;
		memcpy(cells, p->cells->cells, n * sizeof *cells);
		c->cells->cells = cells;
	}
	return c;
}

struct picture *picture_get(struct picture_worker *w, const struct picture_req *req)
{
	char *key = key_of(req);
	if (!key)
		return NULL;
	struct picture *found = NULL;
	pthread_mutex_lock(&w->lock);
	struct entry *e = w->head;
	while (e && strcmp(e->key, key) != 0)
		e = e->next;
	int queued = w->busy && !strcmp(w->busy, key);
	for (size_t i = 0; i < w->nqueue && !queued; i++)
		queued = !strcmp(w->queue[i].key, key);
	if (e) {
		unlink_entry(w, e);
		push_front(w, e);
		found = copy_of(&e->pic);
	} else if (!queued && w->nqueue < QUEUE_MAX) {
		struct job *j = &w->queue[w->nqueue];
		j->path = strdup(req->path);
		if (j->path) {
			j->req = *req;
			j->req.path = j->path;
			j->key = key;
			key = NULL;
			w->nqueue++;
			pthread_cond_signal(&w->wake);
		}
	}
	pthread_mutex_unlock(&w->lock);
	free(key);
	return found;
}

void picture_free(struct picture **p)
{
	if (!p || !*p)
		return;
	preview_free(&(*p)->cells);
	free(*p);
	*p = NULL;
}

int picture_ready(struct picture_worker *w)
{
	pthread_mutex_lock(&w->lock);
	int r = w->ready;
	w->ready = 0;
	pthread_mutex_unlock(&w->lock);
	return r;
}

int picture_pending(struct picture_worker *w)
{
	pthread_mutex_lock(&w->lock);
	int r = w->nqueue > 0 || w->busy != NULL;
	pthread_mutex_unlock(&w->lock);
	return r;
}

void picture_stats(struct picture_worker *w, size_t *count, size_t *bytes)
{
	pthread_mutex_lock(&w->lock);
	*count = w->count;
	*bytes = w->bytes;
	pthread_mutex_unlock(&w->lock);
}
