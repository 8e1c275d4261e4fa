/* SPDX-License-Identifier: GPL-2.0-only */
/* collect --netfilter-rules: which nftables rule (or chain policy) dropped a
 * packet, from the kernel's nftables trace.
 *
 * The kernel traces only packets marked with `meta nftrace set 1`, so in
 * every network namespace that has nftables tables this adds one table of
 * its own, `inet dropmon_trace`, whose chains at prerouting and output (at
 * the lowest priority, before any other) mark every packet, and listens
 * there to the trace (NFNLGRP_NFTRACE, as `nft monitor trace` does). Of the
 * trace it keeps the drop verdicts, with the packet's first header bytes;
 * a NETFILTER_DROP event then takes the one of its netns whose bytes are the
 * event's (nftrace_take). Nothing else of any ruleset is changed; the table
 * is deleted at nftrace_stop(), and a leftover one (from a run that was
 * killed) at the next nftrace_scan(). A lock file keeps a second run from
 * taking the first one's table for a leftover. */
#ifndef DROPMON_NFTRACE_H
#define DROPMON_NFTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NFTRACE_FAMILY "inet"
#define NFTRACE_TABLE "dropmon_trace"
#define NFTRACE_LOCK_DIR "/run/dropmon"
#define NFTRACE_LOCK NFTRACE_LOCK_DIR "/netfilter-rules.lock"
#define NFTRACE_NAMSIZ 256 /* NFT_NAME_MAXLEN */
#define NFTRACE_NH 40	   /* the kernel's NFT_TRACETYPE_NETWORK_HSIZE */
#define NFTRACE_TH 20	   /* and NFT_TRACETYPE_TRANSPORT_HSIZE */
/* Drop verdicts kept for events to take; past it the oldest goes. */
#define NFTRACE_QUEUE 1024
/* A verdict no event took in this long is forgotten. */
#define NFTRACE_KEEP_S 10.0

/* A drop verdict of the trace. */
struct nftrace_verdict {
	uint32_t netns;
	uint8_t family;	 /* the table's NFPROTO_* */
	bool policy;	 /* the chain's policy, not a rule */
	uint64_t handle; /* the rule's; 0 with policy */
	char table[NFTRACE_NAMSIZ];
	char chain[NFTRACE_NAMSIZ];
	uint8_t nh[NFTRACE_NH]; /* the packet from its network header on */
	uint8_t th[NFTRACE_TH]; /* from its transport header on */
	uint8_t nh_len, th_len;
	double at; /* monotonic_s() when read */
};

struct nftrace_stats {
	uint64_t verdicts; /* drop verdicts read */
	uint64_t taken;	   /* by an event */
	uint64_t expired;  /* forgotten, untaken (their event was not read) */
	uint64_t lost;	   /* trace messages the kernel could not queue (ENOBUFS) */
	uint64_t bad;	   /* messages that did not parse */
	uint64_t headless; /* verdicts whose packet's headers were not seen */
	unsigned tables;   /* namespaces with our table */
};

struct nftrace;

/* Takes the lock (lock_path NULL: NFTRACE_LOCK). Returns 0, -EBUSY when
 * another run holds it (*holder its pid, 0 if unknown), or a negative errno. */
int nftrace_open(const char *lock_path, struct nftrace **out, int *holder);
/* Looks at every network namespace (/run/netns/NAME, /proc/PID/ns/net) not
 * seen before: deletes a leftover table of ours; where nftables tables are,
 * listens to the trace and adds our table (each said with pr_info). A
 * namespace without tables is not looked at again. Returns how many tables
 * were added, or a negative errno when none could be for a reason that
 * holds for all (-ENOENT: no nft). */
int nftrace_scan(struct nftrace *t);
/* Only the network namespace inode (0: every one) is looked at from now. */
void nftrace_only(struct nftrace *t, uint32_t inode);
/* Reads what the trace sockets hold, without waiting. */
void nftrace_drain(struct nftrace *t);
/* Drains, then takes the oldest drop verdict of netns whose header bytes
 * are those of the packet l3[0..len) (from its network header on).
 * Returns 0, or -ENOENT when none is. */
int nftrace_take(struct nftrace *t, uint32_t netns, const uint8_t *l3, size_t len,
		 struct nftrace_verdict *out);
/* The rule's text as `nft -a list chain` prints it in v's netns, into
 * text[0..size) ("" when it cannot be told: the rule is gone, an odd name).
 * Chains are listed once, again only when a handle is not found. */
void nftrace_rule_text(struct nftrace *t, const struct nftrace_verdict *v, char *text, size_t size);
/* The parser of one trace message from netns: a drop verdict is queued.
 * Returns 1 when it was one, 0 for another message, -EINVAL for a bad one.
 * (nftrace_drain() calls it; exported for the fuzz target.) */
int nftrace_handle_msg(struct nftrace *t, uint32_t netns, const void *msg, size_t len);
/* Each whole message of a recv() buffer in turn, through
 * nftrace_handle_msg(); bad ones counted. (Exported for the fuzz target.) */
void nftrace_handle_buf(struct nftrace *t, uint32_t netns, const void *buf, size_t len);
void nftrace_get_stats(const struct nftrace *t, struct nftrace_stats *out);
/* Deletes our table wherever it was added, closes everything, unlocks.
 * Accepts NULL. */
void nftrace_stop(struct nftrace *t);

#endif
