#!/bin/sh
# kvmtests.sh: runs KVM integration test scripts on this host's /dev/kvm and in the lab VM.
#
# Usage: harness/kvmtests.sh SCRIPT[@npt=LIST][@smp=N]...      (from the repository top)
# A script states its own needs in a header line "# kvmtests: @npt=LIST[@smp=N]"; a suffix on
# the command line overrides it.
# A SCRIPT is a POSIX sh script (busybox sh in the lab) run from the repository top that prints
# PASS/FAIL/SKIP lines and exits non-zero on failure. Where it runs:
#   - here, if /dev/kvm can be opened (on whatever MMU the host's kvm module uses: EPT/NPT,
#     shadow or PVM), with the hv's default system-call entry for this host;
#   - and inside the lab VM (harness/lab/run.sh), in the passes of LAB_BOOTS (default
#     "1:trap,0:syscall"). Each word of it is one boot of the VM, made of passes NPT:ENTRY
#     separated by commas, run in turn: kvm-amd loaded with npt=NPT (1: NPT, 0: KVM's shadow
#     MMU; reloaded between passes where it changes), the guest's system-call entry ENTRY
#     (syscall, or trap: its int3 gate, the one PVM hosts need; forced through
#     PAGELAB_SYSCALL_ENTRY). A pass runs the scripts whose npt LIST (1, the default; 0; or
#     0,1) holds its NPT. A boot gets the largest @smp=N of its scripts as vCPUs (default 1).
#     Each load of kvm-amd is checked (a PASS or FAIL line). PAGELAB_LAB=0 leaves the lab out
#     where /dev/kvm is here;
#   - where neither can run (no /dev/kvm, no QEMU or lab kernel) each script is a SKIP with
#     the reason.
# The part here and the lab boots run at the same time (each is one busy thread or so: the
# host's cores share them). The first boot's output streams (or the part here's, without a
# lab); the others follow, each whole, once it has ended. Each script's output passes through
# unchanged after a "== SCRIPT (platform, entry)" header and is followed by
# "TIME SECONDS SCRIPT (platform, entry)"; each boot adds "TIME SECONDS lab boot ..." for what
# it costs beside its scripts (harness/testrun.sh lists the slowest). A script sees
# PAGELAB_PLATFORM=host, lab-npt or lab-shadow, and PAGELAB_TEST_ALL as given here (1 in make
# test-all: the long variants). A script that exits non-zero without a FAIL line gets one
# ("FAIL SCRIPT: exited with status N"). Exit status 0 unless a script failed or a lab VM broke
# down. LAB_TIMEOUT (seconds, default 1500) bounds each lab boot. The scripts of one place (here,
# or one lab boot) get KVMTESTS_BUDGET seconds together (default 3600 here, LAB_TIMEOUT - 60 in
# a boot): a script still running then is stopped and FAILs, with each of its processes'
# threads and kernel stacks.
#
# harness/kvmtests.sh --lab PASSES ARG... runs the passes of one boot (used inside the lab VM).

now() { cut -d. -f1 /proc/uptime; }

# Seconds since uptime $1 (as /proc/uptime gives it), to a tenth.
since() { awk -v a="$1" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }'; }

# The process tree under pid $1 (from /proc: busybox has no pgrep).
descendants() {
	for stat in /proc/[0-9]*/stat; do
		fields=$(sed 's/.*) //' "$stat" 2>/dev/null) || continue
		set -- "$1" $fields # $3: the parent's pid
		[ "$3" = "$1" ] || continue
		child=${stat#/proc/}
		child=${child%/stat}
		echo "$child"
		descendants "$child" # sh has no local variables: nothing of this loop is used after
	done
}

# What a stuck script's processes are doing (each thread's state and kernel stack, root only),
# then the end of the kernel log; then they are killed.
stop_stuck() {
	procs=$(descendants "$1")
	for pid in $procs; do
		echo "  process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
		for task in /proc/"$pid"/task/*; do
			[ -d "$task" ] || continue
			echo "    thread ${task##*/}: state $(cut -d' ' -f3 "$task/stat" 2>/dev/null)," \
				"waiting in $(cat "$task/wchan" 2>/dev/null)"
			sed 's/^/      /' "$task/stack" 2>/dev/null
		done
	done
	dmesg 2>/dev/null | tail -n 20 | sed 's/^/  dmesg: /'
	kill -KILL $procs "$1" 2>/dev/null
}

# Stops script $2 (pid $1) if it is still running at the deadline; ends quietly on SIGTERM.
watchdog() {
	trap 'kill $sleeper 2>/dev/null; exit 0' TERM
	# away from the output pipe: a sleep orphaned by a quick TERM must not hold it open
	sleep $((deadline - $(now))) >/dev/null 2>&1 &
	sleeper=$!
	wait $sleeper
	kill -0 "$1" 2>/dev/null || exit 0
	echo "FAIL $2: still running after the time left for these tests" \
		"(KVMTESTS_BUDGET=$budget s); stopped. What it was doing:"
	stop_stuck "$1"
}

