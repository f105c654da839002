#!/bin/sh
# A hostile server: links to other hosts, tokens that would inject headers, absurd
# Retry-After values, replies of the wrong shape. Every one is refused or survived.
. "$top_srcdir/tests/lib.sh"
printf 'good-token-1\n' >"$TMP/token"
chmod 600 "$TMP/token"
fhir_server_start --token "$TMP/token" --base-path /	# FHIR at the root, as in the report
port=$(cat "$TMP/port")
ROOT=http://127.0.0.1:$port/
export XDG_CONFIG_HOME="$TMP/config" SDSFHIR_TOKEN=good-token-1
# a listener on another port that records whatever reaches it (bounded: 60 s)
${NODE:-node} -e 'const fs = require("fs"); const s = require("http").createServer((q, r) => {
  fs.appendFileSync(process.argv[1], JSON.stringify(q.headers) + "\n"); r.end("{}"); }).listen(0, "127.0.0.1", () => {
  fs.writeFileSync(process.argv[2], String(s.address().port)); setTimeout(() => process.exit(0), 60000); });' \
	"$TMP/other.log" "$TMP/other.port" &
other_pid=$!
trap 'kill $other_pid 2>/dev/null; cleanup' EXIT
i=0; while [ ! -s "$TMP/other.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
other=$(cat "$TMP/other.port")

# 1. a next link whose host part is user-info: curl would send the token to the other host
for p in 1 2; do printf '{"resourceType":"Patient","name":[{"family":"P%s"}]}' $p >"$TMP/p.json"
	curl -s -o /dev/null -H "Authorization: Bearer good-token-1" -H 'Content-Type: application/fhir+json' \
		--data-binary @"$TMP/p.json" "${ROOT}Patient"; done
fault "{\"nextLink\":\"http://127.0.0.1:$port@localhost:$other/Patient?page=2\",\"count\":1,\"path\":\"/Patient\"}"
run "$SDSFHIR" search --all --server "$ROOT" 'Patient?_count=1'
is "exactly the reported link, http://HOST:PORT@OTHER:PORT/Patient?page=2: refused (exit 3)" "$rc" 3
like "... said so" "$err" "the server sent a link outside http://127\\.0\\.0\\.1:$port/: not followed"
check "... and nothing, no token, reached the other host" test ! -s "$TMP/other.log"
fault "{\"nextLink\":\"http://localhost:$other/Patient?_count=1&_offset=1\",\"count\":1,\"path\":\"/Patient\"}"
run "$SDSFHIR" search --all --server "$ROOT" 'Patient?_count=1'
is "a link to another port under the base path: re-rooted onto the base, followed (exit 0)" "$rc" 0
like "... both pages read" "$out" "^2 shown"
check "... nothing reached the other port" test ! -s "$TMP/other.log"
fault "{\"nextLink\":\"${ROOT}Patient?_count=1&_offset=1\",\"count\":1,\"path\":\"/Patient\"}"
run "$SDSFHIR" search --all --server "$ROOT" 'Patient?_count=1'
is "a link on the same origin is followed" "$rc" 0
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
fhir_server_start --token "$TMP/token"
port=$(cat "$TMP/port")
printf '{"resourceType":"Patient","name":[{"family":"P1"}]}' >"$TMP/p.json"
curl -s -o /dev/null -H "Authorization: Bearer good-token-1" -H 'Content-Type: application/fhir+json' \
	--data-binary @"$TMP/p.json" "$FHIR/Patient"
fault "{\"nextLink\":\"http://127.0.0.1:$port/admin/stats?x=1\",\"count\":1,\"path\":\"/Patient\"}"
run "$SDSFHIR" search --all --server "$FHIR" 'Patient?_count=1'
is "a link on the host but outside the base path: refused" "$rc" 3
like "... the page read before it printed all the same" "$out" "^1 shown \\(more"
fault "{\"nextLink\":\"http://127.0.0.1:$port/fhir/../admin/stats?x=1\",\"count\":1,\"path\":\"/Patient\"}"
run "$SDSFHIR" search --all --server "$FHIR" 'Patient?_count=1'
is "a link with dot segments out of the base path (/fhir/../admin): refused" "$rc" 3
like "... said so" "$err" "the server sent a link outside"
fault "{\"nextLink\":\"http://127.0.0.1:$port/fhir/%2e%2e/admin/stats?x=1\",\"count\":1,\"path\":\"/Patient\"}"
run "$SDSFHIR" search --all --server "$FHIR" 'Patient?_count=1'
is "... and with encoded dot segments: refused" "$rc" 3
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
fhir_server_start --token "$TMP/token" --public-origin "http://localhost:$other"
for p in 1 2 3; do printf '{"resourceType":"Patient","name":[{"family":"P%s"}]}' $p >"$TMP/p.json"
	curl -s -o /dev/null -H "Authorization: Bearer good-token-1" -H 'Content-Type: application/fhir+json' \
		--data-binary @"$TMP/p.json" "$FHIR/Patient"; done
run "$SDSFHIR" search --all --server "$FHIR/" 'Patient?_count=1'
is "a server behind a proxy, whose links name its own host: paged (exit 0)" "$rc" 0
like "... every page read" "$out" "^3 shown of 3"
check "... and nothing, no token, reached the host its links name" test ! -s "$TMP/other.log"

# 2. tokens that would add headers; a long token
printf 'good-token-1\r\nX-Evil: 1\n' >"$TMP/evil-token"
chmod 600 "$TMP/evil-token"
run env -u SDSFHIR_TOKEN "$SDSFHIR" search --server "$FHIR" --token-file "$TMP/evil-token" 'Patient?name=x'
check "a token file with CR LF in it: refused (exit $rc)" test "$rc" -ne 0
like "... saying why" "$err" "control characters"
run env SDSFHIR_TOKEN="$(printf 'good-token-1\rX-Evil: 1')" "$SDSFHIR" search --server "$FHIR" 'Patient?name=x'
like "the same from the environment" "$err" "control characters"
is "... no such header reached the server" "$(curl -s "$ADMIN/stats" | jq -r '.lastHeaders["x-evil"] // "none"')" "none"
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
head -c 5000 /dev/zero | tr '\0' 'k' >"$TMP/long-token"
chmod 600 "$TMP/long-token"
fhir_server_start --token "$TMP/long-token"
run env -u SDSFHIR_TOKEN "$SDSFHIR" search --server "$FHIR" --token-file "$TMP/long-token" 'Patient?name=x'
is "a 5,000-character token is sent whole (it used to be cut at 4,177)" "$rc" 0
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
printf 'client-s3cret\n' >"$TMP/secret"
chmod 600 "$TMP/secret"
fhir_server_start --oauth-client cid --oauth-secret "$TMP/secret"
curl -s -X POST -d '{"access_token":"tok\r\nX-Evil: 1","token_type":"Bearer"}' "$ADMIN/token-reply" >/dev/null
run env -u SDSFHIR_TOKEN "$SDSFHIR" search --server "$FHIR" --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" \
	--oauth-client-id cid --oauth-secret-file "$TMP/secret" 'Patient?name=x'
is "a token endpoint's token with CR LF: refused (exit 6)" "$rc" 6
like "... saying why" "$err" "token with control characters: refused"

# 3. replies of the wrong shape: a clear error, never a crash
sample_data
for shape in '{}' '"x"' '7' 'null'; do
	fault "{\"body\":{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":$shape},\"count\":1,\"path\":\"/ImagingStudy\"}"
	run env -u SDSFHIR_TOKEN "$SDSFHIR" status --server "$FHIR" --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" \
		--oauth-client-id cid --oauth-secret-file "$TMP/secret" "$TMP/data/sparc_fhir_breast_dataset"
	if [ "$shape" = null ]; then
		is "status, entry null: a Bundle without entries (not on the server)" "$rc" 1
	else
		is "status, a Bundle whose entry is $shape: exit 3" "$rc" 3
		like "... the server sent an invalid Bundle: entry is not an array" "$err" "the server sent an invalid Bundle: entry is not an array"
	fi
