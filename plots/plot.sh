#!/bin/sh
# plot.sh: draws the figures of one results folder (results.tsv, exits.tsv) as PNG and SVG.
# usage: [PLOT_FORMATS="png svg"] plot.sh RESULTS_DIR OUT_DIR   (the write-up keeps svg only)
# The folder must be a complete results folder of this bench (build/bench --check, or $BENCH);
# the figures are drawn aside and replace OUT_DIR's only once every one is drawn. Exit
# status (harness/README.md): 0, 2 bad usage or a foreign, incomplete or truncated results
# folder, 3 a program missing or failing (bench, gnuplot), 4 a file unreadable or unwritable.
set -e
res=$1 out=$2
if [ -z "$res" ] || [ -z "$out" ] || [ $# -ne 2 ]; then
	echo "usage: plot.sh RESULTS_DIR OUT_DIR" >&2
	exit 2
fi
dir=$(cd "$(dirname "$0")" && pwd)
bench=${BENCH:-$dir/../build/bench}
if [ ! -x "$bench" ]; then
	echo "plots: $bench is missing (run make first)" >&2
	exit 3
fi
rc=0
"$bench" --check "$res" >/dev/null || rc=$?
if [ $rc != 0 ]; then
	echo "plots: refusing $res (see the line above); nothing drawn" >&2
	exit $rc
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "plots: gnuplot is missing (apt-get install gnuplot-nox)" >&2
	exit 3
fi
mkdir -p "$out" || exit 4
tmp=$(mktemp -d "$out/.plots.XXXXXX") || exit 4
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
dest=$out
out=$tmp/figures
mkdir "$out"
tsv="$res/results.tsv"

# draw SCRIPT NAME SETTINGS: writes $out/NAME.png and .svg (PLOT_FORMATS). A sweep of one point makes
# gnuplot warn about an empty x range; that warning is dropped, any other error shown.
draw() {
	for fmt in ${PLOT_FORMATS:-png svg}; do
		if ! gnuplot -e "dir='$dir'; fmt='$fmt'; out='$out/$2.$fmt'; $3" "$dir/$1" \
			2>"$tmp/gnuplot.err"; then
			cat "$tmp/gnuplot.err" >&2
			echo "plots: gnuplot failed on $1 for $2.$fmt; nothing replaced" >&2
			exit 3
		fi
		grep -v '^Warning: empty [xy] range' "$tmp/gnuplot.err" >&2 || true
	done
	echo "plots: $dest/$2 (${PLOT_FORMATS:-png svg})"
}

# results.tsv columns: 1 workload, 2 params, 3 mode, 6 label, 7 status, 8..11 parameter
# values, 15 p10_ns, 16 p50_ns, 17 p90_ns, 21 hypercalls_per_op, 25 hv_pages_copied_per_op,
# 26 guest_kernel_insns_per_op, 27 pv_updates_per_op.
# What a figure plots for a row: latency per op in us (p50, p10, p90: latency.gp, lines.gp),
# or hypercalls and pages the hv copied per op, or page-table updates per op in pvmmu
# (paging.gp); awk expressions.
latency_y='sprintf("%g\t%g\t%g", $16 / 1000, $15 / 1000, $17 / 1000)'
# A series on the lab's instruction clock counts thousands of instructions, not us, and says so.
latency_series='$6 ($col["time_unit"] == "instructions" ? " [k instructions]" : "")'
paging_y='sprintf("%g\t%g", $21, $25)'
rss_y='sprintf("%g\t%g\t%g", $23 / 1024, $23 / 1024, $23 / 1024)'
pvmmu_y='sprintf("%g\t%g", $21, $27)'

# grid FILTER POINT SERIES VALUE EXTRA MISSING: a table of the results.tsv rows for which the
# awk condition FILTER holds: a row per point (awk expression POINT), a column per series
# (SERIES), VALUE in the cells. EXTRA follows each series title in the header, MISSING fills
# the cells without a row. Columns can be named as col["name"]; bare(s) is a label without
# its note on time. The number of series goes to stderr (nothing when there is none).
grid() {
	awk -F'\t' -v extra="$5" -v missing="$6" '
	function bare(s) { sub(/ \(.*\)$/, "", s); return s }
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	'"$1"' {
		t = '"$3"'
		if (!(t in si)) { si[t] = ns + 0; title[ns++] = t }
		p = '"$2"'
		if (!(p in pi)) { pi[p] = np + 0; point[np++] = p }
		v[pi[p] SUBSEP si[t]] = '"$4"'
	}
	END {
		if (!ns) exit
		printf "point"
		for (s = 0; s < ns; s++) printf "\t%s%s", title[s], extra
		print ""
		for (p = 0; p < np; p++) {
			printf "%s", point[p]
			for (s = 0; s < ns; s++) printf "\t%s", ((p SUBSEP s) in v) ? v[p SUBSEP s] : missing
			print ""
		}
		print ns > "/dev/stderr"
	}' "$tsv"
}

# Latency bars per workload: a row per parameter point, (p50, p10, p90) per series.
for w in $(awk -F'\t' 'NR > 1 && $7 == "ok" && !seen[$1]++ { print $1 }' "$tsv"); do
	grid '$1 == "'"$w"'" && $7 == "ok"' '$2 == "-" ? "(defaults)" : $2' "$latency_series" "$latency_y" \
		'\tp10\tp90' 'NaN\tNaN\tNaN' >"$tmp/$w.lat" 2>"$tmp/$w.n"
	draw latency.gp "latency-$w" "data='$tmp/$w.lat'; nseries=$(cat "$tmp/$w.n"); name='$w'"
done

# Guest kernel instructions per op (exact, PVM hosts only; the column is found by name, so that
# results written before it existed plot too): a row per workload and point, a column per
# series (labels without their notes on time, which do not concern counts).
insns='$col["guest_kernel_insns_per_op"]'
grid '$7 == "ok" && ("guest_kernel_insns_per_op" in col) && '"$insns"' != "NaN"' \
	'$1 ($2 == "-" ? "" : " " $2)' 'bare($6)' "$insns" '' NaN >"$tmp/insns.dat" 2>"$tmp/insns.n"
if [ -s "$tmp/insns.n" ]; then
	draw insns.gp kernel-insns "data='$tmp/insns.dat'; nseries=$(cat "$tmp/insns.n"); name='guest kernel instructions per operation (PVM: insn_emulation, exact)'"
else
	draw empty.gp kernel-insns "name='guest kernel instructions per operation'; why='none counted: only a PVM host (mmu pvm) counts them'"
fi

# series WORKLOAD XCOL FILTER YEXPR COUNTS: blocks of (x, YEXPR) per series, one per label;
# the series titles go to $tmp/series. FILTER is an awk condition on the row. COUNTS=1 drops
# the labels' notes on distorted time, which do not concern counts; otherwise a series on the
# lab's instruction clock (results.tsv's last column, time_unit) says so in its title.
series() {
	awk -F'\t' -v w="$1" -v x="$2" -v counts="$5" -v titles="$tmp/series" '
	NR > 1 && $1 == w && $7 == "ok" && ('"$3"') {
		if (!($6 in si)) {
			si[$6] = ns++
			title[si[$6]] = $6
			if (counts) sub(/ \(.*\)$/, "", title[si[$6]])
			else if ($NF == "instructions") title[si[$6]] = title[si[$6]] " [k instructions]"
		}
		rows[si[$6]] = rows[si[$6]] $x "\t" '"$4"' "\n"
	}
	END {
		for (s = 0; s < ns; s++) {
			printf "%s\n\n", rows[s]
			printf "\"%s\" ", title[s] > titles
		}
	}' "$tsv"
}

# lines SCRIPT YEXPR NAME WORKLOAD XCOL FILTER TITLE XLABEL [COUNTS [Y2LABEL]]
lines() {
	: >"$tmp/series"
	series "$4" "$5" "$6" "$2" "${9:-0}" >"$tmp/$3.dat"
	if [ -s "$tmp/series" ]; then
		draw "$1" "$3" "data='$tmp/$3.dat'; series='$(cat "$tmp/series")'; name='$7'; xlabel='$8'${10:+; ylabel='${10}'}"
	fi
}
lines lines.gp "$latency_y" fork-vs-rss forkstorm 8 '$9 == 0 && ($10 == "NaN" || $10 == 1)' "forkstorm: fork + exit + wait against the parent RSS (touch_pages=0)" "parent RSS (KiB)"
lines paging.gp "$paging_y" fork-paging-vs-rss forkstorm 8 '$9 == 0 && ($10 == "NaN" || $10 == 1) && $3 == "ptefree" && $4 != "hv-native"' "forkstorm in ptefree mode: hv work per fork against the parent RSS (counts exact everywhere)" "parent RSS (KiB)" 1
lines paging.gp "$pvmmu_y" fork-pvmmu-vs-rss forkstorm 8 '$9 == 0 && ($10 == "NaN" || $10 == 1) && $3 == "pvmmu"' "forkstorm in pvmmu mode: hypercalls and page-table updates per fork against the parent RSS (counts exact everywhere)" "parent RSS (KiB)" 1 "page-table updates per op"
lines lines.gp "$latency_y" fork-vs-touch forkstorm 9 '$9 > 0 && ($10 == "NaN" || $10 == 1)' "forkstorm: fork + exit + wait against pages the child writes" "pages written by the child"
lines lines.gp "$latency_y" mmapchurn-vs-size mmapchurn 8 1 "mmapchurn: mmap + touch every page + munmap against region size" "region size (KiB)"
lines lines.gp "$rss_y" rss-mmapchurn mmapchurn 8 '$3 != "none" && $4 != "hv-native"' "mmapchurn: host RSS of the hv after the run against region size (free page reporting and populate per series)" "region size (KiB)" 1 "host RSS after the run (MiB)"

# Concurrency (concurrency.tsv): 1 workload, 2 params, 3 label, 4 kind, 5 copies or threads
# (= vCPUs), 6..9 parameter values, 10 p10_ns, 11 p50_ns, 12 p90_ns, 13 exits_per_op,
# 14 ipis_sent, 15 ipis_recv, 16 shootdowns, 17 lock_spins, 18 remote_tlb_flush,
# 19 remote_tlb_flush_requests, 20 hv_lock_waits (each per op).
# scaling SCRIPT NAME WORKLOAD FILTER YEXPR TITLE XLABEL [SETTINGS [COUNTS]]: one block per
# series of (concurrency, YEXPR) rows; a placeholder when no row has a number for every column.
# COUNTS=1 drops the labels' notes on distorted time, which do not concern counts.
scaling() {
	: >"$tmp/series"
	awk -F'\t' -v w="$3" -v titles="$tmp/series" -v counted="$tmp/$2.n" -v counts="$9" '
	NR > 1 && $1 == w && ('"$4"') {
		y = '"$5"'
		if (!($3 in si)) {
			si[$3] = ns++
			title[si[$3]] = $3
			if (counts) sub(/ \(.*\)$/, "", title[si[$3]]) # no notes on time for counts
		}
		rows[si[$3]] = rows[si[$3]] $5 "\t" y "\n"
		if (y !~ /NaN/) n++
	}
	END {
		for (s = 0; s < ns; s++) {
			printf "%s\n\n", rows[s]
			printf "\"%s\" ", title[s] > titles
		}
		print n + 0 > counted
	}' "$res/concurrency.tsv" >"$tmp/$2.dat"
	if [ "$(cat "$tmp/$2.n")" -gt 0 ]; then
		draw "$1" "$2" "data='$tmp/$2.dat'; series='$(cat "$tmp/series")'; name='$6'; xlabel='$7'${8:+; $8}"
	else
		draw empty.gp "$2" "name='$6'; why='no $3 cell has these counts (an hv of one vCPU, or none ran)'"
	fi
}
if [ -f "$res/concurrency.tsv" ] && [ "$(wc -l <"$res/concurrency.tsv")" -gt 1 ]; then
	conc_lat='sprintf("%g\t%g\t%g", $11 / 1000, $10 / 1000, $12 / 1000)'
	scaling lines.gp fork-vs-copies forkstorm '$6 == 64 && $7 == 0' "$conc_lat" \
		"forkstorm: fork + exit + wait as each copy sees it, against copies at once (one vCPU each)" "copies (= vCPUs)"
	scaling lines.gp shootdown-vs-threads shootdown '$7 == 1 && $8 == 0' "$conc_lat" \
		"shootdown: munmap + mmap of 1 page with readers on the other threads, against threads (one vCPU each)" "threads (= vCPUs)"
	scaling counts.gp shootdown-counts-vs-threads shootdown '$7 == 1 && $8 == 0 && $14 != "NaN"' \
		'sprintf("%s\t%s", $14, $16)' \
		"shootdown: per munmap of 1 page against threads (counts exact everywhere)" "threads (= vCPUs)" \
		"ytop='IPIs the guest kernel sent per op'; ybottom='shootdowns per op (the guest kernel)'" 1
fi

# hv-native: the hv's paging per call at two window sizes next to native Linux
if [ -f "$res/hvnative.tsv" ] && [ "$(wc -l <"$res/hvnative.tsv")" -gt 1 ]; then
	draw hvnative.gp hvnative "data='$res/hvnative.tsv'"
fi

# Exits per op stacked by reason, per workload: exits.tsv (to the hv by KVM exit reason, plus
# those KVM handled itself) and trace-exits.tsv (by hardware exit reason, from --trace).
# Columns: workload, params, label, then one per reason; each label becomes a panel.
# exits FILE PREFIX TITLE: a placeholder figure when no run counted exits.
exits() {
	if [ -f "$1" ] && [ "$(wc -l <"$1")" -gt 1 ]; then
		for w in $(awk -F'\t' 'NR > 1 && !seen[$1]++ { print $1 }' "$1"); do
			: >"$tmp/series"
			awk -F'\t' -v w="$w" -v base="$tmp/$w.exits" -v titles="$tmp/series" '
			NR == 1 { header = "point"; for (c = 4; c <= NF; c++) header = header "\t" $c; next }
			$1 == w {
				if (!($3 in si)) {
					si[$3] = ++ns
					print header > (base "." ns)
					printf "\"%s\" ", $3 > titles
				}
				line = $2 == "-" ? "(defaults)" : $2
				for (c = 4; c <= NF; c++) line = line "\t" $c
				print line > (base "." si[$3])
			}' "$1"
			ncols=$(head -1 "$1" | awk -F'\t' '{ print NF - 2 }')
			draw exits.gp "$2-$w" "data='$tmp/$w.exits'; series='$(cat "$tmp/series")'; ncols=$ncols; name='$w : $3'"
		done
	else
		draw empty.gp "$2" "name='$3'; why='no counts in $1 (see the skipped cells in results.json)'"
	fi
}
exits "$res/exits.tsv" exits "exits per operation (to the hv by reason; in KVM)"
if [ "$(wc -l <"$res/trace-exits.tsv" 2>/dev/null || echo 0)" -gt 1 ]; then
	exits "$res/trace-exits.tsv" trace-exits "exits per operation by hardware reason (--trace)"
fi

# every figure is drawn: they replace the earlier ones
rm -f "$dest"/*.png "$dest"/*.svg
mv "$out"/* "$dest"/
