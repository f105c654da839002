#!/bin/sh
# Uploading images (a benchmark: prints figures and ratios, asserts nothing): 2,000 files of
# about 9 KB to Debian's Orthanc with its DICOMweb plugin on loopback, by sdsfhir push --images
# (STOW-RS, streamed, checked) and by curl (4 requests of 500 parts each, nothing checked), and
# the peak memory of sdsfhir beside the bytes sent.
#   bench/images.sh [BENCH_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
SDSFHIR=${SDSFHIR:-$top/build-plain/sdsfhir}
[ -x "$SDSFHIR" ] || SDSFHIR=$top/build/sdsfhir
[ -x "$SDSFHIR" ] || { echo "bench: build first (./bootstrap build), or set SDSFHIR" >&2; exit 1; }
B=${1:-/tmp/sdsfhir-bench}/images
mkdir -p "$B"
[ -f "$B/.done" ] || { /usr/bin/python3 "$here/gen-dataset.py" "$B/ds" 1 4 500 4096 >/dev/null; touch "$B/.done"; }
export SDSFHIR top_srcdir=$top TMPDIR=${TMPDIR:-/tmp}
. "$top/tests/lib.sh" 2>/dev/null
orthanc_start
fhir_server_start >/dev/null
export SDSFHIR_SERVER=$FHIR XDG_CACHE_HOME=$TMP/cache
clear_orthanc() {
	for p in $(curl -s -u "$ORTHANC_AUTH" "$ORTHANC/patients" | jq -r '.[]'); do
		curl -s -u "$ORTHANC_AUTH" -X DELETE "$ORTHANC/patients/$p" >/dev/null
	done
}
n=$(find "$B/ds" -name '*.dcm' | wc -l | tr -d ' ')
bytes=$(find "$B/ds" -name '*.dcm' -printf '%s\n' | awk '{ s += $1 } END { print s }')
"$SDSFHIR" scan "$B/ds" >/dev/null	# the scan cache warm: the upload is measured, not the scan
now() { date +%s%N; }
t0=$(now)
rss=$(/usr/bin/time -f %M "$SDSFHIR" push --images --dicomweb "$DICOMWEB" --dicomweb-netrc-file "$TMP/dicomweb.netrc" \
	"$B/ds" 2>&1 >"$TMP/out" | tail -1)
t1=$(now)
ms=$(( (t1 - t0) / 1000000 ))
grep '^images ' "$TMP/out" | sed 's/^/  /'
echo "sdsfhir push --images: $n files ($((bytes / 1024)) KiB) in $ms ms: $((n * 1000 / (ms ? ms : 1))) files/s (the FHIR push included); peak memory $((rss / 1024)) MiB"
t0=$(now)
"$SDSFHIR" push --images --dicomweb "$DICOMWEB" --dicomweb-netrc-file "$TMP/dicomweb.netrc" "$B/ds" >/dev/null 2>&1
t1=$(now)
echo "... pushed again (nothing to send: one QIDO-RS search a study): $(( (t1 - t0) / 1000000 )) ms"
clear_orthanc
find "$B/ds" -name '*.dcm' | sort | split -l 500 - "$TMP/part."
t0=$(now)
for f in "$TMP"/part.*; do
	set --
	while read -r p; do set -- "$@" -F "file=@$p;type=application/dicom"; done <"$f"
	curl -s -o /dev/null -u "$ORTHANC_AUTH" -H 'Content-Type: multipart/related; type="application/dicom"' \
		-H 'Accept: application/dicom+json' "$@" "$DICOMWEB/studies"
done
t1=$(now)
cms=$(( (t1 - t0) / 1000000 ))
echo "curl, 4 requests of 500 parts (nothing checked): $n files in $cms ms: $((n * 1000 / (cms ? cms : 1))) files/s"
echo "ratio sdsfhir / curl (time): $(awk "BEGIN { printf \"%.2f\", $ms / ($cms ? $cms : 1) }")"
