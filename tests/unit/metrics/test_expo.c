// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for expo: exact renderings in both formats,
 * escaping, number formatting, and promtool's verdict when it is installed. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "expo.h"

#define PROMTOOL "promtool"

static void test_content_type(void **state)
{
	(void)state;
	assert_string_equal(expo_content_type(EXPO_TEXT),
			    "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(expo_content_type(EXPO_OPENMETRICS),
			    "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

/* The same two families in whichever format: a labelled counter and a gauge
 * without labels. */
static void render_sample_set(struct expo *e)
{
	const struct expo_label l1[2] = { { "reason", "NO_SOCKET" }, { "device", "eth0" } };
	const struct expo_label l2[2] = { { "reason", "TCP_CSUM" }, { "device", "" } };

	assert_int_equal(expo_family(e, "dropmon_drops", EXPO_COUNTER, "Packets dropped."), 0);
	expo_sample_u64(e, l1, 2, 12);
	expo_sample_u64(e, l2, 2, 0);
	assert_int_equal(expo_family(e, "dropmon_map_entries", EXPO_GAUGE, "Entries in use."), 0);
	expo_sample_u64(e, NULL, 0, 18446744073709551615ULL);
	assert_int_equal(expo_family(e, "dropmon_scrape_seconds", EXPO_GAUGE, "Scrape time."), 0);
	expo_sample_double(e, NULL, 0, 0.25);
	expo_finish(e);
}

static void expect_render(enum expo_format f, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	struct expo e;

	expo_init(&e, &sb, f);
	render_sample_set(&e);
	assert_int_equal(sb.err, 0);
	assert_non_null(sb.buf);
	assert_string_equal(sb.buf, want);
	assert_int_equal(sb.len, strlen(want));
	strbuf_free(&sb);
}

static void test_render_text(void **state)
{
	(void)state;
	expect_render(EXPO_TEXT, "# HELP dropmon_drops_total Packets dropped.\n"
				 "# TYPE dropmon_drops_total counter\n"
				 "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"eth0\"} 12\n"
				 "dropmon_drops_total{reason=\"TCP_CSUM\",device=\"\"} 0\n"
				 "# HELP dropmon_map_entries Entries in use.\n"
				 "# TYPE dropmon_map_entries gauge\n"
				 "dropmon_map_entries 18446744073709551615\n"
				 "# HELP dropmon_scrape_seconds Scrape time.\n"
				 "# TYPE dropmon_scrape_seconds gauge\n"
				 "dropmon_scrape_seconds 0.25\n");
}

static void test_render_openmetrics(void **state)
{
	(void)state;
	expect_render(EXPO_OPENMETRICS,
		      "# HELP dropmon_drops Packets dropped.\n"
		      "# TYPE dropmon_drops counter\n"
		      "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"eth0\"} 12\n"
		      "dropmon_drops_total{reason=\"TCP_CSUM\",device=\"\"} 0\n"
		      "# HELP dropmon_map_entries Entries in use.\n"
		      "# TYPE dropmon_map_entries gauge\n"
		      "dropmon_map_entries 18446744073709551615\n"
		      "# HELP dropmon_scrape_seconds Scrape time.\n"
		      "# TYPE dropmon_scrape_seconds gauge\n"
		      "dropmon_scrape_seconds 0.25\n"
		      "# EOF\n");
}

static void test_finish_empty(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct expo e;

	(void)state;
	expo_init(&e, &sb, EXPO_OPENMETRICS);
	expo_finish(&e);
	assert_string_equal(sb.buf, "# EOF\n");
	strbuf_free(&sb);
	/* The text format has no terminator. */
	expo_init(&e, &sb, EXPO_TEXT);
	expo_finish(&e);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

static void test_escaping(void **state)
{
	const struct expo_label l[2] = { { "path", "C:\\dir\\\"x\"\nnext" },
					 { "plain", "a{b}=c,d" } };
	struct strbuf sb = STRBUF_INIT;
	struct expo e;

	(void)state;
	expo_init(&e, &sb, EXPO_TEXT);
	expo_family(&e, "x", EXPO_GAUGE, "Back\\slash \"quoted\"\nline2");
	expo_sample_u64(&e, l, 2, 1);
	/* Text HELP escapes only backslash and newline; its parser rejects \". */
	assert_string_equal(sb.buf,
			    "# HELP x Back\\\\slash \"quoted\"\\nline2\n"
			    "# TYPE x gauge\n"
			    "x{path=\"C:\\\\dir\\\\\\\"x\\\"\\nnext\",plain=\"a{b}=c,d\"} 1\n");
	strbuf_free(&sb);

	expo_init(&e, &sb, EXPO_OPENMETRICS);
	expo_family(&e, "x", EXPO_COUNTER, "Back\\slash \"quoted\"\nline2");
	expo_sample_u64(&e, l, 2, 1);
	/* In OpenMetrics a raw '"' is not a normal-char, even in HELP. */
	assert_string_equal(
	    sb.buf, "# HELP x Back\\\\slash \\\"quoted\\\"\\nline2\n"
		    "# TYPE x counter\n"
		    "x_total{path=\"C:\\\\dir\\\\\\\"x\\\"\\nnext\",plain=\"a{b}=c,d\"} 1\n");
	strbuf_free(&sb);
}

/* A name anyone can choose (a task in its own netns, a device) with bytes
 * that are not UTF-8 would make Prometheus reject the whole scrape: they
 * become U+FFFD; valid UTF-8 passes as it is. */
static void test_invalid_utf8(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "ct\xff\xfe", "ct\xef\xbf\xbd\xef\xbf\xbd" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7",
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7" },
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },		    /* overlong '/' */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* a surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd" }, /* truncated at the end */
		{ "\xc3\"", "\xef\xbf\xbd\\\"" },
	};
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	struct expo e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct expo_label l = { "name", cases[i].in };

		strbuf_reset(&sb);
		strbuf_reset(&want);
		expo_init(&e, &sb, EXPO_TEXT);
		expo_family(&e, "x", EXPO_GAUGE, "h");
		expo_sample_u64(&e, &l, 1, 1);
		strbuf_printf(&want, "# HELP x h\n# TYPE x gauge\nx{name=\"%s\"} 1\n",
			      cases[i].out);
		assert_string_equal(sb.buf, want.buf);
	}
	strbuf_free(&sb);
	strbuf_free(&want);
}

