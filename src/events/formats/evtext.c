// SPDX-License-Identifier: GPL-2.0-only
/* Text rendering of drop events, in the shape of retis' output. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "evtext.h"
#include "nfnames.h"
#include "pktsum.h"

static void put_time(struct strbuf *out, const struct evrecord *r, const struct evtext_opts *o)
{
	if (o->utc && r->wall_ns > 0) {
		time_t secs = (time_t)(r->wall_ns / 1000000000);
		struct tm tm;
		char buf[32];

		if (gmtime_r(&secs, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) {
			strbuf_printf(out, "%s.%09" PRId64 "Z", buf, r->wall_ns % 1000000000);
			return;
		}
	}
	strbuf_put_u64(out, r->time_ns);
}

/* Names from a stored file are anyone's: no terminal controls. */
static void put_name(struct strbuf *out, const char *s)
{
	strbuf_put_printable(out, s[0] ? s : "?");
}

int evtext_put_netfilter(struct strbuf *out, const struct evrecord *r)
{
	const char *kind = nfnames_kind(r->nf_kind);

	if (!kind[0])
		return out->err;
	strbuf_puts(out, kind);
	strbuf_puts(out, " table ");
	put_name(out, r->nf_family);
	strbuf_putc(out, ' ');
	put_name(out, r->nf_table);
	strbuf_puts(out, " chain ");
	put_name(out, r->nf_chain);
	strbuf_puts(out, " hook ");
	put_name(out, r->nf_hook);
	return out->err;
}

int evtext_put_netfilter_rule(struct strbuf *out, const struct evrecord *r)
{
	const struct evrecord_nfrule *nr = &r->nf_rule;

	if (!nr->known) {
		if (nr->why) {
			strbuf_puts(out, "unknown (");
			strbuf_put_printable(out, nr->why);
			strbuf_putc(out, ')');
		}
		return out->err;
	}
	put_name(out, nr->family);
	strbuf_putc(out, ' ');
	put_name(out, nr->table);
	strbuf_puts(out, " chain ");
	put_name(out, nr->chain);
	if (nr->policy) {
		strbuf_puts(out, " policy drop");
		return out->err;
	}
	strbuf_puts(out, " handle ");
	strbuf_put_u64(out, nr->handle);
	if (nr->text[0]) {
		strbuf_puts(out, ": ");
		strbuf_put_printable(out, nr->text);
	}
	return out->err;
}

int evtext_format(struct strbuf *out, const struct evrecord *r, const struct evtext_opts *o)
{
	bool sep = false;

	put_time(out, r, o);
	strbuf_puts(out, " [");
	strbuf_put_printable(out, r->comm);
	strbuf_printf(out, "] %" PRIu32 " [tp] skb:kfree_skb drop (", r->tgid);
	/* Names from a stored file are anyone's: no terminal controls. */
	strbuf_put_printable(out, r->reason);
	strbuf_puts(out, ")\n");
	for (uint32_t i = 0; i < r->nframes && i < DROPMON_STACK_DEPTH; i++) {
		strbuf_puts(out, "    ");
		strbuf_put_printable(out, r->frames[i]);
		strbuf_putc(out, '\n');
	}
	strbuf_puts(out, "  ");
	if (r->ifindex) {
		strbuf_printf(out, "if %" PRIu32, r->ifindex);
		if (r->dev[0]) {
			strbuf_puts(out, " (");
			strbuf_put_printable(out, r->dev);
			strbuf_putc(out, ')');
		}
		sep = true;
	}
	if (r->rx_ifindex) {
		strbuf_printf(out, "%srxif %" PRIu32, sep ? " " : "", r->rx_ifindex);
		sep = true;
	}
	if (sep)
		strbuf_putc(out, ' ');
	if (r->caplen)
		pktsum_format(out, r->packet, r->caplen, r->mac ? PKTSUM_MAC : PKTSUM_NETWORK,
			      r->l3_proto, r->frame_len);
	else
		strbuf_printf(out, "no packet data, len %" PRIu32, r->len);
	if (r->netns && r->netns != o->init_netns)
		strbuf_printf(out, " netns %" PRIu32, r->netns);
	strbuf_putc(out, '\n');
	if (nfnames_kind(r->nf_kind)[0]) {
		strbuf_puts(out, "  netfilter: ");
		evtext_put_netfilter(out, r);
		strbuf_putc(out, '\n');
	}
	if (r->nf_rule.known || r->nf_rule.why) {
		strbuf_puts(out, "  netfilter rule: ");
		evtext_put_netfilter_rule(out, r);
		strbuf_putc(out, '\n');
	}
	return out->err;
}
