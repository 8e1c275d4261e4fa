// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for httplist: elements, parameters and weights of header lists
 * (negotiation itself is tested through expo and gzip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "httplist.h"

/* Renders the list as "name/sub@q" or "!" per element, space-separated. */
static void parse_all(const char *hdr, char *out, size_t size)
{
	struct httplist_elem e;
	size_t len = 0;
	int r;

	out[0] = '\0';
	while ((r = httplist_next(&hdr, &e)) != 0) {
		char one[64];

		if (r < 0)
			strcpy(one, "!");
		else if (e.sub == e.sub_end)
			snprintf(one, sizeof(one), "%.*s@%d", (int)(e.name_end - e.name), e.name,
				 e.q);
		else
			snprintf(one, sizeof(one), "%.*s/%.*s@%d", (int)(e.name_end - e.name),
				 e.name, (int)(e.sub_end - e.sub), e.sub, e.q);
		len += (size_t)snprintf(out + len, size - len, "%s%s", len ? " " : "", one);
		assert_true(len < size);
	}
}

#define expect_list(hdr, want)                                                                     \
	do {                                                                                       \
		char got[256];                                                                     \
		parse_all(hdr, got, sizeof(got));                                                  \
		assert_string_equal(got, want);                                                    \
	} while (0)

static void test_elements(void **state)
{
	(void)state;
	expect_list("", "");
	expect_list(" , ,, ", "");
	expect_list("gzip", "gzip@1000");
	expect_list("text/plain;version=0.0.4;q=0.5, */*;q=0.1", "text/plain@500 */*@100");
	expect_list("a/b;x=\"q=0, still quoted\";q=0.25,c", "a/b@250 c@1000");
	expect_list(" gzip ; Q = 0.125 ,,x-gzip", "gzip@125 x-gzip@1000");
	expect_list("a;;q=1;", "a@1000");
}

static void test_malformed(void **state)
{
	(void)state;
	expect_list("a/", "!");
	expect_list("/b", "!");
	expect_list("\"gzip\", br", "! br@1000");
	expect_list("a;q=1.0001, b;q=2, c;q=.5, d;q=0.5;q=1, e;q=\"1\"", "! ! ! ! !");
	expect_list("a;q=, b;q, c;=1, d x", "! ! ! !");
	/* A comma inside an unclosed quote: the rest is one malformed element. */
	expect_list("a;x=\"oops, b", "!");
	expect_list("a;x=\"a\\\", b\", c", "a@1000 c@1000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
