# check.sh: what the KVM test scripts share, sourced with TEST set to the script's name: the hv
# to run, the skip when there is no KVM, check() for PASS/FAIL lines, run_hv() to run it, has()
# and valid_record() for the JSON record.
HV=${HV:-build/hv}
VALIDATE=${VALIDATE:-build/validate}
[ -c /dev/kvm ] || { echo "SKIP $TEST: no /dev/kvm"; exit 0; }
fail=0

# check NAME COMMAND...: PASS if the command succeeds, else FAIL (and the script fails)
check() {
	name=$1
	shift
	if "$@"; then echo "PASS $TEST $name"; else echo "FAIL $TEST $name"; fail=1; fi
}

# valid_record: the JSON record in $json has the shape of harness/run-record.schema.json (else
# the validator says where it differs)
valid_record() { $VALIDATE harness/run-record.schema.json "$json"; }

# has PATTERN: the JSON record in $json, without blanks, matches the pattern
has() { tr -d ' \n' <"$json" | grep -q "$1"; }

# run_hv ARGS...: runs the hv; its output (stdout and stderr) in $out, its status in $rc, the
# whole seconds it took in $elapsed
run_hv() {
	start=$(date +%s)
	out=$($HV "$@" 2>&1)
	rc=$?
	elapsed=$(($(date +%s) - start))
}

# hv_modes: the modes the hv registers, one a line (tests loop over them, not over a list of
# their own); "unlisted" when the hv lists none, so that a loop over them fails, not passes
hv_modes() { $HV --list-modes | cut -d' ' -f1 | grep . || echo unlisted; }

# mode_takes MODE OPTION: the hv's MODE takes --OPTION (hv --describe)
mode_takes() {
	$HV --describe | tr -d ' \n' |
		grep -q "\"name\":\"$2\",\"kind\":\"[a-z]*\",\"modes\":\[[^]]*\"$1\""
}

# mode_checks MODE: the hv checks invariants of MODE's state (hv --describe)
mode_checks() { $HV --describe | tr -d ' \n' | grep -q "\"name\":\"$1\",[^}]*\"invariants\":true"; }

# pvm_host: true on a PVM host, where guest ring 0 runs emulated one instruction at a time
pvm_host() { [ "${PAGELAB_PLATFORM:-host}" = host ] && [ -d /sys/module/kvm_pvm ]; }

# too_slow_here: true on a PVM host, unless PAGELAB_TEST_ALL=1 (make test-all) gives a slow
# case the minutes it takes there
too_slow_here() { pvm_host && [ "${PAGELAB_TEST_ALL:-0}" != 1 ]; }

# slow_on_pvm WHY: on a PVM host, SKIP the whole script with the reason (but in make test-all);
# the lab runs it
slow_on_pvm() {
	if too_slow_here; then
		echo "SKIP $TEST: $1 with the guest kernel emulated on this PVM host; the lab runs it," \
			"make test-all here too"
		exit 0
	fi
}

# says PATTERN: the hv's output in $out contains the pattern
says() { printf '%s' "$out" | grep -q -e "$1"; }
