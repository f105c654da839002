#!/bin/sh
# How long the README's first command takes before the UI opens, the second time: the
# dependency check and the build when nothing changed (./bootstrap run does both, then starts
# the test server and the UI). Prints seconds; no assertion.
set -eu
cd "$(dirname "$0")/.."
./bootstrap deps >/dev/null
./bootstrap build >/dev/null
t0=$(date +%s.%N)
./bootstrap deps >/dev/null
./bootstrap build >/dev/null
t1=$(date +%s.%N)
echo "second start, dependencies and build: $(echo "$t1 - $t0" | bc) s"
