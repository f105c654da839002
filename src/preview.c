/* Pictures for a terminal with chafa: its canvas turns pixels into characters and colours. */
#include "config.h"

#include "preview.h"

#include <chafa.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void preview_fit(unsigned w, unsigned h, int maxcols, int maxrows, int *cols, int *rows)
{
	if (!w || !h || maxcols < 1 || maxrows < 1) {
		*cols = *rows = 0;
		return;
	}
	/* a cell is about twice as high as wide: h pixels take h / 2 cells' height for w cells' width */
	double c = maxcols, r = c * h / w / 2.0;
	if (r > maxrows) {
		r = maxrows;
		c = r * 2.0 * w / h;
	}
	*cols = c < 1 ? 1 : (int)(c + 0.5) > maxcols ? maxcols : (int)(c + 0.5);
	*rows = r < 1 ? 1 : (int)(r + 0.5) > maxrows ? maxrows : (int)(r + 0.5);
}

static ChafaCanvasMode canvas_mode(int colors, int grey)
{
	if (grey && (colors == PREVIEW_COLORS_8 || colors == PREVIEW_COLORS_16))
		return CHAFA_CANVAS_MODE_FGBG_BGFG;	/* 8 or 16 colours: black and white, not a false colour */
	switch (colors) {
	case PREVIEW_COLORS_TRUE: return CHAFA_CANVAS_MODE_TRUECOLOR;
	case PREVIEW_COLORS_256: return CHAFA_CANVAS_MODE_INDEXED_240;
	case PREVIEW_COLORS_16: return CHAFA_CANVAS_MODE_INDEXED_16;
	case PREVIEW_COLORS_8: return CHAFA_CANVAS_MODE_INDEXED_8;
	default: return CHAFA_CANVAS_MODE_FGBG;
	}
}

/* A canvas of cols x rows cells with im drawn on it, or NULL. Caller unrefs. */
static ChafaCanvas *canvas_of(const struct dicom_image *im, int cols, int rows, int colors, int format, int ascii)
{
	if (!im || !im->pixels || cols < 1 || rows < 1)
		return NULL;
	size_t n = (size_t)im->width * im->height;
	guint8 *rgb = im->channels == 3 ? NULL : malloc(n * 3);	/* chafa takes no grey: each grey value thrice */
	if (im->channels != 3 && !rgb)
		return NULL;
	for (size_t i = 0; rgb && i < n; i++)
		rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = im->pixels[i];
	ChafaSymbolMap *sm = chafa_symbol_map_new();
	chafa_symbol_map_add_by_tags(sm, ascii ? CHAFA_SYMBOL_TAG_ASCII
					       : (ChafaSymbolTags)(CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_SPACE |
								   (colors < PREVIEW_COLORS_256 ? CHAFA_SYMBOL_TAG_STIPPLE : 0)));
	ChafaCanvasConfig *cfg = chafa_canvas_config_new();
	chafa_canvas_config_set_geometry(cfg, cols, rows);
	chafa_canvas_config_set_canvas_mode(cfg, canvas_mode(colors, im->channels == 1));
	chafa_canvas_config_set_symbol_map(cfg, sm);
	if (format == PREVIEW_SIXEL || format == PREVIEW_KITTY) {
		chafa_canvas_config_set_pixel_mode(cfg, format == PREVIEW_SIXEL ? CHAFA_PIXEL_MODE_SIXELS : CHAFA_PIXEL_MODE_KITTY);
		chafa_canvas_config_set_cell_geometry(cfg, 10, 20);
		chafa_canvas_config_set_canvas_mode(cfg, CHAFA_CANVAS_MODE_TRUECOLOR);
	}
	ChafaCanvas *cv = chafa_canvas_new(cfg);
	chafa_canvas_draw_all_pixels(cv, CHAFA_PIXEL_RGB8, rgb ? rgb : im->pixels, (gint)im->width, (gint)im->height,
				     (gint)im->width * 3);
	chafa_canvas_config_unref(cfg);
	chafa_symbol_map_unref(sm);
	free(rgb);
	return cv;
}

