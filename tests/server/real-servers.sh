#!/bin/sh
# What full FHIR servers do that a kind test server would not: size limits, studies already
# on the server twice, studies too large for one request. Runs in both server modes.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR"
export XDG_CONFIG_HOME="$TMP/config"
sample_data
D=$TMP/data

# ---- a server that already holds two copies of one study (the tutorial's POST, run twice) ----
"$SDSFHIR" push "$D" >/dev/null 2>&1
"$SDSFHIR" fhir --resource study "$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1" | jq '.[0]' >"$TMP/linman.json"
pid=$(curl -s "$FHIR/Patient?identifier=SPARC-P002" | jq -r '.entry[0].resource.id')
jq --arg p "Patient/$pid" '.subject = {reference: $p}' "$TMP/linman.json" >"$TMP/copy.json"
fhir_post "$TMP/copy.json" /ImagingStudy
is "a second copy of Linman's heart study posted, as the tutorial does" "$status" 201
uid=2.25.31415926535897932384626433832020200000
is "the server holds it twice" "$(fhir_count ImagingStudy "identifier=urn:dicom:uid|urn:oid:$uid")" 2
run "$SDSFHIR" push --zone +01:00 "$D"
is "push: exit 1 (one study failed)" "$rc" 1
like "the study is reported before anything is sent, with how to see and remove the copies" "$out" \
	"^failed +ImagingStudy/[^ ]+ and 1 more carry this StudyInstanceUID \\(copies made outside sdsfhir: see them with sdsfhir search --identifier 'urn:dicom:uid\\|urn:oid:$uid' and delete all but one on the server\\)  .*sub-Linman-heart-1$"
like "the other studies are pushed" "$out" "^push: 1 updated, 2 unchanged, 1 failed"
is "nothing more was written for it: still 2 copies" "$(fhir_count ImagingStudy "identifier=urn:dicom:uid|urn:oid:$uid")" 2
is "4 studies besides the copy" "$(fhir_count ImagingStudy)" 5

# retract: asks first; removes every copy of the study, keeps the Patients
run "$SDSFHIR" retract "$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1" </dev/null
is "retract without a terminal and without --yes: exit 2" "$rc" 2
like "... and says why" "$err" "asks first.*--yes"
is "... nothing removed" "$(fhir_count ImagingStudy)" 5
run "$SDSFHIR" retract --yes "$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1"
is "retract --yes: exit 0" "$rc" 0
like "both copies removed" "$out" "^retract: 2 removed"
is "the study is gone" "$(fhir_count ImagingStudy "identifier=urn:dicom:uid|urn:oid:$uid")" 0
is "its Patient stays" "$(fhir_count Patient identifier=SPARC-P002)" 1
is "the other studies stay" "$(fhir_count ImagingStudy)" 3
run "$SDSFHIR" retract --yes "$D/sparc_fhir_heart_dataset/primary/sub-Linman-heart-1"
like "again: not on the server" "$out" "^retract: 1 not on the server"
fhir_reset

# ---- 10,000 instances in one study, with the server's 1 MB limit ----
python3 "$top_srcdir/bench/gen-dataset.py" "$TMP/big" 1 1 10000 64 >/dev/null
B=$TMP/big/bench_dataset
run "$SDSFHIR" push "$B"
is "10,000 instances: exit 0" "$rc" 0
like "pushed, created (three searches, the dataset's transaction, the study's)" "$out" "^push: 1 created; 5 requests"
like "a warning says it goes without its instance list" "$err" "over the request limit of 1048576 bytes .*without its instance lists"
st=$(curl -s "$FHIR/ImagingStudy?_count=1" | jq -c '.entry[0].resource | [.numberOfInstances, (.series | length), .series[0].numberOfInstances, (.series[0].instance | length), .series[0].uid != null, .series[0].modality.code]')
is "on the server: the counts, the series with uid, modality and count, no instance list" "$st" '[10000,1,10000,0,true,"MR"]'
is "its Patient too" "$(fhir_count Patient)" 1

# a limit larger than the server's: the refusal is recognised and the study sent smaller
fhir_reset
run "$SDSFHIR" push --max-request 8M "$B"
is "--max-request over the server's limit: still pushed (exit 0)" "$rc" 0
like "the server's refusal for size is named" "$err" "refused the study as too large \\(HTTP 400: File too large\\)"
is "and the study is on the server once" "$(fhir_count ImagingStudy)" 1

