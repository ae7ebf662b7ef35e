#!/bin/sh
# numbers.sh: a number in the write-up's prose must come from the data: it fails on every digit
# outside the generated markers (`<!-- gen:NAME -->` blocks, `<!-- val:KEY -->` values).
# Allowed by category only, never by value: code (fenced or indented blocks, `spans`), link and
# image targets, HTML comments, identifiers that carry digits (x86-64, CR3, -O2, L4Linux,
# npt=1, ring-0), hex addresses (0x4b564d10), x86 privilege rings (ring 0 to ring 3), a name's
# year or version (SOSP 2003, March 2007, QEMU 7.2), citation markers ([12]), section, table and
# figure numbers (Section 5.3, Table 2), numbered list items and numbered headings.
# usage: paper/numbers.sh [DOC]   (DOC: paper/pagelab.md)
doc=${1:-paper/pagelab.md}
[ -r "$doc" ] || { echo "FAIL numbers: cannot read $doc"; exit 1; }
awk -v doc="$doc" '
BEGIN {
	year = "(January|February|March|April|May|June|July|August|September|October|November"
	year = year "|December|[A-Z][A-Z]+) (19|20)[0-9][0-9]"
}
# the line with every allowed category removed
function strip(s) {
	gsub(/<!-- val:[^>]*-->[^<]*<!-- \/val -->/, " ", s)
	gsub(/<!--[^>]*-->/, " ", s)
	gsub(/`[^`]*`/, " ", s)
	gsub(/\]\([^)]*\)/, "]", s)
	gsub(/0x[0-9A-Fa-f]+/, " ", s)
	gsub(/\[[0-9][0-9, ]*\]/, " ", s)
	gsub(/(Section|section|Table|table|Figure|figure|Fig\.|§) ?[0-9]+(\.[0-9]+)*/, " ", s)
	gsub(year, " ", s)
	gsub(/(Linux|Debian|QEMU|Xen|KVM|gcc|GCC|gnuplot) [0-9]+(\.[0-9]+)+/, " ", s)
	gsub(/[Rr]ing [0-3]/, " ", s)
	sub(/^ *[0-9]+\. /, " ", s)
	sub(/^#+ [0-9]+(\.[0-9]+)*\.? /, " ", s)
	# words, and identifiers that carry digits (x86-64, CR3, -O2, npt=1)
	gsub(/-?[A-Za-z_][A-Za-z0-9_]*([-=.][A-Za-z0-9_]+)*/, " ", s)
	return s
}
/^<!-- gen:/ { gen = 1; next }
gen && /^<!-- \/gen -->/ { gen = 0; next }
gen { next }
/^```/ { fence = !fence; next }
fence { next }
# an indented code block: four spaces after a blank line or after another code line
/^(    |\t)/ && (blank || code) { code = 1; blank = 0; next }
{ code = 0; blank = ($0 ~ /^[ \t]*$/) }
{
	s = strip($0)
	while (match(s, /[0-9]+([.,][0-9]+)*/)) {
		printf "FAIL numbers: %s:%d: %s outside the generated markers: %s\n", doc, NR,
			substr(s, RSTART, RLENGTH), substr($0, 1, 100)
		bad++
		s = substr(s, RSTART + RLENGTH)
	}
}
END {
	if (gen || fence) {
		printf "FAIL numbers: %s: a %s is not closed\n", doc, gen ? "gen block" : "code fence"
		exit 1
	}
	if (bad) {
		printf "FAIL numbers: %s: %d numbers outside the generated markers\n", doc, bad
		exit 1
	}
	printf "PASS numbers: every number of %s prose is generated or of an allowed kind\n", doc
}' "$doc"
