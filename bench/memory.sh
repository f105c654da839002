#!/bin/sh
# Peak memory per instance of scan (text and --json, cold, cached, without the cache) and the
# time to reopen from the cache, on a generated dataset (bench/gen-dataset.py). Prints figures;
# asserts nothing. Usage: bench/memory.sh [SUBJECTS SAMPLES INSTANCES] (default 100 10 100: 100,000;
# 1000 10 100 for 1,000,000: about 3 min and 2 GB of disk)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
S=${SDSFHIR:-$top/build-plain/sdsfhir}
[ -x "$S" ] || S=$top/build/sdsfhir
nsub=${1:-100} nsam=${2:-10} ninst=${3:-100}
n=$((nsub * nsam * ninst))
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
python3 "$top/bench/gen-dataset.py" "$W/d" "$nsub" "$nsam" "$ninst" 64 >/dev/null
export XDG_CACHE_HOME="$W/cache"
measure() {	# LABEL ARGS...: peak RSS above the base, per instance, and seconds
	label=$1; shift
	/usr/bin/time -f '%M %e' -o "$W/t" "$S" "$@" >/dev/null 2>&1 || true
	set -- $(tail -1 "$W/t")
	printf '%-28s %6d B/instance  %6.2f s\n' "$label" $(( ($1 - base) * 1024 / n )) "$2"
}
/usr/bin/time -f '%M' -o "$W/t" "$S" scan "$W/none" >/dev/null 2>&1 || true
base=$(tail -1 "$W/t")
echo "$n instances; base RSS $base kB"
measure "scan --json, cold" scan --json "$W/d/bench_dataset"
measure "scan --json, cached" scan --json "$W/d/bench_dataset"
measure "scan, cached" scan "$W/d/bench_dataset"
measure "scan --no-cache" scan --no-cache "$W/d/bench_dataset"
measure "export --ndjson (cached)" export --ndjson "$W/out" "$W/d/bench_dataset"
measure "fhir (the Bundle, cached)" fhir "$W/d/bench_dataset"
