# hv.mk: the hypervisor (dynamic and static), its unit tests, and the tiny test guests.

# build/hv is the binary itself, so objects and tests live in build/hv.d/
HV_OUT := $(BUILD)/hv.d
# one folder per mode's hv side (hv/ptefree/, hv/pvmmu/), its internal header next to its files
HV_SRCS := $(filter-out hv/main.c,$(wildcard hv/*.c hv/ptefree/*.c hv/pvmmu/*.c))
HV_OBJS := $(patsubst hv/%.c,$(HV_OUT)/%.o,$(HV_SRCS)) $(BUILD)/harness/record/latency.o
HV_CFLAGS := $(HOST_CFLAGS) -Ihv -Iworkloads -Iharness
HV_LIBS := -ljansson -lpthread
HV_HEADERS := hv/hv.h hv/abi.h hv/counters.h hv/ptefree/ptefree.h hv/pvmmu/pvmmu.h hv/decode.h workloads/workload.h

$(HV_OUT)/%.o: hv/%.c $(HV_HEADERS) harness/record/record.h
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c -o $@ $<

$(BUILD)/hv: $(HV_OUT)/main.o $(HV_OBJS) $(WL_HOST_OBJS)
	$(CC) -o $@ $^ $(HV_LIBS)

$(BUILD)/hv-static: $(HV_OUT)/main.o $(HV_OBJS) $(WL_HOST_OBJS)
	$(CC) -static -o $@ $^ $(HV_LIBS)

all: $(BUILD)/hv $(BUILD)/hv-static

# hv-paging: the hv's ptefree paging on host memory (no KVM), timed against native Linux
$(HV_OUT)/tools/%.o: hv/tools/%.c $(HV_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c -o $@ $<

$(BUILD)/hv-paging: $(HV_OUT)/tools/hvpaging.o $(HV_OBJS) $(BUILD)/host/workloads/lib/native.o
	$(CC) -o $@ $^ $(HV_LIBS)

all: $(BUILD)/hv-paging

# Unit tests: no KVM needed (the hv's objects work on plain memory and fake guests).
HV_UNIT_TESTS := $(patsubst hv/tests/%.c,$(HV_OUT)/%,$(wildcard hv/tests/test_*.c))

$(HV_OUT)/tests/%.o: hv/tests/%.c $(HV_HEADERS) harness/test.h
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c -o $@ $<

$(HV_OUT)/test_%: $(HV_OUT)/tests/test_%.o $(HV_OBJS)
	$(CC) -o $@ $^ $(HV_LIBS)

TESTS += $(HV_UNIT_TESTS)
TEST_DEPS += $(HV_UNIT_TESTS)

# Test guests: a few instructions each, entered in long mode by the boot protocol.
HV_TEST_GUESTS := $(patsubst hv/tests/%.S,$(HV_OUT)/tests/%.elf,$(wildcard hv/tests/guest_*.S))

$(HV_OUT)/tests/%.elf: hv/tests/%.S hv/tests/guest.ld hv/tests/guest.inc
	@mkdir -p $(dir $@)
	$(CC) -nostdlib -static -no-pie -Ihv -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
		-T hv/tests/guest.ld -o $@ $<

# the guest fuzzer with 10^6 hypercalls, for make fuzz
$(HV_OUT)/tests/guest_fuzz_long.elf: hv/tests/guest_fuzz.S hv/tests/guest.ld hv/tests/guest.inc
	@mkdir -p $(dir $@)
	$(CC) -nostdlib -static -no-pie -Ihv -DFUZZ_ROUNDS=1000000 -Wl,--build-id=none \
		-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T hv/tests/guest.ld -o $@ $<

all: $(HV_TEST_GUESTS) $(HV_OUT)/tests/guest_fuzz_long.elf

# Integration tests on /dev/kvm: harness/kvmtests.sh runs them here and in the lab VM.
KVM_TESTS += $(foreach t,$(wildcard hv/tests/*.sh),$(t)@npt=0,1)
TEST_DEPS += $(BUILD)/hv $(BUILD)/hv-static $(HV_TEST_GUESTS)

# make fuzz: the fuzzers of make test-all alone (10^6 calls per mode and fork policy, here and
# in both lab MMUs with one system-call entry: the guest fuzzer runs in ring 0 only; the unit
# fuzzer of test_ptefree makes as many in make test).
.PHONY: fuzz
fuzz: all $(HV_OUT)/tests/guest_fuzz_long.elf
	@PAGELAB_TEST_ALL=1 LAB_BOOTS="1:syscall 0:syscall" sh harness/testrun.sh \
		"BUILD=$(BUILD) sh harness/kvmtests.sh hv/tests/fuzz.sh@npt=0,1"
.PRECIOUS: $(HV_OUT)/tests/%.o
