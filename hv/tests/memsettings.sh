#!/bin/sh
# memsettings.sh: the per-run memory settings do what they say. Classic with --free-report on:
# the guest reports free blocks (answered without error) and the record says so; off: it
# reports none. Ptefree with --populate write: the record says so, and a map's first touches
# take fewer faults in KVM than with none.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=memsettings
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP memsettings: no guest kernel"; exit 0; }
json=${TMPDIR:-/tmp}/hv-memsettings.$$.json
trap 'rm -f "$json"' EXIT
for setting in on off; do
	run_hv --mode classic --free-report $setting --workload mmapchurn --param kib=8192 \
		--iters 2 --reps 1 --warmup 0 --timeout 300 --json "$json"
	check "free-report $setting: workload passed" [ $rc -eq 0 ]
	check "free-report $setting: recorded" has "\"free_report\":\"$setting\""
	[ $setting = off ] || check "free-report on: blocks reported, none refused" \
		has '"free_report":{"calls":[1-9][0-9]*,"errors":0'
done
check "free-report off: no block reported" eval '! has "\"free_report\":{\"calls\""'
# pf_taken per op of ptefree mmapchurn (kib=64, 16 pages) under a populate policy
faults() {
	run_hv --mode ptefree --populate $1 --workload mmapchurn --param kib=64 --iters 20 \
		--reps 1 --warmup 1 --timeout 300 --json "$json"
	[ $rc -eq 0 ] && has "\"populate\":\"$1\"" &&
		tr -d ' \n' <"$json" | sed -n 's/.*"kvm_stats_per_op":{"vcpu":{[^}]*"pf_taken":\([0-9.e+-]*\).*/\1/p'
}
none=$(faults none)
write=$(faults write)
echo "pf_taken per op: populate none ${none:-?}, write ${write:-?}"
check "populate: both ran and were recorded" [ -n "$none" -a -n "$write" ]
check "populate write: fewer faults than none" awk -v n="${none:-0}" -v w="${write:-0}" \
	'BEGIN { exit !(w < n) }'
exit $fail
