#!/bin/sh
# programs.sh: boots the guest once per test program (guests/tests/*.c) and MMU mode, and
# passes on the program's PASS/FAIL/SKIP lines tagged with mode/program. Run it through
# harness/kvmtests.sh (it needs /dev/kvm). MODES overrides the modes tried.
# The programs are listed here because the lab VM carries only the image, not the sources.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
PROGRAMS="segv cow sysargs exec procs coherence"
HV=${HV:-build/hv}
failed=0

# Runs one program in one mode; prints its verdict lines, and its console when it failed.
run_program() {
	mode=$1 prog=$2
	out=$("$HV" --mode "$mode" --exec "$prog" --timeout 300 2>&1)
	rc=$?
	printf '%s\n' "$out" | while read -r verdict rest; do
		case $verdict in
		PASS | FAIL | SKIP) echo "$verdict $mode/$prog $rest" ;;
		esac
	done
	if [ "$prog" = segv ]; then
		# six page faults in segv.c kill a process; the hv must have heard of each
		n=$(printf '%s\n' "$out" | grep -c 'killed: invalid access')
		if [ "$n" -ge 6 ]; then
			echo "PASS $mode/segv hv_reports_faults"
		else
			echo "FAIL $mode/segv hv_reports_faults: $n process faults reported, expected 6"
			rc=1
		fi
	fi
	if [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | grep -q '^FAIL ' ||
			echo "FAIL $mode/$prog: hv exited with status $rc"
		printf '%s\n' "$out" | sed 's/^/    /'
		return 1
	fi
}

for mode in ${MODES:-$($HV --list-modes | cut -d" " -f1 | grep . || echo unlisted)}; do
	for prog in $PROGRAMS; do
		run_program "$mode" "$prog" || failed=1
	done
done
exit $failed
