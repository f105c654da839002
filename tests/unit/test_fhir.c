/* FHIR conversions: PN, dates, times and zones, laterality, Annex L, name-based UUIDs, SDS tables. */
#include "fhir.h"
#include "client.h"
#include <time.h>
#include "mkdcm.h"
#include "sds_meta.h"
#include "tap.h"

#include <stdlib.h>
#include <time.h>

static const char *name_json(const char *pn)
{
	static char buf[1024];
	json_object *n = fhir_name(pn);
	snprintf(buf, sizeof buf, "%s", n ? json_object_to_json_string_ext(n, JSON_C_TO_STRING_PLAIN) : "NULL");
	json_object_put(n);
	return buf;
}

static void names(void)
{
	is_str(name_json("Zhang^Linman"), "{\"use\":\"official\",\"family\":\"Zhang\",\"given\":[\"Linman\"]}", "family^given");
	is_str(name_json("Zhang^Linman=\xe5\xbc\xa0^\xe6\x9e\x97\xe6\x9b\xbc"), "{\"use\":\"official\",\"family\":\"Zhang\",\"given\":[\"Linman\"]}",
	       "only the alphabetic group");
	is_str(name_json("Doe^John^Paul^Dr.^Jr."),
	       "{\"use\":\"official\",\"family\":\"Doe\",\"given\":[\"John\",\"Paul\"],\"prefix\":[\"Dr.\"],\"suffix\":[\"Jr.\"]}",
	       "all five components; middle name is a given name");
	is_str(name_json("^Aniyah"), "{\"use\":\"official\",\"given\":[\"Aniyah\"]}", "no family name: none invented");
	is_str(name_json("Doe"), "{\"use\":\"official\",\"family\":\"Doe\"}", "family only: no prefix made up");
	is_str(name_json("M\xc3\xbcller^J\xc3\xbcrgen "), "{\"use\":\"official\",\"family\":\"M\xc3\xbcller\",\"given\":[\"J\xc3\xbcrgen\"]}", "UTF-8 and padding");
	is_str(name_json(""), "NULL", "empty name: none");
	is_str(name_json("^^^^"), "NULL", "only separators: none");
	is_str(name_json("=\xe5\xbc\xa0"), "{\"use\":\"official\",\"family\":\"\xe5\xbc\xa0\"}", "no alphabetic group: the ideographic one");
	is_str(name_json("==\xe5\xbc\xa0^x"), "{\"use\":\"official\",\"family\":\"\xe5\xbc\xa0\",\"given\":[\"x\"]}", "then the phonetic one");
	is_str(name_json(NULL), "NULL", "absent: none");
}

static void dates(void)
{
	char out[64];
	ok(fhir_date("19950922", out, sizeof out) == 0, "DA converts");
	is_str(out, "1995-09-22", "YYYY-MM-DD");
	ok(fhir_date("1995.09.22", out, sizeof out) == 0 && strcmp(out, "1995-09-22") == 0, "ACR-NEMA YYYY.MM.DD");
	ok(fhir_date("20000229", out, sizeof out) == 0, "29 February of a leap year");
	ok(fhir_date("19000229", out, sizeof out) < 0, "29 February 1900 is invalid");
	ok(fhir_date("19951322", out, sizeof out) < 0, "month 13 is invalid");
	ok(fhir_date("19950931", out, sizeof out) < 0, "31 September is invalid");
	ok(fhir_date("00000101", out, sizeof out) < 0, "year 0 is invalid");
	ok(fhir_date("1995092", out, sizeof out) < 0, "7 digits are invalid");
	ok(fhir_date("1995-09-22", out, sizeof out) < 0, "ISO form is not DICOM DA");
	ok(fhir_date("", out, sizeof out) < 0, "empty is invalid");
	ok(fhir_date(NULL, out, sizeof out) < 0, "absent is invalid");
}

