#!/bin/sh
# physics.sh: checks that KVM's counters show the MMU the platform claims (a KVM test script).
#
# Usage: harness/kvmtests.sh harness/lab/physics.sh@npt=0,1   (runs where /dev/kvm is)
# It runs mmapchurn (64 KiB: 16 fresh pages per operation, each first touched by the guest)
# in each mode and reads the per-operation vCPU stats of the hv's JSON record:
#   every run: the hv's record names the MMU the kvm module reports (npt, ept or shadow);
#   classic, two-dimensional paging (npt=Y / ept=Y): the pages were backed by the host after
#     the first repetition, so the guest's 16 page faults per operation cost no KVM exit:
#     fewer than 1 exit per operation, no pf_guest;
#   classic, shadow paging (npt=N / ept=N): KVM intercepts every guest page fault and
#     reflects it (pf_guest >= 16 per operation) and traps the guest's invlpg on munmap;
#   ptefree, either MMU: the guest never handles a page fault (pf_guest = 0).
# The MMU is read from the loaded kvm module here, never assumed; each record is checked against
# harness/run-record.schema.json.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
HV=${HV:-build/hv}
VALIDATE=${VALIDATE:-build/validate}
PAGES_PER_OP=16

[ -c /dev/kvm ] || {
	echo "SKIP physics: no /dev/kvm"
	exit 0
}
if [ -r /sys/module/kvm_amd/parameters/npt ]; then
	mmu=npt tdp=$(cat /sys/module/kvm_amd/parameters/npt)
elif [ -r /sys/module/kvm_intel/parameters/ept ]; then
	mmu=ept tdp=$(cat /sys/module/kvm_intel/parameters/ept)
else
	echo "SKIP physics: neither kvm_amd nor kvm_intel is loaded (the expectations are theirs)"
	exit 0
fi
case $tdp in
Y | 1) ;;
*) mmu=shadow ;;
esac

json=${TMPDIR:-/tmp}/physics.$$.json
trap 'rm -f "$json"' EXIT
failed=0

# Prints vCPU stat $1 per operation from the JSON record (0 if KVM does not report it).
vcpu_stat() {
	awk -v key="\"$1\":" '
		/"vcpu": *\{/ { inside = 1; next }
		inside && /^ *\}/ { inside = 0 }
		inside && $1 == key { sub(/,$/, "", $2); value = $2 }
		END { print value == "" ? 0 : value }' "$json"
}

# Compares with awk (the stats are fractions): true if "$1 $2 $3" holds, e.g. 0.07 "<" 1.
holds() {
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		if (op == "<") exit !(a + 0 < b + 0)
		if (op == ">=") exit !(a + 0 >= b + 0)
		if (op == ">") exit !(a + 0 > b + 0)
		if (op == "==") exit !(a + 0 == b + 0)
		exit 2 }'
}

# Checks "$name: $stat $op $value" and prints the verdict with what was measured.
expect() {
	name=$1 stat=$2 op=$3 value=$4
	got=$(vcpu_stat "$stat")
	if holds "$got" "$op" "$value"; then
		echo "PASS $name: $stat per op $got $op $value"
	else
		echo "FAIL $name: $stat per op is $got, expected $op $value"
		failed=1
	fi
}

for mode in classic ptefree; do
	name=physics_${mode}_$mmu
	out=$($HV --mode "$mode" --workload mmapchurn --iters 20 --reps 3 --warmup 1 \
		--param kib=$((PAGES_PER_OP * 4)) --timeout 60 --json "$json" 2>&1)
	status=$?
	if [ $status -ne 0 ]; then
		printf '%s\n' "$out"
		echo "FAIL $name: the hv exited with status $status"
		failed=1
		continue
	fi
	if $VALIDATE harness/run-record.schema.json "$json"; then
		echo "PASS $name: the record is valid against the schema"
	else
		echo "FAIL $name: the record is not valid against the schema"
		failed=1
	fi
	if grep -q "\"mmu\": \"$mmu\"" "$json"; then
		echo "PASS $name: the hv reports mmu $mmu"
	else
		echo "FAIL $name: the hv reports mmu $(sed -n 's/.*"mmu": "\([^"]*\)".*/\1/p' "$json"), the kvm module says $mmu"
		failed=1
	fi
	case $mode-$mmu in
	classic-npt | classic-ept)
		expect "$name" exits "<" 1
		expect "$name" pf_guest == 0
		;;
	classic-shadow)
		expect "$name" pf_guest ">=" $PAGES_PER_OP
		expect "$name" invlpg ">" 0
		;;
	ptefree-*)
		expect "$name" pf_guest == 0
		;;
	esac
done
exit $failed
