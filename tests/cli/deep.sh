#!/bin/sh
# Sequences nested thousands deep (dcmtk recurses once per level) are refused before dcmtk
# reads them, in the scan, tags and the UI; ten levels are read.
. "$top_srcdir/tests/lib.sh"
nest() {	# nest FILE LEVELS explicit|implicit
	python3 - "$@" <<'PY'
import struct, sys
path, n, enc = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def el(g, e, vr, val):
    if vr in ('OB', 'OW', 'SQ', 'UN', 'UT'):
        return struct.pack('<HH2sHI', g, e, vr.encode(), 0, len(val)) + val
    return struct.pack('<HH2sH', g, e, vr.encode(), len(val)) + val
def pad(s): return s + (b'\0' if len(s) % 2 else b'')
ts = b'1.2.840.10008.1.2.1' if enc == 'explicit' else b'1.2.840.10008.1.2'
meta = el(2, 1, 'OB', b'\0\1') + el(2, 2, 'UI', pad(b'1.2.840.10008.5.1.4.1.1.4')) + el(2, 3, 'UI', pad(b'1.2.3.4.5')) + el(2, 0x10, 'UI', pad(ts))
meta = el(2, 0, 'UL', struct.pack('<I', len(meta))) + meta
def ds_el(g, e, vr, val):
    return el(g, e, vr, val) if enc == 'explicit' else struct.pack('<HHI', g, e, len(val)) + val
body = ds_el(8, 0x16, 'UI', pad(b'1.2.840.10008.5.1.4.1.1.4')) + ds_el(8, 0x18, 'UI', pad(b'1.2.3.4.5')) + ds_el(8, 0x60, 'CS', b'MR')
if enc == 'explicit':	# undefined lengths, closed by delimiters
    inner = b''.join(struct.pack('<HH2sHI', 8, 0x1140, b'SQ', 0, 0xffffffff) + struct.pack('<HHI', 0xfffe, 0xe000, 0xffffffff) for _ in range(n))
    inner += b''.join(struct.pack('<HHI', 0xfffe, 0xe00d, 0) + struct.pack('<HHI', 0xfffe, 0xe0dd, 0) for _ in range(n))
else:			# defined lengths, which only the dictionary tells are sequences
    inner = b''
    for _ in range(n):
        item = struct.pack('<HHI', 0xfffe, 0xe000, len(inner)) + inner
        inner = struct.pack('<HHI', 8, 0x1140, len(item)) + item
body += inner + ds_el(0x20, 0xd, 'UI', pad(b'1.2.3')) + ds_el(0x20, 0xe, 'UI', pad(b'1.2.3.4'))
open(path, 'wb').write(b'\0' * 128 + b'DICM' + meta + body)
PY
}
T=$TMP/ds/primary/sub-1/sam-1
mkdir -p "$T"
nest "$T/deep.dcm" 6000 explicit
nest "$T/deep-implicit.dcm" 6000 implicit
nest "$T/ten.dcm" 10 explicit
check "the deep file is small ($(wc -c <"$T/deep.dcm") bytes)" test "$(wc -c <"$T/deep.dcm")" -lt 300000
run "$SDSFHIR" tags "$T/deep.dcm" "$T/deep-implicit.dcm" "$T/ten.dcm"
check "tags: no crash (exit $rc)" test "$rc" -lt 128
is "tags: both deep files refused with the reason" "$(printf '%s\n' "$out" | grep -c 'sequences nested deeper than 64 levels: not read')" 2
like "tags: ten levels are read" "$out" "ten\\.dcm
  \\(0008,0005\\)"
run "$SDSFHIR" scan -v --no-cache "$TMP/ds"
check "scan: no crash (exit $rc)" test "$rc" -lt 128
like "scan: the deep file is an error with its reason" "$out" "sequences nested deeper than 64 levels"
like "scan: the ten-level file is an instance" "$out" "instance .*ten\\.dcm"
printf ':wait\nj j j j\n:dump %s\nq\n' "$TMP/screen" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x20 SDSFHIR_SERVER=http://127.0.0.1:9/fhir "$SDSFHIR" --no-server-state --no-cache "$TMP/ds" >/dev/null 2>&1
is "the UI: no crash" "$?" 0
done_testing
