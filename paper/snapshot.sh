#!/bin/sh
# snapshot.sh: copies a results folder and its figures into a new folder DEST (make-paper.sh
# swaps it in as paper/data/), the numbers the write-up quotes, with the summary tables the
# bench prints.
# usage: paper/snapshot.sh RESULTS_DIR TRACE_RESULTS_DIR|"" DEST; the second folder, from a
# `bench --trace` run, gives DEST/trace-exits.tsv and trace-summary.txt (without it, the
# snapshot keeps paper/data's). Both must be complete results folders of this bench, and
# DEST must not exist. Exit status as in harness/README.md (2: a refused input).
set -e
src=${1:?usage: paper/snapshot.sh RESULTS_DIR TRACE_DIR|\"\" DEST}
trace=$2
dst=${3:?usage: paper/snapshot.sh RESULTS_DIR TRACE_DIR|\"\" DEST}
[ -x build/bench ] || { echo "snapshot: build/bench is missing; run 'make' first" >&2; exit 3; }
[ ! -e "$dst" ] || { echo "snapshot: $dst exists; it takes a new folder" >&2; exit 2; }
mkdir -p "$dst/figures" || exit 4
cp "$src"/results.json "$src"/*.tsv "$dst/" || exit 4
if [ -n "$trace" ]; then
	cp "$trace/trace-exits.tsv" "$dst/trace-exits.tsv" || exit 4
	build/bench --summary "$trace" >"$dst/trace-summary.txt"
else
	cp paper/data/trace-exits.tsv paper/data/trace-summary.txt "$dst/" || exit 4
fi
build/bench --summary "$src" >"$dst/summary.txt"
sh plots/plot.sh "$src" "$dst/figures" >/dev/null
