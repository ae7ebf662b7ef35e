#!/bin/sh
# numbers.sh: paper/numbers.sh passes numbers of the allowed kinds (code, identifiers, years,
# versions, sections, generated values) and fails on a number planted in the prose, of a small
# document and of a copy of the write-up, naming its line. usage: paper/tests/numbers.sh
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# expect STATUS WHAT [LINE]: the check on $tmp/doc.md exits with STATUS (0 or 1) and, given
# LINE, names that line of the document
expect() {
	sh paper/numbers.sh "$tmp/doc.md" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc = "$1" ] && { [ -z "$3" ] || grep -q "doc.md:$3: 42 " "$tmp/out"; }; then
		echo "PASS numbers: $2"
	else
		echo "FAIL numbers: $2"
		sed 's/^/    /' "$tmp/out"
		failed=1
	fi
}
stray='A fork costs 42 exits under shadow paging.'
cat >"$tmp/doc.md" <<'DOC'
## 2. Method

Adams & Agesen (ASPLOS 2006, Section 6.2, Table 1) ran on x86-64 with `make -j2`, in ring 0,
under kvm-amd npt=1 and QEMU 7.2 at 0x4b564d10, built with -O2 [12]; it takes
<!-- val:n exits pagefault - classic lab-npt -->1.02<!-- /val --> exits.

1. CR3 loads in L4Linux, March 2007.

<!-- gen:reproduce -->
| 3 | 4 |
<!-- /gen -->

    t = guest + 2 * n

```sh
make paper RESULTS=results/2026-12-01
```
DOC
expect 0 "allowed kinds pass: years, sections, identifiers, versions, code, generated values"
echo "$stray" >>"$tmp/doc.md"
expect 1 "a number planted after allowed ones is caught" "$(wc -l <"$tmp/doc.md")"
{
	cat paper/pagelab.md
	echo "$stray"
} >"$tmp/doc.md"
expect 1 "a number planted in a copy of paper/pagelab.md is caught" "$(wc -l <"$tmp/doc.md")"
exit $failed
