// SPDX-License-Identifier: GPL-2.0-only
/* One-line packet summaries for drop events, in the style of retis/tcpdump.
 *
 * A line is a sequence of fields separated by single spaces, always in this
 * order ([x] = present only sometimes):
 *
 *   [vlan ID]...          one per 802.1Q/802.1ad tag, outermost first (at most
 *                         MAX_VLAN_TAGS; a deeper tag shows as its EtherType)
 *   then one L3 part:
 *   IPv4  SRC[.SPORT] > DST[.DPORT] ttl N [tos 0xN] id N [[DF]] [frag off N] [[MF]]
 *         len N [optlen N] proto P [L4]
 *   IPv6  SRC[.SPORT] > DST[.DPORT] ttl N [tclass 0xN] [label 0xN] [frag off N] [[MF]]
 *         len N proto P [L4]
 *   ARP   arp who-has TPA tell SPA | arp reply SPA is-at SHA | arp op N
 *   other ethertype 0xNNNN
 *
 *   P is "NAME (N)" for the protocols in proto_name(), else just "N".
 *   L4 is, for TCP: flags [FSRP.UEW] seq N [ack N] win N   (letters in that
 *   order, "[none]" when no flag is set; ack only with the ACK flag)
 *         for UDP: udp len N                     (the UDP header's length)
 *         for ICMP and ICMPv6: type N code N
 *         for anything else: nothing.
 *
 * Ports are shown for TCP and UDP only. IPv4 "len" is the total length, IPv6
 * "len" is the payload length (what the header says; retis prints the same).
 * A zero length field (BIG TCP/GSO, jumbograms) is replaced by the length
 * derived from wire_len, as tcpdump does. "frag off" is in bytes and appears
 * for every fragment (MF set or offset non-zero); a non-first fragment has no
 * L4 header, so its line ends at "proto P".
 *
 * A line may end early with one marker, which is always last:
 *   [truncated]       the bytes end before a header we must read (capture
 *                     size, or the IP length field cuts the header short)
 *   [bad ip header]   wrong version, IHL < 5, total length below the header
 *                     length, or too many IPv6 extension headers
 *   [bad tcp header]  data offset < 5 (printed after the TCP fields)
 *
 * A header is read only when all the bytes of its fixed part are captured:
 * Ethernet 14, VLAN tag 4, IPv4 20 (plus options), IPv6 40, TCP 20, UDP 8,
 * ICMP/ICMPv6 4 (type, code, checksum), ARP 8 (28 for Ethernet/IPv4 names).
 * Ports need only the first 4 bytes of the L4 header.
 *
 * Everything is formatted into small stack buffers and appended to the
 * strbuf: this runs for every drop event, so it allocates nothing else.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include <linux/if_ether.h>
#include <netinet/in.h>

#include "pktsum.h"
#include "strbuf.h"

#define VLAN_TAG_LEN 4
/* Real stacks are one or two tags deep; the cap bounds the work on garbage. */
#define MAX_VLAN_TAGS 4
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40
/* RFC 8200 4.1 allows each header once (destination options twice): more is
 * garbage or an attack. */
#define MAX_IPV6_EXT_HDRS 8
#define TCP_HDR_LEN 20
#define UDP_HDR_LEN 8
#define ICMP_HDR_LEN 4
#define ARP_HDR_LEN 8
#define ARP_ETH_IPV4_LEN 28

/* Longest field: two IPv6 addresses with ports, "a.p > b.q", 2 * 51 + 3. */
#define FIELD_SIZE 128

struct sum_ctx {
	struct strbuf *out;
	size_t base; /* out->len on entry: no separator before our first field */
};

