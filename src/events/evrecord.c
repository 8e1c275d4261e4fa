// SPDX-License-Identifier: GPL-2.0-only
/* Kernel drop events decoded into records: names, symbols, wall time. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "evrecord.h"
#include "ksyms.h"
#include "log.h"
#include "monotonic.h"
#include "nfnames.h"
#include "reasons.h"

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

static void symbolize(char *buf, size_t size, struct ksyms *ks, uint64_t addr)
{
	const struct ksym *sym = ks ? ksyms_find(ks, addr) : NULL;

	if (!sym)
		snprintf(buf, size, "0x%" PRIx64, addr);
	else if (sym->module[0])
		snprintf(buf, size, "%s+0x%" PRIx64 " [%s]", sym->name, addr - sym->addr,
			 sym->module);
	else
		snprintf(buf, size, "%s+0x%" PRIx64, sym->name, addr - sym->addr);
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

bool evrecord_nf_name_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_control((unsigned char)s[i]))
			return false;
	return true;
}

/* The kernel takes any bytes for a table's or chain's name over netlink:
 * none that could steer a terminal go into a record, and so every record
 * dropmon writes reads back (evjson refuses them). */
static void nf_name_clean(char *s)
{
	for (; *s; s++)
		if (is_control((unsigned char)*s))
			*s = '?';
}

static void decode_netfilter(struct evrecord *r, const struct drop_event *ev)
{
	char buf[NFNAMES_SIZE];
	size_t n;

	if (ev->nf_kind == DROPMON_NF_NONE || ev->nf_kind >= DROPMON_NF_KIND_MAX)
		return;
	r->nf_kind = ev->nf_kind;
	snprintf(r->nf_family, sizeof(r->nf_family), "%s", nfnames_family(ev->nf_family, buf));
	snprintf(r->nf_hook, sizeof(r->nf_hook), "%s",
		 nfnames_hook(ev->nf_family, ev->nf_hook, buf));
	n = strnlen(ev->nf_table, sizeof(ev->nf_table));
	if (n >= sizeof(r->nf_table))
		n = sizeof(r->nf_table) - 1;
	memcpy(r->nf_table, ev->nf_table, n);
	r->nf_table[n] = '\0';
	nfnames_chain(ev->nf_kind, ev->nf_hook, ev->nf_chain, sizeof(ev->nf_chain), r->nf_chain,
		      sizeof(r->nf_chain));
	nf_name_clean(r->nf_table);
	nf_name_clean(r->nf_chain);
}

void evrecord_decode(struct evrecord *r, const struct drop_event *ev,
		     const struct evrecord_decoder *d)
{
	const struct ksym *fn = d->syms.ks ? ksyms_find(d->syms.ks, ev->location) : NULL;
	uint32_t i = 0;

	memset(r, 0, sizeof(*r));
	r->time_ns = ev->ts_ns;
	r->wall_ns = (int64_t)ev->ts_ns + d->mono_to_real_ns;
	r->cpu = ev->cpu;
	r->pid = ev->pid;
	r->tgid = ev->tgid;
	memcpy(r->comm, ev->comm, sizeof(r->comm));
	r->comm[sizeof(r->comm) - 1] = '\0';
	if (d->reasons)
		reasons_name(d->reasons, ev->reason, r->reason, sizeof(r->reason));
	else
		snprintf(r->reason, sizeof(r->reason), "%" PRIu32, ev->reason);
	r->reason_code = ev->reason;
	r->location = ev->location;
	if (fn)
		snprintf(r->function, sizeof(r->function), "%s", fn->name);
	/* Innermost first: only the dispatch frames on top are left out. */
	while (d->syms.ks && i < ev->stack_len &&
	       is_tracing_frame(ksyms_find(d->syms.ks, ev->stack[i])))
		i++;
	if (i == ev->stack_len)
		i = 0; /* all of it looked like tracing: keep it whole */
	for (; i < ev->stack_len && i < DROPMON_STACK_DEPTH; i++)
		symbolize(r->frames[r->nframes++], sizeof(r->frames[0]), d->syms.ks, ev->stack[i]);
	r->ifindex = ev->ifindex;
	r->rx_ifindex = ev->rx_ifindex;
	memcpy(r->dev, ev->dev, sizeof(r->dev));
	r->dev[sizeof(r->dev) - 1] = '\0';
	r->netns = ev->netns;
	r->len = ev->len;
	r->l3_proto = ev->l3_proto;
	r->mac = ev->flags & DROP_EVENT_MAC;
	r->caplen = ev->caplen <= DROPMON_PKT_BYTES ? ev->caplen : DROPMON_PKT_BYTES;
	memcpy(r->packet, ev->data, r->caplen);
	r->frame_len = ev->frame_len > r->caplen ? ev->frame_len : r->caplen;
	decode_netfilter(r, ev);
}

#define MODULES_CHECK_S 5

int evrecord_decoder_load_ksyms(struct evrecord_decoder *d)
{
	return ksyms_live_load(&d->syms, monotonic_s());
}

void evrecord_decoder_refresh(struct evrecord_decoder *d, uint64_t now_s)
{
	int r = ksyms_live_refresh(&d->syms, (double)now_s, MODULES_CHECK_S);

	if (r < 0)
		pr_warn("cannot reload /proc/kallsyms after a module change: %s\n", strerror(-r));
	else if (r > 0)
		pr_debug("modules changed: reloaded kernel symbols for stacks\n");
}

int64_t evrecord_clock_offset(void)
{
	struct timespec real, mono;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000 +
	       ((int64_t)real.tv_nsec - mono.tv_nsec);
}
