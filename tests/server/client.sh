#!/bin/sh
# The tutorial's story, done right, with the subcommands against the test FHIR server.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR"
export XDG_CONFIG_HOME="$TMP/config"	# no stray config file
sample_data
D=$TMP/data
B=$D/sparc_fhir_breast_dataset
H=$D/sparc_fhir_heart_dataset

# patients for Aniyah and Linman, from the headers
run "$SDSFHIR" patient "$D"
is "patient: exit 0" "$rc" 0
like "two created: a search of what is there, a transaction per dataset (its ResearchStudy, its PI), one for the Patients and ResearchSubjects" \
	"$out" "^patient: 2 created; 4 requests to $FHIR/$"
like "... counted by resource type" "$out" \
	"^patient: Patient 2 created; ResearchStudy 2 created; ResearchSubject 4 created; Practitioner 1 created$"
like "... the PI is identified by ORCID" "$out" "^created +Practitioner/[^ ]+ \(https://orcid.org\|0000-0002-1825-0097\)"
like "Aniyah's identifier" "$out" "^created +Patient/[^ ]+ \(urn:sparc_patient:issuer:bioresearch-institute\|SPARC-P001\)"
run "$SDSFHIR" patient "$D"
like "again: nothing created, the existing ids reported" "$out" "^patient: 2 existed"
ids1=$(printf '%s\n' "$out" | grep -o 'Patient/[^ ]*' | sort | tr '\n' ' ')
is "Patients on the server: 2" "$(fhir_count Patient)" 2
is "Aniyah found by name" "$(fhir_count Patient name=Aniyah)" 1

# the breast data without Body Part Examined, so that bodySite is added afterwards as in the tutorial
cp -R "$D" "$TMP/nobp"
find "$TMP/nobp" -name '*.dcm' -exec dcmodify -nb -q -ea "(0018,0015)" {} +
run "$SDSFHIR" push "$TMP/nobp"
is "push: exit 0" "$rc" 0
like "push: 4 studies created: a search of the studies, one of their ResearchSubjects, one transaction" \
	"$out" "^push: 4 created; 3 requests to "
like "... the ResearchStudies and ResearchSubjects found are referred to, not sent again" "$out" \
	"^push: ImagingStudy 4 created; Patient 2 existed$"
like "push: warns that bodySite is missing" "$err" "no Body Part Examined: no bodySite"
is "4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
is "still 2 Patients: the existing ones were used" "$(fhir_count Patient)" 2
is "no bodySite yet" "$(fhir_count ImagingStudy bodysite=76752008)" 0

# Aniyah is one Patient with studies in both datasets
run "$SDSFHIR" search --patient Aniyah
is "search --patient: exit 0" "$rc" 0
like "two of her studies" "$out" "^2 shown of 2$"
like "in both datasets" "$out" "^datasets: sparc_fhir_breast_dataset sparc_fhir_heart_dataset$"
like "the table names her" "$out" "Aniyah Brown +2023-05-12T10:32:15-04:00 +3 "

# bodySite: a code given, then the Annex L mapping of the (original) headers
run "$SDSFHIR" bodysite --code 76752008 "$TMP/nobp/sparc_fhir_breast_dataset"
is "bodysite --code: exit 0" "$rc" 0
like "two studies updated, one read and one write each" "$out" "^bodysite: 2 updated; 4 requests to "
run "$SDSFHIR" bodysite "$H"
like "bodysite from Body Part Examined (HEART)" "$out" "^bodysite: 2 updated; 4 requests"
is "bodysite=76752008 finds exactly the breast studies" \
	"$("$SDSFHIR" search --json 'ImagingStudy?bodysite=76752008' | jq -r '[.matches[].identifier[] | select(.system == "urn:sparc_dataset:uid") | .value | test("breast")] | (length == 2 and all)')" true
is "bodysite=80891009 finds exactly the heart studies" \
	"$("$SDSFHIR" search --json 'ImagingStudy?bodysite=80891009' | jq -r '[.matches[].identifier[] | select(.system == "urn:sparc_dataset:uid") | .value | test("heart")] | (length == 2 and all)')" true
