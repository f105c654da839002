#!/bin/sh
# The scan cache: outside the dataset, used when files are unchanged, re-read when they
# change, dropped when they go, and a corrupt or foreign cache is ignored and rebuilt.
. "$top_srcdir/tests/lib.sh"
export XDG_CACHE_HOME="$TMP/cache"
sample_data
D=$TMP/data/sparc_fhir_breast_dataset
C=$XDG_CACHE_HOME/sdsfhir
body() { jq -c 'del(.cache)' "$TMP/.stdout"; }

run "$SDSFHIR" scan --json "$D"
is "first scan: nothing from the cache" "$(jq .cache.from_cache "$TMP/.stdout")" 0
first=$(body)
check "the cache is written under XDG_CACHE_HOME/sdsfhir" test -n "$(ls "$C"/*.scan 2>/dev/null)"
is "it holds patient names: 0600" "$(stat -c %a "$C"/*.scan)" 600
is "nothing written into the dataset" "$(find "$D" -newer "$TMP/.stdout" -type f | wc -l | tr -d ' ')" 0
stamp() { stat -c '%i %s' "$C"/*.scan; }
before=$(stamp)
run "$SDSFHIR" scan --json "$D"
is "second scan: all 15 files from the cache" "$(jq .cache.from_cache "$TMP/.stdout")" 15
is "second scan: the same tree" "$(body)" "$first"
is "nothing changed: the cache file is not rewritten" "$(stamp)" "$before"

# a changed file is read again
F=$D/primary/sub-Aniyah-breast-1/sam-2/IM0002.dcm
dcmodify -nb -q -m "(0020,0013)=42" "$F"
run "$SDSFHIR" scan --json "$D"
is "one changed file: 14 from the cache" "$(jq .cache.from_cache "$TMP/.stdout")" 14
is "its new value is seen" "$(jq -r '[.datasets[0].subjects[0].studies[0].series[1].instances[].number] | join(",")' "$TMP/.stdout")" "1,3,42"
# an edit in place that keeps the size and puts the mtime back is seen too (ctime and inode)
cp -p "$F" "$TMP/stamp"
dcmodify -nb -q -m "(0020,0013)=43" "$F"
touch -r "$TMP/stamp" "$F"
is "(the edit kept the size)" "$(wc -c <"$F")" "$(wc -c <"$TMP/stamp")"
run "$SDSFHIR" scan --json "$D"
is "an edit with the size kept and the mtime restored is read again" \
	"$(jq -r '[.datasets[0].subjects[0].studies[0].series[1].instances[].number] | join(",")' "$TMP/.stdout")" "1,3,43"
# a deleted file alone: the cache is rewritten without it
printf 'scratch\n' >"$D/primary/sub-Linman-breast-1/sam-1/scratch.dcm"
run "$SDSFHIR" scan --json "$D"
before=$(stamp)
rm "$D/primary/sub-Linman-breast-1/sam-1/scratch.dcm"
run "$SDSFHIR" scan --json "$D"
unlike "a file only deleted: the cache is rewritten" "$(stamp)" "^$before\$"
is "... all the rest from the cache" "$(jq .cache.from_cache "$TMP/.stdout")" 15
# a deleted file is dropped, a new one read
rm "$D/primary/sub-Linman-breast-1/sam-2/IM0003.dcm"
printf 'not dicom\n' >"$D/primary/sub-Linman-breast-1/sam-2/notes.dcm"
run "$SDSFHIR" scan --json "$D"
is "a deleted file is gone" "$(jq .totals.instances "$TMP/.stdout")" 14
is "a new file is read: its error" "$(jq -r '.datasets[0].subjects[1].files[0].error' "$TMP/.stdout")" "not DICOM: text file"
run "$SDSFHIR" scan --json "$D"
is "errors come from the cache too, the same" "$(jq -r '.datasets[0].subjects[1].files[0].error' "$TMP/.stdout")" "not DICOM: text file"
is "... and so does everything else" "$(jq .cache.from_cache "$TMP/.stdout")" 15

# corrupt and foreign caches are not trusted
f=$(ls "$C"/*.scan)
printf 'garbage' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
run "$SDSFHIR" scan --json "$D"
like "corrupt cache: a warning" "$err" "scan cache .* is corrupt.*ignored, rebuilt"
is "corrupt cache: nothing taken from it" "$(jq .cache.from_cache "$TMP/.stdout")" 0
is "corrupt cache: the right tree" "$(jq .totals.instances "$TMP/.stdout")" 14
run "$SDSFHIR" scan --json "$D"
is "rebuilt: used again" "$(jq .cache.from_cache "$TMP/.stdout")" 15
# read in pieces, its checksum checked once all is read: a cache cut short, and one whose record
# count is more than the file can hold, are not trusted either
head -c $(($(wc -c <"$f") - 20)) "$f" >"$f.x" && cat "$f.x" >"$f" && rm "$f.x"
run "$SDSFHIR" scan --json "$D"
like "a cache cut short: corrupt" "$err" "scan cache .* is corrupt"
is "a cache cut short: nothing taken from it" "$(jq .cache.from_cache "$TMP/.stdout")" 0
is "a cache cut short: the right tree" "$(jq .totals.instances "$TMP/.stdout")" 14
python3 -c 'import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
plen = struct.unpack_from("<I", d, 20)[0]
struct.pack_into("<I", d, 24 + plen, 0xFFFFFFF0)
open(sys.argv[1], "wb").write(d)' "$f"
run "$SDSFHIR" scan --json "$D"
like "a record count beyond the file: corrupt" "$err" "scan cache .* is corrupt"
is "... nothing taken from it" "$(jq .cache.from_cache "$TMP/.stdout")" 0
H=$TMP/data/sparc_fhir_heart_dataset
"$SDSFHIR" scan "$H" >/dev/null
hf=$(ls -t "$C"/*.scan | head -1)
cp "$hf" "$f"
run "$SDSFHIR" scan --json "$D"
like "another dataset's cache: not trusted" "$err" "not for this dataset"
is "another dataset's cache: nothing taken" "$(jq .cache.from_cache "$TMP/.stdout")" 0
: >"$f"
run "$SDSFHIR" scan --json "$D"
is "an empty cache file: ignored" "$(jq .cache.from_cache "$TMP/.stdout")" 0
is "... the scan still right" "$(jq .totals.instances "$TMP/.stdout")" 14

run "$SDSFHIR" scan --no-cache --json "$D"
is "--no-cache reads every file" "$(jq .cache.from_cache "$TMP/.stdout")" 0
chmod 000 "$C"
run "$SDSFHIR" scan --json "$D"
is "an unwritable cache folder does not stop the scan" "$(jq .totals.instances "$TMP/.stdout")" 14
chmod 700 "$C"
done_testing
