#!/bin/sh
# A longer fuzzing run than make check's: each harness for SECONDS (default 600).
#   bench/fuzz.sh [SECONDS]
# Prints inputs per second; a crash input is printed in base64 for tests/fuzz/regress/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
export top_srcdir=$top top_builddir=${top_builddir:-$top/build} SDSFHIR=${SDSFHIR:-$top/build/sdsfhir}
exec sh "$top/tests/fuzz/run.sh" "${1:-600}"
