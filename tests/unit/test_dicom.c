/* The DICOM reader through the dcmtk shim, on files made at test time by dcmtk's tools. */
#include "dicom.h"
#include "bodypart.h"
#include "mkdcm.h"
#include "tap.h"

static char dir[256];
static struct dicom_header h;
static char err[512];

/* name in the test folder; four buffers in turn, so one call may use several */
static const char *p(const char *name)
{
	static char paths[4][512];
	static int k;
	char *path = paths[k++ % 4];
	snprintf(path, 512, "%s/%s", dir, name);
	return path;
}

static int rd(const char *name)
{
	memset(&h, 0x55, sizeof h);	/* nothing may leak from an earlier read */
	err[0] = '\0';
	return dicom_read_header(p(name), &h, err, sizeof err);
}

#define TAG(t) dicom_header_get(&h, DICOM_##t)

static void good_file(void)
{
	ok(mkdcm(p("good.dcm"), (const char *const[]){"(0008,0201) SH [+0200]", "(0020,0060) CS [L]",
		 "(0018,0010) LO [Gadovist]", "(0010,1010) AS [028Y]", "(0010,0021) LO [Akron Hospital]",
		 "(0008,0050) SH [ACC42]", "(0020,1206) IS [3]", "(0020,1208) IS [9]", "(0020,1209) IS [3]",
		 "(0008,0021) DA [20230513]", "(0008,0031) TM [1100]", NULL}, "") == 0, "dump2dcm made good.dcm");
	is_int(rd("good.dcm"), DICOM_OK, "good file reads");
	is_str(TAG(STUDY_UID), "1.2.826.0.1.3680043.10.1.1", "StudyInstanceUID");
	is_str(TAG(SERIES_UID), "1.2.826.0.1.3680043.10.1.1.1", "SeriesInstanceUID");
	is_str(TAG(SOP_INSTANCE_UID), "1.2.826.0.1.3680043.10.1.1.1.1", "SOPInstanceUID");
	is_str(TAG(SOP_CLASS_UID), "1.2.840.10008.5.1.4.1.1.4", "SOPClassUID");
	is_str(TAG(STUDY_DATE), "20230512", "StudyDate");
	is_str(TAG(STUDY_TIME), "103215.250000", "StudyTime");
	is_str(TAG(SERIES_DATE), "20230513", "SeriesDate");
	is_str(TAG(SERIES_TIME), "1100", "SeriesTime");
	is_str(TAG(TIMEZONE_OFFSET), "+0200", "TimezoneOffsetFromUTC");
	is_str(TAG(MODALITY), "MR", "Modality");
	is_str(TAG(BODY_PART), "BREAST", "BodyPartExamined");
	is_str(TAG(LATERALITY), "L", "Laterality");
	is_str(TAG(CONTRAST_AGENT), "Gadovist", "ContrastBolusAgent");
	is_str(TAG(PATIENT_NAME), "Doe^Jane", "PatientName");
	is_str(TAG(PATIENT_ID), "PID001", "PatientID");
	is_str(TAG(ISSUER_PATIENT_ID), "Akron Hospital", "IssuerOfPatientID");
	is_str(TAG(PATIENT_BIRTH_DATE), "19950922", "PatientBirthDate");
	is_str(TAG(PATIENT_SEX), "F", "PatientSex");
	is_str(TAG(PATIENT_AGE), "028Y", "PatientAge");
	is_str(TAG(STUDY_DESCRIPTION), "MRI BREAST", "StudyDescription");
	is_str(TAG(SERIES_DESCRIPTION), "T1 AX", "SeriesDescription (padding removed)");
	is_str(TAG(ACCESSION_NUMBER), "ACC42", "AccessionNumber");
	is_str(TAG(NUM_STUDY_SERIES), "3", "NumberOfStudyRelatedSeries");
	is_str(TAG(NUM_STUDY_INST), "9", "NumberOfStudyRelatedInstances");
	is_str(TAG(NUM_SERIES_INST), "3", "NumberOfSeriesRelatedInstances");
	is_str(TAG(SERIES_NUMBER), "1", "SeriesNumber");
	is_str(TAG(INSTANCE_NUMBER), "1", "InstanceNumber");
	is_str(TAG(SPECIFIC_CHARSET), "ISO_IR 192", "SpecificCharacterSet");
	is_str(TAG(TRANSFER_SYNTAX), "1.2.840.10008.1.2.1", "TransferSyntaxUID from the meta header");
	is_str(h.xfer_name, "Little Endian Explicit", "transfer syntax name");
	is_str(h.warning, "", "no warning");

	ok(rd("good.dcm") == DICOM_OK && TAG(ACCESSION_NUMBER) != NULL, "reading twice gives the same");
	ok(mkdcm(p("absent.dcm"), (const char *const[]){"-(0008,0050)", "(0018,0010) LO []", NULL}, "") == 0,
	   "made absent.dcm");
	is_int(rd("absent.dcm"), DICOM_OK, "file without AccessionNumber reads");
	ok(TAG(ACCESSION_NUMBER) == NULL, "an absent tag is NULL");
	is_str(TAG(CONTRAST_AGENT), "", "a present empty tag is \"\"");
}

