/* SPDX-License-Identifier: GPL-2.0-only */
/* One drop event as text: a header line, the kernel stack, a packet line. */
#ifndef DROPMON_EVTEXT_H
#define DROPMON_EVTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "evrecord.h"
#include "strbuf.h"

struct evtext_opts {
	bool utc;	     /* wall-clock UTC times instead of monotonic ns */
	uint32_t init_netns; /* the netns not worth naming; 0: name all */
};

/* Appends, each line ending in '\n':
 *   <ts> [<comm>] <pid> [tp] skb:kfree_skb drop (<REASON>)
 *       <symbol>+0x<offset>           one per frame, innermost first
 *       ...
 *     if <ifindex> (<dev>) rxif <rx ifindex> <packet summary>[ netns <inode>]
 *     netfilter: <verdict>            only for a drop with a verdict
 *     netfilter rule: <rule>          only when the rule is known, or why not
 * Returns 0 or out's error. */
int evtext_format(struct strbuf *out, const struct evrecord *r, const struct evtext_opts *o);
/* Appends r's netfilter verdict, nothing for a record without one:
 *   <kind> table <family> <table> chain <chain> hook <hook>
 * ("nftables table inet filter chain input hook input", "iptables-legacy
 * table ip filter chain INPUT hook input"), as nft(8) names a table by
 * family and name; "?" for an empty name, control characters as '?'.
 * Returns 0 or out's error. */
int evtext_put_netfilter(struct strbuf *out, const struct evrecord *r);
/* Appends r's nftables rule (r->nf_rule), nothing when it is neither known
 * nor said why not:
 *   <family> <table> chain <chain> handle <handle>[: <text>]
 *   <family> <table> chain <chain> policy drop
 *   unknown (<why>)
 * ("inet dm_filter chain deny handle 4: udp dport 5000 drop # handle 4");
 * names as evtext_put_netfilter() writes them, control characters in the
 * text as '?'. Returns 0 or out's error. */
int evtext_put_netfilter_rule(struct strbuf *out, const struct evrecord *r);

#endif
