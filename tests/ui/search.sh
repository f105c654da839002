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

# a new session: Up and Down recall earlier queries, newest first after the ready ones
ui ":wait
s
:dump $S/history
<Down>
:dump $S/recalled
<Esc>
q"
like "earlier queries are offered in a new session" "$(screen history)" "^Patient\\?name=Aniyah$"
like "... the failed one too" "$(screen history)" "^ImagingStudy\\?bogus=1$"
like "Down puts a query in the box" "$(screen recalled)" "^> [A-Za-z]+\\?[^ ]+_"
is "the history holds each query once" "$(sort "$TMP/state/sdsfhir/search_history" | uniq -d)" ""
done_testing
