#!/bin/sh
# Day two: the server stays true to the folders after edits, annotations and concurrent
# writes. A push keeps what it does not derive from the files (a bodySite set on the server,
# another client's elements), writes over the version it read (If-Match), and status agrees.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CONFIG_HOME="$TMP/config"
sample_data
D=$TMP/data
S=$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1
uid=$("$SDSFHIR" fhir --resource study "$S" 2>/dev/null | jq -r '[.[0].identifier[] | select(.system == "urn:dicom:uid") | .value][0]' | sed 's/^urn:oid://')
study() { curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:$uid" | jq -c ".entry[0].resource | $1"; }

run "$SDSFHIR" push "$D"
is "push: exit 0" "$rc" 0
is "the header's bodySite on the server" "$(study '[.series[].bodySite.code] | unique')" '["80891009"]'

# 1. a bodySite set on the server is kept by a push, and status says why it is the same
run "$SDSFHIR" bodysite --code 80248007 "$S"
is "bodysite: exit 0" "$rc" 0
run "$SDSFHIR" push "$S"
is "push after bodysite: exit 0" "$rc" 0
like "... unchanged, and says the server's bodySite is kept" "$out" \
	"^unchanged .*bodySite set on the server: kept \(series 1, 2, 3: 80248007, the files say 80891009\)"
is "... the server still holds the bodySite set" "$(study '[.series[].bodySite.code] | unique')" '["80248007"]'
run "$SDSFHIR" status "$S"
is "status: exit 0 (a kept value is no difference)" "$rc" 0
like "... same, and why" "$out" "^same .*bodySite set on the server: kept"

# another client's element is kept too, and a change in the files still reaches the server
id=$(study .id | tr -d '"')
curl -s "$FHIR/ImagingStudy/$id" | jq '.note = [{"text": "seen by Dr X"}]' |
	curl -s -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' --data-binary @- "$FHIR/ImagingStudy/$id"
edit() { find "$S" -name "*.dcm" -exec dcmodify -nb -m "(0008,1030)=$1" {} +; }
edit "Edited description"
run "$SDSFHIR" status "$S"
like "status: the edit is a difference" "$out" "^different .*description: here \"Edited description\""
unlike "... the note is not" "$out" "note"
run "$SDSFHIR" push "$S"
like "push after an edit: updated, bodySite kept" "$out" "^updated .*bodySite set on the server: kept"
is "... the edit on the server" "$(study .description)" '"Edited description"'
is "... the other client's note kept" "$(study '.note[0].text')" '"seen by Dr X"'
is "... the bodySite set kept" "$(study '[.series[].bodySite.code] | unique')" '["80248007"]'
run "$SDSFHIR" status "$S"
like "status: the same again" "$out" "^status: 1 same"

# a write made between push's read and its write is merged, never overwritten (If-Match, 412)
edit "Edited again"
fault '{"delayMs": 1500, "count": 1, "method": "POST"}'
"$SDSFHIR" push "$S" >"$TMP/race.out" 2>&1 &
pid=$!
sleep 0.7
curl -s "$FHIR/ImagingStudy/$id" | jq '.note = [{"text": "written meanwhile"}]' |
	curl -s -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' --data-binary @- "$FHIR/ImagingStudy/$id"
wait $pid
is "push during another write: exit 0" "$?" 0
is "... the files' edit on the server" "$(study .description)" '"Edited again"'
is "... the write made meanwhile kept" "$(study '.note[0].text')" '"written meanwhile"'
is "... one ImagingStudy" "$(fhir_count ImagingStudy "identifier=urn:dicom:uid|urn:oid:$uid")" 1

# --files-win: the files' bodySite, for this push
run "$SDSFHIR" push --files-win "$S"
like "push --files-win: updated" "$out" "^updated "
is "... the header's bodySite back" "$(study '[.series[].bodySite.code] | unique')" '["80891009"]'
is "... the note still kept" "$(study '.note[0].text')" '"written meanwhile"'
run "$SDSFHIR" status "$D"
is "status: all the same" "$rc" 0

# 2. edits of the research metadata reach the server: compared, updated with If-Match, counted
HD=$D/sparc_fhir_heart_dataset
sed -i 's/^Title,SPARC FHIR heart MRI dataset/Title,Edited heart title/' "$HD/dataset_description.csv"
sed -i 's/^sub-Linman-heart-1,,control,/sub-Linman-heart-1,,treated,/' "$HD/subjects.csv"
run "$SDSFHIR" status "$D"
is "status after editing dataset_description and subjects: exit 1" "$rc" 1
like "... the title named" "$out" "^different .*its dataset's ResearchStudy differs: title: here \"Edited heart title\", server \"SPARC FHIR heart MRI dataset\""
like "... the experimental group named" "$out" "^different .*its ResearchSubject differs: assignedArm: here \"treated\", server \"control\".*sub-Linman-heart-1$"
run "$SDSFHIR" push "$D"
is "push: exit 0" "$rc" 0
like "... ResearchStudy and ResearchSubject updated, nothing else written" "$out" \
	"^push: ImagingStudy 4 unchanged; Patient [0-9]+ existed; ResearchStudy 1 updated; ResearchSubject 1 updated$"
is "... the title on the server" "$(fhir_count ResearchStudy 'title=Edited%20heart%20title')" 1
is "... the group on the server" "$(curl -s "$FHIR/ResearchSubject?identifier=sub-Linman-heart-1" | jq -r '.entry[0].resource.assignedArm')" treated
is "... still 2 ResearchStudies and 4 ResearchSubjects" "$(fhir_count ResearchStudy) $(fhir_count ResearchSubject)" "2 4"
run "$SDSFHIR" status "$D"
is "status: all the same again" "$rc" 0
sed -i 's/^sub-Linman-heart-1,,treated,/sub-Linman-heart-1,,sham,/' "$HD/subjects.csv"
run "$SDSFHIR" patient "$D"
like "patient: an edited group updated too (and the arms of the ResearchStudy)" "$out" "^patient: Patient 2 existed; ResearchStudy 1 existed, 1 updated; ResearchSubject 3 existed, 1 updated; Practitioner 1 existed$"
is "... on the server" "$(curl -s "$FHIR/ResearchSubject?identifier=sub-Linman-heart-1" | jq -r '.entry[0].resource.assignedArm')" sham
run "$SDSFHIR" push "$D"
like "push again: nothing written" "$out" "^push: ImagingStudy 4 unchanged$"

# 5. a server that commits a transaction and then stalls: the answer is lost, the studies are
# read back before anything is said, and the rest of the push goes on
find "$D" -name '*.dcm' -exec dcmodify -nb -m "(0008,1030)=Stall test" {} +
fault '{"stallAfterMs": 3000, "count": 1, "method": "POST"}'
run "$SDSFHIR" push --batch 1 --retries 0 --timeout 1 "$D"
is "push through a stall after the commit: exit 0" "$rc" 0
like "... the stalled study read back: done" "$out" "^updated +ImagingStudy/[^ ]+ \(its answer was lost: read back, it is on the server\)"
like "... the others went on" "$out" "^push: 4 updated"
is "... each study once" "$(fhir_count ImagingStudy)" 4
is "... all with the edit" "$(curl -s "$FHIR/ImagingStudy" | jq -c '[.entry[].resource.description] | unique')" '["Stall test"]'

# 3. a study split over two subject folders: each folder gets its ResearchSubject
H=$D/sparc_fhir_heart_dataset/primary
mkdir "$H/sub-Aniyah-heart-2"
mv "$H/sub-Aniyah-heart-1/sam-2" "$H/sub-Aniyah-heart-2/"
run "$SDSFHIR" push "$D"
is "push of a study split over two folders: exit 0" "$rc" 0
like "... the new folder's ResearchSubject created" "$out" "^push: .*ResearchSubject 1 created"
is "... on the server" "$(fhir_count ResearchSubject 'identifier=sub-Aniyah-heart-2')" 1
run "$SDSFHIR" status "$D"
is "status: all the same (exit 0)" "$rc" 0
run "$SDSFHIR" push "$D"
like "push again: nothing sent" "$out" "^push: 4 unchanged; 2 requests"
run "$SDSFHIR" push "$H/sub-Aniyah-heart-1"
like "push of one of its folders: the study as all its folders make it, unchanged" "$out" "^push: 1 unchanged"
is "... the other folder's series still on the server" \
	"$(curl -s "$FHIR/ImagingStudy" | jq '[.entry[].resource | select([.identifier[].value] | any(test("sub-Aniyah-heart-2-"))) | .numberOfSeries][0]')" 2

# 8. retract one folder of the split study: its series, identifier and ResearchSubject only
A=$H/sub-Aniyah-heart-1
auid=$("$SDSFHIR" fhir --resource study "$A" 2>/dev/null | jq -r '[.[0].identifier[] | select(.system == "urn:dicom:uid") | .value][0]')
astudy() { curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|$auid" | jq -c ".entry[0].resource | $1"; }
is "the split study: 2 series on the server" "$(astudy .numberOfSeries)" 2
run "$SDSFHIR" retract --yes "$H/sub-Aniyah-heart-2"
is "retract one of its folders: exit 0" "$rc" 0
like "... the study updated, not removed, naming the folder left" "$out" \
	"^updated +ImagingStudy/[^ ]+: this folder's series taken out; the study stays for sparc_fhir_heart_dataset/sub-Aniyah-heart-1 "
like "... the folder's ResearchSubject removed" "$out" "^removed +ResearchSubject/"
is "... the study still there, with the other folder's series only" "$(astudy '[.numberOfSeries, (.identifier | map(select(.system == "urn:sparc_study:uid") | .value | test("heart-2")) | any)]')" '[1,false]'
is "... the other folder's ResearchSubject stays" "$(fhir_count ResearchSubject 'identifier=sub-Aniyah-heart-1')" 1
is "... this one's is gone" "$(fhir_count ResearchSubject 'identifier=sub-Aniyah-heart-2')" 0
run "$SDSFHIR" push "$D"
is "push puts the folder back: exit 0" "$rc" 0
is "... 2 series again" "$(astudy .numberOfSeries)" 2
is "... and its ResearchSubject" "$(fhir_count ResearchSubject 'identifier=sub-Aniyah-heart-2')" 1
run "$SDSFHIR" retract --yes "$H/sub-Aniyah-heart-2"
run "$SDSFHIR" retract --yes "$A"
like "one folder retracted, then the other: the study removed, the first not put back" "$out" "^retract: 1 removed"
is "... gone from the server" "$(fhir_count ImagingStudy "identifier=urn:dicom:uid|$auid")" 0
run "$SDSFHIR" push "$D"
is "push puts both back: exit 0" "$rc" 0
run "$SDSFHIR" retract --yes "$A" "$H/sub-Aniyah-heart-2"
like "retract of both folders: the study removed" "$out" "^retract: 1 removed"
is "... gone from the server" "$(fhir_count ImagingStudy "identifier=urn:dicom:uid|$auid")" 0
is "... both ResearchSubjects gone" "$(fhir_count ResearchSubject 'identifier=sub-Aniyah-heart-1') $(fhir_count ResearchSubject 'identifier=sub-Aniyah-heart-2')" "0 0"
run "$SDSFHIR" push "$D"
is "push again: exit 0" "$rc" 0

# 4. a study pushed without its instance lists reads as the same
B=$TMP/big
python3 "$top_srcdir/bench/gen-dataset.py" "$B" 1 2 60 64 >/dev/null
run "$SDSFHIR" push --max-request 5k "$B"
is "a study over the request limit: pushed (exit 0)" "$rc" 0
like "... without its instance lists" "$err" "pushed without its instance lists"
run "$SDSFHIR" status --max-request 5k "$B"
is "status: the same as push would send it (exit 0)" "$rc" 0
like "... same" "$out" "^status: 1 same"
run "$SDSFHIR" push --max-request 5k "$B"
like "push again: unchanged, nothing sent" "$out" "^push: 1 unchanged; 2 requests"
unlike "... and no warning about instance lists it did not send" "$err" "without its instance lists"

# 9. one person stays one person: two sites' "SUB001" without an issuer are not linked as one
A9=$TMP/site-a/primary/sub-1/sam-1
mkdcm "$A9/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.1]" "(0020,000e) UI [1.2.826.0.1.3680043.10.99.1.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.99.1.1.1]" "(0010,0020) LO [SUB001]" "-(0010,0021)" "(0010,0010) PN [Smith^John]" \
	"(0010,0030) DA [19800101]" "(0010,0040) CS [M]"
B9=$TMP/site-b/primary/sub-1/sam-1
mkdcm "$B9/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.2]" "(0020,000e) UI [1.2.826.0.1.3680043.10.99.2.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.99.2.1.1]" "(0010,0020) LO [SUB001]" "-(0010,0021)" "(0010,0010) PN [Garcia^Maria]" \
	"(0010,0030) DA [19920505]" "(0010,0040) CS [F]"
run "$SDSFHIR" push "$TMP/site-a"
is "site A's SUB001 pushed" "$rc" 0
run "$SDSFHIR" push "$TMP/site-b"
is "site B's SUB001, another person: refused (exit 1)" "$rc" 1
like "... naming both" "$out" "^failed +Patient/[^ ]+ on the server \(Smith, John, 1980-01-01, male\) is another person than the files' \(Garcia, Maria, 1992-05-05, female\), though both carry identifier urn:sparc_patient:id\|SUB001: not linked \(push --same-person links it\)"
is "... nothing of it written" "$(fhir_count ImagingStudy 'identifier=urn:dicom:uid|urn:oid:1.2.826.0.1.3680043.10.99.2')" 0
run "$SDSFHIR" push --same-person "$TMP/site-b"
is "push --same-person: linked as the user says" "$rc" 0
is "... one Patient SUB001" "$(fhir_count Patient 'identifier=SUB001')" 1
run "$SDSFHIR" status "$TMP/site-b"
like "status shows it" "$out" "^different .*is another person than the files'"
run "$SDSFHIR" status --same-person "$TMP/site-b"
is "status --same-person: the same" "$rc" 0
# a Patient on the server whose name has no given name (another client's): compared, no crash
curl -s -o /dev/null -X POST -H 'Content-Type: application/fhir+json' \
	-d '{"resourceType":"Patient","identifier":[{"system":"urn:sparc_patient:id","value":"SUB002"}],"name":[{"family":"Smith"}]}' "$FHIR/Patient"
C9=$TMP/site-c/primary/sub-1/sam-1
mkdcm "$C9/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.3]" "(0020,000e) UI [1.2.826.0.1.3680043.10.99.3.1]" \
	"(0008,0018) UI [1.2.826.0.1.3680043.10.99.3.1.1]" "(0010,0020) LO [SUB002]" "-(0010,0021)" "(0010,0010) PN [Doe^Jane]"
run "$SDSFHIR" push "$TMP/site-c"
is "a server Patient named without a given name, another family: refused (exit 1), no crash" "$rc" 1
like "... naming both" "$out" "^failed +Patient/[^ ]+ on the server \\(Smith\\) is another person than the files' \\(Doe, Jane, "

# a study written by an earlier sdsfhir, with R4's workflow-researchStudy (not allowed on an
# ImagingStudy): status says it differs, a push replaces it with sdsfhir's own extension
fhir_reset
run "$SDSFHIR" push "$D"
id=$(study .id | tr -d '"')
curl -s "$FHIR/ImagingStudy/$id" | jq '.extension[0].url = "http://hl7.org/fhir/StructureDefinition/workflow-researchStudy"' |
	curl -s -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' --data-binary @- "$FHIR/ImagingStudy/$id"
run "$SDSFHIR" status "$S"
like "an earlier sdsfhir's workflow-researchStudy: status says it differs" "$out" "^different "
run "$SDSFHIR" push "$S"
like "... push updates it" "$out" "^updated "
is "... to sdsfhir's extension alone" "$(study '[.extension[].url]')" '["urn:sdsfhir:StructureDefinition:imagingStudy-researchStudy"]'

# the ResearchStudy's notes: sdsfhir's (from dataset_description) follow the file, another client's stay
rsq="$FHIR/ResearchStudy?identifier=urn:sparc_dataset:uid|$("$SDSFHIR" fhir --resource researchstudy "$D/sparc_fhir_heart_dataset" 2>/dev/null | jq -r '.[0].identifier[0].value')"
rsid=$(curl -s "$rsq" | jq -r '.entry[0].resource.id')
curl -s "$FHIR/ResearchStudy/$rsid" | jq '.note += [{"authorString": "Dr X", "text": "reviewed"}]' |
	curl -s -o /dev/null -X PUT -H 'Content-Type: application/fhir+json' --data-binary @- "$FHIR/ResearchStudy/$rsid"
sed -i 's/^Funding,none$/Funding,OT2OD000001/' "$D/sparc_fhir_heart_dataset/dataset_description.csv"
run "$SDSFHIR" status "$D/sparc_fhir_heart_dataset"
like "funding edited: status names the note" "$out" "note"
run "$SDSFHIR" push "$D/sparc_fhir_heart_dataset"
is "... push: sdsfhir's note follows the file, the other client's is kept" \
	"$(curl -s "$rsq" | jq -c '[.entry[0].resource.note[] | [.authorString, .text]]')" \
	'[["sdsfhir: dataset_description","Funding: OT2OD000001"],["Dr X","reviewed"]]'

server_writes_valid	# before the server goes
# 5. a stall after the commit, and then the server is gone: unknown, with the command that settles it
find "$D" -name '*.dcm' -exec dcmodify -nb -m "(0008,1030)=Stall test 2" {} +
fault '{"stallAfterMs": 8000, "count": 1, "method": "POST"}'
curl -s "$FHIR/metadata" >/dev/null	# the last request's headers name no body now
"$SDSFHIR" push --batch 1 --retries 0 --timeout 1 "$D" >"$TMP/gone.out" 2>"$TMP/gone.err" &
pid=$!
i=0	# until the transaction has reached the server (the last request's headers name a body)
while [ $i -lt 100 ] && ! curl -s "$ADMIN/stats" | jq -e '.lastHeaders["content-type"]' >/dev/null; do
	sleep 0.1; i=$((i + 1)); done
sleep 0.5	# committed, and stalling
kill -9 "$server_pid"
wait "$pid"
rc=$?
like "a stall, then the server gone: the stalled study unknown, with the command that settles it" "$(cat "$TMP/gone.out")" \
	"^unknown +its answer was lost .* could not be read back .*: sdsfhir status on this folder tells whether it is there"
like "... the rest not sent" "$(cat "$TMP/gone.out")" "^not sent +"
is "... exit 5 (cannot reach)" "$rc" 5
done_testing
