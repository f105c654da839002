#!/bin/sh
# The tutorial's story in the UI: the real binary, keys from a script (SDSFHIR_SCRIPT),
# screens dumped as text, and the server's state checked after.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CONFIG_HOME="$TMP/config" TZ=UTC
sample_data
# the tutorial adds bodySite after the push: start from headers without Body Part Examined
find "$TMP/data" -name '*.dcm' -exec dcmodify -nb -q -ea "(0018,0015)" {} +
D=$TMP/data
S=$TMP/screens
mkdir -p "$S"

ui() {	# ui SCRIPT-TEXT: run the UI on the sample data with these keys
	printf '%s\n' "$1" >"$TMP/script"
	SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=${SIZE:-100x30} "$SDSFHIR" "$D/sparc_fhir_breast_dataset" \
		"$D/sparc_fhir_heart_dataset" >"$TMP/ui.out" 2>&1
	rc=$?
}
screen() { cat "$S/$1"; }

# tree rows at 100x30: 1 breast, 2 sub-Aniyah-breast-1, 3-5 its samples, 6 sub-Linman-breast-1, 7-8,
# 9 heart, 10 sub-Aniyah-heart-1, 11-12, 13 sub-Linman-heart-1, 14-16
ui ":wait
:dump $S/open
j
:dump $S/aniyah-tags
2
:dump $S/aniyah-fhir
<Tab> G
:dump $S/aniyah-fhir-end
w
:dump $S/aniyah-fhir-wrap
w l l l l l
:dump $S/aniyah-fhir-side
h h h h h h
:dump $S/aniyah-fhir-back
< < <
:dump $S/split-left
> > > > > >
:dump $S/split-right
<Tab> 1
c
:wait
:dump $S/patient
p
:dump $S/confirm
y
:wait
:dump $S/pushed
L
:dump $S/log
G
:dump $S/log-end
q
q"
is "UI exits 0" "$rc" 0
like "both datasets in the tree" "$(screen open)" "v sparc_fhir_breast_dataset .*
.*v sparc_fhir_heart_dataset"
like "subjects with instance counts" "$(screen open)" "sub-Aniyah-breast-1 \(9\)"
like "samples under the subject (one study: no study level)" "$(screen open)" "> sam-3 #3 DCE SUB BILATERAL \(3\)"
like "scan result in the status line" "$(screen open)" "scanned 30 files: 30 instances, 0 errors"
like "the server state read on start, in the background" "$(screen open)" "\| server: 4 not on the server"
like "... and the tree marks the studies not there" "$(screen open)" "^  -  v sub-Aniyah-breast-1"
like "Aniyah's tags: name" "$(screen aniyah-tags)" "PatientName +Brown\^Aniyah"
like "Aniyah's tags: study date" "$(screen aniyah-tags)" "StudyDate +20230512"
col() { screen aniyah-tags | cut -d'|' -f2- | grep "^$1 " | awk -v k="$1" '{ print index($0, $2) }'; }
is "tags keep one column with long keywords (NumberOfStudyRelatedInstances)" "$(col NumberOfStudyRelatedInstances)" "$(col PatientName)"
like "FHIR view of a subject: its ResearchSubject" "$(screen aniyah-fhir)" '"resourceType": "ResearchSubject"'
like "FHIR view: no body part, so a warning" "$(screen aniyah-fhir)" "no Body Part Examined: no bodySite"
like "FHIR view scrolled to the end: the ImagingStudy's instances" "$(screen aniyah-fhir-end)" '"code": "urn:oid:1\.2\.840\.10008\.5\.1\.4\.1\.1'
like "... long values cut at the pane's edge, not wrapped" "$(screen aniyah-fhir-end)" '"uid": "2\.25\.[0-9]+ *$'
like "w: long lines wrap, the whole value readable" "$(screen aniyah-fhir-wrap | cut -d'|' -f2- | tr -d '\n')" '"code": ?"urn:oid:1\.2\.840\.10008\.5\.1\.4\.1\.1\.4"'
like "w again, Right in the pane: the lines scroll sideways to their ends" "$(screen aniyah-fhir-side)" '08\.5\.1\.4\.1\.1\.4"'
like "Left scrolls back, then returns to the tree" "$(screen aniyah-fhir-back)" '^ *v sparc_fhir_breast_dataset'
w0=$(screen aniyah-fhir-end | sed -n 3p | cut -d'|' -f1 | wc -c)
wl=$(screen split-left | sed -n 3p | cut -d'|' -f1 | wc -c)
wr=$(screen split-right | sed -n 3p | cut -d'|' -f1 | wc -c)
check "the split follows the tree by default, < moves it left ($w0 > $wl)" test "$w0" -gt "$wl"
check "> moves it right ($wr > $wl)" test "$wr" -gt "$wl"
like "c: her Patient created (a search, her dataset's transaction, then hers)" "$(screen patient)" "create patients: 1 created; 3 requests "
like "p: the confirmation says how many studies and instances, and where" "$(screen confirm)" "Push 1 study \(sparc_fhir_breast_dataset/sub-Aniyah-breast-1; 9 instances\) to"
like "... and the server, the question wrapped whole" "$(screen confirm)" "$FHIR/\? y: push, n or Esc: no"
like "y: pushed (a search of the server's copies, one of their ResearchSubjects, then the transaction)" "$(screen pushed)" "push: 1 created; 3 requests"
like "the log: what c wrote, by resource type" "$(screen log)" "create patients: Patient 1 created; ResearchStudy 1 created; ResearchSubject 1 created;"
like "... and what the push wrote" "$(screen log-end)" "push: ImagingStudy 1 created; Patient 1 existed\$"
like "the study is marked as on the server, the same" "$(screen pushed)" "^ +=  v sub-Aniyah-breast-1|^  =  v sub-Aniyah-breast-1"
is "server: one Patient" "$(fhir_count Patient)" 1
is "server: one ImagingStudy" "$(fhir_count ImagingStudy)" 1