# Runs script $2 with PAGELAB_PLATFORM=$1, its output streaming, until the deadline (seconds
# of /proc/uptime); one that runs past it is stopped with a FAIL line and what it was doing
# (a wedged hv, or a wedged lab kernel, shows where rather than ending the VM's boot mute).
# Its status goes to file $3.
run_bounded() {
	PAGELAB_PLATFORM=$1 sh "$2" 2>&1 &
	pid=$!
	watchdog $pid "$2" &
	watcher=$!
	wait $pid
	echo $? >"$3"
	kill $watcher 2>/dev/null
	wait $watcher
}

# Runs each script here with PAGELAB_PLATFORM=$1 before the deadline; returns 1 if any failed.
run_here() {
	platform=$1
	shift
	failed=0
	where="$platform${PAGELAB_SYSCALL_ENTRY:+, $PAGELAB_SYSCALL_ENTRY entry}"
	log=$(mktemp "${TMPDIR:-/tmp}/kvmtests.XXXXXX")
	for script in "$@"; do
		echo "== $script ($where)"
		start=$(cut -d' ' -f1 /proc/uptime)
		# The output streams (a script that wedges shows how far it got); the status comes
		# back through a file, as a pipeline's status is its last command's.
		run_bounded "$platform" "$script" "$log.status" | tee "$log"
		status=$(cat "$log.status")
		echo "TIME $(since "$start") $script ($where)"
		if [ "$status" -ne 0 ]; then
			failed=1
			grep -q '^FAIL ' "$log" || echo "FAIL $script: exited with status $status"
		fi
	done
	rm -f "$log" "$log.status"
	return $failed
}

# Splits argument $1 (SCRIPT[@npt=LIST][@smp=N]) into $script, $npts and $smp; prints a FAIL
# line and returns 1 for an unknown suffix. Without a suffix, the script's own header line
# "# kvmtests: @npt=LIST[@smp=N]" says where it runs (npt=1 and one vCPU without one).
parse() {
	script=${1%%@*}
	npts=1 smp=1 rest=${1#"$script"}
	[ -n "$rest" ] ||
		rest=$(sed -n 's/^# kvmtests: *\([^ ]*\).*/\1/p' "$script" 2>/dev/null | head -n 1)
	while [ -n "$rest" ]; do
		item=${rest#@}
		item=${item%%@*}
		rest=${rest#@"$item"}
		case $item in
		npt=0 | npt=1 | npt=0,1 | npt=1,0) npts=${item#npt=} ;;
		smp=[1-9]) smp=${item#smp=} ;;
		*)
			echo "FAIL $script: unknown suffix @$item in $1 (expected @npt=0, @npt=1," \
				"@npt=0,1 or @smp=N, N in 1..9)"
			return 1
			;;
		esac
	done
}

# Whether the script parsed last runs in a pass with npt=$1.
runs_in() {
	case ,$npts, in *,$1,*) return 0 ;; esac
	return 1
}

# The scripts among arguments 2... that run in a pass with npt=$1.
pass_scripts() {
	pass_npt=$1
	shift
	for arg in "$@"; do
		parse "$arg" >/dev/null && runs_in "$pass_npt" && echo "$script"
	done
}

# Inside the lab: kvm-amd with npt=$1 (reloaded from the initramfs's modules if it has the
# other value), checked: the PASS or FAIL line of platform $2.
load_kvm_amd() {
	want=Y
	[ "$1" = 0 ] && want=N
	param=/sys/module/kvm_amd/parameters/npt
	if [ "$(cat $param 2>/dev/null)" != $want ]; then
		rmmod kvm_amd && insmod /lib/pagelab/modules/kvm-amd.ko npt="$1"
	fi
	if [ -c /dev/kvm ] && [ "$(cat $param 2>/dev/null)" = $want ]; then
		echo "PASS $2: kvm_amd loaded with npt=$want, /dev/kvm present"
	else
		echo "FAIL $2: kvm_amd npt reads '$(cat $param 2>/dev/null)', expected $want;" \
			"/dev/kvm $([ -c /dev/kvm ] && echo present || echo absent)"
		return 1
	fi
}

# Inside the lab: the passes $1 (NPT:ENTRY,...) over the scripts in the other arguments.
run_lab_passes() {
	passes=$1
	shift
	result=0
	budget=${KVMTESTS_BUDGET:-3600}
	deadline=$(($(now) + budget))
	for pass in $(echo "$passes" | tr , ' '); do
		platform=lab-npt
		[ "${pass%%:*}" = 0 ] && platform=lab-shadow
		scripts=$(pass_scripts "${pass%%:*}" "$@")
		[ -n "$scripts" ] || continue
		if load_kvm_amd "${pass%%:*}" $platform; then
			PAGELAB_SYSCALL_ENTRY=${pass#*:}
			export PAGELAB_SYSCALL_ENTRY
			run_here $platform $scripts || result=1
		else
			result=1
		fi
	done
	return $result
}

if [ "${1:-}" = --lab ]; then
	shift
	run_lab_passes "$@"
	exit
fi

[ $# -gt 0 ] || {
	echo "usage: $0 SCRIPT[@npt=0|1|0,1][@smp=N]..." >&2
	exit 2
}

# The scripts (a missing one, or an unknown suffix, is a failure).
all='' args='' missing=0
for arg in "$@"; do
	parse "$arg" || {
		missing=1
		continue
	}
	if [ ! -f "$script" ]; then
		echo "FAIL $script: no such script"
		missing=1
		continue
	fi
	all="$all $script" args="$args $arg"
done

# Boots the lab with the passes $1 and runs the scripts named in the other arguments there;
# returns 1 if one failed or the VM broke down. Scratch files start with $log.
run_boot() {
	passes=$1
	shift
	first=${passes%%,*}
	cpus=1
	for arg in "$@"; do
		parse "$arg"
		for pass in $(echo "$passes" | tr , ' '); do
			runs_in "${pass%%:*}" && [ "$smp" -gt $cpus ] && cpus=$smp
		done
	done
	limit=${LAB_TIMEOUT:-1500}
	start=$(cut -d' ' -f1 /proc/uptime)
	{
		harness/lab/run.sh --npt "${first%%:*}" --smp $cpus --timeout "$limit" \
			--out "${BUILD:-build}/lab/kvmtests/$passes" -- "KVMTESTS_BUDGET=$((limit - 60))" \
			"PAGELAB_TEST_ALL=${PAGELAB_TEST_ALL:-0} sh harness/kvmtests.sh --lab $passes $*" 2>&1
		echo $? >"$log.status"
	} | tee "$log.boot"
	status=$(cat "$log.status")
	# what the boot costs beside its scripts: QEMU's start, the kernel, the initramfs, power-off
	echo "TIME $(awk -v a="$start" -v b="$(cut -d' ' -f1 /proc/uptime)" '
		$1 == "TIME" { scripts += $2 } END { printf "%.1f", b - a - scripts }' "$log.boot")" \
		"lab boot and power-off ($passes, $cpus vCPU)"
	case $status in
	0) return 0 ;;
	124 | 125 | 126)
		echo "FAIL kvmtests (lab boot $passes): the lab VM broke down (status $status," \
			"see the lab: lines above)"
		;;
	esac
	return 1
}

