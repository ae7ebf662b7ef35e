# counts.gp: two counts per operation against a parameter, one line per series: top and bottom
# panels. data: one block per series (x, top count, bottom count), blocks separated by two
# blank lines; series: their titles as quoted words; name, xlabel, ytop, ybottom: the text.
height = 900
load dir."/common.gp"
set multiplot layout 2, 1 title name
set xlabel xlabel
set logscale x 2
set format x "%g"
set offsets graph 0.03, graph 0.03, graph 0.1, 0
set yrange [0:*]
set key top left
set ylabel ytop
plot for [i=1:words(series)] data index (i-1) using 1:2 with linespoints lw 2 pt 7 \
	ps 2.4 - 1.6 * (i - 1) / words(series) title word(series, i)
set ylabel ybottom
plot for [i=1:words(series)] data index (i-1) using 1:3 with linespoints lw 2 pt 7 \
	ps 2.4 - 1.6 * (i - 1) / words(series) title word(series, i)
unset multiplot