# mark both of Linman's studies and push them
J12="j j j j j j j j j j j j"
ui ":wait
g j j j j j <Space>
:dump $S/marked
g $J12 <Space>
p
:dump $S/confirm2
y
:wait
:dump $S/pushed2
q"
like "Space marks the subject" "$(screen marked)" "^\* .*sub-Linman-breast-1"
like "two studies to push, named" "$(screen confirm2 | tr '\n' ' ')" "Push 2 studies \(sparc_fhir_breast_dataset/sub-Linman-breast-1, *sparc_fhir_heart_dataset/sub-Linman-heart-1; 15 instances\)"
like "both pushed (three searches: studies, subjects, Patients; a transaction per dataset, one for the studies)" "$(screen pushed2)" "push: 2 created; 6 requests"
# after r, the confirmation says how many are already the same on the server
ui ":wait
r
:wait
g
p
:dump $S/confirm3
n
q"
like "p after r: the confirmation counts the studies already the same" "$(screen confirm3 | tr '\n' ' ')" "Push 2 studies \(.*; 15 instances\) to .* 2 of +the 2 studies are already the same on the server: left alone"
is "server: 2 Patients (Aniyah once)" "$(fhir_count Patient)" 2
is "server: 3 ImagingStudies" "$(fhir_count ImagingStudy)" 3

# the last study, then bodySite for all: breast and heart by name through CID 4031
ui ":wait
g j j j j j j j j j
p y
:wait
g j <Space>
g j j j j j <Space>
b
:type breast
:dump $S/picker
<Enter>
:dump $S/bs-breast-ask
y
:wait
:dump $S/bs-breast
g j <Space>
g j j j j j <Space>
g j j j j j j j j j <Space>
g $J12 <Space>
b
:type heart
<Enter>
y
:wait
:dump $S/bs-heart
r
:wait
g j 3
:dump $S/server-view
q"
like "picker: CID 4031 searched by name" "$(screen picker)" "76752008  Breast"
like "b asks first, naming the code, display, series, studies and server" "$(screen bs-breast-ask)" \
	"bodySite 76752008 Breast for 5 series in 2 studies at $FHIR/\? y: write"
like "... and shows its keys" "$(screen bs-breast-ask)" "y yes +n no +Esc no"
like "bodySite on the two breast studies, said in words" "$(screen bs-breast)" "bodySite: bodySite 76752008 Breast: 5 series in 2 studies; 4 requests"
like "bodySite on the two heart studies" "$(screen bs-heart)" "bodySite: bodySite 80891009 Heart: 5 series in 2 studies; 4 requests"
like "server view: the bodySite set on the server is no difference (the headers have no body part)" "$(screen server-view)" "On the server, the same as generated:"
like "... and it says what the server keeps" "$(screen server-view)" "bodySite set on the server: kept \\(series"
like "server view: what differs" "$(screen server-view)" "bodySite"
is "server: 4 ImagingStudies" "$(fhir_count ImagingStudy)" 4
is "server: breast studies by bodysite" "$(fhir_count ImagingStudy bodysite=76752008)" 2
is "server: heart studies by bodysite" "$(fhir_count ImagingStudy bodysite=80891009)" 2

