// SPDX-License-Identifier: GPL-2.0-only
/* Drop events into pcapng: link type from where the bytes start, original
 * length from frame_len, and the reason, function, netns, task, the
 * netfilter verdict and the nftables rule as the packet comment. */
#include <errno.h>
#include <inttypes.h>

#include "evpcap.h"
#include "evtext.h"
#include "nfnames.h"

int evpcap_add(struct pcapng_writer *w, const struct evrecord *r, struct strbuf *scratch)
{
	uint64_t ts = r->wall_ns > 0 ? (uint64_t)r->wall_ns : r->time_ns;
	int iface;

	if (!r->caplen)
		return -ENODATA;
	iface = pcapng_interface(w, r->netns, r->ifindex,
				 r->mac ? PCAPNG_LINKTYPE_ETHERNET : PCAPNG_LINKTYPE_RAW, r->dev);
	if (iface < 0)
		return iface;
	strbuf_reset(scratch);
	strbuf_puts(scratch, "drop reason ");
	strbuf_put_printable(scratch, r->reason);
	strbuf_puts(scratch, "; function ");
	strbuf_put_printable(scratch, r->function[0] ? r->function : "?");
	strbuf_printf(scratch, "; netns %" PRIu32 "; task ", r->netns);
	strbuf_put_printable(scratch, r->comm);
	strbuf_printf(scratch, " %" PRIu32, r->tgid);
	if (nfnames_kind(r->nf_kind)[0]) { /* as in the text: one shape to read */
		strbuf_puts(scratch, "; netfilter ");
		evtext_put_netfilter(scratch, r);
	}
	if (r->nf_rule.known || r->nf_rule.why) {
		strbuf_puts(scratch, "; netfilter rule ");
		evtext_put_netfilter_rule(scratch, r);
	}
	if (scratch->err)
		return scratch->err;
	return pcapng_packet(w, iface, ts, r->packet, r->caplen, r->frame_len, scratch->buf);
}
