#!/bin/sh
# concurrency.sh: the concurrent workloads on several vCPUs, in each MMU mode: they pass their own
# checks, and an unmap with a reader on the other vCPU costs exactly one shootdown where the
# guest kernel does one (classic: one IPI; pvmmu: one flush with the other vCPU in its mask;
# ptefree: none, the hv's change is seen by every vCPU). Run it through harness/kvmtests.sh.
# kvmtests: @npt=0,1@smp=2 (where harness/kvmtests.sh runs it)
HV=${HV:-build/hv}
failed=0
if ! "$HV" --help 2>&1 | grep -q -- "--cpus"; then
	echo "SKIP concurrency: this hv runs one vCPU (no --cpus)"
	exit 0
fi

# check NAME OUTPUT PATTERN: PASS when the hv's report matches the pattern
check() {
	if printf '%s\n' "$2" | grep -q "$3"; then
		echo "PASS $1"
	else
		echo "FAIL $1: no '$3' in the report"
		printf '%s\n' "$2" | sed 's/^/    /'
		failed=1
	fi
}

for mode in ${MODES:-$($HV --list-modes | cut -d" " -f1 | grep . || echo unlisted)}; do
	out=$("$HV" --cpus 2 --mode "$mode" --workload shootdown --param threads=2 --iters 5 \
		--reps 2 --warmup 1 --timeout 300 2>&1)
	check "$mode/shootdown threads=2" "$out" "result: ok"
	case $mode in
	classic) want="ipis_sent=1.00 ipis_recv=1.00 shootdowns=1.00" ;;
	pvmmu) want="ipis_sent=0.00 ipis_recv=0.00 shootdowns=1.00" ;;
	ptefree) want="ipis_sent=0.00 ipis_recv=0.00 shootdowns=0.00" ;;
	esac
	check "$mode/shootdown threads=2 counts" "$out" "guest kernel per op: $want"
	out=$("$HV" --cpus 2 --mode "$mode" --workload forkstorm --param copies=2 \
		--param touch_pages=4 --iters 2 --reps 2 --warmup 1 --timeout 300 2>&1)
	check "$mode/forkstorm copies=2" "$out" "result: ok"
done
exit $failed