# search: only breast studies; Aniyah's studies across datasets (ready query)
ui ":wait
s
:type ImagingStudy?bodysite=76752008&_include=ImagingStudy:subject
<Enter>
:wait
:dump $S/search-breast
<Enter>
:dump $S/result-json
<Enter>
:dump $S/jumped
s
:dump $S/ready
<Enter>
:wait
:dump $S/search-aniyah
q q"
like "results: two" "$(screen search-breast)" "Results: 2 shown of 2"
like "... under column headers (annoying 9)" "$(screen search-breast)" "SUBJECT HERE +PATIENT +STARTED +BODYSITE +ID"
like "results: Aniyah's breast study, local" "$(screen search-breast)" "-> sub-Aniyah-breast-1 +Aniyah Brown +2023-05-12T10:32:15-04:00 +Breast"
like "results: Linman's breast study, local" "$(screen search-breast)" "-> sub-Linman-breast-1 +Linman Zhang +2023-05-19T14:10:00-04:00 +Breast"
unlike "results: no heart study" "$(screen search-breast)" "Heart"
like "Enter: the result's JSON" "$(screen result-json)" '"resourceType": "ImagingStudy"'
like "the JSON says it is a local study" "$(screen result-json)" "Enter: go to the local study"
like "Enter again: jumps to the study in the tree, server view (the bodySite set there kept)" "$(screen jumped)" "On the server, the same as generated:"
like "... with the cursor on it" "$(screen jumped)" "Server state|bodySite|v sub-Aniyah-breast-1"
like "ready queries for the node under the cursor" "$(screen ready)" "ImagingStudy\?subject:Patient\.name=Aniyah&_include=ImagingStudy:subject"
like "ready query: her studies across datasets" "$(screen search-aniyah)" "Results: 2 shown of 2"
like "one in the breast dataset" "$(screen search-aniyah)" "-> sub-Aniyah-breast-1 +Aniyah Brown"
like "one in the heart dataset" "$(screen search-aniyah)" "-> sub-Aniyah-heart-1 +Aniyah Brown"
# more pages load as you scroll
ui ":wait
s
:type ImagingStudy?_count=1
<Enter>
:wait
:dump $S/page1
j
:wait
:dump $S/page2
q q"
like "first page: one result and a note that there is more (no total from the server)" "$(screen page1)" "Results: 1 shown \(more as you scroll\)"
unlike "no count made up when the server gives no total" "$(screen page1)" "shown0|Results: 1 of|Results: 10"
like "... (more: move down)" "$(screen page1)" "more: move down to load the next page"
like "moving down loaded the next page" "$(screen page2)" "Results: 2 shown \(more as you scroll\)"

# Esc cancels a long push after the current request: nothing half-written
fhir_reset
fault '{"delayMs":3000,"count":10,"method":"POST"}'
before=$(fhir_count ImagingStudy)
SIZE=100x30
printf ':wait\ng j <Space> g j j j j j j j j j <Space>\np y\n:sleep 1200\n<Esc>\n:wait\n:dump %s\nq\n' "$S/cancel" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x30 "$SDSFHIR" --batch 1 "$D/sparc_fhir_breast_dataset" "$D/sparc_fhir_heart_dataset" >/dev/null 2>&1
like "Esc: the push stops at once, the request in flight aborted" "$(screen cancel)" "push: cancelled"
is "Esc: nothing half-written, nothing doubled" "$(fhir_count ImagingStudy)" "$before"
fhir_reset

# Esc after a transaction went out and was committed: it is read back before anything is said,
# and the tree shows what reached the server without r
"$SDSFHIR" patient "$D/sparc_fhir_breast_dataset" >/dev/null 2>&1
fault '{"stallAfterMs":3000,"count":1,"method":"POST"}'
printf ':wait\ng j <Space> g j j j j j <Space>\np y\n:sleep 1200\n<Esc>\n:wait\n:dump %s\nq\n' "$S/cancel-read" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x30 "$SDSFHIR" --batch 1 "$D/sparc_fhir_breast_dataset" >/dev/null 2>&1
like "Esc after a commit: read back, said (created, not sent)" "$(screen cancel-read)" "push: cancelled.* 1 created, 1 not sent"
like "... the tree marks the study that reached the server, without r" "$(screen cancel-read)" "^ *\\* =  v sub-Aniyah-breast-1"
like "... and not the one that was not sent" "$(screen cancel-read)" "^ *\\* -  v sub-Linman-breast-1"
is "... the server agrees" "$(fhir_count ImagingStudy)" 1
fhir_reset

