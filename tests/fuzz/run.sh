#!/bin/sh
# Build the libFuzzer harnesses with clang (ASan + UBSan + fuzzer) and run each for a bounded
# time on its seed corpus, after replaying the regression inputs of crashes found before.
#   tests/fuzz/run.sh [SECONDS]        default: FUZZ_SECONDS or 45
# make check runs it; a longer run: bench/fuzz.sh. Fails when a harness crashes.
. "$top_srcdir/tests/lib.sh"
SECS=${1:-${FUZZ_SECONDS:-45}}
command -v clang >/dev/null || { echo "Bail out! clang is needed (Debian packages clang, libclang-rt-14-dev)"; exit 1; }
S=$top_srcdir/src
B=$TMP/fuzz
mkdir -p "$B"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -I$top_builddir -I$S $(pkg-config --cflags json-c libcurl libzip expat chafa 2>/dev/null)"
SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
LIBS="-ldcmjpls -ldcmtkcharls -ldcmjpeg -lijg8 -lijg12 -lijg16 -ldcmimage -ldcmimgle -lcmr -ldcmsr -ldcmdata -loflog -lofstd $(pkg-config --libs json-c libcurl libzip expat chafa) -lcsv -lcrypto -lstdc++ -lpthread"
ok=1
for f in intern dataset cache sds_meta fhir bodypart research client jget charset termsafe safefile actions preview; do
	clang $CFLAGS $SAN -c "$S/$f.c" -o "$B/$f.o" 2>"$B/build.log" || ok=0
done
clang++ -std=c++17 -g -O1 -I$S $SAN -c "$S/dicom_dcmtk.cc" -o "$B/dicom_dcmtk.o" 2>>"$B/build.log" || ok=0
for h in dicom reply meta xlsx; do
	clang $CFLAGS $SAN -c "$top_srcdir/tests/fuzz/fuzz_$h.c" -o "$B/h_$h.o" 2>>"$B/build.log" || ok=0
	clang++ -fsanitize=fuzzer,address,undefined "$B/h_$h.o" "$B"/[!h]*.o $LIBS -o "$B/fuzz_$h" 2>>"$B/build.log" || ok=0
done
if [ $ok = 0 ]; then
	sed 's/^/# /' "$B/build.log" | head -30
	echo "Bail out! the fuzz harnesses do not build"
	exit 1
fi
tap 0 "the four harnesses build with clang and libFuzzer"
# memory limits low enough to catch amplification: a reply, a file or a part that costs far
# more than its size (libFuzzer fails the input past them; ASan's own overhead is counted too)
RSS_MB=${FUZZ_RSS_MB:-1024} MALLOC_MB=${FUZZ_MALLOC_MB:-256}
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for h in dicom reply meta xlsx; do
	R=$top_srcdir/tests/fuzz/regress/$h
	if ls "$R"/* >/dev/null 2>&1; then
		if "$B/fuzz_$h" -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$MALLOC_MB" "$R"/* >"$B/$h.regress.log" 2>&1; then
			tap 0 "$h: regression inputs pass"
		else tap 1 "$h: regression inputs pass"; tail -30 "$B/$h.regress.log" | sed 's/^/# /'; fi
	fi
	mkdir -p "$B/corpus-$h" "$B/crash-$h"
	if "$B/fuzz_$h" -max_total_time="$SECS" -timeout=10 -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$MALLOC_MB" \
		-artifact_prefix="$B/crash-$h/" \
		-print_final_stats=1 "$B/corpus-$h" "$top_srcdir/tests/fuzz/corpus/$h" >"$B/$h.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/$h.log")
		tap 0 "$h: $SECS s of fuzzing, $runs inputs, no crash"
		echo "# fuzz $h: $runs inputs in $SECS s ($(awk -v r="$runs" -v s="$SECS" 'BEGIN{printf "%d", r/s}')/s)"
	else
		tap 1 "$h: $SECS s of fuzzing, no crash"
		grep -E 'ERROR|SUMMARY|#[0-9]+ 0x' "$B/$h.log" | head -30 | sed 's/^/# /'
		for c in "$B/crash-$h"/*; do
			[ -f "$c" ] && echo "# crash input (base64, keep it in tests/fuzz/regress/$h/): $(base64 -w0 "$c" | head -c 2000)"
		done
	fi
done
done_testing
