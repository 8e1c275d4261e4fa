// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for nfnames: every family, hook, x_tables chain and kind by
 * name, numbers without one, and chain names cut and unterminated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dropmon.h"
#include "nfnames.h"

/* NFPROTO_* (include/uapi/linux/netfilter.h), written out here so that the
 * test does not share nfnames.c's table. */
#define NFPROTO_UNSPEC 0
#define NFPROTO_INET 1
#define NFPROTO_IPV4 2
#define NFPROTO_ARP 3
#define NFPROTO_NETDEV 5
#define NFPROTO_BRIDGE 7
#define NFPROTO_IPV6 10

/* A buffer the functions may write into, filled with junk first so that a
 * name returned without writing is told apart from one written. */
static char *junk(char buf[NFNAMES_SIZE])
{
	memset(buf, '#', NFNAMES_SIZE);
	return buf;
}

static void test_family(void **state)
{
	static const struct {
		uint8_t family;
		const char *name;
	} known[] = {
		{ NFPROTO_INET, "inet" },     { NFPROTO_IPV4, "ip" },	    { NFPROTO_ARP, "arp" },
		{ NFPROTO_NETDEV, "netdev" }, { NFPROTO_BRIDGE, "bridge" }, { NFPROTO_IPV6, "ip6" },
	};
	char buf[NFNAMES_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		assert_string_equal(nfnames_family(known[i].family, junk(buf)), known[i].name);
	/* Every other number is written as the number, into buf. */
	assert_string_equal(nfnames_family(NFPROTO_UNSPEC, junk(buf)), "0");
	assert_string_equal(buf, "0");
	assert_string_equal(nfnames_family(4, junk(buf)), "4"); /* NFPROTO_DECNET, gone */
	assert_string_equal(nfnames_family(6, junk(buf)), "6");
	assert_string_equal(nfnames_family(11, junk(buf)), "11");
	assert_string_equal(nfnames_family(255, junk(buf)), "255");
	assert_string_equal(buf, "255");
	for (unsigned int f = 0; f <= 255; f++) {
		const char *name = nfnames_family((uint8_t)f, junk(buf));

		assert_true(strlen(name) > 0 && strlen(name) < NFNAMES_SIZE);
	}
}

static void test_hook(void **state)
{
	static const char *const inet[] = { "prerouting", "input",	 "forward",
					    "output",	  "postrouting", "ingress" };
	static const uint8_t inet_families[] = { NFPROTO_INET, NFPROTO_IPV4, NFPROTO_IPV6,
						 NFPROTO_UNSPEC, 200 };
	char buf[NFNAMES_SIZE], want[8];

	(void)state;
	/* NF_INET_*: ip, ip6, inet, and families without hooks of their own. */
	for (size_t f = 0; f < sizeof(inet_families); f++) {
		for (uint8_t h = 0; h < 6; h++)
			assert_string_equal(nfnames_hook(inet_families[f], h, junk(buf)), inet[h]);
		assert_string_equal(nfnames_hook(inet_families[f], 6, junk(buf)), "6");
		assert_string_equal(nfnames_hook(inet_families[f], 255, junk(buf)), "255");
	}
	/* NF_NETDEV_* */
	assert_string_equal(nfnames_hook(NFPROTO_NETDEV, 0, junk(buf)), "ingress");
	assert_string_equal(nfnames_hook(NFPROTO_NETDEV, 1, junk(buf)), "egress");
	assert_string_equal(nfnames_hook(NFPROTO_NETDEV, 2, junk(buf)), "2");
	/* NF_ARP_IN, _OUT, _FORWARD */
	assert_string_equal(nfnames_hook(NFPROTO_ARP, 0, junk(buf)), "input");
	assert_string_equal(nfnames_hook(NFPROTO_ARP, 1, junk(buf)), "output");
	assert_string_equal(nfnames_hook(NFPROTO_ARP, 2, junk(buf)), "forward");
	assert_string_equal(nfnames_hook(NFPROTO_ARP, 3, junk(buf)), "3");
	/* NF_BR_*: numbered as NF_INET_* up to 4; NF_BR_BROUTING (5) is
	 * ebtables' own, not nft's "ingress". */
	for (uint8_t h = 0; h < 5; h++)
		assert_string_equal(nfnames_hook(NFPROTO_BRIDGE, h, junk(buf)), inet[h]);
	assert_string_equal(nfnames_hook(NFPROTO_BRIDGE, 5, junk(buf)), "5");
	assert_string_equal(nfnames_hook(NFPROTO_BRIDGE, 6, junk(buf)), "6");
	/* Every number in every family fits. */
	for (unsigned int f = 0; f <= 255; f++) {
		for (unsigned int h = 0; h <= 255; h++) {
			const char *name = nfnames_hook((uint8_t)f, (uint8_t)h, junk(buf));

			assert_true(strlen(name) > 0 && strlen(name) < NFNAMES_SIZE);
			if (h >= 6) {
				snprintf(want, sizeof(want), "%u", h);
				assert_string_equal(name, want);
			}
		}
	}
}

static void test_kind(void **state)
{
	(void)state;
	assert_string_equal(nfnames_kind(DROPMON_NF_NFTABLES), "nftables");
	assert_string_equal(nfnames_kind(DROPMON_NF_IPTABLES), "iptables-legacy");
	assert_string_equal(nfnames_kind(DROPMON_NF_IP6TABLES), "ip6tables-legacy");
	assert_string_equal(nfnames_kind(DROPMON_NF_NONE), "");
	assert_string_equal(nfnames_kind(DROPMON_NF_KIND_MAX), "");
	assert_string_equal(nfnames_kind(255), "");
}

/* x_tables: the built-in chain of the hook, whatever the chain bytes say. */
static void test_chain_legacy(void **state)
{
	static const char *const chains[] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT",
					      "POSTROUTING" };
	static const uint8_t kinds[] = { DROPMON_NF_IPTABLES, DROPMON_NF_IP6TABLES };
	char out[DROPMON_NF_NAMSIZ];

	(void)state;
	for (size_t k = 0; k < sizeof(kinds); k++) {
		for (uint8_t h = 0; h < 5; h++) {
			memset(out, '#', sizeof(out));
			assert_ptr_equal(nfnames_chain(kinds[k], h, "mychain", 8, out, sizeof(out)),
					 out);
			assert_string_equal(out, chains[h]);
		}
		/* NF_INET_INGRESS has no x_tables chain: the number. */
		assert_string_equal(nfnames_chain(kinds[k], 5, "", 1, out, sizeof(out)), "5");
		assert_string_equal(nfnames_chain(kinds[k], 255, NULL, 0, out, sizeof(out)), "255");
		/* Cut to outsize, terminated. */
		memset(out, '#', sizeof(out));
		assert_string_equal(nfnames_chain(kinds[k], 4, NULL, 0, out, 5), "POST");
		assert_int_equal(out[5], '#');
		assert_string_equal(nfnames_chain(kinds[k], 200, NULL, 0, out, 2), "2");
		memset(out, '#', sizeof(out));
		assert_string_equal(nfnames_chain(kinds[k], 1, NULL, 0, out, 1), "");
		assert_int_equal(out[1], '#');
		/* outsize 0: nothing written at all. */
		memset(out, '#', sizeof(out));
		assert_ptr_equal(nfnames_chain(kinds[k], 1, NULL, 0, out, 0), out);
		assert_int_equal(out[0], '#');
	}
}

