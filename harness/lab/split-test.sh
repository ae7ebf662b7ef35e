#!/bin/sh
# split-test.sh: bench --split splits a lab cell's instructions as their code addresses say.
#
# Usage: sh harness/lab/split-test.sh [BUILD]     (from the repository top; make test runs it)
# One lab boot (NPT) runs classic nullhc (one hypercall per operation: the guest, KVM and the
# hv all run), nullsys (a system call the guest kernel answers: no exit) and pagefault (the
# guest kernel zeroes a fresh page per operation) with the split pass. Checks, on each record
# (valid against harness/run-record.schema.json):
#   the parts of the marked interval add up to its total exactly, and the hv has instructions
#   in it (it handles the end mark's exit inside the interval): the marks were seen;
#   in each part, rep string iterations are at most its instructions, and their bytes 1 to 8
#   per iteration;
#   nullhc: at least 10 guest, 100 host kernel and 10 hv instructions per operation;
#   nullsys: at least 90% of its instructions in the guest, both in its kernel and its
#   programs, and fewer than 1/100 of nullhc's hv instructions per operation (the hv runs only
#   when the guest exits);
#   nullsys: under 1 rep string byte per operation;
#   pagefault: at least 4096 guest kernel rep string iterations and bytes per operation (its
#   rep stosb counts once per byte);
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
$BENCH --platforms lab-npt --modes classic --workloads nullhc,nullsys,pagefault --split --quick \
	--budget 0.02 --calibration-exits 100 --out "$dir/out" >"$dir/log" 2>&1
rc=$?
check "bench exit status 0 (got $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/    /' "$dir/log"
check "each run record valid against the schema" \
	$VALIDATE --each runs harness/run-record.schema.json "$dir/out/results.json"

# One line per count of a run's split: workload, field (instructions, instructions_per_op,
# rep_iterations_per_op, rep_bytes_per_op), part, count; and workload iterations - count.
awk '$1 == "\"workload\":" { gsub(/[",]/, "", $2); w = $2 }
	$1 == "\"split\":" { s = 1; next }
	s && $1 == "\"iterations\":" { gsub(/,/, "", $2); print w, "iterations", "-", $2 }
	s && /{$/ { f = $1; gsub(/[":]/, "", f); next }
	s && /^ *},?$/ { if (f) f = ""; else s = 0; next }
	f { k = $1; gsub(/[":]/, "", k); gsub(/,/, "", $2); print w, f, k, $2 }' \
	"$dir/out/results.json" >"$dir/split"
# The count of workload $1's field $2 in part $3, 0 if the record has none.
count() {
	awk -v w="$1" -v f="$2" -v p="$3" '$1 == w && $2 == f && $3 == p { v = $4 }
		END { print v + 0 }' "$dir/split"
}
parts="guest_kernel guest_user host_kernel hv other"
# True if in each part of workload $1 the rep string iterations per op are among its
# instructions and cover 1 to 8 bytes each (the per-op figures are rounded to 9 digits alike);
# the parts that are not are printed.
rep_bounds() {
	awk -v w="$1" -v parts="$parts total" '$1 == w { v[$2, $3] = $4 + 0 }
		END {
			n = split(parts, p, " ")
			for (k = 1; k <= n; k++) {
				i = v["instructions_per_op", p[k]]; r = v["rep_iterations_per_op", p[k]]
				b = v["rep_bytes_per_op", p[k]]
				if (r > i || r > b * (1 + 1e-8) || b > 8 * r * (1 + 1e-8)) {
					printf "    %s %s: rep iterations %s, bytes %s, instructions %s per op\n",
						w, p[k], r, b, i
					bad = 1
				}
			}
			exit bad
		}' "$dir/split"
}
for w in nullhc nullsys pagefault; do
	check "$w: split recorded" grep -q "^$w instructions total " "$dir/split"
	set -- $(for p in $parts total; do count $w instructions $p; done) $(count $w iterations -)
	check "$w: the parts $1+$2+$3+$4+$5 = the total $6" holds "$1 + $2 + $3 + $4 + $5 == $6 && $6 > 0"
	check "$w: the hv has instructions in the marked interval ($4)" holds "$4 > 0"
	check "$w: other L1 user space under 1% ($5 of $6)" holds "$5 < $6 / 100"
	eval "${w}_guest=\$((\$1 + \$2)) ${w}_gk=\$1 ${w}_gu=\$2 ${w}_host=\$3 ${w}_hv=\$4 ${w}_total=\$6 ${w}_iters=\$7"
	check "$w: in each part, rep iterations <= instructions, and 1 to 8 bytes per iteration" \
		rep_bounds $w
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
b=$(count nullsys rep_bytes_per_op total)
check "nullsys: rep string bytes per op $b < 1 (a system call copies nothing)" holds "$b < 1"
# Each pagefault operation touches a fresh page that the guest kernel zeroes with rep stosb:
# 4096 iterations, each counted.
r=$(count pagefault rep_iterations_per_op guest_kernel) b=$(count pagefault rep_bytes_per_op guest_kernel)
check "pagefault: guest kernel rep iterations $r and bytes $b per op (>= 4096: a page zeroed)" \
	holds "$r >= 4096 && $b >= 4096"
exit $fail
