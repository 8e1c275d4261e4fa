// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for evjson: exact output, round trips, hand-written and hostile
 * lines (every parse runs on an exactly-sized heap copy so ASan sees over-reads). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evjson.h"

#define BASE "{\"v\":1,\"time_ns\":1,\"reason\":\"R\""

/* Parses s[0..n) from a heap copy of exactly n bytes. */
static int parse_n(const char *s, size_t n, struct evrecord *r, const char **why)
{
	char *copy = malloc(n ? n : 1);
	int err;

	assert_non_null(copy);
	memcpy(copy, s, n);
	*why = NULL;
	err = evjson_parse(copy, n, r, why);
	free(copy);
	return err;
}

static int parse_str(const char *s, struct evrecord *r, const char **why)
{
	return parse_n(s, strlen(s), r, why);
}

static struct evrecord *rec_new(void)
{
	struct evrecord *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	return r;
}

static void expect_ok(const char *line, struct evrecord *r)
{
	const char *why;
	int err = parse_str(line, r, &why);

	if (err)
		fail_msg("%s: %s", line, why);
}

static void expect_error(const char *line, const char *want)
{
	struct evrecord *r = rec_new();
	const char *why = NULL;
	int err = parse_str(line, r, &why);

	if (err != -EINVAL)
		fail_msg("parsed, expected \"%s\": %s", want, line);
	assert_non_null(why);
	if (strcmp(why, want) != 0)
		fail_msg("got \"%s\", expected \"%s\": %s", why, want, line);
	free(r);
}

/* BASE, the extra members and the closing brace. */
static void expect_error_extra(const char *extra, const char *want)
{
	char line[2048];

	assert_true((size_t)snprintf(line, sizeof(line), "%s%s}", BASE, extra) < sizeof(line));
	expect_error(line, want);
}

static void expect_ok_extra(const char *extra, struct evrecord *r)
{
	char line[2048];

	assert_true((size_t)snprintf(line, sizeof(line), "%s%s}", BASE, extra) < sizeof(line));
	expect_ok(line, r);
}

static void fill_full(struct evrecord *r)
{
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->time_ns = UINT64_MAX;
	r->wall_ns = 1795674072123456789LL;
	r->cpu = 4095;
	r->pid = UINT32_MAX;
	r->tgid = 1;
	memcpy(r->comm, "a\"b\\c\nd\x01\x1f\xff\t/", 13);
	snprintf(r->reason, sizeof(r->reason), "subsys/%0*d", (int)sizeof(r->reason) - 8, 7);
	r->reason_code = 0x10002;
	r->location = 0xffffffff81c8a3afULL;
	memset(r->function, 'f', sizeof(r->function) - 1);
	r->nframes = DROPMON_STACK_DEPTH;
	for (i = 0; i < DROPMON_STACK_DEPTH; i++)
		snprintf(r->frames[i], sizeof(r->frames[i]), "frame_%u+0x%x [mod\\\"%u]", i, i * 3,
			 i);
	memset(r->frames[5], 'x', sizeof(r->frames[5]) - 1);
	r->ifindex = 7;
	r->rx_ifindex = UINT32_MAX;
	memcpy(r->dev, "\xc3\xa9th\x7f\b\f\r0123456", 15);
	r->netns = 4026532245U;
	r->len = 65535;
	r->frame_len = 65549;
	r->l3_proto = 0xffff;
	r->mac = true;
	r->caplen = DROPMON_PKT_BYTES;
	for (i = 0; i < DROPMON_PKT_BYTES; i++)
		r->packet[i] = (uint8_t)(i * 7 + 3);
	/* The longest names, with what JSON escapes and bytes >= 0x80. */
	r->nf_kind = DROPMON_NF_IP6TABLES;
	memset(r->nf_family, '9', sizeof(r->nf_family) - 1);
	memset(r->nf_hook, 'z', sizeof(r->nf_hook) - 1);
	memset(r->nf_table, 't', sizeof(r->nf_table) - 1);
	memcpy(r->nf_table, "a\"b\\c\xff\xc3\xa9 /", 10);
	memset(r->nf_chain, 'C', sizeof(r->nf_chain) - 1);
}

#define assert_field_equal(a, b, m) assert_memory_equal(&(a)->m, &(b)->m, sizeof((a)->m))

static void assert_records_equal(const struct evrecord *a, const struct evrecord *b)
{
	assert_field_equal(a, b, time_ns);
	assert_field_equal(a, b, wall_ns);
	assert_field_equal(a, b, cpu);
	assert_field_equal(a, b, pid);
	assert_field_equal(a, b, tgid);
	assert_field_equal(a, b, comm);
	assert_field_equal(a, b, reason);
	assert_field_equal(a, b, reason_code);
	assert_field_equal(a, b, location);
	assert_field_equal(a, b, function);
	assert_field_equal(a, b, nframes);
	assert_field_equal(a, b, frames);
	assert_field_equal(a, b, ifindex);
	assert_field_equal(a, b, rx_ifindex);
	assert_field_equal(a, b, dev);
	assert_field_equal(a, b, netns);
	assert_field_equal(a, b, len);
	assert_field_equal(a, b, frame_len);
	assert_field_equal(a, b, l3_proto);
	assert_field_equal(a, b, mac);
	assert_field_equal(a, b, caplen);
	assert_field_equal(a, b, packet);
	assert_field_equal(a, b, nf_kind);
	assert_field_equal(a, b, nf_family);
	assert_field_equal(a, b, nf_hook);
	assert_field_equal(a, b, nf_table);
	assert_field_equal(a, b, nf_chain);
	assert_field_equal(a, b, nf_rule.known);
	assert_field_equal(a, b, nf_rule.policy);
	assert_field_equal(a, b, nf_rule.family);
	assert_field_equal(a, b, nf_rule.table);
	assert_field_equal(a, b, nf_rule.chain);
	assert_field_equal(a, b, nf_rule.handle);
	assert_field_equal(a, b, nf_rule.text);
}

static void round_trip(const struct evrecord *in)
{
	struct strbuf sb = STRBUF_INIT;
	struct evrecord *out = rec_new();
	const char *why = NULL;

	assert_int_equal(evjson_write(&sb, in), 0);
	assert_true(sb.len > 0 && sb.buf[sb.len - 1] == '\n');
	assert_null(memchr(sb.buf, '\n', sb.len - 1));
	if (parse_n(sb.buf, sb.len, out, &why))
		fail_msg("%s: %s", sb.buf, why);
	assert_records_equal(in, out);
	/* without the '\n' as well */
	assert_int_equal(parse_n(sb.buf, sb.len - 1, out, &why), 0);
	assert_records_equal(in, out);
	strbuf_free(&sb);
	free(out);
}

static void test_round_trip(void **state)
{
	struct evrecord *r = rec_new();

	(void)state;
	fill_full(r);
	round_trip(r);

	r->wall_ns = -1; /* before the epoch: the fraction still counts up */
	r->mac = false;
	r->caplen = 1; /* bytes past caplen read back as zero */
	memset(r->packet + 1, 0, sizeof(r->packet) - 1);
	round_trip(r);
	r->wall_ns = INT64_MAX;
	round_trip(r);
	r->wall_ns = INT64_MIN;
	round_trip(r);

	memset(r, 0, sizeof(*r));
	round_trip(r);

	/* Each kind; the fewest bytes of names. */
	for (uint8_t k = DROPMON_NF_NFTABLES; k < DROPMON_NF_KIND_MAX; k++) {
		fill_full(r);
		r->nf_kind = k;
		round_trip(r);
		memset(r->nf_family, 0, sizeof(r->nf_family));
		memset(r->nf_hook, 0, sizeof(r->nf_hook));
		memset(r->nf_table, 0, sizeof(r->nf_table));
		memset(r->nf_chain, 0, sizeof(r->nf_chain));
		r->nf_family[0] = '0';
		r->nf_hook[0] = 'a';
		round_trip(r);
	}
	free(r);
}

