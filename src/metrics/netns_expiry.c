// SPDX-License-Identifier: GPL-2.0-only
/* Known network namespaces, sorted by (inode, kernel identity), with their
 * names, label numbers and since when they are missing; expiry of their
 * series after the grace period. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "netns_expiry.h"
#include "counters.h"
#include "log.h"
#include "netns.h"
#include "workload.h"

/* A network namespace seen in the counters: its name is remembered so that
 * series keep it during the grace period after the namespace is gone. */
struct known_netns {
	uint32_t inode;
	uint32_t gen;	    /* N of its label "INODE-N"; 1: plain "INODE" */
	uint64_t id;	    /* drop_key.netns_id: never printed (hash_mix on 5.10) */
	uint64_t round;	    /* the update it was first seen in */
	uint32_t next_gen;  /* of its inode's group: the next namespace's N */
	bool named;	    /* w holds what was learnt of it */
	uint64_t named_sig; /* of the scan's netns_info it was named from */
	struct workload w;
	double missing_since; /* monotonic seconds; 0 while alive */
	double retry_at;      /* a postponed removal is not tried before */
};

struct netns_expiry {
	struct netns_expiry_opts opts;
	struct netns_table *netns;
	struct workload_namer *namer;
	double netns_scanned_at;
	uint64_t rounds;
	struct known_netns *known; /* sorted by (inode, id) */
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
	if (workload_namer_new(&opts->workload, &x->namer)) {
		free(x);
		return -ENOMEM;
	}
	*out = x;
	return 0;
}

void netns_expiry_free(struct netns_expiry *x)
{
	if (!x)
		return;
	free(x->known);
	netns_free(x->netns);
	workload_namer_free(x->namer);
	free(x);
}

static int scan(struct netns_expiry *x, struct netns_table **out)
{
	return x->opts.scan ? x->opts.scan(x->opts.ctx, out) : netns_rescan(NULL, x->netns, out);
}

/* Replaces the table with a fresh one; a failed scan keeps the old one. */
static bool rescan(struct netns_expiry *x, double now)
{
	struct netns_table *t;
	int err = scan(x, &t);

	if (err) {
		pr_warn("cannot scan network namespaces: %s\n", strerror(-err));
		return false;
	}
	netns_free(x->netns);
	x->netns = t;
	x->netns_scanned_at = now;
	return true;
}

static int cmp_known(uint32_t inode, uint64_t id, const struct known_netns *k)
{
	if (inode != k->inode)
		return inode < k->inode ? -1 : 1;
	if (id != k->id)
		return id < k->id ? -1 : 1;
	return 0;
}

/* known[] is sorted: every scrape looks up each counter row's netns, so the
 * lookup must not grow with the number of namespaces. The position where
 * (inode, id) is, or would go. */
