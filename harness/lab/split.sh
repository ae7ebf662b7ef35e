#!/bin/sh
# split.sh: prints the -plugin value that splits the lab VM's instructions (harness/lab/insnsplit.c).
#
# Usage: harness/lab/split.sh OUT_FILE     (from the repository top; BUILD as for run.sh)
# The value names the plugin, its output file and what it classifies by: the code ranges
# (executable segments) of the guest kernel, of every guest program and of the lab's hv
# (build/hv-static, linked away from the guest's programs), and the hv's marker functions.
# Give it to run.sh as LAB_QEMU_PLUGIN. Exit status 1, with the reason, when a file is missing
# or the ranges overlap.
set -eu
BUILD=${BUILD:-build}
[ $# -eq 1 ] || { echo "usage: $0 OUT_FILE" >&2; exit 2; }
plugin=$BUILD/lab/insnsplit.so hv=$BUILD/hv-static kernel=$BUILD/guest/kernel.elf
for f in "$plugin" "$hv" "$kernel" "$BUILD"/guest/bin/wl; do
	[ -f "$f" ] || { echo "split: $f is missing (make all)" >&2; exit 1; }
done

# The span of the executable segments of the ELF files given: 0xLO-0xHI, 16 hex digits each.
# awk's numbers are doubles and its %x 32 bits wide: the top 16 bits are kept as text (the
# same for every segment of a span), the low 48 bits as a number.
code_range() {
	for f; do readelf -lW "$f"; done | awk '
	function value(s,  i, v) {
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	function hex(v) { return sprintf("0x%s%06x%06x", top, int(v / 16777216), v % 16777216) }
	$1 == "LOAD" && ($7 ~ /E/ || $8 == "E") { # flags "R E" are two fields
		if (n++ && substr($3, 3, 4) != top) mixed = 1
		top = substr($3, 3, 4); lo = value(substr($3, 7)); hi = lo + value(substr($6, 3))
		if (n == 1 || lo < min) min = lo
		if (hi > max) max = hi
	}
	END { if (n && !mixed) print hex(min) "-" hex(max) }'
}
mark() { nm "$hv" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }

guest_kernel=$(code_range "$kernel")
guest_user=$(code_range "$BUILD"/guest/bin/*)
hv_range=$(code_range "$hv")
for r in "$guest_kernel" "$guest_user" "$hv_range"; do
	[ -n "$r" ] || { echo "split: a file has no code segment, or one spanning both halves" >&2; exit 1; }
done
# The ranges must be disjoint, or the split would count one part as another (fixed-width hex
# compares as text).
echo "$guest_kernel $guest_user $hv_range" | tr ' ' '\n' | sort | awk -F- '
	NR > 1 && "x" $1 < "x" last { bad = 1 }
	{ last = $2 }
	END { exit bad }' || { echo "split: the code ranges overlap: $guest_kernel $guest_user $hv_range" >&2; exit 1; }
run=$(mark lab_mark_run) begin=$(mark lab_mark_begin) end=$(mark lab_mark_end)
[ -n "$run" ] && [ -n "$begin" ] && [ -n "$end" ] || { echo "split: $hv has no lab_mark_* functions" >&2; exit 1; }
echo "$plugin,out=$1,guest_kernel=$guest_kernel,guest_user=$guest_user,hv=$hv_range,mark_run=$run,mark_begin=$begin,mark_end=$end"
