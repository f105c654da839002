#!/bin/sh
# Every Bundle sdsfhir makes, for the sample data and for edge cases, is accepted by the
# test FHIR server entry by entry, and posting it again creates nothing.
. "$top_srcdir/tests/lib.sh"
fhir_server_start

accepted() {	# bundle description: post it, every entry 200 or 201
	bundle_unique "$1" "$2"
	fhir_post "$1"
	is "$2: transaction accepted" "$status" 200
	bad=$(jq -r '[.entry[]?.response.status | select(startswith("20") | not)] | length' "$TMP/.resp" 2>/dev/null)
	n=$(jq '.entry | length' "$1")
	is "$2: all $n entries 200/201" "${bad:-x} $(jq '.entry | length' "$TMP/.resp" 2>/dev/null)" "0 $n"
	[ "$status" = 200 ] || sed 's/^/#   /' "$TMP/.resp" | head -c 2000
}

# the sample data, subject by subject, then whole
for s in "$top_srcdir"/data/*/primary/sub-*; do
	name=$(basename "$s")
	"$SDSFHIR" fhir "$s" >"$TMP/$name.json"
	accepted "$TMP/$name.json" "$name"
done
is "2 Patients" "$(fhir_count Patient)" 2
is "4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
"$SDSFHIR" fhir "$top_srcdir/data" >"$TMP/all.json"
accepted "$TMP/all.json" "all sample data again"
accepted "$TMP/all.json" "all sample data a third time"
is "still 2 Patients" "$(fhir_count Patient)" 2
is "still 4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
is "Aniyah's studies: one in each dataset" \
	"$(curl -s "$FHIR/ImagingStudy?subject:Patient.identifier=SPARC-P001" | jq -r '[.entry[].resource.identifier[] | select(.system == "urn:sparc_dataset:uid") | .value | sub("-[0-9a-f-]{36}$"; "")] | sort | join(" ")')" \
	"urn:uid:sparc_fhir_breast_dataset urn:uid:sparc_fhir_heart_dataset"
is "breast studies by bodysite" "$(fhir_count ImagingStudy bodysite=76752008)" 2
is "heart studies by bodysite" "$(fhir_count ImagingStudy bodysite=80891009)" 2

# edge cases
E=$TMP/edge/primary
mkdcm "$E/sub-nodates/sam-1/a.dcm" "-(0008,0020)" "-(0008,0030)" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.2]" \
	"(0020,000e) UI [1.2.826.0.1.3680043.10.99.2.1]" "(0008,0018) UI [1.2.826.0.1.3680043.10.99.2.1.1]" "(0010,0020) LO [TEST-002]"
mkdcm "$E/sub-rat-7/sam-1/a.dcm" "-(0010,0010)" "(0010,0020) LO []" "-(0010,0030)" "-(0010,0040)" \
	"(0020,000d) UI [1.2.826.0.1.3680043.10.99.3]" "(0020,000e) UI [1.2.826.0.1.3680043.10.99.3.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.99.3.1.1]" "(0018,0015) CS [KNEE]" "(0020,0060) CS [R]"
mkdcm "$E/sub-two/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.4]" "(0020,000e) UI [1.2.826.0.1.3680043.10.99.4.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.99.4.1.1]" "(0010,0020) LO [TEST-004]"
mkdcm "$E/sub-two/sam-2/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.5]" "(0020,000e) UI [1.2.826.0.1.3680043.10.99.5.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.99.5.1.1]" "(0010,0020) LO [TEST-004]" "(0008,0020) DA [20240302]" \
	"(0018,0015) CS [NOSUCHPART]"
mkdcm "$E/sub-odd-values/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.6]" "(0020,000e) UI [1.2.826.0.1.3680043.10.99.6.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.99.6.1.1]" "(0010,0020) LO [TEST-006]" "(0010,0030) DA [19801340]" \
	"(0010,0040) CS [X]" "(0008,0030) TM [2599]" "(0010,0021) LO [urn:oid:1.2.3.4]"
printf 'subject id,sex,age,species\nsub-rat-7,Male,12 weeks,Rattus norvegicus\n' >"$TMP/edge/subjects.csv"

run "$SDSFHIR" fhir "$E/sub-nodates"
printf '%s\n' "$out" >"$TMP/nodates.json"
is "no dates: no started, no invented time" "$(jq -r '.entry[1].resource | has("started")' "$TMP/nodates.json")" "false"
accepted "$TMP/nodates.json" "no dates"

run "$SDSFHIR" fhir "$E/sub-rat-7"
printf '%s\n' "$out" >"$TMP/rat.json"
like "de-identified: warning says so" "$err" "de-identified header \(no Patient ID\).*sub-rat-7.*Rattus norvegicus.*subjects\.csv"
is "de-identified: identifier from the SDS subject" "$(jq -c '.entry[0].resource.identifier[0] | [.system, .value]' "$TMP/rat.json")" \
	'["urn:sparc_subject:id","edge/sub-rat-7"]'
is "de-identified: sex from subjects.csv" "$(jq -r '.entry[0].resource.gender' "$TMP/rat.json")" "male"
is "de-identified: species as patient-animal" "$(jq -r '.entry[0].resource.extension[0].extension[0].valueCodeableConcept.text' "$TMP/rat.json")" "Rattus norvegicus"
is "KNEE through Annex L" "$(jq -r '.entry[1].resource.series[0].bodySite.code' "$TMP/rat.json")" "72696002"
is "R laterality" "$(jq -r '.entry[1].resource.series[0].laterality.code' "$TMP/rat.json")" "419465000"
accepted "$TMP/rat.json" "de-identified"

run "$SDSFHIR" fhir "$E/sub-two"
printf '%s\n' "$out" >"$TMP/two.json"
is "two studies in one subject: one Patient, two ImagingStudies" \
	"$(jq -c '[.entry[].resource.resourceType]' "$TMP/two.json")" '["Patient","ImagingStudy","ImagingStudy"]'
like "unknown body part: warning" "$err" "Body Part Examined 'NOSUCHPART' has no SNOMED CT code"
is "unknown body part: no bodySite" "$(jq -r '.entry[2].resource.series[0] | has("bodySite")' "$TMP/two.json")" "false"
accepted "$TMP/two.json" "two studies"

run "$SDSFHIR" fhir "$E/sub-odd-values"
printf '%s\n' "$out" >"$TMP/odd.json"
like "invalid birth date: warning" "$err" "Birth Date '19801340' is not a valid date"
is "invalid birth date: left out" "$(jq -r '.entry[0].resource | has("birthDate")' "$TMP/odd.json")" "false"
like "invalid sex: warning" "$err" "Sex 'X'"
like "invalid time: warning" "$err" "Study Time '2599' is not a valid time"
is "invalid time: date only" "$(jq -r '.entry[1].resource.started' "$TMP/odd.json")" "2024-03-01"
is "issuer that is a URI is the system" "$(jq -r '.entry[0].resource.identifier[0].system' "$TMP/odd.json")" "urn:oid:1.2.3.4"
accepted "$TMP/odd.json" "odd values"

p=$(fhir_count Patient); s=$(fhir_count ImagingStudy)
for f in nodates rat two odd; do fhir_post "$TMP/$f.json"; done
is "edge Bundles posted again: Patients unchanged" "$(fhir_count Patient)" "$p"
is "edge Bundles posted again: ImagingStudies unchanged" "$(fhir_count ImagingStudy)" "$s"

# a changed dataset updates the study in place
mkdcm "$E/sub-two/sam-1/b.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.4]" "(0020,000e) UI [1.2.826.0.1.3680043.10.99.4.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.99.4.1.2]" "(0010,0020) LO [TEST-004]" "(0020,0013) IS [2]"
"$SDSFHIR" fhir "$E/sub-two" >"$TMP/two2.json"
accepted "$TMP/two2.json" "changed study"
is "changed study: no new ImagingStudy" "$(fhir_count ImagingStudy)" "$s"
is "changed study: the server has the new instance" \
	"$(curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:1.2.826.0.1.3680043.10.99.4" | jq '.entry[0].resource.numberOfInstances')" 2

# a study that cannot be expressed is left out, with the reason, and exit 1
mkdcm "$E/sub-nomod/sam-1/a.dcm" "-(0008,0060)" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.7]" \
	"(0020,000e) UI [1.2.826.0.1.3680043.10.99.7.1]" "(0008,0018) UI [1.2.826.0.1.3680043.10.99.7.1.1]"
run "$SDSFHIR" fhir "$E/sub-nomod"
is "no Modality: exit 1" "$rc" 1
like "no Modality: the reason" "$err" "has no Modality \(0008,0060\), which FHIR requires"
is "no Modality: study left out" "$(printf '%s' "$out" | jq '.entry | length')" 0
done_testing
