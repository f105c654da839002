#!/bin/sh
# The DICOM to FHIR mapping where other software writes the headers: checked against the R4
# ImagingStudy mapping, DICOM CID 29 and PS3.16 Annex L.
. "$top_srcdir/tests/lib.sh"
T=$TMP/ds/primary
U=1.2.826.0.1.3680043.10.96
mkdcm "$T/sub-1/sam-1/a.dcm" "(0020,000d) UI [$U.1]" "(0020,000e) UI [$U.1.1]" "(0008,0018) UI [$U.1.1.1]" \
	"(0008,0050) SH [ACC-77]" "(0018,0015) CS [BRAIN]" "(0010,0021) LO [2.16.840.1.113883.3.1]"
mkdcm "$T/sub-1/sam-2/b.dcm" "(0020,000d) UI [$U.1]" "(0020,000e) UI [$U.1.2]" "(0008,0018) UI [$U.1.2.1]" \
	"(0008,0060) CS [SR]" "(0008,0016) UI =EnhancedSRStorage" "(0020,0011) IS [2]" "(0008,0050) SH [ACC-77]" "(0010,0021) LO [2.16.840.1.113883.3.1]"
mkdcm "$T/sub-1/sam-3/c.dcm" "(0020,000d) UI [$U.1]" "(0020,000e) UI [$U.1.3]" "(0008,0018) UI [$U.1.3.1]" \
	"(0008,0060) CS [KO]" "(0020,0011) IS [3]" "(0008,0050) SH [ACC-77]" "(0010,0021) LO [2.16.840.1.113883.3.1]"
mkdcm "$T/sub-2/sam-1/a.dcm" "(0020,000d) UI [$U.2]" "(0020,000e) UI [$U.2.1]" "(0008,0018) UI [$U.2.1.1]" \
	"(0018,0015) CS [Whole Body]" "(0010,0020) LO [P-2]" "(0010,0010) PN [Smith^Ann]"
mkdcm "$T/sub-3/sam-1/a.dcm" "(0020,000d) UI [$U.3]" "(0020,000e) UI [$U.3.1]" "(0008,0018) UI [$U.3.1.1]" \
	"(0018,0015) CS [l-spine]" "(0010,0020) LO [P-2]" "(0010,0010) PN [Smith^Anne]" "(0010,0030) DA [19790101]"

run "$SDSFHIR" fhir --resource study "$T/sub-1"
printf '%s\n' "$out" | jq '.[0]' >"$TMP/s1.json"
is "Accession Number: an identifier of type ACSN" \
	"$(jq -c '[.identifier[] | select(.type) | [.type.coding[0].system, .type.coding[0].code, .value]]' "$TMP/s1.json")" \
	'[["http://terminology.hl7.org/CodeSystem/v2-0203","ACSN","ACC-77"]]'
is "modality lists acquisition modalities only (CID 29)" "$(jq -c '[.modality[].code]' "$TMP/s1.json")" '["MR"]'
is "SR and KO stay on their series" "$(jq -c '[.series[].modality.code]' "$TMP/s1.json")" '["MR","SR","KO"]'
is "BRAIN (Annex L, not in dcmtk's CID 4031 table) is 12738006" \
	"$(jq -c '.series[0].bodySite | [.code, .display]' "$TMP/s1.json")" '["12738006","Brain"]'
# Annex L whole: terms dcmtk's table lacks map too, and CHEST takes the standard's current code
n=0
for bp in AXILLA CIRCLEOFWILLIS SACRUM CHEST VULVA; do
	n=$((n + 1))
	mkdcm "$TMP/al/primary/sub-$bp/sam-1/a.dcm" "(0018,0015) CS [$bp]" "(0020,000d) UI [$U.9$n]" "(0020,000e) UI [$U.9$n.1]" \
		"(0008,0018) UI [$U.9$n.1.1]" "(0010,0020) LO [P-9$n]"
