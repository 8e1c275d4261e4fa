// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for self: the exporter's own metrics rendered from given
 * facts, exactly, in both formats (gathering them needs a loaded program). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "counters.h"
#include "self.h"

static void source(struct expo *e, const struct counters_snapshot *snap, void *ctx)
{
	unsigned int *calls = ctx;

	(*calls)++;
	expo_family(e, "dropmon_test_source", EXPO_GAUGE, "A source's family.");
	expo_sample_u64(e, NULL, 0, snap->stats[DROPMON_STAT_EVENTS_SENT]);
}

static struct self_facts facts(void)
{
	struct self_facts f = {
		.version = "1.2.3",
		.revision = "abc\"def",
		.libbpf = "1.4",
		.attach_mode = "tp_btf",
		.map_max_entries = 16384,
		.have_prog_stats = true,
		.prog = { .run_cnt = 1000, .run_time_ns = 2500000000ull, .recursion_misses = 2 },
		.show_prog_runs = true,
		.have_proc = true,
		.proc = {
			.cpu_seconds = 1.5,
			.resident_bytes = 4096,
			.virtual_bytes = 8192,
			.open_fds = 9,
			.max_fds = 1024,
			.start_time_seconds = 1700000000.25,
		},
	};

	return f;
}

static void snapshot(struct counters_snapshot *snap)
{
	static struct counter_row rows[3];

	*snap = (struct counters_snapshot){ .rows = rows, .nrows = 3 };
	snap->stats[DROPMON_STAT_MAP_FULL] = 11;
	snap->stats[DROPMON_STAT_OVERFLOW_FULL] = 5;
	snap->stats[DROPMON_STAT_EVENTS_SENT] = 42;
}

static const char *render(struct strbuf *sb, enum expo_format format, const struct self_facts *f,
			  unsigned int *calls)
{
	const struct self_source src[2] = { { source, calls }, { source, calls } };
	struct counters_snapshot snap;
	struct expo e;

	snapshot(&snap);
	strbuf_reset(sb);
	expo_init(&e, sb, format);
	self_render(&e, f, &snap, src, calls ? 1 : 0);
	self_render_duration(&e, 0.125);
	expo_finish(&e);
	assert_int_equal(sb->err, 0);
	return sb->buf;
}

static void test_text(void **state)
{
	struct self_facts f = facts();
	struct strbuf sb = STRBUF_INIT;
	unsigned int calls = 0;

	(void)state;
	assert_string_equal(
	    render(&sb, EXPO_TEXT, &f, &calls),
	    "# HELP dropmon_build_info A metric with a constant '1' value labeled by version, "
	    "revision and libbpf version from which dropmon was built.\n"
	    "# TYPE dropmon_build_info gauge\n"
	    "dropmon_build_info{version=\"1.2.3\",revision=\"abc\\\"def\",libbpf=\"1.4\"} 1\n"
	    "# HELP dropmon_bpf_attach_info How the BPF program is attached to skb:kfree_skb "
	    "(tp_btf or raw_tp).\n"
	    "# TYPE dropmon_bpf_attach_info gauge\n"
	    "dropmon_bpf_attach_info{mode=\"tp_btf\"} 1\n"
	    "# HELP dropmon_bpf_map_entries Entries in use in the kernel's counter map (one per "
	    "reason, device, netns and dropping location).\n"
	    "# TYPE dropmon_bpf_map_entries gauge\n"
	    "dropmon_bpf_map_entries{map=\"counters\"} 3\n"
	    "# HELP dropmon_bpf_map_max_entries Capacity of the kernel's counter map "
	    "(--bpf.map-size).\n"
	    "# TYPE dropmon_bpf_map_max_entries gauge\n"
	    "dropmon_bpf_map_max_entries{map=\"counters\"} 16384\n"
	    "# HELP dropmon_bpf_map_overflow_drops_total Drops counted without device, netns and "
	    "function because the counter map was full; they are in dropmon_drops_total with only "
	    "a reason label.\n"
	    "# TYPE dropmon_bpf_map_overflow_drops_total counter\n"
	    "dropmon_bpf_map_overflow_drops_total 11\n"
	    "# HELP dropmon_test_source A source's family.\n"
	    "# TYPE dropmon_test_source gauge\n"
	    "dropmon_test_source 42\n"
	    "# HELP dropmon_bpf_uncounted_drops_total Drops that could not be counted at all, "
	    "because the program was already running on that CPU (nested tracepoint hit) or the "
	    "overflow map was full.\n"
	    "# TYPE dropmon_bpf_uncounted_drops_total counter\n"
	    "dropmon_bpf_uncounted_drops_total 7\n"
	    "# HELP dropmon_bpf_program_runs_total Runs of the BPF program (counted while "
	    "kernel.bpf_stats_enabled=1).\n"
	    "# TYPE dropmon_bpf_program_runs_total counter\n"
	    "dropmon_bpf_program_runs_total 1000\n"
	    "# HELP dropmon_bpf_program_run_seconds_total Time spent in the BPF program (counted "
	    "while kernel.bpf_stats_enabled=1).\n"
	    "# TYPE dropmon_bpf_program_run_seconds_total counter\n"
	    "dropmon_bpf_program_run_seconds_total 2.5\n"
	    "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
	    "# TYPE process_cpu_seconds_total counter\n"
	    "process_cpu_seconds_total 1.5\n"
	    "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
	    "# TYPE process_resident_memory_bytes gauge\n"
	    "process_resident_memory_bytes 4096\n"
	    "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
	    "# TYPE process_virtual_memory_bytes gauge\n"
	    "process_virtual_memory_bytes 8192\n"
	    "# HELP process_open_fds Number of open file descriptors.\n"
	    "# TYPE process_open_fds gauge\n"
	    "process_open_fds 9\n"
	    "# HELP process_max_fds Maximum number of open file descriptors.\n"
	    "# TYPE process_max_fds gauge\n"
	    "process_max_fds 1024\n"
	    "# HELP process_start_time_seconds Start time of the process since unix epoch in "
	    "seconds.\n"
	    "# TYPE process_start_time_seconds gauge\n"
	    "process_start_time_seconds 1700000000.25\n"
	    "# HELP dropmon_scrape_duration_seconds Time this scrape took to read and aggregate "
	    "the kernel's counters.\n"
	    "# TYPE dropmon_scrape_duration_seconds gauge\n"
	    "dropmon_scrape_duration_seconds 0.125\n");
	assert_int_equal(calls, 1);
	strbuf_free(&sb);
}

