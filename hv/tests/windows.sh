#!/bin/sh
# windows.sh: ptefree with fewer windows than processes: fork fails cleanly, the hv goes on.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=windows
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP windows: no guest kernel"; exit 0; }
json=${TMPDIR:-/tmp}/hv-windows.$$.json
out=$($HV --mode ptefree --windows 1 --workload forkstorm --iters 2 --reps 1 --json "$json" \
	--timeout 120 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 4
check "workload failed, status 1 (got $rc)" [ $rc -eq 1 ]
check "not a crash or timeout" sh -c '! printf "%s" "$1" | grep -q "guest stopped"' - "$out"
check "fork answered with an error" has '"as_fork":{"calls":[0-9]*,"errors":[1-9]'
check "record valid against the schema" valid_record
rm -f "$json"
exit $fail
