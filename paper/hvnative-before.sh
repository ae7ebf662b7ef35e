#!/bin/sh
# hvnative-before.sh: the hv-native cells of the ptefree targets, run with the hv's paging as
# it was before its work followed what is resident (REV, default 0ae2868: the first commit with
# build/hv-paging), by today's bench, into results/hvnative-before (or OUT).
# usage: paper/hvnative-before.sh [REV [OUT]]   (after `make`; takes a minute)
set -e
rev=${1:-0ae2868}
out=${2:-results/hvnative-before}
wt=$(mktemp -d)/before
git worktree add -q --detach "$wt" "$rev"
trap 'git worktree remove --force "$wt"' EXIT
make -s -C "$wt" build/hv-paging >/dev/null
mkdir -p "$wt/build/native"
cp build/bench "$wt/build/"
cp build/native/wl build/native/true "$wt/build/native/"
"$wt/build/bench" --platforms hv-native,native --out "$out" \
	--workloads forkstorm:rss_kib=64,forkstorm:rss_kib=1024,mmapchurn:kib=64,mmapchurn:kib=4096
