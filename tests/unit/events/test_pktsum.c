// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for pktsum: exact summaries of hand-built packets, every
 * truncation of them, and random bytes that must never crash the parser. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "pktsum.h"
#include "strbuf.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10
#define URG 0x20
#define ECE 0x40
#define CWR 0x80

/* A packet under construction; lengths of the last IP header are filled in by pkt_done(). */
struct pkt {
	uint8_t b[512];
	size_t n;
	size_t ip_off;
	size_t l4_off;
	int ip_ver;
};

static void b8(struct pkt *k, unsigned int v)
{
	assert_true(k->n < sizeof(k->b));
	k->b[k->n++] = (uint8_t)v;
}

static void b16(struct pkt *k, unsigned int v)
{
	b8(k, v >> 8);
	b8(k, v & 0xff);
}

static void b32(struct pkt *k, uint32_t v)
{
	b16(k, v >> 16);
	b16(k, v & 0xffff);
}

static void bytes(struct pkt *k, const void *data, size_t n)
{
	assert_true(n <= sizeof(k->b) - k->n);
	memcpy(k->b + k->n, data, n);
	k->n += n;
}

static void zeros(struct pkt *k, size_t n)
{
	assert_true(n <= sizeof(k->b) - k->n);
	memset(k->b + k->n, 0, n);
	k->n += n;
}

static void set16(struct pkt *k, size_t off, unsigned int v)
{
	k->b[off] = (uint8_t)(v >> 8);
	k->b[off + 1] = (uint8_t)v;
}

static void addr(struct pkt *k, int af, const char *s)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(af, s, a), 1);
	bytes(k, a, af == AF_INET ? 4 : 16);
}

static const uint8_t mac1[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac2[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static void eth(struct pkt *k, unsigned int type)
{
	bytes(k, mac2, sizeof(mac2));
	bytes(k, mac1, sizeof(mac1));
	b16(k, type);
}

static void vlan(struct pkt *k, unsigned int tci, unsigned int type)
{
	b16(k, tci);
	b16(k, type);
}

/* IHL 5, TTL 64, id 0x1234 (4660), DF; total length set by pkt_done(). */
static void ip4(struct pkt *k, unsigned int proto, const char *src, const char *dst)
{
	k->ip_off = k->n;
	k->ip_ver = 4;
	b8(k, 0x45);
	b8(k, 0);
	b16(k, 0);
	b16(k, 0x1234);
	b16(k, 0x4000);
	b8(k, 64);
	b8(k, proto);
	b16(k, 0);
	addr(k, AF_INET, src);
	addr(k, AF_INET, dst);
}

/* Traffic class 0, hop limit 64; payload length set by pkt_done(). */
static void ip6(struct pkt *k, unsigned int nh, const char *src, const char *dst, uint32_t label)
{
	k->ip_off = k->n;
	k->ip_ver = 6;
	b32(k, 0x60000000u | label);
	b16(k, 0);
	b8(k, nh);
	b8(k, 64);
	addr(k, AF_INET6, src);
	addr(k, AF_INET6, dst);
}

/* An 8-byte IPv6 extension header (hop-by-hop, routing, destination options). */
static void ext8(struct pkt *k, unsigned int next)
{
	b8(k, next);
	b8(k, 0);
	zeros(k, 6);
}

static void frag6(struct pkt *k, unsigned int next, unsigned int off, int more)
{
	b8(k, next);
	b8(k, 0);
	b16(k, off | (more ? 1 : 0));
	b32(k, 0x12345678);
}

/* Data offset 5: no options. */
static void tcp(struct pkt *k, unsigned int sport, unsigned int dport, uint32_t seq, uint32_t ack,
		unsigned int flags, unsigned int win)
{
	k->l4_off = k->n;
	b16(k, sport);
	b16(k, dport);
	b32(k, seq);
	b32(k, ack);
	b8(k, 0x50);
	b8(k, flags);
	b16(k, win);
	b16(k, 0);
	b16(k, 0);
}

static void udp(struct pkt *k, unsigned int sport, unsigned int dport, size_t payload)
{
	k->l4_off = k->n;
	b16(k, sport);
	b16(k, dport);
	b16(k, (unsigned int)(8 + payload));
	b16(k, 0);
	zeros(k, payload);
}

static void icmp(struct pkt *k, unsigned int type, unsigned int code)
{
	k->l4_off = k->n;
	b8(k, type);
	b8(k, code);
	zeros(k, 6);
}

static void arp(struct pkt *k, unsigned int op, const uint8_t *sha, const char *spa,
		const uint8_t *tha, const char *tpa)
{
	b16(k, 1);
	b16(k, 0x0800);
	b8(k, 6);
	b8(k, 4);
	b16(k, op);
	bytes(k, sha, 6);
	addr(k, AF_INET, spa);
	bytes(k, tha, 6);
	addr(k, AF_INET, tpa);
}

static void pkt_done(struct pkt *k)
{
	if (k->ip_ver == 4)
		set16(k, k->ip_off + 2, (unsigned int)(k->n - k->ip_off));
	else if (k->ip_ver == 6)
		set16(k, k->ip_off + 4, (unsigned int)(k->n - k->ip_off - 40));
}

/* One line: printable, no leading, trailing or doubled spaces. */
static void assert_line_sane(const struct strbuf *sb)
{
	size_t i;

	assert_true(sb->len > 0);
	assert_int_equal(strlen(sb->buf), sb->len);
	assert_true(sb->buf[0] != ' ');
	assert_true(sb->buf[sb->len - 1] != ' ');
	for (i = 0; i < sb->len; i++) {
		assert_true(sb->buf[i] >= 0x20 && sb->buf[i] < 0x7f);
		assert_false(sb->buf[i] == ' ' && sb->buf[i + 1] == ' ');
	}
}

/* Formats n bytes from an exactly-sized heap copy (NULL when empty), so that
 * ASan reports any read past the end. */
static void run(struct strbuf *sb, const uint8_t *b, size_t n, enum pktsum_start start, uint16_t l3,
		uint32_t wire)
{
	uint8_t *copy = NULL;

	if (n) {
		copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, b, n);
	}
	strbuf_reset(sb);
	assert_int_equal(pktsum_format(sb, copy, n, start, l3, wire), 0);
	free(copy);
	assert_line_sane(sb);
}

static int ends_with(const char *s, const char *tail)
{
	size_t ls = strlen(s), lt = strlen(tail);

	return ls >= lt && !strcmp(s + ls - lt, tail);
}

/* The whole packet gives want; so does every prefix of at least need bytes,
 * and every shorter prefix ends with "[truncated]". wire 0 = the packet's length. */
static void check(const struct pkt *k, enum pktsum_start start, uint16_t l3, uint32_t wire,
		  size_t need, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!wire)
		wire = (uint32_t)k->n;
	run(&sb, k->b, k->n, start, l3, wire);
	assert_string_equal(sb.buf, want);
	for (i = 0; i < k->n; i++) {
		run(&sb, k->b, i, start, l3, wire);
		if (i >= need ? strcmp(sb.buf, want) != 0 : !ends_with(sb.buf, "[truncated]")) {
			print_error("prefix %zu of %zu: \"%s\"\n", i, k->n, sb.buf);
			fail();
		}
	}
	strbuf_free(&sb);
}

