#!/bin/sh
# coherence.sh: each pvmmu update is seen by the vCPU. The vCPU's own stores (--pvmmu-apply
# vcpu) make it so under every MMU; the hv's stores alone (direct) leave a shadow MMU (KVM's,
# or PVM's) with stale entries, which the coherence program sees: the test fails without the
# mechanism. Under EPT/NPT the hv's stores alone are enough.
# kvmtests: @npt=0,1 (where harness/kvmtests.sh runs it)
TEST=coherence
. harness/check.sh
[ -f build/guest/kernel.elf ] || { echo "SKIP coherence: no guest kernel"; exit 0; }

run_hv --mode pvmmu --pvmmu-apply vcpu --exec coherence --timeout 300
check "vcpu stores: every update seen" [ $rc -eq 0 ]
mmu=$(printf '%s\n' "$out" | sed -n 's/.*, mmu \([a-z]*\),.*/\1/p' | head -n 1)
case $mmu in
npt | ept) want=direct ;;
*) want=vcpu ;;
esac
run_hv --mode pvmmu --exec coherence --timeout 300
check "auto picks $want under ${mmu:-an unknown MMU}" says "updates applied by $want"
run_hv --mode pvmmu --pvmmu-apply direct --exec coherence --timeout 300
if [ $want = vcpu ]; then
	check "hv stores alone under $mmu paging: stale entries seen" \
		sh -c '[ "$1" -ne 0 ] && printf %s "$2" | grep -q "through a stale entry"' - "$rc" "$out"
else
	check "hv stores alone under $mmu: every update seen" [ $rc -eq 0 ]
fi
exit $fail
