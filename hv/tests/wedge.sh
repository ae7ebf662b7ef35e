#!/bin/sh
# wedge.sh: vCPU 1 spins forever without an exit while vCPU 0 halts inside KVM: the watchdog
# stops both in time and prints the registers of each.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=wedge
. harness/check.sh
run_hv --exec wedge --kernel build/hv.d/tests/guest_wedge.elf --cpus 2 --timeout 3
printf '%s\n' "$out"
check "exit status 1 (got $rc)" [ $rc -eq 1 ]
check "says timeout" says "timeout: the guest ran past --timeout (all vCPUs)"
check "vCPU 0's registers (halted)" sh -c 'printf "%s" "$1" | grep -A1 "^ vCPU 0:" | grep -q "rip ffffffff8010001f"' - "$out"
check "vCPU 1's registers (spinning)" sh -c 'printf "%s" "$1" | grep -A1 "^ vCPU 1:" | grep -q "rip ffffffff801000[12]"' - "$out"
in_time() { [ "$elapsed" -ge 2 ] && [ "$elapsed" -le 15 ]; }
check "stopped in time (${elapsed}s for --timeout 3)" in_time
exit $fail
