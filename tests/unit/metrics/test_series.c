// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for series: aggregation by function, unknown locations,
 * overflow rows, device names, exact renderings in both formats, and the
 * label set cache across a reload of the kernel symbols. */
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

#include "metrics_fixture.h"
#include "series.h"

#ifndef FIXTURES
#error "FIXTURES must name the tests/fixtures directory"
#endif

/* Symbols of tests/fixtures/ksyms/basic. */
#define KSYMS_BASIC FIXTURES "/ksyms/basic"
#define DO_WORK 0xffffffff81000210ull
#define LOCAL_HELPER 0xffffffff81000100ull
#define NFT_DO_CHAIN 0xffffffffc0200010ull

#define NS1 4026531840u
#define NS2 4026532001u

struct fixture {
	char dir[64];
	char kallsyms[128];
	char modules[128];
	struct reasons *reasons;
	struct counters_snapshot snap;
	struct series_set *set;
	/* device_fallback's calls and answer */
	unsigned int fallback_calls;
	uint32_t fallback_netns, fallback_ifindex;
	const char *fallback_name;
	struct strbuf out;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || testfs_mkdir(fx->dir, sizeof(fx->dir), "series")) {
		free(fx);
		return -1;
	}
	snprintf(fx->kallsyms, sizeof(fx->kallsyms), "%s/kallsyms", fx->dir);
	snprintf(fx->modules, sizeof(fx->modules), "%s/modules", fx->dir);
	fx->reasons = fixture_reasons(fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int err;

	series_free(fx->set);
	reasons_free(fx->reasons);
	counters_snapshot_free(&fx->snap);
	strbuf_free(&fx->out);
	err = testfs_rmtree(fx->dir);
	free(fx);
	return err;
}

static const char *device_fallback(uint32_t netns, uint32_t ifindex, char *buf, void *ctx)
{
	struct fixture *fx = ctx;

	fx->fallback_calls++;
	fx->fallback_netns = netns;
	fx->fallback_ifindex = ifindex;
	if (!fx->fallback_name)
		return NULL;
	snprintf(buf, IF_NAMESIZE, "%s", fx->fallback_name);
	return buf;
}

/* A series set over kallsyms (the modules file is fx->modules, which may not
 * exist), checking modules every 10 s from time 0. */
static void make_set(struct fixture *fx, const char *kallsyms)
{
	struct series_opts o = {
		.kallsyms_path = kallsyms,
		.modules_path = fx->modules,
		.ksyms_check_s = 10,
		.reasons = fx->reasons,
		.device_fallback = device_fallback,
		.device_ctx = fx,
	};

	int err = series_new(&o, 0, &fx->set);

	if (err)
		fail_msg("series_new(%s): %s", kallsyms, strerror(-err));
}

/* Builds and renders fx->snap; returns the body (valid until the next call)
 * and checks the number of series. */
static const char *render(struct fixture *fx, enum expo_format format, ssize_t want_series)
{
	struct expo e;

	assert_int_equal(series_build(fx->set, &fx->snap), want_series);
	strbuf_reset(&fx->out);
	expo_init(&e, &fx->out, format);
	series_render(fx->set, &e);
	expo_finish(&e);
	assert_int_equal(fx->out.err, 0);
	return fx->out.len ? fx->out.buf : "";
}

#define DROPS_HELP                                                                                 \
	"Packets the kernel dropped, by drop reason, device, network namespace and dropping "      \
	"function. Drops that found the counter map full carry only the reason.\n"
#define BYTES_HELP                                                                                 \
	"Bytes (skb->len) of the packets the kernel dropped, by drop reason, device, network "     \
	"namespace and dropping function.\n"
#define TEXT_HEAD_DROPS                                                                            \
	"# HELP dropmon_drops_total " DROPS_HELP "# TYPE dropmon_drops_total counter\n"
#define TEXT_HEAD_BYTES                                                                            \
	"# HELP dropmon_dropped_bytes_total " BYTES_HELP                                           \
	"# TYPE dropmon_dropped_bytes_total counter\n"

/* Asserts that body has the line (a whole line) exactly `times` times. */
static void expect_line(const char *body, const char *line, int times)
{
	size_t n = strlen(line);
	int found = 0;

	for (const char *p = body; (p = strstr(p, line)); p += n)
		if ((p == body || p[-1] == '\n') && p[n] == '\n')
			found++;
	if (found != times)
		fail_msg("line found %d times, want %d: %s\nin:\n%s", found, times, line, body);
}

