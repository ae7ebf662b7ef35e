#!/bin/sh
# replay.sh: the recorded programs per design and MMU beside what the microbenchmarks predict.
# usage: paper/replay.sh DATA GENERATED   (paper/generate.sh writes paper/generated/replay.md)
# For each `replay` cell of DATA/results.tsv in the lab (a trace of workloads/traces, numbered
# in name order): its instructions and exits per op, its modelled hardware time per op
# (GENERATED/projection.tsv, low - high costs) and that time relative to classic's at the same
# MMU; then, per program and MMU, the design with the least modelled time (geometric middle of
# low and high) against the one the microbenchmarks give (GENERATED/abstract.md, "Least
# overall"), and how often they agree.
data=$1 gen=$2
[ -r "$data/results.tsv" ] && [ -r "$gen/projection.tsv" ] && [ -r "$gen/abstract.md" ] || {
	echo "replay: usage: paper/replay.sh DATA GENERATED (results.tsv, projection.tsv, abstract.md)" >&2
	exit 2
}
names=$(ls workloads/traces/*.trace | sort | sed 's|.*/||; s|\.trace$||' | tr '\n' ' ')
# the microbenchmarks' least design per MMU, from the abstract's sentences
least=$(awk '/^Under nested paging/ { m = "npt" } /^Under shadow paging/ { m = "shadow" }
	/^Least overall/ { sub(/.*: /, ""); sub(/ .*/, ""); printf "%s=%s ", m, $0 }' "$gen/abstract.md")
awk -F '\t' -v names="$names" -v least="$least" '
function fmt(ns) {
	if (ns >= 1e6) return sprintf("%.3g ms", ns / 1e6)
	if (ns >= 1e3) return sprintf("%.3g us", ns / 1e3)
	return sprintf("%.3g ns", ns)
}
function cnt(v) { return v >= 1e6 ? sprintf("%.3gM", v / 1e6) : v >= 1e3 ? sprintf("%.3gk", v / 1e3) : sprintf("%.3g", v) }
function trace(params,  t) {
	t = params; sub(/.*trace=/, "", t); sub(/,.*/, "", t)
	return (t in name) ? name[t] : "trace " t
}
BEGIN {
	n = split(names, a, " "); for (i = 1; i <= n; i++) name[i] = a[i]
	split(least, l, " "); for (i in l) { split(l[i], kv, "="); best[kv[1]] = kv[2] }
}
FNR == 1 { file++; next }
file == 1 && $1 == "replay" && $4 ~ /^lab-/ && $7 == "ok" {
	series = $3 ($3 == "ptefree" ? "/" $24 : "")
	k = trace($2) SUBSEP $5 SUBSEP series
	insns[k] = $16; exits[k] = $20
}
file == 2 && $1 == "replay" {
	k = trace($2) SUBSEP $4 SUBSEP $3
	if (!(k in insns)) next
	lo[k] = $5; hi[k] = $6; keys[++nk] = k
}
END {
	if (!nk) { print "No `replay` cells in the lab in this snapshot."; exit }
	print "| program | MMU | design | lab instructions per op | exits per op | modelled hardware time per op | relative to classic |"
	print "|---|---|---|---|---|---|---|"
	for (i = 1; i <= nk; i++) {
		split(keys[i], p, SUBSEP); c = p[1] SUBSEP p[2] SUBSEP "classic"
		rel = (c in lo) ? sprintf("%.2g - %.2g", lo[keys[i]] / lo[c], hi[keys[i]] / hi[c]) : "-"
		printf "| %s | %s | %s | %s | %s | %s - %s | %s |\n", p[1], p[2], p[3], cnt(insns[keys[i]]),
			cnt(exits[keys[i]]), fmt(lo[keys[i]]), fmt(hi[keys[i]]), rel
		mid = sqrt(lo[keys[i]] * hi[keys[i]]); d = p[3]; sub(/\/.*/, "", d)
		pm = p[1] SUBSEP p[2]
		if (!(pm in bmid) || mid < bmid[pm]) { bmid[pm] = mid; bdes[pm] = d }
		if (!(pm in seen)) { seen[pm] = 1; order[++np] = pm }
	}
	print ""
	print "| program | MMU | least modelled time | the microbenchmarks least | the same |"
	print "|---|---|---|---|---|"
	for (i = 1; i <= np; i++) {
		split(order[i], p, SUBSEP); same = bdes[order[i]] == best[p[2]]
		agree += same
		printf "| %s | %s | %s | %s | %s |\n", p[1], p[2], bdes[order[i]], best[p[2]], same ? "yes" : "no"
	}
	printf "\nThe design the microbenchmarks find cheapest under an MMU is a recorded program'"'"'s cheapest in %d of %d programs and MMUs.\n", agree, np
}' "$data/results.tsv" "$gen/projection.tsv"
