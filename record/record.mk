# record.mk: the run-record library the hv and the harness share (record/): latency statistics,
# the clocks times are taken on, the exit codes, file output written whole or not at all, the
# schema validator of harness/run-record.schema.json (build/validate; static for the lab), the
# loader every reader of a results folder checks it with, and the tracefs histogram totals
# the bench's --trace probes and the hv's --count-hits read. It depends on nothing else of
# pagelab's.

RECORD_OBJS := $(BUILD)/record/clock.o $(BUILD)/record/latency.o $(BUILD)/record/schema.o $(BUILD)/record/resultsdoc.o \
	$(BUILD)/record/output.o $(BUILD)/record/hits.o
$(BUILD)/record/%.o: record/%.c record/record.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<

$(BUILD)/validate: $(BUILD)/record/validate.o $(RECORD_OBJS)
	$(CC) -o $@ $^ -ljansson -lm

$(BUILD)/validate-static: $(BUILD)/record/validate.o $(RECORD_OBJS)
	$(CC) -static -o $@ $^ -ljansson -lm

all: $(BUILD)/validate $(BUILD)/validate-static
