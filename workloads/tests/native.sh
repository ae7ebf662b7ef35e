#!/bin/sh
# native.sh: every workload passes its own checks as a plain Linux process; bad input is refused.
wl=${1:-build/native/wl}
fails=0
for name in forkstorm forkexec mmapchurn pagefault nullsys shootdown; do
	out=$("$wl" "$name" iters=20 reps=3 warmup=1 2>&1)
	case "$out" in
	*"RESULT ok=1 "*) echo "PASS native $name" ;;
	*) echo "FAIL native $name: $out"; fails=$((fails + 1)) ;;
	esac
done
# COW check with real sizes: the child writes the parent's pages.
if "$wl" forkstorm iters=10 reps=2 rss_kib=1024 touch_pages=64 | grep -q "RESULT ok=1 "; then
	echo "PASS native forkstorm touch_pages=64"
else
	echo "FAIL native forkstorm touch_pages=64"; fails=$((fails + 1))
fi
# Concurrency: copies of the fork loop at once; readers on other threads while pages go and come.
for args in "forkstorm copies=3 rss_kib=256 touch_pages=8" "shootdown threads=4 pages=8" \
	"shootdown threads=3 pages=2 mprotect=1" "shootdown threads=1"; do
	# shellcheck disable=SC2086 # the arguments split on purpose
	if "$wl" $args iters=20 reps=2 warmup=1 | grep -q "RESULT ok=1 "; then
		echo "PASS native $args"
	else
		echo "FAIL native $args"; fails=$((fails + 1))
	fi
done
# A time budget instead of iters: the runner chooses a count that fills it, within the cap of a
# workload that keeps what each operation makes (pagefault: 16384 pages per repetition).
budget_iters() { "$wl" "$@" reps=2 | sed -n 's/^RESULT ok=1 iters=\([0-9]*\) .*/\1/p'; }
n=$(budget_iters nullsys budget_us=20000)
if [ "${n:-0}" -gt 100 ]; then echo "PASS native budget: nullsys $n iters in 20 ms"
else echo "FAIL native budget: nullsys chose '${n}' iters for 20 ms"; fails=$((fails + 1)); fi
n=$(budget_iters pagefault budget_us=2000000)
if [ "${n:-0}" -ge 1 ] && [ "$n" -le 16384 ]; then echo "PASS native budget: pagefault $n iters, capped"
else echo "FAIL native budget: pagefault chose '${n}' iters (cap 16384)"; fails=$((fails + 1)); fi
expect_refused() { # name, then the arguments that must be refused with exit 2 and a reason
	what=$1; shift
	out=$("$wl" "$@" 2>/dev/null); rc=$?
	case "$rc:$out" in
	"2:RESULT ok=0 "*"$what"*) echo "PASS refuses $*" ;;
	*) echo "FAIL refuses $*: exit $rc, $out"; fails=$((fails + 1)) ;;
	esac
}
expect_refused "valid: forkexec" nosuch iters=1
expect_refused "valid: rss_kib, touch_pages" forkstorm bogus=1
expect_refused "out of range" mmapchurn kib=1
expect_refused "needs an integer" mmapchurn kib=abc
expect_refused "reps" nullsys reps=65
expect_refused "not both" nullsys iters=5 budget_us=5
expect_refused "out of range" shootdown threads=9
expect_refused "out of range" forkstorm copies=0
[ "$fails" -eq 0 ]
