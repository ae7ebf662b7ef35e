#!/bin/sh
# record.sh: records a Linux program's memory behaviour as a pagelab trace (workloads/memtrace.h).
# usage: harness/trace/record.sh OUT NAME PROGRAM-VERSION COMMAND [ARG...]
# perf's tracepoints give the process tree (sched fork/exec/exit), the memory system calls
# (raw_syscalls, filtered) and every page fault in user mode or by the kernel on a user address
# (exceptions:page_fault_*); `pagelab-trace run` counts the tree's minor faults meanwhile. A
# recording that lost events is refused.
set -eu
if [ $# -lt 4 ]; then
	echo "usage: $0 OUT NAME PROGRAM-VERSION COMMAND [ARG...]" >&2
	exit 2
fi
out=$1 name=$2 version=$3
shift 3
root=$(cd "$(dirname "$0")/../.." && pwd)
tool=$root/${BUILD:-build}/pagelab-trace
[ -x "$tool" ] || { echo "record.sh: $tool is missing: run make" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# mmap mprotect munmap brk mremap madvise execve exit wait4 exit_group execveat
ids="id == 9 || id == 10 || id == 11 || id == 12 || id == 25 || id == 28 || id == 59 || id == 60 || id == 61 || id == 231 || id == 322"
perf record -q -m 64M -o "$tmp/perf.data" \
	-e sched:sched_process_fork -e sched:sched_process_exec -e sched:sched_process_exit \
	-e raw_syscalls:sys_enter --filter "$ids" -e raw_syscalls:sys_exit --filter "$ids" \
	-e exceptions:page_fault_user -e exceptions:page_fault_kernel \
	-- "$tool" run "$tmp/minflt" "$@" || { echo "record.sh: perf record failed" >&2; exit 1; }
lost=$(perf report -i "$tmp/perf.data" --stats 2>/dev/null | awk '/LOST/ && $3 + 0 > 0' || true)
if [ -n "$lost" ]; then
	printf 'record.sh: perf lost events; the recording is refused:\n%s\n' "$lost" >&2
	exit 1
fi
read -r _ minflt _ status <"$tmp/minflt"
echo "record.sh: $name: minflt $minflt, exit status $status" >&2
cmd=
for a in "$@"; do # the command as a shell would take it back
	case $a in
	*[!A-Za-z0-9_./=:,+-]* | '') a="'$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'" ;;
	esac
	cmd=${cmd:+$cmd }$a
done
perf script -i "$tmp/perf.data" -F pid,tid,time,event,trace 2>/dev/null |
	"$tool" convert "$out" "$name" "$cmd" "$version" "$minflt"
