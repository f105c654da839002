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

first() {	# type file: the first resource of that type in the Bundle
	jq -c --arg t "$1" '[.entry[].resource | select(.resourceType == $t)][0]' "$2"
}

# the sample data, subject by subject, then whole
for s in "$top_srcdir"/data/*/primary/sub-*; do
	name=$(basename "$s")
	"$SDSFHIR" fhir "$s" >"$TMP/$name.json"
	accepted "$TMP/$name.json" "$name"
done
is "2 Patients" "$(fhir_count Patient)" 2
is "4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
# a dataset's Bundle: 8 conditional entries, as many as Medplum takes in a transaction (the whole
# sample data, 13, is refused in atomic mode: push splits it, see client.sh)
for ds in "$top_srcdir"/data/sparc_fhir_*_dataset; do
	name=$(basename "$ds")
	"$SDSFHIR" fhir "$ds" >"$TMP/$name.json"
	is "$name: 8 conditional entries" "$(jq '[.entry[].request | select(.ifNoneExist or (.url | contains("?")))] | length' "$TMP/$name.json")" 8
	accepted "$TMP/$name.json" "$name again"
	accepted "$TMP/$name.json" "$name a third time"
done
is "still 2 Patients" "$(fhir_count Patient)" 2
is "still 4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
is "2 ResearchStudies, one per dataset" "$(fhir_count ResearchStudy)" 2
is "4 ResearchSubjects, one per subject folder" "$(fhir_count ResearchSubject)" 4
is "1 Practitioner, the PI of both" "$(fhir_count Practitioner)" 1
is "a dataset's subjects from its ResearchStudy, with their Patients" \
	"$(curl -s "$FHIR/ResearchSubject?study:ResearchStudy.identifier=urn:sparc_dataset:uid|urn:uid:sparc_fhir_heart_dataset-511c2c5a-1a8b-53db-9742-8caaeefb8a68&_include=ResearchSubject:individual" |
		jq -c '[.entry[] | .resource.resourceType + ":" + (.resource.identifier[0].value // "")] | sort')" \
	'["Patient:SPARC-P001","Patient:SPARC-P002","ResearchSubject:sub-Aniyah-heart-1","ResearchSubject:sub-Linman-heart-1"]'
is "a dataset's ImagingStudies by sdsfhir's imagingStudy-researchStudy extension" \
	"$(curl -s "$FHIR/ImagingStudy" | jq '[.entry[].resource.extension[]? | select(.url == "urn:sdsfhir:StructureDefinition:imagingStudy-researchStudy") | .valueReference.reference | startswith("ResearchStudy/")] | length')" 4
"$SDSFHIR" fhir --dicomweb https://pacs.example.org/dicom-web "$top_srcdir/data/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1" >"$TMP/web.json"
accepted "$TMP/web.json" "with an Endpoint"
accepted "$TMP/web.json" "with an Endpoint again"
is "one Endpoint" "$(fhir_count Endpoint)" 1
is "the ImagingStudy refers to it" "$(curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:$(jq -r '[.entry[].resource | select(.resourceType == "ImagingStudy")][0].identifier[0].value | ltrimstr("urn:oid:")' "$TMP/web.json")" |
	jq -r '.entry[0].resource.endpoint[0].reference | startswith("Endpoint/")')" true
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
is "no dates: no started, no invented time" "$(first ImagingStudy "$TMP/nodates.json" | jq -r 'has("started")')" "false"
accepted "$TMP/nodates.json" "no dates"

run "$SDSFHIR" fhir "$E/sub-rat-7"
printf '%s\n' "$out" >"$TMP/rat.json"
like "de-identified: warning says so" "$err" "de-identified header \(no Patient ID\).*sub-rat-7.*Rattus norvegicus.*subjects\.csv"
is "de-identified: identifier from the SDS subject" "$(first Patient "$TMP/rat.json" | jq -c '.identifier[0] | [.system, .value]')" \
	'["urn:sparc_subject:id","edge/sub-rat-7"]'
is "de-identified: sex from subjects.csv" "$(first Patient "$TMP/rat.json" | jq -r .gender)" "male"
is "de-identified: species as patient-animal" "$(first Patient "$TMP/rat.json" | jq -r '.extension[0].extension[0].valueCodeableConcept.text')" "Rattus norvegicus"
is "KNEE through Annex L" "$(first ImagingStudy "$TMP/rat.json" | jq -r '.series[0].bodySite.code')" "72696002"
is "R laterality" "$(first ImagingStudy "$TMP/rat.json" | jq -r '.series[0].laterality.code')" "419465000"
accepted "$TMP/rat.json" "de-identified"

run "$SDSFHIR" fhir "$E/sub-two"
printf '%s\n' "$out" >"$TMP/two.json"
is "two studies in one subject: one Patient, one ResearchSubject, two ImagingStudies" \
	"$(jq -c '[.entry[].resource.resourceType]' "$TMP/two.json")" '["ResearchStudy","Patient","ResearchSubject","ImagingStudy","ImagingStudy"]'
like "no dataset_description: a warning" "$err" "edge: no readable dataset_description: its ResearchStudy is titled with the folder name"
is "... and the ResearchStudy the folder's name" "$(first ResearchStudy "$TMP/two.json" | jq -c '[.title, .status]')" '["edge","completed"]'
like "unknown body part: warning" "$err" "Body Part Examined 'NOSUCHPART' is not a defined term of DICOM PS3.16 Annex L"
is "unknown body part: no bodySite" "$(jq -r '[.entry[].resource | select(.resourceType == "ImagingStudy")][1].series[0] | has("bodySite")' "$TMP/two.json")" "false"
accepted "$TMP/two.json" "two studies"

run "$SDSFHIR" fhir "$E/sub-odd-values"
printf '%s\n' "$out" >"$TMP/odd.json"
like "invalid birth date: warning" "$err" "Birth Date '19801340' is not a valid date"
is "invalid birth date: left out" "$(first Patient "$TMP/odd.json" | jq -r 'has("birthDate")')" "false"
like "invalid sex: warning" "$err" "Sex 'X'"
like "invalid time: warning" "$err" "Study Time '2599' is not a valid time"
is "invalid time: date only" "$(first ImagingStudy "$TMP/odd.json" | jq -r .started)" "2024-03-01"
is "issuer that is a URI is the system" "$(first Patient "$TMP/odd.json" | jq -r '.identifier[0].system')" "urn:oid:1.2.3.4"
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