/* Rows that differ only in the offset inside do_work (and one at the
 * function's address itself) are one series; the other function and the
 * other reason, device and netns are series of their own. */
static void test_offsets_sum(void **state)
{
	struct fixture *fx = *state;
	const char *body;

	make_set(fx, KSYMS_BASIC);
	snap_device(&fx->snap, NS1, 2, "eth0");
	snap_device(&fx->snap, NS2, 2, "veth0");
	snap_row(&fx->snap, DO_WORK + 0x81, R_NO_SOCKET, 2, NS1, 3, 300);
	snap_row(&fx->snap, DO_WORK, R_NO_SOCKET, 2, NS1, 1, 60);
	snap_row(&fx->snap, DO_WORK + 0x10, R_NO_SOCKET, 2, NS1, 10, 1000);
	snap_row(&fx->snap, LOCAL_HELPER + 4, R_NO_SOCKET, 2, NS1, 7, 70);
	snap_row(&fx->snap, DO_WORK + 0x20, R_PKT_TOO_SMALL, 2, NS1, 5, 50);
	snap_row(&fx->snap, DO_WORK + 0x30, R_NO_SOCKET, 2, NS2, 2, 20);
	body = render(fx, EXPO_TEXT, 4);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"eth0\",ifindex=\"2\","
		    "netns=\"4026531840\",function=\"do_work\"} 14",
		    1);
	expect_line(
	    body,
	    "dropmon_dropped_bytes_total{reason=\"NO_SOCKET\",device=\"eth0\",ifindex=\"2\","
	    "netns=\"4026531840\",function=\"do_work\"} 1360",
	    1);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"eth0\",ifindex=\"2\","
		    "netns=\"4026531840\",function=\"local_helper\"} 7",
		    1);
	expect_line(body,
		    "dropmon_drops_total{reason=\"PKT_TOO_SMALL\",device=\"eth0\",ifindex=\"2\","
		    "netns=\"4026531840\",function=\"do_work\"} 5",
		    1);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"veth0\",ifindex=\"2\","
		    "netns=\"4026532001\",function=\"do_work\"} 2",
		    1);
	/* Aggregation does not accumulate across scrapes: the same snapshot
	 * again gives the same sums. */
	body = render(fx, EXPO_TEXT, 4);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"eth0\",ifindex=\"2\","
		    "netns=\"4026531840\",function=\"do_work\"} 14",
		    1);
}

/* A location below every symbol is named by its address, and two such
 * locations are not summed (each raw address is its own function); rows
 * without device or netns have empty labels. */
static void test_unknown_location(void **state)
{
	struct fixture *fx = *state;
	const char *body;

	make_set(fx, KSYMS_BASIC);
	snap_row(&fx->snap, 0x1234, R_NOT_SPECIFIED, 0, 0, 4, 40);
	snap_row(&fx->snap, 0x1235, R_NOT_SPECIFIED, 0, 0, 6, 60);
	snap_row(&fx->snap, 0xffffffff80ffffffull, R_NOT_SPECIFIED, 0, 0, 1, 10);
	body = render(fx, EXPO_TEXT, 3);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NOT_SPECIFIED\",device=\"\",ifindex=\"\","
		    "netns=\"\",function=\"0x1234\"} 4",
		    1);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NOT_SPECIFIED\",device=\"\",ifindex=\"\","
		    "netns=\"\",function=\"0x1235\"} 6",
		    1);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NOT_SPECIFIED\",device=\"\",ifindex=\"\","
		    "netns=\"\",function=\"0xffffffff80ffffff\"} 1",
		    1);
	/* No device: the fallback is not asked. */
	assert_int_equal(fx->fallback_calls, 0);
}

/* Overflow rows carry their reason only, come after the series in both
 * families, and are not aggregated or cached. */
