#!/bin/sh
# testrun.sh: runs each test command given, echoes its PASS/FAIL/SKIP lines, prints the totals.
# A command that exits non-zero without printing a FAIL line counts as one failure. The FAIL lines
# are repeated just before the totals, so the end of a long log says what failed.
pass=0 fail=0 skip=0 failed=
for t in "$@"; do
	echo "== $t"
	out=$(sh -c "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^PASS ')
	f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
	s=$(printf '%s\n' "$out" | grep -c '^SKIP ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $t: exited with status $rc"
		out="$out
FAIL $t: exited with status $rc"
		f=1
	fi
	[ "$f" -gt 0 ] && failed="$failed$(printf '%s\n' "$out" | grep '^FAIL ')
"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
[ -n "$failed" ] && printf 'failed:\n%s' "$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
