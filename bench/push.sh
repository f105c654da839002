#!/bin/sh
# Benchmark of `sdsfhir push` and `sdsfhir bodysite` against the tutorial's pattern (one POST
# per resource, then one PUT of the whole study per series for bodySite), both on the test
# FHIR server on loopback. Prints figures and ratios; asserts nothing.
#   bench/push.sh [STUDIES]      default 200 studies of 3 series x 20 instances
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
SDSFHIR=${SDSFHIR:-$top/build/sdsfhir}
N=${1:-200}
B=$(mktemp -d /tmp/sdsfhir-bench-push.XXXXXX)
trap 'kill $pid 2>/dev/null; rm -rf "$B"' EXIT
[ -x "$SDSFHIR" ] || { echo "bench: build first (./bootstrap build)" >&2; exit 1; }

echo "generating $N studies of 3 series x 20 instances..."
/usr/bin/python3 "$here/gen-dataset.py" "$B/gen" "$N" 3 20 512 >/dev/null
DS=$B/gen/bench_dataset

start_server() {
	rm -f "$B/port"
	node "$top/tests/fhir-server/server.js" --port-file "$B/port" >"$B/server.log" 2>&1 &
	pid=$!
	while [ ! -s "$B/port" ]; do sleep 0.1; done
	FHIR=http://127.0.0.1:$(cat "$B/port")/fhir
	ADMIN=http://127.0.0.1:$(cat "$B/port")/admin
}
requests() { curl -s "$ADMIN/stats" | jq .requests; }
ms() { date +%s%3N; }

start_server
export SDSFHIR_SERVER=$FHIR XDG_CONFIG_HOME=$B/config

# sdsfhir: push (transactions of up to 4 studies), then bodysite (one read + one write per study)
curl -s -X POST "$ADMIN/reset" >/dev/null
t0=$(ms); "$SDSFHIR" push "$DS" >"$B/push.out" 2>/dev/null; t1=$(ms)
push_req=$(($(requests) - 1))	# less the /metadata check
tail -1 "$B/push.out"
curl -s -X POST "$ADMIN/reset" >/dev/null
"$SDSFHIR" push "$DS" >/dev/null 2>&1
# strip bodySite on the server copy by pushing studies without it, then time bodysite
find "$DS" -name '*.dcm' | head -0
curl -s -X POST "$ADMIN/reset" >/dev/null
cp -R "$DS" "$B/nobp"
find "$B/nobp" -name '*.dcm' -exec dcmodify -nb -q -ea "(0018,0015)" {} +
"$SDSFHIR" push "$B/nobp" >/dev/null 2>&1
r0=$(requests)
t2=$(ms); "$SDSFHIR" bodysite --code 76752008 "$B/nobp" >"$B/bs.out" 2>/dev/null; t3=$(ms)
bs_req=$(($(requests) - r0 - 1))
tail -1 "$B/bs.out"

# the tutorial's pattern with curl: POST Patient, POST each ImagingStudy, GET them all,
# then PUT the whole study once per series to add bodySite
curl -s -X POST "$ADMIN/reset" >/dev/null
"$SDSFHIR" fhir --resource study "$B/nobp" 2>/dev/null | jq -c '.[]' >"$B/studies.ndjson"
r0=$(requests)
t4=$(ms)
pat=$(curl -s -X POST -H 'Content-Type: application/fhir+json' "$FHIR/Patient" \
	-d '{"resourceType":"Patient","name":[{"family":"Bench","given":["Patient"]}],"gender":"female"}' | jq -r .id)
while read -r s; do
	printf '%s' "$s" | jq -c --arg p "Patient/$pat" '.subject = {reference: $p}' >"$B/s.json"
	curl -s -o /dev/null -X POST -H 'Content-Type: application/fhir+json' --data-binary @"$B/s.json" "$FHIR/ImagingStudy"
done <"$B/studies.ndjson"
t5=$(ms)
curl -s "$FHIR/ImagingStudy?_count=100000" | jq -c '.entry[].resource' >"$B/server.ndjson"
while read -r s; do
	id=$(printf '%s' "$s" | jq -r .id)
	nser=$(printf '%s' "$s" | jq '.series | length')
	i=0
	while [ $i -lt "$nser" ]; do
		s=$(printf '%s' "$s" | jq -c --argjson i $i '.series[$i].bodySite = {system: "http://snomed.info/sct", code: "76752008", display: "Breast"}')
		printf '%s' "$s" >"$B/u.json"
		curl -s -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' --data-binary @"$B/u.json" "$FHIR/ImagingStudy/$id"
		i=$((i + 1))
	done
done <"$B/server.ndjson"
t6=$(ms)
tut_req=$(($(requests) - r0))

awk -v n="$N" -v p="$((t1 - t0))" -v b="$((t3 - t2))" -v tp="$((t5 - t4))" -v tb="$((t6 - t5))" \
	-v pr="$push_req" -v br="$bs_req" -v tr="$tut_req" 'BEGIN {
	printf "studies: %d (3 series x 20 instances each)\n", n
	printf "sdsfhir push:       %7.1f studies/s  %5.2f requests/study  (%d ms)\n", n / (p / 1000), pr / n, p
	printf "sdsfhir bodysite:   %7.1f studies/s  %5.2f requests/study  (%d ms)\n", n / (b / 1000), br / n, b
	printf "tutorial create:    %7.1f studies/s  (one POST per resource, curl)  (%d ms)\n", n / (tp / 1000), tp
	printf "tutorial bodySite:  %7.1f studies/s  (GET all, one PUT per series)  (%d ms)\n", n / (tb / 1000), tb
	printf "tutorial requests/study in all: %.2f; sdsfhir in all: %.2f\n", tr / n, (pr + br) / n
	printf "ratio push+bodysite throughput, sdsfhir / tutorial: %.1fx  (target >= 5x)\n", (tp + tb) / (p + b)
}'
