#!/bin/sh
# spin.sh: a guest spinning without exits is stopped by the watchdog within --timeout.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=spin
. harness/check.sh
run_hv --exec spin --kernel build/hv.d/tests/guest_spin.elf --timeout 3
printf '%s\n' "$out"
check "exit status 1 (got $rc)" [ $rc -eq 1 ]
check "says timeout" says "timeout"
check "dumps registers" says "rip ffffffff801000"
# not before the timeout (whole seconds, so 2 may mean 2.99), and not hung well past it
in_time() { [ "$elapsed" -ge 2 ] && [ "$elapsed" -le 15 ]; }
check "stopped in time (${elapsed}s for --timeout 3)" in_time
exit $fail
