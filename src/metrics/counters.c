// SPDX-License-Identifier: GPL-2.0-only
/* Reads the kernel's counter maps into one consistent snapshot. The per-CPU
 * last-key cache is read before the hash, which is what makes max(cache, hash)
 * exact (see struct drop_slot in bpf/dropmon.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "array.h"
#include "counters.h"
#include "log.h"

/* Entries fetched per batch syscall: 10k series in ~10 calls. */
#define BATCH_ENTRIES 1024
/* A cache switch takes a few hundred ns: a torn copy is retried at once. */
#define SLOT_RETRIES 64
/* The kernel's own "not supported" (not in userspace headers): old kernels
 * answer batch lookups on hash maps with it. */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

struct counters_reader {
	struct loader_maps maps;
	int ncpus;
	struct drop_slot *slots; /* one per possible CPU: its last consistent copy */
	struct drop_slot *copy;	 /* the copy being read */
	bool *good;		 /* slots[cpu] holds a consistent copy */
	int *active;		 /* CPUs whose slot holds a key, read consistently */
	int nactive;
	void *keys, *values; /* batch buffers */
	size_t keys_size, values_size;
	bool no_batch; /* the kernel has no batch ops for hash maps */
};

/* collect_netns_key() tells the key types by their size. */
_Static_assert(sizeof(struct drop_key) != sizeof(struct nf_key) &&
		   sizeof(struct dev_key) != sizeof(struct nf_key) &&
		   sizeof(struct drop_key) != sizeof(struct dev_key),
	       "key types must differ in size");

typedef int (*dump_fn)(struct counters_reader *r, const void *key, const void *values, void *ctx);

int counters_reader_new(const struct loader_maps *maps, struct counters_reader **out)
{
	struct counters_reader *r;
	int ncpus = libbpf_num_possible_cpus();

	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->maps = *maps;
	r->ncpus = ncpus;
	r->slots = calloc((size_t)ncpus, sizeof(*r->slots));
	r->copy = calloc((size_t)ncpus, sizeof(*r->copy));
	r->good = calloc((size_t)ncpus, sizeof(*r->good));
	r->active = calloc((size_t)ncpus, sizeof(*r->active));
	/* The largest per-entry value is a per-CPU struct drop_value. */
	r->keys_size = BATCH_ENTRIES * sizeof(struct nf_key);
	r->values_size = BATCH_ENTRIES * (size_t)ncpus * sizeof(struct drop_value);
	r->keys = malloc(r->keys_size);
	r->values = malloc(r->values_size);
	if (!r->slots || !r->copy || !r->good || !r->active || !r->keys || !r->values) {
		counters_reader_free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void counters_reader_free(struct counters_reader *r)
{
	if (!r)
		return;
	free(r->values);
	free(r->keys);
	free(r->active);
	free(r->slots);
	free(r->copy);
	free(r->good);
	free(r);
}

static int dump_iterate(struct counters_reader *r, int fd, size_t key_size, dump_fn fn, void *ctx)
{
	char key[sizeof(struct nf_key)], next[sizeof(struct nf_key)];
	void *prev = NULL;
	int err;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, r->values) != 0) {
			if (errno == ENOENT) /* deleted meanwhile */
				continue;
			return -errno;
		}
		err = fn(r, key, r->values, ctx);
		if (err)
			return err;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Calls fn for every entry of a hash map. value_size covers all CPUs of a
 * per-CPU map. Batch lookups where the kernel has them (5.6+). */
static int map_dump(struct counters_reader *r, int fd, size_t key_size, size_t value_size,
		    dump_fn fn, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 in_tok = 0, out_tok = 0;
	bool first = true, done = false;
	__u32 count, max = (__u32)(r->values_size / value_size);
	int err;

	if (max > r->keys_size / key_size)
		max = (__u32)(r->keys_size / key_size);
	if (r->no_batch)
		return dump_iterate(r, fd, key_size, fn, ctx);
	while (!done) {
		count = max;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in_tok, &out_tok, r->keys, r->values,
					   &count, &opts);
		if (err == -ENOENT) {
			done = true;
		} else if (err == -EINVAL || err == -ENOTSUPP || err == -EOPNOTSUPP) {
			if (!first)
				return err;
			r->no_batch = true;
			return dump_iterate(r, fd, key_size, fn, ctx);
		} else if (err) {
			/* ENOSPC: one hash bucket holds more than `max` entries;
			 * cannot happen with BATCH_ENTRIES this large. */
			return err;
		}
		for (__u32 i = 0; i < count; i++) {
			err = fn(r, (char *)r->keys + i * key_size,
				 (char *)r->values + i * value_size, ctx);
			if (err)
				return err;
		}
		in_tok = out_tok;
		first = false;
	}
	return 0;
}