static void datetimes(void)
{
	char out[64];
	ok(fhir_datetime("20230512", "103215.250000", "-0400", NULL, out, sizeof out) == 0, "date + time + offset");
	is_str(out, "2023-05-12T10:32:15.25-04:00", "offset tag used, fraction trimmed");
	ok(fhir_datetime("20230512", "103215", NULL, "+02:00", out, sizeof out) == 0, "configured fixed zone");
	is_str(out, "2023-05-12T10:32:15+02:00", "fixed zone applied");
	ok(fhir_datetime("20230512", "1032", NULL, "Z", out, sizeof out) == 0, "HHMM");
	is_str(out, "2023-05-12T10:32:00Z", "seconds added, zone Z");
	ok(fhir_datetime("20230512", "10", "+0530", NULL, out, sizeof out) == 0, "HH alone");
	is_str(out, "2023-05-12T10:00:00+05:30", "minutes and seconds added");
	ok(fhir_datetime("20230512", "10:32:15", "+0000", NULL, out, sizeof out) == 0, "ACR-NEMA HH:MM:SS");
	is_str(out, "2023-05-12T10:32:15+00:00", "colons read");
	ok(fhir_datetime("20230512", NULL, "+0200", NULL, out, sizeof out) == 0, "no time: the date alone");
	is_str(out, "2023-05-12", "date only, no zone");
	ok(fhir_datetime("20230512", "103215.000000", "+0100", NULL, out, sizeof out) == 0 && strcmp(out, "2023-05-12T10:32:15+01:00") == 0,
	   "zero fraction dropped: %s", out);
	is_int(fhir_datetime("2023051", "1032", NULL, NULL, out, sizeof out), -1, "bad date: -1");
	is_int(fhir_datetime(NULL, "1032", NULL, NULL, out, sizeof out), -1, "no date: -1, never the current time");
	is_int(fhir_datetime("20230512", "2532", NULL, "Z", out, sizeof out), -2, "hour 25: -2");
	is_int(fhir_datetime("20230512", "103", NULL, "Z", out, sizeof out), -2, "three digits: -2");
	is_int(fhir_datetime("20230512", "1032.5", NULL, "Z", out, sizeof out), -2, "fraction without seconds: -2");
	is_int(fhir_datetime("20230512", "1032", "+2500", NULL, out, sizeof out), -3, "offset +2500: -3");
	is_int(fhir_datetime("20230512", "1032", "0200", NULL, out, sizeof out), -3, "offset without sign: -3");
	is_int(fhir_datetime("20230512", "1032", NULL, "Mars/Olympus", out, sizeof out), -3, "unknown zone string: -3");

	/* the machine's zone, DST-aware */
	setenv("TZ", "America/New_York", 1);
	tzset();
	ok(fhir_datetime("20230601", "091500", NULL, "local", out, sizeof out) == 0, "local zone in summer");
	is_str(out, "2023-06-01T09:15:00-04:00", "New York summer time");
	ok(fhir_datetime("20230115", "091500", NULL, NULL, out, sizeof out) == 0, "local zone in winter (default)");
	is_str(out, "2023-01-15T09:15:00-05:00", "New York standard time");
	setenv("TZ", "Asia/Kolkata", 1);
	tzset();
	ok(fhir_datetime("20230115", "0915", NULL, NULL, out, sizeof out) == 0 && strcmp(out, "2023-01-15T09:15:00+05:30") == 0,
	   "half-hour zone: %s", out);
	unsetenv("TZ");
	tzset();

	ok(fhir_zone_valid("local") && fhir_zone_valid("Z") && fhir_zone_valid("+05:30") && fhir_zone_valid("-12:00"),
	   "valid zones");
	ok(!fhir_zone_valid("+0530") && !fhir_zone_valid("+15:00") && !fhir_zone_valid("Europe/Berlin"),
	   "invalid zones (names are turned into TZ by the caller)");
}

