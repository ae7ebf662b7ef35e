#!/bin/sh
# hostile.sh: bad input to the hv, hv-paging and the workload runner is refused before anything starts, with the
# reason and the exit status of the table in --help (2 usage, 4 I/O), and changes nothing: the
# repository tree, the targets and the scratch folder hash the same before and after, and no
# guest boots. Then what must work: a record replaces a regular file in place (a symlink stays);
# and where /dev/kvm is, a target that turns into a directory during the run is left alone
# (status 4), the hv runs from any folder, and guest console bytes are escaped.
HV=${HV:-build/hv}
HVPAGING=${HVPAGING:-build/hv-paging}
WL=${WL:-build/native/wl}
top=$(pwd)
case $HV in /*) HV_ABS=$HV ;; *) HV_ABS=$top/$HV ;; esac
fail=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/dir"
ln -s dir "$scratch/link-to-dir"
ln -s nothing "$scratch/dangling"
mkfifo "$scratch/fifo"
echo kept >"$scratch/file"
printf '    Hits: 3\n' >"$scratch/hits" # a tracefs hist file's total
# a scratch twin of /dev/full, so a regression can only replace this one
mknod "$scratch/full" c 1 7 2>/dev/null || echo "SKIP hostile scratch device: mknod refused"

# The state nothing may change: tracked files' contents and the working tree's status, the
# scratch folder, and what the device targets are.
state() {
	{
		git ls-files -z | xargs -0 sha256sum
		git status --porcelain --untracked-files=all
		ls -lA "$scratch" "$scratch/dir"
		cat "$scratch/file"
		stat -L -c '%n %F %t:%T' /dev/full /dev/null "$scratch"/*
	} 2>&1 | sha256sum
}

# refused STATUS PATTERN COMMAND...: the command exits STATUS and says PATTERN, boots no guest,
# and leaves state() as it was
refused() {
	want=$1 pattern=$2
	shift 2
	before=$(state)
	out=$("$@" 2>&1)
	rc=$?
	after=$(state)
	if [ "$rc" -ne "$want" ]; then
		why="exit $rc, not $want"
	elif ! printf '%s' "$out" | grep -q -e "$pattern"; then
		why="no '$pattern' in the message"
	elif printf '%s' "$out" | grep -q "pagelab kernel"; then
		why="a guest booted"
	elif [ "$before" != "$after" ]; then
		why="something changed"
	else
		echo "PASS hostile refuses $*"
		return
	fi
	echo "FAIL hostile refuses $*: $why; it said: $(printf '%s' "$out" | head -3)"
	fail=1
}

run="$HV --mode classic --workload nullhc --iters 1 --reps 1"
# numbers: decimal only, in range, whole
refused 2 "has no \"Hits: N\" line" $HV --workload nullhc --count-hits "$scratch/file"
refused 2 "more than 8 files" $HV --workload nullhc --count-hits \
	"$(printf "$scratch/hits,%.0s" 1 2 3 4 5 6 7 8)$scratch/hits"
refused 2 "'010' has a leading zero" $HV --workload forkstorm --param touch_pages=010
refused 2 "'0x10' is hexadecimal" $HV --workload forkstorm --param rss_kib=0x10
refused 2 "needs an integer value" $HV --workload forkstorm --param rss_kib=
refused 2 "'010' has a leading zero" $HV --workload nullhc --iters 010
refused 2 "'0x10' is hexadecimal" $HV --workload nullhc --reps 0x10
refused 2 "does not fit in a long" $HV --workload nullhc --iters 99999999999999999999
refused 2 "'5x' has trailing text" $HV --workload nullhc --iters 5x
refused 2 "' 5' is not a decimal number" $HV --workload nullhc --iters " 5"
refused 2 "'+5' is not a decimal number" $HV --workload nullhc --iters +5
refused 2 "'' is not a decimal number" $HV --workload nullhc --timeout ""
refused 2 "\-1 is out of range \[0," $HV --workload nullhc --warmup -1
refused 2 "take a non-negative decimal integer" $WL nullsys iters=0x10 reps=1
refused 2 "take a non-negative decimal integer" $WL nullsys iters=10 reps=010
refused 2 "9 is out of range \[1, 8\]" $HV --workload nullhc --cpus 9
refused 2 "15 is out of range \[16," $HV --workload nullhc --mem 15
refused 2 "out of range \[1, 64\]" $HV --workload nullhc --reps 65
refused 2 "copies=33 is out of range \[1, 32\]" $HV --workload forkstorm --param copies=33
# the window's lower bound is the guest kernel's (it panicked below 16 MiB)
for mib in 2 14; do
	refused 2 "$mib is out of range \[16," $HV --workload nullhc --window-mib $mib
done
refused 2 "17 must be even" $HV --workload nullhc --window-mib 17
refused 2 "3 must be even" $HV --mode pvmmu --workload nullhc --pv-pool-mib 3
refused 2 "0 is out of range \[1, 2048\]" $HV --mode pvmmu --workload nullhc --pv-batch 0
# combinations, checked before the VM exists
refused 2 "windows 4096 of --window-mib 1024 exceed the 256 GiB" \
	$HV --mode ptefree --windows 4096 --window-mib 1024 --workload nullhc
refused 2 "the window tables need" $HV --mode ptefree --mem 16 --windows 4096 --window-mib 16 \
	--workload nullhc
refused 2 "page-table pool leaves no kernel memory" $HV --mode pvmmu --mem 16 --pv-pool-mib 16 \
	--workload nullhc
# another mode's options are refused, not ignored
refused 2 "fork-policy applies to --mode ptefree only, not to --mode classic" \
	$HV --mode classic --fork-policy copy --workload nullhc
refused 2 "fork-policy applies to --mode ptefree only, not to --mode pvmmu" \
	$HV --mode pvmmu --fork-policy lazy --workload nullhc
for opt in "--populate none" "--windows 4" "--kmem-boot-mib 4"; do
	refused 2 "applies to --mode ptefree only" $HV --mode classic $opt --workload nullhc
done
for mode in pvmmu ptefree; do
	refused 2 "free-report applies to --mode classic only, not to --mode $mode" \
		$HV --mode $mode --free-report on --workload nullhc
done
for opt in "--pv-batch 1" "--pvmmu-apply vcpu" "--pv-pool-mib 8"; do
	refused 2 "applies to --mode pvmmu only, not to --mode ptefree" \
		$HV --mode ptefree $opt --workload nullhc
done
for opt in "--iters 5" "--reps 2" "--warmup 0" "--param kib=4"; do
	refused 2 "${opt%% *} applies to --workload only" $HV --exec "smp 1" $opt
done
refused 2 "mode applies to guest runs only, not to --calibrate" $HV --calibrate --mode pvmmu
refused 2 "timeout applies to guest runs only, not to --calibrate" $HV --calibrate --timeout 5
refused 2 "json applies to guest runs or --calibrate only, not to --list" $HV --list --json x
# names: unknown ones are refused with the valid choices
refused 2 "unknown --mode 'bogus' (valid: classic, ptefree, pvmmu)" $HV --mode bogus
refused 2 "unknown workload 'bogus' (valid: forkexec," $HV --workload bogus
refused 2 "unknown parameter 'bogus' (valid: rss_kib," $HV --workload forkstorm --param bogus=1
refused 2 "unknown or ambiguous option '--bogus' (valid: --mode," $HV --bogus
refused 2 "unknown --shootdown 'off' (valid: on, skip)" $HV --workload nullhc --shootdown off
refused 2 "unknown --frames 'cold' (valid: reused, fresh)" $HV --workload nullhc --frames cold
refused 2 "unknown PAGELAB_SYSCALL_ENTRY 'bogus' (valid: auto, syscall, trap)" \
	env PAGELAB_SYSCALL_ENTRY=bogus $HV --workload nullhc
refused 2 "iters needs a value" $HV --workload nullhc --iters
refused 2 "list takes no value" $HV --list=all
refused 2 "unexpected argument 'stray'" $HV --workload nullhc stray
# --exec names a program the image holds, checked before boot, from any folder (the kernel is
# found beside the hv binary)
refused 2 "has no program 'nosuchprog' (valid: wl, true," $HV --exec nosuchprog
refused 2 "has no program 'nosuchprog'" $HV --exec "/bin/nosuchprog arg"
refused 2 "has no program ''" $HV --exec ""
refused 2 "build/guest/kernel.elf has no program 'nosuchprog'" \
	sh -c "cd '$scratch' && '$HV_ABS' --exec nosuchprog"
# outputs: a device, a directory, a FIFO or a symlink to one is refused before the run; a
# folder that cannot take a file is an I/O error
# /dev/full once, as the run that replaced it did (the rename re-checks the target as well)
refused 2 "/dev/full is a character device" $run --json /dev/full
if [ -c "$scratch/full" ]; then
	refused 2 "full is a character device" $HV --calibrate --json "$scratch/full"
	refused 2 "full is a character device" $HV --exec true --json "$scratch/full"
	ln -s full "$scratch/link-to-full"
	refused 2 "link-to-full is a symlink to a character device" \
		$run --json "$scratch/link-to-full"
fi
refused 2 "dir is a directory" $run --json "$scratch/dir"
refused 2 "link-to-dir is a symlink to a directory" $run --json "$scratch/link-to-dir"
refused 2 "dangling is a symlink to nothing" $run --json "$scratch/dangling"
refused 2 "fifo is a FIFO" $run --json "$scratch/fifo"
refused 2 "'' is not a usable file name" $run --json ""
refused 4 "cannot create a file in the folder of" $run --json "$scratch/missing/run.json"
refused 4 "file/run.json: Not a directory" $run --json "$scratch/file/run.json"
refused 2 "json=/dev/full is a character device" $HVPAGING forkstorm json=/dev/full
refused 2 "json=.*dir is a directory" $HVPAGING forkstorm json="$scratch/dir"
# inputs: an unreadable kernel is an I/O error
refused 4 "cannot read the guest kernel $scratch/missing" $run --kernel "$scratch/missing"
refused 4 "cannot read the guest kernel" $run --kernel "$scratch/dir"
refused 2 "README.md: not an ELF file" $run --kernel README.md

# check NAME COMMAND...: PASS if the command succeeds
check() {
	name=$1
	shift
	if "$@"; then echo "PASS hostile $name"; else echo "FAIL hostile $name"; fail=1; fi
}
# the writer both tools share, through hv-paging (no KVM): a record replaces a regular file in
# place, its permissions stay, nothing else is left; through a symlink the link stays
paging="$HVPAGING forkstorm iters=1 reps=1 warmup=0"
echo old >"$scratch/run.json"
chmod 600 "$scratch/run.json"
$paging json="$scratch/run.json" >/dev/null 2>&1
check "record replaces a regular file (status $?)" grep -q '"hv_native"' "$scratch/run.json"
check "record keeps the file's permissions" sh -c "ls -l '$scratch/run.json' | grep -q '^-rw-------'"
check "record leaves no temporary file" [ "$(ls -A "$scratch" | grep -c json)" -eq 1 ]
ln -s run.json "$scratch/link.json"
echo old >"$scratch/run.json"
$paging json="$scratch/link.json" >/dev/null 2>&1
check "record through a symlink keeps the link" [ -L "$scratch/link.json" ]
check "record through a symlink reaches its target" grep -q '"hv_native"' "$scratch/run.json"

if ! [ -c /dev/kvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "SKIP hostile runs: no usable /dev/kvm"
	exit $fail
fi
# a target that becomes a directory during the run is left alone: an I/O error, no leftovers
$HV --exec spin --kernel build/hv.d/tests/guest_spin.elf --timeout 3 --json "$scratch/late.json" \
	>"$scratch/late.out" 2>&1 &
sleep 1
mkdir "$scratch/late.json"
wait $!
rc=$?
check "target turned directory during the run: status 4 (got $rc)" [ $rc -eq 4 ]
check "target turned directory: said why" grep -q "record is not written: .*late.json is a directory" \
	"$scratch/late.out"
check "target turned directory: left empty, nothing beside it" \
	sh -c "[ -z \"\$(ls -A '$scratch/late.json')\" ] && ! ls -A '$scratch' | grep -q '^\.late'"
# from another folder, with the kernel beside the binary
out=$(cd "$scratch" && "$HV_ABS" --workload nullhc --iters 1 --reps 1 2>&1)
check "runs from another folder (status $?)" sh -c 'printf "%s" "$0" | grep -q "result: ok"' "$out"
# a guest's control and escape bytes reach the terminal escaped
$HV --exec escape --kernel build/hv.d/tests/guest_escape.elf --timeout 10 >"$scratch/console" 2>&1
check "console: escapes shown as text" grep -q 'a\\x1b\[2Jb\\x1b\]0;title\\x07c\\x0dd\\x7f\\x9b\\x00e	f' \
	"$scratch/console"
check "console: no control byte but newline and tab" \
	sh -c "! LC_ALL=C tr -d '\n\t' <'$scratch/console' | LC_ALL=C grep -q '[^ -~]'"
exit $fail