/* Copies every CPU's slot, re-reading until each CPU has been seen between
 * two key switches (seq_begin == seq_end) at least once: any such copy taken
 * before the hash is read is a valid lower bound for it. A CPU still torn
 * after SLOT_RETRIES copies (it switches keys at every drop) is counted in
 * *torn and its slot left out. */
static int read_slots(struct counters_reader *r, unsigned int *torn)
{
	int cpu, tries, pending = r->ncpus;
	__u32 zero = 0;

	for (cpu = 0; cpu < r->ncpus; cpu++)
		r->good[cpu] = false;
	for (tries = 0; tries < SLOT_RETRIES && pending; tries++) {
		if (bpf_map_lookup_elem(r->maps.last_key, &zero, r->copy))
			return -errno;
		for (cpu = 0; cpu < r->ncpus; cpu++) {
			if (r->good[cpu] || r->copy[cpu].seq_begin != r->copy[cpu].seq_end)
				continue;
			r->slots[cpu] = r->copy[cpu];
			r->good[cpu] = true;
			pending--;
		}
	}
	r->nactive = 0;
	*torn = (unsigned int)pending;
	for (cpu = 0; cpu < r->ncpus; cpu++) {
		if (r->good[cpu] && r->slots[cpu].key.location)
			r->active[r->nactive++] = cpu;
	}
	if (*torn)
		pr_debug("%u CPU(s) kept switching keys while read; their cache is skipped\n",
			 *torn);
	return 0;
}

static int add_counter(struct counters_reader *r, const void *k, const void *v, void *ctx)
{
	struct counters_snapshot *snap = ctx;
	const struct drop_key *key = k;
	const struct drop_value *vals = v;
	struct counter_row *row;
	int err;

	err = ARRAY_RESERVE(snap->rows, snap->rows_cap, snap->nrows, 256);
	if (err)
		return err;
	row = &snap->rows[snap->nrows++];
	row->key = *key;
	row->value.packets = 0;
	row->value.bytes = 0;
	for (int cpu = 0; cpu < r->ncpus; cpu++) {
		struct drop_value cv = vals[cpu];

		for (int i = 0; i < r->nactive; i++) {
			const struct drop_slot *s = &r->slots[r->active[i]];

			if (r->active[i] != cpu || s->key.location != key->location ||
			    memcmp(&s->key, key, sizeof(*key)) != 0)
				continue;
			if (s->total.packets > cv.packets)
				cv.packets = s->total.packets;
			if (s->total.bytes > cv.bytes)
				cv.bytes = s->total.bytes;
		}
		row->value.packets += cv.packets;
		row->value.bytes += cv.bytes;
	}
	return 0;
}

/* A per-CPU value summed over the CPUs. */
static void sum_cpus(const struct counters_reader *r, const struct drop_value *vals,
		     struct drop_value *out)
{
	out->packets = 0;
	out->bytes = 0;
	for (int cpu = 0; cpu < r->ncpus; cpu++) {
		out->packets += vals[cpu].packets;
		out->bytes += vals[cpu].bytes;
	}
}

