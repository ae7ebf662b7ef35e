# common.gp: terminal and style shared by every pagelab figure. The caller sets fmt ("png" or
# "svg") and out (the file to write), and may set height (pixels, for stacked panels). Fixed
# fonts and sizes so figures compare across runs.
if (!exists("height")) height = 600
if (fmt eq "svg") {
	set terminal svg size 1000,height font "DejaVu Sans,11" noenhanced background rgb "white"
} else {
	set terminal pngcairo size 1000,height font "DejaVu Sans,11" noenhanced
}
set output out
set termoption noenhanced
set datafile separator "\t"
set datafile missing "NaN"
set grid ytics lc rgb "#dddddd"
set key inside left top vertical Left reverse noautotitle opaque
set border 3
set tics nomirror
