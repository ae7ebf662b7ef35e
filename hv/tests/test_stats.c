/* test_stats.c: KVM binary stats descriptors parsed from a synthetic buffer. */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include "hv.h"
#include "test.h"

#define NAME_SIZE   48
#define DESC_SIZE   (sizeof(struct kvm_stats_desc) + NAME_SIZE)
#define DESC_OFFSET 64 /* after the header and an id string, as KVM lays it out */

static uint8_t buf[4096];
static size_t data_offset;

static void put_desc(int i, const char *name, uint32_t flags, uint16_t size, uint32_t offset)
{
	struct kvm_stats_desc d = {.flags = flags, .size = size, .offset = offset};
	uint8_t *p = buf + DESC_OFFSET + i * DESC_SIZE;
	memcpy(p, &d, sizeof d);
	memset(p + sizeof d, 0, NAME_SIZE);
	memcpy(p + sizeof d, name, strnlen(name, NAME_SIZE));
}

/* Four stats: a counter, a gauge, a histogram (skipped) and a name without a NUL (skipped). */
static size_t build(uint32_t ndesc)
{
	memset(buf, 0, sizeof buf);
	data_offset = DESC_OFFSET + ndesc * DESC_SIZE;
	struct kvm_stats_header h = {.name_size = NAME_SIZE,
				     .num_desc = ndesc,
				     .id_offset = 24,
				     .desc_offset = DESC_OFFSET,
				     .data_offset = (uint32_t)data_offset};
	memcpy(buf, &h, sizeof h);
	put_desc(0, "exits", KVM_STATS_TYPE_CUMULATIVE, 1, 0);
	put_desc(1, "pages_4k", KVM_STATS_TYPE_INSTANT, 1, 8);
	put_desc(2, "halt_poll_success_hist", KVM_STATS_TYPE_LOG_HIST, 32, 16);
	char long_name[NAME_SIZE];
	memset(long_name, 'n', sizeof long_name);
	put_desc(3, long_name, KVM_STATS_TYPE_CUMULATIVE, 1, 16 + 32 * 8);
	uint64_t vals[2] = {12345, 77};
	memcpy(buf + data_offset, vals, sizeof vals);
	return data_offset;
}

static void test_parse(void)
{
	struct kvm_stats s;
	char err[128];
	size_t len = build(4);
	CHECK(stats_parse(&s, buf, len, err, sizeof err) == 0, "%s", err);
	CHECK(s.n == 2, "kept %u stats", s.n);
	CHECK(s.data_offset == data_offset, "data offset");
	CHECK(s.data_size == 16 + 32 * 8 + 8, "data size %lu", s.data_size);
	int exits = stats_find(&s, "exits"), pages = stats_find(&s, "pages_4k");
	CHECK(exits == 0 && pages == 1, "found %d %d", exits, pages);
	CHECK(s.desc[exits].cumulative && !s.desc[pages].cumulative, "types");
	CHECK(stats_find(&s, "pf_taken") == -1, "a missing name is absent, not an error");
	CHECK(stats_find(&s, "halt_poll_success_hist") == -1, "histograms skipped");
	const uint8_t *data = buf + data_offset;
	CHECK(stats_value(&s, data, 16, (uint32_t)exits) == 12345, "counter value");
	CHECK(stats_value(&s, data, 16, (uint32_t)pages) == 77, "gauge value");
	CHECK(stats_value(&s, data, 12, (uint32_t)pages) == 0, "value past a short read");
	CHECK(stats_value(&s, data, 16, 99) == 0, "index out of range");
	free(s.desc);
}

static void test_malformed(void)
{
	struct kvm_stats s;
	char err[128];
	size_t len = build(4);
	CHECK(stats_parse(&s, buf, 10, err, sizeof err) < 0, "truncated header");
	CHECK(stats_parse(&s, buf, len - 1, err, sizeof err) < 0, "truncated descriptors");
	struct kvm_stats_header h;
	memcpy(&h, buf, sizeof h);
	h.num_desc = 1u << 30;
	memcpy(buf, &h, sizeof h);
	CHECK(stats_parse(&s, buf, len, err, sizeof err) < 0, "absurd descriptor count");
	build(4);
	h.name_size = 0;
	h.num_desc = 4;
	memcpy(buf, &h, sizeof h);
	CHECK(stats_parse(&s, buf, len, err, sizeof err) < 0, "zero name size");
	build(4);
	h.name_size = NAME_SIZE;
	h.desc_offset = 1u << 31;
	memcpy(buf, &h, sizeof h);
	CHECK(stats_parse(&s, buf, len, err, sizeof err) < 0, "descriptors far away");
	build(1);
	put_desc(0, "exits", KVM_STATS_TYPE_CUMULATIVE, 0, 0);
	CHECK(stats_parse(&s, buf, data_offset, err, sizeof err) < 0, "zero-sized stat");
}

int main(void)
{
	RUN_TEST(test_parse);
	RUN_TEST(test_malformed);
	TEST_EXIT();
}
