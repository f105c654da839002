/* Body Part Examined (0018,0015) to SNOMED CT through the whole of DICOM PS3.16 Annex L
 * (the table in annex_l.def). Core module: no curses, no allocation. */
#ifndef SDSFHIR_BODYPART_H
#define SDSFHIR_BODYPART_H

#include <stddef.h>

/* Map a Body Part Examined value (case, blanks, '-' and '_' ignored: "Whole Body", "l-spine")
 * to its SNOMED CT code and meaning. 1 when mapped, 0 when Annex L has no such term. */
int bodypart_map(const char *term, char *code, size_t codelen, char *display, size_t displaylen);

/* Row i (0-based) of Annex L: its term, code and meaning (static). 0, or -1 past the end. */
int bodypart_row(int i, const char **term, const char **code, const char **meaning);

#endif
