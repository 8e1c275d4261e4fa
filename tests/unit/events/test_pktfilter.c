// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for pktfilter: pcap-filter expressions on hand-built Ethernet and raw-IP packets,
 * errors from libpcap, and truncated captures. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pktfilter.h"
#include "resolver_trap.h"

#define ETH_HLEN 14
#define IP4_HLEN 20
#define IP6_HLEN 40
#define TCP_HLEN 20
#define UDP_HLEN 8

#define TCP_SYN 0x02
#define TCP_ACK 0x10

/* A captured packet: bytes, their count, and where they start. */
struct pkt {
	uint8_t data[128];
	uint32_t len;
	bool mac;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_eth(uint8_t *p, uint16_t ethertype)
{
	static const uint8_t dst[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t src[6] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };

	memcpy(p, dst, sizeof(dst));
	memcpy(p + 6, src, sizeof(src));
	put16(p + 12, ethertype);
}

static void put_tcp(uint8_t *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	memset(p, 0, TCP_HLEN);
	put16(p, sport);
	put16(p + 2, dport);
	p[12] = (TCP_HLEN / 4) << 4;
	p[13] = flags;
	put16(p + 14, 65535);
}

static void put_udp(uint8_t *p, uint16_t sport, uint16_t dport, uint16_t len)
{
	memset(p, 0, UDP_HLEN);
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, len);
}

/* IPv4 10.0.0.1 -> 10.0.0.2 carrying TCP sport 40000 -> dport. */
static uint32_t put_ip4_tcp(uint8_t *p, uint16_t dport, uint8_t flags)
{
	static const uint8_t saddr[4] = { 10, 0, 0, 1 }, daddr[4] = { 10, 0, 0, 2 };

	memset(p, 0, IP4_HLEN);
	p[0] = 0x45;
	put16(p + 2, IP4_HLEN + TCP_HLEN);
	put16(p + 6, 0x4000); /* DF */
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, saddr, 4);
	memcpy(p + 16, daddr, 4);
	put_tcp(p + IP4_HLEN, 40000, dport, flags);
	return IP4_HLEN + TCP_HLEN;
}

/* IPv6 2001:db8::1 -> 2001:db8::2 header for next header nh and l4len payload bytes. */
static void put_ip6(uint8_t *p, uint8_t nh, uint16_t l4len)
{
	memset(p, 0, IP6_HLEN);
	p[0] = 0x60;
	put16(p + 4, l4len);
	p[6] = nh;
	p[7] = 64;
	p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
	p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 2;
}

/* Ethernet + IPv4 + TCP SYN to port 443 */
static struct pkt eth_ip4_tcp(void)
{
	struct pkt k = { .mac = true };

	put_eth(k.data, 0x0800);
	k.len = ETH_HLEN + put_ip4_tcp(k.data + ETH_HLEN, 443, TCP_SYN);
	return k;
}

/* Ethernet + IPv6 + UDP 5353 -> 53 with 4 payload bytes */
static struct pkt eth_ip6_udp(void)
{
	struct pkt k = { .mac = true };

	put_eth(k.data, 0x86dd);
	put_ip6(k.data + ETH_HLEN, 17, UDP_HLEN + 4);
	put_udp(k.data + ETH_HLEN + IP6_HLEN, 5353, 53, UDP_HLEN + 4);
	k.len = ETH_HLEN + IP6_HLEN + UDP_HLEN + 4;
	return k;
}

/* raw IPv4 + TCP (no MAC header) */
static struct pkt raw_ip4_tcp(uint16_t dport, uint8_t flags)
{
	struct pkt k = { .mac = false };

	k.len = put_ip4_tcp(k.data, dport, flags);
	return k;
}

/* raw IPv6 + TCP ACK to port 80 (no MAC header) */
static struct pkt raw_ip6_tcp(void)
{
	struct pkt k = { .mac = false };

	put_ip6(k.data, 6, TCP_HLEN);
	put_tcp(k.data + IP6_HLEN, 40000, 80, TCP_ACK);
	k.len = IP6_HLEN + TCP_HLEN;
	return k;
}

