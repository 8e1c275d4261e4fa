// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for gzip: Accept-Encoding parsing, and gzip_compress output
 * checked by inflating it back with zlib. */
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
#define ZLIB_CONST
#include <zlib.h>

#include "gzip.h"
#include "testfs.h"

#define MIB (1024 * 1024)

static void expect_accepted(const char *hdr, bool want)
{
	if (gzip_accepted(hdr) != want)
		fail_msg("Accept-Encoding \"%s\": want %s", hdr ? hdr : "(null)",
			 want ? "gzip" : "no gzip");
}

static void test_accept_basic(void **state)
{
	(void)state;
	expect_accepted(NULL, false);
	expect_accepted("", false);
	expect_accepted("gzip", true);
	expect_accepted("x-gzip", true);
	expect_accepted("*", true);
	expect_accepted("identity", false);
	expect_accepted("deflate", false);
	expect_accepted("br, deflate", false);
	/* What curl --compressed and browsers send. */
	expect_accepted("deflate, gzip", true);
	expect_accepted("gzip, deflate, br, zstd", true);
}

static void test_accept_q(void **state)
{
	(void)state;
	expect_accepted("gzip;q=0", false);
	expect_accepted("gzip;q=0.000", false);
	expect_accepted("gzip;q=0.", false);
	expect_accepted("gzip;q=0.001", true);
	expect_accepted("gzip;q=1", true);
	expect_accepted("gzip;q=1.000", true);
	expect_accepted("gzip;q=0.5, identity;q=1", true);
	expect_accepted("x-gzip;q=0", false);
	expect_accepted("*;q=0", false);
	expect_accepted("*;q=0.1", true);
	/* An explicit refusal beats the wildcard, in either order. */
	expect_accepted("gzip;q=0, *", false);
	expect_accepted("*, gzip;q=0", false);
	expect_accepted("*;q=0, gzip", true);
	/* x-gzip is the same coding, so either name accepts it. */
	expect_accepted("gzip;q=0, x-gzip;q=0.5", true);
	/* Other parameters are ignored. */
	expect_accepted("gzip;foo=bar;q=0.5", true);
	expect_accepted("gzip;foo=bar;q=0", false);
}

static void test_accept_malformed(void **state)
{
	(void)state;
	expect_accepted("gzipfoo", false);
	expect_accepted("foogzip", false);
	expect_accepted("gzip2", false);
	expect_accepted("g zip", false);
	expect_accepted("\"gzip\"", false);
	expect_accepted("gzip;q=1.5", false);
	expect_accepted("gzip;q=2", false);
	expect_accepted("gzip;q=0.5000", false);
	expect_accepted("gzip;q=.5", false);
	expect_accepted("gzip;q=", false);
	expect_accepted("gzip;q=abc", false);
	expect_accepted("gzip;q", false);
	expect_accepted("gzip;q=0.5;q=1", false);
	expect_accepted("gzip x", false);
	expect_accepted(";;,,", false);
	/* A malformed explicit gzip does not count as a refusal. */
	expect_accepted("gzip;q=-1, *", true);
	/* Garbage elsewhere does not hide a good entry. */
	expect_accepted("b@d, gzip", true);
	expect_accepted("gzip, b@d;;;", true);
}

static void test_accept_case_space(void **state)
{
	(void)state;
	expect_accepted("GZIP", true);
	expect_accepted("GZip;Q=0.5", true);
	expect_accepted("X-GZIP", true);
	expect_accepted("GZIP;Q=0", false);
	expect_accepted("  gzip  ", true);
	expect_accepted("\tdeflate ,\tgzip ; q=0.8 ", true);
	expect_accepted(" gzip ; q=0 , * ", false);
	expect_accepted(" , ,gzip,, ", true);
}

static void parse_prefix(const char *p)
{
	(void)gzip_accepted(p);
}

/* Every prefix of some awkward headers, each in a buffer of its exact size
 * so that ASan reports any read past the terminating NUL. */
