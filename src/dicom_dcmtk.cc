// The only C++ file: DICOM header reading, pixels for previews (dcmimgle, dcmimage and the
// JPEG, JPEG-LS and RLE decoders) and the CID 4031 body part mapping with dcmtk,
// behind the plain C interface of dicom.h. Every entry point catches all exceptions.
#include "dicom.h"
#include "charset.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcistrmf.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmsr/cmr/cid4031.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmimage/diregist.h>
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstddef>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <new>
#include <pthread.h>
#include <sys/stat.h>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

/* One allocation of the C++ side (dcmtk) may not exceed this: a header that claims a value of
 * gigabytes (a damaged or hostile length field) makes dcmtk's allocation fail at once, which it
 * reports as an error, rather than take the memory. No value sdsfhir reads comes near it. */
#define ALLOC_MAX ((size_t)64 << 20)

/* Longer values of the tags sdsfhir reads are not loaded (the longest of their VRs, LO and
 * PN, hold 64 characters per component group). */
#define VALUE_MAX 16384

/* Not inlined, so that every call goes through the symbols (which valgrind replaces as a pair). */
#define NOINLINE __attribute__((noinline, used))

/* While a header is read (arena_begin .. arena_end, on one thread), dcmtk's ~560 allocations a
 * file come from a bump arena and their deletes do nothing: malloc and free were 40 % of the
 * instructions per file. Every object of the read is destroyed before arena_end, which frees the
 * arena whole. Not in sanitizer builds, so that AddressSanitizer sees every allocation. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA 0
#else
#define ARENA 1
#endif
#define ARENA_CHUNK 65536
#define LENIENT_ELEMENTS_MAX 100000	/* elements of a damaged header read again past its damage (said in an error) */

struct arena_chunk {
	arena_chunk *next;
	size_t size, used;	/* bytes of data, in use */
	alignas(16) unsigned char data[1];
};

static thread_local arena_chunk *arena_head;	/* non-NULL only between arena_begin and arena_end */
static thread_local bool arena_on;

static void *arena_alloc(std::size_t n)
{
	n = (n + 15) & ~(std::size_t)15;
	arena_chunk *c = arena_head;
	if (!c || c->size - c->used < n) {
		std::size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = static_cast<arena_chunk *>(malloc(offsetof(arena_chunk, data) + size));
		if (!c)
			return NULL;
		c->next = arena_head;
		c->size = size;
		c->used = 0;
		arena_head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

/* Every block handed out starts after a header that says where it came from, so that a delete
 * costs the same whatever the number of chunks (walking them took 300 s for 950,000 items). */
struct block_head {
	std::size_t from_arena;
	std::size_t pad;	/* keeps the block 16-aligned */
};

static void arena_begin(void)
{
	arena_on = ARENA;
}

static void arena_end(void)
{
	arena_on = false;
	while (arena_head) {
		arena_chunk *next = arena_head->next;
		free(arena_head);
		arena_head = next;
	}
}

static void *alloc(std::size_t n)
{
	if (n > ALLOC_MAX)
		return NULL;
	std::size_t total = sizeof(block_head) + (n ? n : 1);
	block_head *h = static_cast<block_head *>(arena_on ? arena_alloc(total) : malloc(total));
	if (!h)
		return NULL;
	h->from_arena = arena_on;
	return h + 1;
}

static void release(void *p)
{
	block_head *h = p ? static_cast<block_head *>(p) - 1 : NULL;
	if (h && !h->from_arena)	/* an arena block goes with its arena, in arena_end */
		free(h);
}

NOINLINE void *operator new(std::size_t n)
{
	void *p = alloc(n);
	if (!p)
		throw std::bad_alloc();
	return p;
}

NOINLINE void *operator new[](std::size_t n)
{
	return operator new(n);
}

NOINLINE void *operator new(std::size_t n, const std::nothrow_t &) noexcept
{
	return alloc(n);
}

NOINLINE void *operator new[](std::size_t n, const std::nothrow_t &) noexcept
{
	return alloc(n);
}

NOINLINE void operator delete(void *p) noexcept { release(p); }
NOINLINE void operator delete[](void *p) noexcept { release(p); }
NOINLINE void operator delete(void *p, std::size_t) noexcept { release(p); }
NOINLINE void operator delete[](void *p, std::size_t) noexcept { release(p); }
NOINLINE void operator delete(void *p, const std::nothrow_t &) noexcept { release(p); }
NOINLINE void operator delete[](void *p, const std::nothrow_t &) noexcept { release(p); }

extern "C" const struct dicom_tag_info dicom_tag_table[DICOM_TAG_COUNT] = {
#define DICOM_TAG(id, g, e, kw, name) {g, e, kw, name},
#include "dicom_tags.def"
#undef DICOM_TAG
};

static void seterr(char *err, size_t errlen, const char *fmt, const char *a = "", const char *b = "")
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a, b);
}

/* dcmtk's logger off, and the CID 4031 table built before any thread uses it; the data
 * dictionary is not needed for these (dicom_init loads it). */
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static void setup(void)
{
	try {
		OFLog::configure(OFLogger::OFF_LOG_LEVEL);
		CID4031_CommonAnatomicRegions::initialize();
	} catch (...) {
	}
}

extern "C" int dicom_init(char *err, size_t errlen)
{
	pthread_once(&setup_once, setup);
	try {
		if (!dcmDataDict.isDictionaryLoaded()) {
			const char *env = getenv("DCMDICTPATH");
			seterr(err, errlen, "the DICOM data dictionary could not be loaded from %s "
			       "(install Debian package libdcmtk17, or set DCMDICTPATH to its dicom.dic)",
			       env && *env ? env : DCM_DICT_DEFAULT_PATH);
			return DICOM_ERR_INTERNAL;
		}
		return DICOM_OK;
	} catch (...) {
		seterr(err, errlen, "dcmtk failed to initialise");
		return DICOM_ERR_INTERNAL;
	}
}

