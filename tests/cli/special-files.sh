#!/bin/sh
# Special files and metadata bombs never hang or swell a scan: FIFOs, a link to /dev/zero,
# a CSV of 100,000 columns and rows, an xlsx whose 1 MB shared string fills 404,000 cells.
. "$top_srcdir/tests/lib.sh"
sample_data
D=$TMP/data/sparc_fhir_breast_dataset
rss() {	# rss CMD...: run it (60 s at most); $rc, $out, $err and $kb (peak RSS in kB)
	/usr/bin/time -f '%M' -o "$TMP/.rss" timeout 60 "$@" >"$TMP/.stdout" 2>"$TMP/.stderr"
	rc=$?
	out=$(cat "$TMP/.stdout")
	err=$(cat "$TMP/.stderr")
	kb=$(tail -1 "$TMP/.rss")
}

rm -f "$D/samples.csv"
mkfifo "$D/samples.csv"
rss "$SDSFHIR" scan --no-cache "$D"
check "a FIFO named samples.csv: the scan ends (exit $rc, not the time-out's 124)" test "$rc" -ne 124
like "... saying what it is" "$out$err" "samples\\.csv: not a regular file: ignored"
rm -f "$D/samples.csv"

mv "$D/subjects.csv" "$TMP/subjects.csv"
ln -s /dev/zero "$D/subjects.csv"
rss "$SDSFHIR" scan --no-cache "$D"
check "subjects.csv linking to /dev/zero: the scan ends" test "$rc" -ne 124
check "... without swelling ($kb kB)" test "$kb" -lt 400000
like "... saying why" "$out$err" "subjects\\.csv: not a regular file"
rm -f "$D/subjects.csv"
mv "$TMP/subjects.csv" "$D/subjects.csv"

mkfifo "$D/primary/sub-Aniyah-breast-1/pipe"
mkfifo "$D/primary/sub-Aniyah-breast-1/sam-1/pipe.dcm"
rss "$SDSFHIR" scan -v --no-cache "$D"
check "FIFOs in a subject and a sample folder: the scan ends" test "$rc" -ne 124
like "... each reported as not a regular file, in the subject folder" "$out" "pipe$" 
unlike "... never with a stale errno" "$out" "No such file or directory"
is "... twice" "$(printf '%s\n' "$out" | grep -c 'not a regular file: ignored')" 2
rss "$SDSFHIR" tags "$D/primary/sub-Aniyah-breast-1/sam-1/pipe.dcm"
check "tags on a FIFO: ends at once" test "$rc" -ne 124
like "... not a regular file" "$out$err" "not a regular file: ignored"
rm -f "$D/primary/sub-Aniyah-breast-1/pipe" "$D/primary/sub-Aniyah-breast-1/sam-1/pipe.dcm"

# a sparse 4 GiB DICOM file whose Study Description claims 0xFFFFFFF0 bytes (implicit VR)
python3 - "$TMP/sparse.dcm" <<'PY'
import struct, sys
def el(g, e, vr, val):
    return struct.pack('<HH2sH', g, e, vr.encode(), len(val)) + val
def pad(s): return s + (b'\0' if len(s) % 2 else b'')
meta = el(2, 2, 'UI', pad(b'1.2.840.10008.5.1.4.1.1.4')) + el(2, 3, 'UI', pad(b'1.2.3.4.5')) + el(2, 0x10, 'UI', pad(b'1.2.840.10008.1.2'))
meta = el(2, 0, 'UL', struct.pack('<I', len(meta))) + meta
def im(g, e, val): return struct.pack('<HHI', g, e, len(val)) + val
body = im(8, 0x16, pad(b'1.2.840.10008.5.1.4.1.1.4')) + im(8, 0x18, pad(b'1.2.3.4.5')) + im(8, 0x60, b'MR')
body += im(0x20, 0xd, pad(b'1.2.3')) + im(0x20, 0xe, pad(b'1.2.3.4')) + struct.pack('<HHI', 8, 0x1030, 0xFFFFFFF0)
with open(sys.argv[1], 'wb') as f:
    f.write(b'\0' * 128 + b'DICM' + meta + body)
    f.truncate(f.tell() + 0xFFFFFFF0)	# the value, all zeros, fills the file to its end
PY
rss "$SDSFHIR" tags "$TMP/sparse.dcm"
check "a sparse 4 GiB file claiming a 4 GiB Study Description: tags ends" test "$rc" -ne 124
check "... in bounded memory ($kb kB; it took 16 GB)" test "$kb" -lt 400000
like "... the value reported as too long, the rest read" "$out$err" "Study Description \(0008,1030\) claims 4294967280 bytes: too long"
# the same claim with more zeros after it: a header that never ends
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.truncate(5 << 30)' "$TMP/sparse.dcm"
rss "$SDSFHIR" tags "$TMP/sparse.dcm"
check "... with 1 GiB of zeros after it: tags ends" test "$rc" -ne 124
like "... refused with the reason" "$out$err" "a header of more than 2,000,000 elements before Pixel Data"
rm -f "$TMP/sparse.dcm"

# 100,000 columns, 100,000 (empty) rows: 200 kB on disk, 10^10 cells if read whole
python3 -c 'import sys
sys.stdout.write(",".join(["c%d" % i for i in range(100000)]) + "\n" + "x\n" * 100000)' >"$D/samples.csv"
rss "$SDSFHIR" scan --no-cache "$D"
check "a CSV of 100,000 columns and rows: the scan ends" test "$rc" -ne 124
check "... within bounded memory ($kb kB)" test "$kb" -lt 400000
like "... saying why the table was not read" "$out$err" "samples\\.csv: its table would take more than 64 MiB"
rm -f "$D/samples.csv"

