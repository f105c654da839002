# Shared helpers for the shell tests: TAP output, temporary folders, assertions.
# Source it; SDSFHIR, top_srcdir and top_builddir come from make check.
set -u
: "${SDSFHIR:?run through make check}"
: "${top_srcdir:?run through make check}"
tap_n=0
tap_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sdsfhir-test.XXXXXX")
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT

# pass|fail with a description
tap() {
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# check DESC CMD...: the command succeeds
check() {
	d=$1; shift
	if "$@" >"$TMP/.out" 2>&1; then tap 0 "$d"; else
		tap 1 "$d"; sed 's/^/#   /' "$TMP/.out" | head -20
	fi
}

# is DESC GOT WANT: equal strings
is() {
	if [ "$2" = "$3" ]; then tap 0 "$1"; else
		tap 1 "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3"
	fi
}

# like DESC TEXT PATTERN: TEXT matches the grep -E pattern
like() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then tap 0 "$1"; else
		tap 1 "$1"; printf '%s\n' "$2" | head -20 | sed 's/^/#   /'; echo "#   wanted: /$3/"
	fi
}

# unlike DESC TEXT PATTERN: TEXT does not match
unlike() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		tap 1 "$1"; printf '%s\n' "$2" | grep -E -- "$3" | head -5 | sed 's/^/#   /'
	else tap 0 "$1"; fi
}

# run CMD...: sets $out (stdout), $err (stderr) and $rc
run() {
	"$@" >"$TMP/.stdout" 2>"$TMP/.stderr"
	rc=$?
	out=$(cat "$TMP/.stdout")
	err=$(cat "$TMP/.stderr")
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
}

# A copy of the sample datasets in $TMP/data (tests never touch data/ itself).
sample_data() {
	cp -R "$top_srcdir/data" "$TMP/data"
	chmod -R u+w "$TMP/data"
}
