#!/bin/sh
# Files other readers read: cut short, re-encoded against their meta header, with wrong
# delimiters. Made by dcmtk's dump2dcm, then cut or patched on purpose. Each instance counts,
# and its problem is kept as a warning.
. "$top_srcdir/tests/lib.sh"
T=$TMP/ds/primary
U=1.2.826.0.1.3680043.10.94
one() {	# NAME N [mkdcm lines...]: a file of its own study
	name=$1 n=$2; shift 2
	mkdcm "$T/sub-$name/sam-1/a.dcm" "(0020,000d) UI [$U.$n]" "(0020,000e) UI [$U.$n.1]" "(0008,0018) UI [$U.$n.1.1]" "$@"
}
patch() {	# FILE PYTHON: edit the bytes d of FILE
	python3 -c "import struct,sys
d = bytearray(open(sys.argv[1], 'rb').read())
$2
open(sys.argv[1], 'wb').write(d)" "$1"
}
one cut-pixels 1
f=$T/sub-cut-pixels/sam-1/a.dcm
head -c $(($(wc -c <"$f") - 3)) "$f" >"$f.x" && mv "$f.x" "$f"
one cut-header 2
f=$T/sub-cut-header/sam-1/a.dcm
head -c $(($(wc -c <"$f") - 45)) "$f" >"$f.x" && mv "$f.x" "$f"
# a dataset in implicit VR whose meta header says explicit
one implicit 3
f=$T/sub-implicit/sam-1/a.dcm
grep -v '^(0002,0010)' "$TMP/.dump" >"$TMP/.dump3"
printf '(0002,0010) UI =LittleEndianImplicit\n' >>"$TMP/.dump3"
dump2dcm -q "$TMP/.dump3" "$f"
patch "$f" "i = d.find(b'\\x02\\x00\\x10\\x00UI\\x12\\x00' + b'1.2.840.10008.1.2\\x00')
d[i:i + 26] = b'\\x02\\x00\\x10\\x00UI\\x14\\x001.2.840.10008.1.2.1\\x00'
g = d.find(b'\\x02\\x00\\x00\\x00UL\\x04\\x00')
d[g + 8:g + 12] = struct.pack('<I', struct.unpack('<I', d[g + 8:g + 12])[0] + 2)"
# a sequence delimiter where an item delimiter should be (undefined lengths)
one delimiter 4 "(0008,1140) SQ (Sequence with undefined length #=1)" "(fffe,e000) na (Item with undefined length #=1)" \
	"(0008,1155) UI [1.2.3.4]" "(fffe,e00d) na (ItemDelimitationItem)" "(fffe,e0dd) na (SequenceDelimitationItem)"
f=$T/sub-delimiter/sam-1/a.dcm
dcmdump -q +E "$f" >/dev/null 2>&1
grep -v '^(0002,0010)' "$TMP/.dump" >"$TMP/.dump4"
dump2dcm -q -e "$TMP/.dump" "$f"
patch "$f" "i = d.find(b'\\xfe\\xff\\x0d\\xe0')
d[i:i + 4] = b'\\xfe\\xff\\xdd\\xe0'"
one fine 5
# cut inside an element after every tag sdsfhir reads (dcmtk stops before it; the raw walk sees the cut)
one cut-late 6 "(0040,0280) ST [$(printf '%0200d' 0)]"
f=$T/sub-cut-late/sam-1/a.dcm
patch "$f" "d[:] = d[:d.find(b'\\x40\\x00\\x80\\x02ST') + 20]"

run "$SDSFHIR" scan "$TMP/ds"
is "every damaged file is read: 6 instances, no error" "$(printf '%s\n' "$out" | grep -c 'error')" 0
like "6 studies" "$out" "^total: 1 dataset, 6 subjects, 6 studies, 6 series, 6 instances"
run "$SDSFHIR" scan --json "$TMP/ds"
w() { printf '%s' "$out" | jq -r --arg s "$1" '[.datasets[].subjects[] | select(.name == $s) | .. | objects | select(has("level")) | .text] | join(" | ")'; }
like "pixel data cut short: truncated after the header" "$(w sub-cut-pixels)" "truncated after the header: Pixel Data ends after"
like "cut inside the header: the tags before the cut, truncated after the header" "$(w sub-cut-header)" "truncated after the header"
like "implicit VR under an explicit meta header: read, with a warning" "$(w sub-implicit)" "damaged DICOM .*dcmdump \\+Ep"
like "cut inside an element after the tags read, before Pixel Data: truncated after the header ($(w sub-cut-late))" "$(w sub-cut-late)" "truncated after the header"
like "a wrong delimitation item: read, with a warning" "$(w sub-delimiter)" "damaged DICOM .*Item Delimitation Item missing"
is "an undamaged file: no warning" "$(w sub-fine)" ""
is "... where its neighbours have theirs" "$(w sub-cut-pixels | wc -l)" 1
run "$SDSFHIR" fhir "$TMP/ds"
is "all six studies go into the Bundle" "$(printf '%s' "$out" | jq '[.entry[] | select(.resource.resourceType == "ImagingStudy")] | length')" 6
is "the implicit one with its Patient ID read right" \
	"$(printf '%s' "$out" | jq -r --arg u "$U.3" '.entry[] | select(.resource.resourceType == "ImagingStudy") | select(.request.url | endswith($u)) | .resource.series[0].modality.code')" "MR"
done_testing
