#!/bin/sh
# record-all.sh: records the traces committed in workloads/traces (their headers keep each
# command and program version). usage: harness/trace/record-all.sh [NAME...]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/workloads/traces
rec=$root/harness/trace/record.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version() { # the Debian package that owns a program, and its version
	path=$(readlink -f "$1")
	pkg=$( (dpkg-query -S "$path" 2>/dev/null || dpkg-query -S "${path#/usr}") | cut -d: -f1)
	echo "$pkg $(dpkg-query -W -f='${Version}' "$pkg")"
}
names=${*:-gcc make python sort true}
for name in $names; do
	cd "$work"
	case $name in
	gcc) # a 2158-line C file (libpng's test program) compiled at -O2
		sh "$rec" "$out/gcc.trace" gcc "$(version /usr/bin/gcc-12); $(version \
			/usr/lib/gcc/x86_64-linux-gnu/12/cc1)" gcc -O2 -c \
			/usr/share/doc/libpng-dev/examples/pngtest.c -o "$work/pngtest.o" ;;
	make) # a four-file tree built from clean: make, the gcc driver, cc1, as, collect2, ld
		cp "$root"/harness/trace/mktree/* "$work/"
		sh "$rec" "$out/make.trace" make "$(version /usr/bin/make); $(version \
			/usr/bin/gcc-12)" make -s -j1 ;;
	python)
		sh "$rec" "$out/python.trace" python "$(version /usr/bin/python3)" \
			/usr/bin/python3 -c 'import json, re' ;;
	sort) # 200,000 pseudo-random numbers (1.9 MB), sorted numerically
		awk 'BEGIN { srand(1); for (i = 0; i < 200000; i++) print int(rand() * 1e9) }' \
			>"$work/numbers.txt"
		sh "$rec" "$out/sort.trace" sort "$(version /usr/bin/sort)" \
			sort -n -o "$work/sorted.txt" "$work/numbers.txt" ;;
	true) # the smallest dynamically linked program: what a process start costs
		sh "$rec" "$out/true.trace" true "$(version /usr/bin/true)" /usr/bin/true ;;
	*)
		echo "record-all.sh: unknown trace '$name' (valid: gcc make python sort true)" >&2
		exit 2 ;;
	esac
done
