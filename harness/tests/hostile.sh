#!/bin/sh
# hostile.sh: the harness under hostile input: each case ends with its exit status and message
# and changes nothing (the tracked files, the index, results/ and the case's own paths are
# hashed before and after). Lab cases are refused before any boot (a spy stands in for QEMU).
# usage: harness/tests/hostile.sh BUILD_DIR   (from the repository top, after make)
build=${1:-build}
bench=$build/bench model=$build/model
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# The state a refused command must leave as it was: every tracked file, the index, untracked
# files outside build/, results/ (and where results/latest points), and the paths given.
state() {
	{
		git ls-files -s
		git ls-files -z | xargs -0 sha256sum 2>&1
		git status --porcelain --untracked-files=all
		find results "$@" 2>&1 | sort
		readlink results/latest
		find results "$@" -type f -exec sha256sum {} + 2>&1 | sort
	} | sha256sum
}

# expect NAME STATUS MESSAGE [--paths "P..."] COMMAND...: COMMAND exits STATUS, says MESSAGE
# (stdout or stderr), and changes nothing.
expect() {
	name=$1 want=$2 says=$3 paths=''
	shift 3
	[ "$1" = --paths ] && paths=$2 && shift 2
	# shellcheck disable=SC2086 # the paths are words
	before=$(state $paths)
	"$@" >"$tmp/out" 2>&1
	got=$?
	# shellcheck disable=SC2086
	after=$(state $paths)
	if [ "$got" != "$want" ]; then
		echo "FAIL hostile: $name: exit status $got, expected $want"
	elif ! grep -qF -- "$says" "$tmp/out"; then
		echo "FAIL hostile: $name: the message lacks '$says'"
	elif [ "$before" != "$after" ]; then
		echo "FAIL hostile: $name: it changed files"
	elif [ -e "$tmp/booted" ]; then
		echo "FAIL hostile: $name: the lab booted"
	else
		echo "PASS hostile: $name"
		return
	fi
	sed 's/^/    /' "$tmp/out" | head -8
	failed=1
}

# A QEMU that records that it was started: no lab case may get that far.
printf '#!/bin/sh\ntouch %s/booted\nexit 1\n' "$tmp" >"$tmp/qemu-spy"
chmod +x "$tmp/qemu-spy"
export QEMU="$tmp/qemu-spy" BENCH="$bench" # BENCH: the bench plots/plot.sh asks

# bench: lists and parameters, refused before the first cell (and before any lab boot)
lab="lab-npt,lab-shadow"
expect "bench --workloads '' (lab)" 2 "--workloads names nothing (valid: forkexec" \
	"$bench" --platforms $lab --workloads ""
expect "bench --workloads , (lab)" 2 "--workloads ',' has an empty entry" \
	"$bench" --platforms $lab --workloads ,
expect "bench --platforms ''" 2 "--platforms names nothing (valid: native, host" \
	"$bench" --platforms ""
expect "bench --modes classic,,ptefree" 2 "has an empty entry (valid: classic, ptefree" \
	"$bench" --modes classic,,ptefree --platforms $lab
expect "bench --fork-policies ''" 2 "names nothing (valid: copy, lazy)" \
	"$bench" --fork-policies "" --platforms $lab
expect "bench --free-report ,on" 2 "has an empty entry (valid: off, on)" \
	"$bench" --free-report ,on --platforms $lab
expect "bench --vary iters=5" 2 "'iters' is no hv option the bench can vary (valid: mem," \
	"$bench" --vary iters=5 --platforms $lab
expect "bench --vary pv-batch=1,0" 2 "'0' is no value of the hv's --pv-batch (valid: 1..2048)" \
	"$bench" --vary pv-batch=1,0 --platforms $lab
expect "bench forkstorm:rss_kib=abc (lab)" 2 "needs an integer value (valid: rss_kib=0..1048576" \
	"$bench" --platforms $lab --workloads forkstorm:rss_kib=abc
expect "bench forkstorm:rss_kib=-5 (lab)" 2 "rss_kib=-5 is out of range" \
	"$bench" --platforms $lab --workloads nullsys,forkstorm:rss_kib=-5
expect "bench mmapchurn:kib=1:kib=2" 2 "parameter 'kib' for workload 'mmapchurn' given twice" \
	"$bench" --platforms $lab --workloads mmapchurn:kib=1:kib=2
expect "bench :kib=1 (no workload)" 2 "unknown workload ''" \
	"$bench" --platforms $lab --workloads :kib=1
