#!/bin/sh
# Responsiveness of the UI on 100,000 instances (a benchmark: prints figures, asserts nothing):
# time to the first screen while the scan runs in the background, and the time to answer
# each key (handled and drawn) during the scan and after it.
#   bench/ui.sh [BENCH_DIR [SUBJECTS SAMPLES INSTANCES]]
# The default 100 10 100 shares the generated data of bench/scan.sh; 1000 10 100 is a million.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SDSFHIR=${SDSFHIR:-$here/../build-plain/sdsfhir}
[ -x "$SDSFHIR" ] || SDSFHIR=$here/../build/sdsfhir
B=${1:-/tmp/sdsfhir-bench}
[ -x "$SDSFHIR" ] || { echo "bench: build first (./bootstrap build)" >&2; exit 1; }
nsub=${2:-100} nsam=${3:-10} ninst=${4:-100}
n=$((nsub * nsam * ninst))
if [ "$nsub $nsam $ninst" = "100 10 100" ]; then set_=small pix=4096; else set_=ui-$nsub-$nsam-$ninst pix=64; fi
if [ ! -f "$B/$set_/.done" ]; then
	mkdir -p "$B"
	echo "generating $n small instances..."
	/usr/bin/python3 "$here/gen-dataset.py" "$B/$set_" "$nsub" "$nsam" "$ninst" "$pix" >/dev/null
	touch "$B/$set_/.done"
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME="$T/cache"	# a cold scan every run
{
	i=0; while [ $i -lt 100 ]; do echo "j k"; i=$((i + 1)); done	# while scanning
	echo ":wait"
	echo "G g"
	i=0; while [ $i -lt 50 ]; do echo "j j <Enter> 2 1 h k"; i=$((i + 1)); done
	echo "<PgDn> <PgDn> <PgUp> / sub-5 <Enter> n n N"
	echo "q"
} >"$T/script"
start=$(date +%s%3N)
SDSFHIR_SCRIPT="$T/script" SDSFHIR_TIMING="$T/timing" SDSFHIR_SIZE=120x40 SDSFHIR_SERVER=http://127.0.0.1:9/fhir \
	"$SDSFHIR" "$B/$set_/bench_dataset" >/dev/null 2>&1
end=$(date +%s%3N)
awk -v total="$((end - start))" -v n_="$n" -v shape="$nsub subjects x $nsam samples x $ninst" '
	/^first-draw-ms/ { first = $2 }
	/^key/ { ms = $4; if ($5 == "busy") { nb++; sb += ms; if (ms > mb) mb = ms } else { n++; s += ms; if (ms > m) m = ms; v[n] = ms } }
	END {
		for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
		p99 = n ? v[int(n * 0.99) > 0 ? int(n * 0.99) : 1] : 0
		printf "instances: %d (%s)\n", n_, shape
		printf "first screen: %d ms  (target < 100 ms; the scan goes on in the background)\n", first
		printf "keys while scanning: %d, mean %.2f ms, max %d ms\n", nb, nb ? sb / nb : 0, mb
		printf "keys on the full tree: %d, mean %.2f ms, p99 %d ms, max %d ms  (target < 16 ms)\n", n, n ? s / n : 0, p99, m
		printf "whole run (scan, keys, exit): %d ms\n", total
	}' "$T/timing"
