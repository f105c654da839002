#!/bin/sh
# Pictures (a benchmark: prints figures and ratios, asserts nothing): a 512x512 16-bit slice
# decoded and drawn by sdsfhir preview (80x40 cells), against dcmtk's dcmj2pnm writing it as a
# PGM file (decode and window only, no drawing); the contact sheet of a 10-series study; the
# peak memory of 200 pictures in one process.
#   bench/preview.sh [BENCH_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SDSFHIR=${SDSFHIR:-$here/../build-plain/sdsfhir}
[ -x "$SDSFHIR" ] || SDSFHIR=$here/../build/sdsfhir
[ -x "$SDSFHIR" ] || { echo "bench: build first (./bootstrap build), or set SDSFHIR" >&2; exit 1; }
B=${1:-/tmp/sdsfhir-bench}/preview
mkdir -p "$B"
if [ ! -f "$B/.done" ]; then
	/usr/bin/python3 - "$B" "$here/../tests/images" <<'PY'
import os, sys
import numpy as np
sys.path.insert(0, sys.argv[2])
import make
out = sys.argv[1]
y, x = np.mgrid[0:512, 0:512]
img = ((np.sin(x / 23.0) * np.cos(y / 31.0) + 1) * 1800 + (x + y)).astype("<u2")   # 16 bits, structure everywhere
make.image(512, 512, img.tobytes()).save_as(f"{out}/slice.dcm", write_like_original=False)
for s in range(10):     # one study of 10 series, 3 slices each
    d = f"{out}/study/primary/sub-1/sam-{s + 1}"
    os.makedirs(d, exist_ok=True)
    for k in range(3):
        ds = make.image(512, 512, np.roll(img, 7 * (s * 3 + k), axis=1).tobytes())
        ds.StudyInstanceUID, ds.SeriesNumber, ds.InstanceNumber = "1.2.3.9", s + 1, k + 1
        ds.SeriesDescription = f"SERIES {s + 1}"
        ds.save_as(f"{d}/{k + 1}.dcm", write_like_original=False)
PY
	touch "$B/.done"
fi
now() { date +%s%N; }
N=50
set --
i=0; while [ $i -lt $N ]; do set -- "$@" "$B/slice.dcm"; i=$((i + 1)); done
t0=$(now); "$SDSFHIR" preview --size 80x40 "$@" >/dev/null; t1=$(now)
per=$(( (t1 - t0) / N / 1000 ))
echo "one 512x512 16-bit slice, decoded and drawn (80x40 cells): $((per / 1000)).$(( (per % 1000) / 100 )) ms each, mean of $N in one process  (target < 50 ms)"
t0=$(now); i=0; while [ $i -lt 10 ]; do dcmj2pnm +Wm "$B/slice.dcm" "$B/out.pgm"; i=$((i + 1)); done; t1=$(now)
ref=$(( (t1 - t0) / 10 / 1000 ))
echo "dcmtk's dcmj2pnm, decode and window to a PGM file, a process each: $((ref / 1000)).$(( (ref % 1000) / 100 )) ms each"
t0=$(now); "$SDSFHIR" preview --size 80x40 "$B/slice.dcm" >/dev/null; t1=$(now)
one=$(( (t1 - t0) / 1000 ))
echo "sdsfhir preview of one slice, a process (start-up included): $((one / 1000)).$(( (one % 1000) / 100 )) ms; ratio to dcmj2pnm: $(awk "BEGIN { printf \"%.2f\", $one / $ref }")"
export XDG_CACHE_HOME="$B/cache"
t0=$(now); "$SDSFHIR" preview --size 24x12 "$B/study/primary/sub-1" >/dev/null; t1=$(now)
sheet=$(( (t1 - t0) / 1000000 ))
echo "the contact sheet of a 10-series study (scan, 10 middle instances, 24x12 each): $sheet ms  (target < 300 ms)"
set --
i=0; while [ $i -lt 200 ]; do set -- "$@" "$B/slice.dcm"; i=$((i + 1)); done
rss=$(/usr/bin/time -f %M "$SDSFHIR" preview --size 80x40 "$@" 2>&1 >/dev/null | tail -1)
echo "peak memory over 200 pictures in one process: $((rss / 1024)) MiB (one slice's pixels: 0.5 MiB)"
