/* Plain C interface to DICOM header reading (implemented with dcmtk in dicom_dcmtk.cc).
 * No function here throws, allocates on the caller's behalf or writes to stderr. */
#ifndef SDSFHIR_DICOM_H
#define SDSFHIR_DICOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dicom_tag {
#define DICOM_TAG(id, g, e, kw, name) DICOM_##id,
#include "dicom_tags.def"
#undef DICOM_TAG
	DICOM_TAG_COUNT
};

struct dicom_tag_info {
	uint16_t group, element;
	const char *keyword;	/* PS3.6 keyword, e.g. "StudyInstanceUID" */
	const char *name;	/* PS3.6 name, e.g. "Study Instance UID" */
};

/* Indexed by enum dicom_tag. */
extern const struct dicom_tag_info dicom_tag_table[DICOM_TAG_COUNT];

enum dicom_status {
	DICOM_OK = 0,
	DICOM_ERR_IO,		/* cannot open or read the file */
	DICOM_ERR_NOT_DICOM,	/* content is not DICOM (empty, text, JSON, ...) */
	DICOM_ERR_TRUNCATED,	/* file ends inside the header */
	DICOM_ERR_PARSE,	/* DICOM, but the header cannot be parsed */
	DICOM_SKIP_DICOMDIR,	/* a valid DICOMDIR: DICOM, but not an instance */
	DICOM_ERR_INTERNAL,	/* dictionary missing, out of memory, ... */
	DICOM_SKIP_SPECIAL	/* not a regular file (a FIFO, a device): not read (never cached) */
};

#define DICOM_VALUES_MAX 6144

/* Values of one file's header, UTF-8, trailing padding removed. Fixed size: no allocation. */
struct dicom_header {
	uint16_t off[DICOM_TAG_COUNT];	/* 1 + offset of the value in buf; 0: tag absent */
	uint16_t used;			/* bytes of buf in use */
	char buf[DICOM_VALUES_MAX];
	char xfer_name[64];		/* transfer syntax name, e.g. "JPEG Lossless" */
	char warning[256];		/* non-fatal problem (character set), "" if none */
};

/* Load the data dictionary and silence dcmtk's logger. Call before reading a file (the
 * body part functions need no dictionary and set themselves up); returns DICOM_OK or
 * DICOM_ERR_INTERNAL with a message. */
int dicom_init(char *err, size_t errlen);

/* Read the header of path (stopping before Pixel Data) into *out. Thread-safe.
 * Returns a dicom_status; on failure err holds a one-line reason. */
int dicom_read_header(const char *path, struct dicom_header *out, char *err, size_t errlen);

/* The value of tag t: borrowed from h, NULL when the tag is absent. */
const char *dicom_header_get(const struct dicom_header *h, enum dicom_tag t);

/* The entries of DICOM CID 4031 (Common Anatomic Regions) with SNOMED CT codes: their
 * number, and entry i (0-based) into code and display; 0, or -1 past the end. */
int dicom_cid4031_count(void);
int dicom_cid4031_get(int i, char *code, size_t codelen, char *display, size_t displaylen);

/* A frame's pixels, ready for a picture: 8 bits a sample, top row first; grey is windowed
 * (MONOCHROME1 inverted), colour (RGB, palette, YBR) is RGB. */
struct dicom_image {
	unsigned width, height;		/* pixels */
	unsigned frames;		/* frames in the file */
	unsigned frame;			/* the frame decoded (0-based) */
	int channels;			/* 1 grey, 3 RGB */
	double center, width_;		/* the window used (grey) */
	char window[24];		/* where it came from: "header", "VOI LUT", "histogram", "given"; "" for colour */
	char photometric[24];		/* Photometric Interpretation, e.g. "MONOCHROME2" */
	unsigned char *pixels;		/* width * height * channels bytes */
};

/* Frames up to this many pixels are decoded (4096 x 4096); a larger one is refused before any
 * allocation. */
#define DICOM_IMAGE_PIXELS_MAX (4096u * 4096u)

/* Decode frame (0-based) of path, only that frame (partial access), windowed by center and
 * width when width > 0, else by the file's window, its VOI LUT or a histogram window. Thread-
 * safe. NULL on failure, with a one-line reason in err. Caller frees (dicom_image_free). */
struct dicom_image *dicom_image_read(const char *path, unsigned frame, double center, double width, char *err,
				     size_t errlen);
void dicom_image_free(struct dicom_image **im);

#ifdef __cplusplus
}
#endif
#endif
