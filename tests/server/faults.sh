#!/bin/sh
# Faults: a server that is down, errors, slow replies, rate limits, bad credentials. Clear
# messages, documented exit codes, retries only where safe, no secret ever printed.
. "$top_srcdir/tests/lib.sh"
export XDG_CONFIG_HOME="$TMP/config"
D=$top_srcdir/data/sparc_fhir_breast_dataset

# down: a port nobody listens on
port=$(free_port)
run env SDSFHIR_SERVER="http://127.0.0.1:$port/fhir" "$SDSFHIR" search 'Patient?name=x'
is "server down: exit 5" "$rc" 5
like "server down: cannot reach <server>: <reason>" "$err" "^sdsfhir: cannot reach http://127\.0\.0\.1:$port/fhir/: .*(refused|connect)"
run env SDSFHIR_SERVER="http://127.0.0.1:$port/fhir" "$SDSFHIR" push "$D"
is "push to a server that is down: exit 5" "$rc" 5

fhir_server_start
export SDSFHIR_SERVER="$FHIR"

# a 500 once: reads are retried
fault '{"status":500,"count":1,"path":"/Patient"}'
run "$SDSFHIR" search -v 'Patient?name=x'
is "one 500 on a read: retried, exit 0" "$rc" 0
like "the log shows the 500 and then the retry" "$err" "GET .*Patient\?name=x -> 500 .*injected fault 500"
like "... and the 200" "$err" "GET .*Patient\?name=x -> 200"
# a 500 that does not go away
fault '{"status":500,"count":20,"path":"/Patient"}'
run "$SDSFHIR" search --retries 2 'Patient?name=x'
is "persistent 500: exit 3" "$rc" 3
like "the OperationOutcome is shown" "$err" "HTTP 500: injected fault 500"
fhir_reset

# 429 with Retry-After: waited for, then done
fault '{"status":429,"retryAfter":1,"count":1,"path":"/ImagingStudy"}'
start=$(date +%s)
run "$SDSFHIR" search 'ImagingStudy?_count=1'
end=$(date +%s)
is "429 with Retry-After: retried, exit 0" "$rc" 0
check "Retry-After was honoured (waited about a second)" test $((end - start)) -ge 1

# a reply slower than the time-out
fault '{"delayMs":4000,"count":1,"path":"/Patient"}'
run "$SDSFHIR" search --timeout 1 --retries 0 'Patient?name=x'
is "slow reply, no retries: exit 5" "$rc" 5
like "says it timed out" "$err" "time-out"

