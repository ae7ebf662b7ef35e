# projection.gp: modelled hardware time per operation (low to high: lab instructions and counts
# at cited costs) of forkstorm against the parent's RSS, one line per mode and MMU. A model, not
# a measurement. The caller sets tsv (build/model's projection.tsv) fmt and out (the file).
load "plots/common.gp"
set title "Modelled hardware time of forkstorm (touch_pages=0): lab instructions and counts at cited costs"
set xlabel "parent RSS, KiB"
set ylabel "modelled us per fork (low..high)"
set logscale xy 10
set format x "%g"
set format y "%g"
sel(s, m) = strcol(1) eq "forkstorm" && strstrt(strcol(2), "touch_pages=0") && \
	strcol(3) eq s && strcol(4) eq m
rss(c) = real(substr(strcol(2), 9, strstrt(strcol(2), ",") - 1))
plot for [s in "classic ptefree/lazy ptefree/copy pvmmu"] for [m in "npt shadow"] \
	tsv using (sel(s, m) ? rss(0) : NaN):(($5 + $6) / 2000):($5 / 1000):($6 / 1000) \
	skip 1 title s." ".m with yerrorlines lw 2 pt 7