# batches by bytes: studies of 4,000 instances (about 600 KB each) are sent one per request, none refused
fhir_reset
python3 "$top_srcdir/bench/gen-dataset.py" "$TMP/mid" 3 1 4000 64 >/dev/null
run "$SDSFHIR" push -v "$TMP/mid/bench_dataset"
is "3 studies of 4,000 instances: exit 0" "$rc" 0
like "3 created in 3 transactions after three searches and the dataset's transaction" "$out" "^push: 3 created; 7 requests"
unlike "no request refused" "$err$out" "HTTP 4"
is "each with its 4,000 instances" "$(curl -s "$FHIR/ImagingStudy" | jq -c '[.entry[].resource.series[0].instance | length]')" "[4000,4000,4000]"
run "$SDSFHIR" push "$TMP/mid/bench_dataset"
like "again: unchanged (the studies and their ResearchSubjects read)" "$out" "^push: 3 unchanged; 2 requests"
# ---- one StudyInstanceUID in several subject folders ----
fhir_reset
T=$TMP/twins/primary
U=1.2.826.0.1.3680043.10.97.1
mkdcm "$T/sub-a/sam-1/a.dcm" "(0020,000d) UI [$U]" "(0020,000e) UI [$U.1]" "(0008,0018) UI [$U.1.1]" "(0010,0020) LO [P-1]"
mkdcm "$T/sub-b/sam-2/b.dcm" "(0020,000d) UI [$U]" "(0020,000e) UI [$U.2]" "(0008,0018) UI [$U.2.1]" "(0010,0020) LO [P-1]"
V=1.2.826.0.1.3680043.10.97.2
mkdcm "$T/sub-d/sam-1/a.dcm" "(0020,000d) UI [$V]" "(0020,000e) UI [$V.1]" "(0008,0018) UI [$V.1.1]" "(0010,0020) LO [P-2]"
mkdcm "$T/sub-e/sam-1/a.dcm" "(0020,000d) UI [$V]" "(0020,000e) UI [$V.2]" "(0008,0018) UI [$V.2.1]" "(0010,0020) LO [P-3]"
run "$SDSFHIR" push "$TMP/twins"
is "push with a conflicting study: exit 1" "$rc" 1
like "the split study is pushed once, the conflict reported once" "$out" "^push: 1 created, 1 failed"
like "the conflict names both patients" "$out" "^failed +StudyInstanceUID $V is in subject folders of different patients"
is "on the server: the split study once, with both series" \
	"$(curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:$U" | jq -c '[(.entry | length), .entry[0].resource.numberOfSeries]')" "[1,2]"
is "nothing of the conflicting study" "$(fhir_count ImagingStudy "identifier=urn:dicom:uid|urn:oid:$V")" 0
run "$SDSFHIR" push "$TMP/twins"
like "again: unchanged" "$out" "^push: 1 unchanged, 1 failed"

# ---- no fixed buffers in queries: long values are sent whole, or refused; never cut ----
fhir_reset
long_uid="1.2.$(printf '1%.0s' $(seq 1 296))"
mkdcm "$TMP/longuid/primary/sub-1/sam-1/a.dcm" "(0020,000d) UI [$long_uid]" "(0010,0020) LO [LONG-1]"
for i in 1 2 3; do run "$SDSFHIR" push "$TMP/longuid"; done
is "a 300-character StudyInstanceUID: push exits 1" "$rc" 1
like "... an error for its study, with the reason" "$out" "StudyInstanceUID '1\.2\.1+\.\.\.' breaks DICOM's rules"
is "... and three pushes made no ImagingStudy (they made 3)" "$(fhir_count ImagingStudy)" 0
kata=$(python3 -c 'print("\u30a2" * 72)')
mkdcm "$TMP/$kata/primary/sub-1/sam-1/a.dcm" "(0010,0020) LO []" "(0020,000d) UI [1.2.826.0.1.3680043.10.93.1]" \
	"(0020,000e) UI [1.2.826.0.1.3680043.10.93.1.1]" "(0008,0018) UI [1.2.826.0.1.3680043.10.93.1.1.1]"
for i in 1 2 3; do "$SDSFHIR" push "$TMP/$kata" >/dev/null 2>&1; done
is "a dataset folder of 72 katakana, no Patient ID: one Patient after three pushes (there were 3)" "$(fhir_count Patient)" 1
is "... and one ImagingStudy" "$(fhir_count ImagingStudy)" 1
run "$SDSFHIR" search --patient "$(python3 -c 'print("x" * 3000)')"
is "a search value longer than servers accept: refused (exit 2)" "$rc" 2
like "... saying so" "$err" "longer than servers accept"

run "$SDSFHIR" push --max-request 1k "$B"
is "--max-request below 4 KiB: a usage error" "$rc" 2
done_testing