/* The same network-layer packet with an Ethernet header put in front. */
static struct pkt with_mac(const struct pkt *raw, uint16_t ethertype)
{
	struct pkt k = { .mac = true };

	assert_false(raw->mac);
	assert_true(raw->len + ETH_HLEN <= sizeof(k.data));
	put_eth(k.data, ethertype);
	memcpy(k.data + ETH_HLEN, raw->data, raw->len);
	k.len = raw->len + ETH_HLEN;
	return k;
}

/* Matches the first caplen bytes of k, copied to a heap buffer of exactly that size so that
 * ASan catches any read past caplen. */
static bool match_cap(const struct pktfilter *f, const struct pkt *k, uint32_t caplen,
		      uint32_t wire_len)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	bool r;

	assert_non_null(copy);
	memcpy(copy, k->data, caplen);
	r = pktfilter_match(f, k->mac, copy, caplen, wire_len);
	free(copy);
	return r;
}

static bool match(const struct pktfilter *f, const struct pkt *k)
{
	return match_cap(f, k, k->len, k->len);
}

static struct pktfilter *new_ok(const char *expr)
{
	struct pktfilter *f = NULL;
	char err[256] = "canary";
	int r = pktfilter_new(expr, &f, err, sizeof(err));

	if (r)
		print_error("pktfilter_new(\"%s\"): %d %s\n", expr, r, err);
	assert_int_equal(r, 0);
	assert_non_null(f);
	assert_string_equal(err, "");
	return f;
}

/* Whether expr matches k. */
static bool expr_matches(const char *expr, const struct pkt *k)
{
	struct pktfilter *f = new_ok(expr);
	bool r = match(f, k);

	pktfilter_free(f);
	return r;
}

static void test_matches(void **state)
{
	struct pkt e4 = eth_ip4_tcp(), e6 = eth_ip6_udp();
	struct pkt r4 = raw_ip4_tcp(443, TCP_SYN), r4ack = raw_ip4_tcp(22, TCP_ACK);
	struct pkt r6 = raw_ip6_tcp();

	(void)state;
	assert_true(expr_matches("tcp port 443", &e4));
	assert_true(expr_matches("tcp port 443", &r4));
	assert_false(expr_matches("tcp port 443", &e6));
	assert_false(expr_matches("tcp port 443", &r4ack));
	assert_false(expr_matches("tcp port 443", &r6));
	assert_true(expr_matches("tcp dst port 80", &r6));

	assert_true(expr_matches("udp", &e6));
	assert_true(expr_matches("udp port 53 and ip6", &e6));
	assert_false(expr_matches("udp", &e4));
	assert_false(expr_matches("udp", &r4));
	assert_false(expr_matches("udp", &r6));

	assert_true(expr_matches("ip6", &e6));
	assert_true(expr_matches("ip6", &r6));
	assert_false(expr_matches("ip6", &e4));
	assert_false(expr_matches("ip6", &r4));
	assert_true(expr_matches("ip", &r4));
	assert_false(expr_matches("ip", &r6));

	assert_true(expr_matches("host 10.0.0.1", &e4));
	assert_true(expr_matches("host 10.0.0.1", &r4));
	assert_true(expr_matches("host 10.0.0.1 and tcp", &r4));
	assert_false(expr_matches("host 10.0.0.1 and udp", &r4));
	assert_false(expr_matches("host 10.0.0.3", &r4));
	assert_false(expr_matches("host 10.0.0.1", &e6));
	assert_true(expr_matches("src host 2001:db8::1", &r6));
	assert_false(expr_matches("dst host 2001:db8::1", &r6));

	assert_true(expr_matches("tcp[tcpflags] & tcp-syn != 0", &e4));
	assert_true(expr_matches("tcp[tcpflags] & tcp-syn != 0", &r4));
	assert_false(expr_matches("tcp[tcpflags] & tcp-syn != 0", &r4ack));
	assert_true(expr_matches("tcp[tcpflags] & tcp-ack != 0", &r4ack));

	assert_false(expr_matches("not tcp", &e4));
	assert_false(expr_matches("not tcp", &r4));
	assert_false(expr_matches("not tcp", &r6));
	assert_true(expr_matches("not tcp", &e6));
}

