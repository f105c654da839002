#!/bin/sh
# The FHIR generated for the sample data equals the golden files in tests/golden, which were
# checked by hand against the mapping (see sdsfhir(1)). To update them after a deliberate change:
#   sdsfhir fhir --zone America/New_York data > tests/golden/sample-bundle.json   (and so on)
. "$top_srcdir/tests/lib.sh"
G=$top_srcdir/tests/golden
D=$top_srcdir/data

run "$SDSFHIR" fhir --zone America/New_York "$D"
is "fhir of the sample data exits 0" "$rc" 0
printf '%s\n' "$out" >"$TMP/bundle.json"
check "Bundle equals tests/golden/sample-bundle.json" diff -u "$G/sample-bundle.json" "$TMP/bundle.json"
bundle_unique "$TMP/bundle.json" "the sample Bundle"
is "no warnings for the sample data" "$err" ""

run "$SDSFHIR" fhir --resource patient "$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1"
printf '%s\n' "$out" >"$TMP/p.json"
check "--resource patient equals tests/golden/patient-linman.json" diff -u "$G/patient-linman.json" "$TMP/p.json"
run "$SDSFHIR" fhir --resource study --zone America/New_York "$D/sparc_fhir_heart_dataset/primary/sub-Aniyah-heart-1"
printf '%s\n' "$out" >"$TMP/s.json"
check "--resource study equals tests/golden/study-aniyah-heart.json" diff -u "$G/study-aniyah-heart.json" "$TMP/s.json"

run "$SDSFHIR" fhir --resource researchstudy "$D/sparc_fhir_breast_dataset"
printf '%s\n' "$out" >"$TMP/rs.json"
check "--resource researchstudy equals tests/golden/researchstudy-breast.json" diff -u "$G/researchstudy-breast.json" "$TMP/rs.json"
run "$SDSFHIR" fhir --resource researchsubject "$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1"
printf '%s\n' "$out" >"$TMP/rsub.json"
check "--resource researchsubject equals tests/golden/researchsubject-linman-heart.json" diff -u "$G/researchsubject-linman-heart.json" "$TMP/rsub.json"
run "$SDSFHIR" fhir --dicomweb https://pacs.example.org/dicom-web --zone America/New_York "$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1"
printf '%s\n' "$out" >"$TMP/web.json"
check "--dicomweb: the Bundle equals tests/golden/bundle-dicomweb-linman-heart.json" diff -u "$G/bundle-dicomweb-linman-heart.json" "$TMP/web.json"
bundle_unique "$TMP/web.json" "the Bundle with an Endpoint"

# the mapping, asserted on the output itself
b=$TMP/bundle.json
is "type transaction" "$(jq -r .type "$b")" "transaction"
is "2 Patients, 2 ResearchStudies, 4 ResearchSubjects, 1 Practitioner (conditional creates), 4 ImagingStudies (conditional updates)" \
	"$(jq -c '[.entry[] | .request.method + " " + .resource.resourceType] | group_by(.) | map(.[0] + " x" + (length | tostring))' "$b")" \
	'["POST Patient x2","POST Practitioner x1","POST ResearchStudy x2","POST ResearchSubject x4","PUT ImagingStudy x4"]'
is "what is referred to comes before what refers to it" \
	"$(jq -r '[.entry[].fullUrl] as $u | [.entry | to_entries[] | .key as $k | .value.resource | .. | objects | .reference? // empty | select(startswith("urn:uuid:")) | (($u | index(.)) // 1e9) < $k] | all' "$b")" true
is "ifNoneExist on the patient identifier" "$(jq -r '[.entry[] | select(.resource.resourceType == "Patient")][0].request.ifNoneExist' "$b")" \
	"identifier=urn:sparc_patient:issuer:bioresearch-institute|SPARC-P001"
is "ifNoneExist on the dataset identifier" "$(jq -r '[.entry[] | select(.resource.resourceType == "ResearchStudy")][0].request.ifNoneExist' "$b")" \
	"identifier=urn:sparc_dataset:uid|urn:uid:sparc_fhir_breast_dataset-780b4af4-710a-53f4-8787-58d0424c1f69"
is "identifier systems in the tutorial's order" \
	"$(jq -r '[.entry[] | select(.resource.resourceType == "ImagingStudy")][0].resource | [.identifier[].system // empty] | join(" ")' "$b")" "urn:dicom:uid urn:sparc_study:uid urn:sparc_dataset:uid"
