#!/bin/sh
# Nothing raw reaches the terminal: a file named with escape sequences, DICOM values with C1
# controls and bidi overrides, server text. The CLI and the UI show them escaped.
. "$top_srcdir/tests/lib.sh"
T=$TMP/ds/primary
E=$(printf '\033') BEL=$(printf '\007')
evil="evil${E}]0;PWNED${BEL}${E}[2J.txt"
mkdir -p "$T/sub-1/sam-1"
printf 'not DICOM\n' >"$T/sub-1/sam-1/$evil"
# Latin-1 0x9B (CSI in some terminals) and U+202E (right-to-left override) in values
mkdcm "$T/sub-1/sam-1/a.dcm" "(0008,0005) CS [ISO_IR 100]" "(0008,1030) LO [A$(printf '\233')B]" "(0010,0020) LO [P-1]"
mkdcm "$T/sub-1/sam-2/b.dcm" "(0008,103e) LO [x$(printf '\342\200\256')y]" "(0010,0020) LO [P-1]" \
	"(0020,000e) UI [1.2.826.0.1.3680043.10.99.1.2]" "(0008,0018) UI [1.2.826.0.1.3680043.10.99.1.2.1]"
# the marks LRM and RLM and the line and paragraph separators, in UTF-8
mkdcm "$T/sub-1/sam-3/c.dcm" "(0008,0005) CS [ISO_IR 192]" "(0008,103e) LO [m$(printf '\342\200\216\342\200\217\342\200\250\342\200\251')n]" \
	"(0010,0020) LO [P-1]" "(0020,000e) UI [1.2.826.0.1.3680043.10.99.1.3]" "(0008,0018) UI [1.2.826.0.1.3680043.10.99.1.3.1]"
raw() {	# the count of raw ESC, BEL, C1, bidi control, mark and separator bytes in the text
	printf '%s' "$1" | LC_ALL=C grep -c -a -P '\x1b|\x07|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae\x8e\x8f\xa8\xa9]|\xe2\x81[\xa6-\xa9]'
}
run "$SDSFHIR" scan -v "$TMP/ds"
is "scan: no raw control in its output" "$(raw "$out$err")" 0
like "scan: the file name shown escaped" "$out" 'evil\\x1B\]0;PWNED\\x07\\x1B\[2J\.txt'
run "$SDSFHIR" tags "$T/sub-1/sam-1/a.dcm" "$T/sub-1/sam-2/b.dcm"
is "tags: no raw control" "$(raw "$out$err")" 0
like "tags: U+009B shown escaped" "$out" 'A\\u009BB'
like "tags: U+202E shown escaped" "$out" 'x\\u202Ey'
run "$SDSFHIR" tags "$T/sub-1/sam-3/c.dcm"
is "tags: no raw LRM, RLM, line or paragraph separator" "$(raw "$out$err")" 0
like "... shown escaped" "$out" 'm\\u200E\\u200F\\u2028\\u2029n'
run "$SDSFHIR" fhir "$TMP/ds"
is "fhir: no raw control on stderr" "$(raw "$err")" 0
run "$SDSFHIR" scan --json "$TMP/ds"
is "scan --json is JSON (escaped by JSON)" "$(printf '%s' "$out" | jq -r '.datasets[0].name')" "ds"
run "$SDSFHIR" "$(printf 'x\033[2J')"
is "a command name with escapes: shown escaped" "$(raw "$err")" 0

# the UI in a real terminal: the pane's title stays, the screen is not cleared by a name
export XDG_CONFIG_HOME="$TMP/config"
tmux_session
t new-session -d -x 120 -y 30 -s ui "env TERM=xterm-256color SDSFHIR_SERVER=http://127.0.0.1:9/fhir '$SDSFHIR' --no-server-state '$TMP/ds'; sleep 30"
t set-option -g set-titles off
tmux_wait "scanned"
t send-keys -t ui j l j j
tmux_wait 'evil\\x1B' || true
s=$(tmux_capture)
unlike "the UI: the pane's title is not PWNED" "$(t display -p -t ui '#{pane_title}')" "PWNED"
like "the UI shows the file name escaped" "$s" 'evil\\x1B\]0;PWNED'
like "... and the tree still there (not cleared)" "$s" "sub-1"
t send-keys -t ui q
done_testing
