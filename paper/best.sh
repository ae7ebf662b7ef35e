#!/bin/sh
# best.sh: the data of the write-up's "each design at its best" section, into paper/best/ and
# paper/exits.md: the summaries of three results folders and the exits table.
# usage: paper/best.sh HVNATIVE_BEFORE HVNATIVE_AFTER LAB_AFTER LAB_RSS LAB_COPY HVNATIVE_SWEEP
#   HVNATIVE_BEFORE: paper/hvnative-before.sh's folder (the hv before its work followed what
#     is resident), HVNATIVE_AFTER: `build/bench --platforms hv-native,native --populate
#     none,write`, LAB_AFTER: `build/bench --quick --platforms lab-npt,lab-shadow --trace
#     --populate none,write --free-report off,on`, LAB_RSS: the same with --workloads
#     mmapchurn:kib=16384; the exits table compares LAB_AFTER with the `--trace` run of
#     paper/data (before); LAB_COPY: `build/bench --quick --platforms lab-npt --modes ptefree
#     --fork-policies copy --populate none,write --workloads
#     forkexec,forkstorm:rss_kib=64,forkstorm:rss_kib=1024` (a copy fork skips zero pages).
#     HVNATIVE_SWEEP: `build/bench --platforms hv-native,native --populate none,write` (the
#     whole default sweep). targets.txt gathers the verdicts of the ptefree targets.
set -e
[ $# -eq 6 ] || {
	echo "usage: paper/best.sh HVNATIVE_BEFORE HVNATIVE_AFTER LAB_AFTER LAB_RSS LAB_COPY" \
		"HVNATIVE_SWEEP" >&2
	exit 2
}
# every folder is a complete results folder of this bench before anything is written
for dir in "$@"; do
	build/bench --check "$dir" >/dev/null || exit $?
done
dst=paper/best
mkdir -p "$dst"
build/bench --summary "$1" >"$dst/hvnative-before.txt"
build/bench --summary "$2" >"$dst/hvnative-after.txt"
build/bench --summary "$3" >"$dst/lab-after.txt"
build/bench --summary "$4" >"$dst/lab-rss16.txt"
build/bench --summary "$5" >"$dst/lab-copy.txt"
build/bench --summary "$6" >"$dst/hvnative-sweep.txt"
for f in hvnative-before hvnative-after lab-after lab-rss16; do
	echo "== $f"
	sed -n '/^ptefree targets/,/^$/p' "$dst/$f.txt" | sed '1d;/^$/d'
done >"$dst/targets.txt"
cp "$1/hvnative.tsv" "$dst/hvnative-before.tsv" 2>/dev/null || true
cp "$2/hvnative.tsv" "$dst/hvnative-after.tsv"
cp "$3/results.tsv" "$dst/lab-after-results.tsv"
cp "$3/trace-exits.tsv" "$dst/lab-after-trace-exits.tsv"
sh paper/exits.sh paper/data "$3" >paper/exits.md
echo "best: $dst/ and paper/exits.md from $*"
