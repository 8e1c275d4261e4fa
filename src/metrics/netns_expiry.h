/* SPDX-License-Identifier: GPL-2.0-only */
/* The network namespaces seen in the counters: their names, remembered so
 * that series keep them during a grace period after the namespace is gone,
 * the value of their `netns` label, and the removal of their series once
 * that period is over. A namespace is its inode and the kernel's identity
 * of it (drop_key.netns_id): the kernel reuses a freed inode at once. The
 * clock is the caller's (each update is given the time), and so are the
 * source of namespace tables and what removing a namespace's series means. */
#ifndef DROPMON_NETNS_EXPIRY_H
#define DROPMON_NETNS_EXPIRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo.h"
#include "workload.h"

struct counters_snapshot;
struct netns_table;

struct netns_expiry_opts {
	double grace_s;	  /* keep series of a vanished netns this long */
	double refresh_s; /* rescan namespaces at most this often */
	/* A fresh table of the namespaces alive into *out (netns_scan()):
	 * returns 0 or a negative errno. NULL: netns_scan(NULL, out). */
	int (*scan)(void *ctx, struct netns_table **out);
	/* Required. Removes every series of the netns (inode and netns_id,
	 * counters_forget_netns()): returns how many, or a negative errno;
	 * -EBUSY means "not now, try again later". */
	int (*forget)(uint32_t inode, uint64_t netns_id, void *ctx);
	void *ctx;
	/* Where pods' and containers' names are read (workload.h). */
	struct workload_opts workload;
};

struct netns_expiry;

/* Returns 0 or a negative errno: -ENOMEM. */
int netns_expiry_new(const struct netns_expiry_opts *opts, struct netns_expiry **out);
/* Tracks every netns in snap's rows at monotonic time now (rescanning at
 * most every refresh_s, and at once when a new namespace shows up that the
 * table lacks or whose inode another namespace known had), and forgets the namespaces gone for grace_s or
 * longer: a namespace is looked up once more right before, and a forget
 * that returns -EBUSY is tried again refresh_s later.
 *
 * Of the namespaces known with one inode, only the one seen last can be
 * alive (an inode has one namespace at a time): the others are gone from
 * the moment it is seen. Namespaces first seen in the same update are taken
 * in the order of their netns_id (the order of creation for net_cookie).
 *
 * Returns whether any namespace's series were removed (the caller then
 * reads its snapshot again). */
bool netns_expiry_update(struct netns_expiry *x, const struct counters_snapshot *snap, double now);
/* The dropmon_netns_info family: one sample per known namespace, with what
 * it belongs to (a pod, a container, the host) and its best name. */
void netns_expiry_render(const struct netns_expiry *x, struct expo *e);

/* "4294967295-4294967295" and its NUL. */
#define NETNS_LABEL_SIZE 24
/* The value of the netns label of a namespace, into buf (NETNS_LABEL_SIZE
 * bytes): its inode, as lsns and /proc/PID/ns/net show it, when it was the
 * first namespace with that inode among those known; else "INODE-N", N = 2,
 * 3, ... in the order they were first seen, never the N of another
 * namespace still known. "" for inode 0. Returns buf. */
const char *netns_expiry_label(const struct netns_expiry *x, uint32_t inode, uint64_t netns_id,
			       char *buf);
/* N of that label (1: the inode alone): what the label cache of series.c
 * needs to know, without formatting. */
uint32_t netns_expiry_gen(const struct netns_expiry *x, uint32_t inode, uint64_t netns_id);
/* The last table scanned, or NULL before any scan succeeded. */
const struct netns_table *netns_expiry_table(const struct netns_expiry *x);
/* Namespaces known, and the name of one ("" when unnamed, NULL when not
 * known): for tests. */
size_t netns_expiry_count(const struct netns_expiry *x);
const char *netns_expiry_name(const struct netns_expiry *x, uint32_t inode, uint64_t netns_id);
const struct workload *netns_expiry_workload(const struct netns_expiry *x, uint32_t inode,
					     uint64_t netns_id);
void netns_expiry_free(struct netns_expiry *x); /* accepts NULL */

#endif
