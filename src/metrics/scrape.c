// SPDX-License-Identifier: GPL-2.0-only
/* Builds the /metrics body from one counter snapshot read from the BPF maps:
 * wires the namespace bookkeeping (netns_expiry.c), the drop series
 * (series.c) and the exporter's own metrics (self.c) to the loaded program. */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scrape.h"
#include "counters.h"
#include "monotonic.h"
#include "netns.h"
#include "netns_expiry.h"
#include "nfseries.h"
#include "self.h"
#include "series.h"

struct scrape {
	pthread_mutex_t lock;
	struct loader *loader;
	struct scrape_opts opts;
	struct counters_reader *reader;
	struct counters_snapshot snap;
	struct series_set *series;
	struct netns_expiry *netns;
	struct self_source sources[SCRAPE_MAX_SOURCES];
	size_t nsources;
	bool netfilter;	   /* the loader attributes netfilter drops */
	double nf_poll_at; /* when to look for newly loaded netfilter modules */
};

/* Only our own netns can be asked by ifindex. */
static const char *device_fallback(uint32_t netns, uint32_t ifindex, char *buf, void *ctx)
{
	const struct scrape *c = ctx;
	const struct netns_table *t = netns_expiry_table(c->netns);

	if (t && netns == netns_self(t) && if_indextoname(ifindex, buf))
		return buf;
	return NULL;
}

static int forget_netns(uint32_t inode, uint64_t netns_id, void *ctx)
{
	struct scrape *c = ctx;

	return counters_forget_netns(c->reader, inode, netns_id);
}

static uint32_t netns_gen(uint32_t inode, uint64_t netns_id, void *ctx)
{
	const struct scrape *c = ctx;

	return netns_expiry_gen(c->netns, inode, netns_id);
}

int scrape_new(struct loader *l, const struct scrape_opts *opts, struct scrape **out, char *msg,
	       size_t msglen)
{
	const char *step = "setting up the scrape";
	struct netns_expiry_opts xopts = {
		.grace_s = (double)opts->netns_grace_s,
		.refresh_s = (double)opts->netns_refresh_s,
		.forget = forget_netns,
		.workload = opts->workload,
	};
	struct series_opts sopts = {
		.ksyms_check_s = (double)opts->netns_refresh_s,
		.reasons = opts->reasons,
		.device_fallback = device_fallback,
		.netns_gen = netns_gen,
	};
	struct scrape *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(msg, msglen, "%s: %s", step, strerror(ENOMEM));
		return -ENOMEM;
	}
	err = pthread_mutex_init(&c->lock, NULL);
	if (err) {
		free(c);
		snprintf(msg, msglen, "%s: %s", step, strerror(err));
		return -err;
	}
	c->loader = l;
	c->opts = *opts;
	c->netfilter = loader_netfilter_state(l, LOADER_NF_NFT) != LOADER_NF_OFF;
	step = "reading /proc/kallsyms";
	sopts.device_ctx = c;
	sopts.netns_ctx = c;
	err = series_new(&sopts, monotonic_s(), &c->series);
	if (err)
		goto fail;
	step = "setting up namespace expiry";
	xopts.ctx = c;
	err = netns_expiry_new(&xopts, &c->netns);
	if (err)
		goto fail;
	step = "setting up the map reader";
	err = counters_reader_new(loader_maps(l), &c->reader);
	if (err)
		goto fail;
	*out = c;
	return 0;
fail:
	scrape_free(c);
	snprintf(msg, msglen, "%s: %s", step,
		 err == -EPERM ? "kernel addresses are hidden; run as root or with CAP_SYSLOG"
			       : strerror(-err));
	return err;
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
	series_free(c->series);
	netns_expiry_free(c->netns);
	counters_snapshot_free(&c->snap);
	counters_reader_free(c->reader);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Which verdict probes are attached: 0 says its module is not loaded (yet),
 * has no BTF, or the kernel refused the probe (logged). */
static void render_nf_probes(struct scrape *c, struct expo *e, double now)
{
	if (now >= c->nf_poll_at) {
		loader_netfilter_poll(c->loader);
		c->nf_poll_at = now + (double)c->opts.netns_refresh_s;
	}
	expo_family(e, "dropmon_netfilter_probe_attached", EXPO_GAUGE,
		    "1 when drops decided by this netfilter function are attributed to their "
		    "table and chain; 0 while its module is not loaded, or has no BTF.");
	for (int i = 0; i < LOADER_NF_PROBES; i++) {
		struct expo_label l = { "function", loader_netfilter_function(i) };

		expo_sample_u64(e, &l, 1,
				loader_netfilter_state(c->loader, i) == LOADER_NF_ATTACHED);
	}
}

int scrape_render(struct scrape *c, enum expo_format format, struct strbuf *out)
{
	double started = monotonic_s();
	struct self_facts facts;
	struct expo e;
	ssize_t nseries;
	int err;

	pthread_mutex_lock(&c->lock);
	err = counters_read(c->reader, &c->snap);
	if (!err && netns_expiry_update(c->netns, &c->snap, started))
		err = counters_read(c->reader, &c->snap);
	if (err)
		goto unlock;
	series_refresh_ksyms(c->series, started);
	nseries = series_build(c->series, &c->snap);
	if (nseries < 0) {
		err = (int)nseries;
		goto unlock;
	}
	self_gather(&facts, c->loader);
	expo_init(&e, out, format);
	series_render(c->series, &e);
	if (c->netfilter) {
		err = nfseries_render(&e, &c->snap, netns_gen, c);
		if (err)
			goto unlock;
		render_nf_probes(c, &e, started);
	}
	netns_expiry_render(c->netns, &e);
	self_render(&e, &facts, &c->snap, c->sources, c->nsources);
	self_render_duration(&e, monotonic_s() - started);
	expo_finish(&e);
	err = out->err;
unlock:
	pthread_mutex_unlock(&c->lock);
	return err;
}
