// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for evquery: the query parameters of /debug/drops and
 * /debug/pcap, as the HTTP server decodes them (NUL bytes included). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "evquery.h"

#define P(k, v)                                                                                    \
	{                                                                                          \
		k, sizeof(k) - 1, v, sizeof(v) - 1                                                 \
	}

static char msg[512];

static int parse(enum evquery_page page, const struct evquery_param *p, size_t n, struct evquery *q)
{
	strcpy(msg, "unset");
	return evquery_parse(page, p, n, 60, q, msg, sizeof(msg));
}

static void expect_bad(enum evquery_page page, const struct evquery_param *p, size_t n,
		       const char *want)
{
	struct evquery q;

	assert_int_equal(parse(page, p, n, &q), -EINVAL);
	if (!strstr(msg, want))
		fail_msg("message '%s' does not say '%s'", msg, want);
	assert_non_null(strchr(msg, '\n'));
	assert_null(q.filter);
}

static void test_defaults(void **state)
{
	struct evquery q;

	(void)state;
	assert_int_equal(parse(EVQUERY_DROPS, NULL, 0, &q), 0);
	assert_false(q.json);
	assert_false(q.follow);
	assert_int_equal(q.limit, EVQUERY_DEFAULT_LIMIT);
	assert_int_equal(q.seconds, 0);
	assert_null(q.filter);
	assert_int_equal(parse(EVQUERY_PCAP, NULL, 0, &q), 0);
	assert_int_equal(q.limit, 0);
}

static void test_good(void **state)
{
	const struct evquery_param drops[] = { P("format", "json"), P("follow", "1"),
					       P("limit", "7"), P("filter", "udp port 53") };
	const struct evquery_param pcap[] = { P("count", "1000000"), P("seconds", "60"),
					      P("filter", "host 2001:db8::1") };
	const struct evquery_param text[] = { P("format", "text"), P("follow", "0") };
	struct evquery q;

	(void)state;
	assert_int_equal(parse(EVQUERY_DROPS, drops, 4, &q), 0);
	assert_true(q.json);
	assert_true(q.follow);
	assert_int_equal(q.limit, 7);
	assert_non_null(q.filter);
	evquery_release(&q);
	assert_null(q.filter);
	/* following without limit=: no limit */
	assert_int_equal(parse(EVQUERY_DROPS, drops, 2, &q), 0);
	assert_int_equal(q.limit, 0);
	assert_int_equal(parse(EVQUERY_DROPS, text, 2, &q), 0);
	assert_false(q.json);
	assert_false(q.follow);
	assert_int_equal(parse(EVQUERY_PCAP, pcap, 3, &q), 0);
	assert_int_equal(q.limit, 1000000);
	assert_int_equal(q.seconds, 60);
	assert_non_null(q.filter);
	evquery_release(&q);
}

static void test_bad(void **state)
{
	const struct evquery_param nul[] = { { "limit", 5, "1\0x", 3 } };
	const struct evquery_param nul_key[] = { { "limit\0x", 7, "1", 1 } };
	const struct evquery_param twice[] = { P("limit", "1"), P("limit", "2") };
	const struct evquery_param novalue[] = { { "limit", 5, NULL, 0 } };
	const struct evquery_param empty[] = { P("format", "") };
	const struct evquery_param unknown[] = { P("limt", "5") };
	const struct evquery_param other_page[] = { P("seconds", "5") };
	const struct evquery_param format[] = { P("format", "xml") };
	const struct evquery_param follow[] = { P("follow", "yes") };
	const struct evquery_param zero[] = { P("limit", "0") };
	const struct evquery_param big[] = { P("limit", "1000001") };
	const struct evquery_param sign[] = { P("limit", "+5") };
	const struct evquery_param seconds[] = { P("seconds", "61") };
	const struct evquery_param count[] = { P("count", "x") };
	const struct evquery_param dns[] = { P("filter", "host some.name") };
	const struct evquery_param port[] = { P("filter", "tcp port http") };
	const struct evquery_param syntax[] = { P("filter", "tcp and") };
	const struct evquery_param binary[] = { P("format", "\x01\x7f\xff") };
	struct evquery_param many[EVQUERY_MAX_PARAMS + 1];
	char longf[EVQUERY_MAX_FILTER + 2];
	struct evquery_param toolong[] = { { "filter", 6, longf, EVQUERY_MAX_FILTER + 1 } };

	(void)state;
	expect_bad(EVQUERY_DROPS, nul, 1, "parameter 'limit' contains a NUL byte");
	expect_bad(EVQUERY_DROPS, nul_key, 1, "unknown parameter 'limit\\x00x'");
	expect_bad(EVQUERY_DROPS, twice, 2, "parameter 'limit' is given twice");
	expect_bad(EVQUERY_DROPS, novalue, 1, "parameter 'limit' has no value");
	expect_bad(EVQUERY_DROPS, empty, 1, "parameter 'format' has no value");
	expect_bad(EVQUERY_DROPS, unknown, 1,
		   "unknown parameter 'limt' (this page takes format, follow, limit and filter)");
	expect_bad(EVQUERY_DROPS, other_page, 1, "unknown parameter 'seconds'");
	expect_bad(EVQUERY_PCAP, unknown + 0, 1, "(this page takes count, seconds and filter)");
	expect_bad(EVQUERY_PCAP, format, 1, "unknown parameter 'format'");
	expect_bad(EVQUERY_DROPS, format, 1, "format must be text or json (got 'xml')");
	expect_bad(EVQUERY_DROPS, follow, 1, "follow must be 0 or 1 (got 'yes')");
	expect_bad(EVQUERY_DROPS, zero, 1, "limit must be a number from 1 to 1000000 (got '0')");
	expect_bad(EVQUERY_DROPS, big, 1, "(got '1000001')");
	expect_bad(EVQUERY_DROPS, sign, 1, "(got '+5')");
	expect_bad(EVQUERY_PCAP, seconds, 1, "seconds must be a number from 1 to 60 (got '61')");
	expect_bad(EVQUERY_PCAP, count, 1, "count must be a number");
	expect_bad(EVQUERY_DROPS, dns, 1, "filter names 'some.name': the exporter does not look");
	expect_bad(EVQUERY_PCAP, port, 1, "filter names 'http'");
	expect_bad(EVQUERY_DROPS, syntax, 1, "filter 'tcp and': ");
	expect_bad(EVQUERY_DROPS, binary, 1, "(got '\\x01\\x7f\\xff')");
	memset(longf, 'x', sizeof(longf));
	longf[EVQUERY_MAX_FILTER + 1] = '\0';
	expect_bad(EVQUERY_DROPS, toolong, 1, "filter is longer than 1024 bytes");
	for (size_t i = 0; i < EVQUERY_MAX_PARAMS + 1; i++)
		many[i] = (struct evquery_param)P("limit", "1");
	expect_bad(EVQUERY_DROPS, many, EVQUERY_MAX_PARAMS + 1, "too many query parameters");
	/* at most as many, all of them checked: the second limit= is the fault */
	expect_bad(EVQUERY_DROPS, many, EVQUERY_MAX_PARAMS, "is given twice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
