#!/bin/sh
# The sample datasets in data/ are what data/generate.sh makes, and look like the tutorial's.
. "$top_srcdir/tests/lib.sh"
check "generator runs" sh "$top_srcdir/data/generate.sh" "$TMP/gen"
run diff -r -x generate.sh "$top_srcdir/data" "$TMP/gen"
is "data/ is exactly what the generator makes (fixed UIDs)" "$rc" 0
run "$SDSFHIR" scan --json "$top_srcdir/data"
j=$TMP/.stdout
is "no errors or warnings in the sample data" "$(jq -c '[.totals.errors, .totals.warnings]' "$j")" "[0,0]"
is "subjects" "$(jq -r '[.datasets[].subjects[].name] | join(" ")' "$j")" \
	"sub-Aniyah-breast-1 sub-Linman-breast-1 sub-Aniyah-heart-1 sub-Linman-heart-1"
is "body parts" "$(jq -r '[.datasets[] | [.subjects[].studies[].series[].body_part] | unique[]] | join(" ")' "$j")" "BREAST HEART"
is "modality from the headers" "$(jq -r '[.. | objects | .modality? // empty] | unique | join(" ")' "$j")" "MR"
is "Linman has one PatientID in both datasets" \
	"$(jq -r '[.datasets[].subjects[] | select(.name | startswith("sub-Linman")) | .studies[0].patient_id] | unique | join(",")' "$j")" "SPARC-P002"
f=$(ls "$top_srcdir"/data/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1/sam-1/*.dcm | head -1)
run "$SDSFHIR" tags --json "$f"
is "ISO_IR 192" "$(jq -r '.[0].tags.SpecificCharacterSet' "$TMP/.stdout")" "ISO_IR 192"
is "birth date and sex" "$(jq -r '.[0].tags | .PatientBirthDate + " " + .PatientSex' "$TMP/.stdout")" "19950922 F"
is "zone offset in the breast dataset" "$(jq -r '.[0].tags.TimezoneOffsetFromUTC' "$TMP/.stdout")" "-0400"
is "laterality" "$(jq -r '.[0].tags.Laterality' "$TMP/.stdout")" "L"
is "64x64 pixels" "$(dcmdump +P Rows +P Columns "$f" | awk '{print $3}' | tr '\n' ' ')" "64 64 "
for ds in breast heart; do
	for m in dataset_description subjects samples; do
		check "$ds: $m.csv present" test -s "$top_srcdir/data/sparc_fhir_${ds}_dataset/$m.csv"
	done
done
done_testing
