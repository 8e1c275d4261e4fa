// SPDX-License-Identifier: GPL-2.0-only
/* Known network namespaces, sorted by inode, with their names and since when
 * they are missing; expiry of their series after the grace period. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "netns_expiry.h"
#include "counters.h"
#include "log.h"
#include "netns.h"

#define NETNS_NAME_MAX 64

/* A network namespace seen in the counters: its name is remembered so that
 * series keep it during the grace period after the namespace is gone. */
struct known_netns {
	uint32_t inode;
	char name[NETNS_NAME_MAX];
	double missing_since; /* monotonic seconds; 0 while alive */
	double retry_at;      /* a postponed removal is not tried before */
};

struct netns_expiry {
	struct netns_expiry_opts opts;
	struct netns_table *netns;
	double netns_scanned_at;
	struct known_netns *known;
	size_t nknown, known_cap;
};

int netns_expiry_new(const struct netns_expiry_opts *opts, struct netns_expiry **out)
{
	struct netns_expiry *x;

	if (!opts->forget)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->opts = *opts;
	*out = x;
	return 0;
}

void netns_expiry_free(struct netns_expiry *x)
{
	if (!x)
		return;
	free(x->known);
	netns_free(x->netns);
	free(x);
}

static int scan(struct netns_expiry *x, struct netns_table **out)
{
	return x->opts.scan ? x->opts.scan(x->opts.ctx, out) : netns_scan(NULL, out);
}

/* known[] is sorted by inode: every scrape looks up each counter row's
 * netns, so the lookup must not grow with the number of namespaces. The
 * position where inode is, or would go. */
static size_t known_pos(const struct netns_expiry *x, uint32_t inode)
{
	size_t lo = 0, hi = x->nknown;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->known[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct known_netns *known_find(const struct netns_expiry *x, uint32_t inode)
{
	size_t i = known_pos(x, inode);

	return i < x->nknown && x->known[i].inode == inode ? &x->known[i] : NULL;
}

static struct known_netns *known_add(struct netns_expiry *x, uint32_t inode)
{
	struct known_netns *k;
	size_t pos;

	if (ARRAY_RESERVE(x->known, x->known_cap, x->nknown, 16))
		return NULL;
	pos = known_pos(x, inode);
	memmove(&x->known[pos + 1], &x->known[pos], (x->nknown - pos) * sizeof(*k));
	x->nknown++;
	k = &x->known[pos];
	memset(k, 0, sizeof(*k));
	k->inode = inode;
	return k;
}

bool netns_expiry_update(struct netns_expiry *x, const struct counters_snapshot *snap, double now)
{
	bool removed = false, rescanned = false, scanned = false;
	size_t i;

	if (!x->netns || now - x->netns_scanned_at >= x->opts.refresh_s) {
		struct netns_table *t;
		int err = scan(x, &t);

		if (!err) {
			netns_free(x->netns);
			x->netns = t;
			x->netns_scanned_at = now;
			scanned = true;
		} else {
			pr_warn("cannot scan network namespaces: %s\n", strerror(-err));
		}
	}
	if (!x->netns)
		return false;

	for (i = 0; i < snap->nrows; i++) {
		uint32_t inode = snap->rows[i].key.netns;
		struct known_netns *k;
		const char *name;

		if (!inode)
			continue;
		k = known_find(x, inode);
		if (!k) {
			k = known_add(x, inode);
			if (!k)
				return false;
		} else if (!scanned) {
			/* Names and liveness change only with the table. */
			continue;
		}
		if (netns_alive(x->netns, inode)) {
			k->missing_since = 0;
			name = netns_name(x->netns, inode);
			if (name)
				snprintf(k->name, sizeof(k->name), "%s", name);
		} else if (k->missing_since == 0) {
			k->missing_since = now;
		}
	}

	for (i = 0; i < x->nknown;) {
		struct known_netns *k = &x->known[i];

		if (k->missing_since == 0 || now - k->missing_since < x->opts.grace_s ||
		    now < k->retry_at) {
			i++;
			continue;
		}
		/* The scan may be seconds old, and netns inodes are reused:
		 * look again right before deleting (once a call, and not when
		 * this call scanned already). */
		if (!rescanned && !scanned) {
			struct netns_table *t;

			rescanned = true;
			if (!scan(x, &t)) {
				netns_free(x->netns);
				x->netns = t;
				x->netns_scanned_at = now;
			}
		}
		if (netns_alive(x->netns, k->inode)) {
			k->missing_since = 0;
			i++;
			continue;
		}
		int n = x->opts.forget(k->inode, x->opts.ctx);

		if (n == -EBUSY) {
			/* A CPU's last drop was in it; its next drop elsewhere
			 * frees it. Not tried again (with a rescan of /proc) at
			 * every scrape meanwhile. */
			pr_debug("netns %u is gone but still cached by a CPU: removal postponed\n",
				 k->inode);
			k->retry_at = now + x->opts.refresh_s;
			i++;
			continue;
		}
		if (n < 0) {
			pr_warn("cannot remove series of netns %u: %s\n", k->inode, strerror(-n));
			i++;
			continue;
		}
		pr_info("netns %u (%s) is gone: removed its %d series\n", k->inode,
			k->name[0] ? k->name : "unnamed", n);
		memmove(&x->known[i], &x->known[i + 1], (--x->nknown - i) * sizeof(x->known[0]));
		removed = true;
	}
	return removed;
}

void netns_expiry_render(const struct netns_expiry *x, struct expo *e)
{
	char inode[STRBUF_U64_SIZE];

	expo_family(e, "dropmon_netns_info", EXPO_GAUGE,
		    "Name of each network namespace in the drop series: its ip-netns (or "
		    "other bind mount) name, else the command of a process living in it.");
	for (size_t i = 0; i < x->nknown; i++) {
		struct expo_label l[2] = { { "netns", inode }, { "name", x->known[i].name } };

		strbuf_fmt_u64(inode, x->known[i].inode);
		expo_sample_u64(e, l, 2, 1);
	}
}

const struct netns_table *netns_expiry_table(const struct netns_expiry *x)
{
	return x->netns;
}

size_t netns_expiry_count(const struct netns_expiry *x)
{
	return x->nknown;
}

const char *netns_expiry_name(const struct netns_expiry *x, uint32_t inode)
{
	const struct known_netns *k = known_find(x, inode);

	return k ? k->name : NULL;
}
