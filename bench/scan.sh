#!/bin/sh
# Benchmark of `sdsfhir scan` (a benchmark, not a test: it prints figures and ratios).
#   bench/scan.sh [BENCH_DIR]     default BENCH_DIR: /tmp/sdsfhir-bench (about 2.6 GB)
# Large set: 2,000 MR instances of about 1 MB (speed). Small set: 100,000 instances (memory).
# References, on the same files in the same run: the tutorial's approach (Debian's
# python3-pydicom, dcmread of every file) and dcmdump started once per file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SDSFHIR=${SDSFHIR:-$here/../build-plain/sdsfhir}
[ -x "$SDSFHIR" ] || SDSFHIR=$here/../build/sdsfhir
B=${1:-/tmp/sdsfhir-bench}
PY=/usr/bin/python3
[ -x "$SDSFHIR" ] || { echo "bench: build first (./bootstrap build), or set SDSFHIR" >&2; exit 1; }
mkdir -p "$B"

gen() {	# name subjects samples instances pixel-bytes
	[ -f "$B/$1/.done" ] && return 0
	rm -rf "$B/$1"
	echo "generating $1 ($(($2 * $3 * $4)) files)..."
	"$PY" "$here/gen-dataset.py" "$B/$1" "$2" "$3" "$4" "$5" >/dev/null
	touch "$B/$1/.done"
}
gen large 20 5 20 1048576
gen small 100 10 100 4096
gen tiny 1 1 1 4096

# measure CMD...: sets secs and kb (peak RSS)
measure() {
	/usr/bin/time -f '%e %M' -o "$B/.time" "$@" >/dev/null 2>"$B/.err" || { cat "$B/.err" >&2; exit 1; }
	read -r secs kb <"$B/.time"
}
drop() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

N=2000
L="$B/large/bench_dataset"
echo "== speed: $N instances of $(du -sh "$L" | cut -f1) in all, $(nproc) cores"
if drop; then
	measure "$SDSFHIR" scan --no-cache "$L"; cold=$(rate $N "$secs")
	echo "sdsfhir scan, cold cache:  $cold files/s  (${secs} s)"
else
	cold=""; echo "sdsfhir scan, cold cache:  not measured (cannot drop the page cache here)"
fi
measure "$SDSFHIR" scan --no-cache "$L"
measure "$SDSFHIR" scan --no-cache "$L"; warm=$(rate $N "$secs"); warm_s=$secs
echo "sdsfhir scan, warm cache:  $warm files/s  (${secs} s, peak ${kb} KB)"
measure "$SDSFHIR" scan --no-cache -j 1 "$L"; one=$(rate $N "$secs")
echo "sdsfhir scan -j 1, warm:   $one files/s  (one reader thread)"

cat >"$B/pydicom_scan.py" <<'PY'
import sys, pathlib, pydicom
n = 0
for f in sorted(pathlib.Path(sys.argv[1]).rglob("*.dcm")):
    ds = pydicom.dcmread(f)
    _ = (ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.get("InstanceNumber"))
    n += 1
print(n)
PY
measure "$PY" "$B/pydicom_scan.py" "$L"; py=$(rate $N "$secs")
echo "pydicom dcmread, warm:     $py files/s  (${secs} s, peak ${kb} KB)"
ls "$L"/primary/sub-1/sam-*/*.dcm | head -n 200 >"$B/.subset"
measure sh -c "xargs -n1 dcmdump <'$B/.subset'"; dd=$(rate 200 "$secs")
echo "dcmdump per file, warm:    $dd files/s  (200 files, ${secs} s)"
# GDCM's scanner (Debian libgdcm-tools), the same tags (src/dicom_tags.def), one thread each: CPU time per file
tags=$(sed -n 's/^DICOM_TAG([A-Z_]*, *0x\([0-9A-Fa-f]*\), *0x\([0-9A-Fa-f]*\),.*/-t \1,\2/p' "$here/../src/dicom_tags.def")
cpu() { /usr/bin/time -f '%U %S' -o "$B/.time" "$@" >/dev/null 2>"$B/.err" || { cat "$B/.err" >&2; exit 1; }
	awk '{ printf "%.3f", $1 + $2 }' "$B/.time"; }
