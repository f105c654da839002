#!/bin/sh
# Make the sample SDS datasets of sdsfhir: the tutorial's breast and heart MRI datasets of
# Aniyah and Linman. Real DICOM written by dcmtk's dump2dcm, with fixed UIDs, so the
# output is the same byte for byte on every run.
#   data/generate.sh [OUTDIR]     (default: the folder of this script)
set -eu
out=${1:-$(cd "$(dirname "$0")" && pwd)}
DUMP2DCM=${DUMP2DCM:-dump2dcm}
command -v "$DUMP2DCM" >/dev/null 2>&1 || { echo "generate.sh: dump2dcm not found (Debian package dcmtk)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# UUID-derived UIDs (2.25.N, N < 2^128): a fixed base and dataset, subject, series, instance digits.
BASE=31415926535897932384626433832
uid() { printf '2.25.%s%02d%02d%02d%03d' "$BASE" "$1" "$2" "$3" "$4"; }

# 64x64 16-bit pixels: a bright disc whose size and place change with the instance.
pixels() {
	awk -v n="$1" -v s="$2" 'BEGIN {
		cx = 20 + 8 * n; cy = 32; r = 10 + 3 * s; out = "";
		for (y = 0; y < 64; y++) for (x = 0; x < 64; x++) {
			d = (x - cx) * (x - cx) + (y - cy) * (y - cy);
			v = d < r * r ? 3000 - d : 200 + 3 * x + y;
			out = out (out == "" ? "" : "\\") sprintf("%04x", v);
		}
		print out }'
}

# instance DS SUB SE N: write one file from the variables set by the caller
instance() {
	f="$dir/$(printf 'IM%04d.dcm' "$4")"
	cat >"$tmp/i.dump" <<DUMP
(0002,0010) UI =LittleEndianExplicit
(0008,0005) CS [ISO_IR 192]
(0008,0008) CS [ORIGINAL\\PRIMARY\\M\\NONE]
(0008,0016) UI =MRImageStorage
(0008,0018) UI [$(uid "$1" "$2" "$3" "$4")]
(0008,0020) DA [$date]
(0008,0021) DA [$date]
(0008,0030) TM [$time]
(0008,0031) TM [$stime]
(0008,0050) SH [$accession]
(0008,0060) CS [MR]
(0008,0070) LO [SIEMENS]
(0008,0080) LO [Akron Hospital]
$tz
(0008,1030) LO [$studydesc]
(0008,103e) LO [$seriesdesc]
(0010,0010) PN [$pname]
(0010,0020) LO [$pid]
(0010,0021) LO [BioResearch Institute]
(0010,0030) DA [$birth]
(0010,0040) CS [F]
(0010,1010) AS [$age]
(0018,0010) LO [$contrast]
(0018,0015) CS [$bodypart]
(0018,0050) DS [3]
(0018,0087) DS [1.5]
(0020,000d) UI [$(uid "$1" "$2" 0 0)]
(0020,000e) UI [$(uid "$1" "$2" "$3" 0)]
(0020,0010) SH [1]
(0020,0011) IS [$3]
(0020,0013) IS [$4]
$laterality
(0020,1206) IS [$nseries]
(0020,1208) IS [$ninstudy]
(0020,1209) IS [$ninseries]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 64
(0028,0011) US 64
(0028,0030) DS [3.125\\3.125]
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
(7fe0,0010) OW $(pixels "$4" "$3")
DUMP
	"$DUMP2DCM" -q +l 30000 "$tmp/i.dump" "$f"
}