/* A label set rendered once gives the same samples as labels passed each
 * time, in both formats; a bad label set appends nothing. */
static void test_rendered_labels(void **state)
{
	const struct expo_label l[2] = { { "a", "x\"y" }, { "b", "1\\2\n" } };
	const struct expo_label dup[2] = { { "a", "1" }, { "a", "2" } };
	struct strbuf set = STRBUF_INIT, direct = STRBUF_INIT, reused = STRBUF_INIT;
	struct expo e;

	(void)state;
	assert_int_equal(expo_labels_render(&set, l, 2), 0);
	assert_string_equal(set.buf, "{a=\"x\\\"y\",b=\"1\\\\2\\n\"}");
	assert_int_equal(expo_labels_render(&set, dup, 2), -EINVAL);
	assert_int_equal(expo_labels_render(&set, NULL, 0), 0);
	assert_int_equal(set.len, strlen("{a=\"x\\\"y\",b=\"1\\\\2\\n\"}"));
	for (int f = EXPO_TEXT; f <= EXPO_OPENMETRICS; f++) {
		expo_init(&e, &direct, (enum expo_format)f);
		expo_family(&e, "c", EXPO_COUNTER, "h");
		expo_sample_u64(&e, l, 2, 18446744073709551615ull);
		expo_sample_u64(&e, NULL, 0, 0);
		expo_family(&e, "g", EXPO_GAUGE, "h");
		expo_sample_u64(&e, l, 2, 7);
		expo_init(&e, &reused, (enum expo_format)f);
		expo_family(&e, "c", EXPO_COUNTER, "h");
		expo_sample_u64_rendered(&e, set.buf, set.len, 18446744073709551615ull);
		expo_sample_u64_rendered(&e, NULL, 0, 0);
		expo_family(&e, "g", EXPO_GAUGE, "h");
		expo_sample_u64_rendered(&e, set.buf, set.len, 7);
		assert_string_equal(reused.buf, direct.buf);
		strbuf_reset(&direct);
		strbuf_reset(&reused);
	}
	/* No family: nothing. */
	expo_init(&e, &reused, EXPO_TEXT);
	expo_sample_u64_rendered(&e, set.buf, set.len, 1);
	assert_int_equal(reused.len, 0);
	strbuf_free(&set);
	strbuf_free(&direct);
	strbuf_free(&reused);
}

static void test_help_optional(void **state)
{
	const struct expo_label l = { "k", NULL };
	struct strbuf sb = STRBUF_INIT;
	struct expo e;

	(void)state;
	expo_init(&e, &sb, EXPO_TEXT);
	assert_int_equal(expo_family(&e, "a", EXPO_COUNTER, NULL), 0);
	assert_int_equal(expo_family(&e, "b", EXPO_GAUGE, ""), 0);
	/* A NULL label value is written like an empty one. */
	expo_sample_u64(&e, &l, 1, 3);
	assert_string_equal(sb.buf, "# TYPE a_total counter\n"
				    "# TYPE b gauge\n"
				    "b{k=\"\"} 3\n");
	strbuf_free(&sb);
}

