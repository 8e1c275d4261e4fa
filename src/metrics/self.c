// SPDX-License-Identifier: GPL-2.0-only
/* The exporter's own metrics. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "self.h"
#include "counters.h"
#include "version.h"

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

void self_gather(struct self_facts *f, const struct loader *l)
{
	*f = (struct self_facts){
		.version = DROPMON_VERSION,
		.revision = DROPMON_REVISION,
		.attach_mode = loader_attach_mode(l),
		.map_max_entries = loader_map_size(l),
	};
	snprintf(f->libbpf, sizeof(f->libbpf), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	f->have_prog_stats = loader_prog_stats(l, &f->prog) == 0;
	f->show_prog_runs = f->have_prog_stats && (f->prog.run_cnt || bpf_stats_enabled());
	f->have_proc = procstat_read(NULL, NULL, &f->proc) == 0;
}

void self_render(struct expo *e, const struct self_facts *f, const struct counters_snapshot *snap,
		 const struct self_source *sources, size_t nsources)
{
	struct expo_label map_label = { "map", "counters" };
	struct expo_label build[3] = {
		{ "version", f->version },
		{ "revision", f->revision },
		{ "libbpf", f->libbpf },
	};
	struct expo_label mode = { "mode", f->attach_mode };
	uint64_t uncounted;

	expo_family(e, "dropmon_build_info", EXPO_GAUGE,
		    "A metric with a constant '1' value labeled by version, revision and "
		    "libbpf version from which dropmon was built.");
	expo_sample_u64(e, build, 3, 1);

	expo_family(e, "dropmon_bpf_attach_info", EXPO_GAUGE,
		    "How the BPF program is attached to skb:kfree_skb (tp_btf or raw_tp).");
	expo_sample_u64(e, &mode, 1, 1);

	expo_family(e, "dropmon_bpf_map_entries", EXPO_GAUGE,
		    "Entries in use in the kernel's counter map (one per reason, device, "
		    "netns and dropping location).");
	expo_sample_u64(e, &map_label, 1, snap->nrows);
	expo_family(e, "dropmon_bpf_map_max_entries", EXPO_GAUGE,
		    "Capacity of the kernel's counter map (--bpf.map-size).");
	expo_sample_u64(e, &map_label, 1, f->map_max_entries);
	expo_family(e, "dropmon_bpf_map_overflow_drops", EXPO_COUNTER,
		    "Drops counted without device, netns and function because the counter "
		    "map was full; they are in dropmon_drops_total with only a reason label.");
	expo_sample_u64(e, NULL, 0, snap->stats[DROPMON_STAT_MAP_FULL]);
	for (size_t i = 0; i < nsources; i++)
		sources[i].fn(e, snap, sources[i].ctx);
	expo_family(e, "dropmon_bpf_uncounted_drops", EXPO_COUNTER,
		    "Drops that could not be counted at all, because the program was already "
		    "running on that CPU (nested tracepoint hit) or the overflow map was full.");
	uncounted = snap->stats[DROPMON_STAT_OVERFLOW_FULL];
	if (f->have_prog_stats)
		uncounted += f->prog.recursion_misses;
	expo_sample_u64(e, NULL, 0, uncounted);

	if (f->show_prog_runs) {
		expo_family(e, "dropmon_bpf_program_runs", EXPO_COUNTER,
			    "Runs of the BPF program (counted while kernel.bpf_stats_enabled=1).");
		expo_sample_u64(e, NULL, 0, f->prog.run_cnt);
		expo_family(e, "dropmon_bpf_program_run_seconds", EXPO_COUNTER,
			    "Time spent in the BPF program (counted while "
			    "kernel.bpf_stats_enabled=1).");
		expo_sample_double(e, NULL, 0, (double)f->prog.run_time_ns / 1e9);
	}

	if (f->have_proc) {
		/* The names, types and help of client_golang's process collector. */
		const struct {
			const char *name;
			enum expo_type type;
			const char *help;
			bool is_double;
			double d;
			uint64_t u;
		} proc[] = {
			{ "process_cpu_seconds", EXPO_COUNTER,
			  "Total user and system CPU time spent in seconds.", true,
			  f->proc.cpu_seconds, 0 },
			{ "process_resident_memory_bytes", EXPO_GAUGE,
			  "Resident memory size in bytes.", false, 0, f->proc.resident_bytes },
			{ "process_virtual_memory_bytes", EXPO_GAUGE,
			  "Virtual memory size in bytes.", false, 0, f->proc.virtual_bytes },
			{ "process_open_fds", EXPO_GAUGE, "Number of open file descriptors.", false,
			  0, f->proc.open_fds },
			{ "process_max_fds", EXPO_GAUGE, "Maximum number of open file descriptors.",
			  false, 0, f->proc.max_fds },
			{ "process_start_time_seconds", EXPO_GAUGE,
			  "Start time of the process since unix epoch in seconds.", true,
			  f->proc.start_time_seconds, 0 },
		};

		for (size_t i = 0; i < sizeof(proc) / sizeof(proc[0]); i++) {
			expo_family(e, proc[i].name, proc[i].type, proc[i].help);
			if (proc[i].is_double)
				expo_sample_double(e, NULL, 0, proc[i].d);
			else
				expo_sample_u64(e, NULL, 0, proc[i].u);
		}
	}
}

void self_render_duration(struct expo *e, double seconds)
{
	expo_family(e, "dropmon_scrape_duration_seconds", EXPO_GAUGE,
		    "Time this scrape took to read and aggregate the kernel's counters.");
	expo_sample_double(e, NULL, 0, seconds);
}
