#!/bin/sh
# split-test.sh: bench --split splits a lab cell's instructions as their code addresses say.
#
# Usage: sh harness/lab/split-test.sh [BUILD]     (from the repository top; make test runs it)
# One lab boot (NPT) runs classic nullhc (one hypercall per operation: the guest, KVM and the
# hv all run) and nullsys (a system call the guest kernel answers: no exit) with the split
# pass. Checks, on each record (valid against harness/run-record.schema.json):
#   the parts of the marked interval add up to its total exactly, and the hv has instructions
#   in it (it handles the end mark's exit inside the interval): the marks were seen;
#   nullhc: at least 10 guest, 100 host kernel and 10 hv instructions per operation;
#   nullsys: at least 90% of its instructions in the guest, both in its kernel and its
#   programs, and fewer than 1/100 of nullhc's hv instructions per operation (the hv runs only
#   when the guest exits);
#   other L1 user space (the bench waiting for the hv) under 1% of each total.
# And harness/lab/split.sh refuses an hv linked where the guest's programs are (hv-testmode
# keeps the default 0x400000): the split would count one as the other.
BUILD=${1:-${BUILD:-build}}
BENCH=${BENCH:-$BUILD/bench}
VALIDATE=${VALIDATE:-$BUILD/validate}
TEST=split
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "PASS $TEST $name"; else echo "FAIL $TEST $name"; fail=1; fi
}
# True if the awk expression $1 holds.
holds() { awk "BEGIN { exit !($1) }"; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/pagelab-split.XXXXXX")
trap 'rm -rf "$dir"' EXIT

mkdir -p "$dir/build/guest" "$dir/build/lab"
ln -s "$(realpath "$BUILD/guest/bin")" "$dir/build/guest/bin"
ln -s "$(realpath "$BUILD/guest/kernel.elf")" "$dir/build/guest/kernel.elf"
ln -s "$(realpath "$BUILD/lab/insnsplit.so")" "$dir/build/lab/insnsplit.so"
ln -s "$(realpath "$BUILD/hv-testmode")" "$dir/build/hv-static"
BUILD=$dir/build sh harness/lab/split.sh "$dir/x" >/dev/null 2>"$dir/overlap.err"
rc=$?
check "split.sh refuses an hv at the guest programs' addresses (status $rc: $(cat "$dir/overlap.err"))" \
	grep -q 'overlap' "$dir/overlap.err"

if ! why=$(BUILD=$BUILD harness/lab/run.sh --probe 2>&1); then
	echo "SKIP $TEST: the lab cannot run here: $(echo "$why" | tail -n 1)"
	exit $fail
fi
$BENCH --platforms lab-npt --modes classic --workloads nullhc,nullsys --split --quick \
	--budget 0.05 --calibration-exits 100 --out "$dir/out" >"$dir/log" 2>&1
rc=$?
check "bench exit status 0 (got $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/    /' "$dir/log"
check "each run record valid against the schema" \
	$VALIDATE --each runs harness/run-record.schema.json "$dir/out/results.json"

# One line per run: workload, then its split's instructions (guest_kernel guest_user
# host_kernel hv other total) and iterations.
awk '$1 == "\"workload\":" { gsub(/[",]/, "", $2); w = $2 }
	$1 == "\"split\":" { s = 1 }
	s && $1 == "\"iterations\":" { gsub(/,/, "", $2); it = $2 }
	s && $1 == "\"instructions\":" { i = 1; next }
	i { k = $1; gsub(/[":]/, "", k); gsub(/,/, "", $2); v[k] = $2 }
	i && /}/ { print w, v["guest_kernel"], v["guest_user"], v["host_kernel"], v["hv"], v["other"],
		v["total"], it; s = i = 0 }' "$dir/out/results.json" >"$dir/split"
for w in nullhc nullsys; do
	set -- $(awk -v w=$w '$1 == w' "$dir/split") 0 0 0 0 0 0 0 0
	check "$w: split recorded" [ "$1" = $w ]
	check "$w: the parts $2+$3+$4+$5+$6 = the total $7" holds "$2 + $3 + $4 + $5 + $6 == $7 && $7 > 0"
	check "$w: the hv has instructions in the marked interval ($5)" holds "$5 > 0"
	check "$w: other L1 user space under 1% ($6 of $7)" holds "$6 < $7 / 100"
	eval "${w}_guest=\$((\$2 + \$3)) ${w}_gk=\$2 ${w}_gu=\$3 ${w}_host=\$4 ${w}_hv=\$5 ${w}_total=\$7 ${w}_iters=\$8"
done
per_op() { awk -v n="$1" -v i="$2" 'BEGIN { printf "%.1f", i ? n / i : 0 }'; }
g=$(per_op "$nullhc_guest" "$nullhc_iters") h=$(per_op "$nullhc_host" "$nullhc_iters")
v=$(per_op "$nullhc_hv" "$nullhc_iters")
check "nullhc: guest $g, host kernel $h, hv $v per op (>= 10, 100, 10)" \
	holds "$g >= 10 && $h >= 100 && $v >= 10"
check "nullsys: guest $nullsys_guest of $nullsys_total (>= 90%), kernel $nullsys_gk and programs $nullsys_gu" \
	holds "$nullsys_guest >= 0.9 * $nullsys_total && $nullsys_gk > 0 && $nullsys_gu > 0"
sv=$(per_op "$nullsys_hv" "$nullsys_iters")
check "nullsys: hv per op $sv < nullhc's $v / 100" holds "$sv < $v / 100"
exit $fail
