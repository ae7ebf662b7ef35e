#!/bin/sh
# crash.sh: a guest that triple-faults is reported with its registers and a failing status.
HV=${HV:-build/hv}
[ -c /dev/kvm ] || { echo "SKIP crash: no /dev/kvm"; exit 0; }
start=$(date +%s)
out=$($HV --exec crash --kernel build/hv.d/tests/guest_triple.elf --timeout 60 2>&1)
rc=$?
elapsed=$(($(date +%s) - start))
printf '%s\n' "$out"
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "PASS crash $name"; else echo "FAIL crash $name"; fail=1; fi
}
check "exit status 1 (got $rc)" [ $rc -eq 1 ]
check "says triple fault" sh -c 'printf "%s" "$1" | grep -q "triple fault"' - "$out"
# SVM hosts reset the vCPU on a shutdown: then the hv must say the registers are reset values
check "dumps registers" sh -c 'printf "%s" "$1" | grep -q -e "rbx 00000000deadbeef" -e "reset values"' - "$out"
check "reports cr2 and cr3" sh -c 'printf "%s" "$1" | grep -q "cr2 .* cr3 "' - "$out"
check "not hung (${elapsed}s)" [ "$elapsed" -lt 30 ]
exit $fail
