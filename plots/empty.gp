# empty.gp: a placeholder figure that says why there is nothing to draw (why: the reason).
load dir."/common.gp"
set title name
unset border
unset tics
unset key
set xrange [0:1]
set yrange [0:1]
set label 1 why at 0.5, 0.5 center
plot 2