static void test_overflow(void **state)
{
	struct fixture *fx = *state;
	const char *body;

	make_set(fx, KSYMS_BASIC);
	snap_overflow(&fx->snap, R_NETFILTER_DROP, 9, 900);
	snap_overflow(&fx->snap, 77, 1, 100);
	body = render(fx, EXPO_TEXT, 0);
	assert_string_equal(
	    body, TEXT_HEAD_DROPS
	    "dropmon_drops_total{reason=\"NETFILTER_DROP\",device=\"\",ifindex=\"\","
	    "netns=\"\",function=\"\"} 9\n"
	    "dropmon_drops_total{reason=\"77\",device=\"\",ifindex=\"\","
	    "netns=\"\",function=\"\"} 1\n" TEXT_HEAD_BYTES
	    "dropmon_dropped_bytes_total{reason=\"NETFILTER_DROP\",device=\"\","
	    "ifindex=\"\",netns=\"\",function=\"\"} 900\n"
	    "dropmon_dropped_bytes_total{reason=\"77\",device=\"\",ifindex=\"\","
	    "netns=\"\",function=\"\"} 100\n");
	assert_int_equal(series_cached(fx->set), 0);
}

/* Device names come from the snapshot; one the kernel did not record is
 * asked of the fallback, and its label set is not cached: the name the
 * kernel records later replaces it. */
static void test_device_names(void **state)
{
	struct fixture *fx = *state;
	const char *body;

	make_set(fx, KSYMS_BASIC);
	snap_device(&fx->snap, NS1, 3, "br-lan");
	snap_row(&fx->snap, DO_WORK, R_NO_SOCKET, 3, NS1, 1, 10);
	snap_row(&fx->snap, DO_WORK, R_NO_SOCKET, 4, NS2, 2, 20);
	fx->fallback_name = "lo";
	body = render(fx, EXPO_TEXT, 2);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"br-lan\",ifindex=\"3\","
		    "netns=\"4026531840\",function=\"do_work\"} 1",
		    1);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"lo\",ifindex=\"4\","
		    "netns=\"4026532001\",function=\"do_work\"} 2",
		    1);
	/* Asked for the unrecorded device only, once for both families. */
	assert_int_equal(fx->fallback_calls, 1);
	assert_int_equal(fx->fallback_netns, NS2);
	assert_int_equal(fx->fallback_ifindex, 4);
	assert_int_equal(series_cached(fx->set), 1);

	/* No fallback answer: an empty name. */
	fx->fallback_name = NULL;
	body = render(fx, EXPO_TEXT, 2);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"\",ifindex=\"4\","
		    "netns=\"4026532001\",function=\"do_work\"} 2",
		    1);
	assert_int_equal(fx->fallback_calls, 2);

	/* Recorded now: the kernel's name, and the fallback no longer asked. */
	snap_device(&fx->snap, NS2, 4, "veth9");
	body = render(fx, EXPO_TEXT, 2);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"veth9\",ifindex=\"4\","
		    "netns=\"4026532001\",function=\"do_work\"} 2",
		    1);
	assert_int_equal(fx->fallback_calls, 2);
	assert_int_equal(series_cached(fx->set), 2);

	/* A renamed device (same netns and ifindex) gets its new name, though
	 * the old label set was cached. */
	snprintf(fx->snap.devices[0].info.name, sizeof(fx->snap.devices[0].info.name), "br-wan");
	body = render(fx, EXPO_TEXT, 2);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"br-wan\",ifindex=\"3\","
		    "netns=\"4026531840\",function=\"do_work\"} 1",
		    1);
}

/* A small snapshot: series sorted by (reason, ifindex, netns, function),
 * then the overflow rows; packets, then bytes. */
static void small_snapshot(struct fixture *fx)
{
	make_set(fx, KSYMS_BASIC);
	snap_device(&fx->snap, NS1, 1, "lo");
	snap_device(&fx->snap, NS1, 2, "eth\"0");
	snap_row(&fx->snap, NFT_DO_CHAIN + 0x81, R_NETFILTER_DROP, 2, NS1, 3, 180);
	snap_row(&fx->snap, DO_WORK + 0x10, R_NO_SOCKET, 1, NS1, 2, 120);
	snap_row(&fx->snap, NFT_DO_CHAIN + 0x20, R_NETFILTER_DROP, 2, NS1, 1, 60);
	snap_row(&fx->snap, 0x42, 0x20001, 0, 0, 1, 1500);
	snap_overflow(&fx->snap, R_NO_SOCKET, 5, 250);
}