done
for cmd in push bodysite; do
	fault '{"body":{"resourceType":"Bundle","type":"searchset","entry":{}},"count":1,"path":"/ImagingStudy"}'
	run env -u SDSFHIR_TOKEN "$SDSFHIR" $cmd --server "$FHIR" --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" \
		--oauth-client-id cid --oauth-secret-file "$TMP/secret" "$TMP/data/sparc_fhir_breast_dataset"
	is "$cmd, a Bundle whose entry is an object: exit 3, no crash" "$rc" 3
	like "... with the reason" "$err" "entry is not an array"
done
fault '{"body":{"resourceType":"Bundle","type":"transaction-response","entry":"x"},"count":1,"method":"POST"}'
run env -u SDSFHIR_TOKEN "$SDSFHIR" push --server "$FHIR" --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" \
	--oauth-client-id cid --oauth-secret-file "$TMP/secret" "$TMP/data/sparc_fhir_breast_dataset"
is "push, a transaction-response whose entry is a string: exit 3" "$rc" 3
like "... with the reason" "$out$err" "entry is not an array"
# the UI's search results: system null, series {}, name {}
printf '%s' '{"resourceType":"Bundle","type":"searchset","entry":[
 {"search":{"mode":"match"},"resource":{"resourceType":"ImagingStudy","id":"a","identifier":[{"system":null,"value":7}],"series":{},"subject":{"reference":3}}},
 {"search":{"mode":"match"},"resource":{"resourceType":"Patient","id":"b","name":{}}},
 {"search":{"mode":"match"},"resource":"not an object"},
 {"search":{"mode":"include"},"resource":{"resourceType":"Patient","id":"c","name":[{"given":{},"family":5}]}}]}' >"$TMP/evil.json"
