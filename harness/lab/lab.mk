# lab.mk: the lab VM (QEMU with SVM, Linux with kvm-amd) where KVM tests and lab benches run.
# harness/lab/run.sh fetches the kernel on first use; `make lab-kernel` does it ahead of time.

.PHONY: lab-kernel
lab-kernel:
	BUILD=$(BUILD) harness/lab/fetch-kernel.sh

# Boots the lab with npt=1 and npt=0; SKIP lines where QEMU or the kernel is missing.
TESTS += "BUILD=$(BUILD) sh harness/lab/smoke.sh"
# KVM's counters match the MMU (no exit per guest fault with NPT; pf_guest and invlpg with
# shadow paging), in the lab or on the host's /dev/kvm.
TESTS += "BUILD=$(BUILD) sh harness/kvmtests.sh harness/lab/physics.sh@npt=0,1"
# bench --trace counts the same exits with perf kvm stat (this machine's perf, taken into the
# lab VM) as with the tracefs histogram, under shadow paging.
TESTS += "LAB_PERF=$$(command -v perf) BUILD=$(BUILD) sh harness/kvmtests.sh harness/lab/trace.sh@npt=0"
TEST_DEPS += $(BUILD)/hv-static $(BUILD)/guest/kernel.elf
