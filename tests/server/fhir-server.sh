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
if [ "$FHIR_MODE" = atomic ]; then
	is "failing transaction: 400" "$status" 400
	is "rolled back: no Patient added" "$(fhir_count Patient)" "$before"
else
	is "batch mode: a failing transaction is answered 200" "$status" 200
	is "batch mode: a transaction-response" "$(jq -r .type "$TMP/.resp")" "transaction-response"
	is "batch mode: a status for each entry" "$(jq -r '[.entry[].response.status] | join(" ")' "$TMP/.resp")" "201 400"
	like "batch mode: the failed entry carries its outcome" "$(jq -c '.entry[1].response.outcome' "$TMP/.resp")" "OperationOutcome.*brithDate"
	is "batch mode: the good entry is committed" "$(fhir_count Patient)" "$((before + 1))"
	before=$(fhir_count Patient)
fi

# a conditional create is validated too
cat >"$TMP/txc.json" <<'J'
{"resourceType":"Bundle","type":"transaction","entry":[
 {"resource":{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"3"}],"brithDate":"2000-01-01"},
  "request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=urn:t|3"}}]}
J
fhir_post "$TMP/txc.json"
if [ "$FHIR_MODE" = atomic ]; then
	is "conditional create with brithDate: 400" "$status" 400
else
	is "conditional create with brithDate: entry 400" "$status $(jq -r '.entry[0].response.status' "$TMP/.resp")" "200 400"
fi
is "and nothing written" "$(fhir_count Patient)" "$before"

# more than 8 conditional entries: refused, as by Medplum's server with transaction-bundles
{
	printf '{"resourceType":"Bundle","type":"transaction","entry":['
	for i in 1 2 3 4 5 6 7 8 9; do
		[ $i = 1 ] || printf ','
		printf '{"resource":{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"x%s"}]},"request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=urn:t|x%s"}}' $i $i
	done
	printf ']}'
} >"$TMP/tx9.json"
fhir_post "$TMP/tx9.json"
if [ "$FHIR_MODE" = atomic ]; then
	is "9 conditional entries: 400" "$status" 400
	like "too many entries" "$(cat "$TMP/.resp")" "Transaction requires strict isolation but has too many entries"
	is "and nothing written" "$(fhir_count Patient)" "$before"
else
	is "batch mode: 9 conditional entries are run one by one" "$status $(jq -r '[.entry[].response.status] | unique | join(" ")' "$TMP/.resp")" "200 201"
	for i in 1 2 3 4 5 6 7 8 9; do
		id=$(curl -s "$FHIR/Patient?identifier=urn:t|x$i" | jq -r '.entry[0].resource.id')
		curl -s -X DELETE "$FHIR/Patient/$id" >/dev/null
	done
	is "(cleaned up)" "$(fhir_count Patient)" "$before"
fi

# one conditional URL twice in a Bundle
cat >"$TMP/twice.json" <<'J'
{"resourceType":"Bundle","type":"transaction","entry":[
 {"fullUrl":"urn:uuid:6b1b2d52-0f1e-5a38-9a4a-000000000011","resource":{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"tw"}]},
  "request":{"method":"PUT","url":"Patient?identifier=urn:t|tw"}},
 {"fullUrl":"urn:uuid:6b1b2d52-0f1e-5a38-9a4a-000000000012","resource":{"resourceType":"Patient","identifier":[{"system":"urn:t","value":"tw"}],"gender":"male"},
  "request":{"method":"PUT","url":"Patient?identifier=urn:t|tw"}}]}
J
fhir_post "$TMP/twice.json"
if [ "$FHIR_MODE" = atomic ]; then
	is "one conditional URL twice: 400" "$status" 400
	like "Duplicate resource identity" "$(cat "$TMP/.resp")" "Duplicate resource identity found in Bundle|Resource ID did not match resolved ID"
else
	is "batch mode: one conditional URL twice is run twice" "$status" 200
fi

# a request body over the limit (1 MB, Medplum's maxJsonSize)
node -e 'const n=[];for(let i=0;i<10000;i++)n.push({uid:"1.2.3."+i,sopClass:{system:"urn:ietf:rfc:3986",code:"urn:oid:1.2.840.10008.5.1.4.1.1.4"},number:i+1});
process.stdout.write(JSON.stringify({resourceType:"Bundle",type:"transaction",entry:[{resource:{resourceType:"Basic",code:{text:"x"},extension:[{url:"urn:x",valueString:JSON.stringify(n)}]},request:{method:"POST",url:"Basic"}}]}))' >"$TMP/big.json"
fhir_post "$TMP/big.json"
is "a body over 1 MB: 400" "$status" 400
like "File too large" "$(head -c 300 "$TMP/.resp")" "File too large"

# versions: a PUT that changes nothing keeps the versionId
printf '{"resourceType":"Patient","id":"%s","identifier":[{"system":"urn:t","value":"1"}],"name":[{"family":"Brown","given":["Aniyah"]}]}' "$pid" >"$TMP/same.json"
v1=$(curl -s "$FHIR/Patient/$pid" | jq -r .meta.versionId)
v2=$(curl -s -X PUT -H 'Content-Type: application/fhir+json' --data-binary @"$TMP/same.json" "$FHIR/Patient/$pid" | jq -r .meta.versionId)
is "a PUT that changes nothing keeps the versionId" "$v2" "$v1"
sed 's/Aniyah/Aniya/' "$TMP/same.json" >"$TMP/changed.json"
v3=$(curl -s -X PUT -H 'Content-Type: application/fhir+json' --data-binary @"$TMP/changed.json" "$FHIR/Patient/$pid" | jq -r .meta.versionId)
check "a PUT that changes something makes a new version" test "$v3" != "$v1" -a -n "$v3"

# search: paging, _summary=count, unknown parameters
base=$(fhir_count Patient)
for i in 1 2 3 4 5; do
	printf '{"resourceType":"Patient","name":[{"family":"Page%s"}]}' $i >"$TMP/pp.json"
	fhir_post "$TMP/pp.json" /Patient
done
total=$(fhir_count Patient)
is "_summary=count counts" "$total" "$((base + 5))"
page=$(curl -s "$FHIR/Patient?_count=2")
is "no total unless asked for" "$(printf '%s' "$page" | jq -r 'has("total")')" "false"
is "_total=accurate gives it" "$(curl -s "$FHIR/Patient?_count=2&_total=accurate" | jq -r .total)" "$total"
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