/* Sniff the first bytes: a DICM magic after the preamble (or at the start, with no
 * preamble: *skip is then set to 4), or a dataset or meta header that starts straight
 * away with group 0002 or 0008 in either byte order. */
static int sniff(int fd, long *skip, char *err, size_t errlen)
{
	*skip = 0;
	unsigned char b[132];
	ssize_t n = 0, r;
	while (n < (ssize_t)sizeof b && (r = pread(fd, b + n, sizeof b - n, n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			seterr(err, errlen, "cannot read: %s", strerror(errno));
			return DICOM_ERR_IO;
		}
		n += r;
	}
	if (n == 0) {
		seterr(err, errlen, "not DICOM: empty file");
		return DICOM_ERR_NOT_DICOM;
	}
	if (n == 132 && memcmp(b + 128, "DICM", 4) == 0)
		return DICOM_OK;
	if (n >= 4 && memcmp(b, "DICM", 4) == 0) {
		*skip = 4;
		return DICOM_OK;
	}
	if (n >= 8) {
		unsigned le = b[0] | b[1] << 8, be = b[0] << 8 | b[1];
		if (le == 0x0002 || le == 0x0008 || be == 0x0002 || be == 0x0008)
			return DICOM_OK;
	}
	size_t text = 0;
	for (ssize_t i = 0; i < n; i++)
		if (b[i] == '\n' || b[i] == '\r' || b[i] == '\t' || (b[i] >= 0x20 && b[i] != 0x7f))
			text++;
	size_t i = 0;
	while (i < (size_t)n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t'))
		i++;
	if (text == (size_t)n && i < (size_t)n && (b[i] == '{' || b[i] == '['))
		seterr(err, errlen, "not DICOM: JSON text");
	else if (text == (size_t)n)
		seterr(err, errlen, "not DICOM: text file");
	else
		seterr(err, errlen, "not DICOM: no DICM marker at byte 128 and no DICOM element at the start");
	return DICOM_ERR_NOT_DICOM;
}

/* Make s valid UTF-8 in place (invalid bytes are read as Latin-1, which may grow the
 * string; the result is cut to cap) and strip control characters and trailing blanks. */
static void clean_utf8(OFString &s, bool *had_invalid)
{
	const unsigned char *p = (const unsigned char *)s.c_str();
	size_t n = s.length(), plain = 0;
	while (plain < n && p[plain] >= 0x20 && p[plain] < 0x7f)
		plain++;
	if (plain == n) {	/* printable ASCII (most values): only the spaces around it go */
		size_t end = n, start = 0;
		while (end > 0 && p[end - 1] == ' ')
			end--;
		while (start < end && p[start] == ' ')
			start++;
		if (start > 0 || end < n)
			s = s.substr(start, end - start);
		return;
	}
	OFString out;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		bool ok = len > 0 && i + len <= n && !(len == 2 && c < 0xc2);
		for (size_t k = 1; ok && k < len; k++)
			ok = (p[i + k] & 0xc0) == 0x80;
		if (ok && len == 1) {
			out += (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
			i++;
		} else if (ok) {
			out.append((const char *)p + i, len);
			i += len;
		} else {
			*had_invalid = true;
			out += (char)(0xc0 | c >> 6);
			out += (char)(0x80 | (c & 0x3f));
			i++;
		}
	}
	size_t end = out.length();
	while (end > 0 && (out[end - 1] == ' ' || out[end - 1] == '\0'))
		end--;
	size_t start = 0;
	while (start < end && out[start] == ' ')
		start++;
	s = out.substr(start, end - start);
}

/* Held for reading by every parse in strict mode, for writing by the one that turns dcmtk's
 * global "ignore parsing errors" switch on for a second try. */
static pthread_rwlock_t parse_mode = PTHREAD_RWLOCK_INITIALIZER;

/* dcmtk's switches for what other readers accept (dcmdump's +Ep, +rd, +ai): parse errors, a
 * sequence delimiter where an item's should be, a dataset in implicit VR whose meta header
 * says explicit. Global in dcmtk: only under parse_mode held for writing. */
static void lenient_mode(bool on)
{
	dcmIgnoreParsingErrors.set(on ? OFTrue : OFFalse);
	dcmReplaceWrongDelimitationItem.set(on ? OFTrue : OFFalse);
	dcmAcceptUnexpectedImplicitEncoding.set(on ? OFTrue : OFFalse);
}

static bool is_truncation(const OFCondition &c)
{
	return c == EC_StreamNotifyClient || c == EC_PrematureSequDelimitationItem || strstr(c.text(), "end of stream") ||
	       strstr(c.text(), "Premature") || c == EC_InvalidStream;
}

/* Does the dataset carry what makes an instance: SOP Class, SOP Instance, Study and Series UIDs? */
static bool has_identity(DcmDataset *ds)
{
	static const DcmTagKey keys[] = {DCM_SOPClassUID, DCM_SOPInstanceUID, DCM_StudyInstanceUID, DCM_SeriesInstanceUID};
	if (!ds)
		return false;
	size_t found = 0;	/* one walk of the sorted element list (a search per key starts over each time) */
	for (DcmObject *o = ds->nextInContainer(NULL); o && found < 4; o = ds->nextInContainer(o)) {
		if (o->getTag() > keys[found])
			return false;	/* the list and the keys are in the same order: this one is missing */
		if (o->getTag() != keys[found])
			continue;
		OFString v;
		if (OFstatic_cast(DcmElement *, o)->getOFString(v, 0).bad() || v.empty())
			return false;
		found++;
	}
	return found == 4;
}

static unsigned u16(const unsigned char *b, bool le)
{
	return le ? (unsigned)(b[0] | b[1] << 8) : (unsigned)(b[0] << 8 | b[1]);
}

static unsigned long u32(const unsigned char *b, bool le)
{
	return le ? (unsigned long)b[0] | (unsigned long)b[1] << 8 | (unsigned long)b[2] << 16 | (unsigned long)b[3] << 24
		  : (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 | (unsigned long)b[2] << 8 | (unsigned long)b[3];
}

/* The Pixel Data element at offset pos of a file of size len, in explicit or implicit VR little
 * endian: does its value end past the end of the file? Sets *want and *have. */
static bool pixels_cut(int fd, long pos, long len, bool explicit_vr, unsigned long *want, unsigned long *have)
{
	if (pos < 0)
		return false;
	unsigned char b[12];
	ssize_t n = pread(fd, b, sizeof b, pos);
	if (n < 8 || !(b[0] == 0xe0 && b[1] == 0x7f && b[2] == 0x10 && b[3] == 0x00))
		return false;
	unsigned long l;
	size_t head;
	if (explicit_vr && n == 12 && (b[4] == 'O' || b[4] == 'U')) {
		l = u32(b + 8, true);
		head = 12;
	} else if (!explicit_vr) {
		l = u32(b + 4, true);
		head = 8;
	} else {
		return false;
	}
	if (l == 0xffffffffUL)	/* encapsulated: fragments, not checked */
		return false;
	*want = l;
	*have = (unsigned long)(len - pos) > head ? (unsigned long)(len - pos) - head : 0;
	return *have < l;
}

#define NESTING_MAX 64	/* sequences nested deeper than this are refused before dcmtk recurses into them */
#define ELEMENTS_MAX 2000000	/* a header with more elements than this before Pixel Data is refused */

/* A window on a file for the walk below. */
struct window {
	int fd;
	long size;
	long at;		/* file offset of buf[0] */
	long len;		/* bytes in buf */
	unsigned char buf[65536];
};

/* The window moved to pos, for n bytes; false past the end of the file. */
static __attribute__((noinline)) bool window_move(struct window *w, long pos, long n)
{
	if (pos < 0 || pos + n > w->size)
		return false;
	ssize_t r = pread(w->fd, w->buf, sizeof w->buf, pos);
	if (r < n)
		return false;
	w->at = pos;
	w->len = r;
	return true;
}

/* n (<= 12) bytes at pos into out; false past the end of the file. Inline: the walk calls it two
 * or three times an element, and the bytes are in the window nearly always. */
static inline bool window_get(struct window *w, long pos, unsigned char *out, long n)
{
	if ((pos < w->at || pos + n > w->at + w->len) && !window_move(w, pos, n))
		return false;
	memcpy(out, w->buf + (pos - w->at), (size_t)n);
	return true;
}

static bool long_vr(const unsigned char *vr)
{
	static const char *const vrs[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"};
	for (const char *v : vrs)
		if (vr[0] == (unsigned char)v[0] && vr[1] == (unsigned char)v[1])
			return true;
	return false;
}

/* Tag t of dicom_tag_table as one number, group first: the order of a dataset's elements. */
static Uint32 key_of(int t)
{
	return (Uint32)dicom_tag_table[t].group << 16 | dicom_tag_table[t].element;
}

/* The first tag after the last one sdsfhir reads: where dcmtk stops. */
static Uint32 stop_key(void)
{
	Uint32 last = 0;
	for (int t = 0; t < DICOM_TAG_COUNT; t++)
		last = key_of(t) > last ? key_of(t) : last;
	return last + 1;
}

struct walk {		/* what the raw walk over a header found */
	long pixels;	/* offset of the top-level Pixel Data element; -1 when not reached */
	long stop;	/* offset of the first top-level element at or after stop_key(); -1 when none */
	bool cut;	/* the file ends inside an element before Pixel Data */
	long elements;	/* elements walked */
};

/* How deep the sequences of w's file nest, up to Pixel Data, counted over the raw element headers
 * (from the meta header's transfer syntax; a deflated dataset is not walked: 0). Stops counting
 * past limit. A cheap pass before dcmtk, which recurses once per level. Fills *wk. */
static int nesting_depth(struct window *w, long skip, int limit, struct walk *wk)
{
	static const Uint32 stop = stop_key();
	wk->pixels = wk->stop = wk->elements = -1;
	wk->cut = false;
	unsigned char b[12];
	(void)window_get(w, 0, b, 1);	/* the window starts at the file's start */
	long pos = skip == 4 ? 4 : 0;
	if (skip == 0 && window_get(w, 128, b, 4) && memcmp(b, "DICM", 4) == 0)
		pos = 132;
	bool explicit_vr = true, le = true;
	char ts[70] = "";
	while (window_get(w, pos, b, 8) && u16(b, true) == 0x0002) {	/* the meta header: explicit VR LE */
		unsigned elem = u16(b + 2, true);
		bool lv = long_vr(b + 4);
		unsigned long len = lv ? (window_get(w, pos + 8, b + 8, 4) ? u32(b + 8, true) : 0) : u16(b + 6, true);
		long hdr = lv ? 12 : 8;
		if (elem == 0x0010 && len < sizeof ts) {
			for (unsigned long i = 0; i < len && window_get(w, pos + hdr + (long)i, b, 1); i++)
				ts[i] = (char)b[0];
			ts[len] = '\0';
		}
		pos += hdr + (long)len;
	}
	if (ts[0]) {
		size_t n = strlen(ts);
		while (n && (ts[n - 1] == ' ' || ts[n - 1] == '\0'))
			ts[--n] = '\0';
		explicit_vr = strcmp(ts, UID_LittleEndianImplicitTransferSyntax) != 0;
		le = strcmp(ts, UID_BigEndianExplicitTransferSyntax) != 0;
		if (!strcmp(ts, UID_DeflatedExplicitVRLittleEndianTransferSyntax))
			return 0;
	} else if (window_get(w, pos, b, 6)) {	/* no meta header: explicit when a VR follows the tag */
		explicit_vr = isupper(b[4]) && isupper(b[5]);
	}
	long end[2 * NESTING_MAX + 4];	/* the end of each open sequence or item, -1 when undefined */
	if (limit > 2 * NESTING_MAX + 2)
		limit = 2 * NESTING_MAX + 2;
	int sp = 0, deepest = 0;
	int count = 0;
	for (;; count++) {
		wk->elements = count;
		if (count >= ELEMENTS_MAX)	/* a header that never ends (a sparse file of zeros) */
			return -1;
		while (sp > 0 && end[sp - 1] >= 0 && pos >= end[sp - 1])
			sp--;
		if (!window_get(w, pos, b, 8)) {
			wk->cut = pos != w->size || sp > 0;	/* not a clean end of the file */
			break;
		}
		unsigned group = u16(b, le), elem = u16(b + 2, le);
		if (sp == 0 && wk->stop < 0 && ((Uint32)group << 16 | elem) >= stop)
			wk->stop = pos;
		if (group == 0xfffe) {	/* item, item and sequence delimiters: a length, no VR */
			unsigned long len = u32(b + 4, le);
			pos += 8;
			if (elem == 0xe000) {
				if (sp >= limit)
					break;
				end[sp++] = len == 0xffffffffUL ? -1 : pos + (long)len;
			} else if (sp > 0) {
				sp--;
			}
			deepest = sp > deepest ? sp : deepest;
			continue;
		}
		if (sp == 0 && (group > 0x7fe0 || (group == 0x7fe0 && elem >= 0x0010))) {
			wk->pixels = pos;
			break;	/* Pixel Data: where the reading stops */
		}
		unsigned long len;
		long hdr;
		bool sq;
		if (explicit_vr) {
			bool lv = long_vr(b + 4);
			if (lv && !window_get(w, pos + 8, b + 8, 4)) {
				wk->cut = true;
				break;
			}
			len = lv ? u32(b + 8, le) : u16(b + 6, le);
			hdr = lv ? 12 : 8;
			sq = b[4] == 'S' && b[5] == 'Q';
			if (!sq && b[4] == 'U' && b[5] == 'N' && len == 0xffffffffUL)
				sq = true;	/* UN of undefined length: read as a sequence */
		} else {
			len = u32(b + 4, le);
			hdr = 8;
			sq = len == 0xffffffffUL || DcmTag(DcmTagKey((Uint16)group, (Uint16)elem)).getEVR() == EVR_SQ;
		}
		pos += hdr;
		if (sq) {
			if (sp >= limit)
				break;
			end[sp++] = len == 0xffffffffUL ? -1 : pos + (long)len;
			deepest = sp > deepest ? sp : deepest;
			continue;
		}
		if (len == 0xffffffffUL)
			break;	/* encapsulated data: nothing nests in it */
		pos += (long)len;
	}
	return deepest / 2;	/* a level is a sequence and its item */
}


/* Read path's meta header and dataset into ff up to the first element after the tags sdsfhir
 * reads (values over 4 KiB stay on disk), from w's bytes when they hold all of that (or the
 * whole file), else from the file. A file that ends inside a later element, or inside Pixel
 * Data, as the walk wk found (the file is w->size bytes), is noted in damage. */
static OFCondition read_dataset(const char *path, const struct window *w, const struct walk *wk, long skip,
				DcmFileFormat &ff, char *damage, size_t dlen, bool strict = true)
{
	static const Uint32 stop = stop_key();
	if (strict)
		pthread_rwlock_rdlock(&parse_mode);
	bool held = w->at == 0 && (w->len == w->size || (wk->stop >= 0 && wk->stop + 12 <= w->len));
	DcmInputStream *in = NULL;
	if (held) {
		DcmInputBufferStream *b = new (std::nothrow) DcmInputBufferStream;
		if (b) {
			b->setBuffer(w->buf + skip, (offile_off_t)(w->len - skip));
			b->setEos();
		}
		in = b;
	} else {
		in = new (std::nothrow) DcmInputFileStream(path, skip);
	}
	OFCondition cond = in ? in->status() : EC_MemoryExhausted;
	if (cond.good()) {
		ff.transferInit();
		cond = ff.readUntilTag(*in, EXS_Unknown, EGL_noChange, 4096, DcmTagKey((Uint16)(stop >> 16), (Uint16)stop));
		ff.transferEnd();
	}
	if (held && in)
		static_cast<DcmInputBufferStream *>(in)->releaseBuffer();
	delete in;
	if (strict)
		pthread_rwlock_unlock(&parse_mode);
	unsigned long want = 0, have = 0;
	DcmDataset *ds = ff.getDataset();
	if (cond.good() && damage && ds &&
	    pixels_cut(w->fd, wk->pixels, w->size, ds->getOriginalXfer() != EXS_LittleEndianImplicit, &want, &have))
		snprintf(damage, dlen, "truncated after the header: Pixel Data ends after %lu of its %lu bytes", have, want);
	else if (cond.good() && damage && ds && wk->cut)
		snprintf(damage, dlen, "truncated after the header: the file ends inside an element after the tags "
			 "sdsfhir reads (%ld bytes)", w->size);
	return cond;
}

/* The top-level elements of ds that dicom_tag_table names, NULL where absent: one merge of the
 * dataset's sorted element list with the table's tags in key order (a search per tag walked the
 * list from its start each time). */
static void dataset_elements(DcmDataset *ds, DcmElement *els[DICOM_TAG_COUNT])
{
	for (int t = 0; t < DICOM_TAG_COUNT; t++)
		els[t] = NULL;
	static int order[DICOM_TAG_COUNT];	/* the table's tags by key (built once: the table is constant) */
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, [] {
		for (int t = 0; t < DICOM_TAG_COUNT; t++)
			order[t] = t;
		std::sort(order, order + DICOM_TAG_COUNT, [](int a, int b) { return key_of(a) < key_of(b); });
	});
	int next = 0;	/* both sorted: one merge */
	for (DcmObject *o = ds->nextInContainer(NULL); o && next < DICOM_TAG_COUNT; o = ds->nextInContainer(o)) {
		Uint32 k = (Uint32)o->getGTag() << 16 | o->getETag();
		while (next < DICOM_TAG_COUNT && key_of(order[next]) < k)
			next++;
		if (next < DICOM_TAG_COUNT && key_of(order[next]) == k)
			els[order[next++]] = OFstatic_cast(DcmElement *, o);
	}
}

/* The elements of the first item of Issuer of Accession Number Sequence (0008,0051) into els,
 * never the top-level ones of the same tags. */
static void accession_issuer(DcmDataset *ds, DcmElement *els[DICOM_TAG_COUNT])
{
	static const int nested[] = {DICOM_ACSN_ISSUER_LOCAL, DICOM_ACSN_ISSUER_UID, DICOM_ACSN_ISSUER_TYPE};
	DcmItem *item = NULL;
	bool has = ds->findAndGetSequenceItem(DCM_IssuerOfAccessionNumberSequence, item, 0).good() && item;
	for (int t : nested) {
		DcmElement *el = NULL;
		els[t] = has && item->findAndGetElement(DcmTagKey(dicom_tag_table[t].group, dicom_tag_table[t].element), el,
						       OFFalse).good() ? el : NULL;
	}
}

static int read_header_fd(const char *path, int fd, long size, struct dicom_header *out, char *err, size_t errlen);

static pthread_once_t proc_once = PTHREAD_ONCE_INIT;
static bool have_proc;	/* /proc/self/fd can be read: set once by proc_check */

static void proc_check(void)
{
	have_proc = access("/proc/self/fd", R_OK | X_OK) == 0;
}

/* The file opened once, without blocking (a FIFO would hang), and only when it is regular; dcmtk
 * then reads that very file through /proc/self/fd, so it cannot be swapped in between. The
 * descriptor (Caller closes), or -1 (cannot open) or -2 (not a regular file) with err. */
static int open_regular(const char *path, struct stat *st, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, st) != 0) {
		seterr(err, errlen, "cannot open: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		seterr(err, errlen, "not a regular file: ignored");
		return -2;
	}
	return fd;
}

static int read_header(const char *path, struct dicom_header *out, char *err, size_t errlen)
{
	memset(out->off, 0, sizeof out->off);
	out->used = 0;
	out->xfer_name[0] = '\0';
	out->warning[0] = '\0';

	struct stat fst;
	int fd = open_regular(path, &fst, err, errlen);
	if (fd < 0)
		return fd == -2 ? DICOM_SKIP_SPECIAL : DICOM_ERR_IO;
	char fdpath[64];
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
	pthread_once(&proc_once, proc_check);
	int st = read_header_fd(have_proc ? fdpath : path, fd, (long)fst.st_size, out, err, errlen);	/* no /proc: the path */
	close(fd);
	return st;
}

/* The walk of the header before dcmtk reads it: 0, or -1 with err when it is nested deeper than
 * dcmtk may recurse or holds too many elements. */
static int walk_ok(struct window *w, long skip, struct walk *wk, char *err, size_t errlen)
{
	int depth = nesting_depth(w, skip, 2 * NESTING_MAX + 2, wk);
	if (depth <= NESTING_MAX && depth >= 0)
		return 0;
	seterr(err, errlen, depth < 0 ? "a header of more than %s elements before Pixel Data: not read"
	       : "sequences nested deeper than %s levels: not read", depth < 0 ? "2,000,000" : "64");
	return -1;
}

static int read_header_fd(const char *path, int fd, long size, struct dicom_header *out, char *err, size_t errlen)
{
	long skip;
	int st = sniff(fd, &skip, err, errlen);
	if (st != DICOM_OK)
		return st;
	std::unique_ptr<window> win(new (std::nothrow) window);	/* the header's first 64 KiB, read once */
	window *w = win.get();
	if (!w) {
		seterr(err, errlen, "out of memory");
		return DICOM_ERR_INTERNAL;
	}
	w->fd = fd, w->size = size, w->at = 0, w->len = 0;
	struct walk wk;
	if (walk_ok(w, skip, &wk, err, errlen) < 0)
		return DICOM_ERR_PARSE;

	DcmFileFormat ff;
	char damage[200] = "";
	OFCondition cond = read_dataset(path, w, &wk, skip, ff, damage, sizeof damage);
	if (!has_identity(ff.getDataset()) && wk.elements > LENIENT_ELEMENTS_MAX) {
		/* a damaged header that large would hold the lenient read's lock, and every scan thread
		 * with it, for as long as it takes: not read past its damage */
		char n[64];
		snprintf(n, sizeof n, "%ld", wk.elements);
		seterr(err, errlen, "cannot parse DICOM header (%s), and with %s elements before Pixel Data it is too "
		       "large to read past the damage (at most 100000)", cond.bad() ? cond.text() : "elements out of order", n);
		return DICOM_ERR_PARSE;
	} else if (!has_identity(ff.getDataset())) {
		/* again as dcmdump +Ep does: past parse errors, to reach the identifying tags (a
		 * misread element can also end the reading early, at a tag past the ones sdsfhir reads) */
		DcmFileFormat lenient;
		pthread_rwlock_wrlock(&parse_mode);
		lenient_mode(true);
		OFCondition c2 = read_dataset(path, w, &wk, skip, lenient, NULL, 0, false);
		lenient_mode(false);
		pthread_rwlock_unlock(&parse_mode);
		if (has_identity(lenient.getDataset())) {
			ff.clear();
			ff = lenient;
			(void)c2;
			snprintf(damage, sizeof damage, "damaged DICOM (%s): read past the damage as dcmdump +Ep +rd +ai does",
			         cond.bad() ? cond.text() : "elements out of order");
			cond = EC_Normal;
		}
	}
	if (cond.bad() && !has_identity(ff.getDataset())) {
		if (is_truncation(cond))
			seterr(err, errlen, "truncated DICOM header: %s", cond.text());
		else
			seterr(err, errlen, "cannot parse DICOM header: %s", cond.text());
		return is_truncation(cond) ? DICOM_ERR_TRUNCATED : DICOM_ERR_PARSE;
	}
	if (cond.bad())		/* the identifying tags were read before the damage: the instance counts */
		snprintf(damage, sizeof damage, "%s: %s (the tags before it were used)",
		         is_truncation(cond) ? "truncated after the header" : "damaged after the header", cond.text());
	DcmMetaInfo *meta = ff.getMetaInfo();
	DcmDataset *ds = ff.getDataset();
	if (!ds) {
		seterr(err, errlen, "cannot parse DICOM header: no dataset");
		return DICOM_ERR_PARSE;
	}
	OFString sopclass;
	if (meta && meta->findAndGetOFString(DCM_MediaStorageSOPClassUID, sopclass).good() &&
	    sopclass == UID_MediaStorageDirectoryStorage) {
		seterr(err, errlen, "DICOMDIR (media directory), not an image instance");
		return DICOM_SKIP_DICOMDIR;
	}
	if (ds->card() == 0) {
		seterr(err, errlen, "not DICOM: no data elements could be read");
		return DICOM_ERR_NOT_DICOM;
	}

	OFString xfer;
	E_TransferSyntax xs = ds->getOriginalXfer();
	if (!(meta && meta->findAndGetOFString(DCM_TransferSyntaxUID, xfer).good() && !xfer.empty())) {
		xfer = DcmXfer(xs).getXferID();
	}
	{
		DcmXfer dx(xfer.c_str());
		snprintf(out->xfer_name, sizeof out->xfer_name, "%s",
		         dx.getXfer() != EXS_Unknown ? dx.getXferName() : "unknown transfer syntax");
	}

	OFString charset;
	bool has_charset = ds->findAndGetOFStringArray(DCM_SpecificCharacterSet, charset).good();
	bool charset_failed = false, iso2022 = false;
	if (has_charset) {
		OFString cs = charset;
		bool dummy = false;
		clean_utf8(cs, &dummy);
		if (!cs.empty() && cs != "ISO_IR 192" && cs != "ISO_IR 6" && cs != "ISO 2022 IR 6") {
			OFCondition cc = ds->convertToUTF8();
			if (cc.bad() && charset_is_iso2022(charset.c_str())) {
				iso2022 = true;	/* glibc's iconv cannot: charset_decode does, value by value */
			} else if (cc.bad()) {
				charset_failed = true;
				snprintf(out->warning, sizeof out->warning,
				         "cannot convert from Specific Character Set '%s' (%s): "
				         "non-ASCII bytes read as Latin-1", cs.c_str(), cc.text());
			}
		}
	}

	DcmElement *els[DICOM_TAG_COUNT];
	dataset_elements(ds, els);
	accession_issuer(ds, els);
	bool invalid = false;
	for (int t = 0; t < DICOM_TAG_COUNT; t++) {
		OFString v;
		bool found;
		if (t == DICOM_SPECIFIC_CHARSET) {
			found = has_charset;
			v = charset;
		} else if (t == DICOM_TRANSFER_SYNTAX) {
			found = true;
			v = xfer;
		} else {
			DcmElement *el = els[t];
			if (!el)
				continue;
			if (el->getLengthField() > VALUE_MAX) {
				if (!out->warning[0])	/* left on disk: never loaded */
					snprintf(out->warning, sizeof out->warning, "%s (%04X,%04X) claims %lu bytes: too long, "
					         "left out", dicom_tag_table[t].name, dicom_tag_table[t].group,
					         dicom_tag_table[t].element, (unsigned long)el->getLengthField());
				continue;
			}
			found = el->getOFStringArray(v).good();
		}
		if (!found)
			continue;
		if (iso2022 && t != DICOM_SPECIFIC_CHARSET && t != DICOM_TRANSFER_SYNTAX) {
			bool plain = true;
			for (size_t i = 0; i < v.length() && plain; i++)
				plain = (unsigned char)v[i] < 0x80 && v[i] != 0x1b;
			if (!plain) {
				char dec[1024];
				if (charset_decode(charset.c_str(), v.c_str(), v.length(), t == DICOM_PATIENT_NAME, dec,
						   sizeof dec) < 0) {
					if (!out->warning[0])
						snprintf(out->warning, sizeof out->warning, "%s cannot be decoded from Specific "
						         "Character Set '%s': left out", dicom_tag_table[t].name, charset.c_str());
					continue;
				}
				v = dec;
			}
		}
		clean_utf8(v, &invalid);
		size_t len = v.length();
		if (out->used + len + 1 > DICOM_VALUES_MAX)
			len = out->used + 1 < DICOM_VALUES_MAX ? DICOM_VALUES_MAX - out->used - 1 : 0;
		if (out->used + 1 > DICOM_VALUES_MAX)
			break;
		memcpy(out->buf + out->used, v.c_str(), len);
		out->buf[out->used + len] = '\0';
		out->off[t] = (uint16_t)(out->used + 1);
		out->used = (uint16_t)(out->used + len + 1);
	}
	if (invalid && !charset_failed)
		snprintf(out->warning, sizeof out->warning, "values are not valid in Specific Character Set '%s': "
		         "non-ASCII bytes read as Latin-1", has_charset ? charset.c_str() : "ISO_IR 6 (default)");
	if (damage[0])		/* the file's damage matters more than its charset */
		snprintf(out->warning, sizeof out->warning, "%s", damage);
	return DICOM_OK;
}

extern "C" int dicom_read_header(const char *path, struct dicom_header *out, char *err, size_t errlen)
{
	try {
		arena_begin();	/* read_header's objects are all gone when it returns or throws */
		int st = read_header(path, out, err, errlen);
		arena_end();
		return st;
	} catch (const std::bad_alloc &) {
		arena_end();
		seterr(err, errlen, "out of memory reading DICOM header");
	} catch (...) {
		arena_end();
		seterr(err, errlen, "internal error reading DICOM header");
	}
	return DICOM_ERR_INTERNAL;
}

extern "C" const char *dicom_header_get(const struct dicom_header *h, enum dicom_tag t)
{
	if ((int)t < 0 || t >= DICOM_TAG_COUNT || h->off[t] == 0)
		return NULL;
	return h->buf + h->off[t] - 1;
}

extern "C" int dicom_cid4031_count(void)
{
	return (int)CID4031_CommonAnatomicRegions::Zygoma + 1;
}

extern "C" int dicom_cid4031_get(int i, char *code, size_t codelen, char *display, size_t displaylen)
{
	pthread_once(&setup_once, setup);
	try {
		if (i < 0 || i > (int)CID4031_CommonAnatomicRegions::Zygoma)
			return -1;
		DSRCodedEntryValue v = CID4031_CommonAnatomicRegions::getCodedEntry(
			(CID4031_CommonAnatomicRegions::EnumType)i);
		snprintf(code, codelen, "%s", v.getCodeValue().c_str());
		snprintf(display, displaylen, "%s", v.getCodeMeaning().c_str());
		return 0;
	} catch (...) {
		return -1;
	}
}

/* ---- pixels for previews ---- */

static pthread_once_t codecs_once = PTHREAD_ONCE_INIT;

static void codecs(void)
{
	try {
		DJDecoderRegistration::registerCodecs();
		DJLSDecoderRegistration::registerCodecs();
		DcmRLEDecoderRegistration::registerCodecs();
	} catch (...) {
	}
}

/* The window of a grey image: given, the file's first, its first VOI LUT, else a histogram
 * window (5 % cut at each end). */
static void set_window(DicomImage &im, double center, double width, struct dicom_image *out)
{
	if (width > 0 && im.setWindow(center, width)) {
		snprintf(out->window, sizeof out->window, "given");
	} else if (im.getWindowCount() > 0 && im.setWindow(0)) {
		snprintf(out->window, sizeof out->window, "header");
	} else if (im.getVoiLutCount() > 0 && im.setVoiLut(0)) {
		snprintf(out->window, sizeof out->window, "VOI LUT");
	} else {
		im.setHistogramWindow(0.05);
		snprintf(out->window, sizeof out->window, "histogram");
	}
	double c = 0, w = 0;
	if (im.getWindow(c, w)) {
		out->center = c;
		out->width_ = w;
	}
}

struct geometry {	/* what the header says of the pixels */
	Uint16 rows, cols, spp, bits;
	unsigned frames;
};

/* The header's claim of the frame's size into *g, checked before dcmtk allocates anything for it. */
static int check_size(DcmDataset *ds, unsigned frame, struct geometry *g, char *err, size_t errlen)
{
	Uint16 rows = 0, cols = 0, spp = 1, bits = 0;
	ds->findAndGetUint16(DCM_Rows, rows);
	ds->findAndGetUint16(DCM_Columns, cols);
	ds->findAndGetUint16(DCM_SamplesPerPixel, spp);
	ds->findAndGetUint16(DCM_BitsAllocated, bits);
	Sint32 nf = 1;
	if (ds->findAndGetSint32(DCM_NumberOfFrames, nf).bad() || nf < 1)
		nf = 1;
	char n[96];
	if (!ds->tagExists(DCM_PixelData) && !ds->tagExists(DCM_FloatPixelData) && !ds->tagExists(DCM_DoubleFloatPixelData)) {
		seterr(err, errlen, "no image: the file has no Pixel Data");
		return -1;
	}
	if (!rows || !cols || !bits || !spp) {
		snprintf(n, sizeof n, "%ux%u, %u bits, %u samples", cols, rows, bits, spp);
		seterr(err, errlen, "no image: the header's size is %s", n);
		return -1;
	}
	if ((unsigned long)rows * cols > DICOM_IMAGE_PIXELS_MAX || spp > 4 || bits > 32) {
		snprintf(n, sizeof n, "%ux%u pixels, %u samples of %u bits", cols, rows, spp, bits);
		seterr(err, errlen, "not shown: the header claims %s (at most 4096x4096 pixels are decoded)", n);
		return -1;
	}
	if (frame >= (unsigned)nf) {
		snprintf(n, sizeof n, "%u of %d", frame + 1, (int)nf);
		seterr(err, errlen, "no frame %s", n);
		return -1;
	}
	*g = geometry{rows, cols, spp, bits, (unsigned)nf};
	return 0;
}

/* Walk an RLE segment (PackBits) without decoding it, until it has given need bytes: 0 when it
 * gives them and at most a padding byte is left, 1 when it goes on past them (it holds more than
 * the header says), -1 when a run goes past the segment's end before. */
static int rle_segment_check(const Uint8 *p, unsigned long n, unsigned long need)
{
	unsigned long out = 0, i = 0;
	while (i < n && out < need) {
		unsigned c = p[i++];
		if (c < 128) {	/* c + 1 literal bytes */
			if (c + 1 > n - i)
				return -1;
			out += c + 1;
			i += c + 1;
		} else if (c > 128) {	/* the next byte 257 - c times */
			if (i >= n)
				return -1;
			out += 257 - c;
			i++;
		}
	}
	return out < need ? -1 : n - i > 1 ? 1 : 0;
}

/* An RLE frame (PS3.5 G: one fragment, a header of 16 offsets, a segment per byte plane) is
 * checked before dcmtk decodes it: its segments as the header's size and samples say, in
 * order inside the fragment, each giving Rows x Columns bytes and holding no more. dcmtk's
 * decoder reads past a damaged one, and stops at the size and shows a part of one too long. */
static int check_rle(DcmDataset *ds, unsigned frame, const struct geometry *g, char *err, size_t errlen)
{
	DcmElement *el = NULL;
	DcmPixelSequence *seq = NULL;
	DcmPixelItem *item = NULL;
	Uint8 *data = NULL;
	unsigned long len = 0;
	if (ds->findAndGetElement(DCM_PixelData, el).good() && el &&
	    OFstatic_cast(DcmPixelData *, el)->getEncapsulatedRepresentation(ds->getOriginalXfer(), NULL, seq).good() &&
	    seq && seq->getItem(item, frame + 1).good() && item && (len = item->getLength()) >= 64 &&
	    item->getUint8Array(data).good() && data) {
		Uint32 off[17];
		for (int i = 0; i < 16; i++)
			off[i] = (Uint32)data[4 * i] | (Uint32)data[4 * i + 1] << 8 | (Uint32)data[4 * i + 2] << 16 |
				 (Uint32)data[4 * i + 3] << 24;
		Uint32 nseg = off[0];
		if (nseg < 1 || nseg > 15 || nseg != (Uint32)g->spp * ((g->bits + 7u) / 8u) || off[1] != 64) {
			seterr(err, errlen, "not shown: a damaged %s frame (its segments do not match the header)", "RLE");
			return -1;
		}
		off[nseg + 1] = (Uint32)len;
		for (Uint32 k = 1; k <= nseg; k++) {
			int c = off[k] < off[k + 1] && off[k + 1] <= len
				? rle_segment_check(data + off[k], off[k + 1] - off[k], (unsigned long)g->rows * g->cols) : -1;
			if (c < 0) {
				seterr(err, errlen, "not shown: a damaged %s frame (a segment ends before its Rows x Columns bytes)", "RLE");
				return -1;
			}
			if (c > 0) {
				seterr(err, errlen, "not shown: a compressed frame decodes to more than the header's "
				       "Rows x Columns (%s)", "RLE");
				return -1;
			}
		}
		return 0;
	}
	seterr(err, errlen, "not shown: the %s frame is missing or damaged", "RLE");
	return -1;
}

/* Load the file open as fd into ff after the header reader's guards (DICOM at all, no nesting
 * dcmtk would recurse into): values over 4 KiB (the pixels) stay in the file until asked for,
 * and nothing after them is read. 0, or -1 with err. */
static int image_load(const char *path, int fd, long size, DcmFileFormat &ff, char *err, size_t errlen)
{
	long skip;
	if (sniff(fd, &skip, err, errlen) != DICOM_OK)
		return -1;
	std::unique_ptr<window> win(new (std::nothrow) window);
	if (!win) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	win->fd = fd, win->size = size, win->at = 0, win->len = 0;
	struct walk wk;
	if (walk_ok(win.get(), skip, &wk, err, errlen) < 0)
		return -1;
	win.reset();
	char fdpath[64];
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
	pthread_once(&proc_once, proc_check);
	pthread_once(&codecs_once, codecs);
	OFCondition c = ff.loadFileUntilTag(have_proc ? fdpath : path, EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect,
					    DcmTagKey(0x7fe0, 0x0011));
	if (c.bad()) {
		seterr(err, errlen, "cannot read the DICOM file: %s", c.text());
		return -1;
	}
	return 0;
}

static struct dicom_image *image_read(const char *path, unsigned frame, double center, double width, char *err,
				      size_t errlen)
{
	struct stat fst;
	int fd = open_regular(path, &fst, err, errlen);
	if (fd < 0)
		return NULL;
	std::unique_ptr<int, void (*)(int *)> keep(&fd, [](int *f) { close(*f); });
	DcmFileFormat ff;
	if (image_load(path, fd, (long)fst.st_size, ff, err, errlen) < 0)
		return NULL;
	DcmDataset *ds = ff.getDataset();
	struct geometry g;
	if (check_size(ds, frame, &g, err, errlen) < 0)
		return NULL;
	E_TransferSyntax xfer = ds->getOriginalXfer();
	if (xfer == EXS_RLELossless && check_rle(ds, frame, &g, err, errlen) < 0)
		return NULL;
	DicomImage im(&ff, xfer, CIF_UsePartialAccessToPixelData, frame, 1);
	if (im.getStatus() != EIS_Normal) {
		DcmXfer x(xfer);
		const char *why = DicomImage::getString(im.getStatus());
		if (!x.isEncapsulated() || DcmCodecList::canChangeCoding(xfer, EXS_LittleEndianExplicit))
			seterr(err, errlen, "cannot decode the image: %s", why);
		else	/* JPEG 2000, say: no decoder here */
			seterr(err, errlen, "no decoder here for its transfer syntax (%s): not shown", x.getXferName());
		return NULL;
	}
	struct dicom_image *out = static_cast<struct dicom_image *>(calloc(1, sizeof *out));
	if (!out) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	out->width = (unsigned)im.getWidth();
	out->height = (unsigned)im.getHeight();
	out->frames = g.frames;
	out->frame = frame;
	out->channels = im.isMonochrome() ? 1 : 3;
	const char *pi = NULL;
	if (ds->findAndGetString(DCM_PhotometricInterpretation, pi).good() && pi)
		snprintf(out->photometric, sizeof out->photometric, "%s", pi);
	if (out->channels == 1)
		set_window(im, center, width, out);
	size_t n = (size_t)out->width * out->height * (size_t)out->channels;
	const void *data = im.getOutputData(8, 0, 0);	/* the one frame it holds; 8 bits, interleaved */
	if (!data || n == 0 || im.getOutputDataSize(8) != n) {
		seterr(err, errlen, "cannot decode the image: %s", DicomImage::getString(im.getStatus()));
		free(out);
		return NULL;
	}
	out->pixels = static_cast<unsigned char *>(malloc(n));
	if (!out->pixels) {
		seterr(err, errlen, "out of memory");
		free(out);
		return NULL;
	}
	memcpy(out->pixels, data, n);
	return out;
}

extern "C" struct dicom_image *dicom_image_read(const char *path, unsigned frame, double center, double width,
						char *err, size_t errlen)
{
	try {
		return image_read(path, frame, center, width, err, errlen);
	} catch (const std::bad_alloc &) {
		seterr(err, errlen, "out of memory decoding the image");
	} catch (...) {
		seterr(err, errlen, "internal error decoding the image");
	}
	return NULL;
}

extern "C" void dicom_image_free(struct dicom_image **im)
{
	if (!im || !*im)
		return;
	free((*im)->pixels);
	free(*im);
	*im = NULL;
}
