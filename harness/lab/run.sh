#!/bin/bash
# run.sh: runs one shell command inside the lab VM (QEMU with SVM, Linux with kvm-amd loaded).
#
# Usage: harness/lab/run.sh [--npt 0|1] [--smp N] [--clock tcg|instructions] [--out DIR]
#                           [--timeout S] [--mem MB] [--dmesg] -- COMMAND
#        harness/lab/run.sh --probe
# COMMAND runs as `cd /pagelab && sh -c COMMAND` in busybox sh,
# where /pagelab holds the project files at their usual paths (see mkinitrd.sh); files it
# writes under /pagelab/out/ are copied to DIR (default build/lab/out). Its output streams
# to stdout; the lab's own notes ("lab: ...": accelerator, boot time, /dev/kvm, the npt value
# kvm-amd actually loaded with) go to stderr. --dmesg also brings the VM's kernel log back
# as DIR/dmesg.txt. --smp gives the VM N vCPUs (default 1): a nested guest's N vCPUs need N
# lab vCPUs to run side by side. --probe only checks that the lab can run (QEMU, kernel) and says why not.
# --clock says what the VM's clock (and so every time measured inside) counts: `tcg` (the
# default) the emulator's wall time, which moves with this machine's load; `instructions`
# QEMU's -icount shift=0,sleep=off,align=off: each instruction executed advances the clock by
# 1 ns, the same from run to run, loaded or not, on one TCG thread at about half the speed.
# COMMAND sees which in PAGELAB_LAB_CLOCK (tcg, instructions, or kvm under the KVM accelerator).
#
# Exit status: COMMAND's own, or
#   124  COMMAND did not finish within --timeout seconds (default 600)
#   125  the VM stopped before reporting a status (kernel panic, init failure)
#   126  the lab cannot run here (QEMU missing, no kernel): the reason is printed
# Environment: BUILD (default build, relative to the repository top), LAB_KERNEL / LAB_MODULES (see fetch-kernel.sh),
# LAB_ACCEL=tcg|kvm to override the accelerator choice, QEMU (default qemu-system-x86_64),
# LAB_PERF (a perf program to put into the VM, see mkinitrd.sh), LAB_APPEND (more kernel
# parameters, e.g. loglevel=5 for the lab kernel's warnings in the console lines shown),
# LAB_MTTCG=1 (a TCG thread per vCPU even with --smp > 1: see below), LAB_QEMU_PLUGIN (a TCG
# plugin and its arguments, -plugin's value, e.g. harness/lab/split.sh's; the lab then runs TCG).
set -euo pipefail

BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-x86_64}
lab_dir=harness/lab

npt=1 smp=1 clock=tcg out='' timeout=600 mem=1024 dmesg=0 probe=0
usage() {
	echo "usage: $0 [--npt 0|1] [--smp 1..8] [--clock tcg|instructions] [--out DIR] [--timeout S]" \
		"[--mem MB] [--dmesg] -- COMMAND" >&2
	echo "       $0 --probe" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--npt) npt=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--clock) clock=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--dmesg) dmesg=1; shift ;;
	--probe) probe=1; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
case $npt in 0 | 1) ;; *) usage ;; esac
case $smp in [1-8]) ;; *) echo "$0: --smp needs 1..8, not '$smp'" >&2; usage ;; esac
case $clock in tcg | instructions) ;; *) echo "$0: --clock needs tcg or instructions, not '$clock'" >&2; usage ;; esac
[ $probe = 1 ] || [ $# -gt 0 ] || usage
command=$*
# Paths given relative to where run.sh was called from stay so; the rest works from the top.
[ -z "$out" ] || out=$(realpath -m "$out")
cd "$(dirname "$0")/../.."
out=${out:-$BUILD/lab/out}

unavailable() {
	echo "lab: unavailable: $*" >&2
	exit 126
}

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/pagelab-lab.XXXXXX")
trap 'rm -rf "$run_dir"' EXIT

command -v "$QEMU" >/dev/null || unavailable "$QEMU not found (apt-get install qemu-system-x86)"
if ! kernel_dir=$("$lab_dir/fetch-kernel.sh" 2>"$run_dir/fetch.err"); then
	cat "$run_dir/fetch.err" >&2
	unavailable "no lab kernel: $(tail -n 1 "$run_dir/fetch.err" | sed 's/^fetch-kernel: //')"
fi
cat "$run_dir/fetch.err" >&2
[ $probe = 0 ] || exit 0

# KVM acceleration needs a nested-capable AMD host (the VM's kvm-amd needs SVM); otherwise TCG.
accel=${LAB_ACCEL:-tcg}
plugin=()
[ -z "${LAB_QEMU_PLUGIN:-}" ] || plugin=(-plugin "$LAB_QEMU_PLUGIN")
if [ -z "${LAB_ACCEL:-}" ] && [ ${#plugin[@]} = 0 ] && [ "$clock" != instructions ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
	grep -qsx '[1Y]' /sys/module/kvm_amd/parameters/nested; then
	accel=kvm
fi
case $accel in
kvm) cpu=host,+svm ;;
tcg) cpu=EPYC,+svm,+npt ;;
*) usage ;;
esac
# Several vCPUs under TCG: one TCG thread runs them in turn. With a thread per vCPU (QEMU's
# default, LAB_MTTCG=1) the lab kernel locked up within 1 to 6 minutes of 2-vCPU guests
# running in it (3 times in 3 tries under npt=0: soft lockups on every CPU, then no progress;
# once in 1 try under npt=1: both CPUs busy, no output, the hv's watchdog unheard); in turn,
# 133 such runs in a row (14 minutes) under npt=0 and 60 under npt=1 went without one. The
# price: a 2-vCPU test takes about 2.5x as long, and the vCPUs never run at the same instant.
# COMMAND sees which in PAGELAB_LAB_TCG (single, multi, or none under KVM).
tcg_threads=none accel_opts='' icount=()
if [ "$accel" = tcg ]; then
	tcg_threads=multi
	if [ "$smp" -gt 1 ] && [ "${LAB_MTTCG:-0}" != 1 ]; then
		tcg_threads=single accel_opts=,thread=single
	fi
