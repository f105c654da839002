#!/bin/sh
# sdsfhir scan: text and JSON output, exit codes, bad inputs.
. "$top_srcdir/tests/lib.sh"
sample_data
D=$TMP/data

run "$SDSFHIR" scan "$D"
is "scan of the sample data exits 0" "$rc" 0
like "totals line" "$out" "^total: 2 datasets, 4 subjects, 4 studies, 10 series, 30 instances$"
like "breast dataset listed" "$out" "^dataset sparc_fhir_breast_dataset "
like "subject with its counts" "$out" "^  subject sub-Aniyah-breast-1  1 study, 3 series, 9 instances$"
like "study line with date, time, patient, description" "$out" "study 2\.25\.[0-9]+  date 20230512 103215  patient SPARC-P001  \"MRI BREAST BILATERAL\"  3 series, 9 instances"
like "series line with sample, number, modality, body part" "$out" "series sam-3  #3 MR BREAST \"DCE SUB BILATERAL\"  uid 2\.25\.[0-9]+  3 instances"
first=$(printf '%s\n' "$out" | grep -n 'series sam-1 ' | head -1 | cut -d: -f1)
second=$(printf '%s\n' "$out" | grep -n 'series sam-2 ' | head -1 | cut -d: -f1)
check "samples in order" test "$first" -lt "$second"
is "nothing on stderr" "$err" ""

run "$SDSFHIR" scan --json "$D"
is "scan --json exits 0" "$rc" 0
check "scan --json is JSON" jq -e . "$TMP/.stdout"
is "format tag" "$(jq -r .format "$TMP/.stdout")" "sdsfhir-scan/1"
is "totals" "$(jq -c .totals "$TMP/.stdout")" '{"datasets":2,"subjects":4,"studies":4,"series":10,"instances":30,"errors":0,"warnings":0}'
is "dataset names" "$(jq -r '[.datasets[].name] | join(",")' "$TMP/.stdout")" "sparc_fhir_breast_dataset,sparc_fhir_heart_dataset"
is "metadata files" "$(jq -r '.datasets[0].metadata | join(",")' "$TMP/.stdout")" "dataset_description.csv,samples.csv,subjects.csv"
is "UTF-8 patient name" "$(jq -r '.datasets[1].subjects[1].studies[0].patient_name' "$TMP/.stdout")" "Zhang^Linman=张^林曼"
is "series per study" "$(jq -c '[.datasets[].subjects[].studies[] | (.series | length)]' "$TMP/.stdout")" "[3,2,2,3]"
is "instance UIDs unique" "$(jq '[.. | objects | select(has("uid") and has("path")) | .uid] | (length == (unique | length))' "$TMP/.stdout")" "true"
is "the same person has the same PatientID in both datasets" \
	"$(jq -r '[.datasets[].subjects[] | select(.name | startswith("sub-Aniyah")) | .studies[0].patient_id] | unique | join(",")' "$TMP/.stdout")" "SPARC-P001"
cp "$TMP/.stdout" "$TMP/j2"
# names that JSON must escape, in the instance fields written without json-c objects: each on its own
Q=$TMP/q/ds/primary/sub-1/sam-1
mkdir -p "$Q"
for odd in 'q"q.dcm' 'b\b.dcm' "$(printf 't\tt.dcm')" "$(printf 'c\001c.dcm')" "$(printf 'u\303\251.dcm')"; do
	cp "$(ls "$D"/sparc_fhir_breast_dataset/primary/sub-*/sam-1/*.dcm | head -1)" "$Q/$odd"
done
run "$SDSFHIR" scan --json "$TMP/q/ds"
is "names with a quote, a backslash, a tab, a control byte, UTF-8: each path back from the JSON" \
	"$(jq -r '[.datasets[0].subjects[0].studies[0].series[0].instances[].path] | sort | join("|")' "$TMP/.stdout")" \
	"$(printf 'sam-1/b\\b.dcm|sam-1/c\001c.dcm|sam-1/q"q.dcm|sam-1/t\tt.dcm|sam-1/u\303\251.dcm')"
