#include "config.h"

#include "charset.h"

#include <iconv.h>
#include <string.h>

enum set {
	SET_NONE,
	SET_ASCII,	/* ISO 646 (IR 6), G0 */
	SET_ROMAJI,	/* JIS X 0201 Romaji (IR 14), G0: ASCII but for 0x5C yen and 0x7E overline */
	SET_KATAKANA,	/* JIS X 0201 Katakana (IR 13), G1 */
	SET_JIS0208,	/* JIS X 0208 (IR 87), G0, two bytes */
	SET_JIS0212,	/* JIS X 0212 (IR 159), G0, two bytes */
	SET_KSX1001,	/* KS X 1001 (IR 149), G1, two bytes */
	SET_GB2312,	/* GB 2312 (IR 58), G1, two bytes */
	SET_LATIN1	/* ISO 8859-1 (IR 100), G1 */
};

static const struct {
	const char *term;	/* Defined Term of (0008,0005) */
	int g0, g1;		/* the sets it designates */
} terms[] = {
	{"ISO 2022 IR 6", SET_ASCII, SET_NONE},
	{"ISO 2022 IR 13", SET_ROMAJI, SET_KATAKANA},
	{"ISO 2022 IR 87", SET_JIS0208, SET_NONE},
	{"ISO 2022 IR 159", SET_JIS0212, SET_NONE},
	{"ISO 2022 IR 149", SET_NONE, SET_KSX1001},
	{"ISO 2022 IR 58", SET_NONE, SET_GB2312},
	{"ISO 2022 IR 100", SET_NONE, SET_LATIN1},
};

/* Escape sequences (after ESC) and the set each designates, to G0 (g1 = 0) or G1. */
static const struct {
	const char *seq;
	int set, g1;
} escapes[] = {
	{"(B", SET_ASCII, 0},     {"(J", SET_ROMAJI, 0},  {")I", SET_KATAKANA, 1}, {"$B", SET_JIS0208, 0},
	{"$(D", SET_JIS0212, 0},  {"$)C", SET_KSX1001, 1}, {"$)A", SET_GB2312, 1}, {"-A", SET_LATIN1, 1},
};

static int term_of(const char *t, size_t n)
{
	while (n && *t == ' ')
		t++, n--;
	while (n && t[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < sizeof terms / sizeof *terms; i++)
		if (strlen(terms[i].term) == n && strncmp(terms[i].term, t, n) == 0)
			return (int)i;
	return -1;
}

int charset_is_iso2022(const char *cs)
{
	if (!cs || !strstr(cs, "ISO 2022"))
		return 0;
	for (const char *p = cs;;) {	/* every term must be one we know */
		size_t n = strcspn(p, "\\");
		if (n && term_of(p, n) < 0)
			return 0;
		if (!p[n])
			return 1;
		p += n + 1;
	}
}

struct out {
	char *buf;
	size_t len, cap;
	int bad;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->bad = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

static void put_cp(struct out *o, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	}
	put(o, b, n);
}

/* Bytes of a multi-byte set, as its EUC form, through iconv. */
static void put_iconv(struct out *o, iconv_t *cd, const char *from, const unsigned char *eu, size_t n)
{
	if (*cd == (iconv_t)-1 && (*cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
		o->bad = 1;
		return;
	}
	char *in = (char *)eu, *dst = o->buf + o->len;
	size_t left = n, room = o->cap - o->len - 1;
	if (iconv(*cd, &in, &left, &dst, &room) == (size_t)-1 || left) {
		o->bad = 1;
		return;
	}
	o->len = (size_t)(dst - o->buf);
}

int charset_decode(const char *cs, const char *in, size_t n, int pn, char *outbuf, size_t outlen)
{
	if (!outlen)
		return -1;
	outbuf[0] = '\0';
	/* the initial sets: those of the first term (an empty first term is ASCII) */
	size_t first = strcspn(cs ? cs : "", "\\");
	int t0 = first ? term_of(cs, first) : 0;
	if (t0 < 0)
		return -1;
	int init_g0 = terms[t0].g0 ? terms[t0].g0 : SET_ASCII, init_g1 = terms[t0].g1;
	int g0 = init_g0, g1 = init_g1;
	struct out o = {outbuf, 0, outlen, 0};
	iconv_t jp = (iconv_t)-1, kr = (iconv_t)-1, cn = (iconv_t)-1;
	const unsigned char *p = (const unsigned char *)in, *end = p + n;
	while (p < end && !o.bad) {
		unsigned c = *p;
		if (c == 0x1b) {	/* an escape sequence */
			size_t i, len = 0;
			for (i = 0; i < sizeof escapes / sizeof *escapes; i++) {
				len = strlen(escapes[i].seq);
				if ((size_t)(end - p - 1) >= len && memcmp(p + 1, escapes[i].seq, len) == 0)
					break;
			}
			if (i == sizeof escapes / sizeof *escapes) {
				o.bad = 1;
				break;
			}
			*(escapes[i].g1 ? &g1 : &g0) = escapes[i].set;
			p += 1 + len;
			continue;
		}
		if (c < 0x80 && (g0 == SET_JIS0208 || g0 == SET_JIS0212) && c > 0x20) {
			if (end - p < 2 || p[1] < 0x21 || p[1] > 0x7e) {
				o.bad = 1;
				break;
			}
			unsigned char eu[3];
			size_t k = 0;
			if (g0 == SET_JIS0212)
				eu[k++] = 0x8f;
			eu[k++] = (unsigned char)(p[0] | 0x80);
			eu[k++] = (unsigned char)(p[1] | 0x80);
			put_iconv(&o, &jp, "EUC-JP", eu, k);
			p += 2;
			continue;
		}
		if (c < 0x80) {
			if (c == '\\' || c == '\r' || c == '\n' || c == '\f' || c == '\t' || (pn && (c == '^' || c == '='))) {
				g0 = init_g0;	/* delimiters return to the initial sets */
				g1 = init_g1;
			}
			if (g0 == SET_ROMAJI && c == 0x5c)
				put_cp(&o, 0xa5);	/* yen sign */
			else if (g0 == SET_ROMAJI && c == 0x7e)
				put_cp(&o, 0x203e);	/* overline */
			else
				put(&o, (const char *)p, 1);
			p++;
			continue;
		}
		/* high bytes: G1 */
		if (g1 == SET_KATAKANA && c >= 0xa1 && c <= 0xdf) {
			put_cp(&o, 0xff61 + (c - 0xa1));
			p++;
		} else if (g1 == SET_LATIN1 && c >= 0xa0) {
			put_cp(&o, c);
			p++;
		} else if ((g1 == SET_KSX1001 || g1 == SET_GB2312) && c >= 0xa1 && c <= 0xfe && end - p >= 2 &&
			   p[1] >= 0xa1 && p[1] <= 0xfe) {
			if (g1 == SET_KSX1001)
				put_iconv(&o, &kr, "EUC-KR", p, 2);
			else
				put_iconv(&o, &cn, "GB2312", p, 2);
			p += 2;
		} else {
			o.bad = 1;
		}
	}
	if (jp != (iconv_t)-1)
		iconv_close(jp);
	if (kr != (iconv_t)-1)
		iconv_close(kr);
	if (cn != (iconv_t)-1)
		iconv_close(cn);
	if (o.bad) {
		outbuf[0] = '\0';
		return -1;
	}
	outbuf[o.len] = '\0';
	return 0;
}
