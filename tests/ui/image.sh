#!/bin/sh
# The Image view (4) in a real terminal (tmux, 256 colours): a gradient dark on the left and
# bright on the right shows dark cells left and bright cells right; a study is a sheet of its
# series; [ ] step through a series' instances and a multi-frame instance's frames; ( ) { } =
# change and reset the window; moving on never waits for a picture.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8 XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache"
/usr/bin/python3 -c 'import pydicom, numpy' 2>/dev/null || { echo "Bail out! pydicom and numpy are needed (Debian package python3-pydicom)"; exit 1; }
tmux_session
I=$TMP/img
mkdir -p "$I"
/usr/bin/python3 "$top_srcdir/tests/images/make.py" "$I" || exit 1
D=$TMP/ds
mkdir -p "$D/primary/sub-1/sam-1" "$D/primary/sub-1/sam-2"
cp "$I/grad.dcm" "$D/primary/sub-1/sam-1/1.dcm"
cp "$I/frames.dcm" "$D/primary/sub-1/sam-2/1.dcm"
/usr/bin/python3 - "$D/primary/sub-1" <<'PY' || exit 1
import sys, pydicom
d = sys.argv[1]     # one study, two series (numbers 1 and 2)
for k, (sam, desc) in enumerate([("sam-1", "GRADIENT"), ("sam-2", "THREE FRAMES")], 1):
    ds = pydicom.dcmread(f"{d}/{sam}/1.dcm")
    ds.StudyInstanceUID = "1.2.3.4"
    ds.SeriesNumber, ds.SeriesDescription, ds.InstanceNumber = k, desc, 1
    ds.save_as(f"{d}/{sam}/1.dcm")
PY
t new-session -d -x 100 -y 30 -s ui \
	"env TERM=xterm-256color '$SDSFHIR' --no-server-state '$D' 2>>'$TMP/ui.stderr'; echo \$? > '$TMP/exit'; sleep 30"
tmux_wait "scanned 2 files" || { echo "Bail out! the UI did not start"; tmux_capture | sed 's/^/# /'; exit 1; }
keys() { t send-keys -t ui "$@"; sleep 0.3; }
keys j 4
tmux_like "4 on a subject: the Image view, a sheet of its series" "the middle instance of each series"
tmux_like "... each named by number and description" "#1 GRADIENT .*#2 THREE FRAMES"
like "the title names the view" "$(tmux_capture | head -1)" "\\| Image\$"
keys j
tmux_like "a series: its instance, its size and window" "128x64 MONOCHROME2, frame 1 of 1, window 2048/4096 \\(header\\)"
tmux_like "... which instance of how many" "1\\.dcm: instance 1 of 1"
# the picture's rows, with colours: the first cell of a row dark, the last bright
rows=$(t capture-pane -e -p -t ui | sed -n '6,12p')
first=$(printf '%s\n' "$rows" | sed -n 3p)
like "a row of the gradient starts dark (black: colour 16 or 232)" "$(printf '%s' "$first" | cut -d'|' -f2- | head -c 60)" \
	"(38|48);5;(16|232)m"
like "... and ends bright (white: colour 231 or 255)" "$(printf '%s' "$first" | tail -c 80)" "(38|48);5;(231|255)m"
keys ')'
tmux_like ") moves the window center up" "window 2457\\.6/4096 \\(given\\)"
keys '{'
tmux_like "{ narrows it" "window 2457\\.6/3276\\.8 \\(given\\)"
keys =
tmux_like "= the file's window again" "window 2048/4096 \\(header\\)"
keys j
tmux_like "a multi-frame instance: frame 1 of 3" "32x32 MONOCHROME2, frame 1 of 3"
keys ']'
tmux_like "] its next frame" "frame 2 of 3"
keys ']' ']'
tmux_like "... the last is the last" "frame 3 of 3"
keys '['
tmux_like "[ the one before" "frame 2 of 3"
keys 1
tmux_like "1: the tags again" "PatientName"
keys q
tmux_wait "." 5
check "q: exit 0" test "$(cat "$TMP/exit" 2>/dev/null)" = 0
done_testing
