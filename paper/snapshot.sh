#!/bin/sh
# snapshot.sh: copies a results folder (default results/latest) and its figures into
# paper/data/, the numbers the write-up quotes, with the summary tables the bench prints.
# usage: paper/snapshot.sh [RESULTS_DIR [TRACE_RESULTS_DIR]]; the second folder, from a
# `bench --trace` run, gives paper/data/trace-exits.tsv and trace-summary.txt (without it, the
# snapshot keeps the ones it had).
set -e
src=${1:-results/latest}
dst=paper/data
[ -f "$src/results.json" ] || { echo "snapshot: no $src/results.json; run 'make bench' first" >&2; exit 1; }
[ -x build/bench ] || { echo "snapshot: build/bench is missing; run 'make' first" >&2; exit 1; }
keep=$(mktemp -d)
trap 'rm -rf "$keep"' EXIT
[ -n "$2" ] || cp "$dst"/trace-exits.tsv "$dst"/trace-summary.txt "$keep/" 2>/dev/null || true
rm -rf "$dst"
mkdir -p "$dst/figures"
cp "$src"/results.json "$src"/*.tsv "$dst/"
cp "$keep"/* "$dst/" 2>/dev/null || true
build/bench --summary "$src" >"$dst/summary.txt"
sh plots/plot.sh "$src" "$dst/figures" >/dev/null
if [ -n "$2" ]; then
	cp "$2/trace-exits.tsv" "$dst/trace-exits.tsv"
	build/bench --summary "$2" >"$dst/trace-summary.txt"
fi
echo "snapshot: $(readlink -f "$src") -> $dst"
