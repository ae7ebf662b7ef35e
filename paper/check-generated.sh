#!/bin/sh
# check-generated.sh: every committed derived file of the write-up is what its inputs give.
# Regenerates from paper/data (and paper/runs) into a temporary folder and compares every file
# of paper/generated/ (tables, values, summaries, SVG figures) both ways, and the spliced
# paper/pagelab.md; then checks that a hand-edited number in a generated table is caught.
# Figures are compared byte for byte when this gnuplot is the one that drew the committed ones
# (their <desc> line), else named as not compared. usage: paper/check-generated.sh MODEL
model=${1:-build/model}
[ -x "$model" ] || { echo "FAIL paper: $model is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
if ! sh paper/generate.sh "$model" paper/data "$tmp/gen" >"$tmp/log" 2>&1; then
	echo "FAIL paper: paper/data cannot be regenerated"
	sed 's/^/    /' "$tmp/log"
	exit 1
fi

# stale, missing or extra: paper/generated/ against the regeneration, file by file
drew=$(sed -n 's/^<desc>\(.*\) <\/desc>$/\1/p' "$tmp/gen/figures/projection.svg")
kept=$(sed -n 's/^<desc>\(.*\) <\/desc>$/\1/p' paper/generated/figures/projection.svg 2>/dev/null)
# compare DIR: DIR (paper/generated or an edited copy) against the regeneration; the
# figures only when this gnuplot drew DIR's (else counted in $skipped)
compare() {
	(cd "$tmp/gen" && find . -type f) >"$tmp/files"
	(cd "$1" && find . -type f) >>"$tmp/files"
	skipped=0 differ=0
	for f in $(sed 's|^\./||' "$tmp/files" | sort -u); do
		case $f in figures/*) [ "$drew" = "$kept" ] || { skipped=$((skipped + 1)); continue; } ;; esac
		if [ ! -e "$1/$f" ]; then
			echo "FAIL paper: $1/$f is missing (run 'make paper')"
			differ=1
		elif [ ! -e "$tmp/gen/$f" ]; then
			echo "FAIL paper: $1/$f is not made from paper/data any more (git rm it)"
			differ=1
		elif ! cmp -s "$tmp/gen/$f" "$1/$f"; then
			echo "FAIL paper: $1/$f is stale (run 'make paper')"
			diff "$1/$f" "$tmp/gen/$f" 2>&1 | head -5 | sed 's/^/    /'
			differ=1
		fi
	done
	return $differ
}
compare paper/generated || failed=1
if [ $skipped -gt 0 ]; then
	echo "SKIP paper: $skipped figures not compared: they were drawn by ${kept:-(none)}," \
		"this machine has $drew"
fi
[ $failed = 1 ] || echo "PASS paper: paper/generated/ is what paper/data and paper/runs give"
if "$model" splice paper/pagelab.md "$tmp/gen" paper/data >"$tmp/pagelab.md" &&
	cmp -s "$tmp/pagelab.md" paper/pagelab.md; then
	echo "PASS paper: pagelab.md's generated tables and values match paper/data"
else
	echo "FAIL paper: pagelab.md's generated tables or values differ from paper/data"
	diff paper/pagelab.md "$tmp/pagelab.md" | head -10 | sed 's/^/    /'
	failed=1
fi

# the check can fail: a changed line in a derived file is caught
cp -r paper/generated "$tmp/edited"
awk '!done && /[0-9]/ { sub(/[0-9]/, "#"); done = 1 } { print }' paper/generated/summary.txt \
	>"$tmp/edited/summary.txt"
if compare "$tmp/edited" >/dev/null; then
	echo "FAIL paper: a hand-edited paper/generated/summary.txt went unnoticed"
	failed=1
else
	echo "PASS paper: a hand-edited derived file is caught"
fi
# a number changed by hand in a generated table or value is caught
caught() { # $1: what was edited, $2: the awk program that edits paper/pagelab.md
	awk "$2" paper/pagelab.md >"$tmp/edited.md"
	"$model" splice "$tmp/edited.md" "$tmp/gen" paper/data >"$tmp/respliced.md" 2>/dev/null
	if ! cmp -s "$tmp/edited.md" paper/pagelab.md &&
		! cmp -s "$tmp/edited.md" "$tmp/respliced.md"; then
		echo "PASS paper: a hand-edited $1 is caught"
	else
		echo "FAIL paper: a hand-edited $1 went unnoticed"
		failed=1
	fi
}
caught "number in a generated table" '/^<!-- gen:reproduce -->/ { g = 1 }
	g && /[0-9][.][0-9][0-9]/ && !done { sub(/[0-9][.][0-9][0-9]/, "9.99"); done = 1 } { print }'
caught "generated value in the text" '/<!-- val:/ && !done {
	sub(/-->[^<]*<!-- \/val -->/, "-->999 us<!-- /val -->"); done = 1 } { print }'
exit $failed