static void put(struct sum_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct sum_ctx *c, const char *fmt, ...)
{
	char field[FIELD_SIZE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(field, sizeof(field), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(field))
		n = sizeof(field) - 1;
	if (c->out->len > c->base)
		strbuf_putc(c->out, ' ');
	strbuf_append(c->out, field, (size_t)n);
}

/* Byte-wise big-endian loads: packet bytes have no alignment guarantee. */
static unsigned int get16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const char *proto_name(unsigned int proto)
{
	switch (proto) {
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_IGMP:
		return "IGMP";
	case IPPROTO_IPIP:
		return "IPIP";
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_IPV6:
		return "IPv6";
	case IPPROTO_GRE:
		return "GRE";
	case IPPROTO_ESP:
		return "ESP";
	case IPPROTO_AH:
		return "AH";
	case IPPROTO_ICMPV6:
		return "ICMPv6";
	case IPPROTO_SCTP:
		return "SCTP";
	}
	return NULL;
}

static void put_proto(struct sum_ctx *c, unsigned int proto)
{
	const char *name = proto_name(proto);

	if (name)
		put(c, "proto %s (%u)", name, proto);
	else
		put(c, "proto %u", proto);
}

/* l4 is NULL when the L4 header cannot be reached (truncated, fragment). */
static void put_addrs(struct sum_ctx *c, int af, const uint8_t *src, const uint8_t *dst,
		      unsigned int proto, const uint8_t *l4, size_t l4_len)
{
	char s[INET6_ADDRSTRLEN] = "?", d[INET6_ADDRSTRLEN] = "?";

	inet_ntop(af, src, s, sizeof(s));
	inet_ntop(af, dst, d, sizeof(d));
	if (l4 && l4_len >= 4 && (proto == IPPROTO_TCP || proto == IPPROTO_UDP))
		put(c, "%s.%u > %s.%u", s, get16(l4), d, get16(l4 + 2));
	else
		put(c, "%s > %s", s, d);
}

static void put_tcp(struct sum_ctx *c, const uint8_t *p, size_t n)
{
	/* tcpdump's letters, from bit 0 (FIN) to bit 7 (CWR); "." is ACK. */
	static const char letters[] = "FSRP.UEW";
	char flags[sizeof(letters)];
	unsigned int f, i, k = 0;

	if (n < TCP_HDR_LEN) {
		put(c, "[truncated]");
		return;
	}
	f = p[13];
	for (i = 0; i < 8; i++)
		if (f & (1u << i))
			flags[k++] = letters[i];
	flags[k] = '\0';
	put(c, "flags [%s]", k ? flags : "none");
	put(c, "seq %u", get32(p + 4));
	if (f & 0x10)
		put(c, "ack %u", get32(p + 8));
	put(c, "win %u", get16(p + 14));
	if (p[12] >> 4 < 5)
		put(c, "[bad tcp header]");
}

static void put_l4(struct sum_ctx *c, unsigned int proto, const uint8_t *p, size_t n)
{
	switch (proto) {
	case IPPROTO_TCP:
		put_tcp(c, p, n);
		break;
	case IPPROTO_UDP:
		if (n < UDP_HDR_LEN)
			put(c, "[truncated]");
		else
			put(c, "udp len %u", get16(p + 4));
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (n < ICMP_HDR_LEN)
			put(c, "[truncated]");
		else
			put(c, "type %u code %u", p[0], p[1]);
		break;
	}
}

/* wire: the L3 length on the wire, for a zero total-length field. */
static void sum_ipv4(struct sum_ctx *c, const uint8_t *p, size_t n, size_t wire)
{
	unsigned int tot, frag, foff, proto;
	const uint8_t *l4 = NULL;
	size_t hlen, end, l4_len = 0;
	bool bad;

	if (n < IPV4_HDR_LEN) {
		put(c, "[truncated]");
		return;
	}
	hlen = (size_t)(p[0] & 0x0f) * 4;
	tot = get16(p + 2);
	frag = get16(p + 6);
	foff = (frag & 0x1fff) * 8;
	proto = p[9];
	bad = p[0] >> 4 != 4 || hlen < IPV4_HDR_LEN || (tot && tot < hlen);
	/* Bytes past the total length are link padding, not L4 header. */
	end = tot && tot < n ? tot : n;
	if (!bad && !foff && hlen <= end) {
		l4 = p + hlen;
		l4_len = end - hlen;
	}

	put_addrs(c, AF_INET, p + 12, p + 16, proto, l4, l4_len);
	put(c, "ttl %u", p[8]);
	if (p[1])
		put(c, "tos 0x%x", p[1]);
	put(c, "id %u", get16(p + 4));
	if (frag & 0x4000)
		put(c, "[DF]");
	if (foff || (frag & 0x2000))
		put(c, "frag off %u", foff);
	if (frag & 0x2000)
		put(c, "[MF]");
	put(c, "len %zu", tot ? (size_t)tot : wire);
	if (bad) {
		put(c, "[bad ip header]");
		return;
	}
	if (hlen > IPV4_HDR_LEN)
		put(c, "optlen %zu", hlen - IPV4_HDR_LEN);
	put_proto(c, proto);
	if (foff)
		return;
	if (!l4) {
		put(c, "[truncated]");
		return;
	}
	put_l4(c, proto, l4, l4_len);
}

static bool ipv6_ext_hdr(unsigned int nh)
{
	/* AH is left out on purpose: like IPv4, the line then says "proto AH". */
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_DSTOPTS;
}

/* wire: the L3 length on the wire, for a zero payload-length field. */
static void sum_ipv6(struct sum_ctx *c, const uint8_t *p, size_t n, size_t wire)
{
	bool bad, truncated = false, is_frag = false, more = false;
	unsigned int plen, nh, foff = 0, tclass, label, i;
	size_t off = IPV6_HDR_LEN, end;
	const uint8_t *l4 = NULL;
	size_t l4_len = 0;
	uint32_t w0;

	if (n < IPV6_HDR_LEN) {
		put(c, "[truncated]");
		return;
	}
	w0 = get32(p);
	plen = get16(p + 4);
	nh = p[6];
	bad = w0 >> 28 != 6;
	end = plen && IPV6_HDR_LEN + plen < n ? IPV6_HDR_LEN + plen : n;

	for (i = 0; !bad && !truncated && !foff && ipv6_ext_hdr(nh); i++) {
		size_t hlen = 8; /* the fragment header's fixed size */

		if (i == MAX_IPV6_EXT_HDRS) {
			bad = true;
			break;
		}
		if (end - off < 8) {
			truncated = true;
			break;
		}
		if (nh == IPPROTO_FRAGMENT) {
			unsigned int fo = get16(p + off + 2);

			is_frag = true;
			foff = fo & 0xfff8; /* 13-bit offset in 8-byte units, already shifted */
			more = fo & 1;
		} else {
			hlen = ((size_t)p[off + 1] + 1) * 8;
			if (end - off < hlen) {
				truncated = true;
				break;
			}
		}
		nh = p[off];
		off += hlen;
	}
	if (!bad && !truncated && !foff) {
		l4 = p + off;
		l4_len = end - off;
	}

	put_addrs(c, AF_INET6, p + 8, p + 24, nh, l4, l4_len);
	put(c, "ttl %u", p[7]);
	tclass = (w0 >> 20) & 0xff;
	if (tclass)
		put(c, "tclass 0x%x", tclass);
	label = w0 & 0xfffff;
	if (label)
		put(c, "label 0x%x", label);
	if (is_frag)
		put(c, "frag off %u", foff);
	if (more)
		put(c, "[MF]");
	put(c, "len %zu", plen ? (size_t)plen : (wire > IPV6_HDR_LEN ? wire - IPV6_HDR_LEN : 0));
	if (bad) {
		put(c, "[bad ip header]");
		return;
	}
	if (truncated) {
		put(c, "[truncated]");
		return;
	}
	put_proto(c, nh);
	if (foff)
		return;
	put_l4(c, nh, l4, l4_len);
}

static void sum_arp(struct sum_ctx *c, const uint8_t *p, size_t n)
{
	char spa[INET_ADDRSTRLEN] = "?", tpa[INET_ADDRSTRLEN] = "?";
	const uint8_t *sha;
	unsigned int op;
	bool eth_ipv4;

	if (n < ARP_HDR_LEN) {
		put(c, "arp [truncated]");
		return;
	}
	op = get16(p + 6);
	eth_ipv4 = get16(p) == 1 && get16(p + 2) == ETH_P_IP && p[4] == ETH_ALEN && p[5] == 4;
	if (!eth_ipv4 || (op != 1 && op != 2)) {
		put(c, "arp op %u", op);
		return;
	}
	if (n < ARP_ETH_IPV4_LEN) {
		put(c, "arp op %u [truncated]", op);
		return;
	}
	sha = p + 8;
	inet_ntop(AF_INET, p + 14, spa, sizeof(spa));
	inet_ntop(AF_INET, p + 24, tpa, sizeof(tpa));
	if (op == 1)
		put(c, "arp who-has %s tell %s", tpa, spa);
	else
		put(c, "arp reply %s is-at %02x:%02x:%02x:%02x:%02x:%02x", spa, sha[0], sha[1],
		    sha[2], sha[3], sha[4], sha[5]);
}

/* With PKTSUM_MAC the frame's own EtherType decides and l3_proto is not
 * consulted; any start other than PKTSUM_MAC is taken as PKTSUM_NETWORK. */
size_t pktsum_l3_offset(const uint8_t *data, size_t len, unsigned int *l3_proto, bool *cut)
{
	size_t off = ETH_HLEN;
	unsigned int type;

	*cut = len < ETH_HLEN;
	if (*cut)
		return 0;
	type = get16(data + 12);
	for (int tags = 0; tags < MAX_VLAN_TAGS && (type == ETH_P_8021Q || type == ETH_P_8021AD);
	     tags++) {
		if (len - off < VLAN_TAG_LEN) {
			*cut = true;
			break;
		}
		type = get16(data + off + 2);
		off += VLAN_TAG_LEN;
	}
	*l3_proto = type;
	return off;
}

int pktsum_format(struct strbuf *out, const void *data, size_t len, enum pktsum_start start,
		  uint16_t l3_proto, uint32_t wire_len)
{
	static const uint8_t nothing[1];
	struct sum_ctx c = { .out = out, .base = out->len };
	const uint8_t *p = len ? data : nothing; /* no arithmetic on a NULL data */
	size_t off = 0, wire = wire_len;
	unsigned int type = l3_proto, tags;

	/* An unknown (0) or inconsistent wire length: the captured bytes are all we know. */
	if (wire < len)
		wire = len;
	if (start == PKTSUM_MAC) {
		if (len < ETH_HLEN) {
			put(&c, "[truncated]");
			return out->err;
		}
		bool cut;

		off = pktsum_l3_offset(p, len, &type, &cut);
		for (tags = ETH_HLEN; tags < off; tags += VLAN_TAG_LEN)
			put(&c, "vlan %u", get16(p + tags) & 0x0fff);
		if (cut) {
			put(&c, "[truncated]");
			return out->err;
		}
	}

	switch (type) {
	case ETH_P_IP:
		sum_ipv4(&c, p + off, len - off, wire - off);
		break;
	case ETH_P_IPV6:
		sum_ipv6(&c, p + off, len - off, wire - off);
		break;
	case ETH_P_ARP:
		sum_arp(&c, p + off, len - off);
		break;
	default:
		put(&c, "ethertype 0x%04x", type);
		break;
	}
	return out->err;
}
