#!/bin/sh
# make-paper.sh: regenerates what paper/pagelab.md quotes from a results folder.
# It makes the snapshot in paper/data/ (paper/snapshot.sh), everything derived from it in
# paper/generated/ (tables, values, summaries, figures: paper/generate.sh) and splices the
# generated blocks and values into paper/pagelab.md; it warns (exit 0) when the code that made
# the data has changed since the commit in paper/data/MANIFEST.
# usage: paper/make-paper.sh [RESULTS_DIR [TRACE_RESULTS_DIR]]
# RESULTS_DIR defaults to results/latest or, where there is none (a fresh clone), to the
# committed snapshot itself, which is then kept as it is. Everything is made in a temporary
# folder and swapped in only when every step succeeded: a refused or failed run changes
# nothing. Refused (exit 2, with the reason): a results folder that is foreign, incomplete or
# truncated (build/bench --check), paper/data named as the input (the snapshot this script
# replaces), or one that lacks values the write-up quotes (each named).
set -e
model=build/model
for tool in "$model" build/bench; do
	[ -x "$tool" ] || { echo "paper: $tool is missing; run 'make' first" >&2; exit 3; }
done
src=$1 trace=$2 own=0
if [ -z "$src" ] && [ ! -e results/latest ]; then
	src=paper/data own=1
	echo "paper: no results/latest: regenerating from the committed snapshot paper/data"
fi
src=${src:-results/latest}
snapshot=$(realpath -m paper/data)
for dir in "$src" $trace; do
	if [ $own = 0 ] && [ "$(realpath -m "$dir")" = "$snapshot" ]; then
		echo "paper: refusing $dir: it is the write-up's own snapshot, which make paper" \
			"replaces (without RESULTS and results/latest, make paper regenerates from it)" >&2
		exit 2
	fi
	rc=0
	build/bench --check "$dir" >/dev/null || rc=$?
	[ $rc = 0 ] || { echo "paper: refusing $dir (see above); nothing changed" >&2; exit $rc; }
done

stage=$(mktemp -d paper/.make-paper.XXXXXX) || exit 4
trap 'rm -rf "$stage"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
data=paper/data
if [ $own = 0 ]; then
	sh paper/snapshot.sh "$src" "$trace" "$stage/data" || {
		rc=$?
		echo "paper: the snapshot of $src failed (above); nothing changed" >&2
		exit $rc
	}
	data=$stage/data
fi
# what the write-up quotes must be there before anything is drawn
rc=0
sh paper/generate.sh --values "$model" "$data" "$stage/values" >/dev/null &&
	"$model" splice paper/pagelab.md "$stage/values" "$data" >"$stage/pagelab.md" || rc=$?
if [ $rc != 0 ]; then
	echo "paper: $src cannot give what paper/pagelab.md quotes (the values above are" \
		"missing: a quick or partial run?); nothing changed" >&2
	exit $rc
fi
sh paper/generate.sh "$model" "$data" "$stage/generated" || {
	echo "paper: drawing the tables and figures failed (above); nothing changed" >&2
	exit 3
}
"$model" splice paper/pagelab.md "$stage/generated" "$data" >"$stage/pagelab.md"

# every step succeeded: the new folders replace the old ones, the write-up last; a rename that
# fails puts back what was replaced before it
mkdir "$stage/old"
swapped=''
swap() { # NEW DEST
	mv "$2" "$stage/old/${2#paper/}" || return 1
	if mv "$1" "$2"; then
		swapped="$2 $swapped"
		return 0
	fi
	mv "$stage/old/${2#paper/}" "$2"
	return 1
}
unswap() {
	for dest in $swapped; do
		rm -rf "$dest" && mv "$stage/old/${dest#paper/}" "$dest"
	done
	echo "paper: cannot move the new files into paper/; nothing changed" >&2
	exit 4
}
if [ $own = 0 ]; then
	swap "$stage/data" paper/data || unswap
fi
swap "$stage/generated" paper/generated || unswap
mv "$stage/pagelab.md" paper/pagelab.md || unswap
echo "paper: paper/pagelab.md regenerated from paper/data ($(realpath "$src"))"
# the data's commit (its MANIFEST): has the code that made the numbers changed since? (tests
# make no numbers)
commit=$(sed -n 's/^commit: //p' paper/data/MANIFEST)
code='hv guests workloads include record harness/bench :(exclude)*/tests/*'
# shellcheck disable=SC2086 # the folders are words
if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
	echo "paper: warning: the data's commit ${commit:-(none)} is not in this repository;" \
		"cannot tell whether the code has changed since" >&2
elif [ -n "$(git diff --stat "$commit" -- $code)" ]; then
	echo "paper: warning: the code that produced paper/data has changed since its commit" \
		"$commit ($(git diff --shortstat "$commit" -- $code | sed 's/^ //')); run make paper-data" >&2
fi
