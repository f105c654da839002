/* libFuzzer: the DICOM header reader and the pixel path (the dcmtk shim's image decoding, then
 * chafa's picture of it) on arbitrary file contents. */
#include "dicom.h"
#include "preview.h"

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
	err[0] = '\0';
	struct dicom_image *im = dicom_image_read(path, 0, 0, 0, err, sizeof err);
	if (!im && !err[0])
		abort();
	if (im) {	/* the size it says, within the cap, and a picture of it */
		if (!im->width || !im->height || (unsigned long)im->width * im->height > DICOM_IMAGE_PIXELS_MAX)
			abort();
		struct preview *p = preview_cells(im, 16, 8, PREVIEW_COLORS_256, 0);
		preview_free(&p);
		dicom_image_free(&im);
	}
	return 0;
}
