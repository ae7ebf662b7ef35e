#!/bin/sh
# frames.sh: --frames fresh makes a repetition's first touches land on frames never used since
# boot, --frames reused on frames already touched: exact counts of the kernel memory the host
# backs during the measured section (per 4 KiB page unless the host's THP is always), and of
# the in-KVM faults under EPT/NPT.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=frames
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP frames: no guest kernel"; exit 0; }
json=${TMPDIR:-/tmp}/hv-frames.$$.json
trap 'rm -f "$json"' EXIT
iters=4 reps=2 pages=16 # mmapchurn kib=64 touches 16 pages per operation
touched=$((iters * reps * pages))

# field KEY: the record's value of KEY (the first such key), without quotes
field() { tr -d ' \n' <"$json" | sed -n "s/.*\"$1\":\"*\([^,\"}]*\).*/\1/p"; }

for mode in classic pvmmu ptefree; do
	for frames in reused fresh; do
		run_hv --mode $mode --frames $frames --workload mmapchurn --param kib=64 \
			--iters $iters --reps $reps --warmup 1 --timeout 300 --json "$json"
		check "$mode $frames: passed and recorded" eval \
			'[ $rc -eq 0 ] && has "\"frames\":\"$frames\"" && valid_record'
		begin=$(field begin) end=$(field end) thp=$(field host_thp) mmu=$(field mmu)
		backed=$((${end:-0} - ${begin:-0}))
		pf=$(tr -d ' \n' <"$json" | sed -n 's/.*"vcpu":{[^}]*"pf_taken":\([0-9.]*\).*/\1/p')
		echo "$mode $frames: kernel pages newly backed $backed, in-KVM faults per op $pf," \
			"mmu $mmu, host THP $thp"
		# what a repetition's first touches find: new host pages only with fresh frames
		# (ptefree's process memory is the hv's window, not kernel memory: none)
		want=0
		[ $frames = reused ] || [ $mode = ptefree ] || want=$touched
		if [ $want = 0 ]; then
			check "$mode $frames: no kernel page newly backed" [ "$backed" -eq 0 ]
		elif [ "$thp" != always ]; then
			check "$mode $frames: one new host page per page touched" \
				[ "$backed" -eq $want ]
		else # the host backs 2 MiB at a time: the pages may lie in one backed before
			echo "SKIP frames $mode $frames: new host pages not counted per page (THP always)"
		fi
		# under EPT/NPT a first touch of a page KVM has not mapped is one fault in KVM:
		# every page of a ptefree window, which munmap gave back to the host
		faults=$((want / iters / reps))
		[ $mode != ptefree ] || faults=$pages
		case $mmu in ept | npt)
			check "$mode $frames: in-KVM faults per op $faults" [ "${pf%.*}" = $faults ] ;;
		esac
	done
done
exit $fail