/* The first n bytes give exactly want. */
static void check_prefix(const struct pkt *k, size_t n, enum pktsum_start start, uint16_t l3,
			 uint32_t wire, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	assert_true(n <= k->n);
	run(&sb, k->b, n, start, l3, wire ? wire : (uint32_t)k->n);
	assert_string_equal(sb.buf, want);
	strbuf_free(&sb);
}

#define SYN_HEAD "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 40 proto TCP (6) flags"
#define SYN_LINE SYN_HEAD " [S]"

static void build_syn4(struct pkt *k, int with_eth)
{
	if (with_eth)
		eth(k, 0x0800);
	ip4(k, 6, "10.0.0.1", "10.0.0.2");
	tcp(k, 40000, 80, 1000, 0, SYN, 64240);
	pkt_done(k);
}

static void test_ipv4_tcp(void **state)
{
	struct pkt k = { 0 };

	(void)state;
	build_syn4(&k, 1);
	check(&k, PKTSUM_MAC, 0, 0, 54, SYN_LINE " seq 1000 win 64240");
	check_prefix(&k, 13, PKTSUM_MAC, 0, 0, "[truncated]");
	check_prefix(&k, 33, PKTSUM_MAC, 0, 0, "[truncated]");
	check_prefix(&k, 34, PKTSUM_MAC, 0, 0,
		     "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 40 proto TCP (6) [truncated]");
	check_prefix(&k, 37, PKTSUM_MAC, 0, 0,
		     "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 40 proto TCP (6) [truncated]");
	check_prefix(
	    &k, 38, PKTSUM_MAC, 0, 0,
	    "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 40 proto TCP (6) [truncated]");
	check_prefix(
	    &k, 53, PKTSUM_MAC, 0, 0,
	    "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 40 proto TCP (6) [truncated]");

	memset(&k, 0, sizeof(k));
	eth(&k, 0x0800);
	ip4(&k, 6, "10.0.0.2", "10.0.0.1");
	tcp(&k, 80, 40000, 5000, 1001, SYN | ACK, 65160);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 54,
	      "10.0.0.2.80 > 10.0.0.1.40000 ttl 64 id 4660 [DF] len 40 proto TCP (6) flags [S.] "
	      "seq 5000 ack 1001 win 65160");

	memset(&k, 0, sizeof(k));
	eth(&k, 0x0800);
	ip4(&k, 6, "10.0.0.1", "10.0.0.2");
	tcp(&k, 40000, 80, 1001, 5001, RST | ACK, 0);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 54,
	      "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 40 proto TCP (6) flags [R.] "
	      "seq 1001 ack 5001 win 0");

	/* Data: the payload is not looked at, so the line is complete at 54 bytes. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x0800);
	ip4(&k, 6, "10.0.0.1", "10.0.0.2");
	tcp(&k, 40000, 80, 1001, 5001, PSH | ACK, 502);
	zeros(&k, 100);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 54,
	      "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 140 proto TCP (6) flags [P.] "
	      "seq 1001 ack 5001 win 502");

	memset(&k, 0, sizeof(k));
	eth(&k, 0x0800);
	ip4(&k, 6, "10.0.0.1", "10.0.0.2");
	tcp(&k, 40000, 80, 1101, 5001, FIN | ACK, 502);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 54,
	      "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 40 proto TCP (6) flags [F.] "
	      "seq 1101 ack 5001 win 502");
}

static void test_tcp_flags(void **state)
{
	static const struct {
		unsigned int flags;
		const char *want;
	} cases[] = {
		{ 0, SYN_HEAD " [none] seq 7 win 9" },
		{ SYN | ECE | CWR, SYN_HEAD " [SEW] seq 7 win 9" },
		{ URG, SYN_HEAD " [U] seq 7 win 9" },
		{ 0xff, SYN_HEAD " [FSRP.UEW] seq 7 ack 8 win 9" },
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pkt k = { 0 };

		eth(&k, 0x0800);
		ip4(&k, 6, "10.0.0.1", "10.0.0.2");
		tcp(&k, 40000, 80, 7, 8, cases[i].flags, 9);
		pkt_done(&k);
		run(&sb, k.b, k.n, PKTSUM_MAC, 0, 0);
		assert_string_equal(sb.buf, cases[i].want);
	}
	strbuf_free(&sb);
}

static void test_bad_tcp_header(void **state)
{
	struct pkt k = { 0 };

	(void)state;
	build_syn4(&k, 1);
	k.b[k.l4_off + 12] = 0x40;
	check(&k, PKTSUM_MAC, 0, 0, 54, SYN_LINE " seq 1000 win 64240 [bad tcp header]");
}

static void build_ipv6_syn(struct pkt *k, int with_eth)
{
	/* A real SYN to [::1]:8080 on lo: MSS, SACK-permitted, timestamps, NOP, wscale. */
	if (with_eth)
		eth(k, 0x86dd);
	ip6(k, 6, "::1", "::1", 0x975b1);
	tcp(k, 36986, 8080, 2899194670u, 0, SYN, 65476);
	k->b[k->l4_off + 12] = 0xa0; /* 20 bytes of options follow */
	b8(k, 2);		     /* MSS */
	b8(k, 4);
	b16(k, 65476);
	b8(k, 4); /* SACK permitted */
	b8(k, 2);
	b8(k, 8); /* timestamps */
	b8(k, 10);
	b32(k, 0x8b3c129e);
	b32(k, 0);
	b8(k, 1); /* NOP */
	b8(k, 3); /* window scale */
	b8(k, 3);
	b8(k, 7);
	pkt_done(k);
}