static void codes(void)
{
	is_str(fhir_gender("M"), "male", "M is male");
	is_str(fhir_gender("F"), "female", "F is female");
	is_str(fhir_gender("O"), "other", "O is other");
	is_str(fhir_gender("Female"), "female", "SDS 'Female' is female");
	ok(fhir_gender("X") == NULL && fhir_gender("") == NULL && fhir_gender(NULL) == NULL, "others: none");
	const char *code = NULL, *display = NULL;
	ok(fhir_laterality("L", &code, &display) == 0, "L maps");
	is_str(code, "419161000", "L is 419161000");
	is_str(display, "Unilateral left", "L display");
	ok(fhir_laterality("R", &code, &display) == 0 && strcmp(code, "419465000") == 0, "R is 419465000");
	ok(fhir_laterality("B", &code, &display) == 0 && strcmp(code, "51440002") == 0, "B is 51440002");
	ok(fhir_laterality("X", &code, &display) < 0 && fhir_laterality(NULL, &code, &display) < 0, "others: none");

	char c[32], d[128];
	static const struct { const char *term, *code; } annex_l[] = {
		{"BREAST", "76752008"}, {"HEART", "80891009"}, {"HEAD", "69536005"}, {"NECK", "45048000"},
		{"ABDOMEN", "818981001"}, {"KNEE", "72696002"}, {"CSPINE", "122494005"}, {"PROSTATE", "41216001"},
		{"BRAIN", "12738006"}, {"LIVER", "10200004"}, {"Whole Body", "38266002"}, {"l-spine", "122496007"},
		{"head_neck", "774007"},
	};
	for (size_t i = 0; i < sizeof annex_l / sizeof *annex_l; i++) {
		int m = dicom_bodypart_map(annex_l[i].term, c, sizeof c, d, sizeof d);
		ok(m && strcmp(c, annex_l[i].code) == 0, "Annex L: %s is %s (got %s %s)", annex_l[i].term, annex_l[i].code,
		   m ? c : "-", m ? d : "");
	}
}

static void snomed(void)
{
	ok(fhir_snomed_valid("76752008") && fhir_snomed_valid("80891009") && fhir_snomed_valid("113305005"),
	   "SNOMED CT codes with their Verhoeff check digit are valid");
	ok(!fhir_snomed_valid("12345") && !fhir_snomed_valid("76752009") && !fhir_snomed_valid("80891008"),
	   "a code with a wrong check digit is not");
	ok(!fhir_snomed_valid("") && !fhir_snomed_valid(NULL) && !fhir_snomed_valid("7675200a") &&
	   !fhir_snomed_valid("0076752008"), "nor is an empty, non-digit or zero-led one");
	char c[64], d[256];
	ok(fhir_bodysite_lookup("12345", c, sizeof c, d, sizeof d) < 0, "bodysite lookup refuses 12345");
	const char *term, *code;
	int n = 0, bad = 0;
	for (int i = 0; dicom_annex_l_extra(i, &term, &code) == 0; i++, n++)
		if (!fhir_snomed_valid(code)) {
			bad++;
			printf("# %s %s fails its check digit\n", term, code);
		}
	ok(n > 10 && bad == 0, "every Annex L row added to dcmtk's table has a valid SNOMED CT code (%d rows)", n);
	ok(fhir_acquisition_modality("MR") && fhir_acquisition_modality("CT") && !fhir_acquisition_modality("SR") &&
	   !fhir_acquisition_modality("KO") && !fhir_acquisition_modality("SEG") && !fhir_acquisition_modality("RTSTRUCT") &&
	   !fhir_acquisition_modality("OT") && !fhir_acquisition_modality(NULL), "acquisition modalities: CID 29 only");
}

static void retry_after(void)
{
	ok(client_retry_after("120") == 120, "Retry-After: seconds");
	ok(client_retry_after("99999999999999999999") == 300, "a huge Retry-After saturates at 5 minutes (no overflow)");
	ok(client_retry_after("301") == 300 && client_retry_after("0") == 0, "capped at 300, 0 is 0");
	char date[64];
	time_t soon = time(NULL) + 60;
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime(&soon));
	long s = client_retry_after(date);
	ok(s >= 55 && s <= 60, "the HTTP-date form: %s is %ld s away", date, s);
	ok(client_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0, "a date in the past: at once");
	ok(client_retry_after("soon") == -1 && client_retry_after("-5") == -1, "anything else: none");
}

