#!/bin/sh
# testmode.sh: a mode registered by one file (hv/tests/testmode.c, linked into a test hv) is
# listed and described, owns its option, and boots a workload with its hooks' output.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=testmode
HV=${TESTMODE_HV:-build/hv-testmode}
. harness/check.sh
json=${TMPDIR:-/tmp}/hv-testmode.$$.json
check "listed after the registered modes" sh -c "$HV --list-modes | tail -n 1 | grep -q '^testmode '"
check "its option described as its own" mode_takes testmode testmode-note
check "and not another mode's" eval "! mode_takes classic testmode-note"
run_hv --mode classic --testmode-note 3 --workload nullsys
check "its option refused in classic" [ $rc -eq 2 ]
check "with the reason" says "testmode-note applies to --mode testmode only"
run_hv --mode testmode --testmode-note 3 --workload nullsys --iters 10 --reps 1 --timeout 60 \
	--json "$json"
printf '%s\n' "$out" | head -n 3
check "boots a workload" [ $rc -eq 0 ]
check "its summary line" says "testmode: note 3, setups 1"
check "its record fields" has '"mode":"testmode"'
check "its record fields, set by its hook" has '"testmode_note":3,"testmode_setups":1'
check "the other modes' fields null" has '"free_report":null'
rm -f "$json"
exit $fail
