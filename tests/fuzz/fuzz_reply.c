/* libFuzzer: the parsers of server replies (Bundle pages, OperationOutcome, CapabilityStatement,
 * search result rows through the typed accessors), the comparison of resources, Retry-After and
 * the terminal sanitizer, on arbitrary bytes. */
#include "actions.h"
#include "client.h"
#include "fhir.h"
#include "termsafe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	char buf[2048];
	client_outcome_text(o, buf, sizeof buf);
	client_metadata_verdict(o, "http://x/", buf, sizeof buf);
	json_object *m = json_object_new_array(), *inc = json_object_new_array(), *seen = json_object_new_object();
	long total = -1;
	char *next = NULL;
	actions_page(o, m, inc, seen, &total, &next, buf, sizeof buf);
	free(next);
	struct actions_row row;
	actions_result_row(o, inc, &row);
	for (size_t i = 0; i < json_object_array_length(m); i++)
		actions_result_row(json_object_array_get_idx(m, i), inc, &row);
	char text[512], shown[64];
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	client_retry_after(text);
	termsafe(text, shown, sizeof shown, 0);
	termsafe(text, buf, sizeof buf, 1);
	if (o)
		fhir_diff(o, json_object_array_length(m) ? json_object_array_get_idx(m, 0) : o, buf, sizeof buf);
	json_object_put(m);
	json_object_put(inc);
	json_object_put(seen);
	json_object_put(o);
	return 0;
}
