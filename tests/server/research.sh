#!/bin/sh
# SPARC datasets as FHIR research data on the test FHIR server: a ResearchStudy per dataset,
# a ResearchSubject per subject folder, the PI as a Practitioner, the DICOMweb Endpoint; pushed
# within the server's limits, idempotently, found by the ready searches, covered by status.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CONFIG_HOME="$TMP/config"
sample_data
D=$TMP/data
H=sparc_fhir_heart_dataset

# push: everything in one go, counted by type
run "$SDSFHIR" push --dicomweb http://127.0.0.1:8042/dicom-web "$D"
is "push: exit 0" "$rc" 0
like "push: counts by resource type" "$out" \
	"^push: ImagingStudy 4 created; Patient 2 created; ResearchStudy 2 created; ResearchSubject 4 created; Practitioner 1 created; Endpoint 1 created$"
is "2 ResearchStudies" "$(fhir_count ResearchStudy)" 2
is "4 ResearchSubjects" "$(fhir_count ResearchSubject)" 4
is "1 Practitioner" "$(fhir_count Practitioner)" 1
is "1 Endpoint" "$(fhir_count Endpoint)" 1
is "the Endpoint: WADO-RS at the address given" \
	"$(curl -s "$FHIR/Endpoint" | jq -c '.entry[0].resource | [.connectionType.code, .payloadType[0].text, .address]')" \
	'["dicom-wado-rs","DICOM","http://127.0.0.1:8042/dicom-web"]'
is "every ImagingStudy refers to its ResearchStudy and the Endpoint by server id" \
	"$(curl -s "$FHIR/ImagingStudy" | jq -c '[.entry[].resource | [(.extension[0].valueReference.reference | split("/")[0]), (.endpoint[0].reference | split("/")[0])]] | unique')" \
	'[["ResearchStudy","Endpoint"]]'
is "the ResearchStudy: title, PI, arm from the SDS files" \
	"$(curl -s "$FHIR/ResearchStudy?title=SPARC%20FHIR%20heart%20MRI%20dataset" | jq -c '.entry[0].resource | [.status, (.principalInvestigator.reference | split("/")[0]), .arm[0].name, .focus[0].text]')" \
	'["completed","Practitioner","control","heart"]'

# again: nothing new, and nothing sent
run "$SDSFHIR" push --dicomweb http://127.0.0.1:8042/dicom-web "$D"
like "push again: unchanged, two searches" "$out" "^push: 4 unchanged; 2 requests"
run "$SDSFHIR" patient --dicomweb http://127.0.0.1:8042/dicom-web "$D"
like "patient again: everything existed" "$out" \
	"^patient: Patient 2 existed; ResearchStudy 2 existed; ResearchSubject 4 existed; Practitioner 1 existed; Endpoint 1 existed$"
is "... still 2 ResearchStudies" "$(fhir_count ResearchStudy)" 2
is "... still 4 ResearchSubjects" "$(fhir_count ResearchSubject)" 4
is "... still 1 Practitioner and 1 Endpoint" "$(fhir_count Practitioner) $(fhir_count Endpoint)" "1 1"

# the ready searches
run "$SDSFHIR" search --subjects "$H"
is "search --subjects: exit 0" "$rc" 0
like "... the dataset's subjects, with their Patients' names" "$out" "^sub-Aniyah-heart-1 +Aniyah Brown +$H +control "
like "... both of them" "$out" "^sub-Linman-heart-1 +Linman Zhang +$H +control "
like "... and no other" "$out" "^2 shown of 2"
run "$SDSFHIR" search --datasets Zhang
like "search --datasets NAME: the datasets the patient is in" "$out" "^sub-Linman-breast-1 +Linman Zhang +sparc_fhir_breast_dataset "
like "... both" "$out" "^sub-Linman-heart-1 +Linman Zhang +$H "
run "$SDSFHIR" search --datasets 'urn:sparc_patient:issuer:bioresearch-institute|SPARC-P001' --json
is "search --datasets SYSTEM|VALUE: by identifier, with the ResearchStudies included" \
	"$(printf '%s' "$out" | jq -c '([.matches[].identifier[0].value] | sort), ([.included[] | select(.resourceType == "ResearchStudy") | .title] | sort)')" \
	'["sub-Aniyah-breast-1","sub-Aniyah-heart-1"]