# a server that accepts and never answers: plain words, and the retries said with the time they took
sport=$(free_port)
${NODE:-node} -e 'require("net").createServer(() => {}).listen(+process.argv[1], "127.0.0.1")' "$sport" &
silent=$!
i=0; while ! curl -s -m 0.2 "http://127.0.0.1:$sport/" >/dev/null 2>&1 && [ $? -ne 28 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
run "$SDSFHIR" status --timeout 1 --retries 1 --server "http://127.0.0.1:$sport/fhir" "$top_srcdir/data/sparc_fhir_heart_dataset"
kill "$silent" 2>/dev/null
is "a silent server: exit 5" "$rc" 5
like "... said in plain words, not curl's 'Operation too slow'" "$err" "the server sent nothing for 1 s: it stopped answering"
unlike "... (curl's words are in the log)" "$err" "Operation too slow"
like "... with the tries and the time they took" "$err" "\(tried 2 times in [0-9.]+ s; --retries sets how many\)"
run "$SDSFHIR" search --server 'http://[::1' 'Patient?name=x'
like "a server address that is no URL: said so" "$err" "not a valid URL"
fhir_reset
fault '{"delayMs":4000,"count":1,"path":"/Patient"}'
run "$SDSFHIR" search --timeout 1 'Patient?name=x'
is "slow reply once: the retry succeeds" "$rc" 0
fhir_reset

# a transaction is retried (conditional entries only), and re-running creates nothing twice
fault '{"status":503,"count":1,"method":"POST"}'
run "$SDSFHIR" push "$D"
is "push through one 503: exit 0" "$rc" 0
like "push: 2 created after a retry (three searches: studies, subjects, Patients; the dataset's transaction twice, the studies')" "$out" "^push: 2 created; 6 requests"
is "no duplicates" "$(fhir_count ImagingStudy)" 2
fhir_reset

# a 409 serialization failure (Medplum on PostgreSQL, pushes at once) is retried too
fault '{"status":409,"text":"could not serialize access due to concurrent update","count":2,"method":"POST"}'
run "$SDSFHIR" push -v "$D"
is "push through two 409 serialization failures: exit 0" "$rc" 0
like "... 2 created after the retries" "$out" "^push: 2 created; 7 requests"
like "... the 409s in the log" "$err" "POST .* -> 409 .*could not serialize access"
is "... no duplicates" "$(fhir_count ImagingStudy)" 2
fhir_reset
fault '{"status":409,"text":"Version conflict","count":1,"method":"POST"}'
run "$SDSFHIR" push "$D"
is "another 409 is not retried: exit 3 (refused)" "$rc" 3
like "... said" "$err" "HTTP 409: Version conflict"
kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=""

# bearer tokens
printf 's3cr3t-t0ken-abc\n' >"$TMP/token"
printf 'wrong-t0ken-xyz\n' >"$TMP/wrong"
fhir_server_start --token "$TMP/token"
export SDSFHIR_SERVER="$FHIR"
run "$SDSFHIR" search 'Patient?name=x'
is "no token: exit 6" "$rc" 6
like "no token: says how to give one" "$err" "HTTP 401 .*no credentials were sent: see SDSFHIR_TOKEN"
run env SDSFHIR_TOKEN=wrong-t0ken-xyz "$SDSFHIR" search -v 'Patient?name=x'
is "invalid token: exit 6" "$rc" 6
like "invalid token: clear message" "$err" "HTTP 401 .*the credentials were refused"
unlike "invalid token: not printed" "$out$err" "wrong-t0ken"
run "$SDSFHIR" search --token-file "$TMP/wrong" 'Patient?name=x'
is "invalid token file: exit 6" "$rc" 6
run env SDSFHIR_TOKEN=s3cr3t-t0ken-abc "$SDSFHIR" push -v "$D"
is "valid token from the environment: exit 0" "$rc" 0
unlike "the token is not in the log" "$out$err" "s3cr3t"
run "$SDSFHIR" search --token-file "$TMP/token" 'ImagingStudy?_count=5'
is "valid token from --token-file: exit 0" "$rc" 0
run "$SDSFHIR" search --token s3cr3t-t0ken-abc 'Patient?name=x'
is "a token on the command line is refused: exit 2" "$rc" 2
like "and says where to put it" "$err" "never taken on the command line"
mkdir -p "$TMP/config/sdsfhir"
printf 'server = %s\ntoken_file = %s\ntimeout = 5\n' "$FHIR" "$TMP/token" >"$TMP/config/sdsfhir/config"
run env -u SDSFHIR_SERVER "$SDSFHIR" search 'ImagingStudy?_count=5'
is "server and token file from the config file" "$rc" 0
rm "$TMP/config/sdsfhir/config"
printf 'sever = x\n' >"$TMP/bad.conf"
run "$SDSFHIR" search --config "$TMP/bad.conf" 'Patient?name=x'
is "config file with an unknown key: exit 2" "$rc" 2
like "names the line" "$err" "bad.conf, line 1: unknown setting 'sever'"
kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=""

# OAuth2 client credentials, with tokens that expire after 2 requests
printf 'client-s3cret-42\n' >"$TMP/secret"
fhir_server_start --oauth-client sdsfhir-test --oauth-secret "$TMP/secret" --oauth-token-uses 2
export SDSFHIR_SERVER="$FHIR"
oauth="--oauth-token-url http://127.0.0.1:$(cat "$TMP/port")/oauth/token --oauth-client-id sdsfhir-test"
run env SDSFHIR_CLIENT_SECRET=client-s3cret-42 "$SDSFHIR" push -v --batch 1 $oauth "$D"
is "OAuth2: push with renewals, exit 0" "$rc" 0
like "OAuth2: both studies" "$out" "^push: 2 created"
issued=$(curl -s "$ADMIN/stats" | jq .tokensIssued)
check "OAuth2: the token was renewed on 401 ($issued tokens)" test "$issued" -ge 2
unlike "OAuth2: the secret is not printed" "$out$err" "s3cret"
run "$SDSFHIR" search --oauth-secret-file "$TMP/secret" $oauth 'ImagingStudy?_count=5'
is "OAuth2: secret from a file" "$rc" 0
run env SDSFHIR_CLIENT_SECRET=not-the-secret "$SDSFHIR" search $oauth 'Patient?name=x'
is "OAuth2: wrong secret, exit 6" "$rc" 6
like "OAuth2: clear message with the server's error_description" "$err" "refused the client credentials \(HTTP 401: invalid_client: Invalid secret\)"
unlike "OAuth2: wrong secret not printed" "$out$err" "not-the-secret"
run env SDSFHIR_CLIENT_SECRET=client-s3cret-42 "$SDSFHIR" search --oauth-token-url "http://127.0.0.1:$(cat "$TMP/port")/oauth/no-such" \
	--oauth-client-id sdsfhir-test 'Patient?name=x'
like "OAuth2: a token URL that is not there is said to be not found, not a refusal" "$err" \
	"the OAuth2 token URL http://127.0.0.1:[0-9]+/oauth/no-such was not found: check --oauth-token-url \(HTTP 404\)"

# headers and TLS options
run "$SDSFHIR" search --oauth-secret-file "$TMP/secret" $oauth 'Patient?name=x'
is "User-Agent names the version" "$(curl -s "$ADMIN/stats" | jq -r '.lastHeaders["user-agent"]')" "sdsfhir/$("$SDSFHIR" --version | cut -d' ' -f2) libcurl/$(curl -V | head -1 | cut -d' ' -f2)"
is "Accept is FHIR JSON" "$(curl -s "$ADMIN/stats" | jq -r '.lastHeaders.accept')" "application/fhir+json"
run env SDSFHIR_SERVER="https://127.0.0.1:$(cat "$TMP/port")/fhir" "$SDSFHIR" search 'Patient?name=x'
is "https to a plain HTTP port: exit 5" "$rc" 5
run env SDSFHIR_SERVER="http://user:pw@127.0.0.1:1/fhir" "$SDSFHIR" search 'Patient?name=x'
is "credentials in the URL are refused: exit 2" "$rc" 2
like "and netrc is suggested" "$err" "netrc"

# a wrong base path: the server's HTML 404 page is not printed
run env SDSFHIR_SERVER="http://127.0.0.1:$(cat "$TMP/port")/wrong/base" "$SDSFHIR" search 'Patient?name=x'
is "wrong base path: exit 3" "$rc" 3
like "wrong base path: HTTP 404 from the URL, not a FHIR endpoint" "$err" "HTTP 404 from http://127\.0\.0\.1:[0-9]+/wrong/base/[^ ]*: not a FHIR endpoint"
unlike "wrong base path: no HTML" "$err" "<|DOCTYPE|Cannot GET"
done_testing