static void test_exact_output(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct evrecord *r = rec_new();

	(void)state;
	r->time_ns = 4719317767760ULL;
	r->wall_ns = 1795674072123456789LL;
	r->pid = 17464;
	r->tgid = 17464;
	strcpy(r->comm, "dropgen");
	strcpy(r->reason, "NO_SOCKET");
	r->reason_code = 2;
	r->location = 0xffffffff81c8a3afULL;
	strcpy(r->function, "tcp_v6_rcv");
	r->nframes = 2;
	strcpy(r->frames[0], "sk_skb_reason_drop+0x90");
	strcpy(r->frames[1], "tcp_v6_rcv+0x34f");
	r->ifindex = 1;
	strcpy(r->dev, "lo");
	r->rx_ifindex = 1;
	r->netns = 4026532245U;
	r->len = 40;
	r->frame_len = 54;
	r->l3_proto = 34525;
	r->mac = true;
	r->caplen = 4;
	memcpy(r->packet, "\xde\xad\xbe\xef", 4);
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_string_equal(
	    sb.buf,
	    "{\"v\":1,\"time_ns\":4719317767760,\"wall_time\":\"2026-11-26T06:21:12.123456789Z\","
	    "\"cpu\":0,\"pid\":17464,\"tgid\":17464,\"comm\":\"dropgen\",\"reason\":\"NO_SOCKET\","
	    "\"reason_code\":2,\"location\":\"0xffffffff81c8a3af\",\"function\":\"tcp_v6_rcv\","
	    "\"stack\":[\"sk_skb_reason_drop+0x90\",\"tcp_v6_rcv+0x34f\"],\"ifindex\":1,"
	    "\"dev\":\"lo\",\"rx_ifindex\":1,\"netns\":4026532245,\"len\":40,\"frame_len\":54,"
	    "\"l3_proto\":34525,"
	    "\"packet_start\":\"mac\",\"packet\":\"deadbeef\"}\n");

	/* A verdict: its object after the stack. */
	strbuf_reset(&sb);
	strcpy(r->reason, "NETFILTER_DROP");
	r->reason_code = 8;
	r->nframes = 1;
	strcpy(r->frames[0], "nf_hook_slow+0x91");
	r->nf_kind = DROPMON_NF_NFTABLES;
	strcpy(r->nf_family, "inet");
	strcpy(r->nf_table, "filter");
	strcpy(r->nf_chain, "input");
	strcpy(r->nf_hook, "input");
	r->caplen = 0;
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_string_equal(
	    sb.buf,
	    "{\"v\":1,\"time_ns\":4719317767760,\"wall_time\":\"2026-11-26T06:21:12.123456789Z\","
	    "\"cpu\":0,\"pid\":17464,\"tgid\":17464,\"comm\":\"dropgen\","
	    "\"reason\":\"NETFILTER_DROP\",\"reason_code\":8,\"location\":\"0xffffffff81c8a3af\","
	    "\"function\":\"tcp_v6_rcv\",\"stack\":[\"nf_hook_slow+0x91\"],"
	    "\"netfilter\":{\"kind\":\"nftables\",\"family\":\"inet\",\"table\":\"filter\","
	    "\"chain\":\"input\",\"hook\":\"input\"},"
	    "\"ifindex\":1,\"dev\":\"lo\",\"rx_ifindex\":1,\"netns\":4026532245,\"len\":40,"
	    "\"frame_len\":54,\"l3_proto\":34525,\"packet_start\":\"mac\",\"packet\":\"\"}\n");
	/* The legacy kinds' words; a kind without a name is no verdict. */
	r->nf_kind = DROPMON_NF_IPTABLES;
	strbuf_reset(&sb);
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_non_null(strstr(sb.buf, ",\"netfilter\":{\"kind\":\"iptables-legacy\","));
	r->nf_kind = DROPMON_NF_IP6TABLES;
	strbuf_reset(&sb);
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_non_null(strstr(sb.buf, ",\"netfilter\":{\"kind\":\"ip6tables-legacy\","));
	r->nf_kind = DROPMON_NF_KIND_MAX;
	strbuf_reset(&sb);
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_null(strstr(sb.buf, "netfilter"));
	strbuf_reset(&sb);
	assert_int_equal(evjson_write(&sb, r), 0);

	/* Appends; no wall_time when unknown; escapes. */
	memset(r, 0, sizeof(*r));
	memcpy(r->comm, "q\"\\\n\r\t\b\f\x01\x1f\x80/", 12);
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_string_equal(
	    strchr(sb.buf, '\n') + 1,
	    "{\"v\":1,\"time_ns\":0,\"cpu\":0,\"pid\":0,\"tgid\":0,"
	    "\"comm\":\"q\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u001f\x80/\",\"reason\":\"\","
	    "\"reason_code\":0,\"location\":\"0x0\",\"function\":\"\",\"stack\":[],\"ifindex\":0,"
	    "\"dev\":\"\",\"rx_ifindex\":0,\"netns\":0,\"len\":0,\"frame_len\":0,\"l3_proto\":0,"
	    "\"packet_start\":\"network\",\"packet\":\"\"}\n");

	/* A full comm (no NUL) is written from its 16 bytes, never past them. */
	strbuf_reset(&sb);
	memset(r, 0, sizeof(*r));
	memset(r->comm, 'c', sizeof(r->comm));
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_non_null(strstr(sb.buf, "\"comm\":\"cccccccccccccccc\",\"reason\""));

	r->wall_ns = -1;
	strbuf_reset(&sb);
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_non_null(strstr(sb.buf, "\"wall_time\":\"1969-12-31T23:59:59.999999999Z\""));

	strbuf_free(&sb);
	free(r);
}

static void test_hand_written(void **state)
{
	struct evrecord *r = rec_new();

	(void)state;
	/* Whitespace anywhere, any order, \r\n ending. */
	expect_ok(" \t{ \"packet\" : \"0A0b\" ,\n\"reason\"\r:\t\"X\" , \"time_ns\" :5,"
		  "\"stack\" : [ \"a\" , \"b\" ] , \"packet_start\":\"network\" ,\"v\" : 1 ,"
		  "\"wall_time\":\"1970-01-01T00:00:01.5Z\", \"comm\" : \"\" } \r\n",
		  r);
	assert_int_equal(r->time_ns, 5);
	assert_string_equal(r->reason, "X");
	assert_int_equal(r->reason_code, 0);
	assert_int_equal(r->caplen, 2);
	assert_memory_equal(r->packet, "\x0a\x0b", 2);
	assert_false(r->mac);
	assert_int_equal(r->nframes, 2);
	assert_string_equal(r->frames[1], "b");
	assert_int_equal(r->wall_ns, 1500000000);

	/* Unknown fields of every type, nested, are skipped; newer version. */
	expect_ok("{\"v\":2,\"x1\":null,\"x2\":true,\"x3\":false,\"x4\":-1.5e+10,\"x5\":0,"
		  "\"x6\":\"s\\u00e9\\\"\",\"x7\":[1,[2,{\"a\":[]}],{}],"
		  "\"x8\":{\"b\":{\"c\":[{\"d\":null}]},\"e\":[]},\"x9\":[],\"x10\":{},"
		  "\"time_ns\":9,\"pid\":4294967295,\"reason\":\"Y\",\"x11\":-0.0E-3}",
		  r);
	assert_int_equal(r->time_ns, 9);
	assert_int_equal(r->pid, UINT32_MAX);
	assert_string_equal(r->reason, "Y");

	/* \u escapes, a surrogate pair included, become UTF-8; keys may be escaped. */
	expect_ok_extra(",\"dev\":\"\\u0041\\u00e9\\ud83d\\ude00\\/\",\"\\u0063omm\":\"\\u20ac\"",
			r);
	assert_string_equal(r->dev, "A\xc3\xa9\xf0\x9f\x98\x80/");
	assert_string_equal(r->comm, "\xe2\x82\xac");

	/* Duplicates: the last wins, whole (no bytes left from the first). */
	expect_ok_extra(
	    ",\"comm\":\"longer name\",\"comm\":\"ab\",\"stack\":[\"x\",\"y\"],"
	    "\"stack\":[\"z\"],\"packet_start\":\"mac\",\"packet\":\"ffff\",\"packet\":\"01\"",
	    r);
	assert_memory_equal(r->comm, "ab\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(r->nframes, 1);
	assert_string_equal(r->frames[0], "z");
	assert_int_equal(r->frames[1][0], 0);
	assert_int_equal(r->caplen, 1);
	assert_memory_equal(r->packet, "\x01\0", 2);
	assert_true(r->mac);

	/* reason_code alone names the reason by number. */
	expect_ok("{\"v\":1,\"time_ns\":0,\"reason_code\":77}", r);
	assert_string_equal(r->reason, "77");
	assert_int_equal(r->reason_code, 77);

	/* Longest strings that fit; limits of integers; packet_start alone. */
	expect_ok_extra(",\"comm\":\"123456789012345\",\"dev\":\"abcdefghijklmno\","
			"\"time_ns\":18446744073709551615,\"l3_proto\":65535,"
			"\"location\":\"0XFFFFFFFFFFFFFFFF\",\"packet_start\":\"mac\"",
			r);
	assert_int_equal(r->time_ns, UINT64_MAX);
	assert_int_equal(r->l3_proto, 65535);
	assert_int_equal(r->location, UINT64_MAX);
	assert_int_equal(r->caplen, 0);
	expect_ok_extra(",\"location\":\"0x00000000000000000001\"", r);
	assert_int_equal(r->location, 1);

	/* The full 256 bytes of packet; 32 frames. */
	{
		char extra[1024];
		size_t n = (size_t)snprintf(extra, sizeof(extra),
					    ",\"packet_start\":\"mac\",\"packet\":\"");
		int i;

		for (i = 0; i < DROPMON_PKT_BYTES; i++)
			n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%02X", i);
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "\",\"stack\":[");
		for (i = 0; i < DROPMON_STACK_DEPTH; i++)
			n += (size_t)snprintf(extra + n, sizeof(extra) - n, "%s\"f%d\"",
					      i ? "," : "", i);
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "]");
		assert_true(n < sizeof(extra));
		expect_ok_extra(extra, r);
		assert_int_equal(r->caplen, DROPMON_PKT_BYTES);
		assert_int_equal(r->packet[255], 255);
		assert_int_equal(r->nframes, DROPMON_STACK_DEPTH);
		assert_string_equal(r->frames[31], "f31");
	}

	/* Dates around the edges and leap days. */
	expect_ok_extra(",\"wall_time\":\"2024-02-29T23:59:59.000000001Z\"", r);
	expect_ok_extra(",\"wall_time\":\"2262-04-11T23:47:16.854775807Z\"", r);
	assert_int_equal(r->wall_ns, INT64_MAX);
	expect_ok_extra(",\"wall_time\":\"1677-09-21T00:12:43.145224192Z\"", r);
	assert_int_equal(r->wall_ns, INT64_MIN);
	free(r);
}

