# hvnative.gp: the hv's paging per call on host memory (hv-native) with 64 MiB and 1 GiB
# windows, next to native Linux doing the same operation in the same run. data: hvnative.tsv
# (a row per cell and operation: label, hv 64 MiB, hv 1 GiB, native, in us).
height = 700
load dir."/common.gp"
set title "hv paging per call (hv-native, real time) against native Linux in the same run"
set ylabel "us per call (median)"
set logscale y
set style data histogram
set style histogram clustered gap 2
set style fill solid 0.6 border -1
set boxwidth 0.9
set xtics rotate by -20 left font ",8"
set bmargin 14
set rmargin 24
plot data every ::1 using 2:xtic(1) title "hv, 64 MiB windows", \
	'' every ::1 using 3 title "hv, 1 GiB windows", '' every ::1 using 4 title "native Linux"
