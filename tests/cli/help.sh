#!/bin/sh
# The command line: every command's --help, the nearest command for a typo, the man page
# names every command, paths shown normalised.
. "$top_srcdir/tests/lib.sh"
run "$SDSFHIR" --help
is "--help: exit 0" "$rc" 0
cmds=$(printf '%s\n' "$out" | sed -n 's/^  \([a-z]*\) .*/\1/p' | grep -v '^$')
like "--help lists the commands" "$(echo $cmds)" "^scan tags preview fhir export patient push bodysite status retract search$"
for c in $cmds; do
	run "$SDSFHIR" "$c" --help
	is "$c --help: exit 0" "$rc" 0
	like "$c --help: its own usage" "$out" "^Usage: sdsfhir $c "
done
run "$SDSFHIR" push -h
is "push -h: the same" "$rc $(printf '%s' "$out" | head -1 | cut -c1-19)" "0 Usage: sdsfhir push"
run "$SDSFHIR" psuh data
is "a misspelt command: exit 2" "$rc" 2
like "... with the nearest command" "$err" "did you mean push\\?"
run "$SDSFHIR" sacn
like "sacn: scan" "$err" "did you mean scan\\?"
run "$SDSFHIR" frobnicate
unlike "nothing near: no suggestion" "$err" "did you mean"
man=$(sed -n '/^\.SH COMMANDS/,/^\.SH SERVER OPTIONS/p' "$top_srcdir/man/sdsfhir.1" | sed -n 's/^\.B \([a-z]*\).*/\1/p' | tr '\n' ' ')
for c in $cmds; do
	like "the man page's COMMANDS has $c" "$man" "(^| )$c( |$)"
	like "the man page's SYNOPSIS has $c" "$(sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$top_srcdir/man/sdsfhir.1")" "^\\.B sdsfhir $c\$"
done
mkdir -p "$TMP/a"
run "$SDSFHIR" scan "$TMP/a//none/" "$TMP/a"
like "paths are shown normalised" "$out" "^file $TMP/a/none\$"
unlike "... without //" "$out" "//"
done_testing