#define IPV6_SYN_LINE                                                                              \
	"::1.36986 > ::1.8080 ttl 64 label 0x975b1 len 40 proto TCP (6) flags [S] seq 2899194670 " \
	"win 65476"

static void test_ipv6_tcp(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct pkt k = { 0 };

	(void)state;
	build_ipv6_syn(&k, 1);
	assert_int_equal(k.n, 14 + 40 + 40);
	check(&k, PKTSUM_MAC, 0, 0, 74, IPV6_SYN_LINE);
	check_prefix(&k, 53, PKTSUM_MAC, 0, 0, "[truncated]");
	check_prefix(&k, 54, PKTSUM_MAC, 0, 0,
		     "::1 > ::1 ttl 64 label 0x975b1 len 40 proto TCP (6) [truncated]");
	check_prefix(&k, 73, PKTSUM_MAC, 0, 0,
		     "::1.36986 > ::1.8080 ttl 64 label 0x975b1 len 40 proto TCP (6) [truncated]");

	/* The caller's prefix stays as it is, with no separator added after it. */
	assert_int_equal(strbuf_puts(&sb, "if 1 (lo) rxif 1 "), 0);
	assert_int_equal(pktsum_format(&sb, k.b, k.n, PKTSUM_MAC, 0x86dd, (uint32_t)k.n), 0);
	assert_string_equal(sb.buf, "if 1 (lo) rxif 1 " IPV6_SYN_LINE);
	strbuf_free(&sb);
}