expect "bench nullsys:x=1 (lab)" 2 "nullsys: unknown parameter 'x' (valid: none)" \
	"$bench" --platforms $lab --workloads nullsys:x=1
for opt in "--reps 0" "--reps 2.5" "--reps 65" "--timeout inf" "--budget nan" \
	"--calibration-exits -1" "--max-op 1e99"; do
	# shellcheck disable=SC2086 # the option and its value are two words
	expect "bench $opt" 2 "${opt%% *} needs a" "$bench" --platforms $lab $opt
done
echo data >"$tmp/file"
expect "bench --out FILE" 2 "is no folder" --paths "$tmp/file" \
	"$bench" --platforms native --workloads nullsys --out "$tmp/file"

# bench: an output that is no regular file (a folder, a symlink) is left alone, and nothing
# is written
mkdir -p "$tmp/odd/exits.tsv"
expect "bench --out with exits.tsv a folder" 4 "exits.tsv is no regular file" \
	--paths "$tmp/odd $tmp/file" "$bench" --platforms native --workloads nullsys --out "$tmp/odd"
rm -r "$tmp/odd/exits.tsv"
ln -s "$tmp/file" "$tmp/odd/results.tsv"
expect "bench --out with results.tsv a symlink" 4 "results.tsv is no regular file" \
	--paths "$tmp/odd $tmp/file" "$bench" --platforms native --workloads nullsys --out "$tmp/odd"

# A complete results folder of a tiny native run (of "NAME:", one point at the defaults, as
# the lab's inner bench is asked), then hostile variants of it.
good=$tmp/good
"$bench" --quick --reps 2 --platforms native --workloads nullsys: --out "$good" >/dev/null 2>&1
if "$bench" --check "$good" >"$tmp/out" 2>&1; then
	echo "PASS hostile: a tiny native run of 'nullsys:' gives a complete results folder"
else
	echo "FAIL hostile: a tiny native run of 'nullsys:': $(cat "$tmp/out")"
	failed=1
fi
variant() { # NAME: a copy of the good folder, to be damaged
	rm -rf "${tmp:?}/$1"
	cp -r "$good" "$tmp/$1"
	echo "$tmp/$1"
}
echo '{"foo": 1}' >"$(variant foreign)/results.json"
sed 's|pagelab-results/2|pagelab-results/1|' "$good/results.json" >"$(variant v1)/results.json"
: >"$(variant empty)/results.json"
head -c 700 "$good/results.json" >"$(variant truncated)/results.json"
sed 's|"complete": true|"complete": false|' "$good/results.json" >"$(variant incomplete)/results.json"
sed 's|"p50"|"median"|' "$good/results.json" >"$(variant nofield)/results.json"
rm "$(variant missing)/results.json"
rm "$(variant dirjson)/results.json" && mkdir "$tmp/dirjson/results.json"

expect "bench --out an earlier results folder" 2 "holds the results of an earlier run" \
	--paths "$good" "$bench" --platforms native --workloads nullsys --out "$good"

