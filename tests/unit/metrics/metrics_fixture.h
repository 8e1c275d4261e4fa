/* SPDX-License-Identifier: GPL-2.0-only */
/* Fixtures of the metrics tests: counter snapshots built by hand (as
 * counters_read() would fill them from the BPF maps) and a reasons table
 * from a BTF written to a scratch directory. Included by one test file. */
#ifndef DROPMON_METRICS_FIXTURE_H
#define DROPMON_METRICS_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/btf.h>

#include "counters.h"
#include "reasons.h"
#include "testfs.h"

static inline void *fixture_grow(void *arr, size_t n, size_t size)
{
	void *p = reallocarray(arr, n + 1, size);

	assert_non_null(p);
	return p;
}

/* A row of the namespace (netns, id): id is drop_key.netns_id. */
static inline void snap_row_id(struct counters_snapshot *s, uint64_t location, uint32_t reason,
			       uint32_t ifindex, uint32_t netns, uint64_t id, uint64_t packets,
			       uint64_t bytes)
{
	s->rows = fixture_grow(s->rows, s->nrows, sizeof(*s->rows));
	s->rows[s->nrows++] = (struct counter_row){
		.key = { .location = location,
			 .netns_id = id,
			 .reason = reason,
			 .ifindex = ifindex,
			 .netns = netns },
		.value = { .packets = packets, .bytes = bytes },
	};
}

static inline void snap_row(struct counters_snapshot *s, uint64_t location, uint32_t reason,
			    uint32_t ifindex, uint32_t netns, uint64_t packets, uint64_t bytes)
{
	snap_row_id(s, location, reason, ifindex, netns, 0, packets, bytes);
}

static inline void snap_overflow(struct counters_snapshot *s, uint32_t reason, uint64_t packets,
				 uint64_t bytes)
{
	s->overflow = fixture_grow(s->overflow, s->noverflow, sizeof(*s->overflow));
	s->overflow[s->noverflow++] = (struct overflow_row){
		.reason = reason,
		.value = { .packets = packets, .bytes = bytes },
	};
}

/* Keeps devices sorted by (netns, netns_id, ifindex), as counters_read()
 * does. */
static inline void snap_device_id(struct counters_snapshot *s, uint32_t netns, uint64_t id,
				  uint32_t ifindex, const char *name)
{
	size_t pos = 0;

	s->devices = fixture_grow(s->devices, s->ndevices, sizeof(*s->devices));
	while (pos < s->ndevices) {
		const struct dev_key *k = &s->devices[pos].key;

		if (k->netns > netns || (k->netns == netns && k->netns_id > id) ||
		    (k->netns == netns && k->netns_id == id && k->ifindex >= ifindex))
			break;
		pos++;
	}
	memmove(&s->devices[pos + 1], &s->devices[pos], (s->ndevices - pos) * sizeof(*s->devices));
	memset(&s->devices[pos], 0, sizeof(*s->devices));
	s->devices[pos].key.netns = netns;
	s->devices[pos].key.netns_id = id;
	s->devices[pos].key.ifindex = ifindex;
	snprintf(s->devices[pos].info.name, sizeof(s->devices[pos].info.name), "%s", name);
	s->ndevices++;
}

static inline void snap_device(struct counters_snapshot *s, uint32_t netns, uint32_t ifindex,
			       const char *name)
{
	snap_device_id(s, netns, 0, ifindex, name);
}

/* What counters_forget_netns() does to the maps (every counter and device
 * entry of the namespace removed), done to a snapshot: returns the number of
 * counter rows removed. */
static inline int snap_forget_netns(struct counters_snapshot *s, uint32_t netns, uint64_t id)
{
	size_t i, n = 0, removed;

	for (i = 0; i < s->nrows; i++)
		if (s->rows[i].key.netns != netns || s->rows[i].key.netns_id != id)
			s->rows[n++] = s->rows[i];
	removed = s->nrows - n;
	s->nrows = n;
	for (i = 0, n = 0; i < s->ndevices; i++)
		if (s->devices[i].key.netns != netns || s->devices[i].key.netns_id != id)
			s->devices[n++] = s->devices[i];
	s->ndevices = n;
	return (int)removed;
}

/* The fixture kernel's drop reasons: NOT_SPECIFIED (2), NO_SOCKET (3),
 * PKT_TOO_SMALL (4), NETFILTER_DROP (5); other values are unnamed. */
#define R_NOT_SPECIFIED 2
#define R_NO_SOCKET 3
#define R_PKT_TOO_SMALL 4
#define R_NETFILTER_DROP 5

/* Writes dir/vmlinux and an empty dir/btf, and loads them. */
static inline struct reasons *fixture_reasons(const char *dir)
{
	static const char *const names[] = {
		"SKB_NOT_DROPPED_YET",		 "SKB_CONSUMED",
		"SKB_DROP_REASON_NOT_SPECIFIED", "SKB_DROP_REASON_NO_SOCKET",
		"SKB_DROP_REASON_PKT_TOO_SMALL", "SKB_DROP_REASON_NETFILTER_DROP",
		"SKB_DROP_REASON_MAX",
	};
	char vmlinux[256], modules[256];
	struct btf *btf = btf__new_empty();
	struct reasons *r = NULL;
	const void *data;
	__u32 size;
	int id, err;

	assert_non_null(btf);
	assert_true(btf__add_int(btf, "int", 4, BTF_INT_SIGNED) > 0);
	id = btf__add_enum(btf, "skb_drop_reason", 4);
	assert_true(id > 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(btf__add_enum_value(btf, names[i], (__s64)i), 0);
	data = btf__raw_data(btf, &size);
	assert_non_null(data);
	snprintf(vmlinux, sizeof(vmlinux), "%s/vmlinux", dir);
	snprintf(modules, sizeof(modules), "%s/btf", dir);
	assert_int_equal(testfs_write(vmlinux, data, size), 0);
	btf__free(btf);
	if (mkdir(modules, 0700) && errno != EEXIST)
		fail_msg("mkdir %s: %s", modules, strerror(errno));
	err = reasons_load(vmlinux, modules, &r);
	if (err)
		fail_msg("reasons_load(%s): %s", vmlinux, strerror(-err));
	return r;
}

#endif
