#include "config.h"

#include "termsafe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The code point of the UTF-8 sequence at p (n bytes left) and its length, or 0 when invalid. */
static size_t utf8(const unsigned char *p, size_t n, unsigned *cp)
{
	unsigned c = p[0];
	size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
	if (!len || len > n)
		return 0;
	unsigned v = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static int shown_escaped(unsigned cp, int keep_tab)
{
	if (cp == '\t')
		return !keep_tab;
	/* C0, DEL, C1; the marks and overrides that reorder text (LRM, RLM, ALM, LRE..RLO, LRI..PDI)
	 * and the line and paragraph separators, which a terminal may take as a new line */
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f || cp == 0x061c ||
	       cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *termsafe(const char *s, char *out, size_t len, int keep_tab)
{
	if (!len)
		return out;
	size_t k = 0, n = s ? strlen(s) : 0;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (size_t i = 0; i < n;) {
		unsigned cp = 0;
		size_t l = utf8(p + i, n - i, &cp);
		char esc[16];
		const char *piece;
		size_t plen;
		if (!l) {
			snprintf(esc, sizeof esc, "\\x%02X", p[i]);
			piece = esc, plen = strlen(esc), l = 1;
		} else if (shown_escaped(cp, keep_tab)) {
			snprintf(esc, sizeof esc, cp < 0x80 ? "\\x%02X" : "\\u%04X", cp);
			piece = esc, plen = strlen(esc);
		} else {
			piece = (const char *)p + i, plen = l;
		}
		if (k + plen + 4 > len) {	/* no room: end with "..." */
			while (k > 0 && k + 4 > len)
				k--;
			while (k > 0 && (((unsigned char)out[k]) & 0xc0) == 0x80)
				k--;	/* not inside a character */
			memcpy(out + k, "...", len - k > 3 ? 3 : len - k - 1);
			k += len - k > 3 ? 3 : len - k - 1;
			out[k] = '\0';
			return out;
		}
		memcpy(out + k, piece, plen);
		k += plen;
		i += l;
	}
	out[k] = '\0';
	return out;
}

char *termsafe_dup(const char *s)
{
	size_t len = (s ? strlen(s) : 0) * 6 + 1;	/* the longest escape, \u009B, is 6 bytes for 2 */
	char *out = malloc(len);
	return out ? termsafe(s, out, len, 1) : NULL;
}
