# relative.gp: the summary figure: each design's modelled hardware time per operation relative
# to classic's, by workload class and MMU (geometric mean over the class's points, bar: the
# smallest to the largest ratio at the low and the high costs). A model, not a measurement.
# The caller sets tsv (build/model's relative.tsv), fmt and out (the file).
load "plots/common.gp"
set title "Modelled hardware time relative to classic (lab instructions and counts at cited costs)"
set ylabel "time per operation / classic's (log)"
set logscale y 10
set format y "%g"
set xtics rotate by -30
set offsets 0.5, 0.5, graph 0.1, graph 0.1
set key outside top center horizontal
plot 1 title "classic" with lines lc rgb "#888888" dt 2, \
	tsv using ($0 - 0.12):2:3:4:xtic(1) skip 1 title "ptefree (cheaper fork policy)" \
		with yerrorbars pt 7 ps 1.4 lw 2 lc rgb "#1f77b4", \
	tsv using ($0 + 0.12):5:6:7 skip 1 title "pvmmu" \
		with yerrorbars pt 5 ps 1.4 lw 2 lc rgb "#d62728"
