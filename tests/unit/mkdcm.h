/* Test helper: real DICOM files written by dcmtk's dump2dcm from a template dump,
 * with some lines replaced, added or removed. */
#ifndef SDSFHIR_MKDCM_H
#define SDSFHIR_MKDCM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const mkdcm_base[] = {
	"(0002,0010) UI =LittleEndianExplicit",
	"(0008,0005) CS [ISO_IR 192]",
	"(0008,0016) UI =MRImageStorage",
	"(0008,0018) UI [1.2.826.0.1.3680043.10.1.1.1.1]",
	"(0008,0020) DA [20230512]",
	"(0008,0030) TM [103215.250000]",
	"(0008,0060) CS [MR]",
	"(0008,1030) LO [MRI BREAST]",
	"(0008,103e) LO [T1 AX]",
	"(0010,0010) PN [Doe^Jane]",
	"(0010,0020) LO [PID001]",
	"(0010,0030) DA [19950922]",
	"(0010,0040) CS [F]",
	"(0018,0015) CS [BREAST]",
	"(0020,000d) UI [1.2.826.0.1.3680043.10.1.1]",
	"(0020,000e) UI [1.2.826.0.1.3680043.10.1.1.1]",
	"(0020,0011) IS [1]",
	"(0020,0013) IS [1]",
	"(0028,0002) US 1",
	"(0028,0004) CS [MONOCHROME2]",
	"(0028,0010) US 8",
	"(0028,0011) US 8",
	"(0028,0100) US 16",
	"(0028,0101) US 12",
	"(0028,0102) US 11",
	"(0028,0103) US 0",
	"(7fe0,0010) OW 0000\\0001\\0002\\0003\\0004\\0005\\0006\\0007\\0008\\0009\\000a\\000b\\000c\\000d\\000e\\000f"
	"\\0000\\0001\\0002\\0003\\0004\\0005\\0006\\0007\\0008\\0009\\000a\\000b\\000c\\000d\\000e\\000f"
	"\\0000\\0001\\0002\\0003\\0004\\0005\\0006\\0007\\0008\\0009\\000a\\000b\\000c\\000d\\000e\\000f"
	"\\0000\\0001\\0002\\0003\\0004\\0005\\0006\\0007\\0008\\0009\\000a\\000b\\000c\\000d\\000e\\000f",
	NULL};

/* Write path from the template. overrides: NULL-terminated lines "(gggg,eeee) VR value"
 * replacing the template line of that tag or added, or "-(gggg,eeee)" removing it.
 * opts: extra dump2dcm options ("" for none). Returns 0 on success. */
__attribute__((unused)) static int mkdcm(const char *path, const char *const *overrides, const char *opts)
{
	char dump[4200];
	snprintf(dump, sizeof dump, "%s.dump", path);
	FILE *f = fopen(dump, "w");
	if (!f)
		return -1;
	for (int i = 0; mkdcm_base[i]; i++) {
		int skip = 0;
		for (int j = 0; overrides && overrides[j]; j++) {
			const char *o = overrides[j][0] == '-' ? overrides[j] + 1 : overrides[j];
			if (strncasecmp(o, mkdcm_base[i], 11) == 0)
				skip = 1;
		}
		if (!skip)
			fprintf(f, "%s\n", mkdcm_base[i]);
	}
	for (int j = 0; overrides && overrides[j]; j++)
		if (overrides[j][0] != '-')
			fprintf(f, "%s\n", overrides[j]);
	fclose(f);
	char cmd[9000];
	const char *tool = getenv("DUMP2DCM");
	snprintf(cmd, sizeof cmd, "'%s' -q %s '%s' '%s'", tool && *tool ? tool : "dump2dcm", opts, dump, path);
	int rc = system(cmd);
	unlink(dump);
	return rc == 0 ? 0 : -1;
}

/* Run a shell command; 0 on success. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
__attribute__((unused)) static int sh(const char *fmt, ...)
{
	char cmd[9000];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fresh temporary folder; caller removes it with rm_rf. */
__attribute__((unused)) static char *mktemp_dir(void)
{
	static char dir[256];
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/sdsfhir-test.XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(dir);
}

__attribute__((unused)) static void rm_rf(const char *dir)
{
	sh("chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
}

__attribute__((unused)) static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

#endif
