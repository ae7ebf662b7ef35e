# model-check.gp: the model check: each cell's modelled time (fit, each cell left out) against its
# measured median, one colour per platform, log-log; the diagonal is a perfect model.
# The caller sets tsv (build/model's model-check.tsv) fmt ("png" or "svg") and out (the file).
load "plots/common.gp"
set title "Model check: modelled against measured time per operation (emulated lab time)"
set xlabel "measured median, us per operation"
set ylabel "model (fit, cell left out), us per operation"
set logscale xy 10
set format x "%g"
set format y "%g"
plot x notitle with lines lc rgb "#888888", \
	x * 1.35 title "+/-35%" with lines dt 2 lc rgb "#bbbbbb", \
	x / 1.35 notitle with lines dt 2 lc rgb "#bbbbbb", \
	tsv using (strcol(4) eq "lab-npt" ? $6 / 1000 : NaN):($8 / 1000) skip 1 \
		title "lab-npt" with points pt 7 ps 1.2 lc rgb "#1f77b4", \
	tsv using (strcol(4) eq "lab-shadow" ? $6 / 1000 : NaN):($8 / 1000) skip 1 \
		title "lab-shadow" with points pt 5 ps 1.2 lc rgb "#d62728", \
	tsv using (strcol(4) eq "host" ? $6 / 1000 : NaN):($8 / 1000) skip 1 \
		title "host" with points pt 9 ps 1.4 lc rgb "#2ca02c"
