#!/bin/sh
# readme.sh: the README's "Add a workload" example, dropped into a copy of the tree as
# workloads/spin.c, is found by the build without editing any list and runs natively, and on
# /dev/kvm (where there is one) in every mode.
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top/Makefile" "$top/include" "$top/record" "$top/workloads" "$top/hv" "$top/guests" "$top/harness" "$tmp/"
# The C block that follows the "## Add a workload" heading.
awk '/^## Add a workload/ {sect = 1} sect && /^```c$/ {code = 1; next}
     code && /^```$/ {exit} code {print}' "$top/README.md" >"$tmp/workloads/spin.c"
if ! grep -q 'WORKLOAD(wl_spin)' "$tmp/workloads/spin.c"; then
	echo "FAIL readme example: no WORKLOAD(wl_spin) block found in README.md"
	exit 1
fi
if ! make -s -C "$tmp" build/native/wl >"$tmp/build.log" 2>&1; then
	echo "FAIL readme example builds: $(tail -5 "$tmp/build.log")"
	exit 1
fi
out=$("$tmp/build/native/wl" spin iters=1000 reps=5)
case "$out" in
"RESULT ok=1 iters=1000 "*) echo "PASS readme example is discovered and runs" ;;
*) echo "FAIL readme example runs: $out"; exit 1 ;;
esac
if ! [ -c /dev/kvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP readme example in the guest: no usable /dev/kvm"
	exit 0
fi
if ! make -s -C "$tmp" build/hv build/guest/kernel.elf >"$tmp/build.log" 2>&1; then
	echo "FAIL readme example builds for the guest: $(tail -5 "$tmp/build.log")"
	exit 1
fi
failed=0
for mode in $(cd "$tmp" && build/hv --list-modes | cut -d" " -f1 | grep . || echo unlisted); do
	if (cd "$tmp" && build/hv --mode $mode --workload spin --iters 100 --reps 2 >"$tmp/run.log" 2>&1); then
		echo "PASS readme example runs in $mode mode"
	else
		echo "FAIL readme example runs in $mode mode: $(tail -3 "$tmp/run.log")"
		failed=1
	fi
done
exit $failed