like "... escaped as json-c does" "$out" 'q\\"q.*b\\\\b|b\\\\b.*q\\"q'
like "... a control byte as \\u00XX" "$out" 'c\\u0001c'
run "$SDSFHIR" scan --json -j 1 "$D"
check "one reader thread gives the same JSON" cmp -s "$TMP/.stdout" "$TMP/j2"

# a subject folder and a sample folder of another dataset
run "$SDSFHIR" scan "$D/sparc_fhir_breast_dataset/primary/sub-Linman-breast-1" "$D/sparc_fhir_heart_dataset/primary/sub-Aniyah-heart-1/sam-2"
is "subject and sample inputs exit 0" "$rc" 0
like "subject input: only that subject" "$out" "^total: 2 datasets, 2 subjects, 2 studies, 3 series, 9 instances, 2 warnings$"
like "a partial study: the count tags disagree, as a warning" "$out" "warning: Number of Study Related Instances \\(0020,1208\\) says 6, 3 found"

# bad files and paths
printf 'hello\n' >"$D/sparc_fhir_heart_dataset/primary/sub-Aniyah-heart-1/sam-1/notes.dcm"
: >"$D/sparc_fhir_heart_dataset/primary/sub-Aniyah-heart-1/sam-1/empty.dcm"
run "$SDSFHIR" scan "$D" "$TMP/missing"
is "errors give exit 1" "$rc" 1
like "text file listed with its reason" "$out" "file sam-1/notes\.dcm"
like "reason under it" "$out" "error: not DICOM: text file"
like "empty file reason" "$out" "error: not DICOM: empty file"
like "missing input reported" "$out" "missing"
like "good instances still counted" "$out" "30 instances, 3 errors"
is "dcmtk's logger is silent: nothing on stderr" "$err" ""
run "$SDSFHIR" scan --json "$D"
is "JSON lists the bad file" "$(jq -r '.datasets[1].subjects[0].files | map(.path + ": " + .error) | join("; ")' "$TMP/.stdout")" \
	"sam-1/empty.dcm: not DICOM: empty file; sam-1/notes.dcm: not DICOM: text file"
is "JSON error count" "$(jq .totals.errors "$TMP/.stdout")" 2

# usage
run "$SDSFHIR" scan
is "no path: exit 2" "$rc" 2
like "no path: says what to give" "$err" "give at least one"
run "$SDSFHIR" scan --bogus "$D"
is "unknown option: exit 2" "$rc" 2
like "unknown option named" "$err" "unknown option '--bogus'"
run "$SDSFHIR" scan -j 0 "$D"
is "bad --jobs: exit 2" "$rc" 2
run "$SDSFHIR" frobnicate
is "unknown command: exit 2" "$rc" 2
run "$SDSFHIR" --version
like "--version" "$out" "^sdsfhir [0-9]+\.[0-9]+\.[0-9]+$"
run "$SDSFHIR" --help
is "--help exits 0" "$rc" 0
like "--help lists scan" "$out" "scan \[--json\]"
run env DCMDICTPATH=/nonexistent/dicom.dic "$SDSFHIR" scan --no-cache "$D"
is "no DICOM dictionary, files to read: exit 4" "$rc" 4
like "no DICOM dictionary: clear message" "$err" "data dictionary could not be loaded"
run env XDG_CACHE_HOME="$TMP/dictcache" "$SDSFHIR" scan "$D"
rc1=$rc out1=$out
run env XDG_CACHE_HOME="$TMP/dictcache" DCMDICTPATH=/nonexistent/dicom.dic "$SDSFHIR" scan "$D"
is "no DICOM dictionary, every file in the scan cache: nothing to parse, the same exit status" "$rc" "$rc1"
is "... and the same tree" "$out" "$out1"
done_testing
