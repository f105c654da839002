#!/bin/sh
# Faults in the middle of the work: a connection reset after the server committed a
# transaction, a reply cut in half, a 200 that is not JSON, a server that pages forever.
# sdsfhir reports each clearly, retries only what is safe, and once the fault is gone a
# re-run leaves every resource on the server exactly once.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CONFIG_HOME="$TMP/config"
D=$top_srcdir/data
exactly_once() {	# after a clean re-run: 2 Patients, 4 ImagingStudies, each once
	run "$SDSFHIR" push "$D"
	is "$1: re-run after the fault succeeds" "$rc" 0
	is "$1: 2 Patients" "$(fhir_count Patient)" 2
	is "$1: 4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
	for uid in 2.25.31415926535897932384626433832010100000 2.25.31415926535897932384626433832010200000 \
		2.25.31415926535897932384626433832020100000 2.25.31415926535897932384626433832020200000; do
		n=$(fhir_count ImagingStudy "identifier=urn:dicom:uid|urn:oid:$uid")
		[ "$n" = 1 ] || { is "$1: study $uid once" "$n" 1; return; }
	done
	tap 0 "$1: every study exactly once"
}

# the connection drops after the transaction was committed: the retry finds it done (what the
# studies refer to is written first, so that the first POST is the studies' transaction)
"$SDSFHIR" patient "$D" >/dev/null
before=$(curl -s "$ADMIN/stats" | jq .requests)
fault '{"reset":true,"count":1,"method":"POST"}'
run "$SDSFHIR" push -v "$D"
is "reset after commit: push succeeds (the transaction is retried)" "$rc" 0
like "reset after commit: the first attempt had committed, the retry found the studies (updated, not doubled)" "$out" "^push: 4 updated"
is "reset after commit: the server saw the transaction twice (fault, metadata, 2 searches, 2 POSTs, this stats call)" "$(($(curl -s "$ADMIN/stats" | jq .requests) - before))" 7
exactly_once "reset after commit"

# the reset every time, after the commit: not retried forever; each lost answer is read back
fhir_reset
fault '{"reset":true,"count":20,"method":"POST"}'
run "$SDSFHIR" push --retries 2 "$D"
is "reset every time, after each commit: the studies read back, done (exit 0)" "$rc" 0
like "... said so" "$out" "^created +ImagingStudy/[^ ]+ \\(its answer was lost: read back, it is on the server\\)"
fhir_reset
exactly_once "after resets"

# a reply cut in half
fault '{"truncate":true,"count":1,"path":"/ImagingStudy"}'
run "$SDSFHIR" search -v 'ImagingStudy?_count=10'
is "truncated reply to a read: retried, exit 0" "$rc" 0
like "truncated reply: logged" "$err" "GET .*ImagingStudy\?_count=10 -> no reply .*(transfer closed|Transferred a partial file)"
fault '{"truncate":true,"count":20,"path":"/ImagingStudy"}'
run "$SDSFHIR" search --retries 1 'ImagingStudy?_count=10'
is "truncated every time: exit 5" "$rc" 5
like "truncated every time: a clear message" "$err" "partial|transfer closed"
fhir_reset
exactly_once "after truncated replies"

# a 200 that is not JSON, to the transaction and to the search before it
fhir_reset
fault '{"invalidJson":true,"count":1,"method":"POST"}'
run "$SDSFHIR" push "$D"
is "invalid JSON reply to the first dataset's transaction: exit 1 (the other dataset's studies pushed)" "$rc" 1
like "invalid JSON reply: a clear message" "$err" "not valid JSON"
like "... and its studies failed, saying why" "$out" "^failed +its dataset's ResearchStudy was not written: .*not valid JSON"
fault '{"invalidJson":true,"count":1,"method":"GET","path":"/ImagingStudy"}'
run "$SDSFHIR" push "$D"
is "invalid JSON reply to the search: exit 3" "$rc" 3
like "invalid JSON reply to the search: a clear message" "$err" "not valid JSON"
fhir_reset
exactly_once "after an invalid reply"

# paging forever
fault '{"pageForever":true,"count":1,"path":"/ImagingStudy"}'
run "$SDSFHIR" search --all 'ImagingStudy?_count=2'
is "next links in a loop: exit 3" "$rc" 3
like "next links in a loop: said, and stopped" "$err" "next links go round in a loop"
fhir_reset
exactly_once "after paging forever"

# a server killed in the middle of a push: the next run completes it, once
kill "$server_pid"; wait "$server_pid" 2>/dev/null
fhir_server_start
export SDSFHIR_SERVER="$FHIR"
run "$SDSFHIR" push --batch 1 "$D"
is "a fresh server: push" "$rc" 0
exactly_once "after a server restart"
done_testing
