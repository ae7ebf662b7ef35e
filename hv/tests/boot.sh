#!/bin/sh
# boot.sh: the hv boots a tiny guest that prints, marks ten empty hypercalls and reports ok.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=boot
. harness/check.sh
json=${TMPDIR:-/tmp}/hv-boot.$$.json
out=$($HV --workload nullhc --iters 10 --reps 1 --kernel build/hv.d/tests/guest_hello.elf \
	--json "$json" --timeout 60 2>&1)
rc=$?
printf '%s\n' "$out"
check "exit status 0" [ $rc -eq 0 ]
check "console output" says "hello from the test guest"
check "result ok" says "result: ok"
check "json written" grep -q '"ok": true' "$json"
check "one nop per op in json" grep -q '"nop": 1.0' "$json"
check "platform in json" grep -q '"mmu": "[a-z]' "$json"
check "record valid against the schema" valid_record
# On PVM KVM emulates and counts each guest ring-0 instruction: per op, the loop's five
# (mov, mov, out, dec, jnz) and a share of the six at most around the marks; elsewhere the
# record has no such field.
insns=$(tr -d ' \n' <"$json" | sed -n 's/.*"guest_kernel_insns_per_op":\([0-9.]*\).*/\1/p')
if has '"mmu":"pvm"'; then
	check "guest kernel instructions per op ${insns:-none} in [5, 5.6]" \
		awk -v n="$insns" 'BEGIN { exit !(n != "" && n >= 5 && n <= 5.6) }'
else
	check "no guest kernel instructions off PVM" [ -z "$insns" ]
fi
rm -f "$json"
exit $fail
