#!/bin/sh
# sdsfhir never writes into a dataset folder.
. "$top_srcdir/tests/lib.sh"
sample_data
snap() { (cd "$TMP/data" && find . -printf '%p %s %T@ %m\n' | sort && find . -type f -exec md5sum {} + | sort); }
before=$(snap)
run "$SDSFHIR" scan "$TMP/data"
is "scan succeeds" "$rc" 0
run "$SDSFHIR" scan --json "$TMP/data"
is "scan --json succeeds" "$rc" 0
run "$SDSFHIR" tags "$TMP"/data/*/primary/*/*/*.dcm
is "tags succeeds" "$rc" 0
after=$(snap)
is "dataset files, sizes, times and modes unchanged" "$after" "$before"
# and it works on a read-only copy as a normal user would have it
chmod -R a-w "$TMP/data"
run "$SDSFHIR" scan "$TMP/data"
is "scan of a read-only dataset succeeds" "$rc" 0
like "and reads every instance" "$out" "total: 2 datasets, 4 subjects, 4 studies, 10 series, 30 instances$"
done_testing
