#!/bin/sh
# kmem.sh: with a small boot share (--kmem-boot-mib 1) the guest kernel takes kernel memory
# chunks from the hv and gives them back, and freed chunks go back to the host at once: the
# kalloc workload, and a process with 24000 mappings that forks (the child's copies of the
# VMAs are kernel memory) and then unmaps them.
TEST=kmem
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP kmem: no guest kernel"; exit 0; }
json=${TMPDIR:-/tmp}/hv-kmem.$$.json
# a number from the record: the value of "KEY":N
num() { tr -d ' \n' <"$json" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
# freed chunks are back with the host: what the run leaves resident over its own start is
# within the boot memory the guest used (2 MiB at most here), the chunks it still holds, and
# one 2 MiB step of the host's transparent huge pages. (An idle run is no baseline: the hv's
# starting RSS moves by a huge page from run to run.)
rss_back() { [ -n "$after" ] && [ $((after - before)) -lt $((4096 + ${held:-0} * 1024)) ]; }
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
	before=$(num before) peak=$(num peak) after=$(num after)
	check "$label: host RSS before ${before:-?} KiB, peak ${peak:-?} KiB, after ${after:-?} KiB" \
		rss_back
	rm -f "$json"
}
one kalloc --workload kalloc --param size=2048 --param count=1024 --iters 20 --reps 2
one maplimit --exec "maplimit 24000"
exit $fail
