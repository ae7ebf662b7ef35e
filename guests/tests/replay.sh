#!/bin/sh
# replay.sh: the replay workload replays a recorded program's trace in every MMU mode: the true
# trace (one process, 48 touches) here; every built-in trace with PAGELAB_TEST_ALL=1.
# Run it through harness/kvmtests.sh (it needs /dev/kvm). MODES overrides the modes tried.
# kvmtests: @npt=0,1
HV=${HV:-build/hv}
failed=0
# Traces by index in name order (workloads/traces): 1 gcc, 2 make, 3 python, 4 sort, 5 true. Each run
# must print the summary of the trace it expects, so that a renumbering cannot pass unnoticed.
traces="5:true"
[ "${PAGELAB_TEST_ALL:-0}" = 1 ] && traces="1:gcc 2:make 3:python 4:sort 5:true"
for mode in ${MODES:-$($HV --list-modes | cut -d" " -f1 | grep . || echo unlisted)}; do
	for t in $traces; do
		out=$("$HV" --mode "$mode" --workload replay --param trace="${t%%:*}" --iters 1 \
			--reps 1 --timeout 900 2>&1)
		rc=$?
		case "$rc:$out" in
		"0:"*"replay ${t#*:}: "*) echo "PASS $mode/replay ${t#*:}: $(printf '%s\n' "$out" |
			sed -n 's/.*replay [a-z]*: \([0-9]* processes ([0-9]* execve)\).*/\1/p')" ;;
		*)
			echo "FAIL $mode/replay ${t#*:}: hv exited with status $rc"
			printf '%s\n' "$out" | sed 's/^/    /'
			failed=1 ;;
		esac
	done
done
exit $failed
