#!/bin/sh
# The UI as a daily driver (issue 20's broken list), in a real terminal (tmux, 120x40): a
# filtered tree stays browsable, the bodySite picker's messages are current and name what it
# will write, the help window ends where its text does, the log says each thing once.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export XDG_CONFIG_HOME="$TMP/config"
tmux_session
sample_data
D=$TMP/data

start() {	# start: sdsfhir on the sample data in a 120x40 window, with the server's state read
	t kill-session -t ui 2>/dev/null
	t new-session -d -x 120 -y 40 -s ui \
		"env TERM=xterm-256color TZ=UTC SDSFHIR_SERVER=$FHIR '$SDSFHIR' '$D' 2>>'$TMP/ui.stderr'; echo \$? > '$TMP/exit'; sleep 30"
	tmux_wait "scanned [0-9]+ files" || { echo "Bail out! the UI did not start"; tmux_capture | sed 's/^/# /'; exit 1; }
	sleep 0.5
}
keys() { t send-keys -t ui "$@"; sleep 0.3; }

# annoying 1: the key bar follows the pane and fits: whole items only
start
bar() { tmux_capture | tail -1; }
like "the tree's key bar: Tab, /, n, Space among its keys" "$(bar)" "Tab detail .*/ filter .*n/N next match .*Space mark"
like "... whole items only, none cut (it ended '/ filt')" "$(bar)" "(quit|help|detail|push|bodySite|search|filter|match|mark|all|marks|refresh|view|log|patient|undo|remove|wrap|split)$"
keys Tab
like "the detail pane's own: / find, w, S, o, y" "$(bar)" "Tab tree .*/ find .*n/N next hit .*w wrap .*S save .*o pager .*y copy"
keys Tab
t resize-window -t ui -x 80 -y 24
sleep 0.5
like "at 80 columns: fewer keys, still whole" "$(bar)" "^ q quit  \? help  Tab detail .*(push|bodySite|search|filter|match|mark)$"
sep=$(tmux_capture | sed -n 2p | cut -d'|' -f1 | wc -c)
check "annoying 2: at 80 columns the tree takes at most 2/5 of them (the '|' at column $sep), the detail pane the rest" test "$sep" -le 33
t resize-window -t ui -x 120 -y 40
sleep 0.5

# 2. filter, open, act: the matches' contents stay browsable
keys / l i n m a n Enter
tmux_like "the filter shows Linman's subjects" "v sub-Linman-breast-1 \(6\)"
tmux_like "... the cursor on the first" "\|subject sub-Linman-breast-1"
like "... the filter's text marked in the rows (underlined; missing 3)" "$(t capture-pane -e -p -t ui | grep 'breast-1 (6)' | head -1)" \
	"$(printf 'sub-\033\\[[0-9;]*4[0-9;]*mLinman')"
tmux_like "... an open match shows its series" "> sam-1 "
keys h
tmux_like "h closes it" "> sub-Linman-breast-1"
keys Enter
tmux_like "Enter opens it again: its series" "> sam-3 "
keys j Enter
tmux_like "... and a series opens to its instances" " IM0001\.dcm"

# 5. G in the help window stops at the last line of the help
keys Escape Escape
keys ?
tmux_like "? opens the help" "Keys \(q or Esc closes\)"
keys G
tmux_like "G in the help: its last line is on the screen" "what was read, but with a problem"
keys q

# missing 1: / finds in the windows too (help, log), n and N move between the hits
keys ?
keys / u n d o Enter
tmux_like "/ in the help: found, which of how many" "find: undo: line 1 of [0-9]+ with it"
s=$(tmux_capture)
like "... scrolled to it" "$s" "u +Undo the last bodySite change"
keys g / m a r k Enter
tmux_like "... another word, from the top: its first line" "find: mark: line 1 of [0-9]+ with it"
keys n
tmux_like "n: the next" "find: mark: line 2 of"
keys / z z q x Enter
tmux_like "not there: said so" "find: 'zzqx' is not in this window"
keys q

keys L ?
tmux_like "missing 2: ? in a window says that window's keys" "keys here: j/k move   / find   n/N next"
keys q

# 6. the log says each thing once
keys r
tmux_like "r reads the server state" "refresh|status|read"
keys L
tmux_like "L opens the log" "scan:"
keys / s c a n Enter
tmux_like "/ in the log: found" "find: scan: line [0-9]+ of [0-9]+ with it"
s=$(tmux_capture)
unlike "the log repeats no words (not on the server not on the server)" "$s" "not on the server +not on the server"
keys q

