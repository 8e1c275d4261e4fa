// SPDX-License-Identifier: GPL-2.0-only
/* Builds the /metrics body from one counter snapshot: aggregation by function,
 * names for reasons, devices and namespaces, expiry of vanished namespaces,
 * and the exporter's own health metrics. */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "scrape.h"
#include "counters.h"
#include "ksyms.h"
#include "labelsets.h"
#include "log.h"
#include "monotonic.h"
#include "netns.h"
#include "procstat.h"
#include "reasons.h"
#include "version.h"

#define NETNS_NAME_MAX 64

/* A network namespace seen in the counters: its name is remembered so that
 * series keep it during the grace period after the namespace is gone. */
struct known_netns {
	uint32_t inode;
	char name[NETNS_NAME_MAX];
	double missing_since; /* monotonic seconds; 0 while alive */
	double retry_at;      /* a postponed removal is not tried before */
};

/* One aggregated series: rows that differ only in the offset of the location
 * inside the function are summed. */
struct series {
	uint32_t reason;
	uint32_t ifindex;
	uint32_t netns;
	uint64_t func_key; /* ksym address, or the raw location when unknown */
	const char *func;  /* NULL when unknown */
	struct drop_value value;
	const char *labels; /* its rendered label set */
	size_t labels_at;   /* where it is in scrape.scratch, when not cached */
	size_t labels_len;
};

struct scrape {
	pthread_mutex_t lock;
	struct loader *loader;
	struct scrape_opts opts;
	struct counters_reader *reader;
	struct counters_snapshot snap;
	struct ksyms *ksyms;
	uint64_t modules_hash; /* of /proc/modules when ksyms was loaded */
	double modules_checked_at;
	struct reasons *reasons;
	struct netns_table *netns;
	double netns_scanned_at;
	struct known_netns *known;
	size_t nknown, known_cap;
	struct series *series;
	size_t series_cap;
	/* Each series' label set, rendered once for both the packet and the
	 * byte family, and kept for the next scrapes; label sets that cannot
	 * be kept go to scratch for this scrape only. */
	struct labelsets *labelsets;
	size_t labelsets_nreasons; /* reasons_count() the cache was built with */
	struct strbuf scratch;
	struct {
		scrape_source_fn fn;
		void *ctx;
	} sources[SCRAPE_MAX_SOURCES];
	size_t nsources;
	double start_time;
};

/* Reloads kallsyms when the set of modules changed, so that drops in a module
 * loaded after start-up are named after the right function. */
static void refresh_ksyms(struct scrape *c, double now)
{
	int r;

	if (now - c->modules_checked_at < (double)c->opts.netns_refresh_s)
		return;
	c->modules_checked_at = now;
	r = ksyms_refresh(&c->ksyms, &c->modules_hash, NULL, NULL);
	if (r < 0) {
		pr_warn("cannot reload /proc/kallsyms after a module change: %s\n", strerror(-r));
	} else if (r > 0) {
		/* Function names and addresses may have moved. */
		labelsets_clear(c->labelsets);
		pr_debug("modules changed: reloaded %zu kernel symbols\n", ksyms_count(c->ksyms));
	}
}

int scrape_new(struct loader *l, const struct scrape_opts *opts, struct scrape **out,
	       const char **what)
{
	struct scrape *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	err = pthread_mutex_init(&c->lock, NULL);
	if (err) {
		free(c);
		return -err;
	}
	c->loader = l;
	c->opts = *opts;
	c->start_time = monotonic_s();
	*what = "reading /proc/kallsyms";
	c->modules_hash = ksyms_modules_hash(NULL);
	c->modules_checked_at = c->start_time;
	c->ksyms = ksyms_load(NULL);
	if (!c->ksyms)
		goto fail;
	c->reasons = opts->reasons;
	c->labelsets = labelsets_new();
	if (!c->labelsets)
		goto fail;
	*what = "setting up the map reader";
	c->reader = counters_reader_new(loader_maps(l));
	if (!c->reader)
		goto fail;
	*out = c;
	return 0;
fail:
	err = -errno;
	scrape_free(c);
	return err ? err : -EINVAL;
}