/* An expression gives the same answer whether the bytes start at MAC or network header. */
static void test_same_both_starts(void **state)
{
	static const char *const exprs[] = {
		"tcp port 443",
		"udp",
		"ip6",
		"ip",
		"host 10.0.0.1",
		"tcp[tcpflags] & tcp-syn != 0",
		"not tcp",
		"net 2001:db8::/32",
		"tcp dst port 80",
		"ip[8] = 64",
		"len > 50",
	};
	struct pkt raws[] = { raw_ip4_tcp(443, TCP_SYN), raw_ip4_tcp(22, TCP_ACK), raw_ip6_tcp() };

	(void)state;
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct pktfilter *f = new_ok(exprs[i]);

		for (size_t j = 0; j < sizeof(raws) / sizeof(raws[0]); j++) {
			uint16_t type = (raws[j].data[0] >> 4) == 6 ? 0x86dd : 0x0800;
			struct pkt m = with_mac(&raws[j], type);
			/* "len" is the wire length, which includes the MAC header */
			bool want = match_cap(f, &raws[j], raws[j].len, m.len);

			if (match(f, &m) != want)
				fail_msg("\"%s\" on packet %zu: MAC %d, raw %d", exprs[i], j, !want,
					 want);
		}
		pktfilter_free(f);
	}
}

static void test_ether_only(void **state)
{
	struct pkt r4 = raw_ip4_tcp(443, TCP_SYN), e4 = with_mac(&r4, 0x0800);
	struct pkt r6 = raw_ip6_tcp();
	struct pktfilter *f = new_ok("ether host 00:11:22:33:44:55");

	(void)state;
	assert_true(match(f, &e4));
	assert_false(match(f, &r4));
	assert_false(match(f, &r6));
	pktfilter_free(f);

	f = new_ok("not ether host 00:11:22:33:44:99");
	assert_true(match(f, &e4));
	assert_false(match(f, &r4));
	pktfilter_free(f);

	f = new_ok("ether src 66:77:88:99:aa:bb and tcp port 443");
	assert_true(match(f, &e4));
	assert_false(match(f, &r4));
	pktfilter_free(f);

	/* not Ethernet-only: libpcap turns the EtherType test into an IP version test on raw IP */
	f = new_ok("ether proto 0x0800 and tcp port 443");
	assert_true(match(f, &e4));
	assert_true(match(f, &r4));
	assert_false(match(f, &r6));
	pktfilter_free(f);
}

static void test_bad_expr(void **state)
{
	static const char *const bad[] = {
		"tcp prot 80", "host", "tcp port 443 and", "port 70000", "ip[", "foo bar",
	};
	struct pktfilter *f = (struct pktfilter *)&f;
	char err[256];
	char small[8 + 4];

	(void)state;
	assert_int_equal(pktfilter_new("tcp prot 80", &f, err, sizeof(err)), -EINVAL);
	assert_null(f);
	assert_non_null(strstr(err, "syntax error"));

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = (struct pktfilter *)&f;
		memset(err, 'x', sizeof(err));
		assert_int_equal(pktfilter_new(bad[i], &f, err, sizeof(err)), -EINVAL);
		assert_null(f);
		assert_non_null(memchr(err, '\0', sizeof(err)));
		if (err[0] == '\0')
			fail_msg("no message for \"%s\"", bad[i]);
	}

	/* a short buffer: truncated, NUL-terminated, nothing written past errlen */
	memset(small, 'x', sizeof(small));
	assert_int_equal(pktfilter_new("tcp prot 80", &f, small, 8), -EINVAL);
	assert_int_equal(strlen(small), 7);
	assert_memory_equal(small + 8, "xxxx", 4);

	memset(small, 'x', sizeof(small));
	assert_int_equal(pktfilter_new("tcp prot 80", &f, small, 1), -EINVAL);
	assert_int_equal(small[0], '\0');
	assert_int_equal(small[1], 'x');

	assert_int_equal(pktfilter_new("tcp prot 80", &f, NULL, 0), -EINVAL);
	assert_null(f);
}

