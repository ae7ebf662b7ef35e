#!/bin/sh
# clock-test.sh: the lab's instruction clock gives a cell the same time, loaded or not.
#
# Usage: sh harness/lab/clock-test.sh [BUILD]     (from the repository top; make test runs it)
# Two lab boots (NPT, harness/lab/run.sh --clock instructions) each run the cell whose time
# depends most on the host: ptefree lazy forkstorm (the hv pages for the guest, and its uffd
# threads resolve the children's faults). The second boot runs beside a busy loop on every
# core of this machine. Checks: each boot reports the instruction clock to the command inside
# (PAGELAB_LAB_CLOCK), each record is valid against harness/run-record.schema.json and says
# clock "instructions" and time_unit "instructions", and the two medians per operation agree
# within 0.5% (they agree within 0.0001%). TCG wall time, the other clock, doubles under such a load.
BUILD=${1:-${BUILD:-build}}
VALIDATE=${VALIDATE:-$BUILD/validate}
TEST=clock
TOLERANCE=0.005
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "PASS $TEST $name"; else echo "FAIL $TEST $name"; fail=1; fi
}
holds() { awk "BEGIN { exit !($1) }"; }

if ! why=$(BUILD=$BUILD harness/lab/run.sh --probe 2>&1); then
	echo "SKIP $TEST: the lab cannot run here: $(echo "$why" | tail -n 1)"
	exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/pagelab-clock.XXXXXX")
busy=''
trap 'for p in $busy; do kill $p 2>/dev/null; done; rm -rf "$dir"' EXIT

cmd='echo "clock $PAGELAB_LAB_CLOCK"; build/hv --mode ptefree --fork-policy lazy'
cmd="$cmd --workload forkstorm --param rss_kib=64 --iters 10 --reps 3 --json out/run.json"
# boot NAME: one lab boot on the instruction clock; its record goes to $dir/NAME.json.
boot() {
	BUILD=$BUILD harness/lab/run.sh --npt 1 --clock instructions --timeout 300 \
		--out "$dir/$1" -- "$cmd" >"$dir/$1.log" 2>&1
	rc=$?
	check "$1: the lab run exits 0 (got $rc)" [ $rc -eq 0 ]
	[ $rc -eq 0 ] || tail -n 20 "$dir/$1.log" | sed 's/^/    /'
	check "$1: the command inside is told the clock" grep -qx 'clock instructions' "$dir/$1.log"
	check "$1: the record is valid against the schema" \
		"$VALIDATE" harness/run-record.schema.json "$dir/$1/run.json"
	check "$1: the record says the clock and its unit" \
		grep -q '"clock": *"instructions"' "$dir/$1/run.json"
	grep -q '"time_unit": *"instructions"' "$dir/$1/run.json" || {
		echo "FAIL $TEST $1: time_unit is not instructions"
		fail=1
	}
}
# The record's median instructions per operation.
p50() {
	awk '$1 == "\"p50\":" { gsub(/,/, "", $2); print $2; exit }' "$dir/$1/run.json"
}

boot quiet
for _ in $(seq "$(nproc)"); do
	sh -c 'while :; do :; done' &
	busy="$busy $!"
done
boot loaded
for p in $busy; do kill $p 2>/dev/null; done
busy=''
a=$(p50 quiet) b=$(p50 loaded)
check "the median per op agrees within 0.5%: quiet ${a:-none}, loaded ${b:-none}" \
	holds "${a:-0} > 0 && ${b:-0} > 0 && (${a:-0} - ${b:-0}) / ${a:-1} <= $TOLERANCE && (${b:-0} - ${a:-0}) / ${a:-1} <= $TOLERANCE"
exit $fail