static void test_udp(void **state)
{
	struct pkt k = { 0 };

	(void)state;
	eth(&k, 0x0800);
	ip4(&k, 17, "192.168.1.10", "8.8.8.8");
	udp(&k, 53000, 53, 12);
	pkt_done(&k);
	check(
	    &k, PKTSUM_MAC, 0, 0, 42,
	    "192.168.1.10.53000 > 8.8.8.8.53 ttl 64 id 4660 [DF] len 40 proto UDP (17) udp len 20");
	check_prefix(&k, 41, PKTSUM_MAC, 0, 0,
		     "192.168.1.10.53000 > 8.8.8.8.53 ttl 64 id 4660 [DF] len 40 proto UDP (17) "
		     "[truncated]");

	/* Traffic class 0xb8 (EF) and a flow label. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x86dd);
	ip6(&k, 17, "2001:db8::1", "2001:db8::2", 0x12345);
	k.b[k.ip_off] = 0x6b;
	k.b[k.ip_off + 1] |= 0x80;
	udp(&k, 546, 547, 8);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 62,
	      "2001:db8::1.546 > 2001:db8::2.547 ttl 64 tclass 0xb8 label 0x12345 len 16 "
	      "proto UDP (17) udp len 16");
}

static void test_icmp(void **state)
{
	struct pkt k = { 0 };

	(void)state;
	eth(&k, 0x0800);
	ip4(&k, 1, "10.0.0.1", "10.0.0.2");
	icmp(&k, 8, 0);
	zeros(&k, 56);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 38,
	      "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 84 proto ICMP (1) type 8 code 0");
	check_prefix(&k, 37, PKTSUM_MAC, 0, 0,
		     "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 84 proto ICMP (1) [truncated]");

	/* Neighbour solicitation: target address and a source link-layer option. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x86dd);
	ip6(&k, 58, "fe80::1", "ff02::1:ff00:2", 0);
	k.b[k.ip_off + 7] = 255;
	icmp(&k, 135, 0);
	addr(&k, AF_INET6, "fe80::2");
	b8(&k, 1);
	b8(&k, 1);
	bytes(&k, mac1, sizeof(mac1));
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 58,
	      "fe80::1 > ff02::1:ff00:2 ttl 255 len 32 proto ICMPv6 (58) type 135 code 0");
}

static void test_arp(void **state)
{
	static const uint8_t zero[6];
	static const uint8_t mac_a[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	struct pkt k = { 0 };

	(void)state;
	eth(&k, 0x0806);
	arp(&k, 1, mac1, "10.0.0.1", zero, "10.0.0.2");
	check(&k, PKTSUM_MAC, 0, 0, 42, "arp who-has 10.0.0.2 tell 10.0.0.1");
	check_prefix(&k, 21, PKTSUM_MAC, 0, 0, "arp [truncated]");
	check_prefix(&k, 22, PKTSUM_MAC, 0, 0, "arp op 1 [truncated]");
	check_prefix(&k, 41, PKTSUM_MAC, 0, 0, "arp op 1 [truncated]");

	memset(&k, 0, sizeof(k));
	eth(&k, 0x0806);
	arp(&k, 2, mac_a, "10.0.0.2", mac1, "10.0.0.1");
	check(&k, PKTSUM_MAC, 0, 0, 42, "arp reply 10.0.0.2 is-at aa:bb:cc:dd:ee:ff");

	/* RARP request: only the operation. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x0806);
	arp(&k, 3, mac1, "0.0.0.0", mac1, "0.0.0.0");
	check(&k, PKTSUM_MAC, 0, 0, 22, "arp op 3");

	/* Not Ethernet hardware: the addresses are not decoded. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x0806);
	arp(&k, 1, mac1, "10.0.0.1", zero, "10.0.0.2");
	k.b[15] = 6;
	check(&k, PKTSUM_MAC, 0, 0, 22, "arp op 1");
}

static void test_vlan(void **state)
{
	struct pkt k = { 0 };

	(void)state;
	/* Priority 3 is not shown. */
	eth(&k, 0x8100);
	vlan(&k, 3 << 13 | 100, 0x0800);
	ip4(&k, 17, "10.0.0.1", "10.0.0.2");
	udp(&k, 1234, 53, 4);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 46,
	      "vlan 100 10.0.0.1.1234 > 10.0.0.2.53 ttl 64 id 4660 [DF] len 32 proto UDP (17) "
	      "udp len 12");
	check_prefix(&k, 17, PKTSUM_MAC, 0, 0, "[truncated]");
	check_prefix(&k, 18, PKTSUM_MAC, 0, 0, "vlan 100 [truncated]");

	memset(&k, 0, sizeof(k));
	eth(&k, 0x88a8);
	vlan(&k, 10, 0x8100);
	vlan(&k, 20, 0x0800);
	ip4(&k, 6, "10.0.0.1", "10.0.0.2");
	tcp(&k, 40000, 80, 1000, 0, SYN, 64240);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 62, "vlan 10 vlan 20 " SYN_LINE " seq 1000 win 64240");

	/* Past four tags the next one is shown as an EtherType. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x8100);
	vlan(&k, 1, 0x8100);
	vlan(&k, 2, 0x88a8);
	vlan(&k, 3, 0x8100);
	vlan(&k, 4, 0x8100);
	vlan(&k, 5, 0x0800);
	ip4(&k, 6, "10.0.0.1", "10.0.0.2");
	tcp(&k, 40000, 80, 1000, 0, SYN, 64240);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 30, "vlan 1 vlan 2 vlan 3 vlan 4 ethertype 0x8100");
}

static void test_ipv6_ext_headers(void **state)
{
	struct pkt k = { 0 };
	int i;

	(void)state;
	/* Hop-by-hop (PadN), then the first fragment of a UDP datagram. */
	eth(&k, 0x86dd);
	ip6(&k, 0, "2001:db8::1", "2001:db8::2", 0);
	b8(&k, 44);
	b8(&k, 0);
	b8(&k, 1);
	b8(&k, 4);
	b32(&k, 0);
	frag6(&k, 17, 0, 1);
	udp(&k, 1000, 2000, 16);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 78,
	      "2001:db8::1.1000 > 2001:db8::2.2000 ttl 64 frag off 0 [MF] len 40 proto UDP (17) "
	      "udp len 24");
	check_prefix(&k, 61, PKTSUM_MAC, 0, 0,
		     "2001:db8::1 > 2001:db8::2 ttl 64 len 40 [truncated]");
	check_prefix(&k, 69, PKTSUM_MAC, 0, 0,
		     "2001:db8::1 > 2001:db8::2 ttl 64 len 40 [truncated]");
	check_prefix(&k, 70, PKTSUM_MAC, 0, 0,
		     "2001:db8::1 > 2001:db8::2 ttl 64 frag off 0 [MF] len 40 proto UDP (17) "
		     "[truncated]");
	check_prefix(&k, 74, PKTSUM_MAC, 0, 0,
		     "2001:db8::1.1000 > 2001:db8::2.2000 ttl 64 frag off 0 [MF] len 40 "
		     "proto UDP (17) [truncated]");

	/* Destination options, routing, then a later fragment: no L4 header. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x86dd);
	ip6(&k, 60, "2001:db8::1", "2001:db8::2", 0);
	ext8(&k, 43);
	ext8(&k, 44);
	frag6(&k, 6, 1448, 0);
	zeros(&k, 32);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 78,
	      "2001:db8::1 > 2001:db8::2 ttl 64 frag off 1448 len 56 proto TCP (6)");

	/* An extension header longer than 8 bytes (hdr ext len 1). */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x86dd);
	ip6(&k, 60, "2001:db8::1", "2001:db8::2", 0);
	b8(&k, 58);
	b8(&k, 1);
	zeros(&k, 14);
	icmp(&k, 128, 0);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 74,
	      "2001:db8::1 > 2001:db8::2 ttl 64 len 24 proto ICMPv6 (58) type 128 code 0");
	check_prefix(&k, 69, PKTSUM_MAC, 0, 0,
		     "2001:db8::1 > 2001:db8::2 ttl 64 len 24 [truncated]");

	/* The walk stops at ESP. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x86dd);
	ip6(&k, 50, "2001:db8::1", "2001:db8::2", 0);
	zeros(&k, 16);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 54, "2001:db8::1 > 2001:db8::2 ttl 64 len 16 proto ESP (50)");

	/* Eight extension headers are walked, a ninth is one too many. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x86dd);
	ip6(&k, 60, "2001:db8::1", "2001:db8::2", 0);
	for (i = 0; i < 7; i++)
		ext8(&k, 60);
	ext8(&k, 59);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 118, "2001:db8::1 > 2001:db8::2 ttl 64 len 64 proto 59");
	k.b[k.n - 8] = 60;
	ext8(&k, 59);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 118, "2001:db8::1 > 2001:db8::2 ttl 64 len 72 [bad ip header]");
}

static void test_ipv4_fragments(void **state)
{
	struct pkt k = { 0 };

	(void)state;
	eth(&k, 0x0800);
	ip4(&k, 17, "10.0.0.1", "10.0.0.2");
	set16(&k, k.ip_off + 6, 0x2000 | 185);
	zeros(&k, 100);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 34,
	      "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 frag off 1480 [MF] len 120 proto UDP (17)");

	/* The last fragment. */
	set16(&k, k.ip_off + 6, 370);
	check(&k, PKTSUM_MAC, 0, 0, 34,
	      "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 frag off 2960 len 120 proto UDP (17)");

	/* The first fragment carries the UDP header. */
	memset(&k, 0, sizeof(k));
	eth(&k, 0x0800);
	ip4(&k, 17, "10.0.0.1", "10.0.0.2");
	set16(&k, k.ip_off + 6, 0x2000);
	udp(&k, 1234, 53, 92);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 42,
	      "10.0.0.1.1234 > 10.0.0.2.53 ttl 64 id 4660 frag off 0 [MF] len 120 proto UDP (17) "
	      "udp len 100");
}