#define NF_OK "\"kind\":\"nftables\",\"family\":\"inet\",\"table\":\"filter\","
#define NF_OK_CHAIN "\"chain\":\"input\",\"hook\":\"input\""

/* The netfilter object as other tools may write it: any order, spacing,
 * escapes, unknown members of any type; bounds of each name. Files without
 * it have no verdict. */
static void test_netfilter(void **state)
{
	struct evrecord *r = rec_new();
	char s[512];

	(void)state;
	expect_ok_extra(",\"netfilter\":{" NF_OK NF_OK_CHAIN "}", r);
	assert_int_equal(r->nf_kind, DROPMON_NF_NFTABLES);
	assert_string_equal(r->nf_family, "inet");
	assert_string_equal(r->nf_table, "filter");
	assert_string_equal(r->nf_chain, "input");
	assert_string_equal(r->nf_hook, "input");

	expect_ok_extra(",\"netfilter\" : { \"hook\":\"prerouting\", \"x\":{\"y\":[1,null]},"
			"\"chain\":\"PREROUTING\",\"t\\u0061ble\":\"r\\u0061w\\u00e9\","
			"\"family\":\"ip6\",\"kind\":\"ip6tables-legacy\",\"z\":1.5 }",
			r);
	assert_int_equal(r->nf_kind, DROPMON_NF_IP6TABLES);
	assert_string_equal(r->nf_family, "ip6");
	assert_string_equal(r->nf_table, "raw\xc3\xa9");
	assert_string_equal(r->nf_chain, "PREROUTING");
	assert_string_equal(r->nf_hook, "prerouting");

	/* Numbers for unnamed families and hooks; names nfnames.h may gain;
	 * empty table and chain; spaces, quotes, bytes >= 0x80 in names. */
	expect_ok_extra(",\"netfilter\":{\"kind\":\"iptables-legacy\",\"family\":\"255\","
			"\"table\":\"\",\"chain\":\"\",\"hook\":\"newhook2\"}",
			r);
	assert_int_equal(r->nf_kind, DROPMON_NF_IPTABLES);
	assert_string_equal(r->nf_family, "255");
	assert_string_equal(r->nf_table, "");
	assert_string_equal(r->nf_chain, "");
	assert_string_equal(r->nf_hook, "newhook2");
	expect_ok_extra(
	    ",\"netfilter\":{" NF_OK "\"chain\":\"a b\\\"\\\\\xff\",\"hook\":\"input\"}", r);
	assert_string_equal(r->nf_chain, "a b\"\\\xff");

	/* The longest names that fit. */
	snprintf(s, sizeof(s),
		 ",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"%0*d\",\"table\":\"%0*d\","
		 "\"chain\":\"%0*d\",\"hook\":\"%0*d\"}",
		 NFNAMES_SIZE - 1, 1, DROPMON_NF_NAMSIZ - 1, 2, DROPMON_NF_NAMSIZ - 1, 3,
		 NFNAMES_SIZE - 1, 4);
	expect_ok_extra(s, r);
	assert_int_equal(strlen(r->nf_family), NFNAMES_SIZE - 1);
	assert_int_equal(strlen(r->nf_table), DROPMON_NF_NAMSIZ - 1);
	assert_int_equal(strlen(r->nf_chain), DROPMON_NF_NAMSIZ - 1);
	assert_int_equal(strlen(r->nf_hook), NFNAMES_SIZE - 1);

	/* Duplicates: the last object wins, whole. */
	expect_ok_extra(
	    ",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"bridge\","
	    "\"table\":\"long table name\",\"chain\":\"long chain name\","
	    "\"hook\":\"postrouting\"},\"netfilter\":{\"kind\":\"iptables-legacy\","
	    "\"family\":\"ip\",\"table\":\"nat\",\"chain\":\"OUTPUT\",\"hook\":\"output\"}",
	    r);
	assert_int_equal(r->nf_kind, DROPMON_NF_IPTABLES);
	assert_memory_equal(r->nf_family, "ip\0\0\0\0\0\0\0\0\0\0\0\0\0\0", NFNAMES_SIZE);
	assert_memory_equal(r->nf_table, "nat\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_memory_equal(r->nf_chain, "OUTPUT\0\0\0\0\0\0\0\0\0\0", 16);

	/* Older files, and lines of events without a verdict. */
	expect_ok_extra("", r);
	assert_int_equal(r->nf_kind, DROPMON_NF_NONE);
	assert_string_equal(r->nf_table, "");
	expect_ok("{\"v\":1,\"time_ns\":1,\"reason\":\"NETFILTER_DROP\",\"reason_code\":8,"
		  "\"stack\":[],\"ifindex\":0}",
		  r);
	assert_int_equal(r->nf_kind, DROPMON_NF_NONE);
	free(r);
}

/* Each way the netfilter object can be wrong, with its reason. */
static void test_netfilter_errors(void **state)
{
	char s[512];

	(void)state;
	expect_error_extra(",\"netfilter\":null", "field \"netfilter\" has the wrong type");
	expect_error_extra(",\"netfilter\":\"nftables\"", "field \"netfilter\" has the wrong type");
	expect_error_extra(",\"netfilter\":[]", "field \"netfilter\" has the wrong type");
	expect_error_extra(",\"netfilter\":1", "field \"netfilter\" has the wrong type");

	/* kind */
	expect_error_extra(",\"netfilter\":{}", "missing field \"netfilter.kind\"");
	expect_error_extra(",\"netfilter\":{\"family\":\"inet\",\"table\":\"filter\"," NF_OK_CHAIN
			   "}",
			   "missing field \"netfilter.kind\"");
	expect_error_extra(",\"netfilter\":{\"kind\":1}",
			   "field \"netfilter.kind\" has the wrong type");
	expect_error_extra(",\"netfilter\":{\"kind\":null}",
			   "field \"netfilter.kind\" has the wrong type");
	expect_error_extra(",\"netfilter\":{\"kind\":\"\"}", "unknown netfilter.kind");
	expect_error_extra(",\"netfilter\":{\"kind\":\"iptables\"}", "unknown netfilter.kind");
	expect_error_extra(",\"netfilter\":{\"kind\":\"NFTABLES\"}", "unknown netfilter.kind");
	expect_error_extra(",\"netfilter\":{\"kind\":\"nftables \"}", "unknown netfilter.kind");
	expect_error_extra(",\"netfilter\":{\"kind\":\"ebtables\"}", "unknown netfilter.kind");
	expect_error_extra(",\"netfilter\":{\"kind\":\"nftables\\u0000\"}", "bad string escape");

	/* every member there */
	expect_error_extra(",\"netfilter\":{\"kind\":\"nftables\",\"table\":\"filter\"," NF_OK_CHAIN
			   "}",
			   "missing field \"netfilter.family\"");
	expect_error_extra(",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"inet\"," NF_OK_CHAIN
			   "}",
			   "missing field \"netfilter.table\"");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"hook\":\"input\"}",
			   "missing field \"netfilter.chain\"");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":\"input\"}",
			   "missing field \"netfilter.hook\"");

	/* types */
	expect_error_extra(
	    ",\"netfilter\":{\"kind\":\"nftables\",\"family\":1,\"table\":\"f\"," NF_OK_CHAIN "}",
	    "field \"netfilter.family\" has the wrong type");
	expect_error_extra(
	    ",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"inet\",\"table\":[]," NF_OK_CHAIN
	    "}",
	    "field \"netfilter.table\" has the wrong type");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":null,\"hook\":\"input\"}",
			   "field \"netfilter.chain\" has the wrong type");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":\"input\",\"hook\":1}",
			   "field \"netfilter.hook\" has the wrong type");

	/* family and hook: a name or a number, lowercase, not empty */
	expect_error_extra(
	    ",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"\",\"table\":\"f\"," NF_OK_CHAIN
	    "}",
	    "bad netfilter.family");
	expect_error_extra(
	    ",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"INET\",\"table\":\"f\"," NF_OK_CHAIN
	    "}",
	    "bad netfilter.family");
	expect_error_extra(",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"in et\","
			   "\"table\":\"f\"," NF_OK_CHAIN "}",
			   "bad netfilter.family");
	expect_error_extra(
	    ",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"-1\",\"table\":\"f\"," NF_OK_CHAIN
	    "}",
	    "bad netfilter.family");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":\"input\",\"hook\":\"\"}",
			   "bad netfilter.hook");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":\"input\",\"hook\":\"in\\nput\"}",
			   "bad netfilter.hook");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":\"input\",\"hook\":\"\xc3\xa9\"}",
			   "bad netfilter.hook");

	/* table and chain: no control characters, raw or escaped */
	expect_error_extra(",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"inet\","
			   "\"table\":\"a\\u001b[2J\"," NF_OK_CHAIN "}",
			   "control character in netfilter.table");
	expect_error_extra(",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"inet\","
			   "\"table\":\"a\tb\"," NF_OK_CHAIN "}",
			   "control character in netfilter.table");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":\"in\\u007f\",\"hook\":\"input\"}",
			   "control character in netfilter.chain");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":\"\\n\",\"hook\":\"input\"}",
			   "control character in netfilter.chain");
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":\"a\\u0000\",\"hook\":\"input\"}",
			   "bad string escape");

	/* too long, by one byte */
	snprintf(
	    s, sizeof(s),
	    ",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"%0*d\",\"table\":\"f\"," NF_OK_CHAIN
	    "}",
	    NFNAMES_SIZE, 1);
	expect_error_extra(s, "field \"netfilter.family\" too long");
	snprintf(s, sizeof(s),
		 ",\"netfilter\":{\"kind\":\"nftables\",\"family\":\"inet\",\"table\":\"%0*"
		 "d\"," NF_OK_CHAIN "}",
		 DROPMON_NF_NAMSIZ, 2);
	expect_error_extra(s, "field \"netfilter.table\" too long");
	snprintf(s, sizeof(s), ",\"netfilter\":{" NF_OK "\"chain\":\"%0*d\",\"hook\":\"input\"}",
		 DROPMON_NF_NAMSIZ, 3);
	expect_error_extra(s, "field \"netfilter.chain\" too long");
	snprintf(s, sizeof(s), ",\"netfilter\":{" NF_OK "\"chain\":\"input\",\"hook\":\"%0*d\"}",
		 NFNAMES_SIZE, 4);
	expect_error_extra(s, "field \"netfilter.hook\" too long");
	/* 16 two-byte characters are 32 bytes: too long. */
	expect_error_extra(",\"netfilter\":{" NF_OK "\"chain\":\""
			   "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
			   "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\","
			   "\"hook\":\"input\"}",
			   "field \"netfilter.chain\" too long");

	/* Duplicates: the last object is checked. */
	expect_error_extra(",\"netfilter\":{" NF_OK NF_OK_CHAIN "},\"netfilter\":{}",
			   "missing field \"netfilter.kind\"");
}

