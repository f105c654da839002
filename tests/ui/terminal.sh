#!/bin/sh
# The real binary in a real terminal (tmux): 80x24, a resize, NO_COLOR, a server that is
# down, and a clean terminal after q and after Ctrl-C.
. "$top_srcdir/tests/lib.sh"
export XDG_CONFIG_HOME="$TMP/config"
tmux_session
port=$(free_port)
D=$top_srcdir/data

start() {	# start [ENV...] [--OPTION]: sdsfhir in an 80x24 window; its exit status goes to $TMP/exit
	rm -f "$TMP/exit"
	t kill-session -t ui 2>/dev/null
	envs="" opts=""
	for a in "$@"; do case $a in --*) opts="$opts $a" ;; *) envs="$envs $a" ;; esac; done
	t new-session -d -x 80 -y 24 -s ui \
		"env TERM=xterm-256color SDSFHIR_SERVER=http://127.0.0.1:$port/fhir $envs '$SDSFHIR'$opts '$D' 2>>'$TMP/ui.stderr'; echo \$? > '$TMP/exit'; sleep 30"
	tmux_wait "server state not read" || { echo "Bail out! the UI did not start and read the server"; tmux_capture | sed 's/^/# /'; exit 1; }
}
capture() { tmux_capture; }
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
tmux_like "moving down shows the subject's tags" "PatientName"
t resize-window -t ui -x 120 -y 35
i=0	# until the redraw at the new size is whole: the key hints on line 35
while ! capture | sed -n 35p | grep -q "q quit" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
tmux_wait "v sparc_fhir_breast_dataset \(15 instances\)"
s=$(capture)
is "after a resize: 35 lines" "$(printf '%s\n' "$s" | wc -l | tr -d ' ')" 35
like "after a resize: the key hints on the new last line" "$(printf '%s\n' "$s" | sed -n 35p)" "q quit  \? help"
like "after a resize: the wider tree shows more" "$s" "v sparc_fhir_breast_dataset \(15 instances\)"
t send-keys -t ui c
tmux_like "server down: c says it cannot reach it" "create patients: cannot reach http://127\.0\.0\.1:$port/fhir/"
like "server down: the screen intact" "$(capture)" "v sparc_fhir_breast_dataset"
t send-keys -t ui L
tmux_like "L shows the log" "Log:"
tmux_like "the log holds the failed request" "GET http://127\.0\.0\.1:$port/fhir/metadata -> no reply"
t send-keys -t ui q q
is "q: exit status 0" "$(wait_exit)" 0
unlike "q: the terminal is left clean (no UI on the screen)" "$(capture)" "sparc_fhir_breast_dataset|q quit"

start NO_COLOR=1
t send-keys -t ui j 2
tmux_like "NO_COLOR: works, FHIR view" '"resourceType": "ResearchSubj'
t send-keys -t ui C-c
is "Ctrl-C: exits 130 (interrupted: 128 + SIGINT, as a shell counts it)" "$(wait_exit)" 130
unlike "Ctrl-C: the terminal is left clean" "$(capture)" "sparc_fhir_breast_dataset|q quit"

start TERM=vt100
tmux_like "a monochrome terminal (vt100) works" "v sparc_fhir_breast_dataset"
t send-keys -t ui q
is "vt100: exit 0" "$(wait_exit)" 0
unlike "vt100 (no alternate screen): quitting leaves a clean screen" "$(capture)" "sparc_fhir_breast_dataset|q quit"

# the mouse: a click selects, the wheel scrolls the pane under it; --no-mouse leaves it alone
start
is "the UI asks the terminal for mouse reports" "$(t display -p -t ui '#{mouse_sgr_flag}#{mouse_standard_flag}' | tr -d 0 | cut -c1)" 1
t send-keys -t ui -l "$(printf '\033[<0;10;6M\033[<0;10;6m')"
tmux_like "a click selects the row under it" "\|series sam-3"
t send-keys -t ui -l "$(printf '\033[<0;8;6M\033[<0;8;6m')"	# sam-3's > (depth 2: column 8)
tmux_like "a click on a node's > opens it (missing 3)" " IM0009\.dcm|v sam-3 "
t send-keys -t ui -l "$(printf '\033[<0;8;6M\033[<0;8;6m')"
tmux_like "... and on its v closes it" "> sam-3 "
t send-keys -t ui -l "$(printf '\033[<0;20;6M\033[<0;20;6m\033[<0;20;6M\033[<0;20;6m')"
tmux_like "a double click on a node opens it" "v sam-3 "
t send-keys -t ui -l "$(printf '\033[<0;20;6M\033[<0;20;6m\033[<0;20;6M\033[<0;20;6m')"
tmux_like "... and closes it" "> sam-3 "
t send-keys -t ui -
tmux_like "- closes every node but the datasets" "> sub-Aniyah-breast-1"
t send-keys -t ui +
tmux_like "+ opens them all, down to the series" "v sam-1 "
t send-keys -t ui g j
before=$(capture | sed -n 3p | cut -d'|' -f2)
t send-keys -t ui -l "$(printf '\033[<65;60;6M')"
i=0
while after=$(capture | sed -n 3p | cut -d'|' -f2); [ "$after" = "$before" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
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
tmux_like "UTF-8 patient name on screen" "PatientName +Zhang\^Linman=张\^林曼 *$"
t send-keys -t ui q
is "... q: exit status 0" "$(wait_exit)" 0
done_testing
