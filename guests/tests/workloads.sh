#!/bin/sh
# workloads.sh: every workload, with small sizes, passes its own checks in each MMU mode.
# Run it through harness/kvmtests.sh (it needs /dev/kvm). MODES overrides the modes tried.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
HV=${HV:-build/hv}
failed=0
workloads=$("$HV" --list | awk '/^[^ ]/ { sect = $1 } sect == "workloads" && /^  [^ ]/ { print $1 }')
[ -n "$workloads" ] || { echo "FAIL workloads: '$HV --list' listed nothing"; exit 1; }

for mode in ${MODES:-$($HV --list-modes | cut -d" " -f1 | grep . || echo unlisted)}; do
	for w in $workloads; do
		params=
		case $w in
		forkstorm) params="--param rss_kib=64 --param touch_pages=4" ;;
		mmapchurn) params="--param kib=64" ;;
		esac
		out=$("$HV" --mode "$mode" --workload "$w" --iters 5 --reps 2 --warmup 1 $params \
			--timeout 300 2>&1)
		rc=$?
		if [ $rc -eq 0 ]; then
			echo "PASS $mode/$w"
		else
			echo "FAIL $mode/$w: hv exited with status $rc"
			printf '%s\n' "$out" | sed 's/^/    /'
			failed=1
		fi
	done
done
exit $failed
