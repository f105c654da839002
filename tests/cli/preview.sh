#!/bin/sh
# sdsfhir preview: the image of an instance, or of each series of a folder, in the terminal.
# The images are made here (tests/images/make.py with pydicom; dcmtk's dcmcrle, dcmcjpeg and
# dcmcjpls compress them). A gradient dark on the left and bright on the right must show dark
# cells left and bright cells right, in every transfer syntax alike.
. "$top_srcdir/tests/lib.sh"
export LC_ALL=C.UTF-8	# cells are characters: sed counts them, not bytes
/usr/bin/python3 -c 'import pydicom, numpy' 2>/dev/null || { echo "Bail out! pydicom and numpy are needed (Debian package python3-pydicom)"; exit 1; }
I=$TMP/img
mkdir -p "$I"
/usr/bin/python3 "$top_srcdir/tests/images/make.py" "$I" || exit 1
dcmcrle "$I/grad.dcm" "$I/grad-rle.dcm" && dcmcjpeg "$I/grad.dcm" "$I/grad-jpl.dcm" && dcmcjpls "$I/grad.dcm" "$I/grad-jls.dcm" || exit 1
/usr/bin/python3 - "$I" <<'PY' || exit 1
import sys, pydicom
d = sys.argv[1]
ds = pydicom.dcmread(f"{d}/grad-rle.dcm"); ds.Rows = 32; ds.save_as(f"{d}/rle-short.dcm")    # decodes to twice its size
ds = pydicom.dcmread(f"{d}/grad-jpl.dcm"); ds.Rows = 32; ds.save_as(f"{d}/jpl-short.dcm")
ds = pydicom.dcmread(f"{d}/grad-jls.dcm"); ds.Rows = 32; ds.save_as(f"{d}/jls-short.dcm")
ds = pydicom.dcmread(f"{d}/grad-jpl.dcm"); ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.90"
ds.save_as(f"{d}/j2k.dcm")     # JPEG 2000: no decoder here
PY
pv() { NO_COLOR=1 "$SDSFHIR" preview --size 32x8 "$@"; }

out=$(pv "$I/grad.dcm"); rc=$?
is "a gradient: exit 0" "$rc" 0
like "... a line naming it: size, photometric, frame, window from the header" "$out" \
	"grad\\.dcm: 128x64 MONOCHROME2, frame 1 of 1, window 2048/4096 \\(header\\)"
pic=$(printf '%s\n' "$out" | sed 1d)
is "... 8 rows of cells (32x8 fits 128x64)" "$(printf '%s\n' "$pic" | wc -l | tr -d ' ')" 8
# symbols only (NO_COLOR): a dark cell is a blank, a bright one a full block
is "... dark on the left: the first 4 cells of every row are blank" \
	"$(printf '%s\n' "$pic" | sed 's/^\(....\).*/\1/' | sort -u)" "    "
is "... bright on the right: the last 4 cells of every row are full blocks" \
	"$(printf '%s\n' "$pic" | sed 's/.*\(....\)$/\1/' | sort -u)" "████"
unlike "... NO_COLOR: no colour escapes" "$out" "$(printf '\033')\\["
m1=$(pv "$I/grad-m1.dcm" | sed 1d)
is "MONOCHROME1 inverts: bright on the left" "$(printf '%s\n' "$m1" | sed 's/^\(....\).*/\1/' | sort -u)" "████"
is "... dark on the right" "$(printf '%s\n' "$m1" | sed 's/.*\(....\)$/\1/' | sort -u)" "    "
for z in rle jpl jls; do
	is "$z: the same cells as the uncompressed image" "$(pv "$I/grad-$z.dcm" | sed 1d)" "$pic"
done
like "no window in the header: a histogram window" "$(pv "$I/grad-nowin.dcm" | head -1)" "window [0-9.]+/[0-9.]+ \\(histogram\\)"
like "--window sets it" "$(pv --window 100,50 "$I/grad.dcm" | head -1)" "window 100/50 \\(given\\)"
g256=$(TERM=xterm-256color "$SDSFHIR" preview --size 32x8 "$I/grad.dcm" | sed -n 2p)
like "256 colours: the row starts in black (index 16 or 232)" "$g256" "^.{0,12}\\[[0-9;]*(5;16|5;232)[m;]"
like "... and ends in white (index 231 or 255)" "$g256" "5;(231|255)m[^[:cntrl:]]*.\\[0m\$"
red=$(TERM=xterm-256color "$SDSFHIR" preview --size 8x4 "$I/red.dcm")
like "RGB in colour: red is colour 196" "$red" "5;196m"
like "... named RGB, no window" "$(printf '%s\n' "$red" | head -1)" "red\\.dcm: 64x64 RGB, frame 1 of 1\$"
like "a multi-frame instance: frame 1 is dark" "$(pv --frame 1 "$I/frames.dcm")" "frame 1 of 3"
is "... its cells blank" "$(pv --frame 1 "$I/frames.dcm" | sed 1d | tr -d ' \n')" ""
is "... frame 3 is bright: all full blocks" "$(pv --frame 3 "$I/frames.dcm" | sed 1d | tr -d '█\n')" ""
out=$(pv --frame 4 "$I/frames.dcm"); rc=$?
like "... frame 4 of 3: says so" "$out" "no frame 4 of 3"
is "... exit 1" "$rc" 1
like "a header that claims 60000x60000: refused before any allocation" "$(pv "$I/huge.dcm")" \
	"not shown: the header claims 60000x60000 pixels"