/* The longest rule a record holds, with what JSON escapes and bytes >=
 * 0x80; a handle or the policy as asked. */
static void fill_rule(struct evrecord *r, bool policy, uint64_t handle)
{
	struct evrecord_nfrule *nr = &r->nf_rule;

	memset(nr, 0, sizeof(*nr));
	nr->known = true;
	nr->policy = policy;
	nr->handle = handle;
	memset(nr->family, 'a', sizeof(nr->family) - 1);
	memset(nr->table, 't', sizeof(nr->table) - 1);
	memcpy(nr->table, "a\"b\\c\xff\xc3\xa9 /", 10);
	memset(nr->chain, 'c', sizeof(nr->chain) - 1);
	memset(nr->text, 'x', sizeof(nr->text) - 1);
	memcpy(nr->text, "ip saddr \"q\\\" drop # handle 4 \xc3\xa9",
	       sizeof("ip saddr \"q\\\" drop # handle 4 \xc3\xa9") - 1);
}

/* Both forms through the writer and back: the record the same, why never
 * written; the exact bytes of each, after "netfilter". */
static void test_netfilter_rule_round_trip(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct evrecord *r = rec_new(), *back = rec_new();
	const char *why;

	(void)state;
	fill_full(r);
	fill_rule(r, false, 1);
	round_trip(r);
	fill_rule(r, false, INT64_MAX);
	round_trip(r);
	fill_rule(r, true, 0);
	round_trip(r);
	/* The fewest bytes; no verdict but a rule. */
	memset(r, 0, sizeof(*r));
	r->nf_rule.known = true;
	r->nf_rule.family[0] = '0';
	r->nf_rule.table[0] = 'T';
	r->nf_rule.chain[0] = 'C';
	r->nf_rule.handle = 2;
	round_trip(r);
	r->nf_rule.policy = true;
	r->nf_rule.handle = 0;
	round_trip(r);

	/* Exact: a rule with its text, after the verdict's object. */
	memset(r, 0, sizeof(*r));
	r->time_ns = 5;
	snprintf(r->reason, sizeof(r->reason), "NETFILTER_DROP");
	r->nf_kind = DROPMON_NF_NFTABLES;
	strcpy(r->nf_family, "inet");
	strcpy(r->nf_table, "dm_filter");
	strcpy(r->nf_chain, "input");
	strcpy(r->nf_hook, "input");
	r->nf_rule.known = true;
	strcpy(r->nf_rule.family, "inet");
	strcpy(r->nf_rule.table, "dm_filter");
	strcpy(r->nf_rule.chain, "deny");
	r->nf_rule.handle = 4;
	strcpy(r->nf_rule.text, "udp dport 5000 drop # handle 4");
	r->nf_rule.why = "never written";
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_string_equal(
	    sb.buf,
	    "{\"v\":1,\"time_ns\":5,\"cpu\":0,\"pid\":0,\"tgid\":0,\"comm\":\"\","
	    "\"reason\":\"NETFILTER_DROP\",\"reason_code\":0,\"location\":\"0x0\","
	    "\"function\":\"\",\"stack\":[],"
	    "\"netfilter\":{\"kind\":\"nftables\",\"family\":\"inet\","
	    "\"table\":\"dm_filter\",\"chain\":\"input\",\"hook\":\"input\"},"
	    "\"netfilter_rule\":{\"family\":\"inet\",\"table\":\"dm_filter\","
	    "\"chain\":\"deny\",\"handle\":4,\"text\":\"udp dport 5000 drop # handle 4\"},"
	    "\"ifindex\":0,\"dev\":\"\",\"rx_ifindex\":0,\"netns\":0,\"len\":0,"
	    "\"frame_len\":0,\"l3_proto\":0,\"packet_start\":\"network\",\"packet\":\"\"}\n");
	assert_int_equal(parse_n(sb.buf, sb.len, back, &why), 0);
	assert_true(back->nf_rule.known);
	assert_false(back->nf_rule.policy);
	assert_string_equal(back->nf_rule.family, "inet");
	assert_string_equal(back->nf_rule.table, "dm_filter");
	assert_string_equal(back->nf_rule.chain, "deny");
	assert_int_equal(back->nf_rule.handle, 4);
	assert_string_equal(back->nf_rule.text, "udp dport 5000 drop # handle 4");
	assert_null(back->nf_rule.why);

	/* Exact: the policy, without text. */
	strbuf_reset(&sb);
	strcpy(r->nf_rule.family, "ip");
	strcpy(r->nf_rule.table, "dm_policy");
	strcpy(r->nf_rule.chain, "in_policy");
	r->nf_rule.policy = true;
	r->nf_rule.text[0] = '\0';
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_non_null(strstr(sb.buf, "\"hook\":\"input\"},\"netfilter_rule\":{\"family\":\"ip\","
				       "\"table\":\"dm_policy\",\"chain\":\"in_policy\","
				       "\"policy\":true},\"ifindex\":0,"));
	assert_null(strstr(sb.buf, "handle"));
	assert_null(strstr(sb.buf, "never"));
	assert_int_equal(parse_n(sb.buf, sb.len, back, &why), 0);
	assert_true(back->nf_rule.known);
	assert_true(back->nf_rule.policy);
	assert_int_equal(back->nf_rule.handle, 0);
	assert_string_equal(back->nf_rule.chain, "in_policy");
	assert_string_equal(back->nf_rule.text, "");

	/* Not known (why or not): no key, and nothing reads back. */
	strbuf_reset(&sb);
	r->nf_rule.known = false;
	assert_int_equal(evjson_write(&sb, r), 0);
	assert_null(strstr(sb.buf, "netfilter_rule"));
	assert_int_equal(parse_n(sb.buf, sb.len, back, &why), 0);
	assert_false(back->nf_rule.known);
	assert_null(back->nf_rule.why);
	strbuf_free(&sb);
	free(r);
	free(back);
}

#define NR_NAMES "\"family\":\"inet\",\"table\":\"dm_filter\",\"chain\":\"deny\""
#define NR(members) ",\"netfilter_rule\":{" members "}"

/* What other tools may write that means the same: any order, spacing,
 * escapes, the bounds of each member; an empty text as none. */
