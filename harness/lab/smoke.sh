#!/bin/sh
# smoke.sh: boots the lab VM with npt=1 and npt=0 and checks that KVM is there as asked.
#
# Usage: harness/lab/smoke.sh      (from the repository top; part of make test)
# For each npt value: /dev/kvm exists inside the VM and kvm_amd's npt parameter reads back
# as requested. Prints PASS/FAIL lines, or SKIP lines when the lab cannot run here.

if ! reason=$(harness/lab/run.sh --probe 2>&1); then
	reason=$(printf '%s\n' "$reason" | sed -n 's/^lab: unavailable: //p' | tail -n 1)
	echo "SKIP lab_npt1: ${reason:-the lab cannot run}"
	echo "SKIP lab_npt0: ${reason:-the lab cannot run}"
	exit 0
fi

failed=0
for npt in 1 0; do
	expect=Y
	[ $npt = 0 ] && expect=N
	out=$(harness/lab/run.sh --npt $npt --timeout 120 -- \
		'[ -c /dev/kvm ] && echo kvm=present; echo npt=$(cat /sys/module/kvm_amd/parameters/npt)' 2>&1)
	status=$?
	printf '%s\n' "$out" | grep '^lab: ' | sed 's/^/    /'
	if [ $status -ne 0 ]; then
		echo "FAIL lab_npt$npt: the lab run exited with status $status"
		failed=1
	elif ! printf '%s\n' "$out" | grep -qx 'kvm=present'; then
		echo "FAIL lab_npt$npt: no /dev/kvm inside the VM"
		failed=1
	elif ! printf '%s\n' "$out" | grep -qx "npt=$expect"; then
		echo "FAIL lab_npt$npt: kvm_amd npt reads $(printf '%s\n' "$out" | sed -n 's/^npt=//p'), expected $expect"
		failed=1
	else
		echo "PASS lab_npt$npt"
	fi
done
exit $failed
