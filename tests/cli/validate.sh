#!/bin/sh
# Every resource sdsfhir makes passes R4 validation (tests/fhir-server/validate.js): HL7's R4 JSON
# schema, @medplum/core's validator, and each extension checked against its StructureDefinition
# (R4's, and sdsfhir's own in share/). The goldens, the Bundles and NDJSON exports of data/, and
# the research resources of SPARC's templates 1.2.3, 2.0.0 and 3.0.2, whose reading is checked too.
. "$top_srcdir/tests/lib.sh"
sample_data
V() { NODE_PATH=${FHIR_NODE_MODULES:-} ${NODE:-node} "$top_srcdir/tests/fhir-server/validate.js" "$@"; }
D=$TMP/data

# the validator can fail: one fault of each kind it must catch
S=$top_srcdir/tests/golden/study-aniyah-heart.json
jq '.[0] | .extension[0].url = "http://hl7.org/fhir/StructureDefinition/workflow-researchStudy"' "$S" >"$TMP/bad1.json"
jq '.[0] | .extension[0].valueReference = {reference: "Patient/x"}' "$S" >"$TMP/bad2.json"
jq '.[0] | .extension[0].url = "urn:example:nobody-defined-this"' "$S" >"$TMP/bad3.json"
jq '.[0] | .series[0].banana = 1' "$S" >"$TMP/bad4.json"
jq '.[0] | .relatedArtifact = [{type: "cited-by", url: "https://doi.org/10.1/x"}] | .resourceType = "ResearchStudy" |
	{resourceType, status: "completed", relatedArtifact}' "$S" >"$TMP/bad5.json"
jq '.[0] | .status = "finished"' "$S" >"$TMP/bad6.json"
run V "$TMP/bad1.json"
like "validator: workflow-researchStudy on an ImagingStudy is refused (R4 allows it elsewhere)" "$out" "is not allowed here"
run V "$TMP/bad2.json"
like "validator: sdsfhir's extension referring to a Patient is refused" "$out" "refers to Patient, not ResearchStudy"
run V "$TMP/bad3.json"
like "validator: an extension nobody defined is refused" "$out" "has no StructureDefinition"
run V "$TMP/bad4.json"
like "validator: an element R4 does not have is refused" "$out" "banana"
run V "$TMP/bad5.json"
like "validator: R5's cited-by is refused by the schema" "$out" "schema: /relatedArtifact/0/type"
run V "$TMP/bad6.json"
like "validator: a code outside a required binding is refused" "$out" "/status must be equal to one of the allowed values"
is "... each with exit 1" "$rc" 1

