/* The dataset model: inputs, walking, grouping by UID, order, errors on nodes. */
#include "dataset.h"
#include "mkdcm.h"
#include "tap.h"

#include <limits.h>
#include <stdarg.h>

static char dir[256];

static const char *p(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *p(const char *fmt, ...)
{
	static char paths[4][PATH_MAX];
	static int k;
	char rel[PATH_MAX], *path = paths[k++ % 4];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof rel, fmt, ap);
	va_end(ap);
	if (snprintf(path, PATH_MAX, "%s/%s", dir, rel) >= PATH_MAX)
		path[0] = 0;
	return path;
}

/* A DICOM file at rel with the given study, series and instance UIDs (NULL: tag removed). */
static int dcm(const char *rel, const char *study, const char *series, const char *sop, const char *number)
{
	char l1[128], l2[128], l3[128], l4[64];
	snprintf(l1, sizeof l1, study ? "(0020,000d) UI [%s]" : "-(0020,000d)%s", study ? study : "");
	snprintf(l2, sizeof l2, series ? "(0020,000e) UI [%s]" : "-(0020,000e)%s", series ? series : "");
	snprintf(l3, sizeof l3, "(0008,0018) UI [%s]", sop);
	snprintf(l4, sizeof l4, "(0020,0013) IS [%s]", number);
	const char *ov[] = {l1, l2, l3, l4, NULL};
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path)
		return -1;
	char *slash = strrchr(path, '/');
	*slash = '\0';
	sh("mkdir -p '%s'", path);
	*slash = '/';
	return mkdcm(path, ov, "");
}

