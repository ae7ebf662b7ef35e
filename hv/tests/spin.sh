#!/bin/sh
# spin.sh: a guest spinning without exits is stopped by the watchdog within --timeout.
HV=${HV:-build/hv}
[ -c /dev/kvm ] || { echo "SKIP spin: no /dev/kvm"; exit 0; }
start=$(date +%s)
out=$($HV --exec spin --kernel build/hv.d/tests/guest_spin.elf --timeout 3 2>&1)
rc=$?
elapsed=$(($(date +%s) - start))
printf '%s\n' "$out"
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "PASS spin $name"; else echo "FAIL spin $name"; fail=1; fi
}
check "exit status 1 (got $rc)" [ $rc -eq 1 ]
check "says timeout" sh -c 'printf "%s" "$1" | grep -q "timeout"' - "$out"
check "dumps registers" sh -c 'printf "%s" "$1" | grep -q "rip ffffffff801000"' - "$out"
check "stopped in time (${elapsed}s for --timeout 3)" [ "$elapsed" -le 8 ]
exit $fail
