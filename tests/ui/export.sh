#!/bin/sh
# Taking the JSON away: S saves what is shown (never into a dataset folder, never over a
# file), o opens it in $PAGER and comes back, y copies it to the clipboard with OSC 52 (tmux).
. "$top_srcdir/tests/lib.sh"
export XDG_CONFIG_HOME="$TMP/config" SDSFHIR_SERVER=http://127.0.0.1:9/fhir
sample_data
D=$TMP/data/sparc_fhir_breast_dataset
S=$TMP/screens
mkdir -p "$S" "$TMP/out"
ui() {
	printf '%s\n' "$1" >"$TMP/script"
	(cd "$TMP/out" && SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=110x30 "$SDSFHIR" "$D" >"$TMP/ui.out" 2>&1)
}
screen() { cat "$S/$1"; }

ui ":wait
j 2 S
:dump $S/ask
<Enter>
:dump $S/saved
S
<Enter>
:dump $S/again
<Enter>
:dump $S/replaced
S
<C-u>
:type $D/primary/stolen.json
<Enter>
:dump $S/dataset
q"
like "S offers a name" "$(screen ask)" "save to: sub-Aniyah-breast-1\\.bundle\\.json_"
like "Enter saves, saying where in full" "$(screen saved)" "saved [0-9]+ bytes to /.*/sub-Aniyah-breast-1\\.bundle\\.json"
is "the file holds what a push sends: a Bundle with the study and what it refers to" \
	"$(jq -r '[.resourceType, (.entry[].resource.resourceType)] | join(" ")' "$TMP/out/sub-Aniyah-breast-1.bundle.json")" \
	"Bundle Practitioner ResearchStudy Patient ResearchSubject ImagingStudy"
like "an existing name: asked, the prompt stays (it failed and closed)" "$(screen again)" "save to: sub-Aniyah-breast-1\\.bundle\\.json_ +it exists: Enter again replaces it, or give another name"
like "Enter again: replaced" "$(screen replaced)" "saved [0-9]+ bytes to /.*/sub-Aniyah-breast-1\\.bundle\\.json \\(replaced\\)"
is "a saved file holds patient data: 0600" "$(stat -c %a "$TMP/out/sub-Aniyah-breast-1.bundle.json")" 600
like "a dataset folder is refused" "$(screen dataset)" "not saved: sdsfhir never writes into a dataset folder"
check "... and nothing written there" test ! -e "$D/primary/stolen.json"

# a name the server gives is a plain file name: never a path
fhir_server_start
evil='{"resourceType":"Bundle","type":"searchset","entry":[{"search":{"mode":"match"},"resource":{"resourceType":"Patient/../../../..","id":"x/../../../../../tmp/PWNED"}}]}'
fault "{\"body\":$evil,\"count\":5,\"path\":\"/Patient\"}"
printf ':wait\ns\n:type Patient?name=x\n<Enter>\n:wait\n<Enter>\nS\n:dump %s\n<Enter>\n:dump %s\nq q q\n' "$S/evil-ask" "$S/evil-saved" >"$TMP/script"
(cd "$TMP/out" && SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=110x30 "$SDSFHIR" --server "$FHIR" --no-server-state "$D" >/dev/null 2>&1)
like "S on a resource the server named with a path: a plain name offered" "$(screen evil-ask)" "save to: Patient_.._.._.._..-x_.._.._.._.._.._tmp_PWNED\\.json"
check "... saved in the folder it was asked in" test -f "$TMP/out/Patient_.._.._.._..-x_.._.._.._.._.._tmp_PWNED.json"
check "... and nowhere else" test ! -e /tmp/PWNED.json

PAGER="tee $TMP/paged >/dev/null <" ui ":wait
j 3 o
:dump $S/paged
q"
like "o: the pager got the view and the UI came back" "$(screen paged)" "back from tee"
like "... the Server view's text, as shown" "$(cat "$TMP/paged")" "Server state not known yet"

# OSC 52 through a real terminal: tmux with set-clipboard keeps what the UI copied
tmux_session
t new-session -d -x 100 -y 24 -s ui "env TERM=xterm-256color '$SDSFHIR' '$D'; sleep 30"
t set-option -g set-clipboard on
tmux_wait "scanned 15 files"
t send-keys -t ui j 2 y
tmux_like "y: copied, it says so" "copied [0-9]+ bytes to the clipboard" 50
like "tmux's clipboard holds the Bundle" "$(t show-buffer 2>/dev/null | head -3)" '"resourceType": "Bundle"'
t send-keys -t ui q
done_testing
