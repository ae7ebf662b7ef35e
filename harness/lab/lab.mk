# lab.mk: the lab VM (QEMU with SVM, Linux with kvm-amd) where KVM tests and lab benches run.
# harness/lab/run.sh fetches the kernel on first use; `make lab-kernel` does it ahead of time.

.PHONY: lab-kernel
lab-kernel:
	BUILD=$(BUILD) harness/lab/fetch-kernel.sh

# KVM's counters match the MMU (no exit per guest fault with NPT; pf_guest and invlpg with
# shadow paging), in the lab or on the host's /dev/kvm.
KVM_TESTS += harness/lab/physics.sh
# bench --trace counts the same exits with perf kvm stat (this machine's perf, taken into the
# lab VM by harness/kvmtests.sh's caller, LAB_PERF) as with the tracefs histogram, under
# shadow paging.
KVM_TESTS += harness/lab/trace.sh
TEST_DEPS += $(BUILD)/hv-static $(BUILD)/guest/kernel.elf

# The instruction split of bench --split: a QEMU TCG plugin, built for this machine's QEMU.
$(BUILD)/lab/insnsplit.so: harness/lab/insnsplit.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -shared -fPIC -fvisibility=hidden -o $@ $<

all: $(BUILD)/lab/insnsplit.so
# bench --split in one lab boot: the split adds up and each part gets what its code runs.
TESTS += "sh harness/lab/split-test.sh $(BUILD)"
TEST_DEPS += $(BUILD)/hv-testmode
# The instruction clock: the worst-case cell gives the same time quiet and beside a busy loop.
TESTS += "sh harness/lab/clock-test.sh $(BUILD)"
