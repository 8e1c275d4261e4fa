// SPDX-License-Identifier: GPL-2.0-only
/* `dropmon collect`: prints every sampled drop as it happens, with its kernel
 * stack and a one-line packet summary, until a count, a duration or Ctrl-C. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
#include "nfnames.h"
#include "nftrace.h"
#include "opts.h"
#include "outbuf.h"
#include "outfile.h"
#include "parse.h"
#include "pktfilter.h"
#include "pktsum.h"
#include "reasons.h"
#include "strbuf.h"
#include "version.h"

#define RINGBUF_DEFAULT (8u << 20)
#define RINGBUF_MAX (1u << 30)
#define DEFAULT_OUTPUT "dropmon.data"
/* Bytes of formatted events held for an output that is slower than the
 * events: past this, events wait in the kernel's ring buffer, and past
 * that the kernel counts them lost. */
#define OUT_QUEUE_BYTES (1u << 20)
/* After a stop, how long collect may still take what the kernel sent
 * before it and write out what is queued. */
#define GRACE_S 1.0
#define POLL_MS 100
/* Exit statuses (documented in the help and dropmon(8)). */
#define EXIT_ERROR 1
#define EXIT_USAGE 2
#define EXIT_READER_GONE 3

struct collect_config {
	uint64_t count;	     /* 0: no limit */
	uint64_t duration_s; /* 0: no limit */
	struct loader_events events;
	bool utc;
	bool force; /* -o may replace an existing file */
	bool netfilter_rules;
	const char *output; /* NDJSON file instead of text on stdout */
	const char *filter; /* pcap-filter expression */
	const char *reason; /* name or number, resolved once BTF is read */
};

struct collect_run {
	const struct collect_config *cfg;
	struct evrecord_decoder decoder;
	struct evtext_opts text;
	struct pktfilter *filter;
	struct outbuf *out;
	const char *out_name; /* for messages: the file, or "standard output" */
	struct strbuf buf;
	struct evrecord rec;
	uint64_t queued;    /* handed to out */
	uint64_t unwritten; /* taken off the ring while out was full or failed */
	uint64_t filtered;  /* by --filter, in userspace */
	bool stopping;	    /* after the stop: take every event, queue what fits */
	int out_err;	    /* the output's failed write, or 0 */
	struct loader *loader;
	double nf_poll_at;	 /* when to look for newly loaded netfilter modules */
	struct nftrace *nftrace; /* --netfilter-rules */
};

/* The signal flag: how many SIGINT/SIGTERM arrived (a second one ends the
 * grace after a stop at once). */
static volatile sig_atomic_t signals;

static void on_signal(int sig)
{
	(void)sig;
	signals++;
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
	{ .name = "netfilter-rules",
	  COLLECT(FLAG, netfilter_rules),
	  .help = "name the nftables rule of each NETFILTER_DROP; adds\n"
		  "a table of its own to each netns with nftables tables\n"
		  "while it runs (dropmon(8), NETFILTER RULES)" },
	{ .name = "output",
	  .short_name = 'o',
	  COLLECT(STRING, output),
	  .arg = "FILE",
	  .optional_arg = true,
	  .def = DEFAULT_OUTPUT,
	  .help = "store events as NDJSON in FILE instead of printing\n"
		  "them; read back with print, pcap" },
	{ .name = "force",
	  COLLECT(FLAG, force),
	  .help = "with -o, replace FILE if it exists (else refused)" },
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
	.foot = "\nA slow or stalled output never holds collect past --duration or a signal:\n"
		"it stops within a second, and counts the events it could not write.\n"
		"-o FILE is created mode 0600. Events hold packet contents: store and\n"
		"share them with care.\n\n"
		"Exit status: 0 after --count, --duration, Ctrl-C or SIGTERM; 1 on an\n"
		"error, writing the output included; 2 for bad flags; 3 when the\n"
		"output's reader went away (a closed pipe).\n",
	.column = 21,
	.entries = collect_flags,
	.n = sizeof(collect_flags) / sizeof(collect_flags[0]),
};