static int add_overflow(struct counters_reader *r, const void *k, const void *v, void *ctx)
{
	struct counters_snapshot *snap = ctx;
	const struct drop_value *vals = v;
	struct overflow_row *row;
	int err;

	err = ARRAY_RESERVE(snap->overflow, snap->overflow_cap, snap->noverflow, 256);
	if (err)
		return err;
	row = &snap->overflow[snap->noverflow++];
	memcpy(&row->reason, k, sizeof(row->reason));
	sum_cpus(r, vals, &row->value);
	return 0;
}

static int add_nf(struct counters_reader *r, const void *k, const void *v, void *ctx)
{
	struct counters_snapshot *snap = ctx;
	const struct drop_value *vals = v;
	struct nf_row *row;
	int err;

	err = ARRAY_RESERVE(snap->nf, snap->nf_cap, snap->nnf, 64);
	if (err)
		return err;
	row = &snap->nf[snap->nnf++];
	memcpy(&row->key, k, sizeof(row->key));
	sum_cpus(r, vals, &row->value);
	return 0;
}

static int add_device(struct counters_reader *r, const void *k, const void *v, void *ctx)
{
	struct counters_snapshot *snap = ctx;
	struct device_row *row;
	int err;

	(void)r;
	err = ARRAY_RESERVE(snap->devices, snap->devices_cap, snap->ndevices, 256);
	if (err)
		return err;
	row = &snap->devices[snap->ndevices++];
	memcpy(&row->key, k, sizeof(row->key));
	memcpy(&row->info, v, sizeof(row->info));
	row->info.name[sizeof(row->info.name) - 1] = '\0'; /* kernel data: bound it */
	return 0;
}

static int cmp_dev_key(const struct dev_key *a, const struct dev_key *b)
{
	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->netns_id != b->netns_id)
		return a->netns_id < b->netns_id ? -1 : 1;
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	return 0;
}

static int cmp_device_row(const void *a, const void *b)
{
	return cmp_dev_key(&((const struct device_row *)a)->key,
			   &((const struct device_row *)b)->key);
}

static int read_stats(struct counters_reader *r, struct counters_snapshot *snap)
{
	__u64 *vals = r->values; /* ncpus u64 fit: values_size is far larger */

	for (__u32 i = 0; i < DROPMON_STAT_MAX; i++) {
		snap->stats[i] = 0;
		if (bpf_map_lookup_elem(r->maps.stats, &i, vals))
			return -errno;
		for (int cpu = 0; cpu < r->ncpus; cpu++)
			snap->stats[i] += vals[cpu];
	}
	return 0;
}

int counters_read_stats(struct counters_reader *r, uint64_t stats[DROPMON_STAT_MAX])
{
	struct counters_snapshot snap = { 0 };
	int err = read_stats(r, &snap);

	if (!err)
		memcpy(stats, snap.stats, sizeof(snap.stats));
	return err;
}

int counters_read(struct counters_reader *r, struct counters_snapshot *snap)
{
	unsigned int torn; /* logged by read_slots */
	size_t pcpu_value = (size_t)r->ncpus * sizeof(struct drop_value);
	int err;

	snap->nrows = 0;
	snap->noverflow = 0;
	snap->ndevices = 0;
	snap->nnf = 0;
	/* Order matters: the cache before the hash. */
	err = read_slots(r, &torn);
	if (err)
		return err;
	err = map_dump(r, r->maps.counters, sizeof(struct drop_key), pcpu_value, add_counter, snap);
	if (err)
		return err;
	err = map_dump(r, r->maps.overflow, sizeof(__u32), pcpu_value, add_overflow, snap);
	if (err)
		return err;
	err = map_dump(r, r->maps.devices, sizeof(struct dev_key), sizeof(struct dev_info),
		       add_device, snap);
	if (err)
		return err;
	if (snap->ndevices)
		qsort(snap->devices, snap->ndevices, sizeof(*snap->devices), cmp_device_row);
	if (r->maps.nf_counters >= 0) {
		err = map_dump(r, r->maps.nf_counters, sizeof(struct nf_key), pcpu_value, add_nf,
			       snap);
		if (err)
			return err;
	}
	return read_stats(r, snap);
}