fault "{\"body\":$(cat "$TMP/evil.json"),\"count\":1,\"path\":\"/ImagingStudy\"}"
printf ':wait\ns\n:type ImagingStudy?_count=5\n<Enter>\n:wait\n:dump %s\nq q\n' "$TMP/evil.screen" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x30 "$SDSFHIR" --no-server-state --server "$FHIR" --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" \
	--oauth-client-id cid --oauth-secret-file "$TMP/secret" "$TMP/data/sparc_fhir_breast_dataset" >/dev/null 2>&1
is "the UI survives search results of every wrong shape (exit 0)" "$?" 0
like "... and lists them" "$(cat "$TMP/evil.screen")" "Results: 2 shown"

# 7. a small gzip that inflates to 50 MB of {}, or to 30 million zeros (scalars count too):
# refused in bounded memory and time
bomb() {	# bomb FAULT: a search that meets it; the reply in $TMP/bomb.out, the peak RSS in $kb
	fault "$1"
	/usr/bin/time -f '%M %e' -o "$TMP/bomb.rss" env -u SDSFHIR_TOKEN "$SDSFHIR" search --server "$FHIR" \
		--oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" --oauth-client-id cid \
		--oauth-secret-file "$TMP/secret" 'Patient?name=x' >"$TMP/bomb.out" 2>&1
	kb=$(tail -1 "$TMP/bomb.rss" | cut -d' ' -f1)
}
bomb '{"gzipBomb":16700000,"count":1,"path":"/Patient"}'
like "a 50 MB inflated reply of {}: refused, saying why" "$(cat "$TMP/bomb.out")" "too many JSON values"
check "... in bounded memory ($kb kB; it took 13.5 GB)" test "$kb" -lt 600000
bomb '{"gzipBomb":30000000,"gzipItem":"0","count":1,"path":"/Patient"}'
like "a reply of 30 million zeros: refused, saying why" "$(cat "$TMP/bomb.out")" "too many JSON values"
check "... in bounded memory ($kb kB; it took 2.2 GB and 34 s)" test "$kb" -lt 600000