static void test_netfilter_rule(void **state)
{
	struct evrecord *r = rec_new();
	char s[1200];

	(void)state;
	expect_ok_extra(NR(NR_NAMES ",\"handle\":4,\"text\":\"udp dport 5000 drop # handle 4\""),
			r);
	assert_true(r->nf_rule.known);
	assert_false(r->nf_rule.policy);
	assert_string_equal(r->nf_rule.family, "inet");
	assert_string_equal(r->nf_rule.table, "dm_filter");
	assert_string_equal(r->nf_rule.chain, "deny");
	assert_int_equal(r->nf_rule.handle, 4);
	assert_string_equal(r->nf_rule.text, "udp dport 5000 drop # handle 4");
	/* Members it does not know are skipped, whatever their value (as in
	 * "netfilter"): a later version may add some; why is never read. */
	expect_ok_extra(NR(NR_NAMES ",\"handle\":4,\"why\":\"x\",\"verdict\":{\"a\":[1]},"
				    "\"known\":false"),
			r);
	assert_true(r->nf_rule.known);
	assert_int_equal(r->nf_rule.handle, 4);
	assert_null(r->nf_rule.why);
	assert_string_equal(r->nf_rule.text, "");
	expect_ok_extra(NR(NR_NAMES ",\"handle\":4,\"text\":\"udp dport 5000 drop # handle 4\""),
			r);
	/* The netfilter object is not needed, nor is it touched. */
	assert_int_equal(r->nf_kind, DROPMON_NF_NONE);

	expect_ok_extra(" , \"netfilter_rule\" : { \"policy\" : true , \"chain\":\"in\\u00e9\","
			"\"table\":\"p \\\"q\\\"\",\"family\":\"255\" }",
			r);
	assert_true(r->nf_rule.known);
	assert_true(r->nf_rule.policy);
	assert_int_equal(r->nf_rule.handle, 0);
	assert_string_equal(r->nf_rule.family, "255");
	assert_string_equal(r->nf_rule.table, "p \"q\"");
	assert_string_equal(r->nf_rule.chain, "in\xc3\xa9");
	assert_string_equal(r->nf_rule.text, "");

	expect_ok_extra(NR(NR_NAMES ",\"handle\":9223372036854775807,\"text\":\"\""), r);
	assert_int_equal(r->nf_rule.handle, INT64_MAX);
	assert_string_equal(r->nf_rule.text, "");
	assert_true(r->nf_rule.known);

	/* The longest of each. */
	snprintf(s, sizeof(s),
		 NR("\"family\":\"%0*d\",\"table\":\"%0*d\",\"chain\":\"%0*d\",\"handle\":1,"
		    "\"text\":\"%0*d\""),
		 NFNAMES_SIZE - 1, 1, EVRECORD_NFT_NAMSIZ - 1, 2, EVRECORD_NFT_NAMSIZ - 1, 3,
		 EVRECORD_NFT_TEXT - 1, 4);
	expect_ok_extra(s, r);
	assert_int_equal(strlen(r->nf_rule.family), NFNAMES_SIZE - 1);
	assert_int_equal(strlen(r->nf_rule.table), EVRECORD_NFT_NAMSIZ - 1);
	assert_int_equal(strlen(r->nf_rule.chain), EVRECORD_NFT_NAMSIZ - 1);
	assert_int_equal(strlen(r->nf_rule.text), EVRECORD_NFT_TEXT - 1);

	/* Duplicates: the last object wins, whole. */
	expect_ok_extra(NR(NR_NAMES ",\"handle\":4,\"text\":\"x\"")
			    NR("\"family\":\"ip\",\"table\":\"t\",\"chain\":\"c\",\"policy\":true"),
			r);
	assert_true(r->nf_rule.policy);
	assert_int_equal(r->nf_rule.handle, 0);
	assert_memory_equal(r->nf_rule.family, "ip\0\0\0\0\0\0\0\0\0\0\0\0\0\0", NFNAMES_SIZE);
	assert_string_equal(r->nf_rule.text, "");

	/* Absent: not known. */
	expect_ok_extra("", r);
	assert_false(r->nf_rule.known);
	free(r);
}

/* Each way the rule's object can be wrong, with its reason. */
static void test_netfilter_rule_errors(void **state)
{
	char s[1200];

	(void)state;
	/* Not an object. */
	expect_error_extra(",\"netfilter_rule\":null",
			   "field \"netfilter_rule\" has the wrong type");
	expect_error_extra(",\"netfilter_rule\":[]", "field \"netfilter_rule\" has the wrong type");
	expect_error_extra(",\"netfilter_rule\":\"x\"",
			   "field \"netfilter_rule\" has the wrong type");
	expect_error_extra(",\"netfilter_rule\":true",
			   "field \"netfilter_rule\" has the wrong type");

	/* Names missing, of the wrong type, empty, too long, with controls. */
	expect_error_extra(NR(""), "missing field \"netfilter_rule.family\"");
	expect_error_extra(NR("\"table\":\"t\",\"chain\":\"c\",\"handle\":1"),
			   "missing field \"netfilter_rule.family\"");
	expect_error_extra(NR("\"family\":\"ip\",\"chain\":\"c\",\"handle\":1"),
			   "missing field \"netfilter_rule.table\"");
	expect_error_extra(NR("\"family\":\"ip\",\"table\":\"t\",\"handle\":1"),
			   "missing field \"netfilter_rule.chain\"");
	expect_error_extra(NR("\"family\":2,\"table\":\"t\",\"chain\":\"c\",\"handle\":1"),
			   "field \"netfilter_rule.family\" has the wrong type");
	expect_error_extra(NR("\"family\":null,\"table\":\"t\",\"chain\":\"c\",\"handle\":1"),
			   "field \"netfilter_rule.family\" has the wrong type");
	expect_error_extra(NR("\"family\":\"ip\",\"table\":[],\"chain\":\"c\",\"handle\":1"),
			   "field \"netfilter_rule.table\" has the wrong type");
	expect_error_extra(NR("\"family\":\"ip\",\"table\":\"t\",\"chain\":{},\"handle\":1"),
			   "field \"netfilter_rule.chain\" has the wrong type");
	/* family: a token of nfnames.h's shape, as netfilter.family */
	expect_error_extra(NR("\"family\":\"\",\"table\":\"t\",\"chain\":\"c\",\"handle\":1"),
			   "bad netfilter_rule.family");
	expect_error_extra(NR("\"family\":\"INET\",\"table\":\"t\",\"chain\":\"c\",\"handle\":1"),
			   "bad netfilter_rule.family");
	expect_error_extra(NR("\"family\":\"in et\",\"table\":\"t\",\"chain\":\"c\",\"handle\":1"),
			   "bad netfilter_rule.family");
	expect_error_extra(NR("\"family\":\"-1\",\"table\":\"t\",\"chain\":\"c\",\"handle\":1"),
			   "bad netfilter_rule.family");
	expect_error_extra(
	    NR("\"family\":\"\\u00e9\",\"table\":\"t\",\"chain\":\"c\",\"handle\":1"),
	    "bad netfilter_rule.family");
	snprintf(s, sizeof(s),
		 NR("\"family\":\"%0*d\",\"table\":\"t\",\"chain\":\"c\",\"handle\":1"),
		 NFNAMES_SIZE, 1);
	expect_error_extra(s, "field \"netfilter_rule.family\" too long");
	/* table and chain */
	expect_error_extra(NR("\"family\":\"ip\",\"table\":\"\",\"chain\":\"c\",\"handle\":1"),
			   "empty netfilter_rule.table");
	expect_error_extra(NR("\"family\":\"ip\",\"table\":\"t\",\"chain\":\"\",\"handle\":1"),
			   "empty netfilter_rule.chain");
	expect_error_extra(
	    NR("\"family\":\"ip\",\"table\":\"\\u001b[2J\",\"chain\":\"c\",\"handle\":1"),
	    "control character in netfilter_rule.table");
	expect_error_extra(NR("\"family\":\"ip\",\"table\":\"t\",\"chain\":\"a\\nb\",\"handle\":1"),
			   "control character in netfilter_rule.chain");
	expect_error_extra(
	    NR("\"family\":\"ip\",\"table\":\"t\",\"chain\":\"\\u007f\",\"handle\":1"),
	    "control character in netfilter_rule.chain");
	expect_error_extra(
	    NR("\"family\":\"ip\",\"table\":\"t\",\"chain\":\"a\\u0000\",\"handle\":1"),
	    "bad string escape");
	snprintf(s, sizeof(s),
		 NR("\"family\":\"ip\",\"table\":\"%0*d\",\"chain\":\"c\",\"handle\":1"),
		 EVRECORD_NFT_NAMSIZ, 1);
	expect_error_extra(s, "field \"netfilter_rule.table\" too long");
	snprintf(s, sizeof(s),
		 NR("\"family\":\"ip\",\"table\":\"t\",\"chain\":\"%0*d\",\"handle\":1"),
		 EVRECORD_NFT_NAMSIZ, 1);
	expect_error_extra(s, "field \"netfilter_rule.chain\" too long");

	/* Exactly one of policy (true) and a handle in [1, 2^63 - 1]. */
	expect_error_extra(NR(NR_NAMES), "netfilter_rule has neither a handle nor policy");
	expect_error_extra(NR(NR_NAMES ",\"text\":\"drop\""),
			   "netfilter_rule has neither a handle nor policy");
	expect_error_extra(NR(NR_NAMES ",\"handle\":4,\"policy\":true"),
			   "netfilter_rule has both a handle and policy");
	expect_error_extra(NR(NR_NAMES ",\"policy\":false,\"handle\":4"),
			   "netfilter_rule has both a handle and policy");
	expect_error_extra(NR(NR_NAMES ",\"handle\":null,\"policy\":true"),
			   "netfilter_rule has both a handle and policy");
	expect_error_extra(NR(NR_NAMES ",\"policy\":false"),
			   "netfilter_rule.policy is false (only true is written)");
	expect_error_extra(NR(NR_NAMES ",\"policy\":1"),
			   "field \"netfilter_rule.policy\" has the wrong type");
	expect_error_extra(NR(NR_NAMES ",\"policy\":\"true\""),
			   "field \"netfilter_rule.policy\" has the wrong type");
	expect_error_extra(NR(NR_NAMES ",\"policy\":null"),
			   "field \"netfilter_rule.policy\" has the wrong type");
	expect_error_extra(NR(NR_NAMES ",\"handle\":0"),
			   "field \"netfilter_rule.handle\" out of range");
	expect_error_extra(NR(NR_NAMES ",\"handle\":-1"),
			   "field \"netfilter_rule.handle\" out of range");
	expect_error_extra(NR(NR_NAMES ",\"handle\":-0"),
			   "field \"netfilter_rule.handle\" out of range");
	expect_error_extra(NR(NR_NAMES ",\"handle\":9223372036854775808"),
			   "field \"netfilter_rule.handle\" out of range");
	expect_error_extra(NR(NR_NAMES ",\"handle\":18446744073709551615"),
			   "field \"netfilter_rule.handle\" out of range");
	expect_error_extra(NR(NR_NAMES ",\"handle\":18446744073709551616"),
			   "field \"netfilter_rule.handle\" out of range");
	expect_error_extra(NR(NR_NAMES ",\"handle\":4.0"),
			   "field \"netfilter_rule.handle\" is not an integer");
	expect_error_extra(NR(NR_NAMES ",\"handle\":4e0"),
			   "field \"netfilter_rule.handle\" is not an integer");
	expect_error_extra(NR(NR_NAMES ",\"handle\":\"4\""),
			   "field \"netfilter_rule.handle\" has the wrong type");
	expect_error_extra(NR(NR_NAMES ",\"handle\":null"),
			   "field \"netfilter_rule.handle\" has the wrong type");
	expect_error_extra(NR(NR_NAMES ",\"handle\":true"),
			   "field \"netfilter_rule.handle\" has the wrong type");

	/* text */
	expect_error_extra(NR(NR_NAMES ",\"handle\":4,\"text\":4"),
			   "field \"netfilter_rule.text\" has the wrong type");
	expect_error_extra(NR(NR_NAMES ",\"handle\":4,\"text\":null"),
			   "field \"netfilter_rule.text\" has the wrong type");
	expect_error_extra(NR(NR_NAMES ",\"handle\":4,\"text\":\"drop\\r\""),
			   "control character in netfilter_rule.text");
	expect_error_extra(NR(NR_NAMES ",\"policy\":true,\"text\":\"\\u001b]0;x\\u0007\""),
			   "control character in netfilter_rule.text");
	snprintf(s, sizeof(s), NR(NR_NAMES ",\"handle\":4,\"text\":\"%0*d\""), EVRECORD_NFT_TEXT,
		 1);
	expect_error_extra(s, "field \"netfilter_rule.text\" too long");

	/* Duplicates: the last object is checked. */
	expect_error_extra(NR(NR_NAMES ",\"handle\":4") NR(NR_NAMES),
			   "netfilter_rule has neither a handle nor policy");
}

