/* The search results window (a table per resource type, -> where a result is here) and the JSON
 * window of one result (Enter there goes to the local study or subject). */
#include "config.h"

#include "ui.h"
#include "jget.h"
#include "safefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The local study a search result stands for (by its urn:dicom:uid identifier), or NULL. */
static const struct dataset_node *local_study(struct ui *u, json_object *res)
{
	struct actions_row row;
	actions_result_row(res, NULL, &row);
	if (!u->tree || !row.study_uid[0])
		return NULL;
	size_t n;
	const struct dataset_node **all = dataset_collect(u->tree->root, DATASET_STUDY, &n), *found = NULL;
	for (size_t k = 0; k < n && !found; k++)
		if (strcmp(all[k]->name, row.study_uid) == 0)
			found = all[k];
	free(all);
	return found;
}

/* The local subject folder a ResearchSubject result stands for (its dataset and subject id), or NULL. */
static const struct dataset_node *local_subject(struct ui *u, const struct actions_row *row)
{
	for (const struct dataset_node *ds = u->tree && row->subject[0] ? u->tree->root->child : NULL; ds; ds = ds->next)
		for (const struct dataset_node *sub = ds->kind == DATASET_DATASET && !strcmp(ds->name, row->dataset) ? ds->child : NULL;
		     sub; sub = sub->next)
			if (sub->kind == DATASET_SUBJECT && !strcmp(sub->name, row->subject))
				return sub;
	return NULL;
}

void ui_results_open(struct ui *u)
{
	size_t keep = u->overlay == UI_OV_RESULTS ? u->lcur : 0;
	char title[256], shown[128];
	snprintf(title, sizeof title, "Results: %s (Enter: the resource's JSON; -> marks a local study)",
		 actions_shown_text(jget_len(u->matches), u->total_found, u->next != NULL, "as you scroll", shown,
				    sizeof shown));
	ui_list_open(u, UI_OV_RESULTS, title);
	int patients = 0, studies = 0, subjects = 0;	/* each kind's table under its own header */
	for (size_t i = 0; i < jget_len(u->matches); i++) {
		json_object *r = json_object_array_get_idx(u->matches, i);
		struct actions_row row;
		actions_result_row(r, u->included, &row);
		const struct dataset_node *local = local_study(u, r);
		const struct dataset_node *sub = local ? dataset_ancestor(local, DATASET_SUBJECT) : NULL;
		if (!strcmp(row.type, "ImagingStudy")) {
			if (!studies++)
				ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "   %-22s %-16s %-25s %-12s %s", "SUBJECT HERE", "PATIENT",
					     "STARTED", "BODYSITE", "ID");
			ui_lines_add(&u->list, UI_ATTR_NORMAL, r, "%s %-22s %-16s %-25s %-12s %s", local ? "->" : "  ",
				     sub ? sub->name : "(not here)", *row.patient ? row.patient : "-", *row.started ? row.started : "-",
				     *row.sites ? row.sites : "-", *row.id ? row.id : "-");
		} else if (!strcmp(row.type, "Patient")) {	/* a table: name, birth date, gender, id */
			if (!patients++)
				ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "   %-30s %-10s %-7s %s", "NAME", "BORN", "GENDER", "ID");
			ui_lines_add(&u->list, UI_ATTR_NORMAL, r, "   %-30s %-10s %-7s Patient/%s", *row.patient ? row.patient : "-",
				     *row.birth_date ? row.birth_date : "-", *row.gender ? row.gender : "-", *row.id ? row.id : "-");
		} else if (!strcmp(row.type, "ResearchSubject")) {	/* subject, patient, dataset */
			const struct dataset_node *sn = local_subject(u, &row);
			if (!subjects++)
				ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "   %-22s %-16s %-28s %s", "SUBJECT", "PATIENT", "DATASET", "ARM");
			ui_lines_add(&u->list, UI_ATTR_NORMAL, r, "%s %-22s %-16s %-28s %s", sn ? "->" : "  ",
				     *row.subject ? row.subject : "-", *row.patient ? row.patient : "-",
				     *row.dataset ? row.dataset : "-", *row.arm ? row.arm : "-");
		} else {
			ui_lines_add(&u->list, UI_ATTR_NORMAL, r, "   %s/%s", *row.type ? row.type : "?", *row.id ? row.id : "-");
		}
	}
	if (!jget_len(u->matches))
		ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "(nothing found)");
	if (u->next)
		ui_lines_add(&u->list, UI_ATTR_DIM, NULL, "(more: move down to load the next page)");
	u->lcur = keep < u->list.n ? keep : 0;
	while (u->lcur + 1 < u->list.n && !u->list.data[u->lcur])
		u->lcur++;	/* on a result, not on a header */
}

