/* libFuzzer: the SDS metadata readers (xlsx, csv, tsv, json); the first byte picks the format.
 * What is read is mapped to a ResearchStudy as a dataset_description and a subjects file. */
#include "research.h"
#include "sds_meta.h"
#include "fuzz_table.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ext[] = {"csv", "tsv", "json", "xlsx"};
	if (size < 1)
		return 0;
	char path[96], err[512];
	snprintf(path, sizeof path, "/tmp/sdsfhir-fuzz-meta-%ld.%s", (long)getpid(), ext[data[0] % 4]);
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	struct sds_table *t = sds_meta_read(path, err, sizeof err);
	if (t) {
		fuzz_table_check(t);
		sds_meta_lookup(t, "subject id", "sub-1", "sex");
		struct research_res res[RESEARCH_MAX_PI + 1];
		size_t n = research_tables(t, t, NULL, NULL, FHIR_REF_UUID, res);
		if (n < 1 || n > RESEARCH_MAX_PI + 1)
			abort();
		for (size_t i = 0; i < n; i++) {	/* each a resource of its type, that serializes */
			json_object *type = NULL;
			if (!json_object_object_get_ex(res[i].resource, "resourceType", &type) ||
			    strcmp(json_object_get_string(type), res[i].type) != 0 || !json_object_to_json_string(res[i].resource))
				abort();
			json_object_put(res[i].resource);
		}
		sds_meta_free(&t);
	} else if (!err[0]) {
		abort();
	}
	return 0;
}
