/* test_schema.c: the run-record schema loads, a complete record passes, and broken ones fail. */
/* Each broken record violates one keyword of the subset (required, type, enum, minimum,
 * additionalProperties, items, a $ref into $defs), so the validator must be able to say no;
 * a schema with a keyword outside the subset is refused. */
#include <jansson.h>
#include "record.h"
#include "test.h"

static json_t *schema;

/* A complete ok record as the hv writes it (mmu pvm: with guest kernel instructions). */
static json_t *good_record(void)
{
	return json_pack(
	    "{s:s, s:n, s:s, s:[i,i], s:s, s:n, s:s, s:s, s:s, s:s, s:b, s:n, s:i, s:i, s:i, "
	    "s:i, s:[i,i], s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f}, s:{s:f, s:f}, s:{s:f}, "
	    "s:{s:{s:f}, s:{}}, s:f, s:n, s:{s:i, s:i, s:i}, s:{s:i, s:{s:i, s:i, s:{}, s:f}}, "
	    "s:[{s:i, s:s, s:s, s:i}]}",
	    "workload", "forkstorm", "exec", "params", "rss_kib=64,touch_pages=0", "param_values",
	    64, 0, "mode", "classic", "fork_policy", "platform", "host", "mmu", "pvm", "time_note",
	    "PVM: guest ring 0 emulated", "status", "ok", "ok", 1, "error", "iterations", 10,
	    "repetitions", 2, "warmup", 1, "tsc_khz", 2445400, "cycles", 1000, 1200, "latency_ns",
	    "min", 40.9, "p10", 41.7, "p50", 45.0, "p90", 48.3, "p99", 49.0, "max", 49.1, "mean",
	    45.0, "exits_per_op", "io", 1.1, "in KVM", 3.0, "hypercalls_per_op", "nop", 1.0,
	    "kvm_stats_per_op", "vcpu", "insn_emulation", 5.5, "vm", "guest_kernel_insns_per_op",
	    5.5, "hv_paging_per_op", "host_rss_kib", "before", 1704, "peak", 1984, "after", 1984,
	    "hypercalls_total", "unknown", 0, "nop", "calls", 10, "errors", 0, "errors_by_code",
	    "host_ns", 400.0, "proc_faults", "pid", 1, "va", "0xffffffff8010621a", "rip",
	    "0xffffffff8010621a", "error_code", 21);
}

static void expect_valid(json_t *r, const char *what)
{
	char err[512] = "";
	CHECK(r && schema_validate(schema, r, err, sizeof err) == 0, "%s: %s", what, err);
	json_decref(r);
}

/* r must be rejected with a message that names path. */
static void expect_invalid(json_t *r, const char *path, const char *what)
{
	char err[512] = "";
	CHECK(r && schema_validate(schema, r, err, sizeof err) < 0, "%s was accepted", what);
	CHECK(strstr(err, path), "%s: the message '%s' does not name %s", what, err, path);
	json_decref(r);
}

static void test_valid(void)
{
	expect_valid(good_record(), "a complete record");
	json_t *skipped =
	    json_pack("{s:s, s:s, s:[], s:s, s:n, s:s, s:s, s:n, s:s, s:b, s:n, s:s}", "workload",
		      "kalloc", "params", "", "param_values", "mode", "none", "fork_policy",
		      "platform", "native", "mmu", "none", "time_note", "status", "skipped", "ok",
		      0, "error", "reason", "guest only");
	expect_valid(skipped, "a skipped cell");
}

static void test_invalid(void)
{
	json_t *r = good_record();
	json_object_del(r, "status");
	expect_invalid(r, "\"status\" is required", "a record without status");

	r = good_record();
	json_object_set_new(json_object_get(r, "latency_ns"), "p50", json_real(-1));
	expect_invalid(r, "/latency_ns/p50", "a negative latency ($ref into $defs, minimum)");

	r = good_record();
	json_object_del(json_object_get(r, "latency_ns"), "p10");
	expect_invalid(r, "/latency_ns", "a latency without p10");

	r = good_record();
	json_object_set_new(r, "mode", json_string("bogus"));
	expect_invalid(r, "/mode", "an unknown mode (enum)");

	r = good_record();
	json_object_set_new(r, "iterations", json_string("10"));
	expect_invalid(r, "/iterations", "iterations as a string (type)");

	r = good_record();
	json_object_set_new(r, "iterations", json_real(2.5));
	expect_invalid(r, "/iterations", "a fractional iteration count (integer)");

	r = good_record();
	json_object_set_new(r, "latency", json_object());
	expect_invalid(r, "\"latency\" is not a property", "an undocumented field");

	r = good_record();
	json_array_append_new(json_object_get(r, "cycles"), json_string("x"));
	expect_invalid(r, "/cycles/2", "a cycles sample that is no number (items)");

	r = good_record();
	json_object_set_new(json_object_get(r, "hypercalls_per_op"), "bad", json_string("1"));
	expect_invalid(r, "/hypercalls_per_op/bad", "a count that is no number");

	r = good_record();
	json_object_set_new(r, "fork_policy", json_string("eager"));
	expect_invalid(r, "/fork_policy", "an unknown fork policy");
}

/* Keywords outside the subset, and $refs to nowhere, are refused rather than ignored. */
static void test_unsupported(void)
{
	char err[256] = "";
	json_t *s = json_pack("{s:s, s:{s:{s:[{s:s}]}}}", "type", "object", "properties", "a",
			      "oneOf", "type", "string");
	CHECK(schema_check(s, err, sizeof err) < 0 && strstr(err, "/properties/a/oneOf"),
	      "oneOf accepted: %s", err);
	json_decref(s);
	s = json_pack("{s:s}", "$ref", "#/$defs/none");
	CHECK(schema_check(s, err, sizeof err) < 0, "a dangling $ref accepted");
	json_decref(s);
	s = json_pack("{s:s}", "type", "float");
	CHECK(schema_check(s, err, sizeof err) < 0, "an unknown type accepted");
	json_decref(s);
}

int main(int argc, char **argv)
{
	char err[512];
	if (argc != 2) {
		fprintf(stderr, "usage: test_schema SCHEMA\n");
		return 2;
	}
	schema = schema_load(argv[1], err, sizeof err);
	CHECK(schema != NULL, "%s", err);
	printf("%s %s\n", schema ? "PASS" : "FAIL", "test_load");
	if (schema) {
		RUN_TEST(test_valid);
		RUN_TEST(test_invalid);
	}
	RUN_TEST(test_unsupported);
	json_decref(schema);
	TEST_EXIT();
}
