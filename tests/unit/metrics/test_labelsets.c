// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for labelsets: hits, device-name changes, rounds and growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "labelsets.h"

static struct labelset_id make_id(uint32_t n, const char *dev)
{
	struct labelset_id id = {
		.func_key = 0xffffffff81000000ull + (uint64_t)(n % 97) * 16,
		.reason = 2 + n % 7,
		.ifindex = n,
		.netns = 4026531840u + n % 3,
	};

	strncpy(id.device, dev, sizeof(id.device) - 1);
	return id;
}

static struct labelsets *new_labelsets(void)
{
	struct labelsets *ls = NULL;

	assert_int_equal(labelsets_new(&ls), 0);
	return ls;
}

static void expect_hit(struct labelsets *ls, const struct labelset_id *id, const char *want)
{
	size_t len = 0;
	const char *got = labelsets_get(ls, id, &len);

	assert_non_null(got);
	assert_int_equal(len, strlen(want));
	assert_string_equal(got, want);
}

static void test_put_get(void **state)
{
	struct labelsets *ls = new_labelsets();
	struct labelset_id a = make_id(1, "eth0"), b = make_id(2, "eth0");
	size_t len = 7;

	(void)state;
	assert_non_null(ls);
	assert_null(labelsets_get(ls, &a, &len));
	assert_int_equal(len, 7); /* untouched on a miss */
	/* The copy is of len bytes, not up to a NUL. */
	assert_string_equal(labelsets_put(ls, &a, "{x=\"1\"}garbage", 7), "{x=\"1\"}");
	expect_hit(ls, &a, "{x=\"1\"}");
	assert_null(labelsets_get(ls, &b, &len));
	assert_int_equal(labelsets_count(ls), 1);
	labelsets_free(ls);
	labelsets_free(NULL);
}

/* Two namespaces with one inode (netns label "INODE" and "INODE-2") are two
 * series, each with its own label set. */
static void test_netns_gen(void **state)
{
	struct labelsets *ls = new_labelsets();
	struct labelset_id first = make_id(4, "lo"), second = make_id(4, "lo");

	(void)state;
	first.netns_gen = 1;
	second.netns_gen = 2;
	labelsets_put(ls, &first, "{netns=\"1\"}", 11);
	labelsets_put(ls, &second, "{netns=\"1-2\"}", 13);
	assert_int_equal(labelsets_count(ls), 2);
	expect_hit(ls, &first, "{netns=\"1\"}");
	expect_hit(ls, &second, "{netns=\"1-2\"}");
	labelsets_free(ls);
}

static void test_device_change(void **state)
{
	struct labelsets *ls = new_labelsets();
	struct labelset_id old = make_id(5, "veth1"), renamed = make_id(5, "veth1new");
	size_t len;

	(void)state;
	labelsets_put(ls, &old, "{device=\"veth1\"}", 16);
	/* Same series, other device name: a miss, and a put replaces. */
	assert_null(labelsets_get(ls, &renamed, &len));
	labelsets_put(ls, &renamed, "{device=\"veth1new\"}", 19);
	assert_int_equal(labelsets_count(ls), 1);
	assert_null(labelsets_get(ls, &old, &len));
	expect_hit(ls, &renamed, "{device=\"veth1new\"}");
	labelsets_free(ls);
}

static void test_rounds(void **state)
{
	struct labelsets *ls = new_labelsets();
	struct labelset_id a = make_id(1, "a"), b = make_id(2, "b"), c = make_id(3, "c");
	size_t len;

	(void)state;
	labelsets_put(ls, &a, "A", 1);
	labelsets_put(ls, &b, "B", 1);
	labelsets_put(ls, &c, "C", 1);
	labelsets_end_round(ls); /* all three were put in this round */
	assert_int_equal(labelsets_count(ls), 3);
	expect_hit(ls, &a, "A");
	expect_hit(ls, &c, "C");
	labelsets_end_round(ls); /* b was not used: its series is gone */
	assert_int_equal(labelsets_count(ls), 2);
	assert_null(labelsets_get(ls, &b, &len));
	expect_hit(ls, &a, "A");
	expect_hit(ls, &c, "C");
	labelsets_end_round(ls);
	labelsets_end_round(ls); /* a round with no use empties it */
	assert_int_equal(labelsets_count(ls), 0);
	assert_null(labelsets_get(ls, &a, &len));
	labelsets_free(ls);
}

static void test_many_and_clear(void **state)
{
	struct labelsets *ls = new_labelsets();
	char buf[64];
	size_t len;

	(void)state;
	for (uint32_t i = 0; i < 20000; i++) {
		struct labelset_id id = make_id(i, "dev");

		snprintf(buf, sizeof(buf), "{n=\"%u\"}", i);
		assert_non_null(labelsets_put(ls, &id, buf, strlen(buf)));
	}
	assert_int_equal(labelsets_count(ls), 20000);
	/* Half used: the other half goes at the end of the round. */
	for (uint32_t i = 0; i < 20000; i += 2) {
		struct labelset_id id = make_id(i, "dev");

		snprintf(buf, sizeof(buf), "{n=\"%u\"}", i);
		expect_hit(ls, &id, buf);
	}
	labelsets_end_round(ls);
	labelsets_end_round(ls);
	assert_int_equal(labelsets_count(ls), 0);
	for (uint32_t i = 0; i < 100; i++) {
		struct labelset_id id = make_id(i, "dev");

		labelsets_put(ls, &id, "x", 1);
	}
	labelsets_end_round(ls);
	for (uint32_t i = 0; i < 100; i += 2) {
		struct labelset_id id = make_id(i, "dev");

		expect_hit(ls, &id, "x");
	}
	labelsets_end_round(ls);
	assert_int_equal(labelsets_count(ls), 50);
	for (uint32_t i = 1; i < 100; i += 2) {
		struct labelset_id id = make_id(i, "dev");

		assert_null(labelsets_get(ls, &id, &len));
	}
	labelsets_clear(ls);
	assert_int_equal(labelsets_count(ls), 0);
	labelsets_end_round(ls);
	labelsets_free(ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),	       cmocka_unit_test(test_netns_gen),
		cmocka_unit_test(test_device_change),  cmocka_unit_test(test_rounds),
		cmocka_unit_test(test_many_and_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
