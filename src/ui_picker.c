/* The bodySite window: Body Part Examined mapped by Annex L, DICOM CID 4031 searched as you
 * type, or a SNOMED CT code typed; Enter asks before it writes (the confirmation window). */
#include "config.h"
#include "bodypart.h"

#include "ui.h"

#include <ctype.h>
#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { PICK_MAPPING = 1, PICK_TYPED, PICK_ENTRY };

static void picker_filter(struct ui *u)
{
	ui_lines_clear(&u->list);
	const char *q = u->input;
	const struct dataset_node *st = dataset_study_of(ui_selected(u));
	if (!*q) {
		const char *bp = NULL;
		for (const struct dataset_node *se = st ? st->child : NULL; se && !bp; se = se->next)
			if (se->kind == DATASET_SERIES && (!u->bs_series || se == u->bs_series))
				bp = dataset_tag(u->tree, se, DICOM_BODY_PART);
		char code[64] = "", disp[256] = "";
		if (bp && *bp && bodypart_map(bp, code, sizeof code, disp, sizeof disp))
			ui_lines_add(&u->list, UI_ATTR_KEY, (void *)PICK_MAPPING,
				     "Body Part Examined of each series (Annex L): %s -> %s %s", bp, code, disp);
		else
			ui_lines_add(&u->list, UI_ATTR_DIM, (void *)PICK_MAPPING,
				     "Body Part Examined of each series (Annex L)%s%s%s", bp && *bp ? ": " : ": none here",
				     bp && *bp ? bp : "", bp && *bp ? " has no code" : "");
	}
	int digits = *q != '\0';
	for (const char *c = q; *c; c++)
		digits &= isdigit((unsigned char)*c) != 0;
	if (digits)
		ui_lines_add(&u->list, UI_ATTR_KEY, (void *)PICK_TYPED, "%s  (SNOMED CT code, as typed)", q);
	for (int i = 0; i < dicom_cid4031_count(); i++) {
		char code[64], disp[256];
		if (dicom_cid4031_get(i, code, sizeof code, disp, sizeof disp) == 0 &&
		    (!*q || strcasestr(disp, q) || strstr(code, q)))
			ui_lines_add(&u->list, UI_ATTR_NORMAL, (void *)PICK_ENTRY, "%s  %s", code, disp);
	}
	if (u->lcur >= u->list.n)
		u->lcur = u->list.n ? u->list.n - 1 : 0;
}

void ui_picker_open(struct ui *u)
{
	size_t n;
	const struct dataset_node **s = ui_targets(u, &n);
	free(s);
	struct dataset_node *cur = ui_selected(u);	/* on a series, nothing marked: that series alone */
	u->bs_series = cur && cur->kind == DATASET_SERIES && !ui_marked(u) ? cur : NULL;
	char title[400], which[300] = "";
	if (u->bs_series)
		snprintf(which, sizeof which, "series %s", *u->bs_series->name ? u->bs_series->name : "(no sample)");
	else
		snprintf(which, sizeof which, "%zu stud%s", n, n == 1 ? "y" : "ies");
	snprintf(title, sizeof title, "bodySite for %s: type to search DICOM CID 4031, or a SNOMED CT code; Enter applies", which);
	ui_list_open(u, UI_OV_PICKER, title);
	picker_filter(u);
}

/* The Body Part Examined values of the series of studies[0..n), ", "-joined into out; how many differ. */
static size_t body_parts(struct ui *u, const struct dataset_node *const *studies, size_t n, size_t *series, char *out,
			 size_t len)
{
	size_t distinct = 0;
	*series = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		for (const struct dataset_node *se = studies[i]->child; se; se = se->next) {
			if (se->kind != DATASET_SERIES || (u->bs_series && se != u->bs_series))
				continue;
			(*series)++;
			const char *bp = dataset_tag(u->tree, se, DICOM_BODY_PART);
			char item[80];
			snprintf(item, sizeof item, "%s", bp && *bp ? bp : "(none)");
			int seen = 0;
			for (const char *p = out; (p = strstr(p, item)) && !seen; p++)
				seen = (p == out || p[-1] == ' ') && (p[strlen(item)] == ',' || !p[strlen(item)]);
			if (!seen && strlen(out) + strlen(item) + 3 < len) {
				snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? ", " : "", item);
				distinct++;
			}
		}
	return distinct;
}