is "each ImagingStudy points at its dataset's ResearchStudy" \
	"$(jq -r '([.entry[] | select(.resource.resourceType == "ResearchStudy") | {(.resource.identifier[0].value): .fullUrl}] | add) as $rs | [.entry[].resource | select(.resourceType == "ImagingStudy") | (.extension[0].valueReference.reference == $rs[.identifier[] | select(.system == "urn:sparc_dataset:uid") | .value])] | all' "$b")" true
is "each ResearchSubject points at its Patient and its ResearchStudy" \
	"$(jq -r '[.entry[] | select(.resource.resourceType == "Patient") | .fullUrl] as $p | [.entry[] | select(.resource.resourceType == "ResearchStudy") | .fullUrl] as $s | [.entry[].resource | select(.resourceType == "ResearchSubject") | ((.individual.reference | IN($p[])) and (.study.reference | IN($s[])))] | all' "$b")" true
is "Aniyah's studies in both datasets point at one Patient" \
	"$(jq -r '[.entry[] | select(.resource.resourceType == "ImagingStudy") | .resource.subject.reference] | .[0] == .[2] and .[1] == .[3] and .[0] != .[1]' "$b")" "true"
is "subject references are fullUrls of Patient entries" \
	"$(jq -r '([.entry[] | select(.resource.resourceType == "Patient") | .fullUrl]) as $p | [.entry[].resource.subject.reference // empty | IN($p[])] | all' "$b")" "true"
is "no brithDate anywhere" "$(grep -c brithDate "$b")" 0
is "every instance has a sopClass" "$(jq '[.. | objects | select(has("sopClass") | not) | select(has("uid") and (has("modality") | not) and (has("series") | not))] | length' "$b")" 0
is "numberOfInstances equals the instances listed" \
	"$(jq '[.entry[].resource | select(.resourceType == "ImagingStudy") | .numberOfInstances == ([.series[].instance[]] | length) and .numberOfSeries == (.series | length)] | all' "$b")" "true"
is "dataset identifier the same on every run" \
	"$("$SDSFHIR" fhir "$D" | jq -r '[.entry[] | select(.resource.resourceType == "ImagingStudy")][0].resource.identifier[2].value')" "urn:uid:sparc_fhir_breast_dataset-780b4af4-710a-53f4-8787-58d0424c1f69"

# zones: the machine's by default
run env TZ=Asia/Kolkata "$SDSFHIR" fhir --resource study "$D/sparc_fhir_heart_dataset/primary/sub-Aniyah-heart-1"
is "default zone is the machine's" "$(printf '%s' "$out" | jq -r '.[0].started')" "2023-06-01T09:15:00+05:30"
is "... and said once: which zone was assumed, for how many studies" "$err" \
	"sdsfhir: note: 1 study has no Timezone Offset From UTC (0008,0201): its times are read in this machine's zone (IST, +0530 now); --zone sets another"
run env TZ=Asia/Kolkata "$SDSFHIR" fhir "$D"
is "... once for the whole command (2 such studies)" "$(printf '%s\n' "$err" | grep -c 'note: 2 studies have no Timezone Offset')" 1
run "$SDSFHIR" fhir --resource study --zone +01:00 "$D/sparc_fhir_heart_dataset/primary/sub-Aniyah-heart-1"
is "--zone +01:00" "$(printf '%s' "$out" | jq -r '.[0].started')" "2023-06-01T09:15:00+01:00"
is "... no note: the zone was given" "$err" ""
run env SDSFHIR_ZONE=Z "$SDSFHIR" fhir --resource study "$D/sparc_fhir_heart_dataset/primary/sub-Aniyah-heart-1"
is "SDSFHIR_ZONE=Z" "$(printf '%s' "$out" | jq -r '.[0].started')" "2023-06-01T09:15:00Z"
run "$SDSFHIR" fhir --resource study --zone +01:00 "$D/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1"
is "the offset tag wins over --zone" "$(printf '%s' "$out" | jq -r '.[0].started')" "2023-05-12T10:32:15-04:00"
printf 'zone = +01:00\n' >"$TMP/zone.conf"
run "$SDSFHIR" fhir --config "$TMP/zone.conf" --resource study "$D/sparc_fhir_heart_dataset/primary/sub-Aniyah-heart-1"
is "zone from the config file, as push takes it" "$(printf '%s' "$out" | jq -r '.[0].started')" "2023-06-01T09:15:00+01:00"
run "$SDSFHIR" fhir --zone Mars/Base "$D"
is "unknown zone: exit 2" "$rc" 2
run "$SDSFHIR" --zone Mars/Base "$D"
is "unknown zone in the UI: exit 2, before the screen" "$rc" 2
like "... saying what a zone is" "$err" "--zone takes local, Z"
run "$SDSFHIR" push --patient-system 'not a uri' "$D"
is "--patient-system that is not a URI: refused for push too (exit 2)" "$rc" 2
# dicomweb: option, environment or config file, like the other settings; an http(s) URL only
L=$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1
ep() { printf '%s' "$out" | jq -r '[.entry[].resource | select(.resourceType == "Endpoint") | .address] | join(" ")'; }
run "$SDSFHIR" fhir "$L"
is "no dicomweb setting: no Endpoint" "$(ep) $(printf '%s' "$out" | jq '[.entry[].resource.endpoint // empty] | length')" " 0"
run env SDSFHIR_DICOMWEB=https://env.example/wado "$SDSFHIR" fhir "$L"
is "SDSFHIR_DICOMWEB: the Endpoint" "$(ep)" "https://env.example/wado"
printf 'dicomweb = https://conf.example/wado\n' >"$TMP/web.conf"
run "$SDSFHIR" fhir --config "$TMP/web.conf" "$L"
is "dicomweb in the config file" "$(ep)" "https://conf.example/wado"
run env SDSFHIR_DICOMWEB=https://env.example/wado "$SDSFHIR" fhir --config "$TMP/web.conf" --dicomweb http://opt.example/wado "$L"
is "the option wins" "$(ep)" "http://opt.example/wado"
for bad in ftp://x/wado 'not a url' 'https://x/ wado' 'file:///etc/passwd' 'https://'; do
	run "$SDSFHIR" fhir --dicomweb "$bad" "$L"
	is "--dicomweb '$bad': refused (exit 2)" "$rc" 2
