#!/bin/sh
# sdsfhir export --ndjson: FHIR Bulk Data files that a server loads by id. Loaded, they are what a
# push makes (status says the same); loaded twice, nothing changes.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CONFIG_HOME="$TMP/config"
sample_data
D=$TMP/data
load() {	# what is referred to first: the server checks references on write
	NODE_PATH=${FHIR_NODE_MODULES:-} ${NODE:-node} "$top_srcdir/tests/fhir-server/load-ndjson.js" "$FHIR" \
	"$TMP/out/Practitioner.ndjson" "$TMP/out/ResearchStudy.ndjson" "$TMP/out/Patient.ndjson" \
	"$TMP/out/ResearchSubject.ndjson" "$TMP/out/ImagingStudy.ndjson"; }

run "$SDSFHIR" export --ndjson "$TMP/out" "$D"
is "export: exit 0" "$rc" 0
like "export: says what it wrote" "$out" \
	"^export: 2 Patients, 4 ImagingStudies, 2 ResearchStudies, 4 ResearchSubjects, 1 Practitioner to "
is "no Endpoint.ndjson without a dicomweb setting" "$(ls "$TMP/out")" \
	"$(printf '%s\n' ImagingStudy Patient Practitioner ResearchStudy ResearchSubject | sed 's/$/.ndjson/')"
is "one resource a line: 2 Patients" "$(wc -l <"$TMP/out/Patient.ndjson" | tr -d ' ')" 2
is "... 4 ImagingStudies" "$(wc -l <"$TMP/out/ImagingStudy.ndjson" | tr -d ' ')" 4
is "every line is a JSON resource with an id" "$(jq -s '[.[] | select(.resourceType and (.id | test("^[0-9a-f-]{36}$")))] | length' "$TMP/out/"*.ndjson)" 13
is "ids are UUID v5 of the StudyInstanceUID: the same on every export" \
	"$("$SDSFHIR" export --ndjson "$TMP/out2" "$D" >/dev/null; cmp -s "$TMP/out/ImagingStudy.ndjson" "$TMP/out2/ImagingStudy.ndjson" && echo same)" same
is "ResearchSubjects reference the exported ResearchStudies by id" \
	"$(jq -s -r '[.[].id] | sort | join(",")' "$TMP/out/ResearchStudy.ndjson")" \
	"$(jq -s -r '[.[].study.reference | sub("^ResearchStudy/"; "")] | unique | sort | join(",")' "$TMP/out/ResearchSubject.ndjson")"
is "... and the ImagingStudies too, by sdsfhir's imagingStudy-researchStudy extension" \
	"$(jq -s -r '[.[].id] | sort | join(",")' "$TMP/out/ResearchStudy.ndjson")" \
	"$(jq -s -r '[.[].extension[].valueReference.reference | sub("^ResearchStudy/"; "")] | unique | sort | join(",")' "$TMP/out/ImagingStudy.ndjson")"
is "subjects reference the exported Patients by id" \
	"$(jq -s -r '[.[].id] | sort | join(",")' "$TMP/out/Patient.ndjson")" \
	"$(jq -s -r '[.[].subject.reference | sub("^Patient/"; "")] | unique | sort | join(",")' "$TMP/out/ImagingStudy.ndjson")"
run load
is "every line passes the server's validation" "$out" "loaded 13, failed 0"
is "the server holds 2 Patients" "$(fhir_count Patient)" 2
is "... and 4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
run "$SDSFHIR" status "$D"
like "what was loaded is what a push sends (status: all the same)" "$out" "^status: 4 same"
v1=$(curl -s "$FHIR/ImagingStudy?_count=50" | jq -c '[.entry[].resource.meta.versionId] | sort')
run load
is "loaded twice: nothing fails" "$out" "loaded 13, failed 0"
is "... still 2 Patients" "$(fhir_count Patient)" 2
is "... still 4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
is "... nothing changed (the same versions)" "$(curl -s "$FHIR/ImagingStudy?_count=50" | jq -c '[.entry[].resource.meta.versionId] | sort')" "$v1"
run "$SDSFHIR" push "$D"
like "a push after the load finds the same studies: unchanged" "$out" "^push: 4 unchanged"
is "... and no Patient twice" "$(fhir_count Patient)" 2
run "$SDSFHIR" export --ndjson "$D/sparc_fhir_breast_dataset/out" "$D"
is "export into a dataset folder: refused (exit 2)" "$rc" 2
check "... before anything is made there (no new folder, so no bogus subject on the next scan)" \
	test ! -e "$D/sparc_fhir_breast_dataset/out"

# files are created safely: never through a name someone planted, 0600, in a folder of ours
is "the files hold patient data: 0600" "$(stat -c %a "$TMP/out/Patient.ndjson")" 600
mkdir "$TMP/exp"
echo ORIGINAL >"$TMP/victim"
run sh -c 'ln -s "$1/victim" "$1/exp/Patient.ndjson.$$.tmp"; exec "$2" export --ndjson "$1/exp" "$3"' sh "$TMP" "$SDSFHIR" "$D"
is "a link planted at the old temporary name: export exit 0" "$rc" 0
is "... the link's target untouched" "$(cat "$TMP/victim")" ORIGINAL
is "... the Patients written, 0600" "$(wc -l <"$TMP/exp/Patient.ndjson" | tr -d ' ') $(stat -c %a "$TMP/exp/Patient.ndjson")" "2 600"
is "... no temporary file left" "$(ls "$TMP/exp" | grep -c 'tmp-')" 0
mkdir "$TMP/shared" && chmod 0777 "$TMP/shared"
run "$SDSFHIR" export --ndjson "$TMP/shared" "$D"
is "an export folder others can write (no sticky bit): refused (exit 2)" "$rc" 2
like "... saying why" "$err" "can be written by other users \\(and has no sticky bit\\)"
is "... nothing written" "$(ls "$TMP/shared" | wc -l | tr -d ' ')" 0
chmod 1777 "$TMP/shared"
run "$SDSFHIR" export --ndjson "$TMP/shared" "$D"
is "... with the sticky bit: written" "$rc" 0
mkdir "$TMP/theirs" && chown nobody "$TMP/theirs" 2>/dev/null
if [ "$(stat -c %U "$TMP/theirs")" = nobody ]; then
	run "$SDSFHIR" export --ndjson "$TMP/theirs" "$D"
	is "an export folder of another user: refused (exit 2)" "$rc" 2
	like "... saying why" "$err" "belongs to another user"
else
	tap 1 "an export folder of another user: could not make one (chown nobody failed)"
fi
done_testing