# 7. with wrapping on, the position counter covers no text: it has a row of its own
keys g j Tab 2 w
tmux_like "FHIR view, wrapped, focused: the counter" " 1/[0-9]+ *$"
s=$(tmux_capture)
like "... alone on its row" "$(printf '%s\n' "$s" | grep -E ' 1/[0-9]+ *$')" "\| +1/[0-9]+ *$"
is "... the first row of the pane whole" "$(printf '%s\n' "$s" | sed -n 2p | cut -d'|' -f2-)" "ResearchSubject"
like "annoying 3: a wrapped line goes on under its own start, not at column 0" "$s" "\|      \"urn:sparc_dataset:[0-9a-f-]+:subject\","
keys 1
s=$(tmux_capture)
like "... and w wrapped this view only: the tag table keeps its rows (a long UID cut, not wrapped)" "$s" "StudyInstanceUID +2\.25\.[0-9]+ *$"
unlike "... no tag value carried onto a row of its own" "$s" "\| *[0-9]{1,8} *$"
keys 2 w Tab

# annoying 4: find in the detail pane, as less does it
keys g j 1 Tab
keys / B R E A S T Enter
tmux_like "find: which hit of how many" "find: BREAST: line 1 of [0-9]+ with it"
hit=$(t capture-pane -e -p -t ui | grep -i "subject sub-" | head -1)
like "... the matched text marked (underlined), not the whole line" "$hit" "$(printf 'sub-[A-Za-z]+-\033\\[[0-9;]*4[0-9;]*mbreast')"
keys /
s=$(tmux_capture)
like "a new / starts empty (it was pre-filled, and typing appended)" "$s" "^find: _"
keys Enter
tmux_like "Enter on the empty prompt: the last find again, the next hit" "find: BREAST: line 2 of"
keys / z z q x Enter
tmux_like "Enter on text that is not there: said so" "find: 'zzqx' is not in this pane"
keys Escape Tab

# 3, 4. the bodySite picker: a message for each try, and the codes it will write named
keys g j
keys b
tmux_like "b opens the picker" "bodySite for"
keys 1 2 3 4 5 Enter
tmux_like "a wrong check digit: refused" "12345"
keys C-u x y z z y Enter
tmux_like "xyzzy: a message of its own, not the old one" "xyzzy"
s=$(tmux_capture)
unlike "... the check digit message is gone" "$s" "check digit"
keys C-u Enter
tmux_like "Enter on the empty prompt names the codes it will write" "Body Part Examined.*76752008"
keys n
keys q

# 8. after sdsfhir's own writes (bodySite, undo) the server's answer is the new server state
"$SDSFHIR" push --server "$FHIR" "$D/sparc_fhir_breast_dataset" >/dev/null 2>&1
start
keys g j
tmux_like "pushed: the study is the same as the files (=)" "= +v sub-Aniyah-breast-1"
keys b h e a d Enter
tmux_like "bodySite Head asked" "bodySite 69536005 Head"
keys y
tmux_like "written" "bodySite: bodySite 69536005 Head: 3 series in 1 study"
tmux_like "... the tree: the same, the server's bodySite kept (=), without r" "= +v sub-Aniyah-breast-1"
keys 3
tmux_like "... the server view: the same, the bodySite set on the server kept" "kept"
s=$(tmux_capture)
unlike "... never 'different (r reads it again)'" "$s" "r reads it again"
keys u
tmux_like "u undoes it" "undo bodySite: .*1 updated"
tmux_like "... the tree: the same again (=), without r" "= +v sub-Aniyah-breast-1"
s=$(tmux_capture)
unlike "... the server view with no 'r reads it again'" "$s" "r reads it again"
unlike "... and no bodySite kept any more" "$s" "kept"

# annoying 11: marks: Space on a dataset marks its subjects, a marks what the filter shows, A clears
t kill-session -t ui 2>/dev/null
start
keys g Space
tmux_like "Space on a dataset: its two subjects marked" "marked 2 subjects of sparc_fhir_breast_dataset"
s=$(tmux_capture)
is "... both starred" "$(printf '%s\n' "$s" | grep -c '^\* .*v sub-[A-Za-z]*-breast-1')" 2
keys A
tmux_like "A clears every mark" "2 marks cleared"
keys / h e a r t Enter a
tmux_like "a under a filter: the subjects of the matches (by pattern)" "marked 2 more subjects matching heart"
keys Escape
s=$(tmux_capture)
is "... the heart subjects only" "$(printf '%s\n' "$s" | grep '^\*' | grep -c 'heart')" 2
unlike "... not the breast ones" "$(printf '%s\n' "$s" | grep '^\*')" "breast-1"
keys A

