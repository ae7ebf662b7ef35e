#!/bin/sh
# readme_examples.sh: each line of the README's "One guest run" example runs as written (in a
# scratch folder) and exits 0; a workload run states its iteration count, and who chose it;
# a run long enough shows a progress line on a terminal and clears it.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=readme_examples
. harness/check.sh
if [ "${PAGELAB_PLATFORM:-host}" != host ]; then
	echo "SKIP $TEST: the README's examples are for this host; the lab's MMUs have the other scripts"
	exit 0
fi
top=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$top/build" "$tmp/build"
awk '/^## One guest run/ {sect = 1} sect && /^```sh$/ {code = 1; next}
     code && /^```$/ {exit} code {print}' README.md >"$tmp/examples"
check "finds the examples" [ "$(grep -c '^build/hv ' "$tmp/examples")" -ge 5 ]

# iterations_stated: a workload run's printout and record say how many operations a
# repetition had and, without --iters, that the time budget chose them
iterations_stated() {
	n=$(printf '%s\n' "$out" | sed -n 's/.*per op over [0-9]* reps of \([0-9]*\):.*/\1/p')
	[ -n "$n" ] && [ "$n" -ge 1 ] || return 1
	by=user
	case " $cmd " in
	*" --iters "*) ;;
	*) by=budget
	   says "iterations: $n per repetition, chosen for a [0-9.]* s budget" || return 1 ;;
	esac
	json=$(printf '%s\n' "$cmd" | sed -n 's/.*--json \([^ ]*\).*/\1/p')
	[ -z "$json" ] && return 0
	json=$tmp/$json
	valid_record && has "\"iterations\":$n," && has "\"iters_chosen_by\":\"$by\""
}

# The progress line: script(1) gives the hv a terminal for the last example that runs a
# workload within the time budget. Over 5 s it shows the line (the hv waits 3 s), under 3 s it
# does not; either way the line is cleared before the summary.
long=$(grep -- '--workload' "$tmp/examples" | grep -v -- '--iters' | tail -1)
long=$(printf '%s\n' "${long%%#*}" | sed 's/ *$//')
command -v script >/dev/null || echo "SKIP $TEST progress line: no script(1) for a terminal"
esc=$(printf '\033')
# after the last progress line comes a clear of it, then the summary
cleared() {
	tr '\r' '\n' <"$tmp/tty" | awk -v e="$esc[K" 'index($0, e "hv: ") == 1 {p = 1; c = 0; next}
		p && index($0, e) == 1 {c = 1} c && /result: ok/ {ok = 1} END {exit !ok}'
}
progress_checks() {
	shown=false
	grep -q "hv: .*measuring" "$tmp/tty" && shown=true
	if [ $took -ge 5 ]; then
		check "progress line shown in a ${took}s run" $shown
		check "progress line cleared before the summary" cleared
	elif [ $took -lt 3 ]; then
		check "no progress line in a ${took}s run" [ $shown = false ]
	fi
}

while IFS= read -r line; do
	cmd=$(printf '%s\n' "${line%%#*}" | sed 's/ *$//')
	[ -n "$cmd" ] || continue
	tty=false
	[ "$cmd" = "$long" ] && command -v script >/dev/null && tty=true
	start=$(date +%s)
	if $tty; then
		(cd "$tmp" && script -qec "$cmd" "$tmp/tty" >/dev/null 2>&1 </dev/null)
		rc=$?
		out=$(tr -d '\r' <"$tmp/tty")
	else
		out=$(cd "$tmp" && sh -c "$cmd" 2>&1 </dev/null)
		rc=$?
	fi
	took=$(($(date +%s) - start))
	check "'$cmd' exits 0 (got $rc, ${took}s)" [ $rc -eq 0 ]
	[ $rc -eq 0 ] || printf '%s\n' "$out" | tail -5
	case "$cmd" in
	*" --workload "*) check "'$cmd' states its iterations" iterations_stated ;;
	esac
	if $tty; then progress_checks; fi
done <"$tmp/examples"
exit $fail