const char *counters_device_name(const struct counters_snapshot *snap, uint32_t netns,
				 uint64_t netns_id, uint32_t ifindex)
{
	struct device_row key = { .key = {
				      .netns_id = netns_id, .netns = netns, .ifindex = ifindex } };
	const struct device_row *row;

	if (!snap->ndevices)
		return NULL;
	row = bsearch(&key, snap->devices, snap->ndevices, sizeof(*snap->devices), cmp_device_row);
	return row && row->info.name[0] ? row->info.name : NULL;
}

struct forget_ctx {
	uint32_t netns;
	uint64_t netns_id;
	void *keys;
	size_t n, cap, key_size;
};

static int collect_netns_key(struct counters_reader *r, const void *k, const void *v, void *c)
{
	struct forget_ctx *ctx = c;
	uint32_t netns;
	uint64_t id;
	int err;

	(void)r;
	(void)v;
	/* The key types carry the namespace at different offsets. */
	if (ctx->key_size == sizeof(struct drop_key)) {
		netns = ((const struct drop_key *)k)->netns;
		id = ((const struct drop_key *)k)->netns_id;
	} else if (ctx->key_size == sizeof(struct nf_key)) {
		netns = ((const struct nf_key *)k)->netns;
		id = ((const struct nf_key *)k)->netns_id;
	} else {
		netns = ((const struct dev_key *)k)->netns;
		id = ((const struct dev_key *)k)->netns_id;
	}
	if (netns != ctx->netns || id != ctx->netns_id)
		return 0;
	err = array_reserve(&ctx->keys, &ctx->cap, ctx->n, ctx->key_size, 256);
	if (err)
		return err;
	memcpy((char *)ctx->keys + ctx->n++ * ctx->key_size, k, ctx->key_size);
	return 0;
}

/* Keys are collected first: deleting while iterating a hash map restarts the
 * iteration in the kernel. */
static int forget_in_map(struct counters_reader *r, int fd, size_t key_size, size_t value_size,
			 uint32_t netns, uint64_t netns_id)
{
	struct forget_ctx ctx = { .netns = netns, .netns_id = netns_id, .key_size = key_size };
	int err, removed = 0;

	err = map_dump(r, fd, key_size, value_size, collect_netns_key, &ctx);
	for (size_t i = 0; !err && i < ctx.n; i++) {
		if (bpf_map_delete_elem(fd, (char *)ctx.keys + i * key_size) == 0)
			removed++;
	}
	free(ctx.keys);
	return err ? err : removed;
}

int counters_forget_netns(struct counters_reader *r, uint32_t netns, uint64_t netns_id)
{
	size_t pcpu_value = (size_t)r->ncpus * sizeof(struct drop_value);
	unsigned int torn;
	int removed;

	removed = read_slots(r, &torn);
	if (removed)
		return removed;
	if (torn)
		return -EBUSY;
	for (int i = 0; i < r->nactive; i++) {
		const struct drop_key *k = &r->slots[r->active[i]].key;

		if (k->netns == netns && k->netns_id == netns_id)
			return -EBUSY;
	}

	removed = forget_in_map(r, r->maps.counters, sizeof(struct drop_key), pcpu_value, netns,
				netns_id);
	if (removed < 0)
		return removed;
	forget_in_map(r, r->maps.devices, sizeof(struct dev_key), sizeof(struct dev_info), netns,
		      netns_id);
	if (r->maps.nf_counters >= 0 && netns)
		forget_in_map(r, r->maps.nf_counters, sizeof(struct nf_key), pcpu_value, netns,
			      netns_id);
	return removed;
}

void counters_snapshot_free(struct counters_snapshot *snap)
{
	free(snap->rows);
	free(snap->overflow);
	free(snap->devices);
	free(snap->nf);
	memset(snap, 0, sizeof(*snap));
}
