/* SPDX-License-Identifier: GPL-2.0-only */
/* The exporter's own metrics: build, BPF program and maps, process_*. The
 * facts are gathered apart from the rendering, so that the rendering can be
 * tested without a loaded program. */
#ifndef DROPMON_SELF_H
#define DROPMON_SELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expo.h"
#include "loader.h"
#include "procstat.h"

struct counters_snapshot;

struct self_facts {
	const char *version;
	const char *revision;
	char libbpf[32]; /* "MAJOR.MINOR" */
	const char *attach_mode;
	uint64_t map_max_entries;
	bool have_prog_stats;
	struct loader_prog_stats prog;
	/* The program's runs and run time are shown: counted by the kernel,
	 * now or before (kernel.bpf_stats_enabled). */
	bool show_prog_runs;
	bool have_proc;
	struct procstat proc;
};

/* A part of the exporter that adds families of its own, after the map's
 * (same signature as scrape_source_fn). */
struct self_source {
	void (*fn)(struct expo *e, const struct counters_snapshot *snap, void *ctx);
	void *ctx;
};

/* Fills f from the loader, libbpf, version.h, kernel.bpf_stats_enabled and
 * /proc/self. */
void self_gather(struct self_facts *f, const struct loader *l);
/* Renders build info, attach mode, map entries (snap's rows), map capacity,
 * overflow drops, the sources' families, uncounted drops, program runs and
 * process_*, in this order. */
void self_render(struct expo *e, const struct self_facts *f, const struct counters_snapshot *snap,
		 const struct self_source *sources, size_t nsources);
/* The last family of a scrape: how long it took. */
void self_render_duration(struct expo *e, double seconds);

#endif
