#!/bin/sh
# One StudyInstanceUID in several subject folders: one ImagingStudy for the same patient,
# an error for different patients, and never a Bundle that names a study twice.
. "$top_srcdir/tests/lib.sh"
T=$TMP/ds/primary
U=1.2.826.0.1.3680043.10.97.1
# the same patient: a study split over two folders, and a third folder holding a copy
mkdcm "$T/sub-a/sam-1/a.dcm" "(0020,000d) UI [$U]" "(0020,000e) UI [$U.1]" "(0008,0018) UI [$U.1.1]" "(0010,0020) LO [P-1]"
mkdcm "$T/sub-b/sam-2/b.dcm" "(0020,000d) UI [$U]" "(0020,000e) UI [$U.2]" "(0008,0018) UI [$U.2.1]" "(0010,0020) LO [P-1]" "(0020,0011) IS [2]"
mkdir -p "$T/sub-c/sam-1"
cp "$T/sub-a/sam-1/a.dcm" "$T/sub-c/sam-1/a.dcm"
# different patients under one StudyInstanceUID
V=1.2.826.0.1.3680043.10.97.2
mkdcm "$T/sub-d/sam-1/a.dcm" "(0020,000d) UI [$V]" "(0020,000e) UI [$V.1]" "(0008,0018) UI [$V.1.1]" "(0010,0020) LO [P-2]"
mkdcm "$T/sub-e/sam-1/a.dcm" "(0020,000d) UI [$V]" "(0020,000e) UI [$V.2]" "(0008,0018) UI [$V.2.1]" "(0010,0020) LO [P-3]"

run "$SDSFHIR" scan "$TMP/ds"
like "the scan warns on the study, naming every folder" "$out" "StudyInstanceUID $U is in 3 subject folders \\(ds/sub-a, ds/sub-b, ds/sub-c\\): they make one ImagingStudy"
like "different patients: an error naming the folders and both patients" "$out" \
	"error: StudyInstanceUID $V is in subject folders of different patients: ds/sub-d \\(Patient ID 'P-2'\\), ds/sub-e \\(Patient ID 'P-3'\\)"
is "scan exits 1 for that error" "$rc" 1

run "$SDSFHIR" fhir "$TMP/ds"
printf '%s\n' "$out" >"$TMP/b.json"
is "fhir: exit 1 (a study left out)" "$rc" 1
bundle_unique "$TMP/b.json" "the Bundle"
is "one ImagingStudy for the split study, none for the conflict" \
	"$(jq -c '[.entry[] | select(.resource.resourceType == "ImagingStudy") | .request.url]' "$TMP/b.json")" "[\"ImagingStudy?identifier=urn:dicom:uid|urn:oid:$U\"]"
st='.entry[] | select(.resource.resourceType == "ImagingStudy") | .resource'
is "with the series of all folders, the copy once" "$(jq -c "$st | [.numberOfSeries, .numberOfInstances, [.series[].uid]]" "$TMP/b.json")" \
	"[2,2,[\"$U.1\",\"$U.2\"]]"
is "one urn:sparc_study:uid identifier per folder" \
	"$(jq -r "$st | [.identifier[] | select(.system == \"urn:sparc_study:uid\") | .value] | join(\" \")" "$TMP/b.json")" \
	"urn:uid:sub-a-$U urn:uid:sub-b-$U urn:uid:sub-c-$U"
is "one Patient" "$(jq '[.entry[] | select(.resource.resourceType == "Patient")] | length' "$TMP/b.json")" 1
like "the copy's repeated instance is named once" "$err" "series $U.1 is in 2 subject folders: 1 instance\\(s\\) repeat and are listed once"

printf ':wait\n:dump %s\nq\n' "$TMP/screen" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x20 SDSFHIR_SERVER=http://127.0.0.1:9/fhir "$SDSFHIR" "$TMP/ds" >/dev/null 2>&1
like "the UI marks the conflicting study's folders as errors" "$(cat "$TMP/screen")" "! +v sub-d"
like "... both of them" "$(cat "$TMP/screen")" "! +v sub-e"
unlike "... and not the split study's" "$(cat "$TMP/screen")" "! +v sub-a"

run "$SDSFHIR" fhir --resource study "$TMP/ds/primary/sub-b"
is "one folder alone: only its own series" "$(printf '%s' "$out" | jq -c '[.[0].series[].uid]')" "[\"$U.2\"]"
run "$SDSFHIR" fhir --resource study "$TMP/ds"
is "--resource study: the split study once" "$(printf '%s' "$out" | jq -r '.[] | .resourceType + " " + (.series | length | tostring)')" "ImagingStudy 2"
run "$SDSFHIR" fhir --resource patient "$TMP/ds"
is "--resource patient: only the Patients of studies that can be expressed" \
	"$(printf '%s' "$out" | jq -r '.[].identifier[0].value')" "P-1"
like "... the others named" "$err" "different patients"
run "$SDSFHIR" push --server http://127.0.0.1:1/fhir "$TMP/ds"
is "push: the conflict is said once, not once per folder" "$(printf '%s\n' "$err" | grep -c 'different patients')" 1
done_testing