# series DS SUB SE N_INSTANCES SAMPLE DESCRIPTION LATERALITY
series() {
	dir="$subdir/$5"
	mkdir -p "$dir"
	seriesdesc=$6
	laterality=""
	[ -z "$7" ] || laterality="(0020,0060) CS [$7]"
	hh=${time%????}; mm=${time#??}; mm=${mm%??}
	stime=$(printf '%02d%02d00' "$((1$hh - 100))" "$((1$mm - 100 + 5 * $3))")
	ninseries=$4
	i=1
	while [ "$i" -le "$4" ]; do
		instance "$1" "$2" "$3" "$i"
		i=$((i + 1))
	done
}

aniyah() { pname="Brown^Aniyah"; pid="SPARC-P001"; birth=19950922; age=027Y; }
linman() { pname="Zhang^Linman=张^林曼"; pid="SPARC-P002"; birth=19930815; age=029Y; }

metadata() {	# dataset folder, title, organ
	cat >"$1/dataset_description.csv" <<CSV
Metadata element,Value
Type,experimental
Title,$2
Subtitle,MRI of the $3 of two volunteers
Keywords,MRI;$3;FHIR ImagingStudy
Study purpose,Sample data for sdsfhir: how SPARC datasets map to FHIR
Study organ system,$3
Contributor name,"Researcher, BioResearch"
Contributor ORCiD,https://orcid.org/0000-0002-1825-0097
Contributor role,PrincipalInvestigator
Funding,none
Number of subjects,2
Number of samples,$4
CSV
}

rm -rf "$out/sparc_fhir_breast_dataset" "$out/sparc_fhir_heart_dataset"

# ---- breast dataset (zone given by Timezone Offset From UTC) ----
ds="$out/sparc_fhir_breast_dataset"
mkdir -p "$ds/primary"
metadata "$ds" "SPARC FHIR breast MRI dataset" breast 5
cat >"$ds/subjects.csv" <<CSV
subject id,pool id,subject experimental group,age,sex,species,strain,age category
sub-Aniyah-breast-1,,control,27 years,Female,Homo sapiens,,adult
sub-Linman-breast-1,,control,29 years,Female,Homo sapiens,,adult
CSV
cat >"$ds/samples.csv" <<CSV
sample id,subject id,was derived from,pool id,sample experimental group,sample type,sample anatomical location
sam-1,sub-Aniyah-breast-1,,,control,MR series,left breast
sam-2,sub-Aniyah-breast-1,,,control,MR series,right breast
sam-3,sub-Aniyah-breast-1,,,control,MR series,both breasts
sam-1,sub-Linman-breast-1,,,control,MR series,left breast
sam-2,sub-Linman-breast-1,,,control,MR series,right breast
CSV
bodypart=BREAST; contrast=Gadobutrol; studydesc="MRI BREAST BILATERAL"; tz="(0008,0201) SH [-0400]"

aniyah; subdir="$ds/primary/sub-Aniyah-breast-1"; date=20230512; time=103215; accession=ACC1001
nseries=3; ninstudy=9
series 1 1 1 3 sam-1 "T1 AX LEFT" L
series 1 1 2 3 sam-2 "T1 AX RIGHT" R
series 1 1 3 3 sam-3 "DCE SUB BILATERAL" B

linman; subdir="$ds/primary/sub-Linman-breast-1"; date=20230519; time=141000; accession=ACC1002
nseries=2; ninstudy=6
series 1 2 1 3 sam-1 "T1 AX LEFT" L
series 1 2 2 3 sam-2 "T1 AX RIGHT" R

# ---- heart dataset (no zone in the headers) ----
ds="$out/sparc_fhir_heart_dataset"
mkdir -p "$ds/primary"
metadata "$ds" "SPARC FHIR heart MRI dataset" heart 5
cat >"$ds/subjects.csv" <<CSV
subject id,pool id,subject experimental group,age,sex,species,strain,age category
sub-Aniyah-heart-1,,control,27 years,Female,Homo sapiens,,adult
sub-Linman-heart-1,,control,29 years,Female,Homo sapiens,,adult
CSV
cat >"$ds/samples.csv" <<CSV
sample id,subject id,was derived from,pool id,sample experimental group,sample type,sample anatomical location
sam-1,sub-Aniyah-heart-1,,,control,MR series,heart
sam-2,sub-Aniyah-heart-1,,,control,MR series,heart
sam-1,sub-Linman-heart-1,,,control,MR series,heart
sam-2,sub-Linman-heart-1,,,control,MR series,heart
sam-3,sub-Linman-heart-1,,,control,MR series,heart
CSV
bodypart=HEART; contrast=""; studydesc="MRI HEART"; tz=""

aniyah; subdir="$ds/primary/sub-Aniyah-heart-1"; date=20230601; time=091500; accession=ACC2001
nseries=2; ninstudy=6
series 2 1 1 3 sam-1 "CINE SA" ""
series 2 1 2 3 sam-2 "LGE SA" ""

linman; subdir="$ds/primary/sub-Linman-heart-1"; date=20230602; time=160500; accession=ACC2002
nseries=3; ninstudy=9
series 2 2 1 3 sam-1 "CINE SA" ""
series 2 2 2 3 sam-2 "LGE SA" ""
series 2 2 3 3 sam-3 "T2 STIR" ""