static void test_exact_text(void **state)
{
	struct fixture *fx = *state;

	small_snapshot(fx);
	assert_string_equal(
	    render(fx, EXPO_TEXT, 3), TEXT_HEAD_DROPS
	    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"lo\",ifindex=\"1\","
	    "netns=\"4026531840\",function=\"do_work\"} 2\n"
	    "dropmon_drops_total{reason=\"NETFILTER_DROP\",device=\"eth\\\"0\",ifindex=\"2\","
	    "netns=\"4026531840\",function=\"nft_do_chain\"} 4\n"
	    "dropmon_drops_total{reason=\"131073\",device=\"\",ifindex=\"\","
	    "netns=\"\",function=\"0x42\"} 1\n"
	    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"\",ifindex=\"\","
	    "netns=\"\",function=\"\"} 5\n" TEXT_HEAD_BYTES
	    "dropmon_dropped_bytes_total{reason=\"NO_SOCKET\",device=\"lo\",ifindex=\"1\","
	    "netns=\"4026531840\",function=\"do_work\"} 120\n"
	    "dropmon_dropped_bytes_total{reason=\"NETFILTER_DROP\",device=\"eth\\\"0\","
	    "ifindex=\"2\",netns=\"4026531840\",function=\"nft_do_chain\"} 240\n"
	    "dropmon_dropped_bytes_total{reason=\"131073\",device=\"\",ifindex=\"\","
	    "netns=\"\",function=\"0x42\"} 1500\n"
	    "dropmon_dropped_bytes_total{reason=\"NO_SOCKET\",device=\"\",ifindex=\"\","
	    "netns=\"\",function=\"\"} 250\n");
	/* The unnamed reason (131073) is not cached, the two others are. */
	assert_int_equal(series_cached(fx->set), 2);
}

static void test_exact_openmetrics(void **state)
{
	struct fixture *fx = *state;

	small_snapshot(fx);
	/* Rendered twice: the second time from the cached label sets. */
	for (int round = 0; round < 2; round++)
		assert_string_equal(
		    render(fx, EXPO_OPENMETRICS, 3),
		    "# HELP dropmon_drops " DROPS_HELP "# TYPE dropmon_drops counter\n"
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"lo\",ifindex=\"1\","
		    "netns=\"4026531840\",function=\"do_work\"} 2\n"
		    "dropmon_drops_total{reason=\"NETFILTER_DROP\",device=\"eth\\\"0\","
		    "ifindex=\"2\",netns=\"4026531840\",function=\"nft_do_chain\"} 4\n"
		    "dropmon_drops_total{reason=\"131073\",device=\"\",ifindex=\"\","
		    "netns=\"\",function=\"0x42\"} 1\n"
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"\",ifindex=\"\","
		    "netns=\"\",function=\"\"} 5\n"
		    "# HELP dropmon_dropped_bytes " BYTES_HELP
		    "# TYPE dropmon_dropped_bytes counter\n"
		    "dropmon_dropped_bytes_total{reason=\"NO_SOCKET\",device=\"lo\",ifindex=\"1\","
		    "netns=\"4026531840\",function=\"do_work\"} 120\n"
		    "dropmon_dropped_bytes_total{reason=\"NETFILTER_DROP\",device=\"eth\\\"0\","
		    "ifindex=\"2\",netns=\"4026531840\",function=\"nft_do_chain\"} 240\n"
		    "dropmon_dropped_bytes_total{reason=\"131073\",device=\"\",ifindex=\"\","
		    "netns=\"\",function=\"0x42\"} 1500\n"
		    "dropmon_dropped_bytes_total{reason=\"NO_SOCKET\",device=\"\",ifindex=\"\","
		    "netns=\"\",function=\"\"} 250\n"
		    "# EOF\n");
}

/* Series that vanish from the snapshot leave the cache at the end of the
 * round in which they were not built. */
static void test_cache_rounds(void **state)
{
	struct fixture *fx = *state;

	make_set(fx, KSYMS_BASIC);
	snap_device(&fx->snap, NS1, 1, "lo");
	snap_row(&fx->snap, DO_WORK, R_NO_SOCKET, 1, NS1, 1, 1);
	snap_row(&fx->snap, LOCAL_HELPER, R_NO_SOCKET, 1, NS1, 1, 1);
	render(fx, EXPO_TEXT, 2);
	assert_int_equal(series_cached(fx->set), 2);
	fx->snap.nrows = 1;
	render(fx, EXPO_TEXT, 1);
	assert_int_equal(series_cached(fx->set), 1);
	fx->snap.nrows = 0;
	assert_string_equal(render(fx, EXPO_TEXT, 0), TEXT_HEAD_DROPS TEXT_HEAD_BYTES);
	assert_int_equal(series_cached(fx->set), 0);
}

