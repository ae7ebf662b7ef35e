#!/bin/sh
# kvmtests.sh: runs KVM integration test scripts on this host's /dev/kvm and in the lab VM.
#
# Usage: harness/kvmtests.sh SCRIPT[@npt=LIST]...      (from the repository top)
# A SCRIPT is a POSIX sh script (busybox sh in the lab) run from the repository top that prints
# PASS/FAIL/SKIP lines and exits non-zero on failure. Where it runs:
#   - here, if /dev/kvm can be opened (on whatever MMU the host's kvm module uses: EPT/NPT,
#     shadow or PVM), with the hv's default system-call entry for this host;
#   - and inside the lab VM (harness/lab/run.sh), once per npt value in LIST: 1 (NPT, the
#     default), 0 (KVM's shadow MMU) or 0,1 (both), e.g. hv/tests/fault.sh@npt=0,1, and per
#     system-call entry in LAB_ENTRIES (default "syscall trap": the guest's SYSCALL entry and
#     its int3 gate, the one PVM hosts need, forced through PAGELAB_SYSCALL_ENTRY). Scripts
#     sharing an npt value and an entry share one VM boot. PAGELAB_LAB=0 leaves the lab out
#     where /dev/kvm is here;
#   - where neither can run (no /dev/kvm, no QEMU or lab kernel) each script is a SKIP with
#     the reason.
# Each script sees PAGELAB_PLATFORM=host, lab-npt or lab-shadow. Its output passes through
# unchanged after a "== SCRIPT (platform)" header; a script that exits non-zero without a
# FAIL line gets one ("FAIL SCRIPT: exited with status N"). Exit status 0 unless a script
# failed or the lab VM broke down. LAB_TIMEOUT (seconds, default 900) bounds each lab boot;
# LAB_SMP (default 1) gives the lab VM that many vCPUs (harness/lab/run.sh --smp) for the
# scripts without @smp=N. The scripts of one place (here, or one lab boot) get KVMTESTS_BUDGET
# seconds together (default 3600 here, LAB_TIMEOUT - 60 in a boot): a script still running
# then is stopped and FAILs, with each of its processes' threads and kernel stacks.
#
# harness/kvmtests.sh --here PLATFORM SCRIPT... runs the scripts in the current machine (used
# inside the lab VM).

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

# Runs script $2 with PAGELAB_PLATFORM=$1, its output streaming, until the deadline (seconds
# of /proc/uptime); one that runs past it is stopped with a FAIL line and what it was doing
# (a wedged hv, or a wedged lab kernel, shows where rather than ending the VM's boot mute).
# Its status goes to file $3.
run_bounded() {
	PAGELAB_PLATFORM=$1 sh "$2" 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null && [ "$(cut -d. -f1 /proc/uptime)" -lt "$deadline" ]; do
		sleep 1
	done
	if kill -0 $pid 2>/dev/null; then
		echo "FAIL $2: still running after the time left for these tests" \
			"(KVMTESTS_BUDGET=$budget s); stopped. What it was doing:"
		stop_stuck $pid
	fi
	wait $pid
	echo $? >"$3"
}

# Runs each script here with PAGELAB_PLATFORM=$1; returns 1 if any failed.
run_here() {
	platform=$1
	shift
	failed=0
	budget=${KVMTESTS_BUDGET:-3600}
	deadline=$(($(cut -d. -f1 /proc/uptime) + budget))
	for script in "$@"; do
		echo "== $script ($platform${PAGELAB_SYSCALL_ENTRY:+, $PAGELAB_SYSCALL_ENTRY entry})"
		log=${TMPDIR:-/tmp}/kvmtests.$$.log
		# The output streams (a script that wedges shows how far it got); the status comes
		# back through a file, as a pipeline's status is its last command's.
		run_bounded "$platform" "$script" "$log.status" | tee "$log"
		status=$(cat "$log.status")
		if [ "$status" -ne 0 ]; then
			failed=1
			grep -q '^FAIL ' "$log" || echo "FAIL $script: exited with status $status"
		fi
		rm -f "$log" "$log.status"
	done
	return $failed
}

