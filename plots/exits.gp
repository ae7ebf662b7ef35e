# exits.gp: exits per operation stacked by reason, one panel per mode x platform (series:
# their titles as quoted words), one bar per parameter point. data.".".i holds panel i: a
# column "point", then one column per reason (ncols columns in all, titles in the header).
# Exit counts are exact on every platform, emulated or not.
height = 120 + 230 * words(series)
load dir."/common.gp"
set style data histogram
set style histogram rowstacked
set style fill solid 0.7 border -1
set boxwidth 0.6
set xtics rotate by -15 left
set yrange [0:*]
set ylabel "exits per op"
set key outside right top
set lmargin 10
set rmargin at screen 0.84 # every panel the same width, with or without the key
set multiplot layout words(series), 1 title name
do for [i=1:words(series)] {
	set title word(series, i)
	if (i > 1) { unset key }
	plot for [c=2:ncols] data.".".i using c:xtic(1) title columnhead(c)
}
unset multiplot
