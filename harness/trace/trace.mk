# trace.mk: pagelab-trace, the memory-trace recorder's converter (harness/trace/record.sh runs
# it under perf), and the traces the replay workload embeds (workloads/traces/*.trace).

TRACE_OBJS := $(addprefix $(BUILD)/trace/,main.o convert.o layout.o) $(BUILD)/host/workloads/lib/memtrace.o
$(BUILD)/trace/%.o: harness/trace/%.c harness/trace/trace.h workloads/memtrace.h record/record.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Iharness/trace -Iworkloads -Irecord -c -o $@ $<

$(BUILD)/pagelab-trace: $(TRACE_OBJS) $(RECORD_OBJS)
	$(CC) -o $@ $^ -ljansson -lm

all: $(BUILD)/pagelab-trace
