#!/bin/sh
# complexity.sh: paper/complexity.sh gives every mode a row, and its counts follow the source: a
# line of code added to a guest backend, a refusal removed from a mode's hv, a refusal no test
# reaches. usage: paper/tests/complexity.sh
failed=0
# say RC WHAT: PASS when RC is 0, else FAIL
say() {
	[ "$1" = 0 ] && echo "PASS complexity: $2" || { echo "FAIL complexity: $2"; failed=1; }
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# col DIR MODE COLUMN: a mode's value in DIR/complexity.tsv's named column
col() {
	awk -F'\t' -v m="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
		$1 == m { print $k[c] }' "$1/complexity.tsv"
}
delta() { echo $(($(col "$tmp/b" "$1" "$2") - $(col "$tmp/a" "$1" "$2"))); }
mkdir "$tmp/tree"
cp -r guests hv include "$tmp/tree/"
sh paper/complexity.sh "$tmp/tree" "$tmp/a"
say $? "the generator runs on a copy of the tree"
for m in $(grep -l '^HV_MODE(' hv/*/mode.c | sed 's|hv/\(.*\)/mode.c|\1|'); do
	[ -n "$(col "$tmp/a" "$m" rules)" ] && grep -q "^| $m |" "$tmp/a/complexity.md"
	say $? "$m has a row"
done

# one more line of code in ptefree's guest backend, one refusal fewer in pvmmu's hv (the line
# with the first -HC_EPERM), and a refusal that no hypercall reaches in classic's hv
echo 'int complexity_probe;' >>"$tmp/tree/guests/kernel/ptefree.c"
sed -i '0,/-HC_EPERM/{/-HC_EPERM/d}' "$tmp/tree/hv/pvmmu/pvmmu.c"
printf 'static int64_t probe(uint64_t x)\n{\n\treturn x ? -HC_EFAULT : 0;\n}\n' \
	>>"$tmp/tree/hv/classic/free_report.c"
sh paper/complexity.sh "$tmp/tree" "$tmp/b"
say $? "the generator runs on the edited copy"
got="$(delta ptefree guest_own_loc) $(delta classic guest_own_loc) $(delta pvmmu guest_loc)"
[ "$got" = "1 0 0" ]
say $? "a line added to ptefree.c counts for ptefree alone (ptefree, classic, pvmmu: $got)"
got="$(delta pvmmu rules) $(delta pvmmu hv_loc) $(delta ptefree rules)"
[ "$got" = "-1 -1 0" ]
say $? "a refusal removed from pvmmu's hv is one rule and one line fewer ($got)"
got="$(delta classic rules) $(delta classic rules_tested) $(delta classic hv_loc)"
[ "$got" = "1 0 4" ] && grep -q 'free_report.c:[0-9]*` probe() -HC_EFAULT' "$tmp/b/complexity.md"
say $? "an unreached refusal is a rule without a test, and is listed ($got)"
exit $failed