static void test_ipv4_header(void **state)
{
	static const uint8_t router_alert[4] = { 0x94, 0x04, 0, 0 };
	struct pkt k = { 0 };

	(void)state;
	/* IHL 6 (router alert option) and a TOS byte. */
	eth(&k, 0x0800);
	ip4(&k, 6, "10.0.0.1", "10.0.0.2");
	k.b[k.ip_off] = 0x46;
	k.b[k.ip_off + 1] = 0xb8;
	bytes(&k, router_alert, sizeof(router_alert));
	tcp(&k, 40000, 80, 1000, 0, SYN, 64240);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 58,
	      "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 tos 0xb8 id 4660 [DF] len 44 optlen 4 "
	      "proto TCP (6) flags [S] seq 1000 win 64240");
	check_prefix(&k, 36, PKTSUM_MAC, 0, 0,
		     "10.0.0.1 > 10.0.0.2 ttl 64 tos 0xb8 id 4660 [DF] len 44 optlen 4 "
		     "proto TCP (6) [truncated]");
	check_prefix(&k, 38, PKTSUM_MAC, 0, 0,
		     "10.0.0.1 > 10.0.0.2 ttl 64 tos 0xb8 id 4660 [DF] len 44 optlen 4 "
		     "proto TCP (6) [truncated]");
	check_prefix(&k, 42, PKTSUM_MAC, 0, 0,
		     "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 tos 0xb8 id 4660 [DF] len 44 optlen 4 "
		     "proto TCP (6) [truncated]");

	/* IHL 4, a wrong version, a total length below the header length. */
	memset(&k, 0, sizeof(k));
	build_syn4(&k, 1);
	k.b[k.ip_off] = 0x44;
	check(&k, PKTSUM_MAC, 0, 0, 34,
	      "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 40 [bad ip header]");
	k.b[k.ip_off] = 0x65;
	check(&k, PKTSUM_MAC, 0, 0, 34,
	      "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 40 [bad ip header]");
	k.b[k.ip_off] = 0x45;
	set16(&k, k.ip_off + 2, 19);
	check(&k, PKTSUM_MAC, 0, 0, 34,
	      "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 19 [bad ip header]");

	/* Bytes past the total length (Ethernet padding) are not TCP header. */
	set16(&k, k.ip_off + 2, 30);
	check(&k, PKTSUM_MAC, 0, 0, 38,
	      "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 30 proto TCP (6) [truncated]");
	memset(&k, 0, sizeof(k));
	build_syn4(&k, 1);
	zeros(&k, 6);
	check(&k, PKTSUM_MAC, 0, 0, 54, SYN_LINE " seq 1000 win 64240");

	/* IPv6 with a wrong version. */
	memset(&k, 0, sizeof(k));
	build_ipv6_syn(&k, 1);
	k.b[k.ip_off] = 0x40;
	check(&k, PKTSUM_MAC, 0, 0, 54, "::1 > ::1 ttl 64 label 0x975b1 len 40 [bad ip header]");
}

