#!/bin/sh
# replay.sh: paper/replay.sh sets each recorded program's lab cells beside the microbenchmarks'
# cheapest design: made-up results (a trace's cells cheaper in ptefree under both MMUs) give
# its rows, ratios and agreement count; missing inputs are refused. usage: paper/tests/replay.sh
failed=0
say() {
	[ "$1" = 0 ] && echo "PASS replay: $2" || { echo "FAIL replay: $2"; failed=1; }
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/d" "$tmp/g"
tab=$(printf '\t')
# results.tsv: the columns paper/replay.sh reads (1-5, 7, 16, 20, 24) in a 30-column row
row() { # WORKLOAD PARAMS MODE PLATFORM MMU P50 EXITS POLICY
	echo "$1 $2 $3 $4 $5 - ok - - - - - - - - $6 - - - $7 - - - $8 - - - - - -" | tr ' ' "$tab"
}
{
	row workload params mode platform mmu p50_ns exits_per_op fork_policy
	for mmu in npt shadow; do
		row replay trace=2,proc=0,exec=0 classic lab-$mmu $mmu 1000 4 -
		row replay trace=2,proc=0,exec=0 ptefree lab-$mmu $mmu 500 2 lazy
		row replay trace=2,proc=0,exec=0 pvmmu lab-$mmu $mmu 2000 8 -
	done
	row replay trace=2,proc=0,exec=0 classic host - 9 9 -
} >"$tmp/d/results.tsv"
{
	echo "workload${tab}params${tab}series${tab}mmu${tab}low_ns${tab}high_ns${tab}rep_strings"
	for mmu in npt shadow; do
		printf 'replay\ttrace=2,proc=0,exec=0\tclassic\t%s\t100\t400\tseparated\n' $mmu
		printf 'replay\ttrace=2,proc=0,exec=0\tptefree/lazy\t%s\t50\t100\tseparated\n' $mmu
		printf 'replay\ttrace=2,proc=0,exec=0\tpvmmu\t%s\t200\t800\tseparated\n' $mmu
	done
} >"$tmp/g/projection.tsv"
printf 'Under nested paging, x.\nLeast overall there (a): classic (b).\nUnder shadow paging, y.\nLeast overall there (a): ptefree (b).\n' >"$tmp/g/abstract.md"
out=$(sh paper/replay.sh "$tmp/d" "$tmp/g")
second=$(ls workloads/traces/*.trace | sort | sed -n '2{s|.*/||;s|\.trace$||;p}')
echo "$out" | grep -q "^| $second | npt | ptefree/lazy | 500 | 2 | 50 ns - 100 ns | 0.5 - 0.25 |$"
say $? "trace 2 is $second, with its instructions, exits, modelled range and ratio to classic"
[ "$(echo "$out" | grep -c "^| $second | ")" = 8 ]
say $? "six lab cells and two verdict rows (the host cell is left out)"
echo "$out" | grep -q "^| $second | npt | ptefree | classic | no |$" &&
	echo "$out" | grep -q "^| $second | shadow | ptefree | ptefree | yes |$"
say $? "the least design per MMU against the abstract's"
echo "$out" | grep -q "cheapest in 1 of 2 programs and MMUs"
say $? "the agreement counted"
rm "$tmp/g/abstract.md"
sh paper/replay.sh "$tmp/d" "$tmp/g" >/dev/null 2>&1
[ $? = 2 ]
say $? "a missing input refused (status 2)"
exit $failed
