#!/bin/sh
# generate.sh: everything make paper derives from a snapshot: tables, values, summaries, figures.
# usage: paper/generate.sh [--values] MODEL DATA_DIR OUT_DIR   (--values: tables and values only)
# OUT_DIR gets the model's tables, TSVs and values (with the data's commit and date from
# DATA_DIR/MANIFEST), the bench's summary of the snapshot (summary.txt) and of each committed
# experiment (runs/NAME.txt, from paper/runs/NAME), the ptefree targets of four of them
# (targets.txt), the exits by reason of paper/data's trace against lab-after's (exits.md), and
# every figure as SVG (figures/): the snapshot's (plots/plot.sh) and the model's. SVG is the
# one figure format the write-up keeps. complexity.md and .tsv (paper/complexity.sh) come from
# the source tree itself, not from the data; cold-warm.md (build/model frames) from experiment
# cold-warm's raw results (paper/runs/cold-warm); replay.md (paper/replay.sh) the recorded
# programs beside the microbenchmarks' verdict.
set -e
values=0
[ "$1" = --values ] && { values=1; shift; }
model=$1 data=$2 out=$3
rm -rf "$out"
mkdir -p "$out/figures" "$out/runs"
"$model" paper "$data" paper/hwcosts.json "$out"
sh paper/complexity.sh . "$out"
"$model" frames paper/runs/cold-warm >"$out/cold-warm.md"
sh paper/replay.sh "$data" "$out" >"$out/replay.md"
sed -n 's/.*cheapest in \([0-9]*\) of \([0-9]*\) programs.*/replay.agree \1\nreplay.pairs \2/p' \
	"$out/replay.md" >>"$out/values.txt"
sed -n 's/^commit: \(.\{12\}\).*/data.commit \1/p; s/^started: \(.\{10\}\).*/data.date \1/p' \
	"$data/MANIFEST" >>"$out/values.txt"
grep -q '^data.commit ' "$out/values.txt" ||
	{ echo "generate: $data/MANIFEST names no commit" >&2; exit 2; }
[ $values = 0 ] || exit 0
build/bench --summary "$data" >"$out/summary.txt"
for run in paper/runs/*/results.json; do
	[ -e "$run" ] || continue
	dir=${run%/results.json}
	build/bench --summary "$dir" >"$out/runs/${dir#paper/runs/}.txt"
done
# the summary of experiment $1: of its raw results, or as kept (paper/runs/NAME/summary.txt)
summary() {
	for f in "$out/runs/$1.txt" "paper/runs/$1/summary.txt"; do
		[ ! -e "$f" ] || { echo "$f"; return; }
	done
	echo "generate: no summary of experiment $1" >&2
	exit 2
}
for run in hvnative-before hvnative-after lab-after lab-rss16; do
	echo "== $run"
	sed -n '/^ptefree targets/,/^$/p' "$(summary $run)" | sed '1d;/^$/d'
done >"$out/targets.txt"
sh paper/exits.sh "$data/trace-exits.tsv" paper/runs/lab-after/trace-exits.tsv >"$out/exits.md"
# plot.sh warns about series a figure has no points for; its errors stop the run
if ! PLOT_FORMATS=svg sh plots/plot.sh "$data" "$out/figures" >/dev/null 2>"$out/plot.log"; then
	cat "$out/plot.log" >&2
	exit 3
fi
rm "$out/plot.log"
# the model's figures; without instruction-clock cells (only a header), a figure that says so
for fig in model-check projection relative; do
	if [ "$(wc -l <"$out/$fig.tsv")" -gt 1 ]; then
		gnuplot -e "fmt='svg'; tsv='$out/$fig.tsv'; out='$out/figures/$fig.svg'" plots/$fig.gp
	else
		gnuplot -e "dir='plots'; fmt='svg'; out='$out/figures/$fig.svg'; name='$fig';
			why='no lab cells on the instruction clock: run make paper-data'" plots/empty.gp
	fi
done
