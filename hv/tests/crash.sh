#!/bin/sh
# crash.sh: a guest that triple-faults is reported with its registers and a failing status.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=crash
. harness/check.sh
run_hv --exec crash --kernel build/hv.d/tests/guest_triple.elf --timeout 60
printf '%s\n' "$out"
check "exit status 1 (got $rc)" [ $rc -eq 1 ]
# a PVM host reports the triple fault as an emulation it could not do
if pvm_host; then
	check "says the emulation failed (PVM)" says "instruction emulation failed"
else
	check "says triple fault" says "triple fault"
fi
# SVM hosts reset the vCPU on a shutdown: then the hv must say the registers are reset values
check "dumps registers" says "rbx 00000000deadbeef\|reset values"
check "reports cr2 and cr3" says "cr2 .* cr3 "
check "not hung (${elapsed}s)" [ "$elapsed" -lt 30 ]
exit $fail
