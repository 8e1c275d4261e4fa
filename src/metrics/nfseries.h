/* SPDX-License-Identifier: GPL-2.0-only */
/* The dropmon_netfilter_drops family: the netfilter rows of a counter
 * snapshot, each named by its netns and the family, table, base chain and
 * hook of the verdict that dropped it, summed where the names are the same
 * (an iptables-legacy chain and the iptables-nft one of the same name). */
#ifndef DROPMON_NFSERIES_H
#define DROPMON_NFSERIES_H

#include "expo.h"
#include "series.h"

struct counters_snapshot;

/* Renders the family from snap->nf; netns_gen (may be NULL) names a netns
 * as series.c does. Returns 0 or -ENOMEM (nothing rendered). */
int nfseries_render(struct expo *e, const struct counters_snapshot *snap, series_netns_fn netns_gen,
		    void *ctx);

#endif
