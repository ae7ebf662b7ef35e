#!/bin/sh
# boot.sh: the hv boots a tiny guest that prints, marks ten empty hypercalls and reports ok.
HV=${HV:-build/hv}
[ -c /dev/kvm ] || { echo "SKIP boot: no /dev/kvm"; exit 0; }
json=${TMPDIR:-/tmp}/hv-boot.$$.json
out=$($HV --workload nullhc --iters 10 --reps 1 --kernel build/hv.d/tests/guest_hello.elf \
	--json "$json" --timeout 60 2>&1)
rc=$?
printf '%s\n' "$out"
fail=0
check() { # name, condition...
	name=$1
	shift
	if "$@"; then echo "PASS boot $name"; else echo "FAIL boot $name"; fail=1; fi
}
check "exit status 0" [ $rc -eq 0 ]
check "console output" sh -c 'printf "%s" "$1" | grep -q "hello from the test guest"' - "$out"
check "result ok" sh -c 'printf "%s" "$1" | grep -q "result: ok"' - "$out"
check "json written" grep -q '"ok": true' "$json"
check "one nop per op in json" grep -q '"nop": 1.0' "$json"
check "platform in json" grep -q '"mmu": "[a-z]' "$json"
rm -f "$json"
exit $fail