/* Files written before frame_len: it is derived, as those versions did
 * for pcap (an Ethernet header in front of a receive drop's skb->len),
 * and never below the bytes captured. */
static void test_frame_len_of_old_files(void **state)
{
	struct evrecord *r = rec_new();

	(void)state;
	expect_ok("{\"v\":1,\"time_ns\":1,\"reason\":\"X\",\"len\":40,"
		  "\"packet_start\":\"mac\",\"packet\":\"00\"}",
		  r);
	assert_int_equal(r->frame_len, 54);
	expect_ok("{\"v\":1,\"time_ns\":1,\"reason\":\"X\",\"len\":40,"
		  "\"packet_start\":\"network\",\"packet\":\"00\"}",
		  r);
	assert_int_equal(r->frame_len, 40);
	expect_ok("{\"v\":1,\"time_ns\":1,\"reason\":\"X\",\"len\":4294967295,"
		  "\"packet_start\":\"mac\",\"packet\":\"00\"}",
		  r);
	assert_int_equal(r->frame_len, 4294967295u);
	/* Given, it is taken as it is, but not below the bytes captured. */
	expect_ok("{\"v\":1,\"time_ns\":1,\"reason\":\"X\",\"len\":40,\"frame_len\":1,"
		  "\"packet_start\":\"mac\",\"packet\":\"000102\"}",
		  r);
	assert_int_equal(r->frame_len, 3);
	free(r);
}

static void test_errors(void **state)
{
	char s[512];

	(void)state;
	expect_error("", "not a JSON object");
	expect_error("\n", "not a JSON object");
	expect_error("[]", "not a JSON object");
	expect_error("\"v\"", "not a JSON object");
	expect_error("{}", "missing field \"v\"");
	expect_error("{\"time_ns\":1,\"reason\":\"R\"}", "missing field \"v\"");
	expect_error("{\"v\":1,\"reason\":\"R\"}", "missing field \"time_ns\"");
	expect_error("{\"v\":1,\"time_ns\":1}", "missing field \"reason\"");
	expect_error_extra(",\"packet\":\"00\"", "missing field \"packet_start\"");

	/* trailing garbage; whitespace is fine */
	expect_error(BASE "}x", "trailing garbage after the object");
	expect_error(BASE "} \n x", "trailing garbage after the object");
	expect_error(BASE "}}", "trailing garbage after the object");
	expect_error(BASE "}\n{}", "trailing garbage after the object");

	/* JSON syntax, in json-c's terms: it says "unexpected character" for a
	 * trailing comma, a missing value, '+' and '\'' (our own parser named
	 * what it expected instead). */
	expect_error_extra(",", "unexpected character");
	expect_error_extra(",x:1", "expected a field name");
	expect_error_extra(",\"x\"1", "expected ':'");
	expect_error_extra(",\"x\":", "unexpected character");
	expect_error_extra(" \"x\":1", "expected ',' or '}'");
	expect_error_extra(",\"x\":tru", "bad value");
	expect_error_extra(",\"x\":nul", "bad value");
	expect_error_extra(",\"x\":[1,]", "unexpected character");
	expect_error_extra(",\"x\":[1 2]", "expected ',' or ']'");
	expect_error_extra(",\"x\":{\"a\"}", "expected ':'");
	expect_error_extra(",\"x\":{\"a\":1,}", "unexpected character");
	expect_error_extra(",\"x\":{1:1}", "expected a field name");
	expect_error_extra(",\"x\":01", "bad number");
	expect_error_extra(",\"x\":1e", "bad number");
	expect_error_extra(",\"x\":-", "bad number");
	expect_error_extra(",\"x\":+1", "unexpected character");
	expect_error_extra(",\"x\":'a'", "unexpected character");
	expect_error_extra(",\"x\":\"a\\x\"", "bad string escape");
	expect_error_extra(",\"x\":\"\\u00zz\"", "bad string escape");
	expect_error_extra(",\"dev\":\"\\u0000\"", "bad string escape");
	expect_error_extra(",\"dev\":\"\\u12\"", "bad string escape");

	/* types and numbers */
	expect_error_extra(",\"pid\":4294967296", "field \"pid\" out of range");
	expect_error_extra(",\"pid\":-1", "field \"pid\" out of range");
	expect_error_extra(",\"pid\":1.0", "field \"pid\" is not an integer");
	expect_error_extra(",\"pid\":1e3", "field \"pid\" is not an integer");
	expect_error_extra(",\"pid\":\"1\"", "field \"pid\" has the wrong type");
	expect_error_extra(",\"pid\":null", "field \"pid\" has the wrong type");
	expect_error_extra(",\"netns\":99999999999", "field \"netns\" out of range");
	expect_error_extra(",\"l3_proto\":65536", "field \"l3_proto\" out of range");
	expect_error_extra(",\"time_ns\":18446744073709551616", "field \"time_ns\" out of range");
	expect_error_extra(",\"time_ns\":100000000000000000000000000",
			   "field \"time_ns\" out of range");
	expect_error_extra(",\"time_ns\":-5", "field \"time_ns\" out of range");
	expect_error("{\"v\":0,\"time_ns\":1,\"reason\":\"R\"}", "field \"v\" out of range");
	expect_error("{\"v\":1.5,\"time_ns\":1,\"reason\":\"R\"}", "field \"v\" is not an integer");
	expect_error("{\"v\":\"1\",\"time_ns\":1,\"reason\":\"R\"}",
		     "field \"v\" has the wrong type");
	expect_error_extra(",\"comm\":1", "field \"comm\" has the wrong type");
	expect_error_extra(",\"stack\":\"a\"", "field \"stack\" has the wrong type");
	expect_error_extra(",\"stack\":[\"a\",1]", "field \"stack\" has the wrong type");
	expect_error_extra(",\"stack\":[\"a\",]", "unexpected character");
	expect_error_extra(",\"packet\":0", "field \"packet\" has the wrong type");
	expect_error_extra(",\"location\":1234", "field \"location\" has the wrong type");

	/* strings too long for their field */
	expect_error_extra(",\"comm\":\"0123456789abcdef\"", "field \"comm\" too long");
	expect_error_extra(",\"comm\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"",
			   "field \"comm\" too long");
	expect_error_extra(",\"dev\":\"0123456789abcdef\"", "field \"dev\" too long");
	snprintf(s, sizeof(s), ",\"reason\":\"%0*d\"", EVRECORD_NAME_MAX, 0);
	expect_error_extra(s, "field \"reason\" too long");
	snprintf(s, sizeof(s), ",\"function\":\"%0*d\"", EVRECORD_FRAME_MAX, 0);
	expect_error_extra(s, "field \"function\" too long");
	snprintf(s, sizeof(s), ",\"stack\":[\"a\",\"%0*d\"]", EVRECORD_FRAME_MAX, 0);
	expect_error_extra(s, "stack frame too long");
	snprintf(s, sizeof(s), ",\"wall_time\":\"%0*d\"", 100, 0);
	expect_error_extra(s, "bad wall_time");
	snprintf(s, sizeof(s), ",\"location\":\"0x%0*d\"", 100, 0);
	expect_error_extra(s, "field \"location\" out of range");

	/* stack, packet, location, packet_start */
	{
		char extra[1024] = ",\"stack\":[\"0\"";
		int i;

		for (i = 1; i <= DROPMON_STACK_DEPTH; i++)
			snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), ",\"%d\"",
				 i);
		strcat(extra, "]");
		expect_error_extra(extra, "stack too deep");

		strcpy(extra, ",\"packet_start\":\"mac\",\"packet\":\"");
		for (i = 0; i <= DROPMON_PKT_BYTES; i++)
			strcat(extra, "ab");
		strcat(extra, "\"");
		expect_error_extra(extra, "packet too long");
	}
	expect_error_extra(",\"packet_start\":\"mac\",\"packet\":\"abc\"", "packet is not hex");
	expect_error_extra(",\"packet_start\":\"mac\",\"packet\":\"0g\"", "packet is not hex");
	expect_error_extra(",\"packet_start\":\"mac\",\"packet\":\" 0\"", "packet is not hex");
	expect_error_extra(",\"location\":\"ffff\"", "location is not hex");
	expect_error_extra(",\"location\":\"0x\"", "location is not hex");
	expect_error_extra(",\"location\":\"0x12z\"", "location is not hex");
	expect_error_extra(",\"location\":\"0x10000000000000000\"",
			   "field \"location\" out of range");
	expect_error_extra(",\"packet_start\":\"eth\"", "bad packet_start");
	expect_error_extra(",\"packet_start\":\"\"", "bad packet_start");

	/* wall_time */
	expect_error_extra(",\"wall_time\":5", "field \"wall_time\" has the wrong type");
	expect_error_extra(",\"wall_time\":\"\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-11-26T06:21:12\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-11-26 06:21:12Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-11-26T06:21:12.Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-11-26T06:21:12.1234567891Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-11-26T06:21:12ZZ\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-11-26T06:21:12+01:00\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-02-29T00:00:00Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-13-01T00:00:00Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-00-01T00:00:00Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-11-26T24:00:00Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-11-26T06:60:00Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-11-26T06:21:60Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2026-1-26T06:21:12Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"+026-11-26T06:21:12Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"2262-04-11T23:47:16.854775808Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"1677-09-21T00:12:43.145224191Z\"", "bad wall_time");
	expect_error_extra(",\"wall_time\":\"9999-12-31T23:59:59Z\"", "bad wall_time");
}