# errors show in the tree and the detail pane
printf 'not an image\n' >"$D/sparc_fhir_breast_dataset/primary/sub-Linman-breast-1/sam-1/notes.dcm"
ui ":wait
g j j j j j
:dump $S/errors
/
:type Linman
<Enter>
:dump $S/filter
n
:dump $S/filter-next
h
:dump $S/closed
q"
like "a subject with an unreadable file is flagged !" "$(screen errors)" "^ ! .*sub-Linman-breast-1"
like "the detail pane says what and why" "$(screen errors)" "! error sam-1/notes\.dcm: not DICOM: text file"
unlike "the detail pane marks problems otherwise than the tree's ~" "$(screen errors | cut -d'|' -f2-)" "^~ "
like "the status line counts it" "$(screen errors)" "1 errors"
like "/ filters the tree: Linman's subjects" "$(screen filter)" "sub-Linman-breast-1"
unlike "/ filters the tree: not Aniyah's" "$(screen filter)" "sub-Aniyah"
like "the filter in the status line" "$(screen filter)" "filter: Linman \(n, N: next, previous\)"
like "n: the next match is Linman's heart subject (its tags)" "$(screen filter-next)" "StudyDescription +MRI HEART"
unlike "h on a subject of the filtered tree keeps the filter" "$(screen closed)" "sub-Aniyah"

# the filter works as you type, on what the tree shows and the patients behind it; / in the
# detail pane finds text, n and N move between the hits
ui ":wait
/
:type DCE S
:dump $S/live
<Enter>
/
<C-u>
:type Zhang
<Enter>
:dump $S/by-patient
<Esc>
/
:type zzz-nothing
:dump $S/nomatch
<Esc>
:dump $S/nofilter
g j <Tab>
/
:type BREAST
<Enter>
:dump $S/find
n
:dump $S/find-next
q"
like "live: the tree filtered before Enter, by series description" "$(screen live)" "> sam-3 #3 DCE SUB BILATERAL"
unlike "live: only the matching series" "$(screen live)" "T1 AX LEFT"
like "live: the prompt shows what is typed" "$(screen live)" "filter: DCE S_"
like "by patient name (Zhang): Linman's subjects" "$(screen by-patient)" "sub-Linman-heart-1"
unlike "... not Aniyah's" "$(screen by-patient)" "sub-Aniyah"
like "nothing matches: said so" "$(screen nomatch)" "no match"
like "Esc: no filter, the whole tree back" "$(screen nofilter)" "sub-Aniyah-breast-1"
like "/ in the detail pane finds text" "$(screen find)" "find: BREAST: line [0-9]+ of [0-9]+ with it \(n, N: next, previous\)"
like "... and shows the line" "$(screen find)" "BodyPartExamined +BREAST|StudyDescription +MRI BREAST"
# the server state on start: off with --no-server-state; one search for all the studies
printf ':wait\n:dump %s\nq\n' "$S/nostate" >"$TMP/script"
curl -s -X POST "$ADMIN/reset" >/dev/null
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x30 "$SDSFHIR" --no-server-state "$D/sparc_fhir_breast_dataset" "$D/sparc_fhir_heart_dataset" >/dev/null 2>&1
unlike "--no-server-state: not read" "$(screen nostate)" "server:|^  -  v"
is "... no request at all" "$(curl -s "$ADMIN/stats" | jq .requests)" 1
printf ':wait\n:dump %s\nq\n' "$S/state" >"$TMP/script"
curl -s -X POST "$ADMIN/reset" >/dev/null
SDSFHIR_SCRIPT="$TMP/script" SDSFHIR_SIZE=100x30 "$SDSFHIR" "$D/sparc_fhir_breast_dataset" "$D/sparc_fhir_heart_dataset" >/dev/null 2>&1
is "the state of 4 studies in one search (and the metadata)" "$(curl -s "$ADMIN/stats" | jq .requests)" 3
done_testing
