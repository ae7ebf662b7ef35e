#!/bin/sh
# calibrate.sh: the hv's hypercall path against a bare KVM_RUN loop (prints both and the ratio).
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=calibrate
. harness/check.sh
out=$($HV --calibrate --iters ${CALIBRATE_EXITS:-3000} 2>&1)
rc=$?
printf '%s\n' "$out"
ratio=$(printf '%s\n' "$out" | sed -n 's/.*ratio hv\/bare *\([0-9.]*\).*/\1/p')
if [ $rc -eq 0 ] && [ -n "$ratio" ]; then
	echo "PASS calibrate: hv/bare = $ratio (target <= 1.10)"
else
	echo "FAIL calibrate: status $rc"
	exit 1
fi
