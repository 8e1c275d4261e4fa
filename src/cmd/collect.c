// SPDX-License-Identifier: GPL-2.0-only
/* `dropmon collect`: prints every sampled drop as it happens, with its kernel
 * stack and a one-line packet summary, until a count, a duration or Ctrl-C. */
#include <errno.h>
#include <getopt.h>
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

enum {
	OPT_COUNT = 256,
	OPT_DURATION,
	OPT_RATE,
	OPT_BURST,
	OPT_NETNS,
	OPT_IFINDEX,
	OPT_UTC,
	OPT_RINGBUF,
	OPT_LOG_LEVEL,
	OPT_FILTER,
	OPT_REASON,
};

static const struct option collect_options[] = {
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "ifindex", required_argument, NULL, OPT_IFINDEX },
	{ "utc", no_argument, NULL, OPT_UTC },
	{ "ringbuf-size", required_argument, NULL, OPT_RINGBUF },
	{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "output", optional_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void collect_usage(FILE *f)
{
	fprintf(f,
		"Usage: dropmon collect [flags]\n"
		"Print every packet the kernel drops as it happens: when, in which task,\n"
		"why, the kernel stack, and the packet. Ctrl-C stops.\n\n"
		"Flags:\n"
		"  --count=N          stop after N events\n"
		"  --duration=DUR     stop after DUR, e.g. 30s, 5m\n"
		"  --rate=N           at most N events/s over all CPUs (default: no limit);\n"
		"                     drops over it are counted, not printed\n"
		"  --burst=N          events a CPU may send at once under --rate (default 10)\n"
		"  --netns=INODE      only drops in this network namespace (as in\n"
		"                     `stat -L -c %%i /run/netns/NAME`)\n"
		"  --ifindex=N        only drops on this interface index\n"
		"  --filter=EXPR      only packets matching a pcap-filter expression, e.g.\n"
		"                     'tcp port 443' (applied here, after --rate)\n"
		"  -o, --output[=FILE]  store events as NDJSON in FILE (default %s)\n"
		"                     instead of printing them; read back with print, pcap\n"
		"  --utc              print wall-clock UTC times instead of monotonic ns\n"
		"  --ringbuf-size=N   kernel ring buffer bytes, a power of two (default 8 MiB)\n"
		"  --log.level=LEVEL  error, warn, info or debug (default info)\n"
		"  -h, --help         print this help and exit\n\n"
		"Events hold packet contents: store and share them with care.\n",
		DEFAULT_OUTPUT);
}

/* Returns 0 to go on, 1 to exit 0 (help), or -EINVAL. */
static int parse_flags(int argc, char **argv, struct collect_config *cfg)
{
	uint64_t v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho::", collect_options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			/* "-o FILE" as well as "-oFILE" and "--output=FILE". */
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			cfg->output = optarg && *optarg ? optarg : DEFAULT_OUTPUT;
			break;
		case OPT_FILTER:
			cfg->filter = optarg;
			break;
		case OPT_REASON:
			cfg->reason = optarg;
			break;
		case OPT_COUNT:
			if (parse_u64(optarg, 1, UINT64_MAX, &cfg->count)) {
				pr_err("--count must be a positive number (got '%s')\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_DURATION:
			if (parse_duration(optarg, 365 * 24 * 3600ull, &cfg->duration_s) ||
			    !cfg->duration_s) {
				pr_err("--duration must be a duration such as 30s, 5m or 1h (got "
				       "'%s')\n",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_RATE:
			if (parse_u64(optarg, 0, 100000000, &cfg->events.rate)) {
				pr_err("--rate must be events per second, 0 to 100000000 (got "
				       "'%s')\n",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_BURST:
			if (parse_u64(optarg, 1, 1000000, &cfg->events.burst)) {
				pr_err("--burst must be a number from 1 to 1000000 (got '%s')\n",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_NETNS:
			if (parse_u64(optarg, 1, UINT32_MAX, &v)) {
				pr_err("--netns must be a netns inode number (got '%s')\n", optarg);
				return -EINVAL;
			}
			cfg->events.filter_netns = (uint32_t)v;
			break;
		case OPT_IFINDEX:
			if (parse_u64(optarg, 1, INT32_MAX, &v)) {
				pr_err("--ifindex must be an interface index (got '%s')\n", optarg);
				return -EINVAL;
			}
			cfg->events.filter_ifindex = (uint32_t)v;
			break;
		case OPT_UTC:
			cfg->utc = true;
			break;
		case OPT_RINGBUF:
			if (parse_u64(optarg, 4096, RINGBUF_MAX, &v) || (v & (v - 1))) {
				pr_err("--ringbuf-size must be a power of two from 4096 to %u (got "
				       "'%s')\n",
				       RINGBUF_MAX, optarg);
				return -EINVAL;
			}
			cfg->events.ringbuf_bytes = (uint32_t)v;
			break;
		case OPT_LOG_LEVEL:
			if (cli_set_log_level(optarg))
				return -EINVAL;
			break;
		case 'h':
			collect_usage(stdout);
			return 1;
		default:
			collect_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

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
		.events = { .enabled = true, .burst = 10, .ringbuf_bytes = RINGBUF_DEFAULT },
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

	err = parse_flags(argc, argv, &cfg);
	if (err)
		return err > 0 ? 0 : 2;
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
	run.decoder.reasons = reasons_load(NULL, NULL);
	if (!run.decoder.reasons)
		pr_warn("cannot read drop reasons from BTF (%s): printed as numbers\n",
			strerror(errno));
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
	if (evrecord_decoder_load_ksyms(&run.decoder))
		pr_warn("cannot read /proc/kallsyms (%s): stacks are printed as addresses\n",
			strerror(errno));
	run.text.init_netns = netns_self_inode();
	reader = counters_reader_new(loader_maps(loader));
	events = ringbuf_new(loader_maps(loader)->events, on_event, &run);
	if (!reader || !events) {
		err = -errno;
		pr_err("cannot read the kernel's event ring buffer: %s\n", strerror(errno));
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
	ksyms_free(run.decoder.ksyms);
	loader_close(loader);
	pktfilter_free(run.filter);
	if (run.out && run.out != stdout && fclose(run.out) != 0 && !err) {
		pr_err("writing %s: %s\n", cfg.output, strerror(errno));
		err = -EIO;
	}
	strbuf_free(&run.buf);
	return usage_error ? 2 : err ? 1 : 0;
}
