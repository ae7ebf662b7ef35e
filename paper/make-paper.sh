#!/bin/sh
# make-paper.sh: regenerates what paper/pagelab.md quotes from a results folder: the snapshot
# in paper/data/ (paper/snapshot.sh), the model's tables and values in paper/generated/, the
# figures, and the generated blocks and values spliced into paper/pagelab.md.
# usage: paper/make-paper.sh [RESULTS_DIR [TRACE_RESULTS_DIR]]
set -e
src=${1:-results/latest}
model=build/model
[ -x "$model" ] || { echo "paper: $model is missing; run 'make' first" >&2; exit 1; }
sh paper/snapshot.sh "$src" $2
sh paper/generate.sh "$model" paper/data paper/generated
"$model" splice paper/pagelab.md paper/generated paper/data >paper/pagelab.md.tmp
mv paper/pagelab.md.tmp paper/pagelab.md
echo "paper: paper/pagelab.md regenerated from paper/data ($(readlink -f "$src"))"