fi
# The instruction clock: icount runs every vCPU on one TCG thread.
case $accel:$clock in
tcg:instructions) tcg_threads=single accel_opts=,thread=single
	icount=(-icount shift=0,sleep=off,align=off) ;;
kvm:instructions) unavailable "--clock instructions needs TCG (QEMU's icount), and the lab runs under KVM here (LAB_ACCEL=tcg)" ;;
kvm:*) clock=kvm ;;
esac
echo "lab: clock $clock ($(case $clock in
	instructions) echo "instructions executed: 1 virtual ns = 1 instruction" ;;
	tcg) echo "TCG wall time: the emulator's cost, moves with this machine's load" ;;
	kvm) echo "nested KVM wall time" ;;
	esac))" >&2

mkdir -p "$run_dir/files"
printf 'PAGELAB_LAB_TCG=%s PAGELAB_LAB_CLOCK=%s; export PAGELAB_LAB_TCG PAGELAB_LAB_CLOCK\n%s\n' \
	"$tcg_threads" "$clock" "$command" >"$run_dir/cmd"
"$lab_dir/mkinitrd.sh" "$kernel_dir" "$run_dir/cmd" "$run_dir/initrd.gz" ||
	unavailable "cannot build the initramfs"

if awk -W version 2>&1 | grep -q mawk; then
	awk_cmd=(awk -W interactive)
else
	awk_cmd=(awk)
fi

# The uncompressed PVH kernel boots in about half the time; vmlinuz works everywhere.
kernel=$kernel_dir/vmlinuz
[ -f "$kernel_dir/vmlinux" ] && kernel=$kernel_dir/vmlinux
# No address-space randomization (kernel or user): its seed comes from this machine's entropy
# and moves the hv's mappings (their huge-page alignment) from boot to boot, 3.5% in a cell's
# instructions per operation; without it four boots of one cell agree within 0.0001%.
append="console=ttyS0 quiet panic=-1 nokaslr norandmaps pagelab.npt=$npt kvm_amd.npt=$npt pagelab.dmesg=$dmesg ${LAB_APPEND:-}"
# Killed (TERM, INT), run.sh stops the VM: `timeout` runs QEMU in a process group of its own,
# which a signal to run.sh's group never reaches, so the trap signals that group. The VM runs
# in the background because bash runs a trap only once the foreground command is done.
stop_vm() {
	pid=$(cat "$run_dir/timeout.pid" 2>/dev/null) || pid=''
	if [ -n "$pid" ]; then
		kill -TERM "$pid" "-$pid" 2>/dev/null || true
		# no process of the run outlives it: QEMU gets 5 s to end, then SIGKILL
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "-$pid" 2>/dev/null || true
	fi
	wait # for the console's reader to finish, before the EXIT trap removes its folder
	exit "$1"
}
trap 'stop_vm 130' INT
trap 'stop_vm 143' TERM
start=$(date +%s.%N)
set +e
(
	{
		timeout -k 5 "$timeout" "$QEMU" -accel "$accel$accel_opts" "${icount[@]}" -cpu "$cpu" -m "$mem" \
			-smp "$smp" -nodefaults -no-user-config -display none -monitor none \
			-serial stdio -no-reboot -kernel "$kernel" -initrd "$run_dir/initrd.gz" \
			-append "$append" "${plugin[@]}" </dev/null 2>"$run_dir/qemu.err" &
		echo $! >"$run_dir/timeout.pid"
		wait $!
	} | "${awk_cmd[@]}" -v dir="$run_dir" -v start="$start" -v accel="$accel" -v npt="$npt" \
		-f "$lab_dir/console.awk"
	echo "${PIPESTATUS[@]}" >"$run_dir/statuses"
) &
wait $!
read -r -a statuses <"$run_dir/statuses"
set -e
end=$(date +%s.%N)

printf 'lab: run took %.1f s\n' "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" >&2

# Files the command left in /pagelab/out.
for name_file in "$run_dir"/files/*.name; do
	[ -e "$name_file" ] || break
	name=$(cat "$name_file")
	case /$name/ in
	*/../* | //*) echo "lab: ignoring unsafe file name $name" >&2; continue ;;
	esac
	mkdir -p "$(dirname "$out/$name")"
	if base64 -d <"${name_file%.name}.b64" | gzip -dc >"$out/$name"; then
		echo "lab: brought back $out/$name" >&2
	else
		echo "lab: $name arrived damaged (the VM stopped while sending it?)" >&2
	fi
done

if [ -f "$run_dir/exit" ]; then
	exit "$(cat "$run_dir/exit")"
fi
status=125
if [ "${statuses[0]}" = 124 ] || [ "${statuses[0]}" = 137 ]; then
	echo "lab: timeout: the command did not finish within $timeout s (--timeout)" >&2
	status=124
else
	echo "lab: the VM stopped (QEMU status ${statuses[0]}) before reporting an exit status" >&2
fi
# the lab kernel's last lines say whether it broke (a panic, a soft lockup) or only COMMAND hung
echo "lab: last console lines:" >&2
tail -n 20 "$run_dir/console.log" >&2 2>/dev/null || true
[ $status = 124 ] && exit 124
grep -v "TCG doesn't support requested feature" "$run_dir/qemu.err" >&2 || true
exit 125
