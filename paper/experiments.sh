#!/bin/sh
# experiments.sh: runs the write-up's experiments (paper/experiments), each with a MANIFEST.
# usage: paper/experiments.sh [--dry-run] [NAME...]   (make paper-data runs them all;
# EXPERIMENTS=FILE reads another list)
# Every invocation is checked against this tree's bench and hv before anything runs: each
# option in `build/bench --help`, each `--vary OPTION` an hv long option, each platform, mode,
# workload and parameter in `build/bench --list`; a refused one is named and nothing runs.
# --dry-run stops there and prints the commands. A run writes each experiment into
# results/paper-data-STAMP/NAME with its MANIFEST (commit, dirty or not, the command, dates,
# machine, /dev/kvm kind, QEMU version), prints the estimate first and the time left after
# each, then installs paper/runs/NAME (aside, then renamed) and regenerates paper/data from
# the full and trace experiments (make-paper.sh). Exit status as in harness/README.md.
set -e
dry=0
[ "${1:-}" = --dry-run ] && { dry=1; shift; }
list=${EXPERIMENTS:-paper/experiments}
for tool in build/bench build/hv; do
	[ -x "$tool" ] || { echo "experiments: $tool is missing; run 'make' first" >&2; exit 3; }
done
tmp=$(mktemp -d) || exit 4
new=''
trap 'rm -rf "$tmp" ${new:+"$new"}' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# the blocks as lines: NAME|INTO|MINUTES|BENCH ARGS|WHAT (fields may be empty: no tabs)
awk -v file="$list" '
function flush() {
	if (name == "") return
	if (into == "" || minutes == "" || !hasbench) {
		printf "experiments: %s: %s lacks into, minutes or bench\n", file, name > "/dev/stderr"
		bad = 1
	}
	if (index(name into minutes args what, "|")) {
		printf "experiments: %s: %s has a | in a field\n", file, name > "/dev/stderr"
		bad = 1
	}
	printf "%s|%s|%s|%s|%s\n", name, into, minutes, args, what
	name = into = minutes = args = what = ""; hasbench = 0
}
/^#/ { next }
/^[ \t]*$/ { flush(); next }
{ key = $1; val = $0; sub(/^[a-z]+[ \t]*/, "", val); sub(/[ \t]+$/, "", val) }
key == "name" { flush(); name = val; next }
key == "what" { what = val; next }
key == "into" { into = val; next }
key == "minutes" { minutes = val; next }
key == "bench" { hasbench = 1; args = args (args == "" ? "" : " ") val; next }
{ printf "experiments: %s:%d: unknown field %s\n", file, NR, key > "/dev/stderr"; bad = 1 }
END { flush(); exit bad ? 2 : 0 }' "$list" >"$tmp/all" || exit 2
if [ $# -gt 0 ]; then
	for n in "$@"; do
		grep -q "^$n|" "$tmp/all" || { echo "experiments: no experiment $n in $list" >&2; exit 2; }
	done
	printf '%s\n' "$@" | awk -F'|' 'NR == FNR { want[$1] = 1; next } $1 in want' - "$tmp/all" \
		>"$tmp/chosen"
else
	cp "$tmp/all" "$tmp/chosen"
fi

# what this tree accepts: bench's options, hv's long options, bench's names and parameters
build/bench --help | grep -o -- '--[a-z-]*' | sort -u >"$tmp/bench-opts"
build/hv --help 2>&1 | grep -o -- '--[a-z-]*' | sort -u >"$tmp/hv-opts"
build/bench --list >"$tmp/names"
check() { # NAME ARGS...: prints why the invocation is refused, if it is
	name=$1
	shift
	awk -v name="$name" -v args="$*" -v bopts="$tmp/bench-opts" -v hopts="$tmp/hv-opts" '
	FILENAME == bopts { bench[$1] = 1; next }
	FILENAME == hopts { hv[$1] = 1; next }
	/^[a-z ]+:$/ { section = $0; next }
	/^modes / { section = "modes:"; next }
	section == "platforms:" || section == "modes:" { known[section, $1] = 1; next }
	section == "workloads:" && /^  [a-z]/ { wl = $1; known["workloads:", wl] = 1; next }
	section == "workloads:" { split($1, kv, "="); param[wl, kv[1]] = 1; next }
	function refuse(why) { printf "  %s: %s\n", name, why; bad = 1 }
	function names(sect, list,   n, i, w) {
		n = split(list, w, ",")
		for (i = 1; i <= n; i++)
			if (!((sect, w[i]) in known)) refuse(sect " has no " w[i])
	}
	function workloads(list,   n, i, spec, k, j, kv) {
		n = split(list, spec, ",")
		for (i = 1; i <= n; i++) {
			k = split(spec[i], kv, ":")
			if (!(("workloads:", kv[1]) in known)) { refuse("no workload " kv[1]); continue }
			for (j = 2; j <= k; j++)
				if (kv[j] != "" && !((kv[1], substr(kv[j], 1, index(kv[j], "=") - 1)) in param))
					refuse("workload " kv[1] " has no parameter in " kv[j])
		}
	}
	END {
		n = split(args, a, " ")
		for (i = 1; i <= n; i++) {
			if (a[i] !~ /^--/) { refuse("stray argument " a[i]); continue }
			if (!(a[i] in bench)) {
				refuse("this bench has no option " a[i])
				if (a[i + 1] !~ /^--/) i++
				continue
			}
			if (a[i] == "--vary") {
				opt = a[++i]; sub(/=.*/, "", opt)
				if (a[i] !~ /=./ || !(("--" opt) in hv))
					refuse("--vary " a[i] ": not OPTION=V1,V2 of an hv long option")
			} else if (a[i] == "--platforms") names("platforms:", a[++i])
			else if (a[i] == "--modes") names("modes:", a[++i])
			else if (a[i] == "--workloads") workloads(a[++i])
			else if (a[i + 1] !~ /^--/ && i < n) i++
		}
		exit bad
	}' "$tmp/bench-opts" "$tmp/hv-opts" "$tmp/names"
}
refused=0
total=0
while IFS='|' read -r name into minutes args what; do
	total=$((total + minutes))
	[ "$args" = none ] && continue
	# shellcheck disable=SC2086 # the arguments are words
	check "$name" $args >>"$tmp/refused" || refused=1
done <"$tmp/chosen"
if [ $refused = 1 ]; then
	echo "experiments: this tree's bench refuses (nothing ran):" >&2
	cat "$tmp/refused" >&2
	exit 2
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
base=results/paper-data-$stamp
echo "experiments: $(wc -l <"$tmp/chosen") experiments, about $total minutes on a 2-CPU machine"
while IFS='|' read -r name into minutes args what; do
	if [ "$args" = none ]; then
		echo "  $name: kept as committed in $into (made by no current commit)"
	else
		echo "  $name ($minutes min): build/bench ${args:+$args }--out $base/$name"
	fi
done <"$tmp/chosen"
[ $dry = 1 ] && exit 0

kvm_kind() {
	if [ ! -e /dev/kvm ]; then
		echo none
	elif [ -d /sys/module/kvm_pvm ]; then
		echo "PVM (kvm_pvm)"
	elif [ -d /sys/module/kvm_intel ]; then
		echo "VMX (kvm_intel, ept=$(cat /sys/module/kvm_intel/parameters/ept))"
	elif [ -d /sys/module/kvm_amd ]; then
		echo "SVM (kvm_amd, npt=$(cat /sys/module/kvm_amd/parameters/npt))"
	else
		echo "unknown module"
	fi
}
# the tree as the experiments start (the build they run): a later commit or edit is not theirs
commit=$(git rev-parse HEAD)
dirty=no
[ -z "$(git status --porcelain --untracked-files=no)" ] || dirty=yes
manifest() { # NAME WHAT COMMAND START
	cat <<-EOF
		experiment: $1
		what: $2
		command: $3
		commit: $commit
		dirty: $dirty
		started: $4
		ended: $(date -u +%Y-%m-%dT%H:%M:%SZ)
		machine: $(uname -n), $(uname -sr), $(grep -m1 'model name' /proc/cpuinfo |
			sed 's/.*: //'), $(nproc) CPUs
		kvm: $(kvm_kind)
		qemu: $(qemu-system-x86_64 --version 2>/dev/null | head -1 || echo none)
	EOF
}
mkdir -p "$base"
done_min=0 start=$(date +%s)
while IFS='|' read -r name into minutes args what; do
	[ "$args" = none ] && continue
	left=$((total - done_min))
	spent=$((($(date +%s) - start) / 60))
	[ $done_min -gt 0 ] && left=$((left * spent / done_min))
	echo "experiments: $name (about $minutes min; time left about $left min)"
	begun=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	rc=0
	# shellcheck disable=SC2086
	build/bench $args --out "$base/$name" </dev/null || rc=$?
	[ $rc = 0 ] || { echo "experiments: $name failed (exit $rc); $base keeps what ran" >&2; exit $rc; }
	manifest "$name" "$what" "build/bench $args --out $base/$name" "$begun" >"$base/$name/MANIFEST"
	done_min=$((done_min + minutes))
done <"$tmp/chosen"

# every experiment ran: install the raw results, each aside and then renamed
while IFS='|' read -r name into minutes args what; do
	case $into in paper/runs/*) ;; *) continue ;; esac
	[ "$args" != none ] || continue
	mkdir -p paper/runs
	new=$(mktemp -d paper/runs/.new.XXXXXX)
	cp "$base/$name"/results.json "$base/$name"/*.tsv "$base/$name/MANIFEST" "$new/"
	rm -rf "$into.old"
	[ ! -e "$into" ] || mv "$into" "$into.old"
	mv "$new" "$into" && rm -rf "$into.old"
	new=''
done <"$tmp/chosen"
if grep -q '^full|' "$tmp/chosen"; then
	sh paper/make-paper.sh "$base/full"
fi
echo "experiments: done in $((($(date +%s) - start) / 60)) min; raw results in $base"
