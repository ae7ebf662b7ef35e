#!/bin/sh
# deps.sh: harness/deps.sh finds a cycle it is shown (two files that call each other), then the
# hv's and the bench's object files have none. Usage: harness/tests/deps.sh DIR...
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/circle"
printf 'int b(int);\nint a(int x) { return x ? b(x - 1) : 0; }\n' >"$tmp/a.c"
printf 'int a(int);\nint b(int x) { return a(x); }\n' >"$tmp/b.c"
${CC:-cc} -c -o "$tmp/circle/a.o" "$tmp/a.c" && ${CC:-cc} -c -o "$tmp/circle/b.o" "$tmp/b.c" ||
	{ echo "FAIL deps: cannot compile the circle example"; exit 1; }
out=$(sh harness/deps.sh "$tmp/circle")
if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -q "import cycle among .*a\.o.*b\.o\|import cycle among .*b\.o.*a\.o"; then
	echo "PASS deps finds the cycle of two files that call each other"
else
	echo "FAIL deps finds the cycle of two files that call each other: $out"
	exit 1
fi
sh harness/deps.sh "$@"
