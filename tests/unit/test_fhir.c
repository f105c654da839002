/* FHIR conversions: PN, dates, times and zones, laterality, Annex L, name-based UUIDs, SDS tables,
 * the research mapping, references, per-type counts and search shorthands. */
#include "actions.h"
#include "bodypart.h"
#include "fhir.h"
#include "research.h"
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

static const char *names_json(const char *pn)
{
	static char buf[2048];
	json_object *n = fhir_names(pn);
	snprintf(buf, sizeof buf, "%s", n ? json_object_to_json_string_ext(n, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "NULL");
	json_object_put(n);
	return buf;
}

static void name_groups(void)
{
	is_str(names_json("Yamada^Tarou=\xe5\xb1\xb1\xe7\x94\xb0^\xe5\xa4\xaa\xe9\x83\x8e=\xe3\x82\x84\xe3\x81\xbe\xe3\x81\xa0^\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86"),
	       "[{\"use\":\"official\",\"family\":\"Yamada\",\"given\":[\"Tarou\"]},"
	       "{\"use\":\"official\",\"family\":\"\xe5\xb1\xb1\xe7\x94\xb0\",\"given\":[\"\xe5\xa4\xaa\xe9\x83\x8e\"],\"extension\":[{\"url\":\"" FHIR_EXT_EN_REPRESENTATION "\",\"valueCode\":\"IDE\"}]},"
	       "{\"use\":\"official\",\"family\":\"\xe3\x82\x84\xe3\x81\xbe\xe3\x81\xa0\",\"given\":[\"\xe3\x81\x9f\xe3\x82\x8d\xe3\x81\x86\"],\"extension\":[{\"url\":\"" FHIR_EXT_EN_REPRESENTATION "\",\"valueCode\":\"SYL\"}]}]",
	       "PS3.5 H.3.1's name: one HumanName per group, ideographic IDE, phonetic SYL");
	is_str(names_json("Zhang^Linman"), "[{\"use\":\"official\",\"family\":\"Zhang\",\"given\":[\"Linman\"]}]", "alphabetic only: one, untagged");
	is_str(names_json("=\xe5\xbc\xa0"), "[{\"use\":\"official\",\"family\":\"\xe5\xbc\xa0\",\"extension\":[{\"url\":\"" FHIR_EXT_EN_REPRESENTATION "\",\"valueCode\":\"IDE\"}]}]",
	       "ideographic only: tagged IDE");
	is_str(names_json("Doe^John=^="), "[{\"use\":\"official\",\"family\":\"Doe\",\"given\":[\"John\"]}]", "empty groups: none for them");
	is_str(names_json("=="), "NULL", "no group with a component: none");
	is_str(names_json(NULL), "NULL", "absent: none");
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
		int m = bodypart_map(annex_l[i].term, c, sizeof c, d, sizeof d);
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
	const char *term, *code, *meaning, *prev = "";
	int n = 0, bad = 0, unsorted = 0;
	for (int i = 0; bodypart_row(i, &term, &code, &meaning) == 0; i++, n++) {
		if (!fhir_snomed_valid(code)) {
			bad++;
			printf("# %s %s fails its check digit\n", term, code);
		}
		unsorted += strcmp(prev, term) >= 0;
		prev = term;
	}
	ok(n > 300 && bad == 0, "every row of Annex L has a valid SNOMED CT code (%d rows)", n);
	ok(unsorted == 0, "... sorted by term, once each (the lookup bisects)");
	static const char *const once_missing[] = {"AXILLA", "BACK", "BUTTOCK", "CALF", "CERVIX", "CHEEK", "CIRCLEOFWILLIS",
		"CORNEA", "CORONARYARTERY", "EAR", "EYELID", "FACE", "MOUTH", "NOSE", "PENIS", "PHARYNX", "SACRUM", "SCALP",
		"SCLERA", "SCROTUM", "THYMUS", "TONGUE", "ULNA", "VAGINA", "VULVA"};
	int mapped = 0;
	for (size_t i = 0; i < sizeof once_missing / sizeof *once_missing; i++) {
		if (bodypart_map(once_missing[i], c, sizeof c, d, sizeof d))
			mapped++;
		else
			printf("# %s: no row\n", once_missing[i]);
	}
	ok(mapped == 25, "the 25 terms a review found unmapped all map");
	ok(bodypart_map("circle of willis", c, sizeof c, d, sizeof d) && !strcmp(c, "11279006") && !strcmp(d, "Circle of Willis"),
	   "a term written with blanks and in lower case maps");
	ok(!bodypart_map("ABDOMENABDOMENABDOMENABDOMENABDOMENABDOMENABDOMENABDOMENABDOMENABDOMEN", c, sizeof c, d, sizeof d) &&
	   !bodypart_map("", c, sizeof c, d, sizeof d) && !bodypart_map(NULL, c, sizeof c, d, sizeof d), "a long, empty or absent term does not");
	ok(fhir_acquisition_modality("MR") && fhir_acquisition_modality("CT") && !fhir_acquisition_modality("SR") &&
	   !fhir_acquisition_modality("KO") && !fhir_acquisition_modality("SEG") && !fhir_acquisition_modality("RTSTRUCT") &&
	   !fhir_acquisition_modality("OT") && !fhir_acquisition_modality(NULL), "acquisition modalities: CID 29 only");
	ok(fhir_acquisition_modality("DG") && fhir_acquisition_modality("EEG") && fhir_acquisition_modality("EMG") &&
	   fhir_acquisition_modality("EOG") && fhir_acquisition_modality("POS") && fhir_acquisition_modality("RESP"),
	   "... the whole of CID 29: DG, EEG, EMG, EOG, POS and RESP too");
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

/* The ResearchStudy of a dataset_description written as text (and an optional subjects file). */
static json_object *study_of(const char *dir, const char *desc, const char *subjects, size_t *n, struct research_res *out)
{
	char path[512], err[256];
	snprintf(path, sizeof path, "%s/dataset_description.csv", dir);
	write_text(path, desc);
	struct sds_table *d = sds_meta_read(path, err, sizeof err), *s = NULL;
	if (subjects) {
		snprintf(path, sizeof path, "%s/subjects.csv", dir);
		write_text(path, subjects);
		s = sds_meta_read(path, err, sizeof err);
	}
	*n = research_tables(d, s, NULL, NULL, FHIR_REF_IDENTIFIER, out);
	sds_meta_free(&d);
	sds_meta_free(&s);
	for (size_t i = 0; i + 1 < *n; i++)
		json_object_put(out[i].resource);
	return out[*n - 1].resource;
}

static const char *plain(json_object *o)
{
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "NULL";
}

static void escapes(void)
{
	char *e = fhir_query_escape_dup("C", 0);
	is_str(e ? e : "NULL", "C", "a one-character value escapes (it was refused as too long)");
	free(e);
	e = fhir_query_escape_dup("%&", 0);
	is_str(e ? e : "NULL", "%25%26", "a value of characters that all need escaping fits");
	free(e);
	e = fhir_query_escape_dup("a,b", FHIR_ESC_TOKEN);
	is_str(e ? e : "NULL", "a%5C%2Cb", "a comma in a token is escaped as \\, (else it is a search's OR)");
	free(e);
	e = fhir_query_escape_dup(",,,", FHIR_ESC_TOKEN);
	is_str(e ? e : "NULL", "%5C%2C%5C%2C%5C%2C", "... every one, and they fit");
	free(e);
	e = fhir_query_escape_dup("sys|a,b", FHIR_ESC_BAR);
	is_str(e ? e : "NULL", "sys|a%2Cb", "outside tokens a comma stays an OR (what a user types)");
	free(e);
	char err[256], *c = fhir_condition("Patient", "urn:x", "C,D", err, sizeof err);
	is_str(c ? c : err, "identifier=urn:x|C%5C%2CD", "a condition names one identifier, commas and all");
	free(c);
	char small[8];
	ok(fhir_query_escape("abcdefgh", small, sizeof small, 0) < 0, "too long for the buffer: -1, never a cut value");
}

static void research(void)
{
	ok(research_orcid_valid("0000-0002-1825-0097"), "ORCID iD with its check digit");
	ok(research_orcid_valid("0000-0002-1694-233X"), "... X as the check digit");
	ok(!research_orcid_valid("0000-0002-1825-0098"), "a wrong check digit: no");
	ok(!research_orcid_valid("0000-0002-1825-009") && !research_orcid_valid("0000 0002 1825 0097") &&
	   !research_orcid_valid("000A-0002-1825-0097") && !research_orcid_valid(""), "wrong shapes: no");

	char *dir = mktemp_dir(), path[512], err[256];
	snprintf(path, sizeof path, "%s/d.csv", dir);
	write_text(path, "Metadata element,Description,Value,Value 2\nTitle,the title,T,\nKeywords,,a;b,c\n");
	struct sds_table *t = sds_meta_read(path, err, sizeof err);
	const char *v[4] = {0};
	ok(t && sds_meta_element(t, "title", v, 4) == 2 && !strcmp(v[0], "T") && !strcmp(v[1], ""),
	   "an element's values: the Value columns only, empty ones kept in place");
	ok(t && sds_meta_element(t, "Nope", v, 4) == 0, "no such element: none");
	sds_meta_free(&t);
	write_text(path, "Metadata element,x,y\nTitle,A,B\n");
	t = sds_meta_read(path, err, sizeof err);
	ok(t && sds_meta_element(t, "Title", v, 4) == 2 && !strcmp(v[1], "B"), "no Value columns: every column after the first");
	sds_meta_free(&t);

	struct research_res out[RESEARCH_MAX_PI + 1];
	size_t n;
	json_object *rs = study_of(dir, "Metadata element,Value\nTitle,A study\nDOI,doi:10.1000/xyz\n"
				   "Contributor name,\"Doe, Jane Q\"\nContributor ORCiD,0000-0002-1825-0097\nContributor role,PrincipalInvestigator\n",
				   "subject id,subject experimental group\nsub-1,b\nsub-2,a\nsub-3,b\n", &n, out);
	is_int(n, 2, "two resources: the PI's Practitioner, then the ResearchStudy");
	is_str(plain(json_object_object_get(rs, "identifier")),
	       "[{\"use\":\"official\",\"system\":\"urn:sparc_dataset:uid\",\"value\":\"urn:uid:-bec452f1-86b9-5716-8b81-43a34a949b1c\"},"
	       "{\"use\":\"official\",\"system\":\"https://doi.org\",\"value\":\"10.1000/xyz\"}]",
	       "identifiers: the dataset's, then the DOI");
	is_str(plain(json_object_object_get(rs, "relatedArtifact")), "[{\"type\":\"citation\",\"url\":\"https://doi.org/10.1000/xyz\"}]",
	       "the DOI as a citation");
	is_str(plain(json_object_object_get(rs, "principalInvestigator")),
	       "{\"type\":\"Practitioner\",\"identifier\":{\"system\":\"https://orcid.org\",\"value\":\"0000-0002-1825-0097\"}}",
	       "the PI by ORCID iD");
	is_str(plain(json_object_object_get(rs, "arm")), "[{\"name\":\"b\"},{\"name\":\"a\"}]", "arms: each group once, in order");
	json_object_put(rs);
	rs = study_of(dir, "Metadata element,Value\nContributor name,Solo\nContributor role,Researcher\n", NULL, &n, out);
	ok(n == 1 && !json_object_object_get_ex(rs, "principalInvestigator", NULL), "no PI: no principalInvestigator");
	is_str(plain(json_object_object_get(rs, "title")), "\"(unnamed dataset)\"", "no title, no folder: said so");
	json_object_put(rs);

	/* a reference by identifier or to a urn:uuid equals the one the server resolved */
	json_object *mine = json_tokener_parse("{\"resourceType\":\"ImagingStudy\",\"extension\":[{\"url\":\"u\",\"valueReference\":"
					       "{\"type\":\"ResearchStudy\",\"identifier\":{\"system\":\"s\",\"value\":\"v\"}}}]}");
	json_object *server = json_tokener_parse("{\"resourceType\":\"ImagingStudy\",\"extension\":[{\"url\":\"u\",\"valueReference\":"
						 "{\"reference\":\"ResearchStudy/12\"}}]}");
	json_object *none = json_tokener_parse("{\"resourceType\":\"ImagingStudy\"}");
	char diff[512];
	is_int(fhir_diff(mine, server, diff, sizeof diff), 0, "a reference by identifier and the server's resolved one: the same");
	ok(fhir_diff(mine, none, diff, sizeof diff) == 1 && strstr(diff, "extension"), "no extension on the server: different (%s)", diff);
	json_object_put(mine);
	json_object_put(server);
	json_object_put(none);

	char uuid[37], uuid2[37];
	fhir_resource_uuid("Patient", "urn:x", "1", uuid);
	fhir_uuid5("Patient|urn:x|1", uuid2);
	is_str(uuid, uuid2, "a resource's id: UUID v5 of Type|system|value");
	json_object *ref = fhir_reference("Endpoint", "urn:ietf:rfc:3986", "https://x/wado", FHIR_REF_ID);
	char want[128];
	fhir_resource_uuid("Endpoint", "urn:ietf:rfc:3986", "https://x/wado", uuid);
	snprintf(want, sizeof want, "{\"reference\":\"Endpoint/%s\"}", uuid);
	is_str(plain(ref), want, "a reference by id");
	json_object_put(ref);

	struct research_res ep;
	research_endpoint("https://x/wado", &ep);
	is_str(plain(json_object_object_get(ep.resource, "connectionType")),
	       "{\"system\":\"http://terminology.hl7.org/CodeSystem/endpoint-connection-type\",\"code\":\"dicom-wado-rs\"}",
	       "Endpoint: WADO-RS");
	is_str(plain(json_object_object_get(ep.resource, "address")), "\"https://x/wado\"", "... at the address given");
	json_object_put(ep.resource);

	struct actions_summary sum = {0};
	char text[256];
	is_str(actions_types_text(&sum, text, sizeof text), "", "no counts: empty");
	sum.types[ACTIONS_IMAGINGSTUDY][ACTIONS_CREATED] = 2;
	sum.types[ACTIONS_IMAGINGSTUDY][ACTIONS_UNCHANGED] = 1;
	sum.types[ACTIONS_RESEARCHSUBJECT][ACTIONS_EXISTED] = 4;
	is_str(actions_types_text(&sum, text, sizeof text), "ImagingStudy 2 created, 1 unchanged; ResearchSubject 4 existed",
	       "counts by type and outcome");
	actions_types_text(&sum, text, 10);
	is_int(strlen(text), 9, "cut to the buffer, terminated");

	char q[2048];
	ok(actions_search_query("subjects", "ds one", q, sizeof q, err, sizeof err) == 0 &&
	   strstr(q, "ResearchSubject?study:ResearchStudy.identifier=urn:sparc_dataset:uid|urn:uid:ds%20one-") == q &&
	   strstr(q, "&_include=ResearchSubject:individual"), "subjects: by the dataset's identifier, escaped (%s)", q);
	ok(actions_search_query("datasets", "a|b&c", q, sizeof q, err, sizeof err) == 0 &&
	   strcmp(q, "ResearchSubject?individual:Patient.identifier=a|b%26c&_include=ResearchSubject:individual"
		  "&_include=ResearchSubject:study") == 0, "datasets of an identifier (%s)", q);
	ok(actions_search_query("datasets", "Zhang", q, sizeof q, err, sizeof err) == 0 &&
	   strstr(q, "ResearchSubject?individual:Patient.name=Zhang&") == q, "datasets of a name (%s)", q);
	char big[1500];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ok(actions_search_query("subjects", big, q, sizeof q, err, sizeof err) < 0 && strstr(err, "longer than servers accept"),
	   "a dataset name too long for a query: an error, never cut (%s)", err);
	rm_rf(dir);
}

int main(void)
{
	snomed();
	retry_after();
	names();
	name_groups();
	dates();
	datetimes();
	codes();
	uuids();
	tables();
	escapes();
	research();
	return tap_done();
}