done
run "$SDSFHIR" fhir --resource study "$TMP/al"
is "AXILLA, CIRCLEOFWILLIS, SACRUM, CHEST, VULVA: each its Annex L code" \
	"$(printf '%s' "$out" | jq -r '[.[].series[0].bodySite.code] | join(" ")')" "91470000 816094009 11279006 54735007 45292006"	# by folder: AXILLA CHEST CIRCLEOFWILLIS SACRUM VULVA
unlike "... with no warning" "$err" "Annex L"
# Issuer of Accession Number Sequence (0008,0051): the system of the accession number
issuer() {	# LOCAL UID TYPE: the sequence, one item, as dump2dcm reads it (one argument)
	printf '(0008,0051) SQ (Sequence with undefined length)\n(fffe,e000) na (Item with undefined length)\n'
	[ -z "$1" ] || printf '(0040,0031) UT [%s]\n' "$1"
	[ -z "$2" ] || printf '(0040,0032) UT [%s]\n(0040,0033) CS [%s]\n' "$2" "$3"
	printf '(fffe,e00d) na (ItemDelimitationItem)\n(fffe,e0dd) na (SequenceDelimitationItem)'
}
n=0
for args in "RIS-A|2.16.840.1.113883.19.5|ISO" "|6FA459EA-EE8A-3CA4-894E-DB77E160355E|UUID" "RIS-C||"; do
	n=$((n + 1))
	mkdcm "$TMP/acc/primary/sub-$n/sam-1/a.dcm" "(0020,000d) UI [$U.8$n]" "(0020,000e) UI [$U.8$n.1]" "(0008,0018) UI [$U.8$n.1.1]" \
		"(0010,0020) LO [P-8$n]" "(0008,0050) SH [ACC-$n]" "(0040,0031) UT [TOP-LEVEL, NOT AN ISSUER]" \
		"$(issuer "$(echo "$args" | cut -d'|' -f1)" "$(echo "$args" | cut -d'|' -f2)" "$(echo "$args" | cut -d'|' -f3)")"
done
run "$SDSFHIR" fhir --resource study "$TMP/acc"
is "Issuer of Accession Number: ISO as urn:oid:, UUID as urn:uuid:, a local name as the assigner" \
	"$(printf '%s' "$out" | jq -c '[.[].identifier[] | select(.type) | [.value, .system, .assigner.display]]')" \
	'[["ACC-1","urn:oid:2.16.840.1.113883.19.5","RIS-A"],["ACC-2","urn:uuid:6fa459ea-ee8a-3ca4-894e-db77e160355e",null],["ACC-3",null,"RIS-C"]]'
run "$SDSFHIR" tags "$TMP/acc/primary/sub-1/sam-1/a.dcm"
like "tags shows the issuer, read from the sequence" "$out" "\(0040,0032\) UniversalEntityID +2.16.840.1.113883.19.5"
run "$SDSFHIR" fhir --resource patient "$T/sub-1"
is "an Issuer of Patient ID that is an OID: system urn:oid:" "$(printf '%s' "$out" | jq -r '.[0].identifier[0].system')" \
	"urn:oid:2.16.840.1.113883.3.1"
run "$SDSFHIR" fhir --resource study "$T/sub-2"
is "'Whole Body' is normalised to WHOLEBODY" "$(printf '%s' "$out" | jq -r '.[0].series[0].bodySite.code')" "38266002"
run "$SDSFHIR" fhir --resource study "$T/sub-3"
is "'l-spine' is normalised to LSPINE" "$(printf '%s' "$out" | jq -r '.[0].series[0].bodySite.code')" "122496007"

run "$SDSFHIR" scan "$TMP/ds"
like "one Patient ID, two names: a warning naming the folders" "$out" \
	"Patient ID 'P-2' is given with different names: 'Smith\\^Ann' in ds/sub-2, 'Smith\\^Anne' in ds/sub-3"
like "... and birth dates" "$out" "Patient ID 'P-2' is given with different birth dates: '19800101' in ds/sub-2, '19790101' in ds/sub-3"
unlike "... not sexes: they agree" "$out" "different sexes"

run "$SDSFHIR" bodysite --code 12345 "$TMP/ds"
is "bodysite --code 12345: refused (exit 2)" "$rc" 2
like "... because of its check digit" "$err" "check digit"
done_testing
