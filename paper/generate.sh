#!/bin/sh
# generate.sh: the model's tables, TSVs and values, and the model's figures, from a snapshot.
# usage: paper/generate.sh MODEL DATA_DIR OUT_DIR (OUT_DIR/figures gets the figures)
set -e
model=$1 data=$2 out=$3
rm -rf "$out"
mkdir -p "$out/figures"
"$model" paper "$data" paper/hwcosts.json "$out"
for fmt in png svg; do
	for fig in model-check projection; do
		gnuplot -e "fmt='$fmt'; tsv='$out/$fig.tsv'; out='$out/figures/$fig.$fmt'" \
			plots/$fig.gp
	done
done
