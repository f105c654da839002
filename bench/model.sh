#!/bin/sh
# The model-based test of tests/server/model.py for a long time (default an hour), against the
# test server in both modes: seeds from the time, each printed; a failure shrinks itself.
# usage: bench/model.sh [SECONDS] [STEPS]   (after ./bootstrap build)
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
secs=${1:-3600}
steps=${2:-20}
SDSFHIR=${SDSFHIR:-$top/build/sdsfhir}
export SDSFHIR
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
for mode in atomic batch; do
	node "$top/tests/fhir-server/server.js" --mode "$mode" --port-file "$tmp/port" >"$tmp/server.log" 2>&1 &
	pid=$!
	while [ ! -s "$tmp/port" ]; do sleep 0.1; done
	port=$(cat "$tmp/port")
	FHIR=http://127.0.0.1:$port/fhir ADMIN=http://127.0.0.1:$port/admin top_srcdir=$top \
		python3 "$top/tests/server/model.py" --seed "$(date +%s)" --steps "$steps" --seconds $((secs / 2)) \
		--data "$top/data" --tmp "$tmp" | tee "$tmp/$mode.tap" | grep -v '^ok' || true
	echo "mode $mode: $(grep -c '^ok' "$tmp/$mode.tap") runs held, $(grep -c '^not ok' "$tmp/$mode.tap") failed"
	kill "$pid"; wait "$pid" 2>/dev/null || true
	rm -f "$tmp/port"
done
