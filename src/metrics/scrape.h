/* SPDX-License-Identifier: GPL-2.0-only */
/* Turns a counter snapshot into the /metrics body: aggregates by
 * (reason, ifindex, netns, function), names everything, expires series of
 * network namespaces that are gone, and adds the exporter's own metrics. */
#ifndef DROPMON_SCRAPE_H
#define DROPMON_SCRAPE_H

#include <stdint.h>

#include "expo.h"
#include "loader.h"
#include "strbuf.h"
#include "workload.h"

struct counters_snapshot;
struct reasons;

struct scrape_opts {
	uint64_t netns_grace_s;	  /* keep series of a vanished netns this long */
	uint64_t netns_refresh_s; /* rescan namespaces at most this often */
	/* Names of drop reasons (required): the caller's, not freed, shared with other
	 * threads (its lookups are locked). */
	struct reasons *reasons;
	struct workload_opts workload; /* where pods and containers are named */
};

struct scrape;

/* Loads kallsyms; returns 0 or a negative errno, with msg[msglen] saying
 * which step failed and why. */
int scrape_new(struct loader *l, const struct scrape_opts *opts, struct scrape **out, char *msg,
	       size_t msglen);
/* Renders one scrape into out (appended). Safe to call from several threads. */
int scrape_render(struct scrape *c, enum expo_format format, struct strbuf *out);

/* A part of the exporter with metrics of its own (the debug endpoints'
 * events): called during each scrape, under the scrape's lock, with the
 * counter snapshot just read, to add its families to e. */
typedef void (*scrape_source_fn)(struct expo *e, const struct counters_snapshot *snap, void *ctx);
#define SCRAPE_MAX_SOURCES 4
/* Adds a source; ctx must outlive the scrape. 0, or -E2BIG beyond
 * SCRAPE_MAX_SOURCES. */
int scrape_add_source(struct scrape *c, scrape_source_fn fn, void *ctx);
void scrape_free(struct scrape *c);

#endif
