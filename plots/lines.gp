# lines.gp: latency per operation against a parameter (log-log), one line per mode x platform.
# data: one block per series (x, p50, p10, p90 in us), blocks separated by two blank lines;
# series: their titles as quoted words; name, xlabel: the figure's text.
load dir."/common.gp"
set title name
set xlabel xlabel
if (!exists("ylabel")) ylabel = "us per operation, thousand instructions in [k instructions] series (median, bars p10..p90)"
set ylabel ylabel
set logscale xy 2
set format x "%g"
set format y "%g"
set logscale y 10
set offsets graph 0.03, graph 0.03, 0, 0
plot for [i=1:words(series)] data index (i-1) using 1:2:3:4 with yerrorlines lw 2 pt 7 \
	title word(series, i)
