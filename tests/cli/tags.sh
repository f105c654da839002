#!/bin/sh
# sdsfhir tags: the values, checked against dcmtk's own dcmdump.
. "$top_srcdir/tests/lib.sh"
sample_data
F=$TMP/data/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1/sam-2/IM0003.dcm

run "$SDSFHIR" tags "$F"
is "tags exits 0" "$rc" 0
like "header line is the file" "$out" "^$F$"
like "PatientName in UTF-8" "$out" "\(0010,0010\) PatientName +Zhang\^Linman=张\^林曼$"
like "StudyDate" "$out" "\(0008,0020\) StudyDate +20230602$"
like "BodyPartExamined" "$out" "\(0018,0015\) BodyPartExamined +HEART$"
like "absent tag" "$out" "\(0008,0201\) TimezoneOffsetFromUTC +\(absent\)$"
like "transfer syntax with its name" "$out" "TransferSyntaxUID +1\.2\.840\.10008\.1\.2\.1 \(Little Endian Explicit\)$"

run "$SDSFHIR" tags --json "$F"
check "tags --json is JSON" jq -e . "$TMP/.stdout"
is "JSON PatientID" "$(jq -r '.[0].tags.PatientID' "$TMP/.stdout")" "SPARC-P002"
is "JSON absent tag is null" "$(jq -r '.[0].tags.TimezoneOffsetFromUTC' "$TMP/.stdout")" "null"
is "JSON has every tag (29, and the 3 of the accession number's issuer)" "$(jq -r '.[0].tags | length' "$TMP/.stdout")" 32

# every tag of every sample file agrees with dcmdump
bad=0
for f in "$TMP"/data/*/primary/*/*/*.dcm; do
	"$SDSFHIR" tags --json "$f" >"$TMP/t.json" || bad=$((bad + 1))
	for kw in StudyInstanceUID SeriesInstanceUID SOPInstanceUID SOPClassUID StudyDate StudyTime Modality BodyPartExamined PatientID InstanceNumber SeriesNumber; do
		ours=$(jq -r ".[0].tags.$kw" "$TMP/t.json")
		theirs=$(dcmdump -Un +P "$kw" "$f" | sed -n 's/^[^[]*\[\(.*\)\].*/\1/p' | head -1)
		[ "$ours" = "$theirs" ] || { bad=$((bad + 1)); echo "# $f $kw: ours '$ours' dcmdump '$theirs'"; }
	done
done
is "all values of all 30 sample files agree with dcmdump" "$bad" 0

printf '{"resourceType":"Patient"}\n' >"$TMP/p.dcm"
run "$SDSFHIR" tags "$F" "$TMP/p.dcm" "$TMP/none.dcm"
is "a bad file among good ones: exit 1" "$rc" 1
like "good file still printed" "$out" "SPARC-P002"
like "JSON named .dcm: reason" "$out" "error: not DICOM: JSON text"
like "missing file: reason" "$out" "error: cannot open: No such file or directory"
run "$SDSFHIR" tags
is "no file: exit 2" "$rc" 2
done_testing