static void test_no_filter(void **state)
{
	struct pkt e4 = eth_ip4_tcp(), r6 = raw_ip6_tcp();
	struct pktfilter *f = (struct pktfilter *)&f;
	char err[16] = "canary";

	(void)state;
	assert_int_equal(pktfilter_new(NULL, &f, err, sizeof(err)), 0);
	assert_null(f);
	assert_string_equal(err, "");
	f = (struct pktfilter *)&f;
	assert_int_equal(pktfilter_new("", &f, NULL, 0), 0);
	assert_null(f);

	assert_true(pktfilter_match(NULL, true, e4.data, e4.len, e4.len));
	assert_true(pktfilter_match(NULL, false, r6.data, r6.len, r6.len));
	assert_true(pktfilter_match(NULL, true, NULL, 0, 0));
	pktfilter_free(NULL);
}

static void test_truncated(void **state)
{
	struct pkt e4 = eth_ip4_tcp(), r4 = raw_ip4_tcp(443, TCP_SYN), e6 = eth_ip6_udp();
	struct pktfilter *port = new_ok("tcp port 443");
	struct pktfilter *not_tcp = new_ok("not tcp");
	struct pktfilter *syn = new_ok("tcp[tcpflags] & tcp-syn != 0");
	/* the destination port is the last thing "tcp port 443" must read */
	const uint32_t eth_need = ETH_HLEN + IP4_HLEN + 4, raw_need = IP4_HLEN + 4;

	(void)state;
	for (uint32_t cap = 0; cap <= e4.len; cap++) {
		assert_int_equal(match_cap(port, &e4, cap, e4.len), cap >= eth_need);
		assert_false(match_cap(not_tcp, &e4, cap, e4.len));
		assert_int_equal(match_cap(syn, &e4, cap, e4.len), cap >= ETH_HLEN + IP4_HLEN + 14);
	}
	for (uint32_t cap = 0; cap <= r4.len; cap++)
		assert_int_equal(match_cap(port, &r4, cap, r4.len), cap >= raw_need);
	/* a load past caplen rejects the packet, even under "not" */
	for (uint32_t cap = 0; cap <= e6.len; cap++) {
		assert_false(match_cap(port, &e6, cap, e6.len));
		/* needs the EtherType and the IPv6 next header (offset 6) */
		assert_int_equal(match_cap(not_tcp, &e6, cap, e6.len), cap >= ETH_HLEN + 7);
	}
	/* garbage of every short length */
	for (uint32_t cap = 0; cap < 64; cap++) {
		struct pkt g = { .mac = cap & 1, .len = cap };

		memset(g.data, 0xff, sizeof(g.data));
		(void)match(port, &g);
		(void)match(syn, &g);
	}
	pktfilter_free(syn);
	pktfilter_free(not_tcp);
	pktfilter_free(port);
}

/* wire_len reaches "len"/"greater"/"less", and is never taken below caplen */
static void test_wire_len(void **state)
{
	struct pkt e4 = eth_ip4_tcp();
	struct pktfilter *f = new_ok("greater 1000");

	(void)state;
	assert_true(match_cap(f, &e4, e4.len, 1500));
	assert_false(match_cap(f, &e4, e4.len, e4.len));
	assert_false(match_cap(f, &e4, e4.len, 0));
	pktfilter_free(f);

	f = new_ok("len = 54");
	assert_int_equal(e4.len, 54);
	assert_true(match_cap(f, &e4, e4.len, 0));
	assert_true(match_cap(f, &e4, 20, 54));
	pktfilter_free(f);
}

