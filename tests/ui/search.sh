#!/bin/sh
# Search that keeps your work: after an error the query stays with the error under it, Up and
# Down recall earlier queries (kept under XDG_STATE_HOME), Patients are a table.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CONFIG_HOME="$TMP/config" XDG_STATE_HOME="$TMP/state" TZ=UTC
sample_data
D=$TMP/data
S=$TMP/screens
mkdir -p "$S"
"$SDSFHIR" push "$D" >/dev/null 2>&1
ui() {
	printf '%s\n' "$1" >"$TMP/script"
	SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=110x30 "$SDSFHIR" "$D/sparc_fhir_breast_dataset" >"$TMP/ui.out" 2>&1
}
screen() { cat "$S/$1"; }

ui ":wait
s
:type ImagingStudy?bogus=1
<Enter>
:wait
:dump $S/error
<Esc>
s
<C-u>
:type Patient?name=Aniyah
<Enter>
:wait
:dump $S/patients
q"
like "after an error the query stays in the box" "$(screen error)" "^> ImagingStudy\\?bogus=1_"
like "... with the error under it" "$(screen error)" "error: HTTP 400: Unknown search parameter: bogus"
like "Patient results are a table: its header" "$(screen patients)" "NAME +BORN +GENDER +ID"
like "... and her row: name, birth date, gender, id" "$(screen patients)" "Aniyah Brown +1995-09-22 +female +Patient/[0-9a-f-]+"
unlike "... not raw JSON" "$(screen patients)" '"family"'
check "the history is kept under XDG_STATE_HOME" test -s "$TMP/state/sdsfhir/search_history"
is "... 0600: queries name patients" "$(stat -c %a "$TMP/state/sdsfhir/search_history")" 600

# a new session: Up and Down recall earlier queries, newest first after the ready ones
ui ":wait
s
:dump $S/history
<Down>
:dump $S/recalled
<Esc>
q"
like "earlier queries are offered in a new session" "$(screen history)" "^Patient\\?name=Aniyah$"
unlike "... not the failed one (it stays in the box while it is fixed, not in the history)" "$(screen history)" "^ImagingStudy\\?bogus=1$"
like "Down puts a query in the box" "$(screen recalled)" "^> [A-Za-z]+\\?[^ ]+_"
is "the history holds each query once" "$(sort "$TMP/state/sdsfhir/search_history" | uniq -d)" ""
# research data: the dataset's FHIR view is its ResearchStudy; the ready search of its subjects
# finds them with their Patients, and a result leads to the local subject folder
ui ":wait
2
:dump $S/dataset-fhir
s
:dump $S/ready
<Down>
<Up>
<Enter>
:wait
:dump $S/subjects
<Enter>
:dump $S/subject-json
<Enter>
:dump $S/subject-local
q"
like "a dataset's FHIR view: its ResearchStudy" "$(screen dataset-fhir)" '"resourceType": "ResearchStudy"'
like "... its title from dataset_description" "$(screen dataset-fhir)" '"title": "SPARC FHIR breast MRI dataset"'
like "ready search on a dataset: its subjects, with their Patients, under a short label" "$(screen ready)" \
	"^the dataset's subjects +ResearchSubject\\?study:ResearchStudy\\.identifier=urn:sparc_dataset:uid\\|urn:uid:sparc_"
like "the subjects found: subject, patient, dataset, arm; -> marks a local one" "$(screen subjects)" \
	"^-> sub-Aniyah-breast-1 +Aniyah Brown +sparc_fhir_breast_dataset +control"
like "... both" "$(screen subjects)" "^-> sub-Linman-breast-1 +Linman Zhang +sparc_fhir_breast_dataset +control"
like "Enter: its JSON, offering the local subject" "$(screen subject-json)" "ResearchSubject/[0-9a-f-]+ +\\(Enter: go to the local subject"
like "Enter again: the local subject, its ResearchSubject in the FHIR view" "$(screen subject-local)" "the local subject of the search result"
like "... the ResearchSubject shown" "$(screen subject-local)" '"resourceType": "ResearchSubject"'
done_testing