static void test_nesting(void **state)
{
	char *line = malloc(4096);
	struct evrecord *r = rec_new();
	size_t n;
	int i;

	(void)state;
	assert_non_null(line);
	memset(line, '[', 1000);
	line[1000] = '\0';
	expect_error(line, "not a JSON object");

	for (i = 0; i < 3; i++) {
		static const int depths[] = { 32, 33, 1000 };
		int d = depths[i], j;

		n = (size_t)sprintf(line, "%s,\"x\":", BASE);
		for (j = 0; j < d; j++)
			n += (size_t)sprintf(line + n, "%s", j % 2 ? "[" : "{\"k\":");
		for (j = d - 1; j >= 0; j--)
			line[n++] = j % 2 ? ']' : '}';
		strcpy(line + n, "}");
		if (d <= 32)
			expect_ok(line, r);
		else
			expect_error(line, "nesting too deep");
	}
	/* json-c's depth counts scalars too: a number inside 32 arrays is one
	 * level too deep, inside 31 it is not. */
	for (i = 31; i <= 32; i++) {
		n = (size_t)sprintf(line, "%s,\"x\":", BASE);
		memset(line + n, '[', (size_t)i);
		n += (size_t)i;
		line[n++] = '0';
		memset(line + n, ']', (size_t)i);
		strcpy(line + n + (size_t)i, "}");
		if (i == 31)
			expect_ok(line, r);
		else
			expect_error(line, "nesting too deep");
	}
	/* Unclosed, and deep: still an error. */
	n = (size_t)sprintf(line, "%s,\"x\":", BASE);
	memset(line + n, '[', 1000);
	line[n + 1000] = '\0';
	expect_error(line, "nesting too deep");
	free(line);
	free(r);
}

/* Scalars cost json-c some 40 bytes each: a line holds at most 4096
 * values, counted by the commas outside strings. */
static void test_values(void **state)
{
	char *line = malloc(16 * 4096 + 256);
	struct evrecord *r = rec_new();

	(void)state;
	assert_non_null(line);
	/* BASE has 3 values; x holds m more. */
	for (int m = 4093; m <= 4094; m++) {
		size_t n = (size_t)sprintf(line, "%s,\"x\":[0", BASE);

		for (int j = 1; j < m; j++)
			n += (size_t)sprintf(line + n, ",0");
		strcpy(line + n, "]}");
		if (m == 4093)
			expect_ok(line, r);
		else
			expect_error(line, "too many values");
	}
	/* Commas inside strings are no values. */
	{
		size_t n = (size_t)sprintf(line, "%s,\"x\":\"", BASE);

		memset(line + n, ',', 8000);
		strcpy(line + n + 8000, "\"}");
		expect_ok(line, r);
	}
	free(line);
	free(r);
}

/* json-c builds a tree of the line: an empty object costs it some 800
 * bytes, so a line holds at most 1024 objects and arrays. */
static void test_containers(void **state)
{
	const size_t cap = 1u << 20;
	char *line = malloc(cap);
	struct evrecord *r = rec_new();
	size_t n;
	int k;

	(void)state;
	assert_non_null(line);
	/* the line's object and x count, then 1022 or 1023 more */
	for (k = 1022; k <= 1023; k++) {
		int j;

		n = (size_t)sprintf(line, "%s,\"x\":[", BASE);
		for (j = 0; j < k; j++)
			n += (size_t)sprintf(line + n, "%s%s", j ? "," : "", j % 2 ? "{}" : "[]");
		strcpy(line + n, "]}");
		if (k == 1022)
			expect_ok(line, r);
		else
			expect_error(line, "too many objects and arrays");
	}
	/* Brackets inside strings are no containers. */
	n = (size_t)sprintf(line, "%s,\"x\":\"", BASE);
	memset(line + n, '{', 2000);
	n += 2000;
	memset(line + n, '[', 2000);
	strcpy(line + n + 2000, "\",'[{':[]}");
	expect_ok(line, r);
	/* A line of a MiB of objects, nested or not, is refused before json-c
	 * builds anything of it. */
	n = (size_t)sprintf(line, "%s,\"x\":", BASE);
	while (n + 8 < cap)
		n += (size_t)sprintf(line + n, "{\"k\":[");
	line[n] = '\0';
	expect_error(line, "too many objects and arrays");
	n = (size_t)sprintf(line, "%s,\"x\":[{}", BASE);
	while (n + 8 < cap)
		n += (size_t)sprintf(line + n, ",{}");
	strcpy(line + n, "]}");
	expect_error(line, "too many objects and arrays");
	free(line);
	free(r);
}

