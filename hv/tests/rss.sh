#!/bin/sh
# rss.sh: ptefree gives freed guest memory back to the host at once (host RSS after a run
# of mmap/touch/munmap stays near where it started, while the peak shows the memory was used).
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=rss
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP rss: no guest kernel"; exit 0; }
out=$($HV --mode ptefree --workload mmapchurn --param kib=32768 --iters 2 --reps 1 --warmup 0 \
	--timeout 300 2>&1)
rc=$?
line=$(printf '%s\n' "$out" | grep 'host RSS')
echo "$line"
# "host RSS: before B KiB, peak P KiB, after A KiB"
set -- $(printf '%s\n' "$line" | sed 's/[^0-9 ]//g')
before=$1 peak=$2 after=$3
if [ $rc -eq 0 ] && [ -n "$after" ] && [ $((peak - before)) -ge 16384 ] &&
	[ $((after - before)) -lt 8192 ]; then
	echo "PASS rss: peak +$((peak - before)) KiB, after +$((after - before)) KiB"
else
	echo "FAIL rss: status $rc, before ${before:-?} peak ${peak:-?} after ${after:-?} KiB"
	exit 1
fi