static void test_network_start(void **state)
{
	static const uint8_t zero[6];
	struct strbuf sb = STRBUF_INIT;
	struct pkt k = { 0 };

	(void)state;
	build_syn4(&k, 0);
	check(&k, PKTSUM_NETWORK, 0x0800, 0, 40, SYN_LINE " seq 1000 win 64240");
	check_prefix(&k, 19, PKTSUM_NETWORK, 0x0800, 0, "[truncated]");
	/* Without the EtherType the bytes are not guessed at. */
	check(&k, PKTSUM_NETWORK, 0, 0, 0, "ethertype 0x0000");

	memset(&k, 0, sizeof(k));
	build_ipv6_syn(&k, 0);
	check(&k, PKTSUM_NETWORK, 0x86dd, 0, 60, IPV6_SYN_LINE);

	memset(&k, 0, sizeof(k));
	arp(&k, 1, mac1, "10.0.0.1", zero, "10.0.0.2");
	check(&k, PKTSUM_NETWORK, 0x0806, 0, 28, "arp who-has 10.0.0.2 tell 10.0.0.1");

	/* A MAC start reads the EtherType from the frame, not from the hint. */
	memset(&k, 0, sizeof(k));
	build_syn4(&k, 1);
	check(&k, PKTSUM_MAC, 0x86dd, 0, 54, SYN_LINE " seq 1000 win 64240");

	/* Nothing at all. */
	run(&sb, NULL, 0, PKTSUM_MAC, 0x0800, 0);
	assert_string_equal(sb.buf, "[truncated]");
	run(&sb, NULL, 0, PKTSUM_NETWORK, 0x86dd, 1500);
	assert_string_equal(sb.buf, "[truncated]");
	run(&sb, NULL, 0, PKTSUM_NETWORK, 0x0806, 0);
	assert_string_equal(sb.buf, "arp [truncated]");
	strbuf_free(&sb);
}

