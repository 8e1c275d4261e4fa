/* SPDX-License-Identifier: GPL-2.0-only */
/* Every struct that crosses the BPF/userspace boundary: fixed-width fields,
 * widest first, explicit padding, no pointers. Included by both sides. */
#ifndef DROPMON_H
#define DROPMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define DROPMON_IFNAMSIZ 16
/* Overflow slots are keyed by reason; the kernel defines a few hundred. */
#define DROPMON_OVERFLOW_ENTRIES 4096

/* One counter series in the kernel. Hashed bytewise, so padding is explicit
 * and always zeroed. */
struct drop_key {
	__u64 location; /* return address inside the dropping function */
	__u32 reason;	/* enum skb_drop_reason (subsystem in the high 16 bits) */
	__u32 ifindex;	/* skb->dev's, else skb->skb_iif; 0 when neither */
	__u32 netns;	/* netns inode of the device, else of the socket; 0 unknown */
	__u32 pad;
};

struct drop_value {
	__u64 packets;
	__u64 bytes;
};

/* Per-CPU cache of the last key seen, so that a flood of one key costs one
 * compare and two adds instead of a hash lookup.
 *
 * `total` is the cumulative count of `key` on this CPU: the hash value copied
 * in when the key was cached, plus every drop since. When the key changes the
 * total is *assigned* (not added) back to the hash, so the hash value of a key
 * only ever grows and never exceeds the truth. A reader that copies this slot
 * first and the hash second reports max(slot, hash) and can neither go
 * backwards nor count a drop twice.
 *
 * seq_begin is bumped before the key changes and seq_end set equal to it
 * after; a copy in which they differ was torn and is read again. They sit at
 * the two ends because the kernel copies map values in ascending order. */
struct drop_slot {
	__u64 seq_end;
	struct drop_key key; /* key.location == 0: empty */
	struct drop_value total;
	__u64 seq_begin;
};

/* Device names recorded in the kernel when a counter key is first created, so
 * a netns that is gone by scrape time still has them. */
struct dev_key {
	__u32 netns;
	__u32 ifindex;
};

struct dev_info {
	char name[DROPMON_IFNAMSIZ];
};

/* Indexes of the per-CPU `stats` array. */
enum dropmon_stat {
	/* drops counted in an overflow slot because the counter map was full */
	DROPMON_STAT_MAP_FULL = 0,
	/* drops lost because even the overflow map was full: must stay 0 */
	DROPMON_STAT_OVERFLOW_FULL,
	DROPMON_STAT_MAX,
};

#endif /* DROPMON_H */
