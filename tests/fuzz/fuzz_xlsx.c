/* libFuzzer: the xlsx reader's XML, not its zip: the input is sharedStrings.xml and a worksheet
 * (split at the first NUL byte), stored in an xlsx made here with libzip, then read as an SDS
 * metadata table. Mutations reach expat and the cell code at once, rather than deflate. */
#include "sds_meta.h"
#include "fuzz_table.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

/* Add name with data[0..n) to z, stored (not compressed). */
static void part(zip_t *z, const char *name, const uint8_t *data, size_t n)
{
	zip_source_t *s = zip_source_buffer(z, data, n, 0);
	zip_int64_t i = s ? zip_file_add(z, name, s, ZIP_FL_OVERWRITE) : -1;
	if (i < 0)
		zip_source_free(s);
	else
		zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_STORE, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[96], err[512];
	snprintf(path, sizeof path, "/tmp/sdsfhir-fuzz-xlsx-%ld.xlsx", (long)getpid());
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	int zerr = 0;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	if (!z)
		return 0;
	static const char types[] = "<?xml version=\"1.0\"?><Types/>";
	part(z, "[Content_Types].xml", (const uint8_t *)types, sizeof types - 1);
	part(z, "xl/sharedStrings.xml", data, n1);
	if (nul)
		part(z, "xl/worksheets/sheet1.xml", nul + 1, size - n1 - 1);
	if (zip_close(z) < 0) {
		zip_discard(z);
		return 0;
	}
	struct sds_table *t = sds_meta_read(path, err, sizeof err);
	if (t) {
		fuzz_table_check(t);
		sds_meta_free(&t);
	} else if (!err[0]) {
		abort();
	}
	unlink(path);
	return 0;
}