# the goldens, the Bundles and exports of the sample data
run V "$top_srcdir"/tests/golden/*.json
like "the goldens pass" "$out" "^[0-9]+ resources, 0 errors$"
is "... exit 0" "$rc" 0
"$SDSFHIR" fhir "$D" >"$TMP/b.json" 2>/dev/null
"$SDSFHIR" fhir --dicomweb https://pacs.example.org/dicom-web --zone +02:00 "$D" >"$TMP/bw.json" 2>/dev/null
for r in patient study researchstudy researchsubject; do
	"$SDSFHIR" fhir --resource $r "$D" >"$TMP/r-$r.json" 2>/dev/null
done
"$SDSFHIR" export --ndjson "$TMP/nd" --dicomweb https://pacs.example.org/dicom-web "$D" >/dev/null 2>&1
run V "$TMP/b.json" "$TMP/bw.json" "$TMP"/r-*.json "$TMP"/nd/*.ndjson
like "the Bundles, each --resource and the NDJSON export of data/ pass" "$out" "^[0-9]+ resources, 0 errors$"
like "... every kind of resource among them" "$(cat "$TMP"/nd/*.ndjson | jq -r .resourceType | sort -u | tr '\n' ' ')" \
	"^Endpoint ImagingStudy Patient Practitioner ResearchStudy ResearchSubject $"

# SPARC's templates, as a curator fills them
for v in 1.2.3 2.0.0 3.0.2; do
	T=$TMP/t$v/sparc_fhir_heart_dataset
	mkdir -p "$TMP/t$v"
	cp -R "$D/sparc_fhir_heart_dataset" "$TMP/t$v/"
	rm -f "$T/dataset_description".* "$T/subjects".*
	cp "$top_srcdir/tests/sds-templates/$v/"*.csv "$T/"
	run "$SDSFHIR" fhir --zone Z "$T"
	printf '%s\n' "$out" >"$TMP/t$v.json"
	is "template $v: no warnings" "$err" ""
	run V "$TMP/t$v.json"
	like "template $v: the Bundle passes" "$out" "^[0-9]+ resources, 0 errors$"
	rs=$(jq -c '.entry[] | select(.resource.resourceType == "ResearchStudy") | .resource' "$TMP/t$v.json")
	is "template $v: the title" "$(printf '%s' "$rs" | jq -r .title)" "Heart MRI of two volunteers (template $v)"
	is "template $v: the PI, by ORCID" "$(jq -r '.entry[] | select(.resource.resourceType == "Practitioner") | .resource.identifier[0] | .system + "/" + .value' "$TMP/t$v.json")" \
		"https://orcid.org/0000-0002-1825-0097"
	is "template $v: the contact person" "$(printf '%s' "$rs" | jq -c '[.contact[].name]')" '["Curator, Anna"]'
	is "template $v: arms from the subjects file" "$(printf '%s' "$rs" | jq -c '[.arm[].name]')" '["volunteers","controls"]'
	is "template $v: each subject's arm" "$(jq -c '[.entry[] | select(.resource.resourceType == "ResearchSubject") | .resource.assignedArm]' "$TMP/t$v.json")" \
		'["volunteers","controls"]'
	is "template $v: keywords" "$(printf '%s' "$rs" | jq -c '[.keyword[].text][:2]')" '["MRI","heart"]'
	is "template $v: a related work's DOI is never an identifier" "$(printf '%s' "$rs" | jq -c '[.identifier[].system]')" '["urn:sparc_dataset:uid"]'
	like "template $v: funding in a note" "$(printf '%s' "$rs" | jq -r '.note[].text')" "^Funding: OT2OD000000$"
	like "template $v: acknowledgments in a note" "$(printf '%s' "$rs" | jq -r '.note[].text')" "^Acknowledgments: We thank the volunteers$"
done
r1=$(jq -c '.entry[] | select(.resource.resourceType == "ResearchStudy") | .resource' "$TMP/t1.2.3.json")
is "1.2.3: the Description row" "$(printf '%s' "$r1" | jq -r .description)" "MRI of the hearts of two volunteers, filled in SPARC's template 1.2.3"
is "1.2.3: originating article, protocol and link as relatedArtifacts" \
	"$(printf '%s' "$r1" | jq -c '[.relatedArtifact[] | [.type, .label // .display, .url]]')" \
	'[["citation","Originating article","https://doi.org/10.1000/heart.2020.1"],["documentation","Protocol","https://doi.org/10.17504/protocols.io.heart1"],["documentation","Notes on the acquisition","https://example.org/heart-mri/notes"]]'
r2=$(jq -c '.entry[] | select(.resource.resourceType == "ResearchStudy") | .resource' "$TMP/t2.0.0.json")
is "2.0.0: Subtitle and Study purpose" "$(printf '%s' "$r2" | jq -r .description)" "MRI of the hearts of two volunteers

Sample data for sdsfhir in the 2.0.0 template"
is "2.0.0: related identifiers by relation type" "$(printf '%s' "$r2" | jq -c '[.relatedArtifact[] | [.type, .display, .url]]')" \
	'[["documentation","The acquisition protocol","https://doi.org/10.17504/protocols.io.heart2"],["documentation","The paper that describes the dataset","https://doi.org/10.1000/heart.2021.2"]]'
r3=$(jq -c '.entry[] | select(.resource.resourceType == "ResearchStudy") | .resource' "$TMP/t3.0.2.json")
is "3.0.2: the Description row first, then the Study purpose" "$(printf '%s' "$r3" | jq -r .description)" "Cardiac MRI of two volunteers, filled in SPARC's template 3.0.2

Sample data for sdsfhir in the 3.0.2 template"
is "3.0.2: the license" "$(printf '%s' "$r3" | jq -c '[.relatedArtifact[] | select(.label == "License") | .citation]')" '["CC-BY-4.0"]'
is "3.0.2: IsCitedBy is R4's citation" "$(printf '%s' "$r3" | jq -c '[.relatedArtifact[] | select(.url == "https://doi.org/10.1000/heart.2023.3") | .type]')" '["citation"]'
like "3.0.2: funding information in notes" "$(printf '%s' "$r3" | jq -r '.note[].text' | tr '\n' '|')" \
	"Funding consortium: SPARC\|Funding agency: NIH\|Award number: OT2OD000000"

# what a curator left out is said
T=$TMP/t1.2.3/sparc_fhir_heart_dataset
grep -v -e '^Name,' -e '^Contributor Role,' "$top_srcdir/tests/sds-templates/1.2.3/dataset_description.csv" >"$T/dataset_description.csv"
run "$SDSFHIR" fhir --resource researchstudy "$T"
like "no Title (or Name): a warning" "$err" "dataset_description has no Title: its ResearchStudy is titled with the folder name"
like "no principal investigator: a warning" "$err" "names no principal investigator"
is "... titled with the folder name" "$(printf '%s' "$out" | jq -r '.[0].title')" "sparc_fhir_heart_dataset"
printf '%s\n' "$out" >"$TMP/untitled.json"
run V "$TMP/untitled.json"
like "... and still valid" "$out" "^1 resources, 0 errors$"
done_testing