# every reader refuses each of them with the same status and reason, drawing nothing
mkdir -p "$tmp/figs" && echo figure >"$tmp/figs/keep.png"
for v in foreign:2:"no pagelab results file" v1:2:"schema version" empty:2:"it is empty" \
	truncated:2:"no results file" incomplete:2:"incomplete run" \
	nofield:2:"lacks latency_ns.p50" missing:4:"cannot read" dirjson:4:"not a regular file"; do
	v_name=${v%%:*} v_rest=${v#*:}
	v_st=${v_rest%%:*} v_says=${v_rest#*:}
	expect "model check ($v_name)" "$v_st" "$v_says" "$model" check "$tmp/$v_name"
	expect "bench --summary ($v_name)" "$v_st" "$v_says" "$bench" --summary "$tmp/$v_name"
	expect "plots ($v_name)" "$v_st" "$v_says" --paths "$tmp/figs" \
		sh plots/plot.sh "$tmp/$v_name" "$tmp/figs"
	expect "make paper ($v_name)" "$v_st" "$v_says" sh paper/make-paper.sh "$tmp/$v_name"
done
# the plots read the TSV beside the JSON: a truncated one is refused
head -c 300 "$good/results.tsv" >"$(variant tsv)/results.tsv"
expect "plots (truncated results.tsv)" 2 "results.tsv" --paths "$tmp/figs" \
	sh plots/plot.sh "$tmp/tsv" "$tmp/figs"
expect "model paper OUT a file" 4 "cannot write" --paths "$tmp/file" \
	"$model" paper "$good" paper/hwcosts.json "$tmp/file"

# make paper: its own snapshot as input, a run lacking what the write-up quotes, a failing step
expect "make paper RESULTS=paper/data" 2 "the write-up's own snapshot" \
	sh paper/make-paper.sh paper/data
expect "make paper RESULTS=paper/data (through make)" 2 "the write-up's own snapshot" \
	make --no-print-directory -s BUILD="$build" paper RESULTS=paper/data
expect "make paper TRACE=paper/data" 2 "the write-up's own snapshot" \
	sh paper/make-paper.sh "$good" paper/data
expect "make paper on a quick run" 2 "no value 't nullhc - classic lab-npt'" \
	sh paper/make-paper.sh "$good"
cp -r paper/data "$tmp/copy" # complete, with every cell; gnuplot fails midway
mkdir "$tmp/bin" && printf '#!/bin/sh\nexit 1\n' >"$tmp/bin/gnuplot" && chmod +x "$tmp/bin/gnuplot"
expect "make paper with a failing step" 3 "gnuplot failed" env PATH="$tmp/bin:$PATH" \
	sh paper/make-paper.sh "$tmp/copy"
# make paper-data: one invocation this tree's bench refuses stops the whole list before any run
printf '%s\n' 'name ok' 'what a point' 'into paper/runs/ok' 'minutes 1' \
	'bench --platforms native --workloads nullsys:' '' 'name bad' 'what a wrong workload' \
	'into paper/runs/bad' 'minutes 1' 'bench --platforms native --workloads nosuch' \
	>"$tmp/experiments"
expect "make paper-data with a refused invocation" 2 "no workload nosuch" \
	env EXPERIMENTS="$tmp/experiments" sh paper/experiments.sh

# SIGTERM to a running bench: no process of it stays, its results are marked incomplete,
# results/latest does not move; the new folder is removed afterwards
sigterm() { # PLATFORM
	latest=$(readlink results/latest)
	find results -mindepth 1 -maxdepth 1 | sort >"$tmp/before"
	"$bench" --platforms "$1" --modes classic --workloads mmapchurn:kib=64 --reps 20 \
		--budget 1 >"$tmp/out" 2>&1 &
	pid=$!
	groups=''
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		sleep 0.25
		groups=$(ps -o pgid= --ppid $pid | tr -d ' ')
		[ -n "$groups" ] && break
	done
	kill -TERM $pid
	wait $pid
	st=$?
	sleep 0.2
	left=''
	for g in $groups; do left="$left$(pgrep -g "$g")"; done
	dir=$(find results -mindepth 1 -maxdepth 1 | sort | comm -13 "$tmp/before" -)
	if [ $st = 6 ] && [ -n "$groups" ] && [ -z "$left" ] &&
		[ "$(readlink results/latest)" = "$latest" ] &&
		grep -q '"complete": false' "$dir/results.json" && grep -q "interrupted by" "$tmp/out"; then
		echo "PASS hostile: SIGTERM to bench on $1 (child group $groups stopped)"
	else
		echo "FAIL hostile: SIGTERM to bench on $1: status $st, child groups '$groups'," \
			"left '$left', latest $(readlink results/latest), $dir"
		sed 's/^/    /' "$tmp/out" | tail -5
		failed=1
	fi
	[ -z "$dir" ] || rm -rf "$dir"
}
sigterm native
if [ -w /dev/kvm ]; then sigterm host; else echo "SKIP hostile: SIGTERM on host: no /dev/kvm"; fi

# a fresh clone (no results/latest): make paper regenerates from the committed snapshot
# and leaves git clean (the clone is of the committed tree)
git clone -q . "$tmp/clone" && mkdir "$tmp/clone/build" &&
	ln -s "$PWD/$bench" "$PWD/$model" "$tmp/clone/build/"
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "SKIP hostile: make paper on a fresh clone: gnuplot is not installed"
elif (cd "$tmp/clone" && sh paper/make-paper.sh >/dev/null 2>&1) &&
	[ -z "$(git -C "$tmp/clone" status --porcelain)" ]; then
	echo "PASS hostile: make paper on a fresh clone leaves git clean"
else
	echo "FAIL hostile: make paper on a fresh clone"
	git -C "$tmp/clone" status --porcelain | head -5 | sed 's/^/    /'
	failed=1
fi
exit $failed
