/* SPDX-License-Identifier: GPL-2.0-only */
/* Reads the kernel's counter maps into one consistent snapshot: per-CPU
 * values summed, the per-CPU last-key cache merged in. */
#ifndef DROPMON_COUNTERS_H
#define DROPMON_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "dropmon.h"
#include "loader.h"

struct counter_row {
	struct drop_key key;
	struct drop_value value; /* summed over CPUs */
};

struct overflow_row {
	uint32_t reason;
	struct drop_value value;
};

struct nf_row {
	struct nf_key key;
	struct drop_value value; /* summed over CPUs */
};

struct device_row {
	struct dev_key key;
	struct dev_info info;
};

struct counters_snapshot {
	struct counter_row *rows;
	size_t nrows, rows_cap;
	struct overflow_row *overflow;
	size_t noverflow, overflow_cap;
	struct device_row *devices; /* sorted by (netns, netns_id, ifindex) */
	size_t ndevices, devices_cap;
	struct nf_row *nf; /* netfilter series; none unless the loader has them */
	size_t nnf, nf_cap;
	uint64_t stats[DROPMON_STAT_MAX];
};

struct counters_reader;

/* Returns 0 or a negative errno: when the CPU count is unknown, or memory
 * runs out. */
int counters_reader_new(const struct loader_maps *maps, struct counters_reader **out);
void counters_reader_free(struct counters_reader *r);
/* Fills snap (reusing its arrays). Returns 0 or a negative errno. */
int counters_read(struct counters_reader *r, struct counters_snapshot *snap);
/* Only the program's own statistics (enum dropmon_stat), summed over CPUs. */
int counters_read_stats(struct counters_reader *r, uint64_t stats[DROPMON_STAT_MAX]);
/* The name recorded in the kernel for the device of that namespace (inode
 * and drop_key.netns_id), or NULL. */
const char *counters_device_name(const struct counters_snapshot *snap, uint32_t netns,
				 uint64_t netns_id, uint32_t ifindex);
/* Removes every counter and device entry of a netns (its inode and
 * drop_key.netns_id: another namespace may have the same inode by now) from
 * the kernel maps.
 * Returns the number of counter entries removed, or a negative errno:
 * -EBUSY (nothing removed; try again later) while a CPU's last-key slot
 * still caches a key of that netns or is being switched. A cached key must
 * not be deleted under the BPF program: it keeps counting into the slot
 * without a hash entry, and the counts would be lost if the netns inode is
 * reused by a new namespace with the same key. */
int counters_forget_netns(struct counters_reader *r, uint32_t netns, uint64_t netns_id);
void counters_snapshot_free(struct counters_snapshot *snap);

#endif