/* nftables: the kernel's bytes, which need not be terminated, bounded by
 * size and by outsize. */
static void test_chain_nftables(void **state)
{
	char chain[DROPMON_NF_NAMSIZ], out[DROPMON_NF_NAMSIZ], small[6];

	(void)state;
	snprintf(chain, sizeof(chain), "input");
	assert_string_equal(
	    nfnames_chain(DROPMON_NF_NFTABLES, 1, chain, sizeof(chain), out, sizeof(out)), "input");
	/* The hook does not name an nftables chain. */
	assert_string_equal(
	    nfnames_chain(DROPMON_NF_NFTABLES, 4, chain, sizeof(chain), out, sizeof(out)), "input");

	/* A full array without a NUL: its bytes up to size, cut to fit out. */
	memset(chain, 'c', sizeof(chain));
	memset(out, '#', sizeof(out));
	nfnames_chain(DROPMON_NF_NFTABLES, 0, chain, sizeof(chain), out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_int_equal(strspn(out, "c"), sizeof(out) - 1);
	{
		/* size bounds the read: "abcd" of "abcdXYZ", no byte past it. */
		static const char unterminated[4] = { 'a', 'b', 'c', 'd' };
		char big[DROPMON_NF_NAMSIZ + 8];

		assert_string_equal(nfnames_chain(DROPMON_NF_NFTABLES, 0, unterminated,
						  sizeof(unterminated), big, sizeof(big)),
				    "abcd");
		assert_string_equal(
		    nfnames_chain(DROPMON_NF_NFTABLES, 0, "abcdXYZ", 4, big, sizeof(big)), "abcd");
		assert_string_equal(
		    nfnames_chain(DROPMON_NF_NFTABLES, 0, "ab\0cd", 5, big, sizeof(big)), "ab");
	}
	/* Cut to outsize. */
	memset(small, '#', sizeof(small));
	assert_string_equal(nfnames_chain(DROPMON_NF_NFTABLES, 0, "postrouting", 12, small, 5),
			    "post");
	assert_int_equal(small[5], '#');
	assert_string_equal(nfnames_chain(DROPMON_NF_NFTABLES, 0, "abcde", 5, small, sizeof(small)),
			    "abcde");
	assert_string_equal(
	    nfnames_chain(DROPMON_NF_NFTABLES, 0, "abcdef", 6, small, sizeof(small)), "abcde");
	/* No chain: "". Other kinds take the nftables path. */
	memset(out, '#', sizeof(out));
	assert_string_equal(nfnames_chain(DROPMON_NF_NFTABLES, 0, NULL, 16, out, sizeof(out)), "");
	assert_string_equal(nfnames_chain(DROPMON_NF_NFTABLES, 0, "x", 0, out, sizeof(out)), "");
	assert_string_equal(nfnames_chain(DROPMON_NF_NONE, 1, "fwd", 4, out, sizeof(out)), "fwd");
	assert_string_equal(nfnames_chain(DROPMON_NF_KIND_MAX, 1, "fwd", 4, out, sizeof(out)),
			    "fwd");
	memset(out, '#', sizeof(out));
	assert_ptr_equal(nfnames_chain(DROPMON_NF_NFTABLES, 0, "input", 6, out, 0), out);
	assert_int_equal(out[0], '#');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family),	       cmocka_unit_test(test_hook),
		cmocka_unit_test(test_kind),	       cmocka_unit_test(test_chain_legacy),
		cmocka_unit_test(test_chain_nftables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