static void json_open(struct ui *u, json_object *r)
{
	char title[300];
	u->shown = r;
	struct actions_row row;
	actions_result_row(r, u->included, &row);
	u->jump = local_study(u, r);
	u->jump_subject = u->jump ? NULL : local_subject(u, &row);
	snprintf(title, sizeof title, "%s/%s%s", jget_str(r, "resourceType") ?: "?", jget_str(r, "id") ?: "-",
		 u->jump ? "  (Enter: go to the local study; q: back to the results)"
		 : u->jump_subject ? "  (Enter: go to the local subject; q: back to the results)" : "  (q: back to the results)");
	u->overlay = UI_OV_JSON;
	snprintf(u->ov_title, sizeof u->ov_title, "%s", title);
	ui_lines_clear(&u->list);
	ui_json_lines(&u->list, r);
	u->lcur = u->ltop = 0;
}

static int results_key(struct ui *u, int action, int key)
{
	if (action == ACT_OPEN) {
		if (u->lcur < u->list.n && u->list.data[u->lcur])
			json_open(u, u->list.data[u->lcur]);
		return UI_DRAW_ALL;
	}
	int r = ui_list_key(u, action, key);
	size_t n = u->list.n;
	if (r && u->overlay == UI_OV_RESULTS && u->next && n && u->lcur + 1 >= n && !u->job) {
		char *q = strdup(u->next);	/* on the last line: load the next page */
		if (q && ui_job_start(u, UI_JOB_SEARCH, NULL, 0, NULL, NULL, q) == 0)
			u->job->append = 1;
		free(q);
	}
	return r;
}

static int json_key(struct ui *u, int action, int key)
{
	if (action == ACT_OPEN && (u->jump || u->jump_subject)) {
		u->overlay = UI_OV_NONE;
		if (u->jump)
			ui_server_keep(u, u->jump, u->shown);
		u->go_to = u->jump ? u->jump : u->jump_subject;
		u->view = u->jump ? UI_VIEW_SERVER : UI_VIEW_FHIR;
		ui_status(u, UI_ATTR_NORMAL, "the local %s of the search result", u->jump ? "study" : "subject");
		return UI_DRAW_ALL | UI_GOTO;
	}
	if ((action == ACT_CANCEL || action == ACT_QUIT) && !u->lfind_typing && u->matches) {
		ui_results_open(u);	/* back to the results */
		return UI_DRAW_ALL;
	}
	return ui_list_key(u, action, key);
}

/* The resource shown, pretty-printed, and a file name from its type and id. */
static char *json_shown(struct ui *u, char *name, size_t len)
{
	if (!u->shown)
		return NULL;
	const char *type = jget_str(u->shown, "resourceType"), *id = jget_str(u->shown, "id");
	char raw[400];	/* named by the server: a plain file name, nothing more */
	snprintf(raw, sizeof raw, "%s-%s.json", type ? type : "resource", id ? id : "unknown");
	safefile_name(raw, name, len);
	return ui_json_text(u->shown);
}

static const char *const results_bar[] = {"Enter the JSON", "j/k move", "/ find", "n/N next", "q back", NULL};
static const char *const json_bar[] = {"Enter go to the local study", "j/k scroll", "/ find", "n/N next", "S save",
				       "o pager", "y copy", "q back", NULL};

const struct ui_view ui_view_results = {
	.name = "results", .where = 'W', .key = results_key, .draw = ui_list_draw, .find = ui_list_find, .bar = results_bar,
};

const struct ui_view ui_view_json = {
	.name = "JSON", .where = 'W', .plain = 1, .key = json_key, .draw = ui_list_draw, .find = ui_list_find, .text = json_shown,
	.bar = json_bar,
};
