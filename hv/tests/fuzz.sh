#!/bin/sh
# fuzz.sh: 20000 random hypercalls (numbers and arguments) never crash the hv, in every mode;
# 10^6 with PAGELAB_TEST_ALL=1 (make test-all, make fuzz), but for the lab's trap entry passes:
# the fuzzer runs in ring 0, off the system-call entry's path, and the SYSCALL passes make them.
TEST=fuzz FUZZ_ELF=build/hv.d/tests/guest_fuzz.elf FUZZ_TIMEOUT=300
if [ "${PAGELAB_TEST_ALL:-0}" = 1 ] && [ "${PAGELAB_SYSCALL_ENTRY:-}" != trap ]; then
	TEST=fuzz_long FUZZ_ELF=build/hv.d/tests/guest_fuzz_long.elf FUZZ_TIMEOUT=3600
fi
. harness/check.sh
for setup in classic ptefree:copy ptefree:lazy pvmmu; do
	mode=${setup%%:*} policy=${setup#*:}
	[ "$policy" = "$setup" ] && policy=lazy
	json=${TMPDIR:-/tmp}/hv-fuzz.$$.json
	out=$($HV --mode $mode --fork-policy $policy --windows 4 --exec fuzz \
		--kernel "$FUZZ_ELF" --json "$json" --timeout $FUZZ_TIMEOUT 2>&1)
	rc=$?
	printf '%s\n' "$out" | tail -n 3
	if [ $rc -eq 0 ] && grep -q '"unknown": [1-9]' "$json"; then
		echo "PASS $TEST $setup: finished, bad calls answered with errors"
	else
		echo "FAIL $TEST $setup: status $rc"
		fail=1
	fi
	check "$setup: record valid against the schema" valid_record
	rm -f "$json"
done
exit $fail
