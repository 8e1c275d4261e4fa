// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for negotiate: the Accept header of Prometheus and of anything
 * else, weights, refusals, malformed and truncated headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "negotiate.h"
#include "testfs.h"

/* The exporter's use: OpenMetrics when preferred, else the text format. */
enum expo_format { EXPO_TEXT, EXPO_OPENMETRICS };

static enum expo_format expo_negotiate(const char *accept)
{
	return negotiate_prefers(accept, "application", "openmetrics-text") ? EXPO_OPENMETRICS
									    : EXPO_TEXT;
}

static const char *format_name(enum expo_format f)
{
	return f == EXPO_OPENMETRICS ? "openmetrics" : "text";
}

/* Asserts the negotiated format, naming the header when it is wrong. */
static void expect_fmt(const char *accept, enum expo_format want)
{
	enum expo_format got = expo_negotiate(accept);

	if (got != want)
		fail_msg("Accept \"%s\": got %s, want %s", accept ? accept : "(null)",
			 format_name(got), format_name(want));
}

static void test_negotiate_empty(void **state)
{
	(void)state;
	expect_fmt(NULL, EXPO_TEXT);
	expect_fmt("", EXPO_TEXT);
	expect_fmt("   ", EXPO_TEXT);
	expect_fmt(",, ,", EXPO_TEXT);
}

