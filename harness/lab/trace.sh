#!/bin/sh
# trace.sh: the bench's --trace pass counts the same exits with perf kvm stat as with the
# tracefs histogram (a KVM test script, for shadow paging).
#
# Usage: harness/kvmtests.sh harness/lab/trace.sh@npt=0   (LAB_PERF=/usr/bin/perf puts perf
# in the lab VM). Classic mmapchurn kib=16 under KVM's shadow MMU: each of the 4 fresh pages
# per operation costs page-fault exits, and munmap one invlpg exit per page. Both methods
# must count 4 invlpg per operation, and page-fault exits within 0.5 of each other (a budget
# of 0.1 s per repetition gives tens of operations, so one stray exit moves little). The
# kprobe on kvm_vcpu_read_guest_atomic (KVM re-reading the guest's page-table entries) must
# count reads in each run, the one on make_spte at least one shadow entry built per fresh page,
# of which none rebuilt at a sync (the filtered kprobes), and the kvm_mmu_sync_page tracepoint
# must give a count (this cell syncs none), each the same per op in both. pvmmu's first touch
# syncs the leaf table its store routine wrote (one page per op) and rebuilds its entries: at
# least one per page synced, no more than KVM built in all. ptefree's first touch faults once
# per 8 pages and KVM maps the other 7 ahead (its pte prefetch): 7/8 built ahead per op of 1.
# Each run record the bench writes, with its trace, is checked against
# harness/run-record.schema.json. ptefree's traced runs count the resident pages of its
# range hypercalls, and its lazy fork the pending pages the host backs with huge pages (none
# with THP never, whole 2 MiB pages with always). The probes count between the hv's marks:
# with NPT (npt=1, the TDP MMU) ptefree mmapchurn kib=16 zaps the 4 leaf entries its 4 faults
# built, within the op (its munmap), and ptefree pagefault faults once per op and zaps nothing
# (its region is unmapped after the last op, outside the marks); under shadow paging the TDP
# MMU zaps none.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=trace
. harness/check.sh
BENCH=${BENCH:-build/bench}
PAGES_PER_OP=4

if [ -r /sys/module/kvm_amd/parameters/npt ]; then
	tdp=$(cat /sys/module/kvm_amd/parameters/npt)
elif [ -r /sys/module/kvm_intel/parameters/ept ]; then
	tdp=$(cat /sys/module/kvm_intel/parameters/ept)
else
	echo "SKIP trace: neither kvm_amd nor kvm_intel is loaded"
	exit 0
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/pagelab-trace.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# The exits per op of reason $2 counted by method $1 (empty when the trace has none).
per_op() {
	awk -F'\t' -v r="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == r) c = i; next }
		NR == 2 && c { print $c }' "$dir/$1/trace-exits.tsv" 2>/dev/null
}
# The number after the pattern $2 (a key with its context, blanks left out) in results folder
# $1's results.json; empty when there is none.
json_num() {
	tr -d ' \n' <"$dir/$1/results.json" 2>/dev/null | sed -n "s/.*$2\([0-9.e+-]*\).*/\1/p"
}
# The trace's calls per op of kprobe $2 (guest_reads: kvm_vcpu_read_guest_atomic; sptes_made:
# make_spte; pages_synced: the kvm_mmu_sync_page tracepoint; sptes_zapped: the
# kvm_tdp_mmu_spte_changed tracepoint, filtered) in results folder $1.
calls() { json_num "$1" "\"$2\":{[^}]*\"per_op\":"; }
# bench --trace (tracefs) of mode $2's workload spec $3 into results folder $1, with the
# bench options after them; sets rc.
traced_run() {
	folder=$1 mode=$2 spec=$3
	shift 3
	$BENCH --platforms host --modes "$mode" --workloads "$spec" --quick --budget 0.05 --trace \
		--trace-method tracefs --calibration-exits 100 --out "$dir/$folder" "$@" >"$dir/$folder.log" 2>&1
	rc=$?
}
# True if the numbers $1 and $2 differ by at most $3.
near() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { x = a - b; exit !(a != "" && b != "" && x <= d && -x <= d) }'; }

