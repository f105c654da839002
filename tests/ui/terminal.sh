#!/bin/sh
# The real binary in a real terminal (tmux): 80x24, a resize, NO_COLOR, a server that is
# down, and a clean terminal after q and after Ctrl-C.
. "$top_srcdir/tests/lib.sh"
command -v tmux >/dev/null || { echo "Bail out! tmux is needed (Debian package tmux)"; exit 1; }
export TMUX_TMPDIR="$TMP" XDG_CONFIG_HOME="$TMP/config"
sock="sdsfhir-test-$$"
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null; cleanup' EXIT
port=$(free_port)
D=$top_srcdir/data

start() {	# start [ENV...] [--OPTION]: sdsfhir in an 80x24 window; its exit status goes to $TMP/exit
	rm -f "$TMP/exit"
	t kill-session -t ui 2>/dev/null
	envs="" opts=""
	for a in "$@"; do case $a in --*) opts="$opts $a" ;; *) envs="$envs $a" ;; esac; done
	t -f /dev/null new-session -d -x 80 -y 24 -s ui \
		"env TERM=xterm-256color SDSFHIR_SERVER=http://127.0.0.1:$port/fhir $envs '$SDSFHIR'$opts '$D'; echo \$? > '$TMP/exit'; sleep 30"
	wait_for "scanned 30 files"
}
capture() { t capture-pane -p -t ui; }
wait_for() {	# wait_for TEXT: until the screen shows it (10 s at most)
	i=0
	while ! capture 2>/dev/null | grep -q -- "$1"; do
		i=$((i + 1)); [ $i -gt 100 ] && return 1
		sleep 0.1
	done
	return 0
}
wait_exit() {
	i=0
	while [ ! -s "$TMP/exit" ]; do i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.1; done
	cat "$TMP/exit"
}

start
s=$(capture)
like "80x24: the title bar" "$s" "^ sdsfhir [0-9.]+ \| http://127\.0\.0\.1:$port/fhir/ \| auth: none"
like "80x24: the tree" "$s" "v sparc_fhir_breast_dataset"
like "80x24: the key hints on the last line" "$(printf '%s\n' "$s" | sed -n 24p)" "q quit  \? help"
is "80x24: exactly 24 lines" "$(printf '%s\n' "$s" | wc -l | tr -d ' ')" 24
t send-keys -t ui j
wait_for "PatientName" && tap 0 "moving down shows the subject's tags" || tap 1 "moving down shows the subject's tags"
t resize-window -t ui -x 120 -y 35
sleep 0.5
s=$(capture)
is "after a resize: 35 lines" "$(printf '%s\n' "$s" | wc -l | tr -d ' ')" 35
like "after a resize: the key hints on the new last line" "$(printf '%s\n' "$s" | sed -n 35p)" "q quit  \? help"
like "after a resize: the wider tree shows more" "$s" "v sparc_fhir_breast_dataset \(15 instances\)"
t send-keys -t ui c
wait_for "cannot reach" && tap 0 "server down: c says it cannot reach it" || { tap 1 "server down: c says it cannot reach it"; capture | sed 's/^/# /'; }
like "server down: the error is in the status line, the screen intact" "$(capture)" "cannot reach http://127\.0\.0\.1:$port/fhir/.*"
t send-keys -t ui L
wait_for "Log:" && tap 0 "L shows the log" || tap 1 "L shows the log"
like "the log holds the failed request" "$(capture)" "GET http://127\.0\.0\.1:$port/fhir/metadata -> no reply"
t send-keys -t ui q q
is "q: exit status 0" "$(wait_exit)" 0
unlike "q: the terminal is left clean (no UI on the screen)" "$(capture)" "sparc_fhir_breast_dataset|q quit"

start NO_COLOR=1
t send-keys -t ui j 2
wait_for '"resourceType": "Patient"' && tap 0 "NO_COLOR: works, FHIR view" || tap 1 "NO_COLOR: works, FHIR view"
t send-keys -t ui C-c
is "Ctrl-C: exits" "$(wait_exit)" 0
unlike "Ctrl-C: the terminal is left clean" "$(capture)" "sparc_fhir_breast_dataset|q quit"

start TERM=vt100
like "a monochrome terminal (vt100) works" "$(capture)" "v sparc_fhir_breast_dataset"
t send-keys -t ui q
is "vt100: exit 0" "$(wait_exit)" 0
unlike "vt100 (no alternate screen): quitting leaves a clean screen" "$(capture)" "sparc_fhir_breast_dataset|q quit"

# the mouse: a click selects, the wheel scrolls the pane under it; --no-mouse leaves it alone
start
is "the UI asks the terminal for mouse reports" "$(t display -p -t ui '#{mouse_sgr_flag}#{mouse_standard_flag}' | tr -d 0 | cut -c1)" 1
t send-keys -t ui -l "$(printf '\033[<0;10;6M\033[<0;10;6m')"
wait_for "|series sam-3" && tap 0 "a click selects the row under it" || { tap 1 "a click selects the row under it"; capture | head -6 | sed 's/^/# /'; }
before=$(capture | sed -n 3p | cut -d'|' -f2)
t send-keys -t ui -l "$(printf '\033[<65;60;6M')"
sleep 0.3
after=$(capture | sed -n 3p | cut -d'|' -f2)
check "the wheel scrolls the detail pane under it ($before -> $after)" test "$before" != "$after"
t send-keys -t ui q
wait_exit >/dev/null
start --no-mouse
is "--no-mouse: no mouse reports asked for" "$(t display -p -t ui '#{mouse_sgr_flag}#{mouse_standard_flag}#{mouse_button_flag}#{mouse_any_flag}')" "0000"
t send-keys -t ui q
wait_exit >/dev/null

# UTF-8 names are shown whole, in their columns
start
t resize-window -t ui -x 120 -y 30
t send-keys -t ui j j j j j 1
wait_for "Zhang" >/dev/null
like "UTF-8 patient name on screen" "$(capture)" "PatientName +Zhang\^Linman=张\^林曼 *$"
t send-keys -t ui q
wait_exit >/dev/null
done_testing
