#!/bin/sh
# The core library links without ncurses: no curses header in core sources, no curses symbol in libsdsfhir.a.
. "$top_srcdir/tests/lib.sh"

core=$(ls "$top_srcdir"/src/*.c "$top_srcdir"/src/*.cc "$top_srcdir"/src/*.h | grep -v '/ui[_.]')
hits=$(grep -lE '#[[:space:]]*include[[:space:]]*[<"][^>"]*curses' $core 2>/dev/null || true)
is "no core source includes a curses header" "$hits" ""
check "core library exists" test -s "$CORE_LIB"
syms=$(${NM:-nm} -u "$CORE_LIB" 2>/dev/null | grep -E ' (initscr|newterm|wrefresh|endwin|getch|wgetch|newwin|mvwaddstr|doupdate)$' || true)
is "core library needs no curses symbol" "$syms" ""
# the unit tests are linked without ncurses and run: their link line has no curses
for t in test_intern test_dicom test_dataset test_fhir; do
	bin="$top_builddir/tests/unit/$t"
	check "$t is built" test -x "$bin"
	libs=$(ldd "$bin" 2>/dev/null | grep -c curses)
	is "$t does not link ncurses" "$libs" "0"
done
done_testing
