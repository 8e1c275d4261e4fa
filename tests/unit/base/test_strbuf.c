// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for strbuf: growth, formatting, and the sticky error. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "strbuf.h"

static void test_append_grows(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(strbuf_puts(&sb, "abc"), 0);
	assert_int_equal(sb.len, 3000);
	assert_true(sb.cap > sb.len);
	assert_int_equal(sb.buf[sb.len], '\0');
	assert_memory_equal(sb.buf + 2997, "abc", 4);
	strbuf_free(&sb);
	assert_null(sb.buf);
	assert_int_equal(sb.len, 0);
}

static void test_printf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char big[600];

	(void)state;
	assert_int_equal(strbuf_printf(&sb, "%s=%d", "x", 42), 0);
	assert_string_equal(sb.buf, "x=42");
	/* Longer than the first allocation: the second vsnprintf must see room. */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(strbuf_printf(&sb, "[%s]", big), 0);
	assert_int_equal(sb.len, 4 + 2 + sizeof(big) - 1);
	assert_int_equal(sb.buf[5], 'z');
	assert_int_equal(sb.buf[sb.len - 1], ']');
	strbuf_free(&sb);
}

static void test_binary_and_putc(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(strbuf_append(&sb, "a\0b", 3), 0);
	assert_int_equal(strbuf_putc(&sb, 'c'), 0);
	assert_int_equal(strbuf_append(&sb, NULL, 0), 0);
	assert_int_equal(sb.len, 4);
	assert_memory_equal(sb.buf, "a\0bc", 5);
	strbuf_free(&sb);
}

static void test_put_u64(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(strbuf_put_u64(&sb, 0), 0);
	assert_int_equal(strbuf_putc(&sb, ' '), 0);
	assert_int_equal(strbuf_put_u64(&sb, 1234567890), 0);
	assert_int_equal(strbuf_putc(&sb, ' '), 0);
	assert_int_equal(strbuf_put_u64(&sb, UINT64_MAX), 0);
	assert_string_equal(sb.buf, "0 1234567890 18446744073709551615");
	strbuf_free(&sb);
	{
		char buf[STRBUF_U64_SIZE];

		assert_int_equal(strbuf_fmt_u64(buf, UINT64_MAX), 20);
		assert_string_equal(buf, "18446744073709551615");
		assert_int_equal(strbuf_fmt_u64(buf, 7), 1);
		assert_string_equal(buf, "7");
	}
}

static void test_sticky_error(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(strbuf_puts(&sb, "keep"), 0);
	/* A request that cannot be met sets the error and keeps the contents. */
	assert_int_equal(strbuf_reserve(&sb, SIZE_MAX - 2), -ENOMEM);
	assert_int_equal(sb.err, -ENOMEM);
	assert_int_equal(strbuf_puts(&sb, "more"), -ENOMEM);
	assert_int_equal(strbuf_printf(&sb, "%d", 1), -ENOMEM);
	assert_int_equal(sb.len, 4);
	assert_string_equal(sb.buf, "keep");
	strbuf_reset(&sb);
	assert_int_equal(sb.err, 0);
	assert_int_equal(sb.len, 0);
	assert_int_equal(strbuf_puts(&sb, "again"), 0);
	assert_string_equal(sb.buf, "again");
	strbuf_free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_grows),	cmocka_unit_test(test_printf),
		cmocka_unit_test(test_binary_and_putc), cmocka_unit_test(test_put_u64),
		cmocka_unit_test(test_sticky_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
