# hv.mk: the hypervisor (dynamic and static), its unit tests, and the tiny test guests.

# build/hv is the binary itself, so objects and tests live in build/hv.d/
HV_OUT := $(BUILD)/hv.d
# one folder per mode's hv side (hv/classic/, hv/ptefree/, hv/pvmmu/: found by wildcard, each
# registered by its HV_MODE), its internal header next to its files
HV_MODE_DIRS := $(filter-out hv/tests/ hv/tools/,$(dir $(wildcard hv/*/*.c)))
HV_SRCS := $(filter-out hv/main.c hv/options.c,$(wildcard hv/*.c $(addsuffix *.c,$(sort $(HV_MODE_DIRS)))))
HV_OBJS := $(patsubst hv/%.c,$(HV_OUT)/%.o,$(HV_SRCS)) $(BUILD)/record/latency.o \
	$(BUILD)/record/output.o $(BUILD)/record/clock.o $(BUILD)/record/hits.o
HV_CFLAGS := $(HOST_CFLAGS) -Ihv -Iinclude -Iworkloads -Irecord
HV_LIBS := -ljansson -lpthread
HV_HEADERS := hv/hv.h hv/options.h hv/mode.h include/abi.h hv/counters.h $(wildcard $(addsuffix *.h,$(HV_MODE_DIRS))) workloads/workload.h

$(HV_OUT)/%.o: hv/%.c $(HV_HEADERS) record/record.h
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c -o $@ $<

$(BUILD)/hv: $(HV_OUT)/main.o $(HV_OUT)/options.o $(HV_OBJS) $(WL_HOST_OBJS)
	$(CC) -o $@ $^ $(HV_LIBS)

# The lab's hv (the static one) is linked at 256 MiB, clear of the guest's programs at 0x400000:
# the lab's instruction split tells them apart by address (harness/lab/insnsplit.c).
$(BUILD)/hv-static: $(HV_OUT)/main.o $(HV_OUT)/options.o $(HV_OBJS) $(WL_HOST_OBJS)
	$(CC) -static -Wl,-Ttext-segment=0x10000000 -o $@ $^ $(HV_LIBS)

all: $(BUILD)/hv $(BUILD)/hv-static

# hv-paging: the hv's ptefree paging on host memory (no KVM), timed against native Linux
$(HV_OUT)/tools/%.o: hv/tools/%.c $(HV_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c -o $@ $<

$(BUILD)/hv-paging: $(HV_OUT)/tools/hv_paging.o $(HV_OBJS) $(BUILD)/host/workloads/lib/native.o
	$(CC) -o $@ $^ $(HV_LIBS)

all: $(BUILD)/hv-paging

# hv-testmode: the hv with a fourth mode that hv/tests/testmode.c alone registers (static, so
# that the lab runs it too)
$(BUILD)/hv-testmode: $(HV_OUT)/main.o $(HV_OUT)/options.o $(HV_OBJS) $(WL_HOST_OBJS) \
		$(HV_OUT)/tests/testmode.o
	$(CC) -static -o $@ $^ $(HV_LIBS)

all: $(BUILD)/hv-testmode

# Unit tests: no KVM needed (the hv's objects work on plain memory and fake guests).
HV_UNIT_TESTS := $(patsubst hv/tests/%.c,$(HV_OUT)/%,$(wildcard hv/tests/test_*.c))

$(HV_OUT)/tests/%.o: hv/tests/%.c $(HV_HEADERS) harness/test.h $(wildcard hv/tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -Iharness -c -o $@ $<

# Each unit test links what it tests and what that uses, no more (harness/deps.sh keeps these
# layers free of cycles); the guest's view of the hv is the hypercall table and the modes'
# validation, without vCPUs or KVM.
HV_GUEST_VIEW := util gmem hypercall classic/free_report ptefree/ptefree ptefree/paging ptefree/lazy \
	ptefree/window pvmmu/pvmmu pvmmu/check pvmmu/calls
HV_TEST_OBJS_gmem := util gmem
HV_TEST_OBJS_elf := util gmem elf
HV_TEST_OBJS_stats := util stats
HV_TEST_OBJS_decode := ptefree/decode
HV_TEST_OBJS_hypercall := $(HV_GUEST_VIEW)
HV_TEST_OBJS_ptefree := $(HV_GUEST_VIEW)
HV_TEST_OBJS_lazy := $(HV_GUEST_VIEW)
HV_TEST_OBJS_pvmmu := $(HV_GUEST_VIEW)
HV_TEST_OBJS_pvfuzz := $(HV_GUEST_VIEW)

.SECONDEXPANSION:
$(HV_OUT)/test_%: $(HV_OUT)/tests/test_%.o $$(addprefix $(HV_OUT)/,$$(addsuffix .o,$$(HV_TEST_OBJS_$$*)))
	$(CC) -o $@ $^ $(HV_LIBS)

TESTS += $(HV_UNIT_TESTS)
TEST_DEPS += $(HV_UNIT_TESTS)

# Test guests: a few instructions each, entered in long mode by the boot protocol.
HV_TEST_GUESTS := $(patsubst hv/tests/%.S,$(HV_OUT)/tests/%.elf,$(wildcard hv/tests/guest_*.S))

$(HV_OUT)/tests/%.elf: hv/tests/%.S hv/tests/guest.ld hv/tests/guest.inc
	@mkdir -p $(dir $@)
	$(CC) -nostdlib -static -no-pie -Iinclude -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
		-T hv/tests/guest.ld -o $@ $<

# the guest fuzzer with 10^6 hypercalls, for make fuzz
$(HV_OUT)/tests/guest_fuzz_long.elf: hv/tests/guest_fuzz.S hv/tests/guest.ld hv/tests/guest.inc
	@mkdir -p $(dir $@)
	$(CC) -nostdlib -static -no-pie -Iinclude -DFUZZ_ROUNDS=1000000 -Wl,--build-id=none \
		-Wl,-z,noexecstack -Wl,--no-warn-rwx-segments -T hv/tests/guest.ld -o $@ $<

all: $(HV_TEST_GUESTS) $(HV_OUT)/tests/guest_fuzz_long.elf

# Integration tests on /dev/kvm: harness/kvmtests.sh runs them here and in the lab VM.
# (each script's "# kvmtests:" line says where)
KVM_TESTS += $(filter-out hv/tests/hostile.sh hv/tests/list.sh,$(wildcard hv/tests/*.sh))
TEST_DEPS += $(BUILD)/hv $(BUILD)/hv-static $(BUILD)/hv-testmode $(HV_TEST_GUESTS)

# Hostile input, refused before anything starts: here only (the few real runs use /dev/kvm if any)
TESTS += "sh hv/tests/hostile.sh"
# --list's programs against the kernel image's own table: no KVM, here only
TESTS += "sh hv/tests/list.sh"
TEST_DEPS += $(BUILD)/hv-paging

# make fuzz: the fuzzers of make test-all alone (10^6 calls per mode and fork policy, here and
# in both lab MMUs with one system-call entry: the guest fuzzer runs in ring 0 only; the unit
# fuzzer of test_ptefree makes as many in make test).
.PHONY: fuzz
fuzz: all $(HV_OUT)/tests/guest_fuzz_long.elf
	@PAGELAB_TEST_ALL=1 PAGELAB_FUZZ=1 LAB_BOOTS="1:syscall 0:syscall" sh harness/testrun.sh \
		"BUILD=$(BUILD) sh harness/kvmtests.sh hv/tests/fuzz.sh"
.PRECIOUS: $(HV_OUT)/tests/%.o
