/* stats.c: KVM's binary statistics: descriptors parsed once, values read by name. */
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hv.h"

#define STATS_MAX_DESC 4096
#define STATS_MAX_NAME 4096

int stats_parse(struct kvm_stats *s, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	struct kvm_stats_header h;
	if (len < sizeof h)
		return errorf(err, errlen, "stats header truncated (%zu bytes)", len);
	memcpy(&h, buf, sizeof h);
	if (h.num_desc > STATS_MAX_DESC || h.name_size == 0 || h.name_size > STATS_MAX_NAME)
		return errorf(err, errlen, "implausible stats header (%u descriptors, names %u)",
			      h.num_desc, h.name_size);
	uint64_t desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	if (h.desc_offset > len || h.num_desc * desc_size > len - h.desc_offset)
		return errorf(err, errlen, "stats descriptors lie outside the %zu bytes read", len);

	s->desc = calloc(h.num_desc ? h.num_desc : 1, sizeof *s->desc);
	if (!s->desc)
		return errorf(err, errlen, "out of memory");
	s->n = 0;
	s->data_offset = h.data_offset;
	s->data_size = 0;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc d;
		const uint8_t *p = buf + h.desc_offset + i * desc_size;
		memcpy(&d, p, sizeof d);
		const char *name = (const char *)p + sizeof d;
		size_t name_len = strnlen(name, h.name_size);
		uint32_t type = d.flags & KVM_STATS_TYPE_MASK;
		uint64_t end = (uint64_t)d.offset + (uint64_t)d.size * sizeof(uint64_t);
		if (d.size == 0 || end > UINT32_MAX) {
			free(s->desc);
			return errorf(err, errlen, "stat %u has a bad size or offset", i);
		}
		if (end > s->data_size)
			s->data_size = end;
		/* histograms and names we cannot hold are skipped, not errors */
		if (type > KVM_STATS_TYPE_PEAK || name_len == h.name_size ||
		    name_len >= sizeof s->desc->name)
			continue;
		struct kvm_stat *st = &s->desc[s->n++];
		memcpy(st->name, name, name_len);
		st->name[name_len] = '\0';
		st->flags = d.flags;
		st->offset = d.offset;
		st->size = d.size;
		st->cumulative = type == KVM_STATS_TYPE_CUMULATIVE;
	}
	return 0;
}

int stats_open(struct kvm_stats *s, int fd)
{
	struct kvm_stats_header h;
	char err[128];
	memset(s, 0, sizeof *s);
	s->fd = -1;
	if (fd < 0 || pread(fd, &h, sizeof h, 0) != sizeof h)
		return -1;
	/* the descriptors end before the data block, or before the id string if it is later */
	size_t len = h.data_offset > h.desc_offset ? h.data_offset : h.id_offset;
	if (len < sizeof h || len > 16 * MIB)
		return -1;
	uint8_t *buf = malloc(len);
	if (!buf)
		die("stats buffer");
	ssize_t got = pread(fd, buf, len, 0);
	int ret = got == (ssize_t)len ? stats_parse(s, buf, len, err, sizeof err) : -1;
	free(buf);
	if (ret < 0) {
		fprintf(stderr, "hv: KVM stats unreadable: %s\n",
			got == (ssize_t)len ? err : "short read");
		return -1;
	}
	s->fd = fd;
	return 0;
}

int stats_find(const struct kvm_stats *s, const char *name)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (strcmp(s->desc[i].name, name) == 0)
			return (int)i;
	return -1;
}

uint64_t stats_value(const struct kvm_stats *s, const uint8_t *data, size_t len, uint32_t i)
{
	uint64_t v = 0;
	if (i < s->n && s->desc[i].offset <= len && len - s->desc[i].offset >= sizeof v)
		memcpy(&v, data + s->desc[i].offset, sizeof v);
	return v;
}

void stats_snapshot(const struct kvm_stats *s, uint64_t *vals)
{
	if (s->fd < 0 || s->n == 0)
		return;
	uint8_t *data = malloc(s->data_size);
	if (!data)
		die("stats snapshot buffer");
	ssize_t got = pread(s->fd, data, s->data_size, (off_t)s->data_offset);
	if (got < 0)
		die("reading KVM stats");
	for (uint32_t i = 0; i < s->n; i++)
		vals[i] = stats_value(s, data, (size_t)got, i);
	free(data);
}