static void test_unknown_protocols(void **state)
{
	struct pkt k = { 0 };

	(void)state;
	eth(&k, 0x88cc);
	zeros(&k, 30);
	check(&k, PKTSUM_MAC, 0, 0, 14, "ethertype 0x88cc");

	memset(&k, 0, sizeof(k));
	eth(&k, 0x0800);
	ip4(&k, 253, "10.0.0.1", "10.0.0.2");
	zeros(&k, 8);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 34, "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 28 proto 253");
	k.b[k.ip_off + 9] = 47;
	check(&k, PKTSUM_MAC, 0, 0, 34,
	      "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 28 proto GRE (47)");
	k.b[k.ip_off + 9] = 2;
	check(&k, PKTSUM_MAC, 0, 0, 34,
	      "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 28 proto IGMP (2)");
	k.b[k.ip_off + 9] = 51;
	check(&k, PKTSUM_MAC, 0, 0, 34,
	      "10.0.0.1 > 10.0.0.2 ttl 64 id 4660 [DF] len 28 proto AH (51)");

	memset(&k, 0, sizeof(k));
	eth(&k, 0x86dd);
	ip6(&k, 132, "2001:db8::1", "2001:db8::2", 0);
	zeros(&k, 12);
	pkt_done(&k);
	check(&k, PKTSUM_MAC, 0, 0, 54, "2001:db8::1 > 2001:db8::2 ttl 64 len 12 proto SCTP (132)");
}

static void test_wire_len(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct pkt k = { 0 };

	(void)state;
	/* 54 of 1514 bytes captured: "len" is the header's. */
	eth(&k, 0x0800);
	ip4(&k, 6, "10.0.0.1", "10.0.0.2");
	tcp(&k, 40000, 80, 1001, 5001, PSH | ACK, 502);
	set16(&k, k.ip_off + 2, 1500);
	check(&k, PKTSUM_MAC, 0, 1514, 54,
	      "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 1500 proto TCP (6) flags [P.] "
	      "seq 1001 ack 5001 win 502");
	check_prefix(&k, 40, PKTSUM_MAC, 0, 1514,
		     "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 1500 proto TCP (6) "
		     "[truncated]");

	/* BIG TCP: a zero total length, so the length comes from wire_len. */
	set16(&k, k.ip_off + 2, 0);
	check(&k, PKTSUM_MAC, 0, 70014, 54,
	      "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 70000 proto TCP (6) flags [P.] "
	      "seq 1001 ack 5001 win 502");
	/* An unknown (0) wire length counts as the captured length. */
	run(&sb, k.b, k.n, PKTSUM_MAC, 0, 0);
	assert_string_equal(sb.buf,
			    "10.0.0.1.40000 > 10.0.0.2.80 ttl 64 id 4660 [DF] len 40 proto TCP (6) "
			    "flags [P.] seq 1001 ack 5001 win 502");

	memset(&k, 0, sizeof(k));
	build_ipv6_syn(&k, 1);
	set16(&k, k.ip_off + 4, 1460);
	check(&k, PKTSUM_MAC, 0, 1514, 74,
	      "::1.36986 > ::1.8080 ttl 64 label 0x975b1 len 1460 proto TCP (6) flags [S] "
	      "seq 2899194670 win 65476");
	set16(&k, k.ip_off + 4, 0);
	check(&k, PKTSUM_MAC, 0, 100054, 74,
	      "::1.36986 > ::1.8080 ttl 64 label 0x975b1 len 100000 proto TCP (6) flags [S] "
	      "seq 2899194670 win 65476");
	strbuf_free(&sb);
}

static void test_nomem(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct pkt k = { 0 };

	(void)state;
	build_syn4(&k, 1);
	assert_int_equal(strbuf_puts(&sb, "x"), 0);
	/* As after a failed allocation (a real one would trip ASan's size check). */
	sb.err = -ENOMEM;
	assert_int_equal(pktsum_format(&sb, k.b, k.n, PKTSUM_MAC, 0, (uint32_t)k.n), -ENOMEM);
	assert_string_equal(sb.buf, "x");
	strbuf_free(&sb);
}

/* xorshift64: a fixed seed gives the same bytes on every run. */
static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 32);
}

static unsigned int pick(uint64_t *s, const unsigned int *v, size_t n)
{
	return v[rnd(s) % n];
}

#define PICK(s, v) pick(s, v, sizeof(v) / sizeof(v[0]))