/* The edges of json-c 0.16 that could let a wrong value through, pinned. */
static void test_jsonc_edges(void **state)
{
	struct evrecord *r = rec_new();
	char line[256];

	(void)state;
	/* Above UINT64_MAX strtoull() saturates and json-c drops the ERANGE:
	 * the line is scanned for such numbers, outside strings. */
	expect_ok_extra(",\"time_ns\":18446744073709551615", r);
	assert_int_equal(r->time_ns, UINT64_MAX);
	expect_ok("{\"v\":18446744073709551615,\"time_ns\":1,\"reason\":\"R\"}", r);
	expect_error("{\"v\":18446744073709551616,\"time_ns\":1,\"reason\":\"R\"}",
		     "field \"v\" out of range");
	expect_error_extra(",\"time_ns\":018446744073709551615", "bad number");
	expect_error_extra(",\"time_ns\":99999999999999999999", "field \"time_ns\" out of range");
	expect_error_extra(",\"pid\":18446744073709551616", "field \"pid\" out of range");
	/* Which key a huge number belonged to is not known: next to one, a
	 * u64 field at UINT64_MAX is refused too (never a wrong value). */
	expect_error_extra(",\"time_ns\":18446744073709551615,\"x\":[18446744073709551616]",
			   "field \"time_ns\" out of range");
	expect_ok_extra(",\"time_ns\":7,\"x\":18446744073709551616", r);
	assert_int_equal(r->time_ns, 7);
	/* Inside strings, as doubles and negative, it is not such a number. */
	expect_ok_extra(",\"time_ns\":18446744073709551615,\"x\":\"18446744073709551616\","
			"\"\\\"18446744073709551616\":1e99,\"y\":-18446744073709551616",
			r);
	assert_int_equal(r->time_ns, UINT64_MAX);
	/* Negative: an error, saturated (INT64_MIN) or not; "-0" is 0. */
	expect_error_extra(",\"time_ns\":-99999999999999999999999",
			   "field \"time_ns\" out of range");
	expect_error_extra(",\"pid\":-9223372036854775808", "field \"pid\" out of range");
	expect_error_extra(",\"pid\":-01", "field \"pid\" out of range");
	expect_ok_extra(",\"pid\":-0", r);
	assert_int_equal(r->pid, 0);
	/* Leniencies of json-c that yield no wrong value: "00", "1.", "-.5",
	 * NaN and Infinity are numbers (doubles are no integers). */
	expect_ok_extra(",\"pid\":00,\"x\":1.,\"y\":-.5,\"z\":NaN,\"w\":-Infinity", r);
	assert_int_equal(r->pid, 0);
	expect_error_extra(",\"pid\":NaN", "field \"pid\" is not an integer");
	expect_error_extra(",\"pid\":Infinity", "field \"pid\" is not an integer");
	expect_error_extra(",\"x\":nan", "bad value");

	/* \u0000: a key would end at it, a value is refused by its length too. */
	expect_error_extra(",\"dev\":\"a\\u0000b\"", "bad string escape");
	expect_error_extra(",\"x\":[\"\\u0000\"]", "bad string escape");
	expect_error("{\"v\":1,\"time_ns\\u0000x\":1,\"reason\":\"R\"}", "bad string escape");
	expect_error("{\"v\":1,'time_ns\\u0000x':1,\"reason\":\"R\"}", "bad string escape");
	/* An escaped backslash before "u0000" is text. */
	expect_ok_extra(",\"comm\":\"\\\\u0000\",\"\\\\u0000\":\"\\\\\\\\u0000\"", r);
	assert_string_equal(r->comm, "\\u0000");
	/* A raw NUL ends json-c's input: inside the object an error, after it
	 * trailing garbage. */
	{
		static const char in_string[] = BASE ",\"dev\":\"a\0b\"}";
		static const char in_ws[] = BASE ",\0\"dev\":\"a\"}";
		static const char after[] = BASE "}\0";
		const char *why;

		assert_int_equal(parse_n(in_string, sizeof(in_string) - 1, r, &why), -EINVAL);
		assert_string_equal(why, "NUL byte in the object");
		assert_int_equal(parse_n(in_ws, sizeof(in_ws) - 1, r, &why), -EINVAL);
		assert_string_equal(why, "NUL byte in the object");
		assert_int_equal(parse_n(after, sizeof(after) - 1, r, &why), -EINVAL);
		assert_string_equal(why, "trailing garbage after the object");
		assert_int_equal(parse_n(after, sizeof(after) - 2, r, &why), 0);
	}

	/* Lone surrogates become U+FFFD; raw control bytes are kept. */
	expect_ok_extra(",\"dev\":\"\\ud800\",\"comm\":\"\\ud800\\u0041\\udc00\"", r);
	assert_string_equal(r->dev, "\xef\xbf\xbd");
	assert_string_equal(r->comm, "\xef\xbf\xbd"
				     "A\xef\xbf\xbd");
	expect_ok_extra(",\"comm\":\"a\tb\x01\x1f\",\"x\":\"\n\"", r);
	assert_string_equal(r->comm, "a\tb\x01\x1f");

	/* Bytes that are not UTF-8, in values and keys, are kept as they are. */
	expect_ok_extra(",\"comm\":\"\xff\xfe\xc0\xaf\xe2\x82\",\"dev\":\"\x80\xed\xa0\x80\","
			"\"\xff\":\"\xfe\",\"\xc3\":[\"\xbf\"]",
			r);
	assert_string_equal(r->comm, "\xff\xfe\xc0\xaf\xe2\x82");
	assert_string_equal(r->dev, "\x80\xed\xa0\x80");

	/* Duplicates: json-c keeps only the last, so an earlier one is never
	 * checked; the last one is. */
	expect_ok_extra(",\"pid\":\"x\",\"comm\":\"much too long for comm\",\"pid\":5,"
			"\"comm\":\"c\"",
			r);
	assert_int_equal(r->pid, 5);
	assert_string_equal(r->comm, "c");
	expect_error_extra(",\"pid\":5,\"pid\":\"x\"", "field \"pid\" has the wrong type");
	expect_error("{\"v\":1,\"time_ns\":1,\"v\":0,\"reason\":\"R\"}",
		     "field \"v\" out of range");

	/* Keys may be '\''-quoted (json-c takes them even when strict); the
	 * scan for huge numbers and \u0000 follows such strings too. */
	expect_ok("{'v':1,'time_ns':2,'reason':\"R\",'a\"b':\"c'd\"}", r);
	assert_int_equal(r->time_ns, 2);
	expect_error("{'a\"':1,\"v\":18446744073709551616,\"time_ns\":2,\"reason\":\"R\"}",
		     "field \"v\" out of range");
	expect_error("{\"v\":1,\"time_ns\":2,\"reason\":'R'}", "unexpected character");

	/* Not an object; nothing after it but whitespace. */
	expect_error("null", "not a JSON object");
	expect_error(" 1", "not a JSON object");
	expect_error(" \t\r\n", "not a JSON object");
	expect_error("\xef\xbb\xbf{}", "not a JSON object");
	expect_error(BASE "}[]", "trailing garbage after the object");
	expect_error(BASE "} \"v\"", "trailing garbage after the object");
	expect_error(BASE, "line ends inside the object");
	expect_error(BASE ",\"x\":\"abc", "line ends inside the object");
	snprintf(line, sizeof(line), "%s}\t \r\n", BASE);
	expect_ok(line, r);
	free(r);
}

/* Every proper prefix of a valid line fails, and none is read past its end. */
static void test_truncated(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct evrecord *in = rec_new(), *out = rec_new();
	const char *why;
	size_t n, obj;

	(void)state;
	fill_full(in);
	assert_int_equal(evjson_write(&sb, in), 0);
	obj = sb.len - 1; /* without the '\n' */
	for (n = 0; n < obj; n++) {
		why = NULL;
		if (parse_n(sb.buf, n, out, &why) != -EINVAL)
			fail_msg("prefix of %zu bytes parsed", n);
		assert_non_null(why);
	}
	assert_int_equal(parse_n(sb.buf, obj, out, &why), 0);
	assert_int_equal(parse_n(sb.buf, obj + 1, out, &why), 0);
	strbuf_free(&sb);
	free(in);
	free(out);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random mutations never crash; whatever parses writes out and reads back the same. */
static void test_mutations(void **state)
{
	static const char interesting[] = "{}[]\",:\\u0123456789abcdefxXZT.-+eE \n\t\x01\x80\xff";
	struct strbuf sb = STRBUF_INIT, again = STRBUF_INIT;
	struct evrecord *r = rec_new(), *r2 = rec_new();
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char *base, *buf;
	size_t base_len, cap;
	unsigned parsed = 0;
	int i;

	(void)state;
	fill_full(r);
	r->nframes = 3;
	r->caplen = 20;
	assert_int_equal(evjson_write(&sb, r), 0);
	base = sb.buf;
	base_len = sb.len;
	cap = base_len + 16;
	buf = malloc(cap);
	assert_non_null(buf);

	for (i = 0; i < 100000; i++) {
		size_t len = base_len;
		int k, nmut = 1 + (int)(rng_next(&seed) % 4);
		const char *why;

		memcpy(buf, base, base_len);
		for (k = 0; k < nmut; k++) {
			uint64_t x = rng_next(&seed);
			size_t pos = len ? (size_t)(x >> 8) % len : 0;
			char ch = (x & 1) ? interesting[(x >> 1) % (sizeof(interesting) - 1)]
					  : (char)(x >> 40);

			switch (x % 5) {
			case 0:
			case 1:
				if (len)
					buf[pos] = ch;
				break;
			case 2:
				if (len) {
					memmove(buf + pos, buf + pos + 1, len - pos - 1);
					len--;
				}
				break;
			case 3:
				if (len < cap) {
					memmove(buf + pos + 1, buf + pos, len - pos);
					buf[pos] = ch;
					len++;
				}
				break;
			default:
				len = pos;
				break;
			}
		}
		if (parse_n(buf, len, r, &why) == 0) {
			parsed++;
			strbuf_reset(&again);
			assert_int_equal(evjson_write(&again, r), 0);
			assert_int_equal(parse_n(again.buf, again.len, r2, &why), 0);
			assert_records_equal(r, r2);
		} else {
			assert_non_null(why);
		}
	}
	/* Some mutations (inside strings, say) leave the line valid. */
	assert_true(parsed > 100);
	free(buf);
	strbuf_free(&sb);
	strbuf_free(&again);
	free(r);
	free(r2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_exact_output),
		cmocka_unit_test(test_hand_written),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_frame_len_of_old_files),
		cmocka_unit_test(test_jsonc_edges),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_netfilter),
		cmocka_unit_test(test_netfilter_errors),
		cmocka_unit_test(test_netfilter_rule_round_trip),
		cmocka_unit_test(test_netfilter_rule),
		cmocka_unit_test(test_netfilter_rule_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
