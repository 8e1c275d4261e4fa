// SPDX-License-Identifier: GPL-2.0-only
/* Drop series: aggregation of counter rows by function, their label sets
 * (cached from one scrape to the next) and the drop families. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "series.h"
#include "counters.h"
#include "ksyms.h"
#include "labelsets.h"
#include "log.h"
#include "reasons.h"

/* One aggregated series: rows that differ only in the offset of the location
 * inside the function are summed. */
struct series {
	uint32_t reason;
	uint32_t ifindex;
	uint32_t netns;
	uint32_t netns_gen; /* N of the label "INODE-N"; 1: the inode alone */
	uint64_t netns_id;  /* drop_key.netns_id: which namespace of that inode */
	uint64_t func_key;  /* ksym address, or the raw location when unknown */
	const char *func;   /* NULL when unknown */
	struct drop_value value;
	const char *labels; /* its rendered label set */
	size_t labels_at;   /* where it is in scratch, when not cached */
	size_t labels_len;
};

struct series_set {
	struct series_opts opts;
	struct ksyms_live syms;
	const struct counters_snapshot *snap; /* of the last build */
	struct series *series;
	size_t nseries, series_cap;
	/* Each series' label set, rendered once for both the packet and the
	 * byte family, and kept for the next scrapes; label sets that cannot
	 * be kept go to scratch for this scrape only. */
	struct labelsets *labelsets;
	size_t labelsets_nreasons; /* reasons_count() the cache was built with */
	struct strbuf scratch;
};

int series_new(const struct series_opts *opts, double now, struct series_set **out)
{
	struct series_set *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->opts = *opts;
	s->syms.kallsyms_path = opts->kallsyms_path;
	s->syms.modules_path = opts->modules_path;
	err = ksyms_live_load(&s->syms, now);
	if (err)
		goto fail;
	err = labelsets_new(&s->labelsets);
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	series_free(s);
	return err;
}

void series_free(struct series_set *s)
{
	if (!s)
		return;
	free(s->series);
	labelsets_free(s->labelsets);
	strbuf_free(&s->scratch);
	ksyms_live_free(&s->syms);
	free(s);
}

/* Reloads kallsyms when the set of modules changed, so that drops in a module
 * loaded after start-up are named after the right function. */
int series_refresh_ksyms(struct series_set *s, double now)
{
	int r = ksyms_live_refresh(&s->syms, now, s->opts.ksyms_check_s);

	if (r < 0) {
		pr_warn("cannot reload /proc/kallsyms after a module change: %s\n", strerror(-r));
	} else if (r > 0) {
		/* Function names and addresses may have moved. */
		labelsets_clear(s->labelsets);
		pr_debug("modules changed: reloaded %zu kernel symbols\n", ksyms_count(s->syms.ks));
	}
	return r;
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
	if (a->netns_id != b->netns_id)
		return a->netns_id < b->netns_id ? -1 : 1;
	if (a->func_key != b->func_key)
		return a->func_key < b->func_key ? -1 : 1;
	return 0;
}

/* Returns the number of series, or a negative errno. */
static ssize_t aggregate(struct series_set *s, const struct counters_snapshot *snap)
{
	size_t n = 0, i;

	if (snap->nrows && ARRAY_RESERVE(s->series, s->series_cap, snap->nrows - 1, 64))
		return -ENOMEM;
	for (i = 0; i < snap->nrows; i++) {
		const struct counter_row *row = &snap->rows[i];
		const struct ksym *sym = ksyms_find(s->syms.ks, row->key.location);
		struct series *se = &s->series[i];

		se->reason = row->key.reason;
		se->ifindex = row->key.ifindex;
		se->netns = row->key.netns;
		se->netns_id = row->key.netns_id;
		se->netns_gen = 1;
		if (row->key.netns && s->opts.netns_gen)
			se->netns_gen =
			    s->opts.netns_gen(row->key.netns, row->key.netns_id, s->opts.netns_ctx);
		se->func_key = sym ? sym->addr : row->key.location;
		se->func = sym ? sym->name : NULL;
		se->value = row->value;
	}
	if (!snap->nrows)
		return 0;
	qsort(s->series, snap->nrows, sizeof(*s->series), cmp_series);
	for (i = 1; i < snap->nrows; i++) {
		if (cmp_series(&s->series[n], &s->series[i]) == 0) {
			s->series[n].value.packets += s->series[i].value.packets;
			s->series[n].value.bytes += s->series[i].value.bytes;
		} else {
			s->series[++n] = s->series[i];
		}
	}
	return (ssize_t)n + 1;
}

struct series_labels {
	char reason[96];
	char device[IF_NAMESIZE]; /* device_fallback only */
	char ifindex[STRBUF_U64_SIZE];
	char netns[24]; /* "INODE-N", as netns_expiry_label() */
	char func[32];
	struct expo_label labels[5];
};

