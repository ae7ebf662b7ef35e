#!/bin/sh
# replay.sh: each built-in trace replayed natively makes as many processes as its recording and
# minor faults within 10% of it (the replay's minus an empty trace's); at least 3 of 4 must.
# usage: sh workloads/tests/replay.sh [BUILD]
build=${1:-build}
wl=$build/native/wl tool=$build/pagelab-trace
minflt() { "$tool" run - "$wl" replay iters=1 "$@" | awk '$1 == "minflt" { print $2 }'; }
empty=$(minflt trace=0)
[ -n "$empty" ] || { echo "FAIL replay: the empty trace did not replay"; exit 1; }
i=0 close=0 n=0 failed=0
for t in $(LC_ALL=C ls workloads/traces/*.trace); do
	i=$((i + 1)) n=$((n + 1))
	name=$(basename "$t" .trace)
	want=$(sed -n 's/^minflt //p;/^body /q' "$t")
	procs=$(sed -n 's/^processes //p;/^body /q' "$t")
	got=$(minflt trace=$i)
	if [ -z "$got" ]; then
		echo "FAIL replay $name: did not replay"; failed=1; continue
	fi
	ratio=$(awk -v g="$got" -v e="$empty" -v w="$want" 'BEGIN { printf "%.3f", (g - e) / w }')
	if awk -v r="$ratio" 'BEGIN { exit !(r >= 0.9 && r <= 1.1) }'; then close=$((close + 1)); fi
	echo "INFO replay $name: minor faults $got - $empty (empty) vs $want recorded: ratio $ratio"
	# The processes it made: every fork, the replay's root included.
	forks=$(perf stat -x, -e sched:sched_process_fork "$wl" replay iters=1 trace=$i 2>&1 \
		>/dev/null | awk -F, '/sched_process_fork/ { print $1 }')
	if [ -z "$forks" ]; then
		echo "SKIP replay $name process count: perf stat unavailable"
	elif [ "$forks" = "$procs" ]; then
		echo "PASS replay $name: $procs processes, as recorded"
	else
		echo "FAIL replay $name: $forks processes, the recording had $procs"; failed=1
	fi
done
if [ "$close" -ge 3 ] || [ "$close" -eq "$n" ]; then
	echo "PASS replay minor faults: $close of $n traces within 10% of their recording"
else
	echo "FAIL replay minor faults: only $close of $n traces within 10% of their recording"
	failed=1
fi
exit $failed
