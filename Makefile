# Makefile: builds the hv, the guest image, the workloads (guest and native) and the harness.
# Each part has its own fragment (record/record.mk, hv/hv.mk, guests/guests.mk,
# workloads/workloads.mk, harness/harness.mk, harness/trace/trace.mk, harness/model/model.mk, paper/paper.mk); outputs
# go under build/.

BUILD := build
CC ?= gcc
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -D_GNU_SOURCE
HOST_LDLIBS :=
# Guest code: freestanding, no PIC, no red zone (interrupts run on the same stack in ring 0).
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-builtin -nostdinc -mno-red-zone -fno-asynchronous-unwind-tables
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,noexecstack
GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

.PHONY: all test test-run test-all test-all-run bench plots paper format clean
all:

include record/record.mk
include workloads/workloads.mk
include hv/hv.mk
include guests/guests.mk
include harness/harness.mk
include harness/trace/trace.mk
include harness/lab/lab.mk
include harness/model/model.mk
-include paper/paper.mk

$(BUILD)/%/:
	@mkdir -p $@

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

# Each fragment appends test commands to TESTS (each prints PASS/FAIL/SKIP lines), KVM test
# scripts to KVM_TESTS (each script's "# kvmtests:" line says where it runs; one
# harness/kvmtests.sh run takes them all, so that one lab boot serves every script), and the
# files they need to TEST_DEPS; harness/testrun.sh runs
# them and prints the totals. What the build and the tests need is installed first
# (harness/install-deps.sh), then built.
# make test: every mode here and in both lab MMUs in one lab boot, the guest's SYSCALL entry
# under shadow paging and its trap entry under NPT; the lab boot runs beside the tests here.
# make test-all: also the other entry in each MMU (a second boot at the same time) and the long
# variants of the scripts (PAGELAB_TEST_ALL=1: the fuzzers at 10^6 calls).
TEST_KVM := "LAB_PERF=$$(command -v perf) BUILD=$(BUILD) sh harness/kvmtests.sh $(KVM_TESTS)"

test:
	@sh harness/install-deps.sh test
	@$(MAKE) --no-print-directory test-run

test-run: all $(TEST_DEPS)
	@sh harness/testrun.sh $(TESTS) $(TEST_KVM)

test-all:
	@sh harness/install-deps.sh test
	@$(MAKE) --no-print-directory test-all-run

test-all-run: all $(TEST_DEPS)
	@PAGELAB_TEST_ALL=1 LAB_BOOTS="1:trap,0:syscall 1:syscall,0:trap" \
		sh harness/testrun.sh $(TESTS) $(TEST_KVM)