/* --netfilter-rules: the rule (or policy) the trace says dropped r. */
static void name_rule(struct nftrace *t, struct evrecord *r)
{
	struct evrecord_nfrule *rule = &r->nf_rule;
	struct nftrace_verdict v;
	char fambuf[NFNAMES_SIZE];
	unsigned int proto;
	bool cut = false;
	size_t l3 = 0;

	if (r->mac)
		l3 = pktsum_l3_offset(r->packet, r->caplen, &proto, &cut);
	if (cut || r->caplen <= l3 ||
	    nftrace_take(t, r->netns, r->packet + l3, r->caplen - l3, &v)) {
		rule->why = r->nf_kind == DROPMON_NF_IPTABLES || r->nf_kind == DROPMON_NF_IP6TABLES
				? "iptables-legacy: the kernel does not tell which rule"
				: "no nftables trace of it: not an nftables verdict, or a netns "
				  "collect does not trace";
		return;
	}
	rule->known = true;
	rule->policy = v.policy;
	rule->handle = v.handle;
	snprintf(rule->family, sizeof(rule->family), "%s", nfnames_family(v.family, fambuf));
	snprintf(rule->table, sizeof(rule->table), "%s", v.table);
	snprintf(rule->chain, sizeof(rule->chain), "%s", v.chain);
	nftrace_rule_text(t, &v, rule->text, sizeof(rule->text));
}

static int on_event(const struct drop_event *ev, void *ctx)
{
	struct collect_run *run = ctx;
	struct evrecord *r = &run->rec;
	int err;

	/* Before decoding: symbolizing a stack costs more than the filter. */
	if (run->filter && !pktfilter_match(run->filter, ev->flags & DROP_EVENT_MAC, ev->data,
					    ev->caplen, ev->frame_len)) {
		run->filtered++;
		return 0;
	}
	/* Only after the stop or a failed write: until then the ring is not
	 * read while the queue is full. */
	if (outbuf_full(run->out)) {
		run->unwritten++;
		return 0;
	}
	evrecord_decode(r, ev, &run->decoder);
	if (run->nftrace && !strcmp(r->reason, "NETFILTER_DROP"))
		name_rule(run->nftrace, r);
	strbuf_reset(&run->buf);
	if (run->cfg->output ? evjson_write(&run->buf, r) : evtext_format(&run->buf, r, &run->text))
		return -ENOMEM;
	err = outbuf_add(run->out, run->buf.buf, run->buf.len);
	if (err)
		return err;
	run->queued++;
	/* Enough: what the kernel still holds is not wanted. */
	if (run->cfg->count && run->queued >= run->cfg->count)
		return -ECANCELED;
	/* The rest waits in the kernel's ring until the output takes more. */
	if (!run->stopping && outbuf_full(run->out))
		return -EAGAIN;
	return 0;
}

/* Writes what the output takes now, without waiting; a failure is kept. */
static void write_out(struct collect_run *run)
{
	if (!run->out_err)
		run->out_err = outbuf_write(run->out);
}

/* Waits up to timeout_ms for events (if wanted) or for the output to take
 * more (if anything is queued), whichever comes first; or for a signal. */