like "no Pixel Data: says so" "$(pv "$I/nopixels.dcm")" "no image: the file has no Pixel Data"
like "an RLE frame that decodes to more than its header says: refused" "$(pv "$I/rle-short.dcm")" \
	"decodes to more than the header's Rows x Columns"
like "a JPEG-lossless frame larger than its header: refused" "$(pv "$I/jpl-short.dcm")" "error: cannot decode"
like "a JPEG-LS frame larger than its header: refused" "$(pv "$I/jls-short.dcm")" "error: cannot decode"
like "JPEG 2000: no decoder here, said" "$(pv "$I/j2k.dcm")" "no decoder here for its transfer syntax \\(JPEG 2000"
out=$(pv "$top_srcdir/data/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1"); rc=$?
is "a subject folder: exit 0" "$rc" 0
is "... one picture per series, by its middle instance (Instance Number)" "$(printf '%s\n' "$out" | grep -c 'IM0002\.dcm): 64x64')" 3
like "... named by series and description" "$out" "sub-Aniyah-breast-1/sam-2 T1 AX RIGHT \\(sam-2/IM0002\\.dcm\\)"
out=$(pv --format sixel "$I/grad.dcm" | sed -n 2p)
like "--format sixel: a sixel picture" "$(printf '%s' "$out" | head -c 20)" "$(printf '\033')P[0-9;]*q"
like "--format kitty: kitty graphics" "$(pv --format kitty "$I/grad.dcm" | sed -n 2p | head -c 20)" "$(printf '\033')_G"
"$SDSFHIR" preview --format png "$I/grad.dcm" >/dev/null 2>"$TMP/err"
is "--format png: usage error (exit 2)" "$?" 2
like "... says which formats" "$(cat "$TMP/err")" "symbols, sixel or kitty"

# real files other projects publish in Debian (python3-pydicom's test files): one MR slice in
# six encodings renders the same cells; colour, lossy JPEG, frames and damage as they come
P=/usr/lib/python3/dist-packages/pydicom/data/test_files
if [ -f "$P/MR_small.dcm" ]; then
	mr=$(pv "$P/MR_small.dcm" | sed 1d)
	like "pydicom's MR_small.dcm: 64x64 MONOCHROME2, its own window" "$(pv "$P/MR_small.dcm" | head -1)" "64x64 MONOCHROME2, frame 1 of 1, window"
	for f in MR_small_RLE MR_small_jpeg_ls_lossless MR_small_bigendian MR_small_implicit MR_small_expb; do
		is "$f.dcm: the same cells as MR_small.dcm" "$(pv "$P/$f.dcm" | sed 1d)" "$mr"
	done
	like "MR_small_jp2klossless.dcm (JPEG 2000): no decoder here, said" "$(pv "$P/MR_small_jp2klossless.dcm")" \
		"no decoder here for its transfer syntax \\(JPEG 2000"
	like "SC_rgb_rle_2frame.dcm: RGB, 2 frames" "$(pv --frame 2 "$P/SC_rgb_rle_2frame.dcm" | head -1)" "RGB, frame 2 of 2"
	like "SC_rgb_jpeg_dcmtk.dcm: JPEG colour, in colour" "$(TERM=xterm-256color "$SDSFHIR" preview --size 16x8 "$P/SC_rgb_jpeg_dcmtk.dcm")" \
		"5;(196|46|21|226)m"
	like "JPEG-lossy.dcm: decoded" "$(pv "$P/JPEG-lossy.dcm" | head -1)" "JPEG-lossy\\.dcm: [0-9]+x[0-9]+ MONOCHROME2"
	out=$(pv "$P/MR_truncated.dcm"); rc=$?
	like "MR_truncated.dcm: an error, no crash" "$out" "MR_truncated\\.dcm: error: "
	is "... exit 1" "$rc" 1
else
	echo "Bail out! pydicom's test files are needed (Debian package python3-pydicom)"
	exit 1
fi
mkfifo "$TMP/fifo"
like "a FIFO: not read (no hang)" "$(pv "$TMP/fifo")" "not a regular file"
done_testing
