#!/bin/sh
# Never frozen: a server that accepts a connection and never answers. Esc frees the UI at
# once, q and SIGTERM quit within two seconds, and the status line says what it waits for.
# Also: the bare command and odd arguments never crash.
. "$top_srcdir/tests/lib.sh"
export XDG_CONFIG_HOME="$TMP/config"
tmux_session
# a loopback listener that accepts and never replies (bounded: it ends by itself after 120 s)
${NODE:-node} -e 'const s = require("net").createServer(() => {}).listen(0, "127.0.0.1", () => {
  require("fs").writeFileSync(process.argv[1], String(s.address().port)); setTimeout(() => process.exit(0), 120000); });' \
	"$TMP/hang.port" &
hang_pid=$!
trap 't kill-server 2>/dev/null; kill $hang_pid 2>/dev/null; cleanup' EXIT
i=0; while [ ! -s "$TMP/hang.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$TMP/hang.port")
D=$top_srcdir/data

capture() { tmux_capture; }
start() {
	rm -f "$TMP/exit"
	t kill-session -t ui 2>/dev/null
	t new-session -d -x 100 -y 24 -s ui \
		"sh -c 'echo \$\$ > $TMP/pid; exec env TERM=xterm-256color SDSFHIR_SERVER=http://127.0.0.1:$port/fhir $SDSFHIR $D'; echo \$? > '$TMP/exit'; sleep 30"
	tmux_wait "v sparc_fhir_breast_dataset"
}
exited_within() {	# TENTHS: the UI exited within that many tenths of a second
	i=0
	while [ ! -s "$TMP/exit" ]; do i=$((i + 1)); [ $i -gt "$1" ] && return 1; sleep 0.1; done
	return 0
}

start	# after the scan the server state is read in the background: the request hangs
tmux_wait "waiting for 127\.0\.0\.1:$port \(1 s\)" 40 && tap 0 "a request out: the status line says whom it waits for" ||
	{ tap 1 "a request out: the status line says whom it waits for"; capture | tail -3 | sed 's/^/# /'; }
sleep 1
t send-keys -t ui Escape
tmux_like "Esc frees the UI within 2 s" "server state not read: cancelled" 20
t send-keys -t ui j
tmux_like "... and the UI answers keys again" "PatientName" 20
t send-keys -t ui L
tmux_like "the log says the request was cancelled" "cancelled" 20
t send-keys -t ui Escape r
tmux_wait "waiting for" 40
t send-keys -t ui q
exited_within 20 && tap 0 "q during a hung request: exits within 2 s" || tap 1 "q during a hung request: exits within 2 s"
unlike "... and leaves the terminal clean" "$(capture)" "sparc_fhir_breast_dataset|q quit"

start
t send-keys -t ui r
tmux_wait "waiting for" 40
kill -TERM "$(cat "$TMP/pid")"
exited_within 20 && tap 0 "SIGTERM during a hung request: exits within 2 s" || tap 1 "SIGTERM during a hung request: exits within 2 s"
is "SIGTERM: exit status 143" "$(cat "$TMP/exit" 2>/dev/null)" 143

# the bare command (PATH defaults to .), --, -, an empty argument
mkdir -p "$TMP/empty"
printf ':wait\n:dump %s\nq\n' "$TMP/bare.screen" >"$TMP/script"
(cd "$TMP/empty" && SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SERVER=http://127.0.0.1:$port/fhir "$SDSFHIR" >/dev/null 2>&1)
is "sdsfhir with no PATH: the UI on ., exit 0 (no crash)" "$?" 0
like "... the screen says what it scanned" "$(cat "$TMP/bare.screen")" "scanned 0 files"
(cd "$TMP/empty" && SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SERVER=http://127.0.0.1:$port/fhir "$SDSFHIR" -- >/dev/null 2>&1)
is "sdsfhir --: the same" "$?" 0
run "$SDSFHIR" -
is "sdsfhir -: a usage error, exit 2" "$rc" 2
like "... that says why" "$err" "not read from standard input"
run "$SDSFHIR" ""
is "sdsfhir '': a usage error, exit 2" "$rc" 2
like "... naming it" "$err" "'' is neither a command nor a folder"
done_testing
