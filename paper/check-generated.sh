#!/bin/sh
# check-generated.sh: the write-up's generated tables and values are those its snapshot gives.
# Regenerates from paper/data into a temporary folder and compares paper/generated/ and the
# spliced paper/pagelab.md; then checks that a hand-edited number in a generated table is
# caught. usage: paper/check-generated.sh MODEL
model=${1:-build/model}
[ -x "$model" ] || { echo "FAIL paper: $model is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
if ! sh paper/generate.sh "$model" paper/data "$tmp/gen" >"$tmp/log" 2>&1; then
	echo "FAIL paper: the model cannot regenerate from paper/data"
	sed 's/^/    /' "$tmp/log"
	exit 1
fi

# stale: the committed generated files or the write-up differ from a regeneration
for f in "$tmp"/gen/*.md "$tmp"/gen/*.tsv "$tmp"/gen/values.txt; do
	name=$(basename "$f")
	if ! cmp -s "$f" "paper/generated/$name"; then
		echo "FAIL paper: paper/generated/$name is stale (run 'make paper RESULTS=...')"
		diff "paper/generated/$name" "$f" 2>&1 | head -5 | sed 's/^/    /'
		failed=1
	fi
done
if "$model" splice paper/pagelab.md "$tmp/gen" paper/data >"$tmp/pagelab.md" &&
	cmp -s "$tmp/pagelab.md" paper/pagelab.md; then
	echo "PASS paper: pagelab.md's generated tables and values match paper/data"
else
	echo "FAIL paper: pagelab.md's generated tables or values differ from paper/data"
	diff paper/pagelab.md "$tmp/pagelab.md" | head -10 | sed 's/^/    /'
	failed=1
fi

# the check can fail: a number changed by hand in a generated table or value is caught
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
caught "number in a generated table" '/^<!-- gen:model-summary -->/ { g = 1 }
	g && /%/ && !done { sub(/[0-9]+%/, "999%"); done = 1 } { print }'
caught "generated value in the text" '/<!-- val:/ && !done {
	sub(/-->[^<]*<!-- \/val -->/, "-->999 us<!-- /val -->"); done = 1 } { print }'
exit $failed
