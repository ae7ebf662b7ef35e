# harness.mk: the bench driver (build/bench, build/bench-static for the lab), its tests, and the
# `bench` and `plots` targets. Lab scripts in harness/lab/ have their own rules there.

BENCH_SRCS := $(wildcard harness/bench/*.c)
BENCH_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(BENCH_SRCS)) $(RECORD_OBJS)
BENCH_LIBS := -ljansson -lm
# The context of every results file names the flags the measured programs were built with.
BENCH_DEFS := -DBENCH_CFLAGS='"$(HOST_CFLAGS)"'

$(BUILD)/harness/bench/%.o: harness/bench/%.c $(wildcard harness/bench/*.h) workloads/workload.h \
	record/record.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(BENCH_DEFS) -Iworkloads -Iinclude -Irecord -Iharness -c -o $@ $<

$(BUILD)/bench: $(BENCH_OBJS) $(WL_HOST_OBJS)
	$(CC) -o $@ $^ $(BENCH_LIBS)

# linked at 512 MiB, clear of the guest's programs and the lab's hv (see hv/hv.mk)
$(BUILD)/bench-static: $(BENCH_OBJS) $(WL_HOST_OBJS)
	$(CC) -static -Wl,-Ttext-segment=0x20000000 -o $@ $^ $(BENCH_LIBS)

$(BUILD)/harness/tests/%: harness/tests/%.c harness/test.h $(RECORD_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Iharness -Irecord -o $@ $< $(RECORD_OBJS) $(BENCH_LIBS)

all: $(BUILD)/bench $(BUILD)/bench-static

RECORD_SCHEMA := harness/run-record.schema.json
TESTS += "$(BUILD)/harness/tests/test_schema $(RECORD_SCHEMA)"
# the schema's mode enum is the hv's registered modes; the hv's core names none of them
TESTS += "sh harness/tests/modes.sh $(BUILD)/hv $(RECORD_SCHEMA)"
# no import cycles among the object files of the hv, the bench, the model and the record library
TESTS += "sh harness/tests/deps.sh $(BUILD)/hv.d $(BUILD)/harness/bench $(BUILD)/harness/model \
	$(BUILD)/record"
TESTS += "$(BUILD)/harness/tests/test_results $(BUILD)/bench plots/plot.sh $(RECORD_SCHEMA)"
# hostile input to bench, model, the plots and make paper: refused, nothing changed
TESTS += "sh harness/tests/hostile.sh $(BUILD)"
TEST_DEPS += $(BUILD)/hv $(BUILD)/harness/tests/test_schema $(BUILD)/harness/tests/test_results \
	$(BUILD)/bench $(BUILD)/native/wl $(BUILD)/native/true $(BUILD)/validate \
	$(BUILD)/validate-static $(BUILD)/model $(BUILD)/hv

# make bench [QUICK=1] [BENCH_ARGS=...]: installs what is missing, builds, runs the default
# matrix into results/<stamp>-<host>/ and draws the plots (not after a refused, failed or
# interrupted run: results/latest is then the earlier run). Parts of the project that do not
# build leave their platforms skipped (with the reason) rather than stopping the run.
BENCH_NEEDS := $(BUILD)/bench $(BUILD)/native/wl $(BUILD)/native/true
bench:
	@sh harness/install-deps.sh bench
	@$(MAKE) --no-print-directory all || echo "bench: not everything built; running what did"
	@$(MAKE) --no-print-directory $(BENCH_NEEDS)
	@start=$$(date +%s); \
	./$(BUILD)/bench $(if $(QUICK),--quick) $(BENCH_ARGS); rc=$$?; \
	if [ $$rc = 0 ] || [ $$rc = 5 ]; then $(MAKE) --no-print-directory plots; fi; \
	echo "bench: finished in $$(( $$(date +%s) - start )) s, exit status $$rc" \
		"(harness/README.md: 5 some cells failed, 6 interrupted)"; \
	exit $$rc

# Redraws the figures of the latest results without rerunning anything.
plots:
	@BENCH=$(BUILD)/bench sh plots/plot.sh results/latest plots/out
