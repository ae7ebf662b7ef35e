#!/bin/sh
# pvflush.sh: pvmmu with two vCPUs: each of vCPU 0's FLUSH_ALL batches naming vCPU 1 makes the
# hv kick vCPU 1 (spinning in the guest) out of KVM_RUN and wait for its TLB flush; a mask with
# a vCPU that does not exist is refused; the caller's own bit alone asks nobody else.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=pvflush
. harness/check.sh
json=${TMPDIR:-/tmp}/hv-pvflush.$$.json
for apply in vcpu direct; do
	run_hv --mode pvmmu --pvmmu-apply $apply --exec pvflush --cpus 2 --timeout 60 \
		--kernel build/hv.d/tests/guest_pvflush.elf --json "$json"
	printf '%s\n' "$out"
	check "$apply: exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "$apply: record valid against the schema" valid_record
	check "$apply: one remote flush and one kick per batch" \
		has '"pvmmu_per_op":{.*"kicks":1.0,.*"remote_flushes":1.0'
	check "$apply: the bad mask refused" has '"pv_batch":{"calls":12,"errors":1,"errors_by_code":{"EINVAL":1}'
done
rm -f "$json"
exit $fail
