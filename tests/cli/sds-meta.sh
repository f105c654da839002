#!/bin/sh
# SDS metadata: subjects and samples checked against the folders, in csv and xlsx, and shown
# in the UI's detail pane.
. "$top_srcdir/tests/lib.sh"
sample_data
D=$TMP/data/sparc_fhir_breast_dataset
run "$SDSFHIR" scan "$D"
is "the sample data agrees with its metadata: no warnings" "$(printf '%s\n' "$out" | grep -c warning)" 0

# a sample folder not in samples.csv, a subject row without a folder, a subject not in subjects.csv
mkdir -p "$D/primary/sub-Aniyah-breast-1/sam-9"
cp "$D/primary/sub-Aniyah-breast-1/sam-1/IM0001.dcm" "$D/primary/sub-Aniyah-breast-1/sam-9/"
printf 'sub-Ghost,,control,30 years,Male,Homo sapiens,,adult\n' >>"$D/subjects.csv"
grep -v Linman "$D/subjects.csv" >"$TMP/s.csv" && cp "$TMP/s.csv" "$D/subjects.csv"
grep -v 'sam-3,sub-Aniyah' "$D/samples.csv" >"$TMP/sa.csv" && cp "$TMP/sa.csv" "$D/samples.csv"
mkdir -p "$D/primary/sub-Aniyah-breast-1/sam-3"	# exists already; the row is gone
run "$SDSFHIR" scan "$D"
like "a sample folder missing from samples.csv" "$out" "warning: sample folder sam-9 is not listed in samples.csv"
like "... also for a folder whose row was removed" "$out" "warning: sample folder sam-3 is not listed in samples.csv"
like "a subject folder missing from subjects.csv" "$out" "subject sub-Linman-breast-1 .*
 *warning: not listed in subjects.csv"
like "a subjects.csv row without a folder" "$out" "warning: subjects.csv lists subject sub-Ghost, which has no folder in primary/"
printf 'sam-7,sub-Aniyah-breast-1,,,control,MR series,left breast\n' >>"$D/samples.csv"
run "$SDSFHIR" scan "$D"
like "a samples.csv row without a folder" "$out" "warning: samples.csv lists sample sam-7, which has no folder here"

# subjects as xlsx (the SDS templates' usual form)
H=$TMP/data/sparc_fhir_heart_dataset
mkdir -p "$TMP/x/xl/worksheets"
cat >"$TMP/x/xl/sharedStrings.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>subject id</t></si><si><t>sex</t></si><si><t>species</t></si><si><t>sub-Aniyah-heart-1</t></si><si><t>sub-Linman-heart-1</t></si><si><t>Female</t></si><si><t>Homo sapiens</t></si></sst>
XML
cat >"$TMP/x/xl/worksheets/sheet1.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>5</v></c><c r="C2" t="s"><v>6</v></c></row><row r="3"><c r="A3" t="s"><v>4</v></c><c r="B3" t="s"><v>5</v></c><c r="C3" t="s"><v>6</v></c></row></sheetData></worksheet>
XML
(cd "$TMP/x" && zip -q -r "$H/subjects.xlsx" xl)
rm "$H/subjects.csv"
run "$SDSFHIR" scan --json "$H"
is "subjects.xlsx is listed as metadata" "$(jq -r '.datasets[0].metadata | join(",")' "$TMP/.stdout")" "dataset_description.csv,samples.csv,subjects.xlsx"
is "subjects.xlsx agrees with the folders: no warnings" "$(jq .totals.warnings "$TMP/.stdout")" 0
printf 'broken' >"$H/subjects.xlsx"
run "$SDSFHIR" scan "$H"
like "a broken xlsx: a warning on it, the scan goes on" "$out" "warning: .*subjects.xlsx: not a readable xlsx file"
like "... with every instance" "$out" "15 instances"

# a subjects.json of 30 million zeros (60 MB): refused in bounded memory (it took 2.2 GB)
rm -f "$H/subjects.xlsx"
python3 -c 'import sys; f = open(sys.argv[1], "w"); f.write("[" + "0," * 30000000 + "0]")' "$H/subjects.json"
/usr/bin/time -f '%M' -o "$TMP/zeros.rss" "$SDSFHIR" scan "$H" >"$TMP/zeros.out" 2>&1
like "subjects.json of 30 million zeros: a warning on it" "$(cat "$TMP/zeros.out")" "subjects.json: too many JSON values"
kb=$(tail -1 "$TMP/zeros.rss")
check "... in bounded memory ($kb kB)" test "$kb" -lt 600000
rm "$H/subjects.json"

# the UI shows the metadata in the detail pane
printf ':wait\nj\n:dump %s\nq\n' "$TMP/ui" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=120x40 "$SDSFHIR" "$top_srcdir/data/sparc_fhir_breast_dataset" >/dev/null 2>&1
like "UI: the subject's row of subjects.csv" "$(cat "$TMP/ui")" "species +Homo sapiens"
like "UI: its age" "$(cat "$TMP/ui")" "age +27 years"
# SDS 3's pool-, perf- and site- levels in primary/: said, never read as a subject (a Patient of no one)
P=$TMP/pools
mkdir -p "$P"
cp -R "$TMP/data/sparc_fhir_heart_dataset" "$P/"
for l in pool-1 perf-1 site-1; do cp -R "$P/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1" "$P/sparc_fhir_heart_dataset/primary/$l"; done
run "$SDSFHIR" scan "$P/sparc_fhir_heart_dataset"
like "a pool- folder in primary/: a warning that it is not read" "$out" "skipped pool-1
 +warning: an SDS pool folder: not read \(sdsfhir describes subjects, sub-, and their samples\); nothing in it is pushed"
like "... perf- too" "$out" "warning: an SDS performance folder: not read"
like "... site- too" "$out" "warning: an SDS site folder: not read"
is "... none of them a subject" "$(printf '%s\n' "$out" | grep -c '^  subject ')" 2
done_testing
