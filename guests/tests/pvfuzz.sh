#!/bin/sh
# pvfuzz.sh: the pvfuzz program sends 10^4 random and hostile page-table hypercalls in pvmmu
# mode; the hv refuses each bad op and nothing outside the ops' own tables changes. It sends
# 10^6 with PAGELAB_TEST_ALL=1 (make test-all), but on a PVM host, where guest ring 0 is
# emulated one instruction at a time, and in the lab's passes with the int3 system-call entry,
# which the fuzzer's path does not depend on (PVFUZZ_CALLS overrides); in the other modes the
# program says SKIP.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=pvfuzz
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP pvfuzz: no guest kernel"; exit 0; }
calls=10000
[ "${PAGELAB_TEST_ALL:-0}" = 1 ] && [ ! -d /sys/module/kvm_pvm ] &&
	[ "${PAGELAB_SYSCALL_ENTRY:-}" != trap ] && calls=1000000
calls=${PVFUZZ_CALLS:-$calls}
# the hv checks pvmmu's invariants (every pinned table, the pool, its own pages) about 100
# times along the way and at the end
export PAGELAB_CHECK_INVARIANTS=$((calls / 100 > 0 ? calls / 100 : 1))
run_hv --mode pvmmu --exec "pvfuzz $calls" --timeout 1800
unset PAGELAB_CHECK_INVARIANTS
printf '%s\n' "$out" | grep -E '^(pvfuzz|FAIL|SKIP)|answered with an error|invariant' |
	sed 's/^/    /'
check "$calls hypercalls in ${elapsed}s: every hostile op refused, memory intact" \
	sh -c '[ "$1" -eq 0 ] && printf %s "$2" | grep -q "^PASS test_fuzz"' - "$rc" "$out"
check "the hv found pvmmu's invariants intact at each check" \
	sh -c 'printf %s "$1" | grep -q "invariants held at all [1-9][0-9]* checks"' - "$out"
run_hv --mode classic --exec "pvfuzz 10" --timeout 300
check "other modes: the call is not there" says "SKIP test_fuzz: pvmmu mode only"
exit $fail
