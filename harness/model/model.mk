# model.mk: build/model, the cost model checked against a results folder (harness/model/).

MODEL_SRCS := $(wildcard harness/model/*.c) record/resultsdoc.c

$(BUILD)/model: $(MODEL_SRCS) harness/model/model.h record/record.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Iharness/model -Irecord -o $@ $(MODEL_SRCS) -ljansson -lm

all: $(BUILD)/model

TESTS += "sh harness/model/tests/model.sh $(BUILD)/model"
TEST_DEPS += $(BUILD)/model
