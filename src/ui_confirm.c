/* The confirmation window: a question naming what an action will change (push, retract,
 * bodySite); y starts the action's job, anything else says it was not done. */
#include "config.h"

#include "ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The studies of the action, or a warning that there are none. Caller frees. */
static const struct dataset_node **targets(struct ui *u, size_t *n)
{
	const struct dataset_node **s = ui_targets(u, n);
	if (!*n)
		ui_status(u, UI_ATTR_WARNING, "no study under the cursor (mark subjects or studies with Space)");
	return s;
}

int ui_confirm_push(struct ui *u)
{
	size_t n;
	const struct dataset_node **s = targets(u, &n);
	if (!n) {
		free(s);
		return UI_DRAW_STATUS;
	}
	size_t inst = 0, same = 0, known = 0;
	for (size_t i = 0; i < n; i++) {
		inst += s[i]->ninstances;
		same += s[i]->server == DATASET_SERVER_SAME;
		known += s[i]->server != DATASET_SERVER_UNKNOWN;
	}
	char names[700] = "", w[300];
	for (size_t i = 0, k = 0; i < n && i < 3; i++)	/* which: the first three, then how many more */
		k += (size_t)snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "", dataset_where(s[i], w, sizeof w));
	if (n > 3)
		snprintf(names + strlen(names), sizeof names - strlen(names), " and %zu more", n - 3);
	free(s);
	char title[1200], already[200] = "";
	if (known && same)	/* as last read; the push reads them again and leaves the same ones alone */
		snprintf(already, sizeof already, " %zu of the %zu stud%s already the same on the server: left alone.",
			 same, n, n == 1 ? "y is" : same == 1 ? "ies is" : "ies are");
	char images[1200] = "";
	if (u->set.dicomweb)	/* a DICOMweb server configured: the images can go too */
		snprintf(images, sizeof images, ", i: push with their images (to %s)", u->set.dicomweb);
	snprintf(title, sizeof title, "Push %zu stud%s (%s; %zu instances) to %s?%s y: push%s, n or Esc: no", n,
		 n == 1 ? "y" : "ies", names, inst, u->client ? client_base(u->client) : "(no server)", already, images);
	u->push_images = u->set.images && u->set.dicomweb;	/* images = yes: y takes them too */
	ui_list_open(u, UI_OV_CONFIRM, title);
	u->confirm_job = UI_JOB_PUSH;
	return UI_DRAW_ALL;
}

int ui_confirm_retract(struct ui *u)
{
	size_t n;
	const struct dataset_node **s = targets(u, &n);
	if (!n) {
		free(s);
		return UI_DRAW_STATUS;
	}
	char title[1400], what[900];
	struct actions_ctx a = {.tree = u->tree};
	actions_retract_text(&a, s, n, what, sizeof what);
	free(s);
	snprintf(title, sizeof title, "Remove from %s: %s? Their Patients stay. y: remove, n or Esc: no",
		 u->client ? client_base(u->client) : "(no server)", what);
	ui_list_open(u, UI_OV_CONFIRM, title);
	u->confirm_job = UI_JOB_RETRACT;
	return UI_DRAW_ALL;
}

static int confirm_key(struct ui *u, int action, int key)
{
	(void)action;
	int job = u->confirm_job;
	u->overlay = UI_OV_NONE;
	int with_images = (key == 'i' || key == 'I') && job == UI_JOB_PUSH && u->set.dicomweb;
	if (with_images)
		u->push_images = 1;
	if (key == 'y' || key == 'Y' || with_images) {
		size_t n;
		const struct dataset_node **s = ui_targets(u, &n);
		int bs = job == UI_JOB_BODYSITE;
		if (n)
			ui_job_start(u, job, s, n, bs && *u->pending_code ? u->pending_code : NULL,
				     bs && *u->pending_display ? u->pending_display : NULL, NULL);
		else
			free(s);
	} else {
		u->push_images = 0;
		ui_status(u, UI_ATTR_NORMAL, "%s", job == UI_JOB_PUSH ? "not pushed" : job == UI_JOB_RETRACT ?
			  "nothing removed" : "bodySite not written");
	}
	return UI_DRAW_ALL;
}

static const char *const confirm_bar[] = {"y yes", "n no", "Esc no", "i with the images (push)", NULL};

const struct ui_view ui_view_confirm = {
	.name = "confirm", .where = 0, .plain = 1, .question = 1, .key = confirm_key, .draw = ui_list_draw, .bar = confirm_bar,
};
