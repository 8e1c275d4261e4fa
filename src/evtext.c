// SPDX-License-Identifier: GPL-2.0-only
/* Text rendering of drop events, in the shape of retis' output. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "evtext.h"
#include "pktsum.h"

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Frames of the tracepoint and BPF dispatch above the function that freed
 * the packet: not part of the story. */
static bool is_tracing_frame(const struct ksym *sym)
{
	if (!sym)
		return false;
	return strcmp(sym->module, "bpf") == 0 || has_prefix(sym->name, "bpf_prog_") ||
	       has_prefix(sym->name, "bpf_trace_run") || has_prefix(sym->name, "__bpf_trace_") ||
	       has_prefix(sym->name, "__traceiter_") || has_prefix(sym->name, "bpf_trampoline_");
}

static void put_time(struct strbuf *out, const struct drop_event *ev, const struct evtext_opts *o)
{
	if (o->utc) {
		int64_t real = (int64_t)ev->ts_ns + o->mono_to_real_ns;
		time_t secs = (time_t)(real / 1000000000);
		struct tm tm;
		char buf[32];

		if (real >= 0 && gmtime_r(&secs, &tm) &&
		    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) {
			strbuf_printf(out, "%s.%09" PRId64 "Z", buf, real % 1000000000);
			return;
		}
	}
	strbuf_put_u64(out, ev->ts_ns);
}

static void put_stack(struct strbuf *out, const struct drop_event *ev, const struct evtext_opts *o)
{
	uint32_t i = 0;

	/* Innermost first: skip the dispatch frames on top only. */
	for (; o->ksyms && i < ev->stack_len; i++) {
		if (!is_tracing_frame(ksyms_find(o->ksyms, ev->stack[i])))
			break;
	}
	if (i == ev->stack_len)
		i = 0; /* all of it looked like tracing: show it whole */
	for (; i < ev->stack_len; i++) {
		const struct ksym *sym = o->ksyms ? ksyms_find(o->ksyms, ev->stack[i]) : NULL;

		if (sym && sym->module[0])
			strbuf_printf(out, "    %s+0x%" PRIx64 " [%s]\n", sym->name,
				      (uint64_t)(ev->stack[i] - sym->addr), sym->module);
		else if (sym)
			strbuf_printf(out, "    %s+0x%" PRIx64 "\n", sym->name,
				      (uint64_t)(ev->stack[i] - sym->addr));
		else
			strbuf_printf(out, "    0x%" PRIx64 "\n", (uint64_t)ev->stack[i]);
	}
}

int evtext_format(struct strbuf *out, const struct drop_event *ev, const struct evtext_opts *o)
{
	char reason[96];
	bool sep = false;

	put_time(out, ev, o);
	if (o->reasons)
		reasons_name(o->reasons, ev->reason, reason, sizeof(reason));
	else
		snprintf(reason, sizeof(reason), "%" PRIu32, ev->reason);
	strbuf_printf(out, " [%s] %" PRIu32 " [tp] skb:kfree_skb drop (%s)\n", ev->comm, ev->tgid,
		      reason);
	put_stack(out, ev, o);
	strbuf_puts(out, "  ");
	if (ev->ifindex) {
		strbuf_printf(out, "if %" PRIu32, ev->ifindex);
		if (ev->dev[0])
			strbuf_printf(out, " (%s)", ev->dev);
		sep = true;
	}
	if (ev->rx_ifindex) {
		strbuf_printf(out, "%srxif %" PRIu32, sep ? " " : "", ev->rx_ifindex);
		sep = true;
	}
	if (sep)
		strbuf_putc(out, ' ');
	if (ev->caplen)
		pktsum_format(out, ev->data, ev->caplen,
			      (ev->flags & DROP_EVENT_MAC) ? PKTSUM_MAC : PKTSUM_NETWORK,
			      ev->l3_proto, ev->len);
	else
		strbuf_printf(out, "no packet data, len %" PRIu32, ev->len);
	if (ev->netns && ev->netns != o->init_netns)
		strbuf_printf(out, " netns %" PRIu32, ev->netns);
	strbuf_putc(out, '\n');
	return out->err;
}

int64_t evtext_clock_offset(void)
{
	struct timespec real, mono;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000 +
	       ((int64_t)real.tv_nsec - mono.tv_nsec);
}