static int wait_io(struct collect_run *run, struct ringbuf *events, bool want_events,
		   int timeout_ms)
{
	struct pollfd fds[2];
	nfds_t n = 0;

	if (want_events)
		fds[n++] = (struct pollfd){ .fd = ringbuf_wait_fd(events), .events = POLLIN };
	if (!run->out_err && outbuf_pending_bytes(run->out))
		fds[n++] = (struct pollfd){ .fd = outbuf_fd(run->out), .events = POLLOUT };
	if (poll(fds, n, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/* How often a netfilter module loaded since the start is looked for. */
#define NF_POLL_S 2.0

enum stop_cause { STOP_SIGNAL, STOP_DURATION, STOP_COUNT, STOP_OUTPUT };

/* Until a signal, the deadline (0: none), --count, or a failed write.
 * Nothing here waits on the output: it is written only as far as it takes
 * without blocking, so a stalled reader holds events back (in the queue,
 * then in the kernel's ring), never the stop. */
static int collect_loop(struct collect_run *run, struct ringbuf *events, double deadline,
			enum stop_cause *cause)
{
	for (;;) {
		double now = monotonic_s();
		int timeout = POLL_MS, err;

		if (signals) {
			*cause = STOP_SIGNAL;
			return 0;
		}
		if (deadline && now >= deadline) {
			*cause = STOP_DURATION;
			return 0;
		}
		if (deadline && (deadline - now) * 1000 < timeout)
			timeout = (int)((deadline - now) * 1000) + 1;
		err = wait_io(run, events, !outbuf_full(run->out), timeout);
		if (err)
			return err;
		if (!outbuf_full(run->out)) {
			err = ringbuf_consume(events);
			if (err < 0 && err != -EAGAIN && err != -ECANCELED)
				return err;
		}
		write_out(run);
		evrecord_decoder_refresh(&run->decoder, (uint64_t)monotonic_s());
		if (run->nftrace)
			nftrace_drain(run->nftrace);
		if (now >= run->nf_poll_at) {
			loader_netfilter_poll(run->loader);
			if (run->nftrace)
				nftrace_scan(run->nftrace);
			run->nf_poll_at = monotonic_s() + NF_POLL_S;
		}
		if (run->out_err) {
			*cause = STOP_OUTPUT;
			return 0;
		}
		if (err == -ECANCELED) {
			*cause = STOP_COUNT;
			return 0;
		}
	}
}

/* After the stop, for GRACE_S at most and only until another signal.
 * Detached, nothing new is sent; but a program already running on another
 * CPU may still submit, and libbpf stops at a record reserved and not yet
 * committed: with drain, take every event the kernel counts as sent, so
 * that the summary's counts add up (queued while there is room, else
 * counted as not written). Then write out what is queued. */
static int finish(struct collect_run *run, struct ringbuf *events, struct counters_reader *reader,
		  bool drain)
{
	uint64_t stats[DROPMON_STAT_MAX];
	double end = monotonic_s() + GRACE_S;
	sig_atomic_t seen = signals;
	int err;

	run->stopping = true;
	for (;;) {
		if (drain) {
			err = ringbuf_consume(events);
			if (err == -ECANCELED)
				drain = false; /* --count reached */
			else if (err < 0)
				return err;
			if (drain && counters_read_stats(reader, stats) == 0 &&
			    ringbuf_taken(events) >= stats[DROPMON_STAT_EVENTS_SENT])
				drain = false;
		}
		write_out(run);
		if (!drain && (run->out_err || !outbuf_pending_bytes(run->out)))
			return 0;
		if (monotonic_s() >= end || signals != seen)
			return 0;
		err = wait_io(run, events, drain, 10);
		if (err)
			return err;
	}
}

/* What became of every event, on stderr whatever happened to the output. */
static void report(const struct collect_run *run, struct counters_reader *reader, bool cut)
{
	const struct collect_config *cfg = run->cfg;
	uint64_t stats[DROPMON_STAT_MAX] = { 0 };
	uint64_t not_written = run->unwritten + outbuf_records_pending(run->out);

	if (run->out_err == -EPIPE)
		pr_err("writing %s: %s: its reader went away; stopped\n", run->out_name,
		       strerror(EPIPE));
	else if (run->out_err)
		pr_err("writing %s: %s\n", run->out_name, strerror(-run->out_err));
	else if (not_written)
		pr_warn("%s did not take %" PRIu64 " events by the stop: a slow or stalled "
			"reader\n",
			run->out_name, not_written);
	if (cut)
		pr_warn("%s has the start of the first of them only: the last event there is "
			"cut short\n",
			run->out_name);
	if (counters_read_stats(reader, stats) != 0)
		pr_warn("cannot read the kernel's event counts\n");
	pr_info("%" PRIu64 " events %s%s, %" PRIu64 " not written; %" PRIu64
		" filtered out by --filter; in the kernel %" PRIu64 " sent, %" PRIu64
		" filtered out, %" PRIu64 " over the rate limit, %" PRIu64
		" lost (ring buffer full)\n",
		outbuf_records_written(run->out), cfg->output ? "stored in " : "printed",
		cfg->output ? cfg->output : "", not_written, run->filtered,
		stats[DROPMON_STAT_EVENTS_SENT], stats[DROPMON_STAT_EVENTS_FILTERED],
		stats[DROPMON_STAT_EVENTS_LIMITED], stats[DROPMON_STAT_EVENTS_LOST]);
}

/* --netfilter-rules: says what it changes, then changes it. */
static int start_rules(struct nftrace **out, uint32_t only_netns)
{
	int holder, err;

	err = nftrace_open(NULL, out, &holder);
	if (err == -EBUSY) {
		pr_err("--netfilter-rules: another dropmon collect --netfilter-rules runs (pid "
		       "%d, holding " NFTRACE_LOCK "); one at a time\n",
		       holder);
		return err;
	}
	if (err) {
		pr_err("--netfilter-rules: cannot lock " NFTRACE_LOCK ": %s\n", strerror(-err));
		return err;
	}
	nftrace_only(*out, only_netns);
	pr_info("--netfilter-rules: nftables traces only packets marked with `meta nftrace "
		"set 1`: collect adds a table of its own, " NFTRACE_FAMILY " " NFTRACE_TABLE
		", to %s with nftables tables, and deletes it when it stops; nothing else is "
		"changed\n",
		only_netns ? "the --netns namespace, if it is one" : "each network namespace");
	err = nftrace_scan(*out);
	if (err == -ENOENT) {
		pr_err("--netfilter-rules needs nft(8) (Debian package nftables)\n");
		return err;
	}
	if (err < 0)
		pr_warn("--netfilter-rules: no table added: %s\n", strerror(-err));
	else if (err == 0)
		pr_warn("--netfilter-rules: no network namespace has nftables tables yet; "
			"new namespaces are looked at every %.0f s\n",
			NF_POLL_S);
	return 0;
}

/* What the trace gave, at the end. */
static void report_rules(const struct nftrace *t)
{
	struct nftrace_stats st;

	nftrace_get_stats(t, &st);
	pr_info("--netfilter-rules: %u network namespaces traced; %" PRIu64
		" drop verdicts seen, %" PRIu64 " named an event, %" PRIu64
		" no event took; %" PRIu64 " times the kernel lost trace messages\n",
		st.tables, st.verdicts, st.taken, st.verdicts - st.taken, st.lost);
	if (st.bad || st.headless)
		pr_warn("--netfilter-rules: %" PRIu64 " trace messages did not parse, %" PRIu64
			" drop verdicts came without their packet's headers (never matched)\n",
			st.bad, st.headless);
}

int cmd_collect(int argc, char **argv)
{
	struct collect_config cfg = {
		/* The other defaults are collect_flags'. */
		.events = { .enabled = true, .ringbuf_bytes = RINGBUF_DEFAULT },
	};
	struct collect_run run = { .cfg = &cfg, .out_name = "standard output" };
	/* Events of NETFILTER_DROPs name their table and chain. */
	struct loader_opts lopts = { .map_size = 16384, .netfilter = true };
	struct counters_reader *reader = NULL;
	struct loader *loader = NULL;
	struct ringbuf *events = NULL;
	struct outfile of = { .fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	enum stop_cause cause = STOP_SIGNAL;
	enum loader_stage stage;
	double deadline = 0;
	bool usage_error = false, collecting = false, cut;
	char msg[512];
	int err;

	err = opts_parse(&collect_cmd, argc, argv, &cfg);
	if (err)
		return err == OPTS_EXIT ? 0 : err == -ENOMEM ? EXIT_ERROR : EXIT_USAGE;
	if (cfg.force && !cfg.output) {
		pr_err("--force goes with -o: it lets collect replace an existing file\n");
		return EXIT_USAGE;
	}
	lopts.events = cfg.events;
	strbuf_init(&run.buf);
	run.text.utc = cfg.utc;
	run.decoder.mono_to_real_ns = evrecord_clock_offset();
	if (cfg.filter) {
		char why[256];

		err = pktfilter_new(cfg.filter, &run.filter, why, sizeof(why));
		if (err) {
			pr_err("--filter '%s': %s\n", cfg.filter, why);
			return EXIT_USAGE;
		}
	}
	/* No SA_RESTART: a wait must return to see the flag. From here on, so
	 * that a Ctrl-C while the program loads still ends with a summary. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A reader that goes away is a failed write (EPIPE), reported, with
	 * the summary: not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	if (cfg.output) {
		err =
		    outfile_open(&of, cfg.output, cfg.force ? OUTFILE_FORCE : 0, msg, sizeof(msg));
		if (err) {
			pr_err("%s\n", msg);
			goto cleanup;
		}
		run.out_name = cfg.output;
	}
	err = outbuf_new(cfg.output ? of.fd : STDOUT_FILENO, OUT_QUEUE_BYTES, &run.out);
	if (err) {
		pr_err("cannot write %s: %s\n", run.out_name, strerror(-err));
		goto cleanup;
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
	if (cfg.netfilter_rules && run.decoder.reasons && !reasons_known(run.decoder.reasons)) {
		pr_err("--netfilter-rules: this kernel reports no drop reasons (Linux 5.17 and "
		       "later do): a NETFILTER_DROP cannot be told from another drop\n");
		err = -ENOTSUP;
		goto cleanup;
	}
	if (cfg.netfilter_rules) {
		err = start_rules(&run.nftrace, cfg.events.filter_netns);
		if (err)
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

	if (cfg.duration_s)
		deadline = monotonic_s() + (double)cfg.duration_s;
	run.loader = loader;
	run.nf_poll_at = monotonic_s() + NF_POLL_S;
	collecting = true;
	pr_info("collecting drop events (%s); Ctrl-C stops\n", loader_attach_mode(loader));
	err = collect_loop(&run, events, deadline, &cause);
	/* What the kernel sent before the stop is taken too (unless --count
	 * is reached), so that the summary's counts match. */
	loader_detach(loader);
	if (!err)
		err = finish(&run, events, reader, cause != STOP_COUNT);
	if (err)
		pr_err("reading events: %s\n", strerror(-err));
	/* A stored file keeps whole events only: a line cut by a full disk
	 * would be a corrupt line to print and pcap. */
	cut = outbuf_partial(run.out);
	if (cut && run.out_err && of.regular) {
		if (ftruncate(of.fd, (off_t)outbuf_bytes_whole(run.out)) == 0)
			cut = false;
		else
			pr_warn("cannot cut %s after its last whole event: %s\n", cfg.output,
				strerror(errno));
	}
	report(&run, reader, cut);
	if (run.nftrace)
		report_rules(run.nftrace);
cleanup:
	/* First: the rulesets are given back whatever else fails. */
	nftrace_stop(run.nftrace);
	ringbuf_free(events);
	counters_reader_free(reader);
	reasons_free(run.decoder.reasons);
	ksyms_live_free(&run.decoder.syms);
	loader_close(loader);
	pktfilter_free(run.filter);
	outbuf_free(run.out);
	if (!collecting) {
		/* Nothing was collected: a file made for it is not left behind. */
		outfile_abort(&of);
	} else if (of.path && outfile_commit(&of, msg, sizeof(msg)) != 0) {
		pr_err("%s\n", msg);
		if (!err)
			err = -EIO;
	}
	strbuf_free(&run.buf);
	if (usage_error)
		return EXIT_USAGE;
	if (err)
		return EXIT_ERROR;
	if (run.out_err == -EPIPE)
		return EXIT_READER_GONE;
	return run.out_err ? EXIT_ERROR : 0;
}