case $tdp in Y | 1)
	for spec in mmapchurn:kib=16 pagefault; do
		traced_run tdp ptefree $spec
		zapped=$(calls tdp sptes_zapped) faults=$(json_num tdp '"pf_taken":')
		want_zaps=$PAGES_PER_OP want_faults=$PAGES_PER_OP
		[ $spec = pagefault ] && want_zaps=0 want_faults=1
		check "NPT: ptefree $spec: leaf entries zapped per op ${zapped:-none} = $want_zaps, in-KVM faults per op ${faults:-none} = $want_faults (bench status $rc)" \
			awk -v z="$zapped" -v f="$faults" -v wz=$want_zaps -v wf=$want_faults 'BEGIN { x = z - wz; y = f - wf; exit !(z != "" && f != "" && x * x < 1e-4 && y * y < 1e-4) }'
		rm -rf "$dir/tdp"
	done
	exit $fail
	;;
esac

for method in tracefs perf; do
	$BENCH --platforms host --modes classic --workloads mmapchurn:kib=16 --quick --budget 0.1 --trace \
		--trace-method $method --calibration-exits 100 --out "$dir/$method" >"$dir/$method.log" 2>&1
	rc=$?
	if [ $method = perf ] && grep -q 'cannot be used here' "$dir/$method.log"; then
		echo "SKIP trace perf: $(grep 'cannot be used here' "$dir/$method.log")"
		rm -rf "$dir/perf"
		continue
	fi
	check "$method: bench exit status 0 (got $rc)" [ $rc -eq 0 ]
	check "$method: each run record valid against the schema" \
		$VALIDATE --each runs harness/run-record.schema.json "$dir/$method/results.json"
	grep -q "tracepoint (perf kvm stat)\|tracepoint (tracefs" "$dir/$method.log" ||
		sed 's/^/    /' "$dir/$method.log"
	invlpg=$(per_op $method invlpg)
	check "$method: invlpg per op ${invlpg:-none} = $PAGES_PER_OP" near "$invlpg" $PAGES_PER_OP 0.01
	reads=$(calls $method guest_reads)
	check "$method: KVM's guest page-table reads per op (kprobe) ${reads:-none} > 0" \
		awk -v a="$reads" 'BEGIN { exit !(a != "" && a > 0) }'
	made=$(calls $method sptes_made)
	check "$method: shadow entries KVM built per op (kprobe) ${made:-none} >= $PAGES_PER_OP" \
		awk -v a="$made" -v b=$PAGES_PER_OP 'BEGIN { exit !(a != "" && a >= b) }'
	resynced=$(calls $method sptes_synced) ahead=$(calls $method sptes_prefetched)
	check "$method: of them, rebuilt at a sync ${resynced:-none} = 0, built ahead of a fault ${ahead:-none} counted (filtered kprobes)" \
		awk -v a="$resynced" -v b="$ahead" -v m="$made" 'BEGIN { exit !(a == 0 && b >= 0 && b <= m && a != "" && b != "") }'
	synced=$(calls $method pages_synced)
	check "$method: shadow pages KVM synced per op (tracepoint) counted: ${synced:-none}" \
		awk -v a="$synced" 'BEGIN { exit !(a != "" && a >= 0) }'
	pf=$(per_op $method pf_excp)
	check "$method: pf_excp per op ${pf:-none} >= $PAGES_PER_OP" \
		awk -v a="$pf" -v b=$PAGES_PER_OP 'BEGIN { exit !(a != "" && a >= b) }'