if [ "${1:-}" = --here ]; then
	shift
	run_here "$@"
	exit
fi

[ $# -gt 0 ] || {
	echo "usage: $0 SCRIPT[@npt=0|1|0,1][@smp=N]..." >&2
	exit 2
}

# Splits the arguments into scripts per npt value and lab CPU count (@smp=N: the lab VM gets
# N vCPUs for that script, one boot for all such scripts, with the largest N); a missing
# script is a failure.
npt1='' npt0='' smp_npt1='' smp_npt0='' smp_max=1 all='' missing=0
for arg in "$@"; do
	script=${arg%%@*}
	list=1 smp=1 rest=${arg#"$script"}
	while [ -n "$rest" ]; do
		item=${rest#@}
		item=${item%%@*}
		rest=${rest#@"$item"}
		case $item in
		npt=*) list=${item#npt=} ;;
		smp=[1-9]) smp=${item#smp=} ;;
		*)
			echo "FAIL $script: unknown suffix @$item in $arg (expected @npt=0, @npt=1," \
				"@npt=0,1 or @smp=N, N in 1..9)"
			missing=1
			continue 2
			;;
		esac
	done
	if [ ! -f "$script" ]; then
		echo "FAIL $script: no such script"
		missing=1
		continue
	fi
	all="$all $script"
	if [ "$smp" -gt 1 ]; then
		[ "$smp" -gt "$smp_max" ] && smp_max=$smp
		case ,$list, in *,1,*) smp_npt1="$smp_npt1 $script" ;; esac
		case ,$list, in *,0,*) smp_npt0="$smp_npt0 $script" ;; esac
		continue
	fi
	case ,$list, in *,1,*) npt1="$npt1 $script" ;; esac
	case ,$list, in *,0,*) npt0="$npt0 $script" ;; esac
done

# /dev/kvm usable here: the host platform.
here=0
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	here=1
	run_here host $all || missing=1
	[ "${PAGELAB_LAB:-1}" = 0 ] && exit $missing
fi

if ! reason=$(harness/lab/run.sh --probe 2>&1); then
	reason=$(printf '%s\n' "$reason" | sed -n 's/^lab: unavailable: //p' | tail -n 1)
	for script in $all; do
		if [ $here = 1 ]; then
			echo "SKIP $script (lab): the lab cannot run: ${reason:-see harness/lab/run.sh --probe}"
		else
			echo "SKIP $script: no /dev/kvm here and the lab cannot run: ${reason:-see harness/lab/run.sh --probe}"
		fi
	done
	exit $missing
fi

# Boots the lab with npt=$1, the system-call entry $2 and $4 vCPUs and runs the scripts named
# in $3 there.
run_lab() {
	[ -n "$3" ] || return 0
	platform=lab-npt
	[ "$1" = 0 ] && platform=lab-shadow
	limit=${LAB_TIMEOUT:-900}
	harness/lab/run.sh --npt "$1" --smp "$4" --timeout "$limit" --out "${BUILD:-build}/lab/kvmtests" \
		-- "KVMTESTS_BUDGET=$((limit - 60)) PAGELAB_SYSCALL_ENTRY=$2 sh harness/kvmtests.sh --here $platform $3"
	status=$?
	case $status in
	0) return 0 ;;
	124 | 125 | 126)
		echo "FAIL kvmtests ($platform, $2 entry): the lab VM broke down (status $status, see the lab: lines above)"
		return 1
		;;
	*) return 1 ;;
	esac
}

for entry in ${LAB_ENTRIES:-syscall trap}; do
	run_lab 1 "$entry" "$npt1" "${LAB_SMP:-1}" || missing=1
	run_lab 0 "$entry" "$npt0" "${LAB_SMP:-1}" || missing=1
	run_lab 1 "$entry" "$smp_npt1" "$smp_max" || missing=1
	run_lab 0 "$entry" "$smp_npt0" "$smp_max" || missing=1
done
exit $missing