static void fill_labels(struct series_set *s, const struct series *se, struct series_labels *l)
{
	const char *dev = "";

	reasons_name(s->opts.reasons, se->reason, l->reason, sizeof(l->reason));
	l->ifindex[0] = '\0';
	l->netns[0] = '\0';
	if (se->ifindex) {
		strbuf_fmt_u64(l->ifindex, se->ifindex);
		dev = counters_device_name(s->snap, se->netns, se->netns_id, se->ifindex);
		/* Fallback for a key created before the name was recorded. */
		if (!dev && s->opts.device_fallback)
			dev = s->opts.device_fallback(se->netns, se->ifindex, l->device,
						      s->opts.device_ctx);
		if (!dev)
			dev = "";
	}
	if (se->netns && se->netns_gen > 1)
		snprintf(l->netns, sizeof(l->netns), "%" PRIu32 "-%" PRIu32, se->netns,
			 se->netns_gen);
	else if (se->netns)
		strbuf_fmt_u64(l->netns, se->netns);
	if (!se->func)
		snprintf(l->func, sizeof(l->func), "0x%" PRIx64, se->func_key);
	l->labels[0] = (struct expo_label){ "reason", l->reason };
	l->labels[1] = (struct expo_label){ "device", dev };
	l->labels[2] = (struct expo_label){ "ifindex", l->ifindex };
	l->labels[3] = (struct expo_label){ "netns", l->netns };
	l->labels[4] = (struct expo_label){ "function", se->func ? se->func : l->func };
}

/* Sets the label set of every series: from the cache, or rendered and
 * cached. A label set is not cached when one of its names may still change
 * under the same series: a device whose name the kernel has not recorded
 * (yet), or a reason the kernel's BTF did not name (a module may bring it). */
static int render_labelsets(struct series_set *s)
{
	size_t nreasons = reasons_count(s->opts.reasons);
	struct series_labels l;
	int err;

	if (nreasons != s->labelsets_nreasons) {
		labelsets_clear(s->labelsets);
		s->labelsets_nreasons = nreasons;
	}
	strbuf_reset(&s->scratch);
	for (size_t i = 0; i < s->nseries; i++) {
		struct series *se = &s->series[i];
		struct labelset_id id = {
			.func_key = se->func_key,
			.reason = se->reason,
			.ifindex = se->ifindex,
			.netns = se->netns,
			.netns_gen = se->netns_gen,
		};
		const char *dev = se->ifindex ? counters_device_name(s->snap, se->netns,
								     se->netns_id, se->ifindex)
					      : "";
		size_t start = s->scratch.len;

		se->labels = NULL;
		if (dev) {
			strncpy(id.device, dev, sizeof(id.device) - 1);
			se->labels = labelsets_get(s->labelsets, &id, &se->labels_len);
			if (se->labels)
				continue;
		}
		fill_labels(s, se, &l);
		err = expo_labels_render(&s->scratch, l.labels, 5);
		if (err)
			return err;
		se->labels_len = s->scratch.len - start;
		if (dev && !(l.reason[0] >= '0' && l.reason[0] <= '9'))
			se->labels = labelsets_put(s->labelsets, &id, s->scratch.buf + start,
						   se->labels_len);
		if (se->labels)
			s->scratch.len = start; /* cached: the scratch copy is not needed */
		else
			se->labels_at = start;
	}
	/* scratch may have moved while it grew: point into it only now. */
	for (size_t i = 0; i < s->nseries; i++) {
		struct series *se = &s->series[i];

		if (!se->labels)
			se->labels = s->scratch.buf + se->labels_at;
	}
	return 0;
}

ssize_t series_build(struct series_set *s, const struct counters_snapshot *snap)
{
	ssize_t n;
	int err;

	s->snap = snap;
	s->nseries = 0;
	n = aggregate(s, snap);
	if (n < 0)
		return n;
	s->nseries = (size_t)n;
	err = render_labelsets(s);
	if (err) {
		s->nseries = 0;
		return err;
	}
	return n;
}

static void render_drops(struct series_set *s, struct expo *e, bool bytes)
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
	for (size_t i = 0; i < s->nseries; i++) {
		const struct series *se = &s->series[i];

		expo_sample_u64_rendered(e, se->labels, se->labels_len,
					 bytes ? se->value.bytes : se->value.packets);
	}
	for (size_t i = 0; s->snap && i < s->snap->noverflow; i++) {
		const struct overflow_row *o = &s->snap->overflow[i];
		struct expo_label ol[5] = {
			{ "reason", reason }, { "device", "" },	  { "ifindex", "" },
			{ "netns", "" },      { "function", "" },
		};

		reasons_name(s->opts.reasons, o->reason, reason, sizeof(reason));
		expo_sample_u64(e, ol, 5, bytes ? o->value.bytes : o->value.packets);
	}
}

void series_render(struct series_set *s, struct expo *e)
{
	render_drops(s, e, false);
	render_drops(s, e, true);
	labelsets_end_round(s->labelsets);
}

size_t series_cached(const struct series_set *s)
{
	return labelsets_count(s->labelsets);
}

size_t series_ksyms_count(const struct series_set *s)
{
	return ksyms_count(s->syms.ks);
}