done
# ptefree: the traced runs count the resident pages its range hypercalls change (hv
# --count-resident): mmapchurn kib=16 maps 4 fresh pages, touches them and unmaps them, so 4
# unmapped per op and none protected; the timed run does not count them (0)
traced_run resident ptefree mmapchurn:kib=16
traced=$(json_num resident '"unmapped_resident_pages_per_op":')
timed=$(json_num resident '"unmapped_resident_pages":')
prot=$(json_num resident '"protected_resident_pages_per_op":')
check "ptefree mmapchurn kib=16: resident pages unmapped per op traced ${traced:-none} = 4, timed ${timed:-none} = 0, protected traced ${prot:-none} = 0 (bench status $rc)" \
	awk -v a="$traced" -v b="$timed" -v c="$prot" 'BEGIN { exit !(a == 4 && b == 0 && c == 0 && a != "" && b != "" && c != "") }'
zapped=$(calls resident sptes_zapped)
check "ptefree mmapchurn kib=16: leaf entries the TDP MMU zapped per op ${zapped:-none} = 0 (shadow MMU)" \
	awk -v z="$zapped" 'BEGIN { exit !(z != "" && z == 0) }'
# A lazy fork of a 4 MiB parent: with THP never the host backs none of its pending pages with
# huge pages; with always, whole huge pages of 512 (its 4 MiB holds one or two aligned 2 MiB)
thp=/sys/kernel/mm/transparent_hugepage/enabled
if [ -w $thp ]; then
	saved=$(sed 's/.*\[\(.*\)\].*/\1/' $thp)
	for setting in never always; do
		echo $setting >$thp
		traced_run thp-$setting ptefree forkstorm:rss_kib=4096 --fork-policies lazy
		huge=$(json_num thp-$setting '"fork_pages_pending_huge_per_op":')
		pending=$(json_num thp-$setting '"hv_paging_per_op":{[^}]*"fork_pages_pending":')
		check "ptefree lazy forkstorm rss_kib=4096, THP $setting: pending pages in huge pages per op ${huge:-none} of ${pending:-none} (bench status $rc)" \
			awk -v h="$huge" -v p="$pending" -v m=$setting 'BEGIN { exit !(h != "" && p != "" && (m == "never" ? h == 0 : h >= 512 && h <= 1024 && h % 512 == 0 && h < p)) }'
	done
	echo "$saved" >$thp
else
	echo "SKIP trace huge pages: $thp is not writable here"
fi
traced_run pvmmu pvmmu pagefault
pages=$(calls pvmmu pages_synced) resynced=$(calls pvmmu sptes_synced) made=$(calls pvmmu sptes_made)
check "pvmmu pagefault: shadow pages synced per op ${pages:-none} within 0.05 of 1, entries rebuilt at a sync ${resynced:-none} >= 1 per page and <= all built ${made:-none} (bench status $rc)" \
	awk -v p="$pages" -v a="$resynced" -v m="$made" 'BEGIN { exit !(p != "" && a != "" && m != "" && p >= 0.95 && p <= 1.05 && a >= p && a <= m) }'
traced_run prefetch ptefree pagefault
ahead=$(calls prefetch sptes_prefetched) made=$(calls prefetch sptes_made)
check "ptefree pagefault: entries built per op ${made:-none} = 1, of them ahead of a fault ${ahead:-none} = 7/8 (bench status $rc)" \
	awk -v a="$ahead" -v m="$made" 'BEGIN { x = a - 0.875; y = m - 1; exit !(a != "" && m != "" && x * x < 1e-4 && y * y < 1e-4) }'
if [ -d "$dir/perf" ]; then
	a=$(per_op perf pf_excp) b=$(per_op tracefs pf_excp)
	check "pf_excp per op: perf ${a:-none}, tracefs ${b:-none}, within 0.5" near "$a" "$b" 0.5
	for probe in guest_reads sptes_made sptes_synced sptes_prefetched pages_synced sptes_zapped; do
		a=$(calls perf $probe) b=$(calls tracefs $probe)
		check "$probe per op: perf run ${a:-none}, tracefs run ${b:-none}, within 0.5" \
			near "$a" "$b" 0.5
	done
fi
exit $fail
