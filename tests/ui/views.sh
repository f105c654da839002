#!/bin/sh
# Every pane and window is one view (src/ui.h struct ui_view): the key bar, ?, n/N, S/o/y and a
# key the view does not take behave the same in each, by construction. Driven by a script of
# real keys (SDSFHIR_SCRIPT), screens dumped.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CONFIG_HOME="$TMP/config" XDG_STATE_HOME="$TMP/state" TZ=UTC
sample_data
D=$TMP/data
S=$TMP/screens
mkdir -p "$S"
"$SDSFHIR" push "$D" >/dev/null 2>&1
printf '%s\n' ":wait" ":dump $S/tree" "<Tab>" ":dump $S/detail" "<Space>" ":dump $S/detail-space" "<Tab>" \
	"L" ":dump $S/log" "+" ":dump $S/log-plus" "?" ":dump $S/log-keys" "S" ":dump $S/log-save" "<Esc>" \
	"?" ":dump $S/help" "n" ":dump $S/help-n" "y" ":dump $S/help-copy" "<Esc>" \
	"s" "<C-u>" ":type Patient?name=Aniyah" "<Enter>" ":wait" ":dump $S/results" "?" ":dump $S/results-keys" \
	"S" ":dump $S/results-save" "j" "<Enter>" ":dump $S/json" "S" ":dump $S/json-save" "<Esc>" ":dump $S/json-back" \
	"q" "q" "q" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=120x30 "$SDSFHIR" "$D/sparc_fhir_breast_dataset" >"$TMP/ui.out" 2>&1
is "the script ran to its end (exit 0)" "$?" 0
screen() { cat "$S/$1"; }

like "the tree's key bar" "$(screen tree)" "q quit  \\? help  Tab detail  p push"
like "the detail pane's key bar" "$(screen detail)" "q quit  \\? help  Tab tree  / find"
like "a key the detail pane does not take says so (Space marks in the tree)" "$(screen detail-space)" \
	"Space: not a key in this pane \\(\\? lists the keys\\)"
like "the log window's key bar" "$(screen log)" "j/k move  / find  n/N next"
like "a key the log window does not take says so" "$(screen log-plus)" \
	"\\+: not a key in this window \\(\\? lists this window's keys\\)"
like "? in the log window: its keys" "$(screen log-keys)" "keys here: j/k move   / find   n/N next   g/G first, last"
like "S in the log window: nothing to save there" "$(screen log-save)" "nothing to save here"
like "the help window groups the keys by where they work" "$(screen help)" "Everywhere"
like "... its first group: keys of every view" "$(screen help)" "j, Down +Move down"
like "n in the help window before a /: says how to find" "$(screen help-n)" "nothing to find: / in this window finds text"
like "y in the help window: nothing to copy there" "$(screen help-copy)" "nothing to copy here"
like "the results window's key bar" "$(screen results)" "Enter the JSON  j/k move  / find"
like "? in the results window: its keys" "$(screen results-keys)" "keys here: Enter the JSON   j/k move"
like "S in the results window: nothing to save there" "$(screen results-save)" "nothing to save here"
like "Enter on a result: its JSON window" "$(screen json)" "Patient/[0-9a-f-]+ +\\(q: back to the results\\)"
like "S in the JSON window: the save prompt, a file name offered" "$(screen json-save)" "save to: Patient-[0-9a-f-]+\\.json_"
like "... over the JSON window, which stays" "$(screen json-save)" '"resourceType": "Patient"'
like "Esc: not saved, the JSON window again" "$(screen json-back)" "not saved"
like "... its key bar" "$(screen json-back)" "Enter go to the local study  j/k scroll"

# The views never call each other: no view's object file refers to a symbol another defines
# (they go through ui.c, the router, and ui_list.c, what every window shares).
views="ui_tree ui_detail ui_help ui_log ui_search ui_results ui_picker ui_confirm ui_export ui_list"
found=0
for v in $views; do
	[ -f "$top_builddir/src/sdsfhir-$v.o" ] && found=$((found + 1))
done
is "the object files of the views are there ($found of 10)" "$found" 10
calls=""
for v in $views; do
	nm -u "$top_builddir/src/sdsfhir-$v.o" | awk '{print $2}' | sort >"$TMP/undef"
	for w in $views; do
		[ "$v" = "$w" ] || [ "$w" = ui_list ] && continue
		nm -g --defined-only "$top_builddir/src/sdsfhir-$w.o" | awk '{print $3}' | sort >"$TMP/def"
		c=$(comm -12 "$TMP/undef" "$TMP/def" | tr '\n' ' ')
		[ -n "$c" ] && calls="$calls $v -> $w: $c;"
	done
done
is "no view calls another" "$calls" ""
done_testing
