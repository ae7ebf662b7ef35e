#!/bin/sh
# kcounts.sh: the guest kernel's counts in the run record are exact. Classic mmapchurn kib=64
# (16 pages): each operation's 16 first-touch faults store one leaf entry each and its munmap
# clears the 16, so pte_stores is 32 per op; pvmmu, whose entries the hv stores, counts none.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=kcounts
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP kcounts: no guest kernel"; exit 0; }
json=${TMPDIR:-/tmp}/hv-kcounts.$$.json
trap 'rm -f "$json"' EXIT
# pte_stores per op of mode $1 (empty when the run failed or the record lacks it)
stores() {
	run_hv --mode $1 --workload mmapchurn --param kib=64 --iters 20 --reps 1 --warmup 1 \
		--timeout 300 --json "$json"
	[ $rc -eq 0 ] && tr -d ' \n' <"$json" | sed -n 's/.*"guest_kcounts":{[^}]*"pte_stores":\([0-9.e+-]*\).*/\1/p'
}
classic=$(stores classic)
pvmmu=$(stores pvmmu)
check "classic: 32 leaf stores per op (got ${classic:-none})" \
	awk -v a="${classic:-x}" 'BEGIN { exit !(a == 32) }'
check "pvmmu: none (got ${pvmmu:-none})" awk -v a="${pvmmu:-x}" 'BEGIN { exit !(a == 0) }'
exit $fail
