# insns.gp: guest kernel instructions per operation (PVM hosts only: KVM emulates and counts
# each guest ring-0 instruction there), one bar per series at each workload and parameter
# point. data: a row per point, then one column per series of nseries, titles in the header.
load dir."/common.gp"
set title name
set ylabel "guest kernel instructions per op (exact)"
set logscale y
set style data histogram
set style histogram clustered gap 2
set style fill solid 0.6 border -1
set boxwidth 0.9
set xtics rotate by -25 left
set key outside right top
set rmargin at screen 0.80
plot for [i=0:nseries-1] data using (column(2+i)):xtic(1) title columnhead(2+i)