run "$SDSFHIR" search --bodysite heart
like "search --bodysite by name" "$out" "^2 shown of 2$"
run "$SDSFHIR" bodysite --code breast "$TMP/nobp/sparc_fhir_breast_dataset"
like "bodysite again: unchanged, reads only" "$out" "^bodysite: 2 unchanged; 2 requests"
is "one series each got the display from CID 4031" \
	"$("$SDSFHIR" search --json --identifier "urn:dicom:uid|urn:oid:2.25.31415926535897932384626433832010100000" | jq -r '[.matches[0].series[].bodySite.display] | unique | join(",")')" "Breast"

# a study that is not on the server is reported, not created
mkdcm "$TMP/new/primary/sub-x/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.77]" \
	"(0020,000e) UI [1.2.826.0.1.3680043.10.99.77.1]" "(0008,0018) UI [1.2.826.0.1.3680043.10.99.77.1.1]"
run "$SDSFHIR" bodysite "$TMP/new"
is "bodysite of a study not pushed: exit 1" "$rc" 1
like "reported as not on the server" "$out" "not on the server"
is "and not created" "$(fhir_count ImagingStudy)" 4

# searches by identifier, dataset, Patient by name
run "$SDSFHIR" search --identifier "urn:dicom:uid|urn:oid:2.25.31415926535897932384626433832020200000"
like "by urn:dicom:uid identifier" "$out" "Linman Zhang .* sparc_fhir_heart_dataset"
like "exactly one" "$out" "^1 shown of 1$"
run "$SDSFHIR" search --dataset sparc_fhir_heart_dataset
like "by dataset identifier" "$out" "^2 shown of 2$"
unlike "only heart studies" "$out" "breast"
run "$SDSFHIR" search 'Patient?name=Linman'
like "Patient by name" "$out" "Linman Zhang +female +1993-08-15"

# paging
run "$SDSFHIR" search 'ImagingStudy?_count=2'
like "first page: no total from the server, more pages" "$out" "^2 shown \(more pages: --all\)$"
run "$SDSFHIR" search 'ImagingStudy?_count=2&_total=accurate'
like "first page and the total, when asked for" "$out" "^2 shown of 4 \(more pages: --all\)$"
run "$SDSFHIR" search --json 'ImagingStudy?_count=10'
is "a last page without total: the count is exact" "$(printf '%s' "$out" | jq -c '[.total, .more]')" "[4,false]"
run "$SDSFHIR" search --all --json 'ImagingStudy?_count=2'
is "--all follows next links: every study once" "$(printf '%s' "$out" | jq '[.matches[].id] | (length == 4 and (unique | length) == 4)')" true
run "$SDSFHIR" search 'ImagingStudy?bogus=1'
is "unknown parameter: exit 3" "$rc" 3
like "the server's OperationOutcome is shown" "$err" "HTTP 400: Unknown search parameter: bogus"

# re-run everything: nothing new
"$SDSFHIR" patient "$D" >/dev/null
"$SDSFHIR" push "$TMP/nobp" >/dev/null 2>&1
"$SDSFHIR" push "$D" >/dev/null 2>&1
"$SDSFHIR" bodysite "$D" >/dev/null
is "re-runs: still 2 Patients" "$(fhir_count Patient)" 2
is "re-runs: still 4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
ids2=$("$SDSFHIR" patient "$D" | grep -o 'Patient/[^ ]*' | sort | tr '\n' ' ')
is "re-runs: the same Patient ids" "$ids2" "$ids1"
run "$SDSFHIR" push "$D"
like "re-push of what the server holds: unchanged, two searches, nothing sent" "$out" "^push: 4 unchanged; 2 requests to "
like "... and says so" "$out" "^unchanged +ImagingStudy/[^ ]+ \(the same on the server: not sent\)"
run "$SDSFHIR" push --zone +02:00 "$D"
like "changed studies are updated in place, the rest left alone (the breast headers carry their own offset)" "$out" "^push: 2 updated, 2 unchanged; 3 requests"
is "still 4 ImagingStudies" "$(fhir_count ImagingStudy)" 4