# annoying 5: Ctrl-R scans the folders again from disk: a new file shows, the marks stay
start
keys g j Space
mkdir -p "$D/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1/sam-4"
cp "$D/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1/sam-1/IM0001.dcm" "$D/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1/sam-4/"
keys C-r
tmux_like "Ctrl-R: scanned again, the new sample folder in the tree" "> sam-4 "
tmux_like "... the mark kept" "^\* .*v sub-Aniyah-breast-1"
rm -rf "$D/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1/sam-4"
keys A C-r
tmux_wait "scanned 30 files" >/dev/null

# 1. a cancelled push says what reached the server: its created count is the server's
t kill-session -t ui 2>/dev/null
fhir_reset
"$SDSFHIR" patient --server "$FHIR" "$D" >/dev/null 2>&1
fault '{"delayMs":1500,"count":10,"method":"POST","path":"/"}'
t new-session -d -x 120 -y 40 -s ui \
	"env TERM=xterm-256color TZ=UTC SDSFHIR_SERVER=$FHIR '$SDSFHIR' --batch 1 '$D' 2>>'$TMP/ui.stderr'; sleep 30"
tmux_wait "server: 4 not on the server" || echo "# the UI did not start"
keys g j Space j j j Space j j j Space j j Space	# the four subjects (Space marks and moves down)
keys p
tmux_like "p asks to push the 4 marked studies" "[Pp]ush .*4 stud"
keys y
sleep 2.5
keys Escape
tmux_like "Esc: cancelled, with what reached the server" "push: cancelled.*created" 150
s=$(tmux_capture | grep "push: cancelled")
created=$(printf '%s' "$s" | grep -Eo '[0-9]+ created' | grep -Eo '[0-9]+')
is "... the created count is what the server holds (${created:-none})" "${created:-none}" "$(fhir_count ImagingStudy)"
like "... the rest said not sent, none failed" "$s" "not sent"
unlike "... none failed" "$s" "failed"

# annoying 7: bodySite on a series writes that series alone
t kill-session -t ui 2>/dev/null
fhir_reset
"$SDSFHIR" push --server "$FHIR" "$D/sparc_fhir_breast_dataset" >/dev/null 2>&1
start
keys g j j j	# sub-Aniyah-breast-1's sam-2
tmux_like "the cursor on a series" "\|series sam-2"
keys b
tmux_like "b on a series: the picker says that series" "bodySite for series sam-2"
keys h e a d Enter
tmux_like "... the question: 1 series" "bodySite 69536005 Head for 1 series in 1 study"
keys y
tmux_like "... written" "bodySite: bodySite 69536005 Head: 1 series in 1 study"
is "... on the server: series 2 alone Head, 1 and 3 still breast" \
	"$(curl -s "$FHIR/ImagingStudy?identifier=urn:dicom:uid|urn:oid:2.25.31415926535897932384626433832010100000" | jq -c '[.entry[0].resource.series[] | [.number, .bodySite.code]]')" \
	'[[1,"76752008"],[2,"69536005"],[3,"76752008"]]'

# annoying 12: a warning names its series, and the UI's way to act on it (b), not the CLI's
t kill-session -t ui 2>/dev/null
mkdir -p "$TMP/nobp"
cp -R "$D/sparc_fhir_heart_dataset" "$TMP/nobp/"
find "$TMP/nobp" -name '*.dcm' -exec dcmodify -nb -ea "(0018,0015)" {} +
t new-session -d -x 120 -y 40 -s ui \
	"env TERM=xterm-256color TZ=UTC SDSFHIR_SERVER=$FHIR '$SDSFHIR' '$TMP/nobp' 2>>'$TMP/ui.stderr'; sleep 30"
tmux_wait "scanned [0-9]+ files" || echo "# the UI did not start"
keys g j 2
tmux_like "FHIR view: the warning names its series and b" "warning sam-1: no Body Part Examined: no bodySite \(add one: b\)"
tmux_like "... each series its own" "warning sam-2: no Body Part Examined"
s=$(tmux_capture)
unlike "... never the CLI's way" "$s" "sdsfhir bodysite"
done_testing
