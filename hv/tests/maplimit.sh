#!/bin/sh
# maplimit.sh: a guest process with more mappings than the host allows (vm.max_map_count) gets
# ENOMEM from mprotect and fork in ptefree mode, under both fork policies; the hv goes on,
# counts the refusals in the run record, and the guest's test program passes.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=maplimit
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP maplimit: no guest kernel"; exit 0; }
slow_on_pvm "reaching the host's vm.max_map_count (tens of thousands of calls) takes minutes"

# The lab VM is ours: there the limit is lowered so that the guest reaches it within a few
# thousand hypercalls (seconds, not minutes); elsewhere the host's own limit stands.
limit=/proc/sys/vm/max_map_count
saved=$(cat $limit)
case ${PAGELAB_PLATFORM:-} in
lab-*) echo 4000 >$limit || { echo "FAIL maplimit: cannot lower $limit"; exit 1; } ;;
esac
# A PVM host (make test-all) takes minutes a policy (measured: copy about 4, lazy about 10):
# there lazy only (its fork also registers windows with userfaultfd); the lab runs both in
# both MMUs.
policies="copy lazy"
if pvm_host; then
	policies=lazy
	echo "# maplimit: fork policy lazy only on this PVM host; the lab runs copy and lazy"
fi
for policy in $policies; do
	json=${TMPDIR:-/tmp}/hv-maplimit.$$.json
	run_hv --mode ptefree --fork-policy $policy --exec maplimit --json "$json" --timeout 900
	printf '%s\n' "$out" | grep -e '^#' -e '^FAIL' -e 'refused' -e 'error:' -e 'host failure'
	check "$policy: the guest program passed (status $rc, $elapsed s)" [ $rc -eq 0 ]
	check "$policy: mprotect answered ENOMEM" \
		has '"protect":{"calls":[0-9]*,"errors":[1-9][0-9]*,"errors_by_code":{"ENOMEM":[1-9]'
	check "$policy: fork answered ENOMEM" \
		has '"as_fork":{"calls":[0-9]*,"errors":1,"errors_by_code":{"ENOMEM":1}'
	check "$policy: the host's refusals in the record" \
		has '"host_refusals":\[{"call":"mprotect(protect)","count":[1-9]'
	check "$policy: no host failure" has '"host_failure":null'
	check "$policy: record valid against the schema" valid_record
	rm -f "$json"
done
echo "$saved" >$limit 2>/dev/null
exit $fail