# batches: many studies, a batch too large for the server is split
G=$TMP/many/primary
for i in 1 2 3 4 5 6 7 8 9 10; do
	mkdcm "$G/sub-$i/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.98.$i]" "(0020,000e) UI [1.2.826.0.1.3680043.10.98.$i.1]" \
		"(0008,0018) UI [1.2.826.0.1.3680043.10.98.$i.1.1]" "(0010,0020) LO [MANY-$i]"
done
run "$SDSFHIR" push --batch 10 "$TMP/many"
is "push --batch 10 (20 entries, over the server's limit): exit 0" "$rc" 0
like "all 10 created after splitting" "$out" "^push: 10 created; [0-9]+ requests"
n=$(printf '%s\n' "$out" | sed -n 's/^push: .*; \([0-9]*\) requests.*/\1/p')
check "splitting took more than one request ($n)" test "$n" -gt 1
is "10 more studies" "$(fhir_count ImagingStudy)" 14
run "$SDSFHIR" push --batch 1 --zone +02:00 "$TMP/many"
like "push --batch 1: one request per study (and one search, one for the dataset)" "$out" "^push: 10 updated; 12 requests"
run "$SDSFHIR" push --zone +03:00 "$TMP/many"
like "default batch: within the server's limits (8 conditional entries), 3 transactions for 10 studies (and two searches)" "$out" "^push: 10 updated; 5 requests"

# an invalid resource rejected by the server: its OperationOutcome, which study, nothing half-written
mkdcm "$TMP/bad/primary/sub-bad/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.88]" \
	"(0020,000e) UI [1.2.826.0.1.3680043.10.99.88.1]" "(0008,0018) UI [1.2.826.0.1.3680043.10.99.88.1.1]" "(0010,0020) LO [BAD-1]"
mkdcm "$TMP/bad/primary/sub-good/sam-1/a.dcm" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.89]" \
	"(0020,000e) UI [1.2.826.0.1.3680043.10.99.89.1]" "(0008,0018) UI [1.2.826.0.1.3680043.10.99.89.1.1]" "(0010,0020) LO [GOOD-1]"
mkdcm "$TMP/bad/primary/sub-nomod/sam-1/a.dcm" "-(0008,0060)" "(0020,000d) UI [1.2.826.0.1.3680043.10.99.90]" \
	"(0020,000e) UI [1.2.826.0.1.3680043.10.99.90.1]" "(0008,0018) UI [1.2.826.0.1.3680043.10.99.90.1.1]" "(0010,0020) LO [NOMOD-1]"
p=$(fhir_count Patient)
fault '{"refuse":"1.2.826.0.1.3680043.10.99.88.1\"","count":1000}'
run "$SDSFHIR" push "$TMP/bad"
is "one bad study among two: exit 1" "$rc" 1
is "a study that cannot be expressed is reported once, however the batch is split" \
	"$(printf '%s\n' "$out" | grep -c 'sub-nomod')" 1
like "... with its reason" "$out" "^failed +series .* has no Modality \(0008,0060\), which FHIR requires  bad/sub-nomod$"
like "the counts add up: 1 created, 2 failed" "$out" "^push: 1 created, 2 failed"
like "the bad study is named with the server's reason" "$out" "^failed +HTTP 400: Refused by the test server \(a refuse fault\)  bad/sub-bad$"
like "the good one is pushed" "$out" "^created +ImagingStudy/.*bad/sub-good$"
if [ "$FHIR_MODE" = atomic ]; then
	is "nothing half-written: the bad study's Patient is not there" "$(fhir_count Patient identifier=BAD-1)" 0
else
	is "entry by entry: the bad study's Patient was written, once" "$(fhir_count Patient identifier=BAD-1)" 1
fi
is "the good study's Patient is" "$(fhir_count Patient identifier=GOOD-1)" 1
done_testing