["SPARC FHIR breast MRI dataset","SPARC FHIR heart MRI dataset"]'

# status covers them: a ResearchSubject gone makes its study different, and push puts it back
id=$(curl -s "$FHIR/ResearchSubject?identifier=sub-Linman-heart-1" | jq -r '.entry[0].resource.id')
curl -s -X DELETE "$FHIR/ResearchSubject/$id" >/dev/null
is "deleted on the server" "$(fhir_count ResearchSubject)" 3
run "$SDSFHIR" status --dicomweb http://127.0.0.1:8042/dicom-web "$D"
like "status: the study whose ResearchSubject is gone is different" "$out" \
	"^different +ImagingStudy/[^ ]+: its ResearchSubject is not on the server +$H/sub-Linman-heart-1"
like "... the others the same" "$out" "^status: 3 same, 1 different"
printf ':wait\n:dump %s\nq\n' "$TMP/marks" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x30 "$SDSFHIR" --dicomweb http://127.0.0.1:8042/dicom-web "$D" >/dev/null 2>&1
like "the UI's tree marks that study different (~)" "$(cat "$TMP/marks")" "^  ~  v sub-Linman-heart-1"
like "... the others the same (=)" "$(cat "$TMP/marks")" "^  =  v sub-Aniyah-heart-1"
printf ':wait\nG\n3\n:dump %s\nq\n' "$TMP/why" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x30 "$SDSFHIR" --dicomweb http://127.0.0.1:8042/dicom-web "$D" >/dev/null 2>&1
like "... and its server view says why" "$(cat "$TMP/why")" "its ResearchSubject is not on the server"
run "$SDSFHIR" push --dicomweb http://127.0.0.1:8042/dicom-web "$D"
like "push: the study is sent again, its ResearchSubject made" "$out" "^push: 4 unchanged; 3 requests"
like "... counted" "$out" "^push: ImagingStudy 4 unchanged; Patient 1 existed; ResearchSubject 1 created"
is "4 ResearchSubjects again" "$(fhir_count ResearchSubject)" 4
run "$SDSFHIR" status --dicomweb http://127.0.0.1:8042/dicom-web "$D"
like "status: all the same again" "$out" "^status: 4 same"

# richer SDS metadata: DOIs, several PIs, an ORCID iD with a wrong check digit, groups
R=$TMP/rich
mkdcm "$R/primary/sub-a/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.97.1]" "(0020,000e) UI [1.2.826.0.1.3680043.10.97.1.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.97.1.1.1]" "(0010,0020) LO [RICH-A]"
mkdcm "$R/primary/sub-b/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.97.2]" "(0020,000e) UI [1.2.826.0.1.3680043.10.97.2.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.97.2.1.1]" "(0010,0020) LO [RICH-B]"
cat >"$R/dataset_description.csv" <<'CSV'
Metadata element,Description,Example,Value,Value 2,Value 3
Title,,,Rich dataset,,
DOI,,,10.26275/rich-0001,,
Subtitle,,,A dataset with everything,,
Keywords,,,"vagus, heart",MRI,
Study purpose,,,To test the mapping,,
Study organ system,,,heart,vagus nerve,
Contributor name,,,"Curie, Marie","Pasteur, Louis","Helper, Some"
Contributor ORCiD,,,https://orcid.org/0000-0002-1694-233X,0000-0002-1825-0098,
Contributor role,,,PrincipalInvestigator,"Researcher, PrincipalInvestigator",DataCurator
Identifier description,,,The protocol,A paper,
Relation type,,,IsProtocolFor,IsCitedBy,
Identifier,,,https://doi.org/10.17504/protocols.io.abc,https://example.org/paper,
Identifier type,,,DOI,URL,
CSV
printf 'subject id,subject experimental group,sex\nsub-a,treated,Female\nsub-b,sham,Male\n' >"$R/subjects.csv"
run "$SDSFHIR" fhir "$R"
printf '%s\n' "$out" >"$TMP/rich.json"
bundle_unique "$TMP/rich.json" "rich"
like "two PIs: a warning that FHIR R4 holds one" "$err" "2 principal investigators: ResearchStudy.principalInvestigator holds one"
like "a wrong ORCID check digit: a warning, the PI identified by name" "$err" "'0000-0002-1825-0098' is not an ORCID iD"
rs() { jq -c "[.entry[].resource | select(.resourceType == \"ResearchStudy\")][0] | $1" "$TMP/rich.json"; }
is "the dataset's own DOI: an identifier; a related work's DOI (the protocol) is not one" \
	"$(rs '[.identifier[] | select(.system == "https://doi.org") | [.use, .value]]')" '[["official","10.26275/rich-0001"]]'