int scrape_add_source(struct scrape *c, scrape_source_fn fn, void *ctx)
{
	int err = 0;

	pthread_mutex_lock(&c->lock);
	if (c->nsources < SCRAPE_MAX_SOURCES) {
		c->sources[c->nsources].fn = fn;
		c->sources[c->nsources].ctx = ctx;
		c->nsources++;
	} else {
		err = -E2BIG;
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

void scrape_free(struct scrape *c)
{
	if (!c)
		return;
	free(c->series);
	labelsets_free(c->labelsets);
	strbuf_free(&c->scratch);
	free(c->known);
	netns_free(c->netns);
	counters_snapshot_free(&c->snap);
	counters_reader_free(c->reader);
	ksyms_free(c->ksyms);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* known[] is sorted by inode: every scrape looks up each counter row's
 * netns, so the lookup must not grow with the number of namespaces. The
 * position where inode is, or would go. */
static size_t known_pos(const struct scrape *c, uint32_t inode)
{
	size_t lo = 0, hi = c->nknown;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->known[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct known_netns *known_find(struct scrape *c, uint32_t inode)
{
	size_t i = known_pos(c, inode);

	return i < c->nknown && c->known[i].inode == inode ? &c->known[i] : NULL;
}

static struct known_netns *known_add(struct scrape *c, uint32_t inode)
{
	struct known_netns *k;
	size_t pos;

	if (c->nknown == c->known_cap) {
		size_t cap = c->known_cap ? c->known_cap * 2 : 16;

		k = reallocarray(c->known, cap, sizeof(*k));
		if (!k)
			return NULL;
		c->known = k;
		c->known_cap = cap;
	}
	pos = known_pos(c, inode);
	memmove(&c->known[pos + 1], &c->known[pos], (c->nknown - pos) * sizeof(*k));
	c->nknown++;
	k = &c->known[pos];
	memset(k, 0, sizeof(*k));
	k->inode = inode;
	return k;
}

/* Tracks every netns present in the snapshot; removes from the kernel maps
 * the series of namespaces gone for longer than the grace period. Returns
 * whether any were removed (the snapshot is then re-read). */
static bool update_netns(struct scrape *c, double now)
{
	bool removed = false, rescanned = false, scanned = false;
	size_t i;

	if (!c->netns || now - c->netns_scanned_at >= (double)c->opts.netns_refresh_s) {
		struct netns_table *t = netns_scan(NULL);

		if (t) {
			netns_free(c->netns);
			c->netns = t;
			c->netns_scanned_at = now;
			scanned = true;
		} else {
			pr_warn("cannot scan network namespaces: %s\n", strerror(errno));
		}
	}
	if (!c->netns)
		return false;

	for (i = 0; i < c->snap.nrows; i++) {
		uint32_t inode = c->snap.rows[i].key.netns;
		struct known_netns *k;
		const char *name;

		if (!inode)
			continue;
		k = known_find(c, inode);
		if (!k) {
			k = known_add(c, inode);
			if (!k)
				return false;
		} else if (!scanned) {
			/* Names and liveness change only with the table. */
			continue;
		}
		if (netns_alive(c->netns, inode)) {
			k->missing_since = 0;
			name = netns_name(c->netns, inode);
			if (name)
				snprintf(k->name, sizeof(k->name), "%s", name);
		} else if (k->missing_since == 0) {
			k->missing_since = now;
		}
	}

	for (i = 0; i < c->nknown;) {
		struct known_netns *k = &c->known[i];

		if (k->missing_since == 0 ||
		    now - k->missing_since < (double)c->opts.netns_grace_s || now < k->retry_at) {
			i++;
			continue;
		}
		/* The scan may be seconds old, and netns inodes are reused:
		 * look again right before deleting (once a call, and not when
		 * this call scanned already). */
		if (!rescanned && !scanned) {
			struct netns_table *t = netns_scan(NULL);

			rescanned = true;
			if (t) {
				netns_free(c->netns);
				c->netns = t;
				c->netns_scanned_at = now;
			}
		}
		if (netns_alive(c->netns, k->inode)) {
			k->missing_since = 0;
			i++;
			continue;
		}
		int n = counters_forget_netns(c->reader, k->inode);

		if (n == -EBUSY) {
			/* A CPU's last drop was in it; its next drop elsewhere
			 * frees it. Not tried again (with a rescan of /proc) at
			 * every scrape meanwhile. */
			pr_debug("netns %u is gone but still cached by a CPU: removal postponed\n",
				 k->inode);
			k->retry_at = now + (double)c->opts.netns_refresh_s;
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
		memmove(&c->known[i], &c->known[i + 1], (--c->nknown - i) * sizeof(c->known[0]));
		removed = true;
	}
	return removed;
}

static int cmp_series(const void *pa, const void *pb)
{
	const struct series *a = pa, *b = pb;

	if (a->reason != b->reason)
		return a->reason < b->reason ? -1 : 1;
	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->func_key != b->func_key)
		return a->func_key < b->func_key ? -1 : 1;
	return 0;
}

/* Returns the number of series, or a negative errno. */
static ssize_t aggregate(struct scrape *c)
{
	size_t n = 0, i;

	if (c->snap.nrows > c->series_cap) {
		struct series *s = reallocarray(c->series, c->snap.nrows, sizeof(*s));

		if (!s)
			return -ENOMEM;
		c->series = s;
		c->series_cap = c->snap.nrows;
	}
	for (i = 0; i < c->snap.nrows; i++) {
		const struct counter_row *row = &c->snap.rows[i];
		const struct ksym *sym = ksyms_find(c->ksyms, row->key.location);
		struct series *s = &c->series[i];

		s->reason = row->key.reason;
		s->ifindex = row->key.ifindex;
		s->netns = row->key.netns;
		s->func_key = sym ? sym->addr : row->key.location;
		s->func = sym ? sym->name : NULL;
		s->value = row->value;
	}
	if (!c->snap.nrows)
		return 0;
	qsort(c->series, c->snap.nrows, sizeof(*c->series), cmp_series);
	for (i = 1; i < c->snap.nrows; i++) {
		if (cmp_series(&c->series[n], &c->series[i]) == 0) {
			c->series[n].value.packets += c->series[i].value.packets;
			c->series[n].value.bytes += c->series[i].value.bytes;
		} else {
			c->series[++n] = c->series[i];
		}
	}
	return (ssize_t)n + 1;
}

struct series_labels {
	char reason[96];
	char device[IF_NAMESIZE]; /* if_indextoname() fallback only */
	char ifindex[STRBUF_U64_SIZE];
	char netns[STRBUF_U64_SIZE];
	char func[32];
	struct expo_label labels[5];
};

static void fill_labels(struct scrape *c, const struct series *s, struct series_labels *l)
{
	const char *dev = "";

	reasons_name(c->reasons, s->reason, l->reason, sizeof(l->reason));
	l->ifindex[0] = '\0';
	l->netns[0] = '\0';
	if (s->ifindex) {
		strbuf_fmt_u64(l->ifindex, s->ifindex);
		dev = counters_device_name(&c->snap, s->netns, s->ifindex);
		/* Fallback for a key created before the name was recorded:
		 * only our own netns can be asked by ifindex. */
		if (!dev && c->netns && s->netns == netns_self(c->netns) &&
		    if_indextoname(s->ifindex, l->device))
			dev = l->device;
		if (!dev)
			dev = "";
	}
	if (s->netns)
		strbuf_fmt_u64(l->netns, s->netns);
	if (!s->func)
		snprintf(l->func, sizeof(l->func), "0x%" PRIx64, s->func_key);
	l->labels[0] = (struct expo_label){ "reason", l->reason };
	l->labels[1] = (struct expo_label){ "device", dev };
	l->labels[2] = (struct expo_label){ "ifindex", l->ifindex };
	l->labels[3] = (struct expo_label){ "netns", l->netns };
	l->labels[4] = (struct expo_label){ "function", s->func ? s->func : l->func };
}

/* Sets the label set of every series: from the cache, or rendered and
 * cached. A label set is not cached when one of its names may still change
 * under the same series: a device whose name the kernel has not recorded
 * (yet), or a reason the kernel's BTF did not name (a module may bring it). */
static int render_labelsets(struct scrape *c, size_t nseries)
{
	size_t nreasons = reasons_count(c->reasons);
	struct series_labels l;
	int err;

	if (nreasons != c->labelsets_nreasons) {
		labelsets_clear(c->labelsets);
		c->labelsets_nreasons = nreasons;
	}
	strbuf_reset(&c->scratch);
	for (size_t i = 0; i < nseries; i++) {
		struct series *s = &c->series[i];
		struct labelset_id id = {
			.func_key = s->func_key,
			.reason = s->reason,
			.ifindex = s->ifindex,
			.netns = s->netns,
		};
		const char *dev =
		    s->ifindex ? counters_device_name(&c->snap, s->netns, s->ifindex) : "";
		size_t start = c->scratch.len;

		s->labels = NULL;
		if (dev) {
			strncpy(id.device, dev, sizeof(id.device) - 1);
			s->labels = labelsets_get(c->labelsets, &id, &s->labels_len);
			if (s->labels)
				continue;
		}
		fill_labels(c, s, &l);
		err = expo_labels_render(&c->scratch, l.labels, 5);
		if (err)
			return err;
		s->labels_len = c->scratch.len - start;
		if (dev && !(l.reason[0] >= '0' && l.reason[0] <= '9'))
			s->labels =
			    labelsets_put(c->labelsets, &id, c->scratch.buf + start, s->labels_len);
		if (s->labels)
			c->scratch.len = start; /* cached: the scratch copy is not needed */
		else
			s->labels_at = start;
	}
	/* scratch may have moved while it grew: point into it only now. */
	for (size_t i = 0; i < nseries; i++) {
		struct series *s = &c->series[i];

		if (!s->labels)
			s->labels = c->scratch.buf + s->labels_at;
	}
	return 0;
}

static void render_drops(struct scrape *c, struct expo *e, size_t nseries, bool bytes)
{
	char reason[sizeof(((struct series_labels *)0)->reason)];

	if (bytes)
		expo_family(e, "dropmon_dropped_bytes", EXPO_COUNTER,
			    "Bytes (skb->len) of the packets the kernel dropped, by drop reason, "
			    "device, network namespace and dropping function.");
	else
		expo_family(e, "dropmon_drops", EXPO_COUNTER,
			    "Packets the kernel dropped, by drop reason, device, network "
			    "namespace and dropping function. Drops that found the counter "
			    "map full carry only the reason.");
	for (size_t i = 0; i < nseries; i++) {
		const struct series *s = &c->series[i];

		expo_sample_u64_rendered(e, s->labels, s->labels_len,
					 bytes ? s->value.bytes : s->value.packets);
	}
	for (size_t i = 0; i < c->snap.noverflow; i++) {
		const struct overflow_row *o = &c->snap.overflow[i];
		struct expo_label ol[5] = {
			{ "reason", reason }, { "device", "" },	  { "ifindex", "" },
			{ "netns", "" },      { "function", "" },
		};

		reasons_name(c->reasons, o->reason, reason, sizeof(reason));
		expo_sample_u64(e, ol, 5, bytes ? o->value.bytes : o->value.packets);
	}
}

static void render_netns_info(struct scrape *c, struct expo *e)
{
	char inode[STRBUF_U64_SIZE];

	expo_family(e, "dropmon_netns_info", EXPO_GAUGE,
		    "Name of each network namespace in the drop series: its ip-netns (or "
		    "other bind mount) name, else the command of a process living in it.");
	for (size_t i = 0; i < c->nknown; i++) {
		struct expo_label l[2] = { { "netns", inode }, { "name", c->known[i].name } };

		strbuf_fmt_u64(inode, c->known[i].inode);
		expo_sample_u64(e, l, 2, 1);
	}
}

static bool bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v == 1;
}

static void render_self(struct scrape *c, struct expo *e, size_t nseries, double started)
{
	struct loader_prog_stats ps;
	struct procstat proc;
	char libbpf_ver[32];
	struct expo_label map_label = { "map", "counters" };

	snprintf(libbpf_ver, sizeof(libbpf_ver), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	struct expo_label build[3] = { { "version", DROPMON_VERSION },
				       { "revision", DROPMON_REVISION },
				       { "libbpf", libbpf_ver } };
	expo_family(e, "dropmon_build_info", EXPO_GAUGE,
		    "A metric with a constant '1' value labeled by version, revision and "
		    "libbpf version from which dropmon was built.");
	expo_sample_u64(e, build, 3, 1);

	struct expo_label mode = { "mode", loader_attach_mode(c->loader) };
	expo_family(e, "dropmon_bpf_attach_info", EXPO_GAUGE,
		    "How the BPF program is attached to skb:kfree_skb (tp_btf or raw_tp).");
	expo_sample_u64(e, &mode, 1, 1);

	expo_family(e, "dropmon_bpf_map_entries", EXPO_GAUGE,
		    "Entries in use in the kernel's counter map (one per reason, device, "
		    "netns and dropping location).");
	expo_sample_u64(e, &map_label, 1, c->snap.nrows);
	expo_family(e, "dropmon_bpf_map_max_entries", EXPO_GAUGE,
		    "Capacity of the kernel's counter map (--bpf.map-size).");
	expo_sample_u64(e, &map_label, 1, loader_map_size(c->loader));
	expo_family(e, "dropmon_bpf_map_overflow_drops", EXPO_COUNTER,
		    "Drops counted without device, netns and function because the counter "
		    "map was full; they are in dropmon_drops_total with only a reason label.");
	expo_sample_u64(e, NULL, 0, c->snap.stats[DROPMON_STAT_MAP_FULL]);
	for (size_t i = 0; i < c->nsources; i++)
		c->sources[i].fn(e, &c->snap, c->sources[i].ctx);
	expo_family(e, "dropmon_bpf_uncounted_drops", EXPO_COUNTER,
		    "Drops that could not be counted at all, because the program was already "
		    "running on that CPU (nested tracepoint hit) or the overflow map was full.");
	uint64_t uncounted = c->snap.stats[DROPMON_STAT_OVERFLOW_FULL];
	bool have_ps = loader_prog_stats(c->loader, &ps) == 0;

	if (have_ps)
		uncounted += ps.recursion_misses;
	expo_sample_u64(e, NULL, 0, uncounted);

	if (have_ps && (ps.run_cnt || bpf_stats_enabled())) {
		expo_family(e, "dropmon_bpf_program_runs", EXPO_COUNTER,
			    "Runs of the BPF program (counted while kernel.bpf_stats_enabled=1).");
		expo_sample_u64(e, NULL, 0, ps.run_cnt);
		expo_family(e, "dropmon_bpf_program_run_seconds", EXPO_COUNTER,
			    "Time spent in the BPF program (counted while "
			    "kernel.bpf_stats_enabled=1).");
		expo_sample_double(e, NULL, 0, (double)ps.run_time_ns / 1e9);
	}

	if (procstat_read(NULL, NULL, &proc) == 0) {
		expo_family(e, "process_cpu_seconds", EXPO_COUNTER,
			    "Total user and system CPU time spent in seconds.");
		expo_sample_double(e, NULL, 0, proc.cpu_seconds);
		expo_family(e, "process_resident_memory_bytes", EXPO_GAUGE,
			    "Resident memory size in bytes.");
		expo_sample_u64(e, NULL, 0, proc.resident_bytes);
		expo_family(e, "process_virtual_memory_bytes", EXPO_GAUGE,
			    "Virtual memory size in bytes.");
		expo_sample_u64(e, NULL, 0, proc.virtual_bytes);
		expo_family(e, "process_open_fds", EXPO_GAUGE, "Number of open file descriptors.");
		expo_sample_u64(e, NULL, 0, proc.open_fds);
		expo_family(e, "process_max_fds", EXPO_GAUGE,
			    "Maximum number of open file descriptors.");
		expo_sample_u64(e, NULL, 0, proc.max_fds);
		expo_family(e, "process_start_time_seconds", EXPO_GAUGE,
			    "Start time of the process since unix epoch in seconds.");
		expo_sample_double(e, NULL, 0, proc.start_time_seconds);
	}
	(void)nseries;

	expo_family(e, "dropmon_scrape_duration_seconds", EXPO_GAUGE,
		    "Time this scrape took to read and aggregate the kernel's counters.");
	expo_sample_double(e, NULL, 0, monotonic_s() - started);
}

int scrape_render(struct scrape *c, enum expo_format format, struct strbuf *out)
{
	double started = monotonic_s();
	struct expo e;
	ssize_t nseries;
	int err;

	pthread_mutex_lock(&c->lock);
	err = counters_read(c->reader, &c->snap);
	if (!err && update_netns(c, started))
		err = counters_read(c->reader, &c->snap);
	if (err)
		goto unlock;
	refresh_ksyms(c, started);
	nseries = aggregate(c);
	if (nseries < 0) {
		err = (int)nseries;
		goto unlock;
	}
	err = render_labelsets(c, (size_t)nseries);
	if (err)
		goto unlock;
	expo_init(&e, out, format);
	render_drops(c, &e, (size_t)nseries, false);
	render_drops(c, &e, (size_t)nseries, true);
	render_netns_info(c, &e);
	render_self(c, &e, (size_t)nseries, started);
	expo_finish(&e);
	err = out->err;
	labelsets_end_round(c->labelsets);
unlock:
	pthread_mutex_unlock(&c->lock);
	return err;
}
