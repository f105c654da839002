#!/bin/sh
# The log compiler of the .batch tests: run the .sh test of the same name with the test FHIR
# server in batch mode (a transaction Bundle is run entry by entry, as by a default Medplum project).
# Usage: in-mode.sh MODE tests/server/batch/NAME.batch (runs tests/server/NAME.sh)
mode=$1
test=$2
FHIR_MODE=$mode
export FHIR_MODE
dir=$(dirname "$test")
name=$(basename "$test" .batch)
exec ${SHELL:-/bin/sh} "$dir/../$name.sh"