static void test_random_bytes(void **state)
{
	static const unsigned int types[] = { 0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0, 0x88cc };
	static const unsigned int first[] = { 0x45, 0x46, 0x4f, 0x44, 0x60, 0x6f, 0x00 };
	static const unsigned int protos[] = { 6, 17, 1, 58, 0, 43, 44, 60, 50, 59 };
	struct strbuf sb = STRBUF_INIT;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	uint8_t b[200];
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		enum pktsum_start start = rnd(&seed) & 1 ? PKTSUM_MAC : PKTSUM_NETWORK;
		unsigned int l3 = PICK(&seed, types);
		size_t n = rnd(&seed) % sizeof(b), j, l3_off = 0;
		uint32_t wire;

		for (j = 0; j < n; j++)
			b[j] = (uint8_t)rnd(&seed);
		/* Mostly plausible headers, so that the deeper parsers get garbage too. */
		if (rnd(&seed) % 4) {
			if (start == PKTSUM_MAC && n >= 14) {
				b[12] = (uint8_t)(l3 >> 8);
				b[13] = (uint8_t)l3;
				l3_off = 14;
			}
			if (n > l3_off)
				b[l3_off] = (uint8_t)PICK(&seed, first);
			if (n > l3_off + 9)
				b[l3_off + (b[l3_off] >> 4 == 6 ? 6 : 9)] =
				    (uint8_t)PICK(&seed, protos);
			if (n > l3_off + 6 && rnd(&seed) % 2)
				b[l3_off + 6] = 0; /* IPv4: not a later fragment */
		}
		wire = rnd(&seed);
		if (wire % 4)
			wire = (uint32_t)n; /* mostly consistent, sometimes anything */
		run(&sb, b, n, start, (uint16_t)l3, wire);
	}
	strbuf_free(&sb);
}

/* Every crafted packet with a few bytes changed and a random length. */
static void test_mutations(void **state)
{
	static const uint8_t zero[6];
	struct strbuf sb = STRBUF_INIT;
	uint64_t seed = 42;
	struct pkt base[5];
	size_t p;
	int i;

	(void)state;
	memset(base, 0, sizeof(base));
	build_syn4(&base[0], 1);
	build_ipv6_syn(&base[1], 1);
	eth(&base[2], 0x86dd);
	ip6(&base[2], 0, "2001:db8::1", "2001:db8::2", 0);
	ext8(&base[2], 44);
	frag6(&base[2], 17, 0, 1);
	udp(&base[2], 1000, 2000, 16);
	pkt_done(&base[2]);
	eth(&base[3], 0x88a8);
	vlan(&base[3], 10, 0x8100);
	vlan(&base[3], 20, 0x0800);
	ip4(&base[3], 17, "10.0.0.1", "10.0.0.2");
	base[3].b[base[3].ip_off] = 0x46;
	zeros(&base[3], 4);
	udp(&base[3], 1, 2, 3);
	pkt_done(&base[3]);
	eth(&base[4], 0x0806);
	arp(&base[4], 1, mac1, "10.0.0.1", zero, "10.0.0.2");

	for (p = 0; p < sizeof(base) / sizeof(base[0]); p++) {
		for (i = 0; i < 20000; i++) {
			struct pkt m = base[p];
			unsigned int flips = 1 + rnd(&seed) % 3;
			size_t len;

			while (flips--)
				m.b[rnd(&seed) % m.n] = (uint8_t)rnd(&seed);
			len = rnd(&seed) % (m.n + 1);
			run(&sb, m.b, len, PKTSUM_MAC, 0, rnd(&seed) % 2000);
		}
	}
	strbuf_free(&sb);
}

/* Where the network header starts: plain, one tag, QinQ, cut in a tag. */
static void test_l3_offset(void **state)
{
	uint8_t f[64] = { 0 };
	unsigned int proto = 0;
	bool cut = true;

	(void)state;
	f[12] = 0x08, f[13] = 0x00;
	assert_int_equal(pktsum_l3_offset(f, sizeof(f), &proto, &cut), 14);
	assert_false(cut);
	assert_int_equal(proto, 0x0800);
	f[12] = 0x81, f[13] = 0x00, f[16] = 0x86, f[17] = 0xdd;
	assert_int_equal(pktsum_l3_offset(f, sizeof(f), &proto, &cut), 18);
	assert_int_equal(proto, 0x86dd);
	f[12] = 0x88, f[13] = 0xa8, f[16] = 0x81, f[17] = 0x00, f[20] = 0x08, f[21] = 0x00;
	assert_int_equal(pktsum_l3_offset(f, sizeof(f), &proto, &cut), 22);
	assert_false(cut);
	assert_int_equal(proto, 0x0800);
	assert_int_equal(pktsum_l3_offset(f, 20, &proto, &cut), 18);
	assert_true(cut);
	assert_int_equal(pktsum_l3_offset(f, 13, &proto, &cut), 0);
	assert_true(cut);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_tcp_flags),
		cmocka_unit_test(test_bad_tcp_header),
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_ipv6_ext_headers),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_network_start),
		cmocka_unit_test(test_unknown_protocols),
		cmocka_unit_test(test_wire_len),
		cmocka_unit_test(test_nomem),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_l3_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
