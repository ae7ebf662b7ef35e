# model-check.gp: the model check: each lab cell's modelled instructions per operation (costs
# fitted with the cell left out) against the measured ones on the instruction clock, one colour
# per lab platform, log-log; the diagonal is a perfect model.
# The caller sets tsv (build/model's model-check.tsv) fmt ("png" or "svg") and out (the file).
load "plots/common.gp"
set title "Model check: modelled against measured instructions per operation (lab instruction clock)"
set xlabel "measured, k instructions per operation"
set ylabel "model (cell left out), k instructions per operation"
set logscale xy 10
set format x "%g"
set format y "%g"
plot x notitle with lines lc rgb "#888888", \
	x * 1.2 title "+/-20%" with lines dt 2 lc rgb "#bbbbbb", \
	x / 1.2 notitle with lines dt 2 lc rgb "#bbbbbb", \
	tsv using (strcol(4) eq "lab-npt" ? $6 / 1000 : NaN):($7 / 1000) skip 1 \
		title "lab-npt" with points pt 7 ps 1.2 lc rgb "#1f77b4", \
	tsv using (strcol(4) eq "lab-shadow" ? $6 / 1000 : NaN):($7 / 1000) skip 1 \
		title "lab-shadow" with points pt 5 ps 1.2 lc rgb "#d62728"