# an xlsx whose one shared string of 1 MB is used by 404,000 cells
python3 - "$D/samples.xlsx" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
z.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
           + "s" * (1 << 20) + "</t></si></sst>")
cells = '<c t="s"><v>0</v></c>' * 404000
z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
           + cells + "</row></sheetData></worksheet>")
z.close()
PY
check "the xlsx is small on disk ($(wc -c <"$D/samples.xlsx") bytes)" test "$(wc -c <"$D/samples.xlsx")" -lt 200000
rss "$SDSFHIR" scan --no-cache "$D"
check "an xlsx of 404,000 copies of a 1 MB string: the scan ends" test "$rc" -ne 124
check "... within bounded memory ($kb kB)" test "$kb" -lt 400000
like "... saying why" "$out$err" "samples\\.xlsx: its table would take more than 64 MiB"

# an xlsx part with an internal entity, referenced within expat's amplification limit (2.19 GB)
python3 - "$D/samples.xlsx" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
z.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "' + "a" * 60000 + '">]>'
           '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&a;&a;&a;&a;</t></si></sst>')
z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
           + '<c t="s"><v>0</v></c>' * 1000 + "</row></sheetData></worksheet>")
z.close()
PY
rss "$SDSFHIR" scan --no-cache "$D"
like "an xlsx with a DTD and an entity: refused, saying why" "$out$err" "samples\\.xlsx: sharedStrings\\.xml: it holds a DTD \\(office files never need one\\): refused"
check "... in bounded memory ($kb kB)" test "$kb" -lt 400000

# 12 million empty shared strings (88 KB on disk, 605 MB read): they count towards the table's cap
python3 - "$D/samples.xlsx" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
z.writestr("xl/sharedStrings.xml", '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + "<si/>" * 12000000 + "</sst>")
z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
z.close()
PY
rss "$SDSFHIR" scan --no-cache "$D"
like "12 million empty shared strings: not read, saying why" "$out$err" "samples\\.xlsx: .*shared strings are larger than a table sdsfhir reads"
check "... in bounded memory ($kb kB; it took 605 MB)" test "$kb" -lt 400000
rm -f "$D/samples.xlsx"

# a 15 MB header whose (0008,1110) sequence holds 950,000 items: every delete walked the
# allocation arena's chunks (over 300 s); and a damaged one of that size is not read again past
# its damage, which holds every scan thread behind one lock
mkdir -p "$TMP/seq/primary/sub-1/sam-1"
python3 - "$TMP/seq/primary/sub-1/sam-1" <<'PY'
import struct, sys
def el(g, e, vr, val):
    if vr in (b"OB", b"SQ", b"UN", b"UT"):
        return struct.pack("<HH2sHI", g, e, vr, 0, len(val)) + val
    return struct.pack("<HH2sH", g, e, vr, len(val)) + val
def pad(v):
    return v + (b"\0" if len(v) % 2 else b"")
ts = pad(b"1.2.840.10008.1.2.1")
meta_body = el(0x0002, 0x0001, b"OB", b"\0\1") + el(0x0002, 0x0010, b"UI", ts)
meta = el(0x0002, 0x0000, b"UL", struct.pack("<I", len(meta_body))) + meta_body
items = (struct.pack("<HHI", 0xfffe, 0xe000, 8) + struct.pack("<HH2sH", 0x0008, 0x1150, b"UI", 0)) * 950000
seq = struct.pack("<HH2sHI", 0x0008, 0x1110, b"SQ", 0, 0xffffffff) + items + struct.pack("<HHI", 0xfffe, 0xe0dd, 0)
ident = (el(0x0008, 0x0016, b"UI", pad(b"1.2.840.10008.5.1.4.1.1.4")) + el(0x0008, 0x0018, b"UI", pad(b"1.2.826.0.1.3680043.10.96.1.1.1"))
         + el(0x0008, 0x0060, b"CS", b"MR"))
tail = (el(0x0010, 0x0020, b"LO", b"SEQ1") + el(0x0020, 0x000d, b"UI", pad(b"1.2.826.0.1.3680043.10.96.1"))
        + el(0x0020, 0x000e, b"UI", pad(b"1.2.826.0.1.3680043.10.96.1.1")))
open(sys.argv[1] + "/big.dcm", "wb").write(b"\0" * 128 + b"DICM" + meta + ident + seq + tail)
# damaged: an item tag broken in the middle, and no identity before it
bad = bytearray(items)
bad[len(bad) // 2] = 0x01
open(sys.argv[1] + "/bad.dcm", "wb").write(b"\0" * 128 + b"DICM" + meta + struct.pack("<HH2sHI", 0x0008, 0x1110, b"SQ", 0, 0xffffffff) + bytes(bad) + tail)
PY
rss "$SDSFHIR" scan --no-cache "$TMP/seq"
check "a sequence of 950,000 items: the scan ends (within 60 s; it took over 300)" test "$rc" -ne 124
like "... the file read" "$out" "1 instance"
like "... the damaged one: said, not read past its damage" "$out" "error: cannot parse DICOM header .*too large to read past the damage"
done_testing