is "... every one a relatedArtifact, of an R4 type (IsCitedBy: citation, R4 has no cited-by)" \
	"$(rs '[.relatedArtifact[] | [.type, .url, .display]]')" \
	'[["citation","https://doi.org/10.26275/rich-0001",null],["documentation","https://doi.org/10.17504/protocols.io.abc","The protocol"],["citation","https://example.org/paper","A paper"]]'
is "keywords split and in order" "$(rs '[.keyword[].text]')" '["vagus","heart","MRI"]'
is "focus: each organ system" "$(rs '[.focus[].text]')" '["heart","vagus nerve"]'
is "description: Subtitle, then Study purpose" "$(rs .description)" '"A dataset with everything\n\nTo test the mapping"'
is "arms: the groups" "$(rs '[.arm[].name]')" '["treated","sham"]'
is "the Practitioners: ORCID, else by name" \
	"$(jq -c '[.entry[].resource | select(.resourceType == "Practitioner") | .identifier[0] | [.system, .value]]' "$TMP/rich.json")" \
	'[["https://orcid.org","0000-0002-1694-233X"],["urn:sparc_contributor:name","Pasteur, Louis"]]'
is "the data curator is no Practitioner" "$(grep -c Helper "$TMP/rich.json")" 0
is "assignedArm per subject" \
	"$(jq -c '[.entry[].resource | select(.resourceType == "ResearchSubject") | [.identifier[0].value, .assignedArm]]' "$TMP/rich.json")" \
	'[["sub-a","treated"],["sub-b","sham"]]'
run "$SDSFHIR" push "$R"
is "rich: pushed (every resource passes the server's validation)" "$rc" 0
like "... by type" "$out" "^push: ImagingStudy 2 created; Patient 2 created; ResearchStudy 1 created; ResearchSubject 2 created; Practitioner 2 created$"
run "$SDSFHIR" push "$R"
like "rich again: unchanged" "$out" "^push: 2 unchanged"
is "rich: 2 more Practitioners, no more" "$(fhir_count Practitioner)" 3

# many PIs and an Endpoint: the dataset's transaction stays within 8 conditional entries
M=$TMP/many-pi
mkdcm "$M/primary/sub-1/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.97.3]" "(0020,000e) UI [1.2.826.0.1.3680043.10.97.3.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.97.3.1.1]" "(0010,0020) LO [MANY-PI]"
{
	printf 'Metadata element,Value'; for i in 1 2 3 4 5 6 7 8 9; do printf ',Value %s' "$i"; done; printf '\n'
	printf 'Title,Many PIs'; for i in 1 2 3 4 5 6 7 8 9; do printf ',x'; done; printf '\n'
	printf 'Contributor name,P0'; for i in 1 2 3 4 5 6 7 8 9; do printf ',P%s' "$i"; done; printf '\n'
	printf 'Contributor role,PrincipalInvestigator'; for i in 1 2 3 4 5 6 7 8 9; do printf ',PrincipalInvestigator'; done; printf '\n'
} >"$M/dataset_description.csv"
run "$SDSFHIR" push --dicomweb https://pacs.example.org/wado "$M"
is "ten PIs: pushed" "$rc" 0
like "... six of them, said" "$err" "more than 6 principal investigators: the others are left out"
like "... within the server's limit" "$out" "^push: ImagingStudy 1 created; Patient 1 created; ResearchStudy 1 created; ResearchSubject 1 created; Practitioner 6 created; Endpoint 1 created$"