done
like "... saying what it takes" "$err" "dicomweb takes the http:// or https:// base URL of a DICOMweb server"
run "$SDSFHIR" fhir --dicomweb https://user:s3cret@pacs.example/wado "$L"
is "--dicomweb with credentials in it: refused (exit 2), they would go to the FHIR server" "$rc" 2
unlike "... and the password is not shown" "$out$err" "s3cret"
run env SDSFHIR_DICOMWEB=ftp://x "$SDSFHIR" push "$L"
is "a bad SDSFHIR_DICOMWEB: refused for push too (exit 2)" "$rc" 2

# --resource: one shape, an array, for one result and for many; the type's name in any case
run "$SDSFHIR" fhir --resource study "$D/sparc_fhir_heart_dataset/primary/sub-Aniyah-heart-1"
is "--resource with one result: an array of one" "$(printf '%s' "$out" | jq -c '[type, length]')" '["array",1]'
run "$SDSFHIR" fhir --resource study "$D"
is "... with many: an array of them" "$(printf '%s' "$out" | jq -c '[type, length]')" '["array",4]'
run "$SDSFHIR" fhir --resource ResearchStudy "$D"
is "--resource ResearchStudy (R4's spelling)" "$(printf '%s' "$out" | jq -c '[.[].resourceType]')" '["ResearchStudy","ResearchStudy"]'
run "$SDSFHIR" fhir --resource ImagingStudy "$D/sparc_fhir_heart_dataset"
is "--resource ImagingStudy is study" "$(printf '%s' "$out" | jq -c '[.[].resourceType]')" '["ImagingStudy","ImagingStudy"]'
run "$SDSFHIR" fhir --resource banana "$D"
is "bad --resource: exit 2" "$rc" 2
like "... naming what it takes" "$err" "--resource takes patient, study, researchstudy or researchsubject"
run "$SDSFHIR" fhir --resource patient --patient-system urn:example:pid "$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1"
is "--patient-system is not used when the header names an issuer" "$(printf '%s' "$out" | jq -r '.[0].identifier[0].system')" \
	"urn:sparc_patient:issuer:bioresearch-institute"
# an error naming a relative path prints it as given (it lost nothing, and gained no leading /)
run sh -c 'cd "$1" && "$2" fhir --zone Z data/nosuch data/sparc_fhir_heart_dataset' sh "$top_srcdir" "$SDSFHIR"
like "a relative path in an error: as given" "$err" "^sdsfhir: error: data/nosuch: No such file or directory"
is "... one path of two missing: partly done (exit 1)" "$rc" 1
run sh -c 'cd "$1" && "$2" fhir data/nosuch' sh "$top_srcdir" "$SDSFHIR"
is "every path missing: a usage error (exit 2), not partly done" "$rc" 2
like "... naming the path as given" "$err" "^sdsfhir fhir: data/nosuch: no such file or folder"
run "$SDSFHIR" scan /nonexistent
is "scan /nonexistent: exit 2" "$rc" 2
done_testing
