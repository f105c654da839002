#!/bin/sh
# How long L takes to open the log when it holds thousands of lines (a benchmark: prints
# figures, asserts nothing). The UI reads the server state of 1,000 studies 20 times (every
# study a log line each time), then opens the log; SDSFHIR_TIMING gives each key's time.
#   bench/log.sh [BENCH_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SDSFHIR=${SDSFHIR:-$here/../build-plain/sdsfhir}
[ -x "$SDSFHIR" ] || SDSFHIR=$here/../build/sdsfhir
[ -x "$SDSFHIR" ] || { echo "bench: build first (./bootstrap build)" >&2; exit 1; }
B=${1:-/tmp/sdsfhir-bench}
if [ ! -f "$B/log-1000/.done" ]; then
	mkdir -p "$B"
	echo "generating 1000 studies..."
	/usr/bin/python3 "$here/gen-dataset.py" "$B/log-1000" 1000 1 1 64 >/dev/null
	touch "$B/log-1000/.done"
fi
T=$(mktemp -d)
node "$here/../tests/fhir-server/server.js" --port-file "$T/port" >"$T/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$T"' EXIT
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
{
	echo ":wait"
	i=0; while [ $i -lt 20 ]; do echo "r"; echo ":wait"; i=$((i + 1)); done
	echo "L"
	echo "G g G"
	echo "q q"
} >"$T/script"
XDG_CACHE_HOME="$T/cache" SDSFHIR_SERVER="http://127.0.0.1:$(cat "$T/port")/fhir" SDSFHIR_SCRIPT="$T/script" \
	SDSFHIR_SIZE=120x40 SDSFHIR_TIMING="$T/timing" "$SDSFHIR" "$B/log-1000" >/dev/null 2>&1
# keys in order: r x20, then L (76), G, g, G
L=$(grep '^key 76 ' "$T/timing" | head -1 | awk '{print $4}')
G=$(grep '^key 71 ' "$T/timing" | awk '{print $4}' | sort -n | tail -1)
echo "log lines: about $((20 * 1000 + 60)); L opened it in ${L:-?} ms; G (to the newest) at most ${G:-?} ms"