static struct dataset_node *child(const struct dataset_node *n, const char *name)
{
	for (struct dataset_node *c = n ? n->child : NULL; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static struct dataset_node *nth(const struct dataset_node *n, int i)
{
	struct dataset_node *c = n ? n->child : NULL;
	while (c && i-- > 0)
		c = c->next;
	return c;
}

static int has_msg(const struct dataset_node *n, int level, const char *needle)
{
	for (const struct dataset_msg *m = n ? n->msgs : NULL; m; m = m->next)
		if (m->level == level && strstr(m->text, needle))
			return 1;
	return 0;
}

static struct dataset_tree *scan(int threads, int n, ...)
{
	const char *paths[8];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		paths[i] = va_arg(ap, const char *);
	va_end(ap);
	struct dataset_scan_opts o = {.threads = threads};
	char err[256] = "";
	struct dataset_tree *t = dataset_scan(paths, (size_t)n, &o, err, sizeof err);
	if (!t)
		printf("# scan failed: %s\n", err);
	return t;
}

static void make_tree(void)
{
	int rc = 0;
	/* one study, samples in natural order, a file outside any sample */
	rc |= dcm("ds1/primary/sub-b/sam-10/IM1.dcm", "1.1", "1.1.10", "1.1.10.1", "1");
	rc |= dcm("ds1/primary/sub-b/sam-2/IM1.dcm", "1.1", "1.1.2", "1.1.2.1", "1");
	rc |= dcm("ds1/primary/sub-b/sam-1/IM10.dcm", "1.1", "1.1.1", "1.1.1.10", "10");
	rc |= dcm("ds1/primary/sub-b/sam-1/IM9.dcm", "1.1", "1.1.1", "1.1.1.9", "9");
	rc |= dcm("ds1/primary/sub-b/sam-1/IM2.dcm", "1.1", "1.1.1", "1.1.1.2", "2");
	rc |= dcm("ds1/primary/sub-b/loose.dcm", "1.1", "1.1.99", "1.1.99.1", "1");
	/* two studies in one subject */
	rc |= dcm("ds1/primary/sub-two-studies/sam-1/a.dcm", "2.1", "2.1.1", "2.1.1.1", "1");
	rc |= dcm("ds1/primary/sub-two-studies/sam-2/a.dcm", "2.2", "2.2.1", "2.2.1.1", "1");
	/* two series in one sample */
	rc |= dcm("ds1/primary/sub-two-series/sam-1/a.dcm", "3.1", "3.1.1", "3.1.1.1", "1");
	rc |= dcm("ds1/primary/sub-two-series/sam-1/b.dcm", "3.1", "3.1.2", "3.1.2.1", "1");
	rc |= dcm("ds1/primary/sub-two-series/sam-1/c.dcm", "3.1", "3.1.2", "3.1.2.2", "2");
	/* odd names, bad files */
	rc |= dcm("ds1/primary/sub-odd/sam with space/\xc3\xbcn\xc3\xaf" "code file", "4.1", "4.1.1", "4.1.1.1", "1");
	rc |= dcm("ds1/primary/sub-odd/sam with space/dup", "4.1", "4.1.1", "4.1.1.1", "2");
	rc |= dcm("ds1/primary/sub-odd/sam-1/nostudy.dcm", NULL, "4.9.1", "4.9.1.1", "1");
	rc |= dcm("ds1/primary/sub-odd/sam-1/noseries.dcm", "4.1", NULL, "4.1.9.1", "1");
	write_text(p("ds1/primary/sub-odd/sam-1/x.dcm"), "not dicom at all\n");
	write_text(p("ds1/primary/README.txt"), "a stray file in primary/\n");
	rc |= sh("mkdir -p '%s' && ln -s .. '%s'", p("ds1/primary/sub-odd/sam-1/deep"), p("ds1/primary/sub-odd/sam-1/deep/loop"));
	rc |= sh("ln -s /nonexistent/target '%s'", p("ds1/primary/sub-odd/sam-1/broken.dcm"));
	{
		char rel[PATH_MAX] = "ds1/primary/sub-deep/sam-1";
		for (int i = 0; i < 40; i++)
			strcat(rel, "/d");
		strcat(rel, "/IM1.dcm");
		rc |= dcm(rel, "5.1", "5.1.1", "5.1.1.1", "1");
	}
	rc |= dcm("ds1/primary/sub-deep/sam-1/d/IM2.dcm", "5.1", "5.1.1", "5.1.1.2", "2");
	rc |= dcm("ds1/primary/nosub/sam-1/a.dcm", "6.1", "6.1.1", "6.1.1.1", "1");
	write_text(p("ds1/dataset_description.csv"), "Metadata element,Value\n");
	write_text(p("ds1/subjects.csv"), "subject id\n");
	/* a second dataset, in the same parent folder */
	rc |= dcm("ds2/primary/sub-1/sam-1/a.dcm", "7.1", "7.1.1", "7.1.1.1", "1");
	rc |= sh("mkdir -p '%s'", p("ds2/primary/sub-empty/sam-1"));
	rc |= sh("mkdir -p '%s'", p("notads/folder"));
	ok(rc == 0, "test tree made with dump2dcm");
}

static void model(void)
{
	struct dataset_tree *t = scan(2, 1, p("ds1"));
	ok(t != NULL, "scan of a dataset root");
	if (!t)
		return;
	struct dataset_node *ds = t->root->child;
	ok(ds && ds->kind == DATASET_DATASET && strcmp(ds->name, "ds1") == 0, "one dataset named ds1");
	ok(ds && ds->next == NULL, "and nothing else at the top");
	is_int(nth(ds, 0)->kind, DATASET_META, "metadata files come first");
	is_str(nth(ds, 0)->name, "dataset_description.csv", "dataset_description found");
	is_str(nth(ds, 1)->name, "subjects.csv", "subjects found");

	/* subjects in natural order, then the stray file */
	const char *want[] = {"nosub", "sub-b", "sub-deep", "sub-odd", "sub-two-series", "sub-two-studies", "README.txt"};
	for (int i = 0; i < 7; i++)
		is_str(nth(ds, 2 + i) ? nth(ds, 2 + i)->name : NULL, want[i], "dataset child %d", i + 2);
	struct dataset_node *readme = child(ds, "README.txt");
	ok(readme && readme->kind == DATASET_FILE && (readme->flags & DATASET_NODE_SKIPPED), "stray file in primary/ listed as skipped");
	ok(has_msg(readme, DATASET_WARNING, "not a subject folder"), "with the reason");
	ok(has_msg(child(ds, "nosub"), DATASET_WARNING, "sub-"), "subject folder without sub- gets a warning");
	is_int(child(ds, "nosub")->ninstances, 1, "but is read");

	struct dataset_node *b = child(ds, "sub-b");
	is_int(b->nchildren, 1, "sub-b: one study");
	struct dataset_node *st = b->child;
	is_int(st->kind, DATASET_STUDY, "sub-b: study node");
	is_str(st->name, "1.1", "study named by its UID");
	is_str(dataset_tag(t, st, DICOM_PATIENT_ID), "PID001", "study tags come from its instances");
	is_int(st->ninstances, 6, "sub-b: six instances");
	is_str(nth(st, 0)->name, "", "series without a sample folder sorts first");
	ok(has_msg(nth(st, 0), DATASET_WARNING, "straight in the subject folder"), "and is flagged");
	is_str(nth(st, 1)->name, "sam-1", "natural order: sam-1");
	is_str(nth(st, 2)->name, "sam-2", "natural order: sam-2");
	is_str(nth(st, 3)->name, "sam-10", "natural order: sam-10 after sam-2");
	struct dataset_node *s1 = nth(st, 1);
	is_int(s1->ninstances, 3, "sam-1: three instances");
	is_str(nth(s1, 0)->name, "sam-1/IM2.dcm", "instances by number: 2");
	is_str(nth(s1, 1)->name, "sam-1/IM9.dcm", "instances by number: 9");
	is_str(nth(s1, 2)->name, "sam-1/IM10.dcm", "instances by number: 10");
	is_str(dataset_tag(t, nth(s1, 2), DICOM_SOP_INSTANCE_UID), "1.1.1.10", "instance tags");
	char path[PATH_MAX];
	ok(dataset_node_path(nth(s1, 2), path, sizeof path) == 0 && strstr(path, "/ds1/primary/sub-b/sam-1/IM10.dcm"),
	   "instance path: %s", path);

	struct dataset_node *ts = child(ds, "sub-two-studies");
	is_int(ts->nchildren, 2, "two StudyInstanceUIDs: two studies");
	ok(has_msg(ts, DATASET_WARNING, "2 studies"), "and a warning on the subject");
	is_str(nth(ts, 0)->name, "2.1", "first study");
	is_str(nth(ts, 1)->name, "2.2", "second study");

	struct dataset_node *tse = child(ds, "sub-two-series");
	is_int(tse->nchildren, 1, "one study");
	is_int(tse->child->nchildren, 2, "two SeriesInstanceUIDs in one sample: two series");
	is_str(nth(tse->child, 0)->name, "sam-1", "both named after the sample");
	is_str(nth(tse->child, 1)->name, "sam-1", "both named after the sample (2)");
	ok(has_msg(nth(tse->child, 0), DATASET_WARNING, "holds 2 series"), "with a warning");
	is_int(nth(tse->child, 1)->ninstances, 2, "second series keeps its two instances");
	is_str(dataset_tag(t, nth(tse->child, 1), DICOM_SERIES_UID), "3.1.2", "never merged");

	struct dataset_node *odd = child(ds, "sub-odd");
	struct dataset_node *ost = child(odd, "4.1");
	ok(ost != NULL, "sub-odd: study 4.1");
	struct dataset_node *sp = child(ost, "sam with space");
	ok(sp != NULL, "sample folder with a space");
	is_int(sp ? sp->ninstances : 0, 2, "DICOM files without extension, UTF-8 names, are instances");
	ok(sp && has_msg(sp, DATASET_WARNING, "repeat a SOP Instance UID"), "a repeated SOP Instance UID is flagged");
	struct dataset_node *x = child(odd, "sam-1/x.dcm");
	ok(x && x->kind == DATASET_FILE && (x->flags & DATASET_NODE_ERROR), "text named .dcm: error node");
	ok(has_msg(x, DATASET_ERROR, "not DICOM"), "with the reason");
	struct dataset_node *ns = child(odd, "sam-1/nostudy.dcm");
	ok(ns && (ns->flags & DATASET_NODE_ERROR) && has_msg(ns, DATASET_ERROR, "missing Study Instance UID"),
	   "missing StudyInstanceUID: error on the subject's file node");
	ok(ns && ns->tags != NULL, "and the tags that were read are kept");
	struct dataset_node *nse = child(ost, "sam-1/noseries.dcm");
	ok(nse && has_msg(nse, DATASET_ERROR, "missing Series Instance UID"), "missing SeriesInstanceUID: error under its study");
	ok(has_msg(child(odd, "sam-1/deep/loop"), DATASET_ERROR, "loop"), "symlink loop found with a reason");
	ok(has_msg(child(odd, "sam-1/broken.dcm"), DATASET_ERROR, "broken symbolic link"), "broken link with a reason");

	struct dataset_node *deep = child(ds, "sub-deep");
	is_int(deep->ninstances, 1, "deep tree: the shallow file is read");
	is_int(deep->nerrors, 1, "deep tree: one error for the part too deep");
	int found = 0;
	for (struct dataset_node *c = deep->child; c; c = c->next)
		found |= has_msg(c, DATASET_ERROR, "deeper than");
	ok(found, "deep tree: the reason says too deep");

	is_int(ds->ninstances, 1 + 6 + 1 + 2 + 3 + 2, "dataset instance count");
	is_int(t->nfiles, 18, "files read (not the link loop, the broken link or the too-deep file)");
	dataset_free(&t);
	ok(t == NULL, "dataset_free sets the pointer to NULL");
}

static void inputs(void)
{
	struct dataset_tree *t = scan(1, 1, dir);
	ok(t && t->root->nchildren == 2, "a folder of datasets: its two datasets; the folder without primary/ is not one");
	ok(t && strcmp(nth(t->root, 0)->name, "ds1") == 0 && strcmp(nth(t->root, 1)->name, "ds2") == 0,
	   "datasets in order");
	ok(t && has_msg(child(nth(t->root, 1), "sub-empty"), DATASET_WARNING, "no DICOM"), "an empty subject is flagged");
	dataset_free(&t);

	t = scan(0, 1, p("ds1/primary/sub-two-studies"));
	ok(t && t->root->nchildren == 1 && t->root->child->nchildren == 3, "a subject folder: its dataset with metadata and that subject");
	ok(t && child(t->root->child, "sub-two-studies") && !child(t->root->child, "sub-b"), "only that subject");
	dataset_free(&t);

	t = scan(0, 2, p("ds1/primary/sub-b/sam-2"), p("ds1/primary/sub-two-studies/sam-1/"));
	ok(t && t->root->nchildren == 1, "two sample folders of one dataset: one dataset");
	ok(t && t->root->child->ninstances == 2, "with just those two samples");
	dataset_free(&t);

	t = scan(0, 1, p("ds2/primary"));
	ok(t && t->root->nchildren == 1 && strcmp(t->root->child->name, "ds2") == 0, "a primary/ folder: its dataset");
	dataset_free(&t);

	t = scan(0, 3, p("ds2"), p("nowhere"), p("notads"));
	ok(t && t->root->nchildren == 3, "bad inputs become nodes");
	ok(t && has_msg(child(t->root, p("nowhere")), DATASET_ERROR, "No such file"), "missing path: error");
	ok(t && has_msg(child(t->root, p("notads")), DATASET_ERROR, "not an SDS dataset"), "folder without primary/: error");
	ok(t && t->root->nerrors == 2, "error count at the root");
	dataset_free(&t);
}

static void serialise(const struct dataset_tree *t, const struct dataset_node *n, char *buf, size_t len)
{
	size_t l = strlen(buf);
	snprintf(buf + l, len - l, "%d:%s:%u:%u:%u;", n->kind, n->name, n->ninstances, n->nerrors, n->nwarnings);
	if (n->kind == DATASET_INSTANCE) {
		l = strlen(buf);
		snprintf(buf + l, len - l, "%s;", dataset_tag(t, n, DICOM_SOP_INSTANCE_UID));
	}
	for (const struct dataset_node *c = n->child; c; c = c->next)
		serialise(t, c, buf, len);
}

static void threads(void)
{
	static char a[65536], b[65536];
	struct dataset_tree *t1 = scan(1, 1, p("ds1")), *t2 = scan(4, 1, p("ds1"));
	a[0] = b[0] = '\0';
	if (t1 && t2) {
		serialise(t1, t1->root, a, sizeof a);
		serialise(t2, t2->root, b, sizeof b);
	}
	ok(t1 && t2 && a[0] && strcmp(a, b) == 0, "one thread and four threads give the same tree");
	dataset_free(&t1);
	dataset_free(&t2);
}

struct outlines {
	int n;
	struct dataset_tree *last;
};

static void keep_outline(void *ctx, struct dataset_tree *o)
{
	struct outlines *k = ctx;
	k->n++;
	dataset_free(&k->last);
	k->last = o;
}

/* While the scan runs, outlines of datasets and subjects: ordered as the tree will be, with
 * the files found in each. */
static void outline(void)
{
	struct outlines k = {0, NULL};
	struct dataset_scan_opts o = {.threads = 2, .outline = keep_outline, .ctx = &k};
	char err[256] = "";
	const char *paths[] = {p("ds1")};
	struct dataset_tree *t = dataset_scan(paths, 1, &o, err, sizeof err);
	const struct dataset_tree *l = k.last;
	ok(t && k.n >= 1 && l, "an outline is handed out once the folders are listed (%d)", k.n);
	if (!t || !l)
		goto out;
	ok(l->partial && !t->partial, "it says it is an outline; the scan's tree does not");
	const struct dataset_node *ds = l->root->child, *tds = t->root->child;
	ok(ds && ds->kind == DATASET_DATASET && !ds->next && strcmp(ds->name, "ds1") == 0 && ds->path &&
	   strcmp(ds->path, tds->path) == 0, "its dataset, with its path");
	char a[512] = "", b[512] = "";
	for (const struct dataset_node *s = ds ? ds->child : NULL; s; s = s->next)
		snprintf(a + strlen(a), sizeof a - strlen(a), "%s%s:%u ", s->kind == DATASET_SUBJECT ? "" : "?", s->name,
			 s->nchildren);
	for (const struct dataset_node *s = tds->child; s; s = s->next)
		if (s->kind == DATASET_SUBJECT)
			snprintf(b + strlen(b), sizeof b - strlen(b), "%s ", s->name);
	is_str(a, "nosub:1 sub-b:6 sub-deep:1 sub-odd:5 sub-two-series:3 sub-two-studies:2 ", "its subjects, in the tree's order, with the files found in each");
	char a_names[512] = "";
	for (const struct dataset_node *s = ds ? ds->child : NULL; s; s = s->next)
		snprintf(a_names + strlen(a_names), sizeof a_names - strlen(a_names), "%s ", s->name);
	is_str(a_names, b, "... the same order as the scan's tree");
	ok(ds->nchildren == t->nfiles && l->root->nchildren == t->nfiles, "the dataset and the root count every file found (%zu)",
	   t->nfiles);
	ok(ds->ninstances <= ds->nchildren && !ds->child->child, "files read so far, at most those found; no nodes below subjects");
out:
	dataset_free(&k.last);
	dataset_free(&t);
}

static void swap_files(void *ctx, struct dataset_tree *o)
{
	int *done = ctx;
	if (!*done) {	/* once the folders are listed, before any file is read */
		*done = 1;
		sh("rm -f '%s' && rm -f '%s' && mkfifo '%s'", p("ds1/primary/sub-two-series/sam-1/a.dcm"),
		   p("ds1/primary/sub-two-series/sam-1/b.dcm"), p("ds1/primary/sub-two-series/sam-1/b.dcm"));
	}
	dataset_free(&o);
}

/* Files are stat'ed by the readers, after the walk listed them: one gone by then is an error,
 * one that became a FIFO is skipped, as when the walk saw them so. */
static void changed_after_listing(void)
{
	int done = 0;
	struct dataset_scan_opts o = {.threads = 2, .outline = swap_files, .ctx = &done};
	char err[256] = "";
	const char *paths[] = {p("ds1/primary/sub-two-series")};
	struct dataset_tree *t = dataset_scan(paths, 1, &o, err, sizeof err);
	const struct dataset_node *sub = t ? child(t->root->child, "sub-two-series") : NULL;
	const struct dataset_node *gone = NULL, *fifo = NULL;
	size_t nf = 0;
	const struct dataset_node **files = sub ? dataset_collect(sub, DATASET_FILE, &nf) : NULL;
	for (size_t i = 0; i < nf; i++) {
		if (strcmp(files[i]->name, "sam-1/a.dcm") == 0)
			gone = files[i];
		if (strcmp(files[i]->name, "sam-1/b.dcm") == 0)
			fifo = files[i];
	}
	free(files);
	ok(done && gone && has_msg(gone, DATASET_ERROR, "No such file"), "a file gone after the listing: an error on it");
	ok(fifo && has_msg(fifo, DATASET_WARNING, "not a regular file") && (fifo->flags & DATASET_NODE_SKIPPED),
	   "a file that became a FIFO: skipped, not read (no hang)");
	ok(t && t->root->ninstances == 1, "the third file still read (%u)", t ? t->root->ninstances : 0);
	dataset_free(&t);
}

static void natcmp(void)
{
	ok(dataset_natcmp("sam-2", "sam-10") < 0, "sam-2 < sam-10");
	ok(dataset_natcmp("sam-10", "sam-2") > 0, "sam-10 > sam-2");
	ok(dataset_natcmp("sam-02", "sam-2") == 0, "leading zeros compare equal by value");
	ok(dataset_natcmp("a", "a1") < 0, "prefix first");
	ok(dataset_natcmp("IM9.dcm", "IM10.dcm") < 0, "IM9 < IM10");
	ok(dataset_natcmp("99999999999999999999999", "100000000000000000000000") < 0, "long digit runs");
}

int main(void)
{
	char *d = mktemp_dir();
	ok(d != NULL, "temporary folder");
	if (!d)
		return tap_done();
	snprintf(dir, sizeof dir, "%s", d);
	natcmp();
	make_tree();
	model();
	inputs();
	threads();
	outline();
	changed_after_listing();	/* last: it changes ds1 */
	rm_rf(dir);
	return tap_done();
}