static void test_accept_truncated(void **state)
{
	static const char *const hdrs[] = {
		"gzip ; q = 0.5 , x-gzip;q=0, *;q=0.001",
		"deflate;q=1.0;level=\"9\", gzip;;q=",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		testfs_each_prefix(hdrs[i], parse_prefix);
	expect_accepted("gzip;", true);
	expect_accepted("gzip;q=0;", false);
	expect_accepted("gzip;=", false);
	expect_accepted("gzip;q=", false);
}

/* Inflates a gzip stream and checks that it reproduces want[0..len). */
static void expect_inflates_to(const unsigned char *gz, size_t gzlen, const unsigned char *want,
			       size_t len)
{
	unsigned char *got = malloc(len + 1);
	z_stream zs;
	int zerr;

	assert_non_null(got);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = gz;
	zs.avail_in = (uInt)gzlen;
	zs.next_out = got;
	/* One spare byte: output longer than expected must show up. */
	zs.avail_out = (uInt)(len + 1);
	zerr = inflate(&zs, Z_FINISH);
	if (zerr != Z_STREAM_END)
		fail_msg("inflate: %d (%s)", zerr, zs.msg ? zs.msg : "");
	assert_int_equal(zs.total_out, len);
	/* The stream ends exactly at the end of the data: no trailing junk. */
	assert_int_equal(zs.avail_in, 0);
	if (len)
		assert_memory_equal(got, want, len);
	inflateEnd(&zs);
	free(got);
}

static void expect_gzip_header(const struct strbuf *sb, size_t at)
{
	const unsigned char *p = (const unsigned char *)sb->buf + at;

	/* RFC 1952: ID1 ID2 and CM = 8 (deflate). */
	assert_true(sb->len >= at + 18);
	assert_int_equal(p[0], 0x1f);
	assert_int_equal(p[1], 0x8b);
	assert_int_equal(p[2], 8);
}

/* Compresses data into an empty strbuf and inflates it back. */
static size_t roundtrip(const unsigned char *data, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t gzlen;

	assert_int_equal(gzip_compress(data, len, &sb), 0);
	assert_int_equal(sb.err, 0);
	expect_gzip_header(&sb, 0);
	/* The strbuf invariant holds after writing behind its back. */
	assert_int_equal(sb.buf[sb.len], '\0');
	expect_inflates_to((const unsigned char *)sb.buf, sb.len, data, len);
	gzlen = sb.len;
	strbuf_free(&sb);
	return gzlen;
}

static void test_compress_empty(void **state)
{
	(void)state;
	roundtrip((const unsigned char *)"", 0);
	roundtrip(NULL, 0);
}

static void test_compress_small(void **state)
{
	static const char text[] = "# HELP dropmon_drops_total Packets dropped.\n"
				   "# TYPE dropmon_drops_total counter\n"
				   "dropmon_drops_total{reason=\"NO_SOCKET\"} 12\n";

	(void)state;
	roundtrip((const unsigned char *)text, sizeof(text) - 1);
	roundtrip((const unsigned char *)"x", 1);
}

/* xorshift64: deterministic bytes that deflate cannot shrink. */
static void fill_random(unsigned char *p, size_t len)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 32);
	}
}

static void test_compress_random(void **state)
{
	unsigned char *data = malloc(MIB);
	size_t gzlen;

	(void)state;
	assert_non_null(data);
	fill_random(data, MIB);
	gzlen = roundtrip(data, MIB);
	/* Stored blocks cost a little; nothing like doubling. */
	assert_true(gzlen > MIB);
	assert_true(gzlen < MIB + MIB / 100);
	free(data);
}

static void test_compress_repetitive(void **state)
{
	unsigned char *data = malloc(MIB);
	size_t gzlen, n = 0;
	unsigned i = 0;

	(void)state;
	assert_non_null(data);
	/* Exposition-like lines: long shared prefixes, changing numbers. */
	while (n < MIB) {
		char line[128];
		int w = snprintf(line, sizeof(line),
				 "dropmon_drops_total{reason=\"R%u\",device=\"eth%u\"} %u\n",
				 i % 97, i % 7, i * 2654435761u);
		size_t take = (size_t)w < MIB - n ? (size_t)w : MIB - n;

		memcpy(data + n, line, take);
		n += take;
		i++;
	}
	gzlen = roundtrip(data, MIB);
	assert_true(gzlen < MIB / 4);
	free(data);
}

static void test_compress_appends(void **state)
{
	static const char text[] = "payload payload payload payload";
	struct strbuf sb = STRBUF_INIT;
	size_t first;

	(void)state;
	assert_int_equal(strbuf_puts(&sb, "prefix"), 0);
	assert_int_equal(gzip_compress(text, sizeof(text) - 1, &sb), 0);
	/* What was there is kept; the stream follows it. */
	assert_memory_equal(sb.buf, "prefix", 6);
	expect_gzip_header(&sb, 6);
	expect_inflates_to((const unsigned char *)sb.buf + 6, sb.len - 6,
			   (const unsigned char *)text, sizeof(text) - 1);
	/* A second stream goes after the first. */
	first = sb.len;
	assert_int_equal(gzip_compress("abc", 3, &sb), 0);
	expect_gzip_header(&sb, first);
	expect_inflates_to((const unsigned char *)sb.buf + first, sb.len - first,
			   (const unsigned char *)"abc", 3);
	strbuf_free(&sb);
}

static void test_compress_errors(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	/* A strbuf that already failed stays failed and untouched. */
	sb.err = -ENOMEM;
	assert_int_equal(gzip_compress("abc", 3, &sb), -ENOMEM);
	assert_int_equal(sb.len, 0);
	assert_null(sb.buf);
	strbuf_free(&sb);
	/* No data behind a non-zero length. */
	assert_int_equal(gzip_compress(NULL, 1, &sb), -EINVAL);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_basic),
		cmocka_unit_test(test_accept_q),
		cmocka_unit_test(test_accept_malformed),
		cmocka_unit_test(test_accept_case_space),
		cmocka_unit_test(test_accept_truncated),
		cmocka_unit_test(test_compress_empty),
		cmocka_unit_test(test_compress_small),
		cmocka_unit_test(test_compress_random),
		cmocka_unit_test(test_compress_repetitive),
		cmocka_unit_test(test_compress_appends),
		cmocka_unit_test(test_compress_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
