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
	/* Which namespace `netns` is: the kernel reuses a freed netns inode at
	 * once, so the inode alone merges the counts of namespaces created one
	 * after another. struct net's net_cookie where the kernel sets it at
	 * setup (5.12+: unique for the boot); on 5.2-5.11 its hash_mix, a
	 * random u32 set at setup (two namespaces that share an inode differ
	 * but with a chance of 2^-32). hash_mix is a hashing secret: userspace
	 * compares this field, never prints, logs or exports it. 0: unknown. */
	__u64 netns_id;
	__u32 reason;  /* enum skb_drop_reason (subsystem in the high 16 bits) */
	__u32 ifindex; /* skb->dev's, else skb->skb_iif; 0 when neither */
	__u32 netns;   /* netns inode of the device, else of the socket; 0 unknown */
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
	__u64 netns_id; /* as in drop_key */
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
	/* Events (only while events are enabled): each drop is exactly one of
	 * filtered out, over the rate limit, lost (ring buffer full) or sent. */
	DROPMON_STAT_EVENTS_FILTERED,
	DROPMON_STAT_EVENTS_LIMITED,
	DROPMON_STAT_EVENTS_LOST,
	DROPMON_STAT_EVENTS_SENT,
	DROPMON_STAT_MAX,
};

/* Netfilter: which table and base chain returned the drop verdict of a
 * NETFILTER_DROP. Names longer than DROPMON_NF_NAMSIZ - 1 bytes are cut
 * there (nftables allows 255; base chains are rarely longer than 20). */
#define DROPMON_NF_NAMSIZ 32
/* Slots of the per-CPU verdict stash, chosen by the skb's address: more than
 * the contexts that can nest on one CPU between a verdict and its free. */
#define DROPMON_NF_STASH_SLOTS 4

/* Who returned the verdict (nf_key.kind, drop_event.nf_kind). */
enum dropmon_nf_kind {
	DROPMON_NF_NONE = 0, /* a NETFILTER_DROP no chain was seen to decide */
	DROPMON_NF_NFTABLES,
	DROPMON_NF_IPTABLES,  /* iptables-legacy: ipt_do_table */
	DROPMON_NF_IP6TABLES, /* ip6tables-legacy: ip6t_do_table */
	DROPMON_NF_KIND_MAX,
};

/* The verdict of a packet on this CPU, by the skb's address.
 *
 * x_tables: the probe at the return of ipt_do_table/ip6t_do_table writes
 * it all when the verdict is NF_DROP; nf_hook_slow() frees the skb next.
 *
 * nftables: since 6.x nft_do_chain() frees a dropped skb itself (and says
 * NF_STOLEN), so its return comes too late. The probe at its entry writes
 * the skb, the base chain and the hook state (pointers) with the layout of
 * the structs (CO-RE constants of the module's BTF, which the counting
 * program, loaded before the module, cannot have); the one at its return
 * clears the slot unless the verdict was NF_DROP. The drop of that skb
 * reads the names through the pointers (still inside the chain, or just
 * after it under RCU) and takes the slot. */
struct nf_stash {
	__u64 skb;	 /* the skb's address; 0: empty */
	__u64 chain_ptr; /* nftables: struct nft_chain *, 0 once names are read */
	__u64 state_ptr; /* nftables: const struct nf_hook_state * */
	/* nftables: offsets of nft_chain.table and .name, nft_table.name,
	 * nf_hook_state.hook, and nft_table.family (a bitfield: the offset of
	 * its storage, and the shifts that take it out of a u64 read there) */
	__u16 off_chain_table;
	__u16 off_chain_name;
	__u16 off_table_name;
	__u16 off_state_hook;
	__u16 off_table_family;
	__u8 family_lshift;
	__u8 family_rshift;
	__u8 kind;   /* enum dropmon_nf_kind */
	__u8 family; /* NFPROTO_* of the table (NFPROTO_INET for inet tables) */
	__u8 hook;   /* nf_hook_state.hook: NF_INET_*, NF_NETDEV_*, NF_ARP_* */
	__u8 pad;
	char table[DROPMON_NF_NAMSIZ];
	char chain[DROPMON_NF_NAMSIZ]; /* nftables' base chain; "" for x_tables */
};

/* One dropmon_netfilter_drops series in the kernel. The netns is the drop's
 * (as in drop_key), so the series of a netns add up to its NETFILTER_DROP
 * drops. All zero: drops that found the netfilter map full. */
struct nf_key {
	__u64 netns_id; /* as in drop_key */
	__u32 netns;
	__u8 kind; /* DROPMON_NF_NONE: no chain seen (conntrack, defrag, ...) */
	__u8 family;
	__u8 hook;
	__u8 pad;
	char table[DROPMON_NF_NAMSIZ];
	char chain[DROPMON_NF_NAMSIZ];
};

#define DROPMON_NF_MAP_ENTRIES 4096

#define DROPMON_STACK_DEPTH 32
#define DROPMON_PKT_BYTES 256

/* drop_event.flags */
enum drop_event_flag {
	/* data starts at an Ethernet header; else at the network header */
	DROP_EVENT_MAC = 1,
};

/* One sampled drop, through the `events` ring buffer. */
struct drop_event {
	__u64 ts_ns;			  /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 location;			  /* as in drop_key */
	__u64 stack[DROPMON_STACK_DEPTH]; /* kernel return addresses, innermost first */
	__u32 stack_len;		  /* frames in stack */
	__u32 cpu;
	__u32 pid;  /* thread id of the task the drop happened in */
	__u32 tgid; /* its process id */
	__u32 reason;
	__u32 ifindex;	  /* as in drop_key */
	__u32 rx_ifindex; /* skb->skb_iif: where it came in, 0 if it did not */
	__u32 netns;	  /* as in drop_key */
	__u32 len;	  /* skb->len */
	/* The packet's length from data[0] on: skb->len counts from skb->data,
	 * which is the network header at a receive drop and the MAC header at
	 * a transmit one, while data[] starts where DROP_EVENT_MAC says. */
	__u32 frame_len;
	__u32 flags;	/* enum drop_event_flag */
	__u16 l3_proto; /* skb->protocol, host order (ETH_P_IP, ETH_P_IPV6, ...) */
	__u16 caplen;	/* bytes of data[] filled, never past the linear data */
	char comm[16];
	char dev[DROPMON_IFNAMSIZ]; /* skb->dev's name, "" without one */
	/* A NETFILTER_DROP's verdict, as in struct nf_stash; nf_kind
	 * DROPMON_NF_NONE: not a netfilter drop, or no chain was seen. */
	__u8 nf_kind;
	__u8 nf_family;
	__u8 nf_hook;
	__u8 nf_pad[5];
	char nf_table[DROPMON_NF_NAMSIZ];
	char nf_chain[DROPMON_NF_NAMSIZ];
	__u8 data[DROPMON_PKT_BYTES];
};

#endif /* DROPMON_H */