/* Renders one double as a gauge sample and compares the number. */
static void expect_double(double v, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	struct expo e;
	char line[64];

	expo_init(&e, &sb, EXPO_TEXT);
	expo_family(&e, "g", EXPO_GAUGE, NULL);
	strbuf_reset(&sb);
	expo_sample_double(&e, NULL, 0, v);
	snprintf(line, sizeof(line), "g %s\n", want);
	assert_int_equal(sb.err, 0);
	assert_string_equal(sb.buf, line);
	/* Finite numbers must read back exactly. */
	if (isfinite(v)) {
		double back = strtod(sb.buf + 2, NULL);

		assert_memory_equal(&back, &v, sizeof(v));
	}
	strbuf_free(&sb);
}

static void test_doubles(void **state)
{
	volatile double three = 3.0;

	(void)state;
	expect_double(NAN, "NaN");
	expect_double(-NAN, "NaN");
	expect_double(INFINITY, "+Inf");
	expect_double(-INFINITY, "-Inf");
	expect_double(0.0, "0");
	expect_double(-0.0, "-0");
	expect_double(12.0, "12");
	expect_double(0.25, "0.25");
	expect_double(0.1, "0.1");
	expect_double(1e-300, "1e-300");
	expect_double(1e21, "1e+21");
	expect_double(-1234567.125, "-1234567.125");
	/* 15 digits are not enough for these, 16 are. */
	expect_double(1.0 / three, "0.3333333333333333");
	expect_double(2.0 / three, "0.6666666666666666");
	/* And these need all 17. */
	expect_double(123456789012345678.0, "1.2345678901234568e+17");
	expect_double(0.1 + 0.2, "0.30000000000000004");
	expect_double(1.7976931348623157e308, "1.7976931348623157e+308");
	expect_double(4.9406564584124654e-324, "4.94065645841247e-324");
}

