#include "config.h"

#include "bodypart.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct annex_l_row {
	const char *term, *code, *meaning;
} rows[] = {
#define ANNEX_L(term, code, meaning) {term, code, meaning},
#include "annex_l.def"
#undef ANNEX_L
};

#define TERM_MAX 64	/* bytes of a normalised term; Annex L's longest has 16 */

static int by_term(const void *key, const void *row)
{
	return strcmp(key, ((const struct annex_l_row *)row)->term);
}

int bodypart_map(const char *term, char *code, size_t codelen, char *display, size_t displaylen)
{
	char t[TERM_MAX];
	size_t n = 0;
	for (const char *p = term; p && *p; p++) {
		if (*p == ' ' || *p == '-' || *p == '_')
			continue;
		if (n + 1 >= sizeof t)
			return 0;	/* longer than any term */
		t[n++] = (char)toupper((unsigned char)*p);
	}
	t[n] = '\0';
	const struct annex_l_row *r = n ? bsearch(t, rows, sizeof rows / sizeof *rows, sizeof *rows, by_term) : NULL;
	if (!r)
		return 0;
	snprintf(code, codelen, "%s", r->code);
	snprintf(display, displaylen, "%s", r->meaning);
	return 1;
}

int bodypart_row(int i, const char **term, const char **code, const char **meaning)
{
	if (i < 0 || (size_t)i >= sizeof rows / sizeof *rows)
		return -1;
	*term = rows[i].term;
	*code = rows[i].code;
	*meaning = rows[i].meaning;
	return 0;
}
