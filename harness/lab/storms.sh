#!/bin/sh
# storms.sh: reproduces the known pvmmu fault under NPT: concurrent fork storms on 2 vCPUs that
# run at the same time (LAB_MTTCG=1), with updates applied directly (--pvmmu-apply direct).
#
# Usage: harness/lab/storms.sh [RUNS] [OUT]   (from the repository top, after make all)
# Each run is a fresh lab boot (npt=1, 2 vCPUs, a TCG thread each) that runs the smp program's
# storms alone. Each is classed as: ok; a triple fault of a vCPU (the hv's report: the failing
# vCPU's registers); a lab kernel lockup (its own "soft lockup" on the console, or a boot that
# timed out: the hv's watchdog did not get to report); other. The console and the kernel log of
# every run not ok stay in OUT/N/ (default build/lab/storms), with a summary at the end.
runs=${1:-25}
out=${2:-${BUILD:-build}/lab/storms}
rounds=${STORMS_ROUNDS:-10}
# the configuration under test (STORMS_HV: other modes or --pvmmu-apply vcpu, to compare)
hv_args=${STORMS_HV:---mode pvmmu --pvmmu-apply direct}
case $runs in '' | *[!0-9]*) echo "storms.sh: RUNS must be a number, not '$runs'" >&2; exit 2 ;; esac
mkdir -p "$out" || exit 4
ok=0 triple=0 lockup=0 other=0
i=1
while [ "$i" -le "$runs" ]; do
	dir=$out/$i
	mkdir -p "$dir"
	start=$(date +%s)
	LAB_MTTCG=1 harness/lab/run.sh --npt 1 --smp 2 --timeout 600 --dmesg --out "$dir" -- \
		"build/hv $hv_args --cpus 2 --timeout 300 --exec 'smp $rounds storms'" \
		>"$dir/console.txt" 2>&1
	rc=$?
	if grep -q 'triple fault' "$dir/console.txt"; then
		class=triple triple=$((triple + 1))
	elif [ $rc -eq 124 ] || grep -q 'soft lockup' "$dir/console.txt" "$dir/dmesg.txt" 2>/dev/null; then
		class=lockup lockup=$((lockup + 1))
	elif [ $rc -eq 0 ] && grep -q '^PASS test_concurrent_fork_storms' "$dir/console.txt"; then
		class=ok ok=$((ok + 1))
	else
		class="other (status $rc)" other=$((other + 1))
	fi
	echo "run $i of $runs: $class in $(($(date +%s) - start)) s"
	[ "$class" = ok ] && rm -rf "$dir"
	i=$((i + 1))
done
echo "storms ($hv_args): $runs runs: $ok ok, $triple triple faults, $lockup lab kernel lockups," \
	"$other other (kept in $out)"
[ $((triple + lockup + other)) -eq 0 ]