# The scripts here, within their budget.
host_part() {
	budget=${KVMTESTS_BUDGET:-3600}
	deadline=$(($(now) + budget))
	run_here host $all
}

# Runs the command in the arguments in the background, its output into $scratch/part.N;
# N counts up from 1, its pid in $pid_N.
parts=0
start_part() {
	parts=$((parts + 1))
	log=$scratch/part.$parts
	("$@" >"$log" 2>&1) &
	eval "pid_$parts=\$!"
}

scratch=$(mktemp -d "${TMPDIR:-/tmp}/kvmtests.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
here=0
[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && here=1
lab=1
[ $here = 1 ] && [ "${PAGELAB_LAB:-1}" = 0 ] && lab=0
if [ $lab = 1 ] && ! reason=$(harness/lab/run.sh --probe 2>&1); then
	lab=0
	reason=$(printf '%s\n' "$reason" | sed -n 's/^lab: unavailable: //p' | tail -n 1)
	for script in $all; do
		if [ $here = 1 ]; then
			echo "SKIP $script (lab): the lab cannot run: ${reason:-see harness/lab/run.sh --probe}"
		else
			echo "SKIP $script: no /dev/kvm here and the lab cannot run: ${reason:-see harness/lab/run.sh --probe}"
		fi
	done
fi
# the boots that have something to run
boots=''
for boot in ${LAB_BOOTS:-1:trap,0:syscall}; do
	for pass in $(echo "$boot" | tr , ' '); do
		case $pass in
		[01]:syscall | [01]:trap) ;;
		*)
			echo "FAIL kvmtests: '$pass' in LAB_BOOTS is not NPT:ENTRY (NPT 0 or 1, ENTRY" \
				"syscall or trap)"
			exit 2
			;;
		esac
		[ $lab = 1 ] && [ -n "$(pass_scripts "${pass%%:*}" $args)" ] && run=1
	done
	[ "${run:-0}" = 1 ] && boots="$boots $boot"
	run=0
done

# The first boot in the foreground (its output streams; without a lab, the part here), the
# other boots and the part here in the background; then their output in that order.
result=$missing
set -- $boots
if [ $# = 0 ]; then
	[ $here = 0 ] || host_part || result=1
else
	[ $here = 0 ] || start_part host_part
	first=$1
	shift
	for boot in "$@"; do
		start_part run_boot "$boot" $args
	done
	log=$scratch/first
	run_boot "$first" $args || result=1
fi
n=1
while [ $n -le $parts ]; do
	eval "wait \$pid_$n" || result=1
	cat "$scratch/part.$n"
	n=$((n + 1))
done
exit $result
