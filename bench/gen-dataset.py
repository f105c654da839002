#!/usr/bin/python3
"""Generate a large SDS dataset of realistic MR instances for the benchmarks.

One template file is written by dcmtk's dump2dcm; every instance is a copy with its
UIDs and numbers patched in place (fixed-width fields), so the files stay valid DICOM.
usage: gen-dataset.py OUTDIR SUBJECTS SAMPLES INSTANCES PIXEL_BYTES
"""
import os
import subprocess
import sys
import tempfile

out, nsub, nsam, ninst, pixbytes = sys.argv[1], *map(int, sys.argv[2:6])
W = 30  # digits after 2.25.9 in every placeholder UID
PH = {k: "2.25.9" + str(i) * W for i, k in ((1, "study"), (2, "series"), (3, "sop"))}
rows = 64
cols = max(1, pixbytes // (2 * rows))

dump = f"""(0002,0010) UI =LittleEndianExplicit
(0008,0005) CS [ISO_IR 192]
(0008,0008) CS [ORIGINAL\\PRIMARY\\M\\NONE]
(0008,0016) UI =MRImageStorage
(0008,0018) UI [{PH['sop']}]
(0008,0020) DA [20240101]
(0008,0021) DA [20240101]
(0008,0022) DA [20240101]
(0008,0023) DA [20240101]
(0008,0030) TM [101010.000000]
(0008,0031) TM [101500.000000]
(0008,0032) TM [101510.000000]
(0008,0033) TM [101511.000000]
(0008,0050) SH [BENCH0001]
(0008,0060) CS [MR]
(0008,0070) LO [SIEMENS]
(0008,0080) LO [Bench Hospital]
(0008,0090) PN [Referrer^Doctor]
(0008,1010) SH [MRC12345]
(0008,1030) LO [MRI BREAST BILATERAL]
(0008,103e) LO [T1 AX 3D FL]
(0008,1090) LO [Skyra]
(0010,0010) PN [Bench^Patient]
(0010,0020) LO [BENCH-P001]
(0010,0030) DA [19800101]
(0010,0040) CS [F]
(0010,1010) AS [044Y]
(0010,1030) DS [65]
(0018,0015) CS [BREAST]
(0018,0020) CS [GR]
(0018,0021) CS [SP\\SS]
(0018,0022) CS [PFP\\SAT1]
(0018,0023) CS [3D]
(0018,0050) DS [1.5]
(0018,0080) DS [4.5]
(0018,0081) DS [1.7]
(0018,0083) DS [1]
(0018,0084) DS [123.2]
(0018,0087) DS [3]
(0018,0088) DS [1.5]
(0018,0091) IS [1]
(0018,1020) LO [syngo MR E11]
(0018,1030) LO [t1_fl3d_tra]
(0018,1314) DS [10]
(0018,5100) CS [FFS]
(0020,000d) UI [{PH['study']}]
(0020,000e) UI [{PH['series']}]
(0020,0010) SH [1]
(0020,0011) IS [000091]
(0020,0013) IS [000092]
(0020,0032) DS [-150\\-120\\30.5]
(0020,0037) DS [1\\0\\0\\0\\1\\0]
(0020,0052) UI [1.2.3.4.5.6.7.8.9]
(0020,1041) DS [30.5]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US {rows}
(0028,0011) US {cols}
(0028,0030) DS [0.7\\0.7]
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
(0028,1050) DS [600]
(0028,1051) DS [1200]
(7fe0,0010) OW =pixels.raw
"""
with tempfile.TemporaryDirectory() as tmp:
    with open(os.path.join(tmp, "pixels.raw"), "wb") as f:
        f.write(os.urandom(rows * cols * 2))
    with open(os.path.join(tmp, "t.dump"), "w") as f:
        f.write(dump)
    subprocess.run(["dump2dcm", "-q", "t.dump", "t.dcm"], cwd=tmp, check=True)
    template = open(os.path.join(tmp, "t.dcm"), "rb").read()

def uid(kind, n):
    return ("2.25.9%0*d" % (W, n)).encode()

ds = os.path.join(out, "bench_dataset")
os.makedirs(os.path.join(ds, "primary"), exist_ok=True)
k = 0
for s in range(1, nsub + 1):
    study = uid("study", s * 10**9)
    for m in range(1, nsam + 1):
        series = uid("series", s * 10**9 + m * 10**6)
        d = os.path.join(ds, "primary", "sub-%d" % s, "sam-%d" % m)
        os.makedirs(d, exist_ok=True)
        for i in range(1, ninst + 1):
            k += 1
            # numbers first: the UID placeholders hold no "00009", the new UIDs may
            b = template.replace(b"000091", b"%06d" % m, 1).replace(b"000092", b"%06d" % i, 1)
            b = b.replace(PH["study"].encode(), study)
            b = b.replace(PH["series"].encode(), series)
            b = b.replace(PH["sop"].encode(), uid("sop", s * 10**9 + m * 10**6 + i))
            with open(os.path.join(d, "IM%05d.dcm" % i), "wb") as f:
                f.write(b)
print(k, "files in", ds)