static void test_family_names(void **state)
{
	static const char *const bad[] = {
		"", "1abc", "a-b", "a:b", "a b", "a.b", "dropmon_drops\n", "é", "a{}", ":a",
	};
	char name[130];
	struct strbuf sb = STRBUF_INIT;
	struct expo e;

	(void)state;
	expo_init(&e, &sb, EXPO_TEXT);
	assert_int_equal(expo_family(&e, NULL, EXPO_GAUGE, "h"), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (expo_family(&e, bad[i], EXPO_GAUGE, "h") != -EINVAL)
			fail_msg("family name \"%s\" accepted", bad[i]);
	}
	/* Nothing at all is written for a rejected family. */
	assert_int_equal(sb.len, 0);
	assert_int_equal(expo_family(&e, "_", EXPO_GAUGE, NULL), 0);
	assert_int_equal(expo_family(&e, "Ab_09_z", EXPO_GAUGE, NULL), 0);
	/* 127 characters plus the NUL fill the buffer exactly; 128 do not fit. */
	memset(name, 'n', sizeof(name));
	name[127] = '\0';
	assert_int_equal(expo_family(&e, name, EXPO_COUNTER, NULL), 0);
	name[127] = 'n';
	name[128] = '\0';
	strbuf_reset(&sb);
	assert_int_equal(expo_family(&e, name, EXPO_COUNTER, NULL), -EINVAL);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

static void test_samples_after_bad_family(void **state)
{
	const struct expo_label l = { "a", "b" };
	struct strbuf sb = STRBUF_INIT;
	struct expo e;

	(void)state;
	expo_init(&e, &sb, EXPO_OPENMETRICS);
	/* Before any family there is no name to write. */
	expo_sample_u64(&e, &l, 1, 1);
	expo_sample_double(&e, NULL, 0, 1.5);
	assert_int_equal(sb.len, 0);
	assert_int_equal(expo_family(&e, "good", EXPO_COUNTER, "Good."), 0);
	expo_sample_u64(&e, &l, 1, 1);
	/* A rejected family must not let its samples land under "good". */
	assert_int_equal(expo_family(&e, "bad-name", EXPO_GAUGE, "Bad."), -EINVAL);
	expo_sample_u64(&e, &l, 1, 2);
	expo_sample_double(&e, NULL, 0, 2.5);
	assert_int_equal(expo_family(&e, "next", EXPO_GAUGE, "Next."), 0);
	expo_sample_u64(&e, NULL, 0, 3);
	expo_finish(&e);
	assert_string_equal(sb.buf, "# HELP good Good.\n"
				    "# TYPE good counter\n"
				    "good_total{a=\"b\"} 1\n"
				    "# HELP next Next.\n"
				    "# TYPE next gauge\n"
				    "next 3\n"
				    "# EOF\n");
	strbuf_free(&sb);
}

static void test_bad_label_names(void **state)
{
	const struct expo_label bad_name[2] = { { "ok", "1" }, { "bad-name", "2" } };
	const struct expo_label digit[1] = { { "0a", "1" } };
	const struct expo_label empty[1] = { { "", "1" } };
	const struct expo_label null_name[1] = { { NULL, "1" } };
	const struct expo_label colon[1] = { { "a:b", "1" } };
	const struct expo_label dup[2] = { { "a", "1" }, { "a", "2" } };
	const struct expo_label good[2] = { { "_a", "1" }, { "B9", "2" } };
	struct strbuf sb = STRBUF_INIT;
	struct expo e;

	(void)state;
	expo_init(&e, &sb, EXPO_TEXT);
	expo_family(&e, "m", EXPO_GAUGE, NULL);
	strbuf_reset(&sb);
	expo_sample_u64(&e, bad_name, 2, 1);
	expo_sample_u64(&e, digit, 1, 1);
	expo_sample_u64(&e, empty, 1, 1);
	expo_sample_u64(&e, null_name, 1, 1);
	expo_sample_u64(&e, colon, 1, 1);
	expo_sample_double(&e, dup, 2, 1.0);
	expo_sample_u64(&e, NULL, 3, 1);
	assert_int_equal(sb.len, 0);
	expo_sample_u64(&e, good, 2, 7);
	/* Only the labels asked for are written, even if the array is longer. */
	expo_sample_u64(&e, bad_name, 1, 8);
	assert_string_equal(sb.buf, "m{_a=\"1\",B9=\"2\"} 7\nm{ok=\"1\"} 8\n");
	strbuf_free(&sb);
}

static void test_sticky_error(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct expo e;

	(void)state;
	sb.err = -ENOMEM;
	expo_init(&e, &sb, EXPO_OPENMETRICS);
	assert_int_equal(expo_family(&e, "m", EXPO_COUNTER, "Help."), -ENOMEM);
	expo_sample_u64(&e, NULL, 0, 1);
	expo_sample_double(&e, NULL, 0, 1.0);
	expo_finish(&e);
	assert_int_equal(sb.len, 0);
	assert_null(sb.buf);
}

/* Runs "promtool check metrics" with path as its stdin; returns its exit
 * status, or -1 when it could not run. */
static int run_promtool(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(path, O_RDONLY);

		if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
			_exit(126);
		execlp(PROMTOOL, PROMTOOL, "check", "metrics", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Finds promtool on PATH without running it. */
static bool have_promtool(void)
{
	const char *path = getenv("PATH");
	char dir[4096], file[4200];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		if (n && n < sizeof(dir)) {
			memcpy(dir, path, n);
			dir[n] = '\0';
			snprintf(file, sizeof(file), "%s/%s", dir, PROMTOOL);
			if (access(file, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

static void test_promtool(void **state)
{
	const struct expo_label l1[3] = { { "reason", "NO_SOCKET" },
					  { "device", "eth0" },
					  { "function", "tcp_v4_rcv" } };
	const struct expo_label l2[3] = { { "reason", "we\\ird \"one\"\n" },
					  { "device", "" },
					  { "function", "ünïcode" } };
	char path[] = "/tmp/test_expo.XXXXXX";
	struct strbuf sb = STRBUF_INIT;
	struct expo e;
	int fd, rc;

	(void)state;
	if (!have_promtool()) {
		print_message("promtool not on PATH: skipped\n");
		skip();
	}
	expo_init(&e, &sb, EXPO_TEXT);
	expo_family(&e, "dropmon_drops", EXPO_COUNTER,
		    "Packets dropped, by \\reason\\\nand place.");
	expo_sample_u64(&e, l1, 3, 12);
	expo_sample_u64(&e, l2, 3, 0);
	expo_family(&e, "dropmon_scrape_duration_seconds", EXPO_GAUGE, "Time \"spent\" scraping.");
	expo_sample_double(&e, NULL, 0, 1.0 / 3);
	expo_family(&e, "dropmon_odd_values", EXPO_GAUGE, "Special values.");
	expo_sample_double(&e, &l1[0], 1, NAN);
	expo_sample_double(&e, &l1[1], 1, INFINITY);
	expo_sample_double(&e, &l1[2], 1, -INFINITY);
	expo_sample_double(&e, &l2[0], 1, 1e-300);
	expo_finish(&e);
	assert_int_equal(sb.err, 0);

	fd = mkstemp(path);
	if (fd < 0)
		fail_msg("mkstemp: %s", strerror(errno));
	assert_int_equal(write(fd, sb.buf, sb.len), (ssize_t)sb.len);
	close(fd);
	rc = run_promtool(path);
	unlink(path);
	if (rc != 0)
		fail_msg("promtool check metrics exited %d on:\n%s", rc, sb.buf);
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_render_openmetrics),
		cmocka_unit_test(test_finish_empty),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_rendered_labels),
		cmocka_unit_test(test_help_optional),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_family_names),
		cmocka_unit_test(test_samples_after_bad_family),
		cmocka_unit_test(test_bad_label_names),
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_promtool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
