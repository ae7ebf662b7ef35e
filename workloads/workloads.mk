# workloads.mk: workloads are discovered by wildcard; they build for the guest (guests.mk) and,
# unchanged, for Linux here (static, so the lab VM can run them too).

WL_SRCS := $(wildcard workloads/*.c)
WL_LIB_SRCS := workloads/lib/runner.c workloads/lib/registry.c
WL_INCLUDES := -Iworkloads -Iinclude

# Host objects of the registry and every workload: the hv and the bench link them to list and
# validate workloads and their parameters without booting a guest.
WL_HOST_OBJS := $(patsubst %.c,$(BUILD)/host/%.o,$(WL_SRCS) workloads/lib/registry.c \
	workloads/lib/native.c)

$(BUILD)/host/%.o: %.c workloads/workload.h include/abi.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(WL_INCLUDES) -c -o $@ $<

$(BUILD)/native/wl: $(WL_HOST_OBJS) $(BUILD)/host/workloads/lib/runner.o
	@mkdir -p $(dir $@)
	$(CC) -static -pthread -o $@ $^

$(BUILD)/native/true: $(BUILD)/host/workloads/lib/true.o
	@mkdir -p $(dir $@)
	$(CC) -static -o $@ $^

all: $(BUILD)/native/wl $(BUILD)/native/true

TESTS += "sh workloads/tests/native.sh $(BUILD)/native/wl"
TEST_DEPS += $(BUILD)/native/wl $(BUILD)/native/true
TESTS += "sh workloads/tests/readme.sh"
