#!/bin/sh
# The test FHIR server itself: the behaviour the other tests rely on.
. "$top_srcdir/tests/lib.sh"
fhir_server_start

cs=$(curl -s "$FHIR/metadata")
is "GET /metadata is a CapabilityStatement" "$(printf '%s' "$cs" | jq -r .resourceType)" "CapabilityStatement"
is "FHIR 4.0.1" "$(printf '%s' "$cs" | jq -r .fhirVersion)" "4.0.1"

printf '%s' '{"resourceType":"Patient","brithDate":"1995-09-22"}' >"$TMP/bad.json"
fhir_post "$TMP/bad.json" /Patient
is "unknown element brithDate: 400" "$status" 400
like "with an OperationOutcome naming it" "$(cat "$TMP/.resp")" '"resourceType":"OperationOutcome".*brithDate'

printf '%s' '{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"1"}],"name":[{"family":"Brown","given":["Aniyah"]}]}' >"$TMP/p.json"
fhir_post "$TMP/p.json" /Patient
is "valid Patient: 201" "$status" 201
pid=$(jq -r .id "$TMP/.resp")
check "the server gives an id" test -n "$pid"

printf '%s' '{"resourceType":"ImagingStudy","status":"available","subject":{"reference":"Patient/does-not-exist"}}' >"$TMP/r.json"
fhir_post "$TMP/r.json" /ImagingStudy
is "reference to nothing: 400" "$status" 400
like "says which reference" "$(cat "$TMP/.resp")" "Patient/does-not-exist"

printf '{"resourceType":"ImagingStudy","status":"available","subject":{"reference":"Patient/%s"},"series":[{"uid":"1.2","modality":{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"MR"},"instance":[{"uid":"1.2.3"}]}]}' "$pid" >"$TMP/nosop.json"
fhir_post "$TMP/nosop.json" /ImagingStudy
is "instance without sopClass: 400" "$status" 400
like "names sopClass" "$(cat "$TMP/.resp")" "sopClass"

# a transaction that fails in its second entry leaves nothing behind
cat >"$TMP/tx.json" <<'J'
{"resourceType":"Bundle","type":"transaction","entry":[
 {"fullUrl":"urn:uuid:6b1b2d52-0f1e-5a38-9a4a-000000000001","resource":{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"2"}]},
  "request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=urn:t|2"}},
 {"resource":{"resourceType":"Patient","brithDate":"2000-01-01"},"request":{"method":"POST","url":"Patient"}}]}
J
before=$(fhir_count Patient)
fhir_post "$TMP/tx.json"
is "failing transaction: 400" "$status" 400
is "rolled back: no Patient added" "$(fhir_count Patient)" "$before"

# a conditional create is validated too
cat >"$TMP/txc.json" <<'J'
{"resourceType":"Bundle","type":"transaction","entry":[
 {"resource":{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"3"}],"brithDate":"2000-01-01"},
  "request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=urn:t|3"}}]}
J
fhir_post "$TMP/txc.json"
is "conditional create with brithDate: 400" "$status" 400
is "and nothing written" "$(fhir_count Patient)" "$before"

# more than 8 conditional entries: refused, as by Medplum's server
{
	printf '{"resourceType":"Bundle","type":"transaction","entry":['
	for i in 1 2 3 4 5 6 7 8 9; do
		[ $i = 1 ] || printf ','
		printf '{"resource":{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"x%s"}]},"request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=urn:t|x%s"}}' $i $i
	done
	printf ']}'
} >"$TMP/tx9.json"
fhir_post "$TMP/tx9.json"
is "9 conditional entries: 400" "$status" 400
like "too many entries" "$(cat "$TMP/.resp")" "too many entries"
is "and nothing written" "$(fhir_count Patient)" "$before"

# search: paging, _summary=count, unknown parameters
for i in 1 2 3 4 5; do
	printf '{"resourceType":"Patient","name":[{"family":"Page%s"}]}' $i >"$TMP/pp.json"
	fhir_post "$TMP/pp.json" /Patient
done
total=$(fhir_count Patient)
is "_summary=count counts" "$total" 6
page=$(curl -s "$FHIR/Patient?_count=2")
is "a page holds _count entries" "$(printf '%s' "$page" | jq '.entry | length')" 2
next=$(printf '%s' "$page" | jq -r '.link[] | select(.relation == "next") | .url')
like "with a next link" "$next" "^http://127\.0\.0\.1:[0-9]+/fhir/Patient\?.*_offset=2"
seen=0; url="$FHIR/Patient?_count=2"
while [ -n "$url" ] && [ $seen -lt 100 ]; do
	p=$(curl -s "$url")
	seen=$((seen + $(printf '%s' "$p" | jq '.entry | length')))
	url=$(printf '%s' "$p" | jq -r '.link[] | select(.relation == "next") | .url')
done
is "following next links visits every resource once" "$seen" "$total"
status=$(curl -s -o "$TMP/.resp" -w '%{http_code}' "$FHIR/Patient?brithdate=1")
is "unknown search parameter: 400" "$status" 400
like "names the parameter" "$(cat "$TMP/.resp")" "brithdate"
status=$(curl -s -o /dev/null -w '%{http_code}' "$FHIR/ImagingStudy?bodysite=76752008")
is "bodysite is a known ImagingStudy parameter" "$status" 200

curl -s -X POST "$ADMIN/reset" >/dev/null
is "reset empties the store" "$(fhir_count Patient)" 0
done_testing
