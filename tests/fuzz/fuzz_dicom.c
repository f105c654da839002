/* libFuzzer: the DICOM header reader (the dcmtk shim) on arbitrary file contents. */
#include "dicom.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	static char path[64];
	char err[512];
	if (!ready) {
		if (dicom_init(err, sizeof err) != DICOM_OK)
			abort();
		snprintf(path, sizeof path, "/tmp/sdsfhir-fuzz-dicom-%ld.dcm", (long)getpid());
		ready = 1;
	}
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	static struct dicom_header h;
	int st = dicom_read_header(path, &h, err, sizeof err);
	if (st == DICOM_OK) {
		for (int t = 0; t < DICOM_TAG_COUNT; t++) {
			const char *v = dicom_header_get(&h, (enum dicom_tag)t);
			if (v && v[0] == '\x01')	/* values are cleaned: no control characters */
				abort();
		}
	} else if (!err[0]) {
		abort();	/* every failure has a reason */
	}
	return 0;
}
