#!/bin/sh
# fuzz.sh: 20000 random hypercalls (numbers and arguments) never crash the hv, in every mode.
TEST=fuzz
. harness/check.sh
for setup in classic ptefree:copy ptefree:lazy pvmmu; do
	mode=${setup%%:*} policy=${setup#*:}
	[ "$policy" = "$setup" ] && policy=lazy
	json=${TMPDIR:-/tmp}/hv-fuzz.$$.json
	out=$($HV --mode $mode --fork-policy $policy --windows 4 --exec fuzz \
		--kernel build/hv.d/tests/guest_fuzz.elf --json "$json" --timeout 300 2>&1)
	rc=$?
	printf '%s\n' "$out" | tail -n 3
	if [ $rc -eq 0 ] && grep -q '"unknown": [1-9]' "$json"; then
		echo "PASS fuzz $setup: finished, bad calls answered with errors"
	else
		echo "FAIL fuzz $setup: status $rc"
		fail=1
	fi
	check "$setup: record valid against the schema" valid_record
	rm -f "$json"
done
exit $fail
