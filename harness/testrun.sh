#!/bin/sh
# testrun.sh: runs each test command given, echoes its PASS/FAIL/SKIP lines, prints the totals.
# A command that exits non-zero without printing a FAIL line counts as one failure. The FAIL lines
# are repeated just before the totals, so the end of a long log says what failed.
#
# Each command's wall time follows its output ("-- took N.N s: COMMAND"). A command may time
# its own parts with lines "TIME SECONDS WHAT" (harness/kvmtests.sh: each script on each
# platform, each lab boot); the ten slowest parts (those lines, or the command itself when it
# prints none) are listed before the totals, which stay the last line.

now() { cut -d' ' -f1 /proc/uptime; }

pass=0 fail=0 skip=0 failed=''
log=$(mktemp "${TMPDIR:-/tmp}/testrun.XXXXXX")
parts=$log.times
trap 'rm -f "$log" "$log.status" "$parts"' EXIT
: >"$parts"
begin=$(now)
for t in "$@"; do
	echo "== $t"
	start=$(now)
	# the output streams; the status comes back through a file (a pipeline's is tee's)
	{
		sh -c "$t" 2>&1
		echo $? >"$log.status"
	} | tee "$log"
	rc=$(cat "$log.status")
	out=$(cat "$log")
	took=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	p=$(printf '%s\n' "$out" | grep -c '^PASS ')
	f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
	s=$(printf '%s\n' "$out" | grep -c '^SKIP ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $t: exited with status $rc"
		out="$out
FAIL $t: exited with status $rc"
		f=1
	fi
	echo "-- took $took s: $t"
	if printf '%s\n' "$out" | grep -q '^TIME '; then
		printf '%s\n' "$out" | sed -n 's/^TIME //p' >>"$parts"
	else
		echo "$took $t" >>"$parts"
	fi
	[ "$f" -gt 0 ] && failed="$failed$(printf '%s\n' "$out" | grep '^FAIL ')
"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
echo "slowest parts (of $(awk -v a="$begin" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s in all):"
sort -rn "$parts" | head -n 10 | awk '{ t = $1; $1 = ""; printf "%8.1f s %s\n", t, substr($0, 2) }'
[ -n "$failed" ] && printf 'failed:\n%s' "$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
