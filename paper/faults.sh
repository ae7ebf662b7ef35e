#!/bin/sh
# faults.sh: traces KVM's page faults for small ptefree runs in the lab (NPT) into paper/faults/.
# usage: paper/faults.sh   (after `make`; boots the lab once, about 10 s)
# For mmapchurn (each page read, then written) and pagefault (each page written once) it keeps
# the raw trace of kvm:kvm_page_fault, kvmmmu:fast_page_fault and kvmmmu:kvm_mmu_set_spte, and
# a table of what KVM did with each guest fault from ring 3: which access, and whether a
# mapping followed (read-only or writable) or the fault ended with none (the guest retries).
set -e
dst=paper/faults
mkdir -p "$dst"
out=build/lab/faults
rm -rf "$out"
# in the lab: W ARGS... -> /pagelab/out/W.trace
lab='T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
for e in kvm/kvm_page_fault kvmmmu/fast_page_fault kvmmmu/kvm_mmu_set_spte; do echo 1 >$T/events/$e/enable; done
trace() {
	w=$1; shift
	echo >$T/trace; echo 1 >$T/tracing_on
	build/hv --mode ptefree --workload "$w" --reps 1 --warmup 0 "$@" >out/$w.txt || exit 1
	echo 0 >$T/tracing_on
	cat $T/trace >out/$w.trace
}
trace mmapchurn --param kib=64 --iters 3
trace pagefault --iters 48'
harness/lab/run.sh --npt 1 --out "$out" -- "$lab"

for w in mmapchurn pagefault; do
	cp "$out/$w.trace" "$dst/$w.trace"
	{
		echo "# $w, ptefree, lab-npt: each guest fault from ring 3 and what KVM did before the next"
		grep -e 'per op over' -e 'vCPU stats' "$out/$w.txt"
		# a fault is "user" when its rip is below the kernel half; its outcome is the first
		# set_spte (r-x: read-only, rw: writable) or a fast-path attempt before the next fault
		awk '
		function flush() {
			if (kind != "")
				n[kind " -> " (what != "" ? what : ff ? "no mapping (fast path failed)" : "no mapping")]++
			kind = ""
		}
		/kvm_page_fault:/ {
			flush()
			rip = $0; sub(/.* rip 0x/, "", rip); sub(/ .*/, "", rip)
			if (length(rip) >= 16) next
			ec = $0; sub(/.*error_code 0x/, "", ec); sub(/ .*/, "", ec)
			v = index("0123456789abcdef", substr(ec, length(ec))) - 1
			kind = (int(v / 2) % 2 ? "write" : "read") (v % 2 ? " to a present entry" : " to a missing entry")
			what = ""; ff = 0
		}
		/kvm_mmu_set_spte:/ && kind != "" && what == "" {
			what = index($0, "(rw") ? "mapped writable" : "mapped read-only"
			if (what == "mapped read-only") {
				spte = $0; sub(/.* spte /, "", spte); sub(/ .*/, "", spte)
				ro[substr(spte, 1, length(spte) - 3)]++; nro++
			}
		}
		/fast_page_fault:/ && / fixed 0/ { ff = 1 }
		END {
			flush()
			for (k in n) printf "%6d  %s\n", n[k], k
			top = 0; for (p in ro) if (ro[p] > top) top = ro[p]
			if (nro) printf "%d of the %d read-only mappings point at one host page\n", top, nro
		}' "$out/$w.trace" | sort -k2
	} >"$dst/$w.txt"
	cat "$dst/$w.txt"
done