static void test_negotiate_prometheus(void **state)
{
	(void)state;
	/* What Prometheus 2.x sends when it prefers OpenMetrics. */
	expect_fmt("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
		   "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		   EXPO_OPENMETRICS);
	/* And with scrape_protocols preferring the text format. */
	expect_fmt("text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,"
		   "*/*;q=0.1",
		   EXPO_TEXT);
	expect_fmt("application/openmetrics-text;version=1.0.0", EXPO_OPENMETRICS);
	/* Any version parameter, even an unknown one, still means OpenMetrics. */
	expect_fmt("application/openmetrics-text;version=9.9.9", EXPO_OPENMETRICS);
	expect_fmt("application/openmetrics-text", EXPO_OPENMETRICS);
}

static void test_negotiate_text(void **state)
{
	(void)state;
	expect_fmt("text/plain", EXPO_TEXT);
	expect_fmt("text/plain;version=0.0.4", EXPO_TEXT);
	expect_fmt("*/*", EXPO_TEXT);
	expect_fmt("text/*", EXPO_TEXT);
	expect_fmt("application/json", EXPO_TEXT);
	expect_fmt("application/openmetrics-textual", EXPO_TEXT);
	expect_fmt("application/*", EXPO_TEXT);
}

static void test_negotiate_refused(void **state)
{
	(void)state;
	expect_fmt("application/openmetrics-text;q=0", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q=0.000", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q=0.", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q=0,text/plain;q=0.1", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q=0,*/*", EXPO_TEXT);
	/* Refusing text leaves OpenMetrics as the only acceptable format. */
	expect_fmt("text/plain;q=0,application/openmetrics-text;q=0.001", EXPO_OPENMETRICS);
	/* The best weight of a format counts, whichever range carries it. */
	expect_fmt("application/openmetrics-text;version=1.0.0;q=0,"
		   "application/openmetrics-text;version=0.0.1;q=0.3,text/plain;q=0.2",
		   EXPO_OPENMETRICS);
}

static void test_negotiate_weights(void **state)
{
	(void)state;
	/* Ties go to OpenMetrics, in either order. */
	expect_fmt("text/plain;q=0.5,application/openmetrics-text;q=0.5", EXPO_OPENMETRICS);
	expect_fmt("application/openmetrics-text;q=0.5,text/plain;q=0.5", EXPO_OPENMETRICS);
	expect_fmt("text/plain,application/openmetrics-text", EXPO_OPENMETRICS);
	expect_fmt("*/*,application/openmetrics-text", EXPO_OPENMETRICS);
	/* Otherwise the higher weight wins, down to the third decimal. */
	expect_fmt("application/openmetrics-text;q=0.4,text/plain;q=0.5", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q=0.501,text/plain;q=0.5", EXPO_OPENMETRICS);
	expect_fmt("application/openmetrics-text;q=0.499,text/plain;q=0.5", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q=0.9,text/plain", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q=0.1,*/*;q=0.2", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q=1.000,text/plain;q=0.999", EXPO_OPENMETRICS);
	expect_fmt("application/openmetrics-text;q=1.,text/plain;q=0.999", EXPO_OPENMETRICS);
	expect_fmt("application/openmetrics-text;q=1,text/plain;q=1.0", EXPO_OPENMETRICS);
	/* Other parameters around q do not matter. */
	expect_fmt("text/plain;q=0.3,application/openmetrics-text;a=b;q=0.6;c=d", EXPO_OPENMETRICS);
}

static void test_negotiate_malformed_q(void **state)
{
	static const char *const bad[] = {
		"0.5000", "1.5",   "2",	  "-1",	  ".5",	     "abc",
		"",	  "1.001", "0,5", "0.5x", "\"0.5\"", "+0.5",
	};
	char accept[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The malformed range alone: skipped, so the default applies. */
		snprintf(accept, sizeof(accept), "application/openmetrics-text;q=%s", bad[i]);
		expect_fmt(accept, EXPO_TEXT);
		/* It must not hide a lower but valid text weight either. */
		snprintf(accept, sizeof(accept),
			 "application/openmetrics-text;q=%s,text/plain;q=0.1", bad[i]);
		expect_fmt(accept, EXPO_TEXT);
	}
	/* A malformed text range does not stop OpenMetrics from winning. */
	expect_fmt("text/plain;q=1.5,application/openmetrics-text;q=0.2", EXPO_OPENMETRICS);
	/* Two weights on one range are not one weight. */
	expect_fmt("application/openmetrics-text;q=0.5;q=0.6", EXPO_TEXT);
}

static void test_negotiate_case(void **state)
{
	(void)state;
	expect_fmt("APPLICATION/OPENMETRICS-TEXT", EXPO_OPENMETRICS);
	expect_fmt("Application/OpenMetrics-Text;Version=1.0.0;Q=0.9,text/plain;q=0.1",
		   EXPO_OPENMETRICS);
	expect_fmt("application/openmetrics-text;Q=0,TEXT/PLAIN", EXPO_TEXT);
}

static void test_negotiate_whitespace(void **state)
{
	(void)state;
	expect_fmt(
	    "  text/plain ; q=0.2 ,\tapplication/openmetrics-text ;  version=1.0.0 ; q=0.3  ",
	    EXPO_OPENMETRICS);
	expect_fmt("application/openmetrics-text ; q = 0.9 , text/plain ; q=0.5", EXPO_OPENMETRICS);
	expect_fmt("\tapplication/openmetrics-text\t;\tq=0\t,\ttext/plain", EXPO_TEXT);
	/* Empty list elements are allowed and ignored. */
	expect_fmt(" , ,application/openmetrics-text,,", EXPO_OPENMETRICS);
	/* Empty parameters too. */
	expect_fmt("application/openmetrics-text;;version=1.0.0;", EXPO_OPENMETRICS);
}

static void test_negotiate_garbage(void **state)
{
	(void)state;
	expect_fmt("garbage", EXPO_TEXT);
	expect_fmt(";;;", EXPO_TEXT);
	expect_fmt("/", EXPO_TEXT);
	expect_fmt("application/", EXPO_TEXT);
	expect_fmt("/openmetrics-text", EXPO_TEXT);
	expect_fmt("\"application/openmetrics-text\"", EXPO_TEXT);
	expect_fmt("application/openmetrics-text x", EXPO_TEXT);
	expect_fmt("application /openmetrics-text", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;version", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;version=", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;=1", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;version=\"1.0.0", EXPO_TEXT);
	expect_fmt("\x01\x7f\xff", EXPO_TEXT);
	/* Garbage next to a good range does not spoil it. */
	expect_fmt("garbage, application/openmetrics-text", EXPO_OPENMETRICS);
	expect_fmt("application/openmetrics-text, garbage;;q=2", EXPO_OPENMETRICS);
	/* A comma inside a quoted parameter value does not split the range. */
	expect_fmt("application/openmetrics-text;version=\"1,0\";q=0.8,text/plain;q=0.7",
		   EXPO_OPENMETRICS);
	expect_fmt("text/plain;x=\"a,application/openmetrics-text\"", EXPO_TEXT);
	expect_fmt("text/plain;x=\"a\\\",application/openmetrics-text\"", EXPO_TEXT);
	/* A malformed element is skipped up to its comma, quotes included. */
	expect_fmt("te(xt;x=\"a,b\",application/openmetrics-text", EXPO_OPENMETRICS);
}

static void parse_prefix(const char *p)
{
	(void)expo_negotiate(p);
}

/* Every prefix of some awkward headers, each in a buffer of its exact size
 * so that ASan reports any read past the terminating NUL. */
static void test_negotiate_truncated(void **state)
{
	static const char *const hdrs[] = {
		"application/openmetrics-text;version=\"1,\\\"0\";q=0.5 , text/plain ; q=0.4",
		"application/openmetrics-text ; q = 1.000 ;x=\"\\",
		"te(xt;x=\"a,b\",*/*;;;q=0.",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		testfs_each_prefix(hdrs[i], parse_prefix);
	expect_fmt("text/plain;x=\"a\\", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;x=\"a\\", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q= ", EXPO_TEXT);
	expect_fmt("application/openmetrics-text;q=1;", EXPO_OPENMETRICS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate_empty),
		cmocka_unit_test(test_negotiate_prometheus),
		cmocka_unit_test(test_negotiate_text),
		cmocka_unit_test(test_negotiate_refused),
		cmocka_unit_test(test_negotiate_weights),
		cmocka_unit_test(test_negotiate_malformed_q),
		cmocka_unit_test(test_negotiate_case),
		cmocka_unit_test(test_negotiate_whitespace),
		cmocka_unit_test(test_negotiate_garbage),
		cmocka_unit_test(test_negotiate_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
