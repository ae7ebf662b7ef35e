# model.mk: build/model, the cost model checked against a results folder (harness/model/).

MODEL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard harness/model/*.c))

$(BUILD)/harness/model/%.o: harness/model/%.c harness/model/model.h record/record.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Iharness/model -Irecord -c -o $@ $<

$(BUILD)/model: $(MODEL_OBJS) $(BUILD)/record/resultsdoc.o
	$(CC) -o $@ $^ -ljansson -lm

all: $(BUILD)/model

TESTS += "sh harness/model/tests/model.sh $(BUILD)/model"
TEST_DEPS += $(BUILD)/model
