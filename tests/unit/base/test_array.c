// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for array_reserve: growth by doubling, room for element n,
 * overflow refused with the array untouched. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "array.h"

static void test_grow(void **state)
{
	uint32_t *a = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(ARRAY_RESERVE(a, cap, 0, 4), 0);
	assert_non_null(a);
	assert_int_equal(cap, 4);
	for (size_t i = 0; i < 100; i++) {
		assert_int_equal(ARRAY_RESERVE(a, cap, i, 4), 0);
		assert_true(i < cap);
		a[i] = (uint32_t)i;
	}
	assert_int_equal(cap, 128);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(a[i], i);
	/* Room already: nothing moves. */
	uint32_t *before = a;
	assert_int_equal(ARRAY_RESERVE(a, cap, 127, 4), 0);
	assert_ptr_equal(a, before);
	assert_int_equal(cap, 128);
	/* A jump past the doubled size doubles until it fits. */
	assert_int_equal(ARRAY_RESERVE(a, cap, 1000, 4), 0);
	assert_int_equal(cap, 1024);
	a[1000] = 7;
	free(a);
}

static void test_first_zero(void **state)
{
	char *a = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(ARRAY_RESERVE(a, cap, 0, 0), 0);
	assert_int_equal(cap, 1);
	assert_int_equal(ARRAY_RESERVE(a, cap, 1, 0), 0);
	assert_int_equal(cap, 2);
	free(a);
}

static void test_overflow(void **state)
{
	uint64_t *a = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(ARRAY_RESERVE(a, cap, 3, 4), 0);
	a[3] = 42;
	/* Elements * size past SIZE_MAX, and a capacity that cannot double. */
	assert_int_equal(ARRAY_RESERVE(a, cap, SIZE_MAX / 8, 4), -ENOMEM);
	assert_int_equal(ARRAY_RESERVE(a, cap, SIZE_MAX - 1, 4), -ENOMEM);
	assert_int_equal(cap, 4);
	assert_int_equal(a[3], 42);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_first_zero),
		cmocka_unit_test(test_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