static void charsets(void)
{
	ok(mkdcm(p("utf8.dcm"), (const char *const[]){"(0010,0010) PN [M\xc3\xbcller^J\xc3\xbcrgen=\xe5\xbc\xa0^\xe6\x9e\x97]", NULL}, "") == 0, "made utf8.dcm");
	is_int(rd("utf8.dcm"), DICOM_OK, "ISO_IR 192 reads");
	is_str(TAG(PATIENT_NAME), "M\xc3\xbcller^J\xc3\xbcrgen=\xe5\xbc\xa0^\xe6\x9e\x97", "UTF-8 name kept as is");

	ok(mkdcm(p("latin1.dcm"), (const char *const[]){"(0008,0005) CS [ISO_IR 100]", "(0010,0010) PN [M\xfcller^J\xfcrgen]", NULL}, "") == 0, "made latin1.dcm");
	is_int(rd("latin1.dcm"), DICOM_OK, "ISO_IR 100 reads");
	is_str(TAG(PATIENT_NAME), "M\xc3\xbcller^J\xc3\xbcrgen", "Latin-1 name converted to UTF-8");
	is_str(TAG(SPECIFIC_CHARSET), "ISO_IR 100", "the original character set is reported");
	is_str(h.warning, "", "no warning for a known character set");

	ok(mkdcm(p("cyrillic.dcm"), (const char *const[]){"(0008,0005) CS [ISO_IR 144]", "(0010,0010) PN [\xb0\xdd\xd8\xef]", NULL}, "") == 0, "made cyrillic.dcm");
	is_int(rd("cyrillic.dcm"), DICOM_OK, "ISO_IR 144 reads");
	is_str(TAG(PATIENT_NAME), "\xd0\x90\xd0\xbd\xd0\xb8\xd1\x8f", "Cyrillic name converted to UTF-8");

	ok(mkdcm(p("unknown-cs.dcm"), (const char *const[]){"(0008,0005) CS [ISO_IR 999]", "(0010,0010) PN [M\xfcller]", NULL}, "") == 0, "made unknown-cs.dcm");
	is_int(rd("unknown-cs.dcm"), DICOM_OK, "unknown character set still reads");
	is_str(TAG(PATIENT_NAME), "M\xc3\xbcller", "bytes read as Latin-1, result valid UTF-8");
	ok(strstr(h.warning, "ISO_IR 999") != NULL, "warning names the character set: %s", h.warning);

	ok(mkdcm(p("nocs.dcm"), (const char *const[]){"-(0008,0005)", "(0010,0010) PN [M\xfcller]", NULL}, "") == 0, "made nocs.dcm");
	is_int(rd("nocs.dcm"), DICOM_OK, "non-ASCII without character set reads");
	is_str(TAG(PATIENT_NAME), "M\xc3\xbcller", "invalid bytes become valid UTF-8");
	ok(strstr(h.warning, "not valid") != NULL, "and a warning says so: %s", h.warning);
}

