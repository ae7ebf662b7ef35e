#!/bin/sh
# fuzz.sh: 20000 random hypercalls (numbers and arguments) never crash the hv.
HV=${HV:-build/hv}
[ -c /dev/kvm ] || { echo "SKIP fuzz: no /dev/kvm"; exit 0; }
fail=0
for mode in classic ${FUZZ_MODES:-}; do
	json=${TMPDIR:-/tmp}/hv-fuzz.$$.json
	out=$($HV --mode $mode --exec fuzz --kernel build/hv.d/tests/guest_fuzz.elf --json "$json" \
		--timeout 300 2>&1)
	rc=$?
	printf '%s\n' "$out" | tail -n 5
	if [ $rc -eq 0 ] && grep -q '"unknown": [1-9]' "$json"; then
		echo "PASS fuzz $mode: finished, bad calls answered with errors"
	else
		echo "FAIL fuzz $mode: status $rc"
		fail=1
	fi
	rm -f "$json"
done
exit $fail