static size_t known_pos(const struct netns_expiry *x, uint32_t inode, uint64_t id)
{
	size_t lo = 0, hi = x->nknown;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_known(inode, id, &x->known[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct known_netns *known_find(const struct netns_expiry *x, uint32_t inode, uint64_t id)
{
	size_t i = known_pos(x, inode, id);

	return i < x->nknown && cmp_known(inode, id, &x->known[i]) == 0 ? &x->known[i] : NULL;
}

/* The namespaces known with inode: known[*first .. *end). */
static void group_of(const struct netns_expiry *x, size_t i, size_t *first, size_t *end)
{
	uint32_t inode = x->known[i].inode;

	*first = i;
	while (*first > 0 && x->known[*first - 1].inode == inode)
		(*first)--;
	*end = i + 1;
	while (*end < x->nknown && x->known[*end].inode == inode)
		(*end)++;
}

/* Adds (inode, id) unnumbered (gen 0: number_new() numbers it). *reused
 * tells whether another namespace with this inode is known. NULL: -ENOMEM. */
static struct known_netns *known_add(struct netns_expiry *x, uint32_t inode, uint64_t id,
				     bool *reused)
{
	struct known_netns *k;
	size_t pos;

	if (ARRAY_RESERVE(x->known, x->known_cap, x->nknown, 16))
		return NULL;
	pos = known_pos(x, inode, id);
	memmove(&x->known[pos + 1], &x->known[pos], (x->nknown - pos) * sizeof(*k));
	x->nknown++;
	k = &x->known[pos];
	memset(k, 0, sizeof(*k));
	k->inode = inode;
	k->id = id;
	k->round = x->rounds;
	*reused = (pos > 0 && x->known[pos - 1].inode == inode) ||
		  (pos + 1 < x->nknown && x->known[pos + 1].inode == inode);
	return k;
}

/* Numbers the namespaces added in this round, group by group, in the order
 * of their id (the group is sorted by it): each takes its group's next
 * number, which only grows while the group has members, so a label value is
 * never given to two namespaces that are both known. */
static void number_new(struct netns_expiry *x)
{
	size_t first, end;

	for (size_t i = 0; i < x->nknown; i = end) {
		uint32_t next = 1;

		group_of(x, i, &first, &end);
		for (size_t j = first; j < end; j++)
			if (x->known[j].next_gen > next)
				next = x->known[j].next_gen;
		for (size_t j = first; j < end; j++) {
			if (x->known[j].gen)
				continue;
			x->known[j].gen = next;
			/* 2^32 namespaces with one inode during one grace
			 * period: the last number is shared, not wrapped. */
			if (next < UINT32_MAX)
				next++;
		}
		for (size_t j = first; j < end; j++)
			x->known[j].next_gen = next;
	}
}

/* The namespace of its group that can still be alive: the last seen. */
static bool is_latest(const struct netns_expiry *x, size_t i)
{
	const struct known_netns *k = &x->known[i];
	size_t first, end;

	group_of(x, i, &first, &end);
	for (size_t j = first; j < end; j++) {
		const struct known_netns *o = &x->known[j];

		if (o->round > k->round || (o->round == k->round && o->id > k->id))
			return false;
	}
	return true;
}

/* What a namespace's name depends on: its processes, its mount, whether it
 * is the host. */
static uint64_t info_sig(const struct netns_info *info)
{
	uint64_t h = info->pids_sig ^ (info->host ? 0x9e3779b97f4a7c15ULL : 0);

	for (const char *p = info->mount ? info->mount : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/* Names it from the table's info, when that changed since it was named
 * or more may be known now (a pod log directory, a Docker name). What was
 * learnt from its processes is kept once they are gone: a pod's netns
 * lives on in containerd's cni-* mount, and is still that pod's. */
static void name_known(struct netns_expiry *x, struct known_netns *k, const struct netns_info *info)
{
	struct workload w;
	uint64_t sig = info_sig(info);

	if (k->named && sig == k->named_sig && k->w.complete)
		return;
	workload_name(x->namer, info, &w);
	if (k->named && !info->has_pids && k->w.from_pids && !info->host)
		return;
	k->w = w;
	k->named = true;
	k->named_sig = sig;
}

/* Names and liveness, from the table: a namespace is alive when its inode
 * is and no later namespace took that inode. */
static void follow_table(struct netns_expiry *x, double now)
{
	workload_namer_begin(x->namer);
	for (size_t i = 0; i < x->nknown; i++) {
		struct known_netns *k = &x->known[i];
		const struct netns_info *info = netns_get(x->netns, k->inode);

		if (info && is_latest(x, i)) {
			k->missing_since = 0;
			name_known(x, k, info);
		} else if (k->missing_since == 0) {
			k->missing_since = now;
		}
	}
}

bool netns_expiry_update(struct netns_expiry *x, const struct counters_snapshot *snap, double now)
{
	bool removed = false, scanned = false, added = false, stale = false, rescanned = false;
	size_t i;

	x->rounds++;
	/* Tracked (and numbered) without a table too: labels must never
	 * merge two namespaces, whatever /proc says. */
	for (i = 0; i < snap->nrows; i++) {
		uint32_t inode = snap->rows[i].key.netns;
		uint64_t id = snap->rows[i].key.netns_id;
		bool r = false;

		if (!inode || known_find(x, inode, id))
			continue;
		if (!known_add(x, inode, id, &r)) {
			pr_warn("cannot track network namespace %u: %s\n", inode, strerror(ENOMEM));
			break;
		}
		added = true;
		/* The table is older than this namespace: it lacks it, or
		 * shows (and names) the one that had its inode before. */
		stale |= r || !x->netns || !netns_alive(x->netns, inode);
	}
	if (added)
		number_new(x);

	if (!x->netns || now - x->netns_scanned_at >= x->opts.refresh_s || stale)
		scanned = rescan(x, now);
	if (!x->netns)
		return false;
	if (scanned || added)
		follow_table(x, now);

	for (i = 0; i < x->nknown;) {
		struct known_netns *k = &x->known[i];
		bool latest;

		if (k->missing_since == 0 || now - k->missing_since < x->opts.grace_s ||
		    now < k->retry_at) {
			i++;
			continue;
		}
		/* The scan may be seconds old: the last namespace seen with
		 * an inode is looked for again right before its series go
		 * (once a call, and not when this call scanned already). An
		 * earlier one is gone for sure. */
		latest = is_latest(x, i);
		if (latest && !rescanned && !scanned) {
			rescanned = true;
			rescan(x, now);
		}
		if (latest && netns_alive(x->netns, k->inode)) {
			k->missing_since = 0;
			i++;
			continue;
		}
		int n = x->opts.forget(k->inode, k->id, x->opts.ctx);

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
		if (k->gen > 1)
			pr_info("netns %u-%u (%s) is gone: removed its %d series\n", k->inode,
				k->gen, k->w.name[0] ? k->w.name : "unnamed", n);
		else
			pr_info("netns %u (%s) is gone: removed its %d series\n", k->inode,
				k->w.name[0] ? k->w.name : "unnamed", n);
		memmove(&x->known[i], &x->known[i + 1], (--x->nknown - i) * sizeof(x->known[0]));
		removed = true;
	}
	return removed;
}

static const char *format_label(uint32_t inode, uint32_t gen, char *buf)
{
	if (!inode)
		buf[0] = '\0';
	else if (gen > 1)
		snprintf(buf, NETNS_LABEL_SIZE, "%" PRIu32 "-%" PRIu32, inode, gen);
	else
		snprintf(buf, NETNS_LABEL_SIZE, "%" PRIu32, inode);
	return buf;
}

uint32_t netns_expiry_gen(const struct netns_expiry *x, uint32_t inode, uint64_t netns_id)
{
	const struct known_netns *k = known_find(x, inode, netns_id);

	/* Unknown only when tracking it ran out of memory. */
	return k ? k->gen : 1;
}

const char *netns_expiry_label(const struct netns_expiry *x, uint32_t inode, uint64_t netns_id,
			       char *buf)
{
	return format_label(inode, netns_expiry_gen(x, inode, netns_id), buf);
}

void netns_expiry_render(const struct netns_expiry *x, struct expo *e)
{
	char label[NETNS_LABEL_SIZE];

	expo_family(e, "dropmon_netns_info", EXPO_GAUGE,
		    "Who each network namespace in the drop series belongs to: name is "
		    "host, namespace/pod, the container's name, its ip-netns (or other "
		    "bind mount) name, else the command of a process in it.");
	for (size_t i = 0; i < x->nknown; i++) {
		const struct known_netns *k = &x->known[i];
		const struct workload *w = &k->w;
		const struct expo_label all[] = {
			{ "netns", format_label(k->inode, k->gen, label) },
			{ "name", w->name },
			{ "k8s_namespace_name", w->k8s_namespace_name },
			{ "k8s_pod_name", w->k8s_pod_name },
			{ "k8s_pod_uid", w->k8s_pod_uid },
			{ "container_id", w->container_id },
			{ "container_runtime", w->container_runtime },
			{ "container_name", w->container_name },
		};
		struct expo_label l[sizeof(all) / sizeof(all[0])];
		size_t n = 0;

		/* An empty label is no label to Prometheus: the workload's
		 * are left out when unknown (netns and name always there). */
		for (size_t j = 0; j < sizeof(all) / sizeof(all[0]); j++)
			if (j < 2 || all[j].value[0])
				l[n++] = all[j];
		expo_sample_u64(e, l, n, 1);
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

const char *netns_expiry_name(const struct netns_expiry *x, uint32_t inode, uint64_t netns_id)
{
	const struct known_netns *k = known_find(x, inode, netns_id);

	return k ? k->w.name : NULL;
}

const struct workload *netns_expiry_workload(const struct netns_expiry *x, uint32_t inode,
					     uint64_t netns_id)
{
	const struct known_netns *k = known_find(x, inode, netns_id);

	return k ? &k->w : NULL;
}
