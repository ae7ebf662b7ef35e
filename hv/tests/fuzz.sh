#!/bin/sh
# fuzz.sh: 20000 random hypercalls (numbers and arguments, pointers often aimed at frames the
# hv types) never crash the hv nor break the mode's invariants, which the hv checks every 200
# calls, in every mode; 10^6 checked every 10^4 with PAGELAB_TEST_ALL=1 (make test-all, make
# fuzz), but for the lab's trap entry passes (the fuzzer runs in ring 0, off the system-call
# entry's path, and the SYSCALL passes make them) and, in make test-all, on a PVM host, whose
# emulated guest ring 0 takes minutes for them (make fuzz sets PAGELAB_FUZZ=1 to have them).
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=fuzz FUZZ_ELF=build/hv.d/tests/guest_fuzz.elf FUZZ_TIMEOUT=300 FUZZ_CHECK_EVERY=200
. harness/check.sh
if [ "${PAGELAB_TEST_ALL:-0}" = 1 ] && [ "${PAGELAB_SYSCALL_ENTRY:-}" != trap ] &&
	{ ! pvm_host || [ "${PAGELAB_FUZZ:-0}" = 1 ]; }; then
	TEST=fuzz_long FUZZ_ELF=build/hv.d/tests/guest_fuzz_long.elf FUZZ_TIMEOUT=3600
	FUZZ_CHECK_EVERY=10000
fi
# every mode, and each fork policy of a mode that has them
setups=$(for m in $(hv_modes); do
	if mode_takes $m fork-policy; then echo $m:copy $m:lazy; else echo $m; fi
done)
for setup in $setups; do
	mode=${setup%%:*} policy=${setup#*:}
	policy_opts=
	[ "$policy" = "$setup" ] || policy_opts="--fork-policy $policy --windows 4"
	json=${TMPDIR:-/tmp}/hv-fuzz.$$.json
	out=$(PAGELAB_CHECK_INVARIANTS=$FUZZ_CHECK_EVERY $HV --mode $mode $policy_opts \
		--exec fuzz --kernel "$FUZZ_ELF" --json "$json" --timeout $FUZZ_TIMEOUT 2>&1)
	rc=$?
	printf '%s\n' "$out" | tail -n 3
	if [ $rc -eq 0 ] && grep -q '"unknown": [1-9]' "$json"; then
		echo "PASS $TEST $setup: finished, bad calls answered with errors"
	else
		echo "FAIL $TEST $setup: status $rc"
		fail=1
	fi
	! mode_checks $mode ||
		check "$setup: the hv found the mode's invariants intact every $FUZZ_CHECK_EVERY calls" \
			says "invariants held at all [1-9][0-9]* checks"
	check "$setup: record valid against the schema" valid_record
	rm -f "$json"
done
exit $fail
