// SPDX-License-Identifier: GPL-2.0-only
/* `dropmon collect`: prints every sampled drop as it happens, with its kernel
 * stack and a one-line packet summary, until a count, a duration or Ctrl-C. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "counters.h"
#include "ringbuf.h"
#include "evjson.h"
#include "evrecord.h"
#include "evtext.h"
#include "ksyms.h"
#include "loader.h"
#include "log.h"
#include "monotonic.h"
#include "netns.h"
#include "opts.h"
#include "parse.h"
#include "pktfilter.h"
#include "reasons.h"
#include "strbuf.h"
#include "version.h"

#define RINGBUF_DEFAULT (8u << 20)
#define RINGBUF_MAX (1u << 30)
#define DEFAULT_OUTPUT "dropmon.data"

struct collect_config {
	uint64_t count;	     /* 0: no limit */
	uint64_t duration_s; /* 0: no limit */
	struct loader_events events;
	bool utc;
	const char *output; /* NDJSON file instead of text on stdout */
	const char *filter; /* pcap-filter expression */
	const char *reason; /* name or number, resolved once BTF is read */
};

struct collect_run {
	const struct collect_config *cfg;
	struct evrecord_decoder decoder;
	struct evtext_opts text;
	struct pktfilter *filter;
	FILE *out;
	struct strbuf buf;
	struct evrecord rec;
	uint64_t written;
	uint64_t filtered; /* by --filter, in userspace */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int parse_ringbuf_size(const struct opts_entry *e, const char *arg, void *data)
{
	struct collect_config *cfg = data;
	uint64_t v;

	if (parse_u64(arg, e->min, e->max, &v) || (v & (v - 1)))
		return opts_error(e, arg);
	cfg->events.ringbuf_bytes = (uint32_t)v;
	return 0;
}

#define COLLECT(kind, member) OPTS_##kind##_AT(struct collect_config, member)

/* In the order of the help. */
static const struct opts_entry collect_flags[] = {
	{ .name = "count",
	  COLLECT(U64, count),
	  .arg = "N",
	  .min = 1,
	  .max = UINT64_MAX,
	  .must = "be a positive number",
	  .help = "stop after N events" },
	{ .name = "duration",
	  COLLECT(DURATION, duration_s),
	  .arg = "DUR",
	  .min = 1,
	  .max = 365 * 24 * 3600ull,
	  .must = "be a duration such as 30s, 5m or 1h",
	  .help = "stop after DUR, e.g. 30s, 5m" },
	{ .name = "rate",
	  COLLECT(U64, events.rate),
	  .arg = "N",
	  .max = 100000000,
	  .must = "be events per second, 0 to 100000000",
	  .help = "at most N events/s over all CPUs (default: no limit);\n"
		  "drops over it are counted, not printed" },
	{ .name = "burst",
	  COLLECT(U64, events.burst),
	  .arg = "N",
	  .min = 1,
	  .max = 1000000,
	  .def = "10",
	  .help = "events a CPU may send at once under --rate" },
	{ .name = "netns",
	  COLLECT(U32, events.filter_netns),
	  .arg = "INODE",
	  .min = 1,
	  .max = UINT32_MAX,
	  .must = "be a netns inode number",
	  .help = "only drops in this network namespace (as in\n"
		  "`stat -L -c %i /run/netns/NAME`)" },
	{ .name = "ifindex",
	  COLLECT(U32, events.filter_ifindex),
	  .arg = "N",
	  .min = 1,
	  .max = INT32_MAX,
	  .must = "be an interface index",
	  .help = "only drops on this interface index" },
	{ .name = "reason",
	  COLLECT(STRING, reason),
	  .arg = "NAME",
	  .help = "only drops of this reason, a name such as\n"
		  "NO_SOCKET or a number (applied in the kernel)" },
	{ .name = "filter",
	  COLLECT(STRING, filter),
	  .arg = "EXPR",
	  .help = "only packets matching a pcap-filter expression, e.g.\n"
		  "'tcp port 443' (applied here, after --rate)" },
	{ .name = "output",
	  .short_name = 'o',
	  COLLECT(STRING, output),
	  .arg = "FILE",
	  .optional_arg = true,
	  .def = DEFAULT_OUTPUT,
	  .help = "store events as NDJSON in FILE instead of printing\n"
		  "them; read back with print, pcap" },
	{ .name = "utc",
	  COLLECT(FLAG, utc),
	  .help = "print wall-clock UTC times instead of monotonic ns" },
	/* The default is RINGBUF_DEFAULT, set in cmd_collect(). */
	{ .name = "ringbuf-size",
	  .kind = OPTS_CUSTOM,
	  .parse = parse_ringbuf_size,
	  .arg = "N",
	  .min = 4096,
	  .max = RINGBUF_MAX,
	  .def = "8 MiB",
	  .must = "be a power of two from 4096 to 1073741824",
	  .help = "kernel ring buffer bytes, a power of two" },
	CLI_LOG_LEVEL_FLAG,
	OPTS_HELP_ENTRY,
};

_Static_assert(RINGBUF_MAX == 1073741824, "--ringbuf-size: the message names the maximum");

static const struct opts_cmd collect_cmd = {
	.head = "Usage: dropmon collect [flags]\n"
		"Print every packet the kernel drops as it happens: when, in which task,\n"
		"why, the kernel stack, and the packet. Ctrl-C stops.\n\n"
		"Flags:\n",
	.foot = "\nEvents hold packet contents: store and share them with care.\n",
	.column = 21,
	.entries = collect_flags,
	.n = sizeof(collect_flags) / sizeof(collect_flags[0]),
};

static int on_event(const struct drop_event *ev, void *ctx)
{
	struct collect_run *run = ctx;
	struct evrecord *r = &run->rec;

	/* Before decoding: symbolizing a stack costs more than the filter. */
	if (run->filter && !pktfilter_match(run->filter, ev->flags & DROP_EVENT_MAC, ev->data,
					    ev->caplen, ev->frame_len)) {
		run->filtered++;
		return 0;
	}
	evrecord_decode(r, ev, &run->decoder);
	strbuf_reset(&run->buf);
	if (run->cfg->output ? evjson_write(&run->buf, r) : evtext_format(&run->buf, r, &run->text))
		return -ENOMEM;
	if (fwrite(run->buf.buf, 1, run->buf.len, run->out) != run->buf.len)
		return -EIO;
	run->written++;
	/* Enough: what the kernel still holds is not wanted. */
	if (run->cfg->count && run->written >= run->cfg->count)
		return -ECANCELED;
	return 0;
}

/* Detached, nothing new is sent; but a program already running on another
 * CPU may still submit, and libbpf stops at a record reserved and not yet
 * committed: read until every event the kernel counts as sent has been
 * taken, for a second at most. */
static int drain(struct ringbuf *events, struct counters_reader *reader)
{
	uint64_t stats[DROPMON_STAT_MAX];
	double end = monotonic_s() + 1.0;
	int err;

	for (;;) {
		err = ringbuf_poll(events, 10);
		if (err < 0 && err != -EINTR)
			return err;
		if (counters_read_stats(reader, stats) == 0 &&
		    ringbuf_taken(events) >= stats[DROPMON_STAT_EVENTS_SENT])
			return 0;
		if (monotonic_s() >= end)
			return 0;
	}
}

int cmd_collect(int argc, char **argv)
{
	struct collect_config cfg = {
		/* The other defaults are collect_flags'. */
		.events = { .enabled = true, .ringbuf_bytes = RINGBUF_DEFAULT },
	};
	struct collect_run run = { .cfg = &cfg };
	struct loader_opts lopts = { .map_size = 16384 };
	struct counters_reader *reader = NULL;
	struct loader *loader = NULL;
	struct ringbuf *events = NULL;
	uint64_t stats[DROPMON_STAT_MAX] = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	enum loader_stage stage;
	double deadline = 0;
	bool usage_error = false;
	int err;

	err = opts_parse(&collect_cmd, argc, argv, &cfg);
	if (err)
		return err == OPTS_EXIT ? 0 : err == -ENOMEM ? 1 : 2;
	lopts.events = cfg.events;
	strbuf_init(&run.buf);
	run.text.utc = cfg.utc;
	run.decoder.mono_to_real_ns = evrecord_clock_offset();
	run.out = stdout;
	if (cfg.filter) {
		char why[256];

		err = pktfilter_new(cfg.filter, &run.filter, why, sizeof(why));
		if (err) {
			pr_err("--filter '%s': %s\n", cfg.filter, why);
			return 2;
		}
	}
	if (cfg.output) {
		run.out = cli_create_private(cfg.output);
		if (!run.out) {
			pr_err("cannot write %s: %s\n", cfg.output, strerror(errno));
			pktfilter_free(run.filter);
			return 1;
		}
	}

	/* The reason filter runs in the kernel: its value is needed before
	 * the load, from the running kernel's names. */
	err = reasons_load(NULL, NULL, &run.decoder.reasons);
	if (err)
		pr_warn("cannot read drop reasons from BTF (%s): printed as numbers\n",
			strerror(-err));
	if (cfg.reason) {
		uint64_t v;

		if (parse_u64(cfg.reason, 0, UINT32_MAX, &v) == 0) {
			lopts.events.filter_reason = (uint32_t)v;
		} else if (!run.decoder.reasons || reasons_value(run.decoder.reasons, cfg.reason,
								 &lopts.events.filter_reason)) {
			if (run.decoder.reasons && !reasons_known(run.decoder.reasons))
				pr_err("--reason '%s': this kernel reports no drop reasons (Linux "
				       "5.17 and later do): every drop is NOT_SPECIFIED\n",
				       cfg.reason);
			else
				pr_err("--reason '%s': this kernel has no drop reason of that "
				       "name\n",
				       cfg.reason);
			err = -EINVAL;
			usage_error = true;
			goto cleanup;
		}
		lopts.events.filter_reason_on = true;
	}
	err = loader_open(&lopts, &loader, &stage);
	if (err) {
		cli_explain_load_error(stage, err);
		goto cleanup;
	}
	err = evrecord_decoder_load_ksyms(&run.decoder);
	if (err)
		pr_warn("cannot read /proc/kallsyms (%s): stacks are printed as addresses\n",
			strerror(-err));
	run.text.init_netns = netns_self_inode();
	err = counters_reader_new(loader_maps(loader), &reader);
	if (err) {
		pr_err("cannot set up the map reader: %s\n", strerror(-err));
		goto cleanup;
	}
	err = ringbuf_new(loader_maps(loader)->events, on_event, &run, &events);
	if (err) {
		pr_err("cannot read the kernel's event ring buffer: %s\n", strerror(-err));
		goto cleanup;
	}

	/* No SA_RESTART: the poll must return to see the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (cfg.duration_s)
		deadline = monotonic_s() + (double)cfg.duration_s;
	pr_info("collecting drop events (%s); Ctrl-C stops\n", loader_attach_mode(loader));
	while (!stop_signal) {
		err = ringbuf_poll(events, 100);
		fflush(run.out);
		evrecord_decoder_refresh(&run.decoder, (uint64_t)monotonic_s());
		if (err == -ECANCELED)
			break;
		if (err < 0 && err != -EINTR) {
			pr_err("reading events: %s\n", strerror(-err));
			goto cleanup;
		}
		if (deadline && monotonic_s() >= deadline)
			break;
	}
	/* What the kernel sent before the stop is printed too (unless --count
	 * is reached), so that the summary's counts match. */
	loader_detach(loader);
	if (err != -ECANCELED) {
		err = drain(events, reader);
		fflush(run.out);
		if (err < 0 && err != -ECANCELED) {
			pr_err("reading events: %s\n", strerror(-err));
			goto cleanup;
		}
	}
	err = 0;
	if (counters_read_stats(reader, stats) == 0)
		pr_info("%" PRIu64 " events %s%s; %" PRIu64 " filtered out by --filter; in the "
			"kernel %" PRIu64 " sent, %" PRIu64 " filtered out, %" PRIu64
			" over the rate limit, %" PRIu64 " lost (ring buffer full)\n",
			run.written, cfg.output ? "stored in " : "printed",
			cfg.output ? cfg.output : "", run.filtered, stats[DROPMON_STAT_EVENTS_SENT],
			stats[DROPMON_STAT_EVENTS_FILTERED], stats[DROPMON_STAT_EVENTS_LIMITED],
			stats[DROPMON_STAT_EVENTS_LOST]);
cleanup:
	ringbuf_free(events);
	counters_reader_free(reader);
	reasons_free(run.decoder.reasons);
	ksyms_live_free(&run.decoder.syms);
	loader_close(loader);
	pktfilter_free(run.filter);
	if (run.out && run.out != stdout && fclose(run.out) != 0 && !err) {
		pr_err("writing %s: %s\n", cfg.output, strerror(errno));
		err = -EIO;
	}
	strbuf_free(&run.buf);
	return usage_error ? 2 : err ? 1 : 0;
}