/* Accepted: libpcap compiles each without looking anything up. */
static const char *const no_names[] = {
	"tcp",
	"udp port 53",
	"host 10.0.0.1",
	"src net 10.0.0.0/8 and not dst port 22",
	"ip6 host 2001:db8::1",
	"ip6 net 2001:db8::/32",
	"host ::ffff:10.1.2.3",
	"ether host aa:bb:cc:dd:ee:ff",
	"ether src aa-bb-cc-dd-ee-ff",
	"ether host aabb.ccdd.eeff",
	"ether dst aabbccddeeff",
	"tcp[13:1] & 2 != 0",
	"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"icmp[icmptype] == icmp-echo",
	"icmp6 and ip6[40] == 128",
	"len > 100 and len <= 1500",
	"port 0x1bb",
	"host 10.1",
	"vlan 100 and tcp",
	"ip[2:2] - 20 > 0",
};

/* Refused, with the name reported: libpcap would look each up. */
static const struct {
	const char *expr, *name;
} names[] = {
	{ "host example.com", "example.com" },
	{ "tcp and host some.name", "some.name" },
	{ "port http", "http" },
	{ "net localnet", "localnet" },
	{ "ether host router", "router" },
	{ "host cafe", "cafe" },	   /* hex letters, no 0x: a name */
	{ "host 1.2.3.4.5", "1.2.3.4.5" }, /* five parts: a name */
	{ "len-14 > 0", "len-14" },	   /* one word for libpcap: a host name */
	{ "ip6 host fe80::1%eth0", "eth0" },
	{ "gateway gw1", "gw1" },
	{ "host a_b", "a_b" },
	{ "example.com", "example.com" }, /* a syntax error for libpcap: refused all the same */
	{ "host\\tcp d::", "\\tcp" },	  /* found by fuzz_evquery: host "tcp" */
	{ "ip proto \\tcp", "\\tcp" },	  /* a protocol name: refused too */
};

static void test_names(void **state)
{
	struct pktfilter *f;
	char name[64], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(no_names) / sizeof(no_names[0]); i++) {
		strcpy(name, "unset");
		if (pktfilter_names(no_names[i], name, sizeof(name)))
			fail_msg("'%s': called a name: '%s'", no_names[i], name);
		resolver_trap_lookups = 0;
		if (pktfilter_new(no_names[i], &f, err, sizeof(err)) != 0)
			fail_msg("'%s' does not compile: %s", no_names[i], err);
		pktfilter_free(f);
		if (resolver_trap_lookups)
			fail_msg("'%s': libpcap looked up %d names", no_names[i],
				 resolver_trap_lookups);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!pktfilter_names(names[i].expr, name, sizeof(name)))
			fail_msg("'%s': no name found", names[i].expr);
		assert_string_equal(name, names[i].name);
	}
	/* libpcap itself looks the first ones up: the check is not too eager. */
	for (size_t i = 0; i < 6; i++) {
		resolver_trap_lookups = 0;
		f = NULL;
		pktfilter_new(names[i].expr, &f, err, sizeof(err));
		pktfilter_free(f);
		if (!resolver_trap_lookups)
			fail_msg("'%s': libpcap looked nothing up", names[i].expr);
	}
	/* An escaped word where a host goes is a host name. */
	resolver_trap_lookups = 0;
	f = NULL;
	pktfilter_new("host \\tcp", &f, err, sizeof(err));
	pktfilter_free(f);
	assert_true(resolver_trap_lookups > 0);
	/* A long name is cut to fit; NULL and "" have none. */
	assert_true(pktfilter_names("host aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", name, 8));
	assert_string_equal(name, "aaaaaaa");
	assert_false(pktfilter_names(NULL, name, sizeof(name)));
	assert_false(pktfilter_names("", name, sizeof(name)));
	assert_true(pktfilter_names("host x", NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches),	   cmocka_unit_test(test_same_both_starts),
		cmocka_unit_test(test_ether_only), cmocka_unit_test(test_bad_expr),
		cmocka_unit_test(test_no_filter),  cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_wire_len),   cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
