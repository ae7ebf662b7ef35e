#!/bin/sh
# kmem.sh: with a small boot share (--kmem-boot-mib 1) the guest kernel takes kernel memory
# chunks from the hv and gives them back: the kalloc workload, and a process with 24000
# mappings that forks (the child's copies of the VMAs are kernel memory) and then unmaps them.
# That a freed chunk leaves the host's resident set is checked exactly in test_ptefree
# (mincore); the host RSS printed here moves by 2 MiB huge pages, more than the 1-2 chunks
# these runs free, so it is shown, not judged.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=kmem
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP kmem: no guest kernel"; exit 0; }
json=${TMPDIR:-/tmp}/hv-kmem.$$.json
# a number from the record: the value of "KEY":N
num() { tr -d ' \n' <"$json" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
# one LABEL HV-ARGS...: runs the hv with a 1 MiB boot share and checks the record
one() {
	label=$1
	shift
	out=$($HV --mode ptefree --kmem-boot-mib 1 "$@" --json "$json" --timeout 300 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -e 'kernel memory chunks' -e 'host RSS' -e 'result:' -e '^FAIL'
	check "$label: passed (status $rc)" [ $rc -eq 0 ]
	check "$label: chunks taken" has '"kmem_alloc":{"calls":[1-9][0-9]*,"errors":0'
	check "$label: chunks given back" has '"kmem_free":{"calls":[1-9][0-9]*,"errors":0'
	held=$(num held_end) held_peak=$(num held_peak)
	check "$label: $held chunks held at the end, $held_peak at the peak" \
		[ "${held:-0}" -lt "${held_peak:-0}" ]
	check "$label: record valid against the schema" valid_record
	rm -f "$json"
}
# 2 MiB of objects per op: more than the boot share, so chunks come and go within one op
one kalloc --workload kalloc --param size=2048 --param count=1024 --iters 1 --reps 1 --warmup 0
if too_slow_here; then
	echo "SKIP kmem maplimit: 24000 mappings and a fork take minutes with the guest kernel emulated on this PVM host; the lab runs it, make test-all here too"
else
	one maplimit --exec "maplimit 24000"
fi
exit $fail
