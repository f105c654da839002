#!/bin/sh
# The subcommands under valgrind: no invalid reads or writes, no leaks. Runs in the build
# without sanitizers (valgrind cannot run an AddressSanitizer binary; ./bootstrap check makes
# that build too); in the sanitizer build it says so and skips.
. "$top_srcdir/tests/lib.sh"
if ${NM:-nm} "$SDSFHIR" 2>/dev/null | grep -q __asan_init; then
	echo "1..0 # SKIP sdsfhir is built with AddressSanitizer; valgrind runs in the plain build"
	exit 0
fi
command -v valgrind >/dev/null || { echo "Bail out! valgrind is needed (Debian package valgrind)"; exit 1; }
fhir_server_start
export SDSFHIR_SERVER="$FHIR" XDG_CACHE_HOME="$TMP/cache" XDG_CONFIG_HOME="$TMP/config"
sample_data
printf 'not dicom\n' >"$TMP/data/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1/sam-1/x.dcm"
D=$TMP/data
vg() {	# vg DESC ARGS...: the command exits as usual, valgrind finds nothing
	d=$1; shift
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
		--suppressions="$top_srcdir/tests/valgrind.supp" "$SDSFHIR" "$@" >"$TMP/vg.out" 2>"$TMP/vg.err"
	code=$?
	if [ "$code" = 99 ]; then
		tap 1 "valgrind: $d"
		head -40 "$TMP/vg.err" | sed 's/^/#   /'
	else
		tap 0 "valgrind: $d (exit $code)"
	fi
}
vg "scan (cold, writes the cache)" scan "$D"
vg "scan (from the cache)" scan --json "$D"
vg "tags" tags --json "$D"/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1/sam-1/*
vg "fhir" fhir "$D"
vg "fhir --resource study" fhir --resource study "$D"
vg "fhir --resource researchstudy" fhir --resource researchstudy "$D"
vg "fhir --resource researchsubject, --dicomweb" fhir --resource researchsubject --dicomweb https://x.example/wado "$D"
vg "export --ndjson, --dicomweb" export --dicomweb https://x.example/wado --ndjson "$TMP/nd" "$D"
vg "patient" patient "$D"
vg "push" push --batch 1 "$D"
vg "bodysite" bodysite --code heart "$D/sparc_fhir_heart_dataset"
vg "status" status "$D"
vg "push over the server's copy, the bodySite set there kept" push "$D"
H=$D/sparc_fhir_heart_dataset
sed -i 's/^sub-Linman-heart-1,,control,/sub-Linman-heart-1,,treated,/' "$H/subjects.csv"
vg "status: a ResearchSubject that differs" status "$D"
vg "push: a ResearchSubject written over" push "$D"
mkdir "$H/primary/sub-Aniyah-heart-2"
mv "$H/primary/sub-Aniyah-heart-1/sam-2" "$H/primary/sub-Aniyah-heart-2/"
vg "push of a study split over two folders" push "$D"
vg "retract of one of its folders" retract --yes "$H/primary/sub-Aniyah-heart-2"
fault '{"stallAfterMs": 2000, "count": 1, "method": "POST"}'
vg "push through a stall, read back" push --retries 0 --timeout 1 "$D"
vg "search" search --all 'ImagingStudy?_count=1'
vg "search --patient --json" search --json --patient Aniyah
vg "search --subjects" search --subjects sparc_fhir_heart_dataset
vg "search --datasets" search --datasets Aniyah
printf ':wait\nj 2 3 r\n:wait\ns\n<Enter>\n:wait\n<Enter>\nq q q\n' >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" vg "the UI, scripted" "$D"
printf ':wait\n2\ns\n<Down>\n<Up>\n<Enter>\n:wait\n<Enter>\n<Enter>\nq\n' >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" vg "the UI: a dataset's ResearchStudy, its subjects searched, one opened" "$D"
vg "preview of a subject's series" preview --size 40x20 "$D/sparc_fhir_breast_dataset/primary/sub-Aniyah-breast-1"
printf ':wait\nj j 4\n:dump %s\nj\n] ] ( { =\n:dump %s\nq\n' "$TMP/img1" "$TMP/img2" >"$TMP/script"
SDSFHIR_SCRIPT="$TMP/script" vg "the UI: the Image view (a sheet, a series stepped, windows)" "$D"
done_testing