sd_cpu=$(cpu "$SDSFHIR" scan --no-cache -j 1 "$L")
echo "sdsfhir scan -j 1, CPU:    $sd_cpu s for $N files"
if command -v gdcmscanner >/dev/null; then
	# shellcheck disable=SC2086
	gd_cpu=$(cpu gdcmscanner -d "$L" -r -p $tags)
	echo "gdcmscanner, CPU:          $gd_cpu s for $N files ($(echo "$tags" | wc -l) tags)"
	echo "ratio CPU of the whole run sdsfhir/gdcmscanner: $(ratio "$sd_cpu" "$gd_cpu")x   (with what each costs before its first file)"
	# per file: the same runs less a run on one file (start-up: libraries, sdsfhir's DICOM dictionary), best of 3
	T1="$B/tiny/bench_dataset"
	best() { b=""; for _ in 1 2 3; do c=$("$@"); b=$(awk -v a="$c" -v b="$b" 'BEGIN { print (b == "" || a < b) ? a : b }'); done; echo "$b"; }
	sd_all=$(best cpu "$SDSFHIR" scan --no-cache -j 1 "$L") sd_one=$(best cpu "$SDSFHIR" scan --no-cache -j 1 "$T1")
	# shellcheck disable=SC2086
	gd_all=$(best cpu gdcmscanner -d "$L" -r -p $tags) gd_one=$(best cpu gdcmscanner -d "$T1" -r -p $tags)
	echo "CPU per file (run less a 1-file run, best of 3): sdsfhir $(awk -v a="$sd_all" -v b="$sd_one" -v n=$N 'BEGIN { printf "%.1f", (a - b) * 1e6 / n }') us," \
		"gdcmscanner $(awk -v a="$gd_all" -v b="$gd_one" -v n=$N 'BEGIN { printf "%.1f", (a - b) * 1e6 / n }') us"
	echo "ratio CPU per file sdsfhir/gdcmscanner:   $(awk -v a="$sd_all" -v b="$sd_one" -v c="$gd_all" -v d="$gd_one" \
		'BEGIN { printf "%.2f", (c - d > 0 ? (a - b) / (c - d) : 0) }')x   (target <= 1.0x; CPU times are in 10 ms steps)"
	if command -v valgrind >/dev/null; then	# instructions (repeatable): per file, and what a run costs before its first file
		irefs() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
			sed -n 's/.*I *refs: *//p' | tr -d ,; }
		one_sub="$L/primary/sub-1" one_sam="$L/primary/sub-1/sam-1"	# 100 and 20 files
		# shellcheck disable=SC2086
		g100=$(irefs gdcmscanner -d "$one_sub" -r -p $tags) g20=$(irefs gdcmscanner -d "$one_sam" -r -p $tags)
		s100=$(irefs "$SDSFHIR" scan --no-cache -j 1 "$one_sub") s20=$(irefs "$SDSFHIR" scan --no-cache -j 1 "$one_sam")
		sd_pf=$(((s100 - s20) / 80)) gd_pf=$(((g100 - g20) / 80))
		echo "instructions per file: sdsfhir $sd_pf, gdcmscanner $gd_pf;" \
			"before the first file: sdsfhir $((s20 - 20 * sd_pf)), gdcmscanner $((g20 - 20 * gd_pf))"
		echo "ratio instructions per file sdsfhir/gdcmscanner: $(ratio "$sd_pf" "$gd_pf")x   (target <= 1.0x)"
	fi
else
	echo "gdcmscanner: not installed (apt-get install libgdcm-tools), not compared"
fi
echo "ratio sdsfhir/pydicom (warm):         $(ratio "$warm" "$py")x   (target >= 10x)"
echo "ratio sdsfhir/dcmdump-per-file (warm): $(ratio "$warm" "$dd")x"
echo "ratio 2 threads / 1 thread:            $(ratio "$warm" "$one")x"
echo "warm rate vs 5,000 files/s target:     $(ratio "$warm" 5000)x"

S="$B/small/bench_dataset"
echo "== memory: 100,000 small instances"
measure "$SDSFHIR" scan --no-cache "$B/tiny/bench_dataset"; base=$kb
measure "$SDSFHIR" scan --no-cache "$S"; big=$kb
measure "$SDSFHIR" scan --no-cache "$S"; secs_nocache=$secs
echo "sdsfhir scan, warm:  $(rate 100000 "$secs") files/s  (${secs} s)"
echo "peak RSS: ${big} KB for 100,000 instances, ${base} KB for 1 (base)"
per=$(awk -v a="$big" -v b="$base" 'BEGIN { printf "%.0f", (a - b) * 1024 / 100000 }')
echo "memory per instance beyond the base: $per bytes  (target <= 512)"

echo "== scan cache: 100,000 small instances (XDG_CACHE_HOME=$B/xdg-cache)"
rm -rf "$B/xdg-cache"
export XDG_CACHE_HOME="$B/xdg-cache"
measure "$SDSFHIR" scan "$S"; c1=$secs
echo "first scan, writing the cache:   ${secs} s"
measure "$SDSFHIR" scan "$S"; c2=$secs; ckb=$kb
echo "reopening, unchanged (warm):     ${secs} s, peak ${kb} KB  (target < 1 s for the full tree)"
drop && { measure "$SDSFHIR" scan "$S"; echo "reopening, unchanged (cold page cache): ${secs} s"; } || true
echo "cache file: $(du -h "$XDG_CACHE_HOME"/sdsfhir/*.scan | cut -f1)"
echo "ratio warm without cache / with cache: $(awk -v a="$secs_nocache" -v b="$c2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')x"
