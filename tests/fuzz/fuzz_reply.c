/* libFuzzer: the parsers of server replies (Bundle pages, OperationOutcome, CapabilityStatement)
 * and the comparison of resources, on arbitrary bytes. */
#include "actions.h"
#include "client.h"
#include "fhir.h"

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
	if (o)
		fhir_diff(o, json_object_array_length(m) ? json_object_array_get_idx(m, 0) : o, buf, sizeof buf);
	json_object_put(m);
	json_object_put(inc);
	json_object_put(seen);
	json_object_put(o);
	return 0;
}
