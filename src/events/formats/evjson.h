/* SPDX-License-Identifier: GPL-2.0-only */
/* NDJSON form of a drop event: what `dropmon collect -o FILE` stores and
 * `dropmon print`/`pcap`, later versions and users' own tools read back. */
#ifndef DROPMON_EVJSON_H
#define DROPMON_EVJSON_H

#include <stddef.h>

#include "evrecord.h"
#include "strbuf.h"

/*
 * One event is one JSON object on one line. The keys, written in this order,
 * are a stable interface; new versions only ever add keys:
 *
 *   v             integer, format version (EVJSON_VERSION)
 *   time_ns       integer, CLOCK_MONOTONIC of the drop in ns
 *   wall_time     string, "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (RFC 3339, UTC);
 *                 only when the wall clock time is known
 *   cpu, pid, tgid
 *                 integers; pid is the thread id, tgid the process id
 *   comm          string, the task's name
 *   reason        string, drop reason name ("subsys/NAME" for subsystems),
 *                 or the number as text when the name is unknown
 *   reason_code   integer, enum skb_drop_reason
 *   location      string, "0x" and the lowercase hex address of the drop (a
 *                 string because JSON numbers lose precision above 2^53)
 *   function      string, symbol of location, "" if unknown
 *   stack         array of strings, "symbol+0xoff [module]", innermost first,
 *                 at most DROPMON_STACK_DEPTH
 *   netfilter     object, the netfilter verdict of a NETFILTER_DROP; only
 *                 when a table's chain was seen to return it (absent in
 *                 older files and for every other drop). Its keys, in this
 *                 order, all required (unknown ones are skipped):
 *                   kind    "nftables", "iptables-legacy" or
 *                           "ip6tables-legacy"
 *                   family  the table's family as nft(8) names it ("ip",
 *                           "ip6", "inet", "arp", "bridge", "netdev"), or
 *                           the number; 1 to NFNAMES_SIZE - 1 bytes of
 *                           [a-z0-9]
 *                   table   the table's name ("filter")
 *                   chain   nftables' base chain as named in its table, or
 *                           for the legacy kinds the built-in chain of the
 *                           hook ("INPUT")
 *                   hook    the chain's hook ("input"), or the number; as
 *                           family
 *                 table and chain: at most DROPMON_NF_NAMSIZ - 1 bytes (the
 *                 kernel's names are cut there), no control characters
 *   netfilter_rule
 *                 object, the nftables rule whose verdict dropped the packet
 *                 (collect --netfilter-rules, from the kernel's nftables
 *                 trace); only when it is known. Its keys, in this order:
 *                   family  the table's family, as netfilter.family
 *                   table   the table's name, required
 *                   chain   the rule's own chain (a regular chain reached by
 *                           a jump too), required
 *                   policy  true: the chain's policy dropped it; or
 *                   handle  integer, 1 to 2^63 - 1, the rule's handle as
 *                           `nft -a list` prints it; exactly one of the two
 *                   text    the rule as `nft -a list` prints it, at most
 *                           EVRECORD_NFT_TEXT - 1 bytes; absent when it was
 *                           not looked up ("" reads as absent)
 *                 table and chain: 1 to EVRECORD_NFT_NAMSIZ - 1 bytes; no
 *                 control characters in them or the text. As in netfilter,
 *                 members not listed here are skipped; "policy" false is
 *                 refused: {"family":"inet","table":"dm_filter","chain":"deny",
 *                 "handle":4,"text":"udp dport 5000 drop # handle 4"}, or
 *                 {"family":"ip","table":"t","chain":"in","policy":true}
 *   ifindex       integer, skb->dev's ifindex, else skb->skb_iif; 0: none
 *   dev           string, the device's name, "" without one
 *   rx_ifindex    integer, where the packet came in, 0 if it did not
 *   netns         integer, network namespace inode, 0 if unknown
 *   len           integer, skb->len
 *   frame_len     integer, the packet's length from the first byte of
 *                 "packet" on (skb->len counts from the network header at a
 *                 receive drop); absent in older files, then taken as len,
 *                 plus 14 when packet_start is "mac"
 *   l3_proto      integer, EtherType in host order (2048 IPv4, 34525 IPv6)
 *   packet_start  string, "mac" (packet starts at an Ethernet header) or
 *                 "network" (at the network header)
 *   packet        string, lowercase hex of the first bytes of the packet, at
 *                 most DROPMON_PKT_BYTES of them; "" when none were captured
 *
 * Strings are JSON-escaped, but bytes >= 0x80 are copied as they are: comm,
 * dev, the netfilter names and the rule's text may hold any bytes, so a
 * line is not always valid UTF-8.
 */
#define EVJSON_VERSION 1

/* Appends one event as a JSON object and a '\n'. Returns 0 or out's error. */
int evjson_write(struct strbuf *out, const struct evrecord *r);

/* Parses one line of len bytes (a trailing '\n' is allowed, no NUL needed)
 * into *r, which is fully overwritten: absent optional fields are zero or "".
 * Returns 0, or -EINVAL with a short static reason in *why (*r is then
 * zeroed), or -ENOMEM when the parser ran out of memory (not the line's
 * fault: stop reading). A line holds at most 32 levels of nesting, 1024
 * objects and arrays and 4096 values, which bounds what json-c allocates
 * for it to some 40 bytes per byte of line.
 *
 * Required: v (>= 1; a newer version is read as well as it can be), time_ns,
 * and reason or reason_code. Unknown keys, whatever their value, are skipped
 * so that files from newer versions still read; of duplicate keys the last
 * wins. A string too long for its field is an error, never cut. */
int evjson_parse(const char *line, size_t len, struct evrecord *r, const char **why);

#endif
