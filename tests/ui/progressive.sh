#!/bin/sh
# The tree fills in while the scan runs: subjects appear with their counts growing, keys
# answer, and when the scan ends the cursor and a mark stay on the subject they were on.
# The dataset is 3 subjects of 128 hard links each to one DICOM file with a sequence of 20,000
# items in group 0008 (read, not skipped: it comes before the last tag sdsfhir reads), slow
# enough to read that the scan lasts a few seconds. (A sequence after that tag, as this test
# had, is passed over, and a fast machine finished the scan before the keys came.)
. "$top_srcdir/tests/lib.sh"
export XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache"
command -v dump2dcm >/dev/null || { echo "Bail out! dump2dcm is needed (Debian package dcmtk)"; exit 1; }
tmux_session
dcmdump -q +E "$(ls "$top_srcdir"/data/sparc_fhir_breast_dataset/primary/sub-*/sam-1/*.dcm | head -1)" |
	grep -v 'PixelData' >"$TMP/heavy.dump"
awk 'BEGIN { print "(0008,1140) SQ (Sequence with undefined length)"
	for (i = 0; i < 20000; i++) printf "(fffe,e000) na (Item)\n(0008,1150) UI [1.2.%d]\n(fffe,e00d) na (ItemDelimitationItem)\n", i
	print "(fffe,e0dd) na (SequenceDelimitationItem)" }' >>"$TMP/heavy.dump"
dump2dcm -q "$TMP/heavy.dump" "$TMP/heavy.dcm" || exit 1
for s in 1 2 3; do
	d="$TMP/ds/primary/sub-$s/sam-1"
	mkdir -p "$d" && ln "$TMP/heavy.dcm" "$d/1.dcm" || exit 1
	for k in 1 2 3 4 5 6 7; do	# 2^7 files by doubling
		cp -al "$d" "$d.new" && mv "$d.new" "$d/x$k" || exit 1
	done
done
is "the dataset: 384 files" "$(find "$TMP/ds" -type f | wc -l | tr -d ' ')" 384

t new-session -d -x 100 -y 24 -s ui \
	"env TERM=xterm-256color '$SDSFHIR' --no-server-state '$TMP/ds' 2>>'$TMP/ui.stderr'; echo \$? > '$TMP/exit'; sleep 30"
tmux_like "subjects show while the scan runs, with files read of found" "sub-2 \([0-9]+/128\)"
tmux_like "... the dataset too, once every folder is listed" "v ds \([0-9]+/384 files read\)"
read_count() { tmux_capture | sed -n 's/.*v ds (\([0-9]*\)\/384 files read).*/\1/p'; }
first=$(read_count)
i=0
while [ "$(read_count)" = "$first" ] && [ -n "$first" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
second=$(read_count)
check "the counts grow ($first, then $second)" test -n "$second" -a "${second:-0}" -gt "${first:-0}"
t send-keys -t ui j j
tmux_like "keys answer during the scan: the cursor on sub-2, its detail" "subject sub-2: still scanning"
t send-keys -t ui Space
tmux_like "Space marks sub-2 during the scan (the cursor goes on to sub-3)" "subject sub-3: still scanning"
t send-keys -t ui k
tmux_like "the scan ends" "scanned 384 files" 600
s=$(tmux_capture)
like "the cursor stayed on sub-2: its tags" "$s" "\|subject sub-2"
like "the mark stayed on sub-2" "$s" "^\* .*sub-2 \(128\)"
unlike "no outline counts left" "$s" "/128\)"
t send-keys -t ui q
i=0; while [ ! -s "$TMP/exit" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
is "q: exit 0" "$(cat "$TMP/exit" 2>/dev/null)" 0
done_testing
