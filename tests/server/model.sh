#!/bin/sh
# The model-based test (tests/server/model.py): seeded random sequences of pushes, edits,
# bodySite changes, retracts, faults, stalls, concurrent and killed pushes against the test
# server, the invariants checked after every step. A bounded number of seeds here (about a
# minute); bench/model.sh runs it for an hour. MODEL_SEED replays one seed.
. "$top_srcdir/tests/lib.sh"
fhir_server_start
export FHIR ADMIN SDSFHIR
seed=${MODEL_SEED:-$(( $(date +%s) % 100000 ))}
echo "# seed $seed (MODEL_SEED=$seed replays it)"
python3 "$top_srcdir/tests/server/model.py" --seed "$seed" --steps "${MODEL_STEPS:-15}" --runs "${MODEL_RUNS:-6}" \
	--data "$top_srcdir/data" --tmp "$TMP"
