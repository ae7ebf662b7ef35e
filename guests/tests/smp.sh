#!/bin/sh
# smp.sh: the smp test program (guests/tests/smp.c) on several vCPUs in every mode, then again
# with the guest's TLB shootdown deliberately skipped (hv --shootdown skip), which must be caught
# where the MMU keeps stale entries (EPT/NPT; in the lab only when its vCPUs run in parallel,
# LAB_MTTCG=1). Under KVM's shadow MMU (lab-shadow, a PVM host)
# KVM traps the guest's page-table writes and flushes every vCPU itself: the broken run is
# reported, not required to fail. Run it through harness/kvmtests.sh.
# SMP_CPUS (default 2) vCPUs, SMP_ROUNDS (default 3 on a PVM host, 10 elsewhere) rounds per
# test; the broken runs do only the stale-mapping tests, three times as many rounds.
# kvmtests: @npt=0,1@smp=2 (where harness/kvmtests.sh runs it)
HV=${HV:-build/hv}
CPUS=${SMP_CPUS:-2}
failed=0

# Runs the program (mode, shootdown, its arguments); its output is in $out, the hv's status in $rc.
run() {
	out=$("$HV" --mode "$1" --cpus "$CPUS" --shootdown "$2" --timeout 120 --exec "smp $3" 2>&1)
	rc=$?
}

# The MMU the hv reports (ept, npt, shadow, pvm) in its summary line.
mmu=$("$HV" --mode classic --workload nullhc --iters 1 --reps 1 2>&1 | sed -n 's/.*, mmu \([a-z]*\),.*/\1/p' | head -1)
case $mmu in
pvm) ROUNDS=${SMP_ROUNDS:-3} ;;
*) ROUNDS=${SMP_ROUNDS:-10} ;;
esac
# In the lab the vCPUs may take turns on one TCG thread (harness/lab/run.sh), never running at
# the same instant.
turns=0
[ "${PAGELAB_LAB_TCG:-}" = single ] && turns=1

for mode in $($HV --list-modes | cut -d" " -f1 | grep . || echo unlisted); do
	args=$ROUNDS
	# Known bug, not yet found: pvmmu's concurrent fork storms on 2 vCPUs under NPT triple-fault
	# a vCPU in the lab when its vCPUs run at the same time (LAB_MTTCG=1; harness/lab/storms.sh
	# reproduces it: 1 run in 25 with --pvmmu-apply direct, 10 in 25 with vcpu), in none of 60
	# when they take turns; left out where they may run at the same time, so that it stays
	# visible as a SKIP rather than as a red run now and then.
	if [ "$mode" = pvmmu ] && { [ "$mmu" = npt ] || [ "$mmu" = ept ]; } && [ $turns = 0 ]; then
		args="$ROUNDS nostorms"
		echo "SKIP pvmmu/smp/cpus=$CPUS test_concurrent_fork_storms: known bug under $mmu" \
			"with vCPUs running at the same time (a vCPU triple-faults in 1 lab run in 25" \
			"with LAB_MTTCG=1; harness/lab/storms.sh reproduces it), not yet found"
	fi
	run "$mode" on "$args"
	printf '%s\n' "$out" | while read -r verdict rest; do
		case $verdict in
		PASS | FAIL | SKIP) echo "$verdict $mode/smp/cpus=$CPUS $rest" ;;
		esac
	done
	if [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | grep -q '^FAIL ' ||
			echo "FAIL $mode/smp/cpus=$CPUS: hv exited with status $rc"
		printf '%s\n' "$out" | sed 's/^/    /'
		failed=1
	fi
done

# ptefree has no guest shootdown to skip: the hv's host mapping change is what every vCPU sees.
for mode in classic pvmmu; do
	run "$mode" skip "$((ROUNDS * 3)) stale"
	stale=$(printf '%s\n' "$out" | grep -c 'stale TLB entry\|kept the old frame\|page changed after the fork')
	case $mmu in
	shadow | pvm)
		echo "SKIP $mode/smp/shootdown-skipped-is-caught: under shadow paging (mmu $mmu)" \
			"KVM traps the guest's page-table writes and flushes every vCPU itself, so" \
			"nothing need stay stale (this run: $stale stale accesses found)"
		;;
	*)
		if [ "$stale" -gt 0 ]; then
			echo "PASS $mode/smp/shootdown-skipped-is-caught ($stale stale accesses found)"
		elif [ $turns = 1 ]; then
			echo "SKIP $mode/smp/shootdown-skipped-is-caught: the lab VM's vCPUs take turns" \
				"on one TCG thread (harness/lab/run.sh), and no stale access was found so" \
				"(with a TCG thread per vCPU, LAB_MTTCG=1, 3 or 4 of its 4 checks failed" \
				"in each of 11 runs)"
		else
			echo "FAIL $mode/smp/shootdown-skipped-is-caught: with the shootdown skipped" \
				"no stale access was found under $mmu"
			printf '%s\n' "$out" | sed 's/^/    /'
			failed=1
		fi
		;;
	esac
done
exit $failed