static void uuids(void)
{
	char u[37];
	/* vectors from Python's uuid.uuid5(uuid.NAMESPACE_URL, name) */
	fhir_uuid5("http://python.org/", u);
	is_str(u, "4c565f0d-3f5a-5890-b41b-20cf47701c5e", "UUID v5 matches an independent implementation");
	fhir_uuid5("urn:sparc_dataset:sparc_fhir_breast_dataset", u);
	is_str(u, "780b4af4-710a-53f4-8787-58d0424c1f69", "dataset UUID of the breast dataset");
	char v[37];
	fhir_uuid5("urn:sparc_dataset:sparc_fhir_breast_dataset", v);
	is_str(v, u, "the same name always gives the same UUID");
	fhir_uuid5("urn:sparc_dataset:sparc_fhir_heart_dataset", v);
	ok(strcmp(u, v) != 0, "another name another UUID");
	char url[256];
	fhir_study_search("1.2.3", url, sizeof url);
	is_str(url, "ImagingStudy?identifier=urn:dicom:uid|urn:oid:1.2.3", "conditional URL of a study");
}

static void tables(void)
{
	char *dir = mktemp_dir(), path[512], err[256];
	ok(dir != NULL, "temporary folder");
	snprintf(path, sizeof path, "%s/subjects.csv", dir);
	write_text(path, "\xef\xbb\xbfsubject id,sex,age,species,notes\r\nsub-1,Female,27 years,Homo sapiens,\"a, b\"\r\n"
			 "sub-2,Male,3 weeks,Rattus norvegicus,\"said \"\"hi\"\"\"\r\n,,,,\r\nsub-3,Male\r\n");
	struct sds_table *t = sds_meta_read(path, err, sizeof err);
	ok(t != NULL, "CSV reads (%s)", t ? "" : err);
	if (t) {
		is_int(t->ncols, 5, "five columns");
		is_int(t->nrows, 3, "three rows (the empty one dropped)");
		is_str(t->header[0], "subject id", "byte order mark removed");
		is_str(sds_meta_lookup(t, "subject_id", "sub-2", "Species"), "Rattus norvegicus", "lookup ignores case and _");
		is_str(sds_meta_lookup(t, "subject id", "sub-1", "notes"), "a, b", "quoted comma");
		is_str(sds_meta_lookup(t, "subject id", "sub-2", "notes"), "said \"hi\"", "doubled quotes");
		is_str(sds_meta_lookup(t, "subject id", "sub-3", "age"), "", "short row padded");
		ok(sds_meta_lookup(t, "subject id", "sub-9", "sex") == NULL, "missing row: NULL");
		ok(sds_meta_column(t, "nope") < 0, "missing column: -1");
		sds_meta_free(&t);
		ok(t == NULL, "free sets NULL");
	}
	snprintf(path, sizeof path, "%s/subjects.tsv", dir);
	write_text(path, "subject_id\tsex\nsub-1\tF\n");
	t = sds_meta_read(path, err, sizeof err);
	ok(t && strcmp(sds_meta_lookup(t, "subject id", "sub-1", "sex"), "F") == 0, "TSV reads");
	sds_meta_free(&t);
	snprintf(path, sizeof path, "%s/subjects.json", dir);
	write_text(path, "{\"subjects\": [{\"subject_id\": \"sub-1\", \"sex\": \"Female\", \"age\": 27}]}");
	t = sds_meta_read(path, err, sizeof err);
	ok(t && strcmp(sds_meta_lookup(t, "subject id", "sub-1", "age"), "27") == 0, "JSON reads, numbers as text");
	sds_meta_free(&t);
	write_text(path, "[[], 1, {\"subject id\": \"sub-1\", \"sex\": \"F\"}, null]");
	t = sds_meta_read(path, err, sizeof err);
	ok(t && t->nrows == 1 && strcmp(sds_meta_lookup(t, "subject id", "sub-1", "sex"), "F") == 0,
	   "JSON rows that are not objects are skipped (a fuzzing find)");
	sds_meta_free(&t);
	write_text(path, "{\"subjects\": [");
	t = sds_meta_read(path, err, sizeof err);
	ok(t == NULL && strstr(err, "not valid JSON"), "broken JSON: an error (%s)", err);
	/* xlsx: shared strings, inline strings, numbers, a skipped cell */
	ok(sh("mkdir -p '%s/x/xl/worksheets'", dir) == 0, "xlsx parts folder");
	snprintf(path, sizeof path, "%s/x/xl/sharedStrings.xml", dir);
	write_text(path, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
			 "<si><t>subject id</t></si><si><t>sex</t></si><si><t>age</t></si><si><r><t>spe</t></r><r><t>cies</t></r></si>"
			 "<si><t>sub-1</t></si><si><t>Female</t></si><si><t>M\xc3\xbcs musculus</t></si></sst>");
	snprintf(path, sizeof path, "%s/x/xl/worksheets/sheet1.xml", dir);
	write_text(path, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
			 "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c><c r=\"C1\" t=\"s\"><v>2</v></c><c r=\"D1\" t=\"s\"><v>3</v></c></row>"
			 "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>4</v></c><c r=\"B2\" t=\"s\"><v>5</v></c><c r=\"C2\"><v>27</v></c><c r=\"D2\" t=\"s\"><v>6</v></c></row>"
			 "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>sub-2</t></is></c><c r=\"C3\"><v>3.5</v></c></row>"
			 "</sheetData></worksheet>");
	ok(sh("cd '%s/x' && zip -q -r ../subjects.xlsx xl", dir) == 0, "xlsx zipped");
	snprintf(path, sizeof path, "%s/subjects.xlsx", dir);
	t = sds_meta_read(path, err, sizeof err);
	ok(t != NULL, "xlsx reads (%s)", t ? "" : err);
	if (t) {
		is_int(t->ncols, 4, "xlsx: four columns");
		is_int(t->nrows, 2, "xlsx: two rows");
		is_str(t->header[3], "species", "xlsx: rich text runs joined");
		is_str(sds_meta_lookup(t, "subject id", "sub-1", "species"), "M\xc3\xbcs musculus", "xlsx: shared string, UTF-8");
		is_str(sds_meta_lookup(t, "subject id", "sub-1", "age"), "27", "xlsx: a number");
		is_str(sds_meta_lookup(t, "subject id", "sub-2", "sex"), "", "xlsx: a skipped cell is empty");
		is_str(sds_meta_lookup(t, "subject id", "sub-2", "age"), "3.5", "xlsx: inline string row, number after a gap");
		sds_meta_free(&t);
	}
	snprintf(path, sizeof path, "%s/fake.xlsx", dir);
	write_text(path, "not a zip");
	t = sds_meta_read(path, err, sizeof err);
	ok(t == NULL && strstr(err, "not a readable xlsx"), "a text file named .xlsx: an error (%s)", err);
	ok(sh("cd '%s/x' && rm xl/worksheets/sheet1.xml && zip -q -r ../nosheet.xlsx xl", dir) == 0, "xlsx without a sheet");
	snprintf(path, sizeof path, "%s/nosheet.xlsx", dir);
	t = sds_meta_read(path, err, sizeof err);
	ok(t == NULL && strstr(err, "no worksheet"), "an xlsx without a worksheet: an error (%s)", err);

	snprintf(path, sizeof path, "%s/subjects.xls", dir);
	write_text(path, "x");
	t = sds_meta_read(path, err, sizeof err);
	ok(t == NULL && strstr(err, "unsupported"), "unknown format: an error (%s)", err);
	snprintf(path, sizeof path, "%s/none.csv", dir);
	t = sds_meta_read(path, err, sizeof err);
	ok(t == NULL && strstr(err, "No such file"), "missing file: an error (%s)", err);
	rm_rf(dir);
}

int main(void)
{
	snomed();
	retry_after();
	names();
	dates();
	datetimes();
	codes();
	uuids();
	tables();
	return tap_done();
}
