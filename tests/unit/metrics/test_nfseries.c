// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for nfseries: the netfilter rows of a snapshot rendered as
 * dropmon_netfilter_drops, exactly: named, summed where the names agree,
 * bounded where the kernel's names are not terminated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "counters.h"
#include "nfseries.h"

#define HEAD                                                                                       \
	"# HELP dropmon_netfilter_drops_total Packets netfilter dropped (reason NETFILTER_DROP), " \
	"by network namespace and the family, table, base chain and hook whose verdict dropped "   \
	"them; without them where no nftables or iptables-legacy chain decided (conntrack, "       \
	"defragmentation, other hooks).\n"                                                         \
	"# TYPE dropmon_netfilter_drops_total counter\n"

static struct nf_row row(uint32_t netns, uint8_t kind, uint8_t family, uint8_t hook,
			 const char *table, const char *chain, uint64_t packets)
{
	struct nf_row r;

	memset(&r, 0, sizeof(r));
	r.key.netns = netns;
	r.key.netns_id = netns * 7ull;
	r.key.kind = kind;
	r.key.family = family;
	r.key.hook = hook;
	memcpy(r.key.table, table, strnlen(table, sizeof(r.key.table)));
	memcpy(r.key.chain, chain, strnlen(chain, sizeof(r.key.chain)));
	r.value.packets = packets;
	r.value.bytes = packets * 100;
	return r;
}

static uint32_t gen(uint32_t netns, uint64_t netns_id, void *ctx)
{
	(void)ctx;
	return netns == 9 && netns_id == 63 ? 2 : 1;
}

static void render(struct nf_row *rows, size_t n, const char *want)
{
	struct counters_snapshot snap = { .nf = rows, .nnf = n };
	struct strbuf sb = STRBUF_INIT;
	struct expo e;

	expo_init(&e, &sb, EXPO_TEXT);
	assert_int_equal(nfseries_render(&e, &snap, gen, NULL), 0);
	expo_finish(&e);
	assert_int_equal(sb.err, 0);
	assert_string_equal(sb.buf, want);
	strbuf_free(&sb);
}

static void test_named_and_sorted(void **state)
{
	struct nf_row rows[] = {
		row(5, DROPMON_NF_NFTABLES, 1, 1, "filter", "input", 36),
		row(5, DROPMON_NF_IPTABLES, 2, 1, "filter", "", 23),
		row(5, DROPMON_NF_IP6TABLES, 10, 3, "mangle", "", 2),
		row(5, DROPMON_NF_NFTABLES, 5, 0, "dev", "ingress_chain", 4),
		row(5, DROPMON_NF_NONE, 0, 0, "", "", 3),
		row(9, DROPMON_NF_NFTABLES, 7, 2, "br", "fwd", 1),
	};

	(void)state;
	render(rows, 6,
	       HEAD "dropmon_netfilter_drops_total{netns=\"5\",family=\"\",table=\"\",chain=\"\","
		    "hook=\"\"} 3\n"
		    "dropmon_netfilter_drops_total{netns=\"5\",family=\"inet\",table=\"filter\","
		    "chain=\"input\",hook=\"input\"} 36\n"
		    "dropmon_netfilter_drops_total{netns=\"5\",family=\"ip\",table=\"filter\","
		    "chain=\"INPUT\",hook=\"input\"} 23\n"
		    "dropmon_netfilter_drops_total{netns=\"5\",family=\"ip6\",table=\"mangle\","
		    "chain=\"OUTPUT\",hook=\"output\"} 2\n"
		    "dropmon_netfilter_drops_total{netns=\"5\",family=\"netdev\",table=\"dev\","
		    "chain=\"ingress_chain\",hook=\"ingress\"} 4\n"
		    "dropmon_netfilter_drops_total{netns=\"9-2\",family=\"bridge\",table=\"br\","
		    "chain=\"fwd\",hook=\"forward\"} 1\n");
}

/* iptables-legacy's filter INPUT and iptables-nft's (an nftables table ip
 * filter with a base chain INPUT) are one series; the all-zero key put in
 * at load is not shown until something is counted in it. */
static void test_merged_and_zero_skipped(void **state)
{
	struct nf_row rows[] = {
		row(5, DROPMON_NF_IPTABLES, 2, 1, "filter", "", 20),
		row(0, DROPMON_NF_NONE, 0, 0, "", "", 0),
		row(5, DROPMON_NF_NFTABLES, 2, 1, "filter", "INPUT", 22),
	};

	(void)state;
	render(rows, 3,
	       HEAD "dropmon_netfilter_drops_total{netns=\"5\",family=\"ip\",table=\"filter\","
		    "chain=\"INPUT\",hook=\"input\"} 42\n");
	rows[1].value.packets = 6;
	render(rows, 3,
	       HEAD "dropmon_netfilter_drops_total{netns=\"\",family=\"\",table=\"\",chain=\"\","
		    "hook=\"\"} 6\n"
		    "dropmon_netfilter_drops_total{netns=\"5\",family=\"ip\",table=\"filter\","
		    "chain=\"INPUT\",hook=\"input\"} 42\n");
}

/* Kernel names fill the field without a terminator; odd numbers are shown
 * as numbers; quotes in a name are escaped. */
static void test_bounded(void **state)
{
	struct nf_row rows[] = { row(5, DROPMON_NF_NFTABLES, 42, 200, "t", "c", 1) };

	(void)state;
	memset(rows[0].key.table, 'a', sizeof(rows[0].key.table));
	memcpy(rows[0].key.chain, "x\"y", 4);
	render(rows, 1,
	       HEAD "dropmon_netfilter_drops_total{netns=\"5\",family=\"42\",table="
		    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",chain=\"x\\\"y\",hook=\"200\"} 1\n");
}

static void test_empty(void **state)
{
	(void)state;
	render(NULL, 0, HEAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_and_sorted),
		cmocka_unit_test(test_merged_and_zero_skipped),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
