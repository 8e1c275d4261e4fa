/* SPDX-License-Identifier: GPL-2.0-only */
/* Turns a counter snapshot into the /metrics body: aggregates by
 * (reason, ifindex, netns, function), names everything, expires series of
 * network namespaces that are gone, and adds the exporter's own metrics. */
#ifndef DROPMON_COLLECTOR_H
#define DROPMON_COLLECTOR_H

#include <stdint.h>

#include "expo.h"
#include "loader.h"
#include "strbuf.h"

struct collector_opts {
	uint64_t netns_grace_s;	  /* keep series of a vanished netns this long */
	uint64_t netns_refresh_s; /* rescan namespaces at most this often */
};

struct collector;
struct reasons;

/* Loads kallsyms and the reason names; returns 0 or a negative errno, with
 * *what naming the step that failed. */
int collector_new(struct loader *l, const struct collector_opts *opts, struct collector **out,
		  const char **what);
/* Renders one scrape into out (appended). Safe to call from several threads. */
int collector_render(struct collector *c, enum expo_format format, struct strbuf *out);
/* Adds the event metrics of --web.enable-debug to each scrape. */
struct debug;
void collector_set_debug(struct collector *c, struct debug *d);
/* The drop reason names the collector loaded from BTF; lookups in it are
 * locked, so the event consumer shares it. */
struct reasons *collector_reasons(struct collector *c);
void collector_free(struct collector *c);

#endif
