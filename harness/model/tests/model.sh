#!/bin/sh
# model.sh: build/model on a made-up results file whose times follow the model exactly: the
# direct calibration recovers every per-event cost and the lab runs' relative guest speed,
# and predicts every cell with 0% error;
# runs of several vCPUs stay out of it and fill their own tables;
# splice fills a block and a value and refuses an unknown one; bad usage exits 2.
# usage: harness/model/tests/model.sh MODEL
model=${1:-build/model}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS model: $1"; }
fail() { echo "FAIL model: $1"; failed=1; }

# One run record: platform, workload, params, mode, policy, t ns, exits to the hv, in-KVM page
# faults, other in-KVM exits, lazily copied pages, hypercalls per op, host ns per hypercall,
# and on the PVM host, emulated guest instructions per op.
run() {
	printf '{"workload":"%s","params":"%s","mode":"%s","fork_policy_requested":"%s",' "$2" "$3" "$4" "$5"
	mmu=${1#lab-}
	[ "$1" = host ] && mmu=pvm
	[ "$1" = hv-native ] && mmu=none
	printf '"platform":"%s","mmu":"%s","status":"ok","latency_ns":{"p50":%s},' "$1" "$mmu" "$6"
	printf '"exits_per_op":{"io":%s,"in KVM":%s},' "$7" "$(awk "BEGIN { print $8 + $9 }")"
	printf '"kvm_stats_per_op":{"vcpu":{"pf_taken":%s,"insn_emulation":%s}},' "$8" "${13:-0}"
	printf '"hv_paging_per_op":{"lazy_pages_copied":%s},' "${10}"
	printf '"hypercalls_per_op":{"call":%s},' "${11}"
	printf '"hypercalls_total":{"call":{"calls":1000,"host_ns":%s}}}' "$(awk "BEGIN { print ${12} * 1000 }")"
}
# costs, ns: lab-npt hv 40000 pf 30000 other 20000 (hv --calibrate) uffd 100000;
# lab-shadow hv 50000 pf 45000 other 35000 uffd 120000, and its guest code runs at half
# lab-npt's speed (G twice as long); host (PVM): an emulated instruction 800, hv 7000,
# pf 3000, other 2000. t = G + events + H.
{
	echo '{"schema":"pagelab-results/2","complete":true,"context":{},"runs":['
	run lab-npt nullsys "" classic "" 500 0 0 0 0 0 0; echo ,
	run lab-shadow nullsys "" classic "" 1000 0 0 0 0 0 0; echo ,
	run lab-npt nullhc "" classic "" 40600 1 0 0 0 1 100; echo ,
	run lab-shadow nullhc "" classic "" 51100 1 0 0 0 1 100; echo ,
	run lab-npt pagefault "" ptefree lazy 30000 0 1 0 0 0 0; echo ,
	run lab-shadow pagefault "" ptefree lazy 22500 0 0.5 0 0 0 0; echo ,
	run lab-npt mprotect pages=1 classic "" 1000 0 0 0 0 0 0; echo ,
	run lab-shadow mprotect pages=1 classic "" 72000 0 0 2 0 0 0; echo ,
	run lab-npt forkstorm rss_kib=4096,touch_pages=256 ptefree copy 257000 4 3 0 0 4 1250; echo ,
	run lab-shadow forkstorm rss_kib=4096,touch_pages=256 ptefree copy 344000 4 3 0 0 4 1250; echo ,
	run lab-npt forkstorm rss_kib=4096,touch_pages=256 ptefree lazy 967000 4 10 0 5 4 1250; echo ,
	run lab-shadow forkstorm rss_kib=4096,touch_pages=256 ptefree lazy 1259000 4 10 0 5 4 1250; echo ,
	run lab-npt mmapchurn kib=64 classic "" 3000 0 0 0 0 0 0; echo ,
	run lab-shadow mmapchurn kib=64 classic "" 2726000 0 48 16 0 0 0; echo ,
	run lab-npt mmapchurn kib=64 ptefree lazy 1522100 2 48 0 0 2 300; echo ,
	run lab-shadow mmapchurn kib=64 ptefree lazy 2263600 2 48 0 0 2 300; echo ,
	run host nullsys "" classic "" 80000 0 0 0 0 0 0 100; echo ,
	run host nullhc "" classic "" 127100 1 0 0 0 1 100 150; echo ,
	run host pagefault "" ptefree lazy 19000 0 1 0 0 0 0 20; echo ,
	run host mprotect pages=1 classic "" 244000 0 0 2 0 0 0 300; echo ,
	run host mmapchurn kib=64 classic "" 976000 0 48 16 0 0 0 1000; echo ,
	# several vCPUs: times that no event costs explain; the model must leave them out
	run lab-npt forkstorm rss_kib=64,touch_pages=0 classic "" 100000 0 0 0 0 0 0; echo ,
	run lab-shadow forkstorm rss_kib=64,touch_pages=0 classic "" 200000 0 0 0 0 0 0; echo ,
	run lab-npt forkstorm rss_kib=64,touch_pages=0,copies=2 classic "" 200000 0 0 0 0 0 0; echo ,
	run lab-shadow forkstorm rss_kib=64,touch_pages=0,copies=2 classic "" 1800000 0 0 0 0 0 0; echo ,
	printf '{"workload":"shootdown","params":"threads=2,pages=1,mprotect=0","mode":"classic",'
	printf '"platform":"lab-npt","mmu":"npt","status":"ok","latency_ns":{"p50":7000000},'
	printf '"exits_per_op":{"io":3,"in KVM":0},"smp_per_op":{"exits_by_vcpu":[2,1],'
	printf '"remote_tlb_flush":1,"remote_tlb_flush_requests":1,"hv_lock_waits":0.5,'
	printf '"hv_lock_wait_ns":9,"guest_kcounts":{"ipis_sent":1,"ipis_recv":1,"shootdowns":1,'
	printf '"lock_spins":0}}},\n'
	run hv-native mmapchurn kib=64 ptefree "" 5000 0 0 0 0 0 0
	echo '],"calibration":[{"platform":"lab-npt","status":"ok","in_kvm_exit_ns":20000}]}'
} >"$tmp/results.json"

if ! "$model" check "$tmp" >"$tmp/out" 2>&1; then
	fail "check of a made-up results file exits non-zero"
	sed 's/^/    /' "$tmp/out"
	exit 1
fi
costs=$(awk -F'|' '/ns per event/ { on = 1; next } on && NF > 5 && $2 !~ /---/ {
	gsub(/ /, "", $2); gsub(/^ | $/, "", $3); gsub(/ /, "", $4); printf "%s/%s=%s;", $2, $3, $4 }
	on && NF <= 5 { on = 0 }' "$tmp/out")
want="lab-npt/guest speed (time of the same guest code, relative)=1.00;lab-npt/exit to the hv=40.0us;lab-npt/in-KVM page fault=30.0us;lab-npt/other in-KVM exit=20.0us;lab-npt/uffd page (hv thread)=100us;lab-shadow/guest speed (time of the same guest code, relative)=2.00;lab-shadow/exit to the hv=50.0us;lab-shadow/in-KVM page fault=45.0us;lab-shadow/other in-KVM exit=35.0us;lab-shadow/uffd page (hv thread)=120us;host/exit to the hv=7.00us;host/in-KVM page fault=3.00us;host/other in-KVM exit=2.00us;host/uffd page (hv thread)=0.00ns;host/emulated guest instruction=800ns;"
[ "$costs" = "$want" ] && pass "the direct calibration recovers every cost and the guest speed" ||
	fail "direct costs: got '$costs', want '$want'"
errors=$(awk -F'|' '/^\| (mmapchurn|nullsys|nullhc|pagefault|forkstorm|mprotect) / { print $11 }' "$tmp/out" | sort -u | tr -d ' \n')
[ "$errors" = "+0%" ] && pass "the direct method predicts every cell exactly" ||
	fail "direct errors: '$errors', want +0% only"

# the projection adds the host's hv handlers and guest instructions where it has the cell, or
# hv-native's paging time
if "$model" paper "$tmp" paper/hwcosts.json "$tmp/paper" >/dev/null 2>&1 &&
	grep -q '^| mmapchurn | kib=64 | classic | shadow | .* | exits, hv handlers, guest instructions |$' "$tmp/paper/projection.md" &&
	grep -q '^| mmapchurn | kib=64 | ptefree/lazy | npt | .* | exits, hv paging (hv-native) |$' "$tmp/paper/projection.md" &&
	grep -q '^| forkstorm | rss_kib=4096,touch_pages=256 | ptefree/lazy | npt | .* | exits only |$' "$tmp/paper/projection.md"; then
	pass "the projection adds the host's or hv-native's parts where they ran the cell"
else
	fail "projection: $(grep mmapchurn "$tmp/paper/projection.md" 2>&1 | head -2 | tr '\n' ' ')"
fi

# several vCPUs: the concurrent-fork anchor from the most copies under both lab MMUs (9.00 at
# copies=2, 2.00 for one copy), and a shootdown table row
if grep -q '^| PVM, SOSP 2023 | 32 concurrent forks, .* | 9.00 (classic lab-shadow / classic lab-npt, forkstorm copies=2; one copy: 2.00) | no, beyond 2x, but 2 copies' "$tmp/paper/reproduce.md" &&
	grep -q '^| 2 | threads=2,pages=1,mprotect=0 | classic | lab-npt (npt) | 7.00 ms | 3 | 0 | 1 / 1 | 1 | 1 | 0.5 |$' "$tmp/paper/shootdown.md"; then
	pass "runs of several vCPUs give the concurrent-fork anchor and the shootdown table"
else
	fail "concurrency: $(grep concurrent "$tmp/paper/reproduce.md"; cat "$tmp/paper/shootdown.md" | tail -1)"
fi

# splice: a block and a value (from values.txt and by query), unchanged text around them
mkdir "$tmp/gen"
printf '| a |\n' >"$tmp/gen/tbl.md"
printf 'k.one 7%%\n' >"$tmp/gen/values.txt"
printf 'x\n<!-- gen:tbl -->\nold\n<!-- /gen -->\nv <!-- val:k.one -->1%%<!-- /val --> t <!-- val:t nullhc - classic lab-npt -->?<!-- /val -->\n' >"$tmp/doc.md"
printf 'x\n<!-- gen:tbl -->\n| a |\n<!-- /gen -->\nv <!-- val:k.one -->7%%<!-- /val --> t <!-- val:t nullhc - classic lab-npt -->40.6 us<!-- /val -->\n' >"$tmp/want.md"
"$model" splice "$tmp/doc.md" "$tmp/gen" "$tmp" >"$tmp/got.md" && cmp -s "$tmp/got.md" "$tmp/want.md" &&
	pass "splice fills a block and values" || fail "splice: $(diff "$tmp/want.md" "$tmp/got.md" | tr '\n' ' ')"
printf '<!-- val:nosuch -->1<!-- /val -->\n' >"$tmp/bad.md"
"$model" splice "$tmp/bad.md" "$tmp/gen" "$tmp" >/dev/null 2>&1 && fail "splice accepts an unknown value" ||
	pass "splice refuses an unknown value"

"$model" frobnicate >/dev/null 2>"$tmp/usage"
rc=$?
[ $rc -eq 2 ] && grep -q "valid: check, paper, splice" "$tmp/usage" && pass "bad usage exits 2 and lists the commands" ||
	fail "bad usage: exit $rc, $(head -1 "$tmp/usage")"
exit $failed