/* Without program statistics the recursion misses are not added and the
 * runs are not shown; without procfs no process_* either. */
static void test_openmetrics_partial(void **state)
{
	struct self_facts f = facts();
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	f.have_prog_stats = false;
	f.show_prog_runs = false;
	f.have_proc = false;
	f.attach_mode = "raw_tp";
	assert_string_equal(
	    render(&sb, EXPO_OPENMETRICS, &f, NULL),
	    "# HELP dropmon_build_info A metric with a constant '1' value labeled by version, "
	    "revision and libbpf version from which dropmon was built.\n"
	    "# TYPE dropmon_build_info gauge\n"
	    "dropmon_build_info{version=\"1.2.3\",revision=\"abc\\\"def\",libbpf=\"1.4\"} 1\n"
	    "# HELP dropmon_bpf_attach_info How the BPF program is attached to skb:kfree_skb "
	    "(tp_btf or raw_tp).\n"
	    "# TYPE dropmon_bpf_attach_info gauge\n"
	    "dropmon_bpf_attach_info{mode=\"raw_tp\"} 1\n"
	    "# HELP dropmon_bpf_map_entries Entries in use in the kernel's counter map (one per "
	    "reason, device, netns and dropping location).\n"
	    "# TYPE dropmon_bpf_map_entries gauge\n"
	    "dropmon_bpf_map_entries{map=\"counters\"} 3\n"
	    "# HELP dropmon_bpf_map_max_entries Capacity of the kernel's counter map "
	    "(--bpf.map-size).\n"
	    "# TYPE dropmon_bpf_map_max_entries gauge\n"
	    "dropmon_bpf_map_max_entries{map=\"counters\"} 16384\n"
	    "# HELP dropmon_bpf_map_overflow_drops Drops counted without device, netns and "
	    "function because the counter map was full; they are in dropmon_drops_total with only "
	    "a reason label.\n"
	    "# TYPE dropmon_bpf_map_overflow_drops counter\n"
	    "dropmon_bpf_map_overflow_drops_total 11\n"
	    "# HELP dropmon_bpf_uncounted_drops Drops that could not be counted at all, "
	    "because the program was already running on that CPU (nested tracepoint hit) or the "
	    "overflow map was full.\n"
	    "# TYPE dropmon_bpf_uncounted_drops counter\n"
	    "dropmon_bpf_uncounted_drops_total 5\n"
	    "# HELP dropmon_scrape_duration_seconds Time this scrape took to read and aggregate "
	    "the kernel's counters.\n"
	    "# TYPE dropmon_scrape_duration_seconds gauge\n"
	    "dropmon_scrape_duration_seconds 0.125\n"
	    "# EOF\n");
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_openmetrics_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