static void write_text(const char *path, const char *text)
{
	assert_int_equal(testfs_write(path, text, strlen(text)), 0);
}

#define KALLSYMS_V1                                                                                \
	"ffffffff81000000 T _stext\n"                                                              \
	"ffffffff81000100 T ip_rcv_core\n"                                                         \
	"ffffffffc0200000 t nft_do_chain\t[nf_tables]\n"
/* nf_tables reloaded at the same address, and the core function renamed
 * at the same address too (a livepatch): only the names tell. */
#define KALLSYMS_V2                                                                                \
	"ffffffff81000000 T _stext\n"                                                              \
	"ffffffff81000100 T ip_rcv_core_patched\n"                                                 \
	"ffffffffc0200000 t nft_do_chain_v2\t[nf_tables]\n"

/* When the modules change, the symbols are reloaded (not before the check
 * interval) and the cached label sets, whose function names are stale,
 * are dropped. */
static void test_ksyms_reload(void **state)
{
	struct fixture *fx = *state;
	const char *body;

	write_text(fx->kallsyms, KALLSYMS_V1);
	write_text(fx->modules, "nf_tables 307200 0 - Live 0xffffffffc0200000\n");
	make_set(fx, fx->kallsyms);
	assert_int_equal(series_ksyms_count(fx->set), 3);
	snap_device(&fx->snap, NS1, 1, "lo");
	snap_row(&fx->snap, 0xffffffff81000110ull, R_NO_SOCKET, 1, NS1, 1, 1);
	snap_row(&fx->snap, 0xffffffffc0200040ull, R_NETFILTER_DROP, 1, NS1, 2, 2);
	body = render(fx, EXPO_TEXT, 2);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"lo\",ifindex=\"1\","
		    "netns=\"4026531840\",function=\"ip_rcv_core\"} 1",
		    1);
	assert_int_equal(series_cached(fx->set), 2);

	/* kallsyms changed but the modules did not: nothing is reloaded. */
	write_text(fx->kallsyms, KALLSYMS_V2);
	assert_int_equal(series_refresh_ksyms(fx->set, 10), 0);
	/* The modules changed, but the last check is too recent. */
	write_text(fx->modules, "nf_tables 307200 0 - Live 0xffffffffc0300000\n");
	assert_int_equal(series_refresh_ksyms(fx->set, 19.5), 0);
	body = render(fx, EXPO_TEXT, 2);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NETFILTER_DROP\",device=\"lo\",ifindex=\"1\","
		    "netns=\"4026531840\",function=\"nft_do_chain\"} 2",
		    1);

	assert_int_equal(series_refresh_ksyms(fx->set, 20), 1);
	assert_int_equal(series_cached(fx->set), 0);
	body = render(fx, EXPO_TEXT, 2);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"lo\",ifindex=\"1\","
		    "netns=\"4026531840\",function=\"ip_rcv_core_patched\"} 1",
		    1);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NETFILTER_DROP\",device=\"lo\",ifindex=\"1\","
		    "netns=\"4026531840\",function=\"nft_do_chain_v2\"} 2",
		    1);
	assert_int_equal(series_refresh_ksyms(fx->set, 40), 0);

	/* A reload that fails keeps the old symbols. */
	write_text(fx->modules, "nf_tables 307200 0 - Live 0xffffffffc0400000\n");
	write_text(fx->kallsyms, "");
	assert_true(series_refresh_ksyms(fx->set, 60) < 0);
	assert_int_equal(series_ksyms_count(fx->set), 3);
	body = render(fx, EXPO_TEXT, 2);
	expect_line(body,
		    "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"lo\",ifindex=\"1\","
		    "netns=\"4026531840\",function=\"ip_rcv_core_patched\"} 1",
		    1);
}

static void test_new_fails(void **state)
{
	struct fixture *fx = *state;
	struct series_opts o = { .kallsyms_path = "/nonexistent/kallsyms", .reasons = fx->reasons };

	struct series_set *set = NULL;

	assert_int_equal(series_new(&o, 0, &set), -ENOENT);
	assert_null(set);
	series_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_offsets_sum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_location, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_openmetrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_rounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ksyms_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_fails, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