# a comma in an identifier is a search's OR (Medplum reads %2C as one too): escaped as \, it
# names one thing, so a Patient ID "C,D" never matches the Patient "C", nor a subject "sub-1,2"
# the subject "sub-1"
K=$TMP/commas
mkdcm "$K/primary/sub-1/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.96.1]" "(0020,000e) UI [1.2.826.0.1.3680043.10.96.1.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.96.1.1.1]" "(0010,0020) LO [C]" "(0010,0010) PN [Comma^Plain]"
mkdcm "$K/primary/sub-1,2/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.96.2]" "(0020,000e) UI [1.2.826.0.1.3680043.10.96.2.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.96.2.1.1]" "(0010,0020) LO [C,D]" "(0010,0010) PN [Comma^Twice]"
run "$SDSFHIR" push "$K/primary/sub-1"
run "$SDSFHIR" push "$K"
is "commas: pushed" "$rc" 0
like "... the other person's Patient and ResearchSubject created, not matched to the first's" "$out" \
	"^push: ImagingStudy 1 created, 1 unchanged; Patient 1 created; ResearchSubject 1 created$"
is "... two Patients" "$(fhir_count Patient 'identifier=C,C%5C,D')" 2
is "... each study with its own Patient" \
	"$(curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:1.2.826.0.1.3680043.10.96.2&_include=ImagingStudy:subject" |
		jq -r '[.entry[].resource | select(.resourceType == "Patient") | .identifier[0].value] | join(" ")')" "C,D"
run "$SDSFHIR" push "$K"
like "... and again: unchanged, found by their escaped identifiers" "$out" "^push: 2 unchanged; 2 requests"

# the UI marks a study on the server only when its ImagingStudy was written: a server that runs
# the transaction entry by entry may create its Patient and refuse the study
U=$TMP/ui-refused
mkdcm "$U/primary/sub-u/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.95.1]" "(0020,000e) UI [1.2.826.0.1.3680043.10.95.1.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.95.1.1.1]" "(0010,0020) LO [UI-REFUSED]" "(0008,1030) LO [REFUSE-THIS-STUDY]"
fault '{"refuse":"REFUSE-THIS-STUDY","count":4}'
printf ':wait\np\ny\n:wait\n:dump %s\nq\n' "$TMP/refused" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x30 "$SDSFHIR" "$U" >/dev/null 2>&1
like "a refused study: the push says so" "$(cat "$TMP/refused")" "push: .*1 failed"
unlike "... and the tree does not mark it as on the server (=)" "$(cat "$TMP/refused")" "^  =  v sub-u"

# a refused ResearchStudy: its dataset's studies fail, saying why; nothing half-made
fault '{"refuse":"Rich dataset","count":5}'
rm -rf "$TMP/rich2"; cp -R "$R" "$TMP/rich2"
sed -i 's/^Title,,,Rich dataset/Title,,,Rich dataset two/' "$TMP/rich2/dataset_description.csv"
mv "$TMP/rich2/primary/sub-a" "$TMP/rich2/primary/sub-c"
run "$SDSFHIR" push "$TMP/rich2"
is "a refused ResearchStudy: exit 3" "$rc" 3
like "... its studies fail with the reason" "$out" "^failed +its dataset's ResearchStudy was not written: .*sub-c"
# a Keywords cell of 40,000 distinct words and 40,000 subjects in distinct groups: each kept
# once, in linear time (it took 74 s and 97 s; 30 s is a bound, not a figure: bench/ has those)
Q=$TMP/quad
mkdcm "$Q/primary/sub-1/sam-1/a.dcm" "(0010,0020) LO [QUAD-1]"
python3 - "$Q" <<'PY'
import sys
q = sys.argv[1]
words = ";".join("w%d" % i for i in range(40000))
open(q + "/dataset_description.csv", "w").write("Metadata element,Value\nTitle,Quad\nKeywords,\"%s\"\n" % words)
with open(q + "/subjects.csv", "w") as f:
    f.write("subject id,subject experimental group\nsub-1,g0\n")
    for i in range(1, 40000):
        f.write("sub-x%d,g%d\n" % (i, i))
PY
run timeout 30 "$SDSFHIR" fhir --resource researchstudy "$Q"
is "40,000 keywords and 40,000 groups: done (exit 0, within 30 s)" "$rc" 0
is "... each keyword once, each group an arm" "$(printf '%s' "$out" | jq -c '.[0] | [(.keyword | length), (.arm | length)]')" '[40000,40000]'
done_testing