static void syntaxes(void)
{
	static const struct { const char *name, *opts, *uid; } x[] = {
		{"implicit.dcm", "+ti", "1.2.840.10008.1.2"},
		{"bigendian.dcm", "+tb", "1.2.840.10008.1.2.2"},
		{"deflated.dcm", "+td", "1.2.840.10008.1.2.1.99"},
	};
	for (size_t i = 0; i < sizeof x / sizeof *x; i++) {
		ok(mkdcm(p(x[i].name), NULL, x[i].opts) == 0, "made %s", x[i].name);
		is_int(rd(x[i].name), DICOM_OK, "%s reads", x[i].name);
		is_str(TAG(TRANSFER_SYNTAX), x[i].uid, "%s transfer syntax", x[i].name);
		is_str(TAG(PATIENT_NAME), "Doe^Jane", "%s patient name", x[i].name);
		is_str(TAG(STUDY_UID), "1.2.826.0.1.3680043.10.1.1", "%s study uid", x[i].name);
	}
	ok(mkdcm(p("nometa.dcm"), NULL, "-F +ti") == 0, "made a bare dataset without meta header");
	is_int(rd("nometa.dcm"), DICOM_OK, "no meta header: reads");
	is_str(TAG(STUDY_UID), "1.2.826.0.1.3680043.10.1.1", "no meta header: study uid");
	is_str(TAG(TRANSFER_SYNTAX), "1.2.840.10008.1.2", "no meta header: detected implicit VR");
	ok(mkdcm(p("nometa-ex.dcm"), NULL, "-F +te") == 0, "made a bare explicit VR dataset");
	is_int(rd("nometa-ex.dcm"), DICOM_OK, "bare explicit VR dataset: reads");
	is_str(TAG(PATIENT_ID), "PID001", "bare explicit VR dataset: patient id");

	ok(sh("tail -c +133 '%s' > '%s'", p("good.dcm"), p("nomagic.dcm")) == 0, "made a file without preamble and DICM");
	is_int(rd("nomagic.dcm"), DICOM_OK, "meta header with no preamble or DICM: reads (%s)", err);
	is_str(TAG(TRANSFER_SYNTAX), "1.2.840.10008.1.2.1", "meta header with no preamble or DICM: transfer syntax");
	ok(sh("tail -c +129 '%s' > '%s'", p("good.dcm"), p("nopreamble.dcm")) == 0, "made a file with DICM but no preamble");
	is_int(rd("nopreamble.dcm"), DICOM_OK, "no preamble: reads (%s)", err);
	is_str(TAG(SOP_INSTANCE_UID), "1.2.826.0.1.3680043.10.1.1.1.1", "no preamble: SOP instance uid");

	static const struct { const char *tool, *name, *uid; } c[] = {
		{"dcmcjpeg", "jpeg.dcm", "1.2.840.10008.1.2.4.70"},
		{"dcmcjpls", "jpegls.dcm", "1.2.840.10008.1.2.4.80"},
		{"dcmcrle", "rle.dcm", "1.2.840.10008.1.2.5"},
	};
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		ok(sh("%s '%s' '%s'", c[i].tool, p("good.dcm"), p(c[i].name)) == 0, "%s made %s", c[i].tool, c[i].name);
		is_int(rd(c[i].name), DICOM_OK, "%s reads", c[i].name);
		is_str(TAG(TRANSFER_SYNTAX), c[i].uid, "%s transfer syntax", c[i].name);
		is_str(TAG(SERIES_DESCRIPTION), "T1 AX", "%s series description", c[i].name);
	}
	ok(mkdcm(p("j2k.dcm"), (const char *const[]){"(0002,0010) UI =JPEG2000LosslessOnly",
		 "(7fe0,0010) OB (PixelSequence #=2)", "(fffe,e000) pi (no value available)",
		 "(fffe,e000) pi ff\\4f\\ff\\51\\00\\00", "(fffe,e0dd) na (SequenceDelimitationItem)", NULL}, "") == 0,
	   "made a JPEG 2000 file");
	is_int(rd("j2k.dcm"), DICOM_OK, "JPEG 2000 reads");
	is_str(TAG(TRANSFER_SYNTAX), "1.2.840.10008.1.2.4.90", "JPEG 2000 transfer syntax");
	ok(strstr(h.xfer_name, "JPEG 2000") != NULL, "JPEG 2000 name: %s", h.xfer_name);
}

