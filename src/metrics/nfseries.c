// SPDX-License-Identifier: GPL-2.0-only
/* dropmon_netfilter_drops: rows named, sorted by their labels and summed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "nfnames.h"
#include "nfseries.h"

struct nfseries_row {
	char netns[24]; /* "INODE" or "INODE-N", "" when unknown */
	char family[NFNAMES_SIZE];
	char table[DROPMON_NF_NAMSIZ];
	char chain[DROPMON_NF_NAMSIZ];
	char hook[NFNAMES_SIZE];
	uint64_t packets;
};

static void name_row(struct nfseries_row *out, const struct nf_row *row, series_netns_fn gen,
		     void *ctx)
{
	const struct nf_key *k = &row->key;
	uint32_t n = k->netns && gen ? gen(k->netns, k->netns_id, ctx) : 1;
	char buf[NFNAMES_SIZE];

	memset(out, 0, sizeof(*out));
	out->packets = row->value.packets;
	if (k->netns && n > 1)
		snprintf(out->netns, sizeof(out->netns), "%" PRIu32 "-%" PRIu32, k->netns, n);
	else if (k->netns)
		snprintf(out->netns, sizeof(out->netns), "%" PRIu32, k->netns);
	if (k->kind == DROPMON_NF_NONE)
		return; /* no verdict was seen: only the netns */
	snprintf(out->family, sizeof(out->family), "%s", nfnames_family(k->family, buf));
	snprintf(out->hook, sizeof(out->hook), "%s", nfnames_hook(k->family, k->hook, buf));
	/* Kernel data: bounded, whether or not the kernel terminated it. */
	nfnames_chain(DROPMON_NF_NFTABLES, 0, k->table, sizeof(k->table), out->table,
		      sizeof(out->table));
	nfnames_chain(k->kind, k->hook, k->chain, sizeof(k->chain), out->chain, sizeof(out->chain));
}

static int cmp_labels(const struct nfseries_row *a, const struct nfseries_row *b)
{
	int c;

	if ((c = strcmp(a->netns, b->netns)) || (c = strcmp(a->family, b->family)) ||
	    (c = strcmp(a->table, b->table)) || (c = strcmp(a->chain, b->chain)))
		return c;
	return strcmp(a->hook, b->hook);
}

static int cmp_rows(const void *a, const void *b)
{
	return cmp_labels(a, b);
}

int nfseries_render(struct expo *e, const struct counters_snapshot *snap, series_netns_fn netns_gen,
		    void *ctx)
{
	struct nfseries_row *rows = NULL;
	size_t n = 0;

	if (snap->nnf) {
		rows = calloc(snap->nnf, sizeof(*rows));
		if (!rows)
			return -ENOMEM;
	}
	for (size_t i = 0; i < snap->nnf; i++) {
		if (!snap->nf[i].value.packets)
			continue; /* the all-zero key, put in at load */
		name_row(&rows[n++], &snap->nf[i], netns_gen, ctx);
	}
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_rows);
	expo_family(e, "dropmon_netfilter_drops", EXPO_COUNTER,
		    "Packets netfilter dropped (reason NETFILTER_DROP), by network namespace and "
		    "the family, table, base chain and hook whose verdict dropped them; without "
		    "them where no nftables or iptables-legacy chain decided (conntrack, "
		    "defragmentation, other hooks).");
	for (size_t i = 0; i < n;) {
		const struct nfseries_row *r = &rows[i];
		uint64_t packets = 0;
		struct expo_label l[5] = {
			{ "netns", r->netns }, { "family", r->family }, { "table", r->table },
			{ "chain", r->chain }, { "hook", r->hook },
		};

		for (; i < n && cmp_labels(r, &rows[i]) == 0; i++)
			packets += rows[i].packets;
		expo_sample_u64(e, l, 5, packets);
	}
	free(rows);
	return 0;
}
