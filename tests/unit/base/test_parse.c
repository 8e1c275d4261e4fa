// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for parse: numbers and durations from flags and files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "parse.h"

static void test_u64(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse_u64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("16777216", 1, 1 << 24, &v), 0);
	assert_int_equal(v, 16777216);
	assert_int_equal(parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_u64("16777217", 1, 1 << 24, &v), -ERANGE);
	assert_int_equal(parse_u64("0", 1, 10, &v), -ERANGE);
	assert_int_equal(v, 7); /* untouched on error */
	assert_int_equal(parse_u64("", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_u64(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(parse_u64("-1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_u64("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_u64(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_u64("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_u64("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(v, 7);
}

static void test_duration(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse_duration("90", 86400, &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(parse_duration("90s", 86400, &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(parse_duration("5m", 86400, &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(parse_duration("2h", 86400, &v), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(parse_duration("0s", 86400, &v), 0);
	assert_int_equal(v, 0);
	v = 7;
	assert_int_equal(parse_duration("25h", 86400, &v), -ERANGE);
	assert_int_equal(parse_duration("99999999999999999999", 86400, &v), -ERANGE);
	assert_int_equal(parse_duration("5d", 86400, &v), -EINVAL);
	assert_int_equal(parse_duration("5ms", 86400, &v), -EINVAL);
	assert_int_equal(parse_duration("m", 86400, &v), -EINVAL);
	assert_int_equal(parse_duration("-5s", 86400, &v), -EINVAL);
	assert_int_equal(parse_duration("", 86400, &v), -EINVAL);
	assert_int_equal(v, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