static void bad_files(void)
{
	write_text(p("empty.dcm"), "");
	is_int(rd("empty.dcm"), DICOM_ERR_NOT_DICOM, "empty file is not DICOM");
	ok(strstr(err, "empty") != NULL, "reason says empty: %s", err);

	write_text(p("text.dcm"), "This is not an image.\nJust text.\n");
	is_int(rd("text.dcm"), DICOM_ERR_NOT_DICOM, "text file named .dcm is not DICOM");
	ok(strstr(err, "text") != NULL, "reason says text: %s", err);

	write_text(p("json.dcm"), "{\"resourceType\": \"ImagingStudy\"}\n");
	is_int(rd("json.dcm"), DICOM_ERR_NOT_DICOM, "JSON named .dcm is not DICOM");
	ok(strstr(err, "JSON") != NULL, "reason says JSON: %s", err);

	ok(sh("head -c 300 '%s' > '%s'", p("good.dcm"), p("trunc-header.dcm")) == 0, "made a file cut in its header");
	int st = rd("trunc-header.dcm");
	ok(st == DICOM_ERR_TRUNCATED || st == DICOM_ERR_PARSE, "cut in the header: an error (%d: %s)", st, err);
	ok(err[0] != '\0', "with a reason");

	ok(sh("head -c -40 '%s' > '%s'", p("good.dcm"), p("trunc-pixels.dcm")) == 0, "made a file cut in its pixel data");
	is_int(rd("trunc-pixels.dcm"), DICOM_OK, "cut in the pixel data: header still reads (%s)", err);
	is_str(TAG(PATIENT_NAME), "Doe^Jane", "cut in the pixel data: values");

	ok(sh("head -c 140 '%s' > '%s'", p("good.dcm"), p("trunc-meta.dcm")) == 0, "made a file cut in its meta header");
	st = rd("trunc-meta.dcm");
	ok(st != DICOM_OK, "cut in the meta header: an error (%d: %s)", st, err);

	ok(sh("head -c 2000 /dev/urandom | tr '\\000\\002\\010' '\\001\\003\\011' > '%s'", p("random.dcm")) == 0, "made random bytes");
	ok(rd("random.dcm") == DICOM_ERR_NOT_DICOM, "random bytes are not DICOM: %s", err);

	is_int(rd("no-such-file.dcm"), DICOM_ERR_IO, "missing file is an I/O error");
	ok(strstr(err, "No such file") != NULL, "reason from the system: %s", err);

	ok(mkdcm(p("nostudy.dcm"), (const char *const[]){"-(0020,000d)", NULL}, "") == 0, "made a file without StudyInstanceUID");
	is_int(rd("nostudy.dcm"), DICOM_OK, "without StudyInstanceUID the header still reads");
	ok(TAG(STUDY_UID) == NULL, "and StudyInstanceUID is absent");

	ok(mkdcm(p("dicomdir"), (const char *const[]){"(0002,0002) UI =MediaStorageDirectoryStorage",
		 "-(0008,0016)", "-(7fe0,0010)", "(0004,1130) CS [SDSFHIR]", NULL}, "") == 0, "made a DICOMDIR");
	is_int(rd("dicomdir"), DICOM_SKIP_DICOMDIR, "DICOMDIR is not an instance");
	ok(strstr(err, "DICOMDIR") != NULL, "reason: %s", err);
}

static void bodypart(void)
{
	char code[32], disp[128];
	ok(bodypart_map("BREAST", code, sizeof code, disp, sizeof disp), "BREAST maps");
	is_str(code, "76752008", "BREAST is SNOMED CT 76752008");
	is_str(disp, "Breast", "BREAST display");
	ok(bodypart_map("HEART", code, sizeof code, disp, sizeof disp), "HEART maps");
	is_str(code, "80891009", "HEART is SNOMED CT 80891009");
	ok(bodypart_map("heart", code, sizeof code, disp, sizeof disp), "lower case maps too");
	ok(bodypart_map("KNEE", code, sizeof code, disp, sizeof disp), "KNEE maps (whole table, not only two)");
	is_str(code, "72696002", "KNEE is SNOMED CT 72696002");
	ok(!bodypart_map("NOTAPART", code, sizeof code, disp, sizeof disp), "unknown term does not map");
	ok(!bodypart_map("", code, sizeof code, disp, sizeof disp), "empty term does not map");
}

int main(void)
{
	is_int(dicom_init(err, sizeof err), DICOM_OK, "dictionary loads (%s)", err);
	is_str(dicom_tag_table[DICOM_STUDY_UID].keyword, "StudyInstanceUID", "tag table keyword");
	is_int(dicom_tag_table[DICOM_STUDY_UID].element, 0x000D, "tag table element");
	char *d = mktemp_dir();
	ok(d != NULL, "temporary folder");
	if (!d)
		return tap_done();
	snprintf(dir, sizeof dir, "%s", d);
	good_file();
	charsets();
	syntaxes();
	bad_files();
	bodypart();
	rm_rf(dir);
	return tap_done();
}
