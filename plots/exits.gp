# exits.gp: exits per operation stacked by reason, one bar per run of a workload. data: a
# column "run" (params and mode x platform), then one column per reason (ncols columns in
# all, titles in the header). Exit counts are exact on every platform, emulated or not.
load dir."/common.gp"
set title name
set ylabel "exits per operation"
set style data histogram
set style histogram rowstacked
set style fill solid 0.7 border -1
set boxwidth 0.7
set xtics rotate by -25 left
set yrange [0:*]
plot for [i=2:ncols] data using i:xtic(1) title columnhead(i)
