/* Text for a terminal: the one place that makes bytes from files, folders, DICOM values and
 * servers safe to print. Core module: no curses. */
#ifndef SDSFHIR_TERMSAFE_H
#define SDSFHIR_TERMSAFE_H

#include <stddef.h>

/* s with every C0 control, DEL, C1 control (U+0080-U+009F), bidi control (U+202A-U+202E,
 * U+2066-U+2069) and invalid UTF-8 byte shown escaped (\x1B, \u009B, \u202E, \xFF), into out
 * (always terminated; a result too long ends in "..."). Tab is kept when keep_tab. Returns out. */
char *termsafe(const char *s, char *out, size_t len, int keep_tab);

/* The same, in a new string. Caller frees. NULL on out of memory. */
char *termsafe_dup(const char *s);

#endif
