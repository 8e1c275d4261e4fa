/* SPDX-License-Identifier: GPL-2.0-only */
/* The network namespaces seen in the counters: their names, remembered so
 * that series keep them during a grace period after the namespace is gone,
 * and the removal of their series once that period is over. The clock is
 * the caller's (each update is given the time), and so are the source of
 * namespace tables and what removing a namespace's series means. */
#ifndef DROPMON_NETNS_EXPIRY_H
#define DROPMON_NETNS_EXPIRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo.h"

struct counters_snapshot;
struct netns_table;

struct netns_expiry_opts {
	double grace_s;	  /* keep series of a vanished netns this long */
	double refresh_s; /* rescan namespaces at most this often */
	/* A fresh table of the namespaces alive into *out (netns_scan()):
	 * returns 0 or a negative errno. NULL: netns_scan(NULL, out). */
	int (*scan)(void *ctx, struct netns_table **out);
	/* Required. Removes every series of the netns
	 * (counters_forget_netns()): returns how many, or a negative errno;
	 * -EBUSY means "not now, try again later". */
	int (*forget)(uint32_t inode, void *ctx);
	void *ctx;
};

struct netns_expiry;

/* Returns 0 or a negative errno: -ENOMEM. */
int netns_expiry_new(const struct netns_expiry_opts *opts, struct netns_expiry **out);
/* Tracks every netns in snap's rows at monotonic time now (rescanning at
 * most every refresh_s), and forgets the namespaces gone for grace_s or
 * longer: a namespace is looked up once more right before (inodes are
 * reused), and a forget that returns -EBUSY is tried again refresh_s later.
 * Returns whether any namespace's series were removed (the caller then
 * reads its snapshot again). */
bool netns_expiry_update(struct netns_expiry *x, const struct counters_snapshot *snap, double now);
/* The dropmon_netns_info family: one sample per known namespace. */
void netns_expiry_render(const struct netns_expiry *x, struct expo *e);
/* The last table scanned, or NULL before any scan succeeded. */
const struct netns_table *netns_expiry_table(const struct netns_expiry *x);
/* Namespaces known, and the name of one ("" when unnamed, NULL when not
 * known): for tests. */
size_t netns_expiry_count(const struct netns_expiry *x);
const char *netns_expiry_name(const struct netns_expiry *x, uint32_t inode);
void netns_expiry_free(struct netns_expiry *x); /* accepts NULL */

#endif
