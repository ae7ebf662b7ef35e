#!/bin/sh
# pvmmu.sh: pvmmu's hypercalls, page-table updates and batch sizes per operation in the lab
# (lab-npt and lab-shadow), with the default batch and with batch 1, beside classic's exits,
# into paper/pvmmu/ (one hv output per run, and summary.tsv).
# usage: paper/pvmmu.sh [--summary]   (after `make`; two lab boots, about 10 minutes;
#        --summary only rewrites summary.tsv from the outputs already in paper/pvmmu/)
# Runs: forkstorm at the default RSS (64 KiB) and at 64 MiB, mmapchurn of 64 MiB (mmap, read,
# write, munmap: its munmap's share is the batches beyond one per faulted page), pagefault;
# under NPT also pvmmu with the vCPU's stores (--pvmmu-apply vcpu) to price that mechanism.
set -e
dst=paper/pvmmu
mkdir -p "$dst"
out=build/lab/pvmmu
# in the lab: R NAME HV-ARGS... -> /pagelab/out/NAME.txt
lab='R() { n=$1; shift; build/hv "$@" >out/$n.txt 2>&1 || { echo "FAIL $n"; cat out/$n.txt; }; }
for b in 512 1; do
	R fork64k-pvmmu-b$b --mode pvmmu --pv-batch $b --workload forkstorm --iters 20 --reps 2
	R fork64m-pvmmu-b$b --mode pvmmu --pv-batch $b --workload forkstorm --param rss_kib=65536 --iters 2 --reps 2 --timeout 900
	R churn64m-pvmmu-b$b --mode pvmmu --pv-batch $b --workload mmapchurn --param kib=65536 --iters 1 --reps 1 --warmup 0 --timeout 900
	R pagefault-pvmmu-b$b --mode pvmmu --pv-batch $b --workload pagefault --iters 500 --reps 2
done
R fork64k-classic --mode classic --workload forkstorm --iters 20 --reps 2
R fork64m-classic --mode classic --workload forkstorm --param rss_kib=65536 --iters 2 --reps 2 --timeout 900
R churn64m-classic --mode classic --workload mmapchurn --param kib=65536 --iters 1 --reps 1 --warmup 0 --timeout 900
R pagefault-classic --mode classic --workload pagefault --iters 500 --reps 2
if [ "$(cat /sys/module/kvm_amd/parameters/npt)" = Y ]; then
	R fork64m-pvmmu-vcpu --mode pvmmu --pvmmu-apply vcpu --workload forkstorm --param rss_kib=65536 --iters 2 --reps 2 --timeout 900
	R pagefault-pvmmu-vcpu --mode pvmmu --pvmmu-apply vcpu --workload pagefault --iters 500 --reps 2
fi'
[ "${1:-}" = --summary ] || for npt in 1 0; do
	platform=lab-npt
	[ $npt = 0 ] && platform=lab-shadow
	rm -rf "$out/$platform"
	harness/lab/run.sh --npt $npt --timeout 1800 --out "$out/$platform" -- "$lab"
	for f in "$out/$platform"/*.txt; do
		cp "$f" "$dst/$platform-$(basename "$f")"
	done
done

# summary.tsv: one row per run, the counts per operation the hv printed
{
	printf 'platform\trun\tapply\tbatches\tops\tupdates\tops_per_batch\thypercalls\texits\tuser_exits\tp50_ns_emulated\n'
	for f in "$dst"/lab-*.txt; do
		awk -v name="$(basename "$f" .txt)" '
		function get(line, key,   s) {
			s = line; if (!sub(".*[ :]" key "=", "", s)) return "-"
			sub(/ .*/, "", s); return s
		}
		/updates applied by/ { apply = $NF }
		/per op over/ { p50 = $0; sub(/^.*: min [0-9]+ +p50 /, "", p50); sub(/ .*/, "", p50) }
		/vCPU stats per op/ { exits = get($0, "exits") }
		/exits to the hv per op/ { user = get($0, "io") }
		/pvmmu per op/ { b = get($0, "batches"); o = get($0, "ops"); u = get($0, "updates"); ob = get($0, "ops_per_batch") }
		/hypercalls per op/ { n = split($0, w, " "); hc = 0
			for (i = 1; i <= n; i++) if (w[i] ~ /=/ && w[i] !~ /^mark=/) { split(w[i], kv, "="); hc += kv[2] } }
		END {
			split(name, parts, "-"); platform = parts[1] "-" parts[2]; run = substr(name, length(platform) + 2)
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", platform, run, apply ? apply : "-",
				b ? b : "-", o ? o : "-", u ? u : "-", ob ? ob : "-", hc, exits, user ? user : "-", p50
		}' "$f"
	done
} >"$dst/summary.tsv"
echo "pvmmu: $dst/summary.tsv"
