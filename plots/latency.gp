# latency.gp: one workload's median latency per operation, one bar per mode x platform at each
# parameter point, with p10-p90 error bars. data: a row per point, then (p50, p10, p90) in us
# for each of nseries series, whose titles are in the header.
load dir."/common.gp"
set title name." : latency per operation"
set ylabel "us per operation, thousand instructions in [k instructions] series (median, bars p10..p90)"
set logscale y
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set boxwidth 0.9
set xtics rotate by -25 left
plot for [i=0:nseries-1] data using (column(2+3*i)):(column(3+3*i)):(column(4+3*i)):xtic(1) \
	title columnhead(2+3*i)