struct preview *preview_cells(const struct dicom_image *im, int cols, int rows, int colors, int ascii)
{
	if (colors == PREVIEW_COLORS_TRUE)
		colors = PREVIEW_COLORS_256;	/* cells are for curses: indexed colours */
	if (im && im->channels == 1 && colors < PREVIEW_COLORS_256)
		colors = PREVIEW_COLORS_NONE;	/* grey in 8 or 16 colours: shapes in the default colours */
	ChafaCanvas *cv = canvas_of(im, cols, rows, colors, PREVIEW_SYMBOLS, ascii);
	struct preview *p = cv ? calloc(1, sizeof *p) : NULL;
	if (p)
		p->cells = calloc((size_t)cols * (size_t)rows, sizeof *p->cells);
	if (!p || !p->cells) {
		free(p);
		if (cv)
			chafa_canvas_unref(cv);
		return NULL;
	}
	p->cols = cols;
	p->rows = rows;
	for (int y = 0; y < rows; y++)
		for (int x = 0; x < cols; x++) {
			struct preview_cell *c = &p->cells[(size_t)y * (size_t)cols + (size_t)x];
			c->ch = chafa_canvas_get_char_at(cv, x, y);
			if (colors == PREVIEW_COLORS_NONE)
				c->fg = c->bg = -1;
			else
				chafa_canvas_get_raw_colors_at(cv, x, y, &c->fg, &c->bg);
		}
	chafa_canvas_unref(cv);
	return p;
}

void preview_free(struct preview **p)
{
	if (!p || !*p)
		return;
	free((*p)->cells);
	free(*p);
	*p = NULL;
}

char *preview_text(const struct dicom_image *im, int cols, int rows, int colors, int format, int ascii)
{
	ChafaCanvas *cv = canvas_of(im, cols, rows, colors, format, ascii);
	if (!cv)
		return NULL;
	ChafaTermDb *db = chafa_term_db_get_default();	/* borrowed */
	ChafaTermInfo *ti = chafa_term_db_get_fallback_info(db);	/* every sequence, whatever TERM says */
	GString *gs = chafa_canvas_print(cv, ti);
	chafa_term_info_unref(ti);
	chafa_canvas_unref(cv);
	if (!gs)
		return NULL;
	size_t n = gs->len;
	const char *end = colors == PREVIEW_COLORS_NONE && format == PREVIEW_SYMBOLS ? "\n" : "\033[0m\n";
	char *t = malloc(n + 8);
	if (t) {	/* colours reset (when there were any), then a new line */
		memcpy(t, gs->str, n);
		memcpy(t + n, end, strlen(end) + 1);
	}
	g_string_free(gs, TRUE);
	return t;
}

void preview_info(const struct dicom_image *im, char *buf, size_t len)
{
	char window[96] = "";
	if (im->channels == 1)
		snprintf(window, sizeof window, ", window %g/%g (%s)", im->center, im->width_, im->window);
	snprintf(buf, len, "%ux%u %s, frame %u of %u%s", im->width, im->height, im->photometric, im->frame + 1, im->frames,
		 window);
}

int preview_ascii(void)
{
	return strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
}

int preview_colors_of_env(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM"), *ct = getenv("COLORTERM");
	if ((nc && *nc) || !term || !*term || !strcmp(term, "dumb") || !strncmp(term, "vt1", 3) || !strncmp(term, "vt2", 3))
		return PREVIEW_COLORS_NONE;
	if (ct && (!strcmp(ct, "truecolor") || !strcmp(ct, "24bit")))
		return PREVIEW_COLORS_TRUE;
	if (strstr(term, "256color") || strstr(term, "direct"))
		return PREVIEW_COLORS_256;
	if (strstr(term, "16color"))
		return PREVIEW_COLORS_16;
	return PREVIEW_COLORS_8;
}
