// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for nftables.c's readers of what nft(8) prints: the tables it
 * lists, a rule line by its handle, and the names looked up with it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nftables.h"

static void tables(const char *text, bool want_it, bool want_other)
{
	bool it = !want_it, other = !want_other;

	nftables_parse_tables(text, strlen(text), "inet", "dropmon_trace", &it, &other);
	assert_int_equal(it, want_it);
	assert_int_equal(other, want_other);
}

static void test_tables(void **state)
{
	(void)state;
	tables("", false, false);
	tables("table inet dropmon_trace", true, false);
	tables("table inet dropmon_trace\n", true, false);
	tables("table inet f\ntable inet dropmon_trace", true, true);
	tables("table ip filter\n", false, true);
	/* Same name, another family; same family, a longer name. */
	tables("table ip dropmon_trace\n", false, true);
	tables("table inet dropmon_trace2\n", false, true);
	/* Not a table line: a warning, a cut line, one with more words. */
	tables("Warning: something\ntable inet\ntable inet x y\n", false, false);
	tables("\ttable  inet   dropmon_trace  \n", true, false);
}

static const char chain[] = "table inet f {\n"
			    "\tchain input { # handle 1\n"
			    "\t\ttype filter hook input priority filter; policy accept;\n"
			    "\t\tip saddr 10.9.0.1 jump deny # handle 3\n"
			    "\t\tudp dport 5000 drop # handle 31\n"
			    "\t\tudp dport 5001 drop comment \"a\001b\" # handle 4\n"
			    "\t}\n"
			    "}\n";

static void test_find_rule(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(nftables_find_rule(chain, strlen(chain), 3, out, sizeof(out)), 0);
	assert_string_equal(out, "ip saddr 10.9.0.1 jump deny # handle 3");
	/* 31 is not 1 or 3; the chain's own handle 1 is not a rule. */
	assert_int_equal(nftables_find_rule(chain, strlen(chain), 31, out, sizeof(out)), 0);
	assert_string_equal(out, "udp dport 5000 drop # handle 31");
	assert_int_equal(nftables_find_rule(chain, strlen(chain), 1, out, sizeof(out)), -ENOENT);
	assert_int_equal(nftables_find_rule(chain, strlen(chain), 2, out, sizeof(out)), -ENOENT);
	/* Control characters never get out. */
	assert_int_equal(nftables_find_rule(chain, strlen(chain), 4, out, sizeof(out)), 0);
	assert_string_equal(out, "udp dport 5001 drop comment \"a?b\" # handle 4");
	/* Cut to the buffer. */
	assert_int_equal(nftables_find_rule(chain, strlen(chain), 3, out, 9), 0);
	assert_string_equal(out, "ip saddr");
	/* The last line without its newline, and a text cut inside a line. */
	assert_int_equal(nftables_find_rule("drop # handle 7", 15, 7, out, sizeof(out)), 0);
	assert_string_equal(out, "drop # handle 7");
	assert_int_equal(nftables_find_rule("drop # handle 7", 14, 7, out, sizeof(out)), -ENOENT);
	assert_int_equal(nftables_find_rule("# handle 7\n", 11, 7, out, sizeof(out)), -ENOENT);
}

static void test_name_ok(void **state)
{
	char long_name[300];

	(void)state;
	assert_true(nftables_name_ok("dm_filter"));
	assert_true(nftables_name_ok("KUBE-SVC-1.2/x"));
	assert_false(nftables_name_ok(""));
	assert_false(nftables_name_ok(NULL));
	assert_false(nftables_name_ok("1abc"));
	assert_false(nftables_name_ok("a b"));
	assert_false(nftables_name_ok("a;b"));
	assert_false(nftables_name_ok("a\"b"));
	memset(long_name, 'a', sizeof(long_name));
	long_name[255] = '\0';
	assert_true(nftables_name_ok(long_name));
	long_name[255] = 'a';
	long_name[256] = '\0';
	assert_false(nftables_name_ok(long_name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_find_rule),
		cmocka_unit_test(test_name_ok),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
