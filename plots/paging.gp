# paging.gp: the hv's work per operation against a parameter, one line per series: hypercalls
# per op (top) and a second count per op (bottom: pages the hv copied in ptefree, page-table
# updates in pvmmu). data: one block per series (x, hypercalls, second count), blocks
# separated by two blank lines; series: their titles as quoted words; name, xlabel and
# ylabel (the bottom plot's, default pages the hv copied): the figure's text. Counts are exact on every platform.
height = 900
load dir."/common.gp"
set multiplot layout 2, 1 title name
set xlabel xlabel
set logscale x 2
set format x "%g"
set offsets graph 0.03, graph 0.03, graph 0.1, 0
set yrange [0:*]
# Series often count the same (e.g. one platform against the other): shrinking points keep
# each visible on top of the one before.
set key bottom right
set ylabel "hypercalls per op"
plot for [i=1:words(series)] data index (i-1) using 1:2 with linespoints lw 2 pt 7 \
	ps 2.4 - 1.6 * (i - 1) / words(series) title word(series, i)
set key top left
set ylabel (exists("ylabel") ? ylabel : "pages the hv copied per op")
plot for [i=1:words(series)] data index (i-1) using 1:3 with linespoints lw 2 pt 7 \
	ps 2.4 - 1.6 * (i - 1) / words(series) title word(series, i)
unset multiplot
