/* DICOM pictures for a terminal, drawn by chafa from dicom_image_read's pixels: as cells for
 * the UI (a character and two colours each), or as text for standard output (symbols with
 * colour escapes, or sixel or kitty graphics). No curses here. */
#ifndef SDSFHIR_PREVIEW_H
#define SDSFHIR_PREVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "dicom.h"

enum preview_colors {
	PREVIEW_COLORS_NONE,	/* symbols only: the shape still shows (NO_COLOR, vt100) */
	PREVIEW_COLORS_8,
	PREVIEW_COLORS_16,
	PREVIEW_COLORS_256,	/* the 240 of the 256 that do not vary between terminals */
	PREVIEW_COLORS_TRUE	/* 24-bit (standard output only) */
};

enum preview_format { PREVIEW_SYMBOLS, PREVIEW_SIXEL, PREVIEW_KITTY };

struct preview_cell {
	uint32_t ch;		/* a Unicode character */
	int fg, bg;		/* colour indexes of the mode (0..255), or 0xRRGGBB in true colour; -1: the default */
};

struct preview {
	int cols, rows;
	struct preview_cell *cells;	/* cols * rows, row by row */
};

/* The cell size that shows an image of w x h pixels whole in at most maxcols x maxrows cells,
 * a cell being twice as high as wide. */
void preview_fit(unsigned w, unsigned h, int maxcols, int maxrows, int *cols, int *rows);

/* im as cols x rows cells (ascii: only ASCII characters, for a terminal that is not UTF-8).
 * NULL when out of memory. Caller frees (preview_free). */
struct preview *preview_cells(const struct dicom_image *im, int cols, int rows, int colors, int ascii);
void preview_free(struct preview **p);

/* im as text for a terminal: cols x rows cells of symbols with colour escapes (ending in a
 * reset and a newline), or sixel or kitty graphics of that size. Caller frees; NULL when out of
 * memory. */
char *preview_text(const struct dicom_image *im, int cols, int rows, int colors, int format, int ascii);

/* What im is, as a line: "512x512 MONOCHROME2, frame 1 of 3, window 40/400 (header)". */
void preview_info(const struct dicom_image *im, char *buf, size_t len);

/* Does the locale's character set lack the block characters (not UTF-8)? Pictures are then ASCII. */
int preview_ascii(void);

/* The colours the terminal of this environment shows: NO_COLOR, TERM and COLORTERM. */
int preview_colors_of_env(void);

#endif