# 9. Retry-After as an HTTP-date: waited for
fhir_reset
when=$(date -u -d '+2 seconds' '+%a, %d %b %Y %H:%M:%S GMT')
fault "{\"status\":503,\"retryAfter\":\"$when\",\"count\":1,\"path\":\"/Patient\"}"
start=$(date +%s)
run env -u SDSFHIR_TOKEN "$SDSFHIR" search --server "$FHIR" --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" \
	--oauth-client-id cid --oauth-secret-file "$TMP/secret" 'Patient?name=x'
end=$(date +%s)
is "503 with an HTTP-date Retry-After: then it works" "$rc" 0
check "... after waiting for the date ($((end - start)) s)" test $((end - start)) -ge 1

# 10. credential hygiene: files others can read, plain http, --insecure, core dumps
chmod 644 "$TMP/secret"
run env -u SDSFHIR_TOKEN "$SDSFHIR" search --server "$FHIR" --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" \
	--oauth-client-id cid --oauth-secret-file "$TMP/secret" 'Patient?name=x'
like "a secret file others can read: warned, as ssh does" "$err" "warning: OAuth2 client secret file .* can be read by others"
chmod 600 "$TMP/secret"
run env -u SDSFHIR_TOKEN "$SDSFHIR" search --server "$FHIR" --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" \
	--oauth-client-id cid --oauth-secret-file "$TMP/secret" 'Patient?name=x'
unlike "... not when it is private" "$err" "can be read by others"
unlike "plain http to loopback: no warning" "$err" "plain http"
# a name that is not loopback by its spelling, and still reaches only this machine
run env SDSFHIR_TOKEN=t "$SDSFHIR" search --timeout 1 --retries 0 --server 'http://[::ffff:127.0.0.1]:9/fhir' 'Patient?name=x'
like "a token over plain http to another host: warned before anything is sent" "$err" "warning: credentials go to http://\\[::ffff:127\\.0\\.0\\.1\\]:9/fhir over plain http"

fault '{"delayMs":3000,"count":1,"path":"/Patient"}'
(ulimit -c unlimited 2>/dev/null; exec env -u SDSFHIR_TOKEN ASAN_OPTIONS=disable_coredump=0:abort_on_error=1 "$SDSFHIR" search --server "$FHIR" --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/token" \
	--oauth-client-id cid --oauth-secret-file "$TMP/secret" 'Patient?name=x') >/dev/null 2>&1 &
cli=$!
sleep 1
is "with a secret loaded, no core dump (RLIMIT_CORE 0)" "$(awk '/Max core file size/ { print $5 " " $6 }' /proc/$cli/limits 2>/dev/null)" "0 0"
wait $cli

kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
fhir_server_start
# a server that ignores identifier= and answers with another study: bodysite writes nothing
sample_data
S=$TMP/data/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1
other='{"resourceType":"Bundle","type":"searchset","entry":[{"search":{"mode":"match"},"resource":{"resourceType":"ImagingStudy","id":"other-ct","meta":{"versionId":"1"},"status":"available","subject":{"reference":"Patient/someone-else"},"identifier":[{"system":"urn:dicom:uid","value":"urn:oid:1.2.3.4.5"}],"series":[{"uid":"1.2.3.4.5.1","modality":{"code":"CT"},"bodySite":{"system":"http://snomed.info/sct","code":"51185008"}}]}}]}'
fault "{\"body\":$other,\"count\":5,\"path\":\"/ImagingStudy\",\"method\":\"GET\"}"
run env -u SDSFHIR_TOKEN "$SDSFHIR" bodysite --server "$FHIR" --code breast "$S"
is "bodysite against a server that answers with another study: exit 3" "$rc" 3
like "... naming both" "$out" "^failed +the server sent a resource that is not the one to write \\(it carries another StudyInstanceUID, urn:dicom:uid\\|urn:oid:2\\.25\\.[0-9]+ wanted\\): not changed"
is "... nothing was written (no PUT)" "$(curl -s "$ADMIN/stats" | jq -r .lastHeaders[\"content-type\"])" null
run env SDSFHIR_TOKEN=t "$SDSFHIR" search --insecure --server "$FHIR" 'Patient?name=x'
like "--insecure: warned" "$err" "warning: TLS certificates are not checked"
done_testing
