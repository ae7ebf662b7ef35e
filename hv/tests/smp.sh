#!/bin/sh
# smp.sh: vCPU 0 of a tiny guest starts the others with HC_CPU_START (after four refused
# starts), each makes its own count of hypercalls and halts inside KVM; the record counts
# every vCPU's exits exactly. Bad --cpus and --shootdown values are usage errors.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=smp
. harness/check.sh
json=${TMPDIR:-/tmp}/hv-smp.$$.json
for n in 1 2 4; do
	run_hv --exec smp --kernel build/hv.d/tests/guest_smp.elf --cpus $n --timeout 60 --json "$json"
	printf '%s\n' "$out"
	check "$n vCPUs: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "$n vCPUs: in the report" says "vCPUs $n, shootdown on"
	check "$n vCPUs: record valid against the schema" valid_record
	check "$n vCPUs: cpus and shootdown in the record" has "\"cpus\":$n,.*\"shootdown\":\"on\""
	# vCPU 0: 4 refused starts, N-1 starts, a refused second start (N > 1), the exit; vCPU i:
	# i + 2 nops, then a hlt KVM keeps to itself
	case $n in
	1) want='\[5\]' starts='"calls":4,"errors":4,"errors_by_code":{"EINVAL":4}' ;;
	2) want='\[7,3\]' starts='"calls":6,"errors":5,"errors_by_code":{"EINVAL":4,"EPERM":1}' ;;
	4) want='\[9,3,4,5\]' starts='"calls":8,"errors":5,"errors_by_code":{"EINVAL":4,"EPERM":1}' ;;
	esac
	check "$n vCPUs: exits of each vCPU $(printf '%s' "$want" | tr -d '\\')" has "\"exits_by_vcpu_total\":$want"
	check "$n vCPUs: HC_CPU_START calls and errors" has "\"cpu_start\":{$starts"
done
rm -f "$json"
run_hv --exec smp --kernel build/hv.d/tests/guest_smp.elf --cpus 9
check "--cpus 9: usage error with the range (got $rc)" sh -c '[ $0 -eq 2 ] && printf "%s" "$1" | grep -q "\[1, 8\]"' $rc "$out"
run_hv --exec smp --kernel build/hv.d/tests/guest_smp.elf --shootdown off
check "--shootdown off: usage error with the choices (got $rc)" sh -c '[ $0 -eq 2 ] && printf "%s" "$1" | grep -q "valid: on, skip"' $rc "$out"
exit $fail
