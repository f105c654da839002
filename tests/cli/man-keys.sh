#!/bin/sh
# The man page's KEYS section is what src/keys.def says (through sdsfhir --help-keys=man),
# and so is the ? help screen.
. "$top_srcdir/tests/lib.sh"
M=$top_srcdir/man/sdsfhir.1
sed -n '/keys-begin/,/keys-end/p' "$M" | sed '1d;$d' >"$TMP/man-keys"
"$SDSFHIR" --help-keys=man >"$TMP/table-keys"
check "man page KEYS section equals the action table" diff -u "$TMP/table-keys" "$TMP/man-keys"
n=$(grep -c '^KEY_ACTION' "$top_srcdir/src/keys.def")
is "every action of keys.def is in the man page" "$(grep -c '^\.TP' "$TMP/man-keys")" "$n"
printf '?\n:dump %s\nG\n:dump %s\nq q\n' "$TMP/help1" "$TMP/help2" >"$TMP/script"	# its first page and its last
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=120x40 "$SDSFHIR" "$top_srcdir/data" >/dev/null 2>&1
cat "$TMP/help1" "$TMP/help2" >"$TMP/help"
missing=0
"$SDSFHIR" --help-keys | while IFS= read -r line; do
	grep -qF -- "$line" "$TMP/help" || { echo "# not in the help screen: $line"; exit 1; }
done || missing=1
is "every action is on the ? help screen, as in the table" "$missing" 0
like "help screen title" "$(cat "$TMP/help")" "Keys \(q or Esc closes\)"
done_testing