/* parts (", "-joined Body Part Examined values) as "BREAST 76752008 Breast, CHEST none" into out. */
static void parts_codes(const char *parts, char *out, size_t len)
{
	size_t k = 0;
	out[0] = '\0';
	for (const char *p = parts; *p && k + 1 < len;) {
		size_t n = strcspn(p, ",");
		char term[80], code[64], disp[256];
		snprintf(term, sizeof term, "%.*s", (int)(n < sizeof term ? n : sizeof term - 1), p);
		int m = bodypart_map(term, code, sizeof code, disp, sizeof disp);
		k += (size_t)snprintf(out + k, len - k, "%s%s %s%s%s", k ? ", " : "", term, m ? code : "none: not written",
				      m ? " " : "", m ? disp : "");
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
}

static int picker_apply(struct ui *u)
{
	if (u->lcur >= u->list.n) {	/* what was typed matches nothing: say so, not the last message */
		ui_status(u, UI_ATTR_ERROR, "'%s' is no body part of DICOM CID 4031 or Annex L, nor a SNOMED CT code: "
			  "Ctrl-U clears it", u->input);
		return UI_DRAW_STATUS;
	}
	intptr_t kind = (intptr_t)u->list.data[u->lcur];
	char code[64] = "", disp[256] = "";
	const char *t = u->list.text[u->lcur];
	if (kind != PICK_MAPPING) {
		sscanf(t, "%63s", code);
		const char *d = strstr(t, "  ");
		if (kind == PICK_ENTRY && d)
			snprintf(disp, sizeof disp, "%s", d + 2);
		else if (fhir_bodysite_lookup(code, code, sizeof code, disp, sizeof disp) < 0) {
			ui_status(u, UI_ATTR_ERROR, "%s is not a SNOMED CT code: its check digit does not match (a typo?)", code);
			return UI_DRAW_STATUS;
		}
	}
	size_t n, series = 0;
	const struct dataset_node **s = ui_targets(u, &n);
	char parts[600];
	size_t distinct = n ? body_parts(u, s, n, &series, parts, sizeof parts) : 0;
	free(s);
	if (!n)
		return UI_DRAW_ALL;
	snprintf(u->pending_code, sizeof u->pending_code, "%s", code);
	snprintf(u->pending_display, sizeof u->pending_display, "%s", disp);
	char title[900];
	char codes[400];
	parts_codes(parts, codes, sizeof codes);
	if (kind == PICK_MAPPING)
		snprintf(title, sizeof title, "bodySite from each series' Body Part Examined (Annex L: %s) for %zu series in %zu "
			 "stud%s at %s? y: write, n or Esc: no", codes, series, n, n == 1 ? "y" : "ies",
			 u->client ? client_base(u->client) : "(no server)");
	else
		snprintf(title, sizeof title, "bodySite %s %s for %zu series in %zu stud%s at %s? y: write, n or Esc: no", code,
			 *disp ? disp : "(no display)", series, n, n == 1 ? "y" : "ies",
			 u->client ? client_base(u->client) : "(no server)");
	ui_list_open(u, UI_OV_CONFIRM, title);
	u->confirm_job = UI_JOB_BODYSITE;
	if (kind != PICK_MAPPING && distinct > 1)
		ui_lines_add(&u->list, UI_ATTR_WARNING, NULL, "warning: the series are of different body parts (Body Part Examined %s)", parts);
	if (kind != PICK_MAPPING && !*disp)
		ui_lines_add(&u->list, UI_ATTR_WARNING, NULL, "warning: %s is a SNOMED CT code but not a body part of DICOM CID 4031 "
			     "or Annex L: check it before you write it", code);
	if (kind != PICK_MAPPING && distinct == 1) {	/* the headers name another body part */
		char hc[64], hd[256];
		if (bodypart_map(parts, hc, sizeof hc, hd, sizeof hd) && strcmp(hc, code) != 0)
			ui_lines_add(&u->list, UI_ATTR_WARNING, NULL, "warning: the headers say %s (%s %s), not %s", parts, hc, hd,
				     *disp ? disp : code);
	}
	return UI_DRAW_ALL;
}

static int picker_key(struct ui *u, int action, int key)
{
	if (action == ACT_CANCEL) {
		u->overlay = UI_OV_NONE;
		return UI_DRAW_ALL;
	}
	if (key == KEY_UP || key == KEY_DOWN || key == KEY_NPAGE || key == KEY_PPAGE)
		return ui_list_move(u, action);
	if (ui_list_enter(key))
		return picker_apply(u);
	if (!ui_list_input(u, key))
		return 0;
	u->lcur = 0;
	picker_filter(u);
	return UI_DRAW_OVERLAY;
}

static const char *const picker_bar[] = {"type to search", "Up/Down move", "Enter choose", "Ctrl-U clear", "Esc close", NULL};

const struct ui_view ui_view_picker = {
	.name = "bodySite", .where = 0, .input = 1, .key = picker_key, .draw = ui_list_draw, .bar = picker_bar,
};
