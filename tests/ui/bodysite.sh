#!/bin/sh
# bodySite in the UI asks first and checks the code; u undoes the last change (not when the
# server changed the study since); D removes studies from the server, keeping the Patients.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CONFIG_HOME="$TMP/config" TZ=UTC
sample_data
D=$TMP/data/sparc_fhir_breast_dataset
S=$TMP/screens
mkdir -p "$S"
"$SDSFHIR" push "$D" >/dev/null 2>&1
uid=2.25.31415926535897932384626433832010100000	# Aniyah's breast study
sites() { curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:$uid" | jq -r '[.entry[0].resource.series[].bodySite.code] | unique | join(",")'; }
ui() {	# ui SCRIPT-TEXT [&]: the UI on the breast dataset with these keys
	printf '%s\n' "$1" >"$TMP/script"
	SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=110x30 "$SDSFHIR" "$D" >"$TMP/ui.out" 2>&1
}
screen() { cat "$S/$1"; }
is "pushed with their Body Part Examined: breast" "$(sites)" "76752008"

# a typo that matches Head: asked first, with warnings; n writes nothing
ui ":wait
j b
:type hea
<Enter>
:dump $S/ask-head
n
:dump $S/no
q"
like "hea picks Head, and b asks first" "$(screen ask-head)" "bodySite 69536005 Head for 3 series in 1 study at $FHIR/\\? y: write"
like "... warning that the headers say BREAST" "$(screen ask-head)" "warning: the headers say BREAST \\(76752008 Breast\\), not Head"
like "n: not written" "$(screen no)" "bodySite not written"
is "... the server still says breast" "$(sites)" "76752008"

# a typed code with a wrong check digit is refused; a valid one outside CID 4031 warns
ui ":wait
j b
:type 12345
<Enter>
:dump $S/typo
<Esc> b
:type 22298006
<Enter>
:dump $S/outside
n
q"
like "12345: refused, with the reason" "$(screen typo)" "12345 is not a SNOMED CT code: its check digit does not match"
like "a valid code outside CID 4031 and Annex L asks again, with a warning" "$(screen outside)" \
	"warning: 22298006 is a SNOMED CT code but not a body part of DICOM CID 4031 or Annex L"
is "... nothing written" "$(sites)" "76752008"

# heart written, then undone; written again, then changed on the server: undo refused
printf ':wait\nj b\n:type heart\n<Enter>\ny\n:wait\n:dump %s\nu\n:wait\n:dump %s\nb\n:type heart\n<Enter>\ny\n:wait\n:dump %s\n:sleep 4000\nu\n:wait\n:dump %s\nL\n:dump %s\nq q\n' \
	"$S/heart" "$S/undone" "$S/heart2" "$S/refused" "$S/refused-log" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=110x30 "$SDSFHIR" "$D" >"$TMP/ui.out" 2>&1 &
ui_pid=$!
i=0; while [ ! -s "$S/undone" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
like "the status line says what was written" "$(screen heart)" "bodySite 80891009 Heart: 3 series in 1 study"
like "u: put back" "$(screen undone)" "undo bodySite: 1 updated"
i=0; while [ ! -s "$S/heart2" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
is "written again: heart" "$(sites)" "80891009"
id=$(curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:$uid" | jq -r '.entry[0].resource.id')
curl -s "$FHIR/ImagingStudy/$id" | jq '.description = "changed by someone else"' >"$TMP/changed.json"
curl -s -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' --data-binary @"$TMP/changed.json" "$FHIR/ImagingStudy/$id"
wait $ui_pid
like "u after the server changed the study: refused" "$(screen refused)" "undo bodySite: not undone: ImagingStudy/"
like "... the log says why in full, wrapped" "$(screen refused-log | sed 's/ *$//' | tr '\n' ' ')" "changed on the server since the bodySite was written"
is "... the server keeps its version: heart" "$(sites)" "80891009"

# D removes a study from the server, asking first; its Patient stays
patients=$(fhir_count Patient)
ui ":wait
j D
:dump $S/ask-retract
y
:wait
:dump $S/retracted
q"
like "D asks first, naming the folder" "$(screen ask-retract)" "Remove from $FHIR/: sparc_fhir_breast_dataset/sub-Aniyah-breast-1\\? Their Patients stay\\."
like "y: removed" "$(screen retracted)" "retract: 1 removed"
is "the study is gone from the server" "$(fhir_count ImagingStudy "identifier=urn:dicom:uid|urn:oid:$uid")" 0
is "its Patient stays" "$(fhir_count Patient)" "$patients"
like "the tree marks it not on the server" "$(screen retracted)" "^ +-  v sub-Aniyah-breast-1|^  -  v sub-Aniyah-breast-1"
done_testing
