// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for opts: flags parsed from a table by kind, their errors, and
 * the help made from the same table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "opts.h"

struct test_cfg {
	bool flag;
	uint64_t n;
	uint32_t n32;
	uint64_t dur;
	const char *str;
	const char *out;
	struct opts_list list;
	const char *custom;
	int calls;
};

/* Takes "ok" and "exit", refuses anything else with its own message. */
static int custom_cb(const struct opts_entry *e, const char *arg, void *data)
{
	struct test_cfg *cfg = data;

	cfg->calls++;
	if (strcmp(arg, "exit") == 0)
		return OPTS_EXIT;
	if (strcmp(arg, "ok") != 0) {
		fprintf(stderr, "custom %s: no\n", e->name);
		return -EINVAL;
	}
	cfg->custom = arg;
	return 0;
}

static int version_cb(const struct opts_entry *e, const char *arg, void *data)
{
	(void)e;
	(void)data;
	assert_null(arg);
	printf("version 1\n");
	return OPTS_EXIT;
}

#define T(kind, member) OPTS_##kind##_AT(struct test_cfg, member)

static const struct opts_entry entries[] = {
	{ .name = "flag", .short_name = 'f', T(FLAG, flag), .help = "a flag" },
	{ .name = "n",
	  T(U64, n),
	  .arg = "N",
	  .min = 1,
	  .max = 100,
	  .def = "50",
	  .help = "a number" },
	{ .name = "n32",
	  T(U32, n32),
	  .arg = "N",
	  .max = UINT32_MAX,
	  .must = "be a 32-bit number",
	  .help = "two lines\nof help" },
	{ .name = "dur", T(DURATION, dur), .arg = "DUR", .min = 1, .max = 3600, .def = "30s" },
	{ .name = "str", .short_name = 's', T(STRING, str), .arg = "S", .def = "dflt" },
	{ .name = "out",
	  .short_name = 'o',
	  T(STRING, out),
	  .arg = "FILE",
	  .optional_arg = true,
	  .def = "out.file",
	  .help = "at the column" },
	{ .name = "list",
	  T(LIST, list),
	  .arg = "X",
	  .max = 3,
	  .def = "first",
	  .help = "repeatable" },
	{ .name = "custom",
	  .kind = OPTS_CUSTOM,
	  .parse = custom_cb,
	  .arg = "C",
	  .def = "shown only",
	  .help = "ok or exit" },
	{ .name = "a-very-long-flag-name",
	  .kind = OPTS_CUSTOM,
	  .parse = version_cb,
	  .help = "on a line\nof its own" },
	OPTS_HELP_ENTRY,
};

static const struct opts_cmd cmd = {
	.head = "Usage: test [flags]\n",
	.foot = "The end.\n",
	.column = 18,
	.entries = entries,
	.n = sizeof(entries) / sizeof(entries[0]),
};

static const char help_text[] = "Usage: test [flags]\n"
				"  -f, --flag      a flag\n"
				"  --n=N           a number (default 50)\n"
				"  --n32=N         two lines\n"
				"                  of help\n"
				"  --dur=DUR       (default 30s)\n"
				"  -s, --str=S     (default dflt)\n"
				"  -o, --out[=FILE]  at the column (default out.file)\n"
				"  --list=X        repeatable (default first)\n"
				"  --custom=C      ok or exit (default shown only)\n"
				"  --a-very-long-flag-name\n"
				"                  on a line\n"
				"                  of its own\n"
				"  -h, --help      print this help and exit\n"
				"The end.\n";

static struct test_cfg cfg;
static char out[4096], err[4096];

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* opts_parse(&c, argv) on a zeroed cfg, what it prints in out and err. */
static int parse_cmd(const struct opts_cmd *c, char **argv)
{
	FILE *fo = tmpfile(), *fe = tmpfile();
	int argc = 0, saved_out, saved_err, ret;

	assert_non_null(fo);
	assert_non_null(fe);
	while (argv[argc])
		argc++;
	memset(&cfg, 0, sizeof(cfg));
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(fo), STDOUT_FILENO);
	dup2(fileno(fe), STDERR_FILENO);
	ret = opts_parse(c, argc, argv, &cfg);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	slurp(fo, out, sizeof(out));
	slurp(fe, err, sizeof(err));
	return ret;
}

static int parse(char **argv)
{
	return parse_cmd(&cmd, argv);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse((char *[]){ "test", NULL }), 0);
	assert_string_equal(out, "");
	assert_string_equal(err, "");
	assert_false(cfg.flag);
	assert_int_equal(cfg.n, 50);
	assert_int_equal(cfg.n32, 0);
	assert_int_equal(cfg.dur, 30);
	assert_string_equal(cfg.str, "dflt");
	/* An optional argument's default is for the flag without one. */
	assert_null(cfg.out);
	assert_int_equal(cfg.list.n, 1);
	assert_string_equal(cfg.list.v[0], "first");
	/* A callback's default is only shown. */
	assert_null(cfg.custom);
	assert_int_equal(cfg.calls, 0);
}

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(
	    parse((char *[]){ "test", "--flag", "--n=7", "--n32", "4294967295", "--dur=5m",
			      "--str=x", "--list=a", "--list", "b", "--custom=ok", NULL }),
	    0);
	assert_string_equal(err, "");
	assert_true(cfg.flag);
	assert_int_equal(cfg.n, 7);
	assert_int_equal(cfg.n32, UINT32_MAX);
	assert_int_equal(cfg.dur, 300);
	assert_string_equal(cfg.str, "x");
	/* Given, the list default is not added. */
	assert_int_equal(cfg.list.n, 2);
	assert_string_equal(cfg.list.v[0], "a");
	assert_string_equal(cfg.list.v[1], "b");
	assert_string_equal(cfg.custom, "ok");
	assert_int_equal(cfg.calls, 1);

	/* Short options, grouped; a unique prefix of a long one. */
	assert_int_equal(parse((char *[]){ "test", "-fs", "y", "--cus", "ok", "--du=1h", NULL }),
			 0);
	assert_true(cfg.flag);
	assert_string_equal(cfg.str, "y");
	assert_string_equal(cfg.custom, "ok");
	assert_int_equal(cfg.dur, 3600);
	assert_int_equal(parse((char *[]){ "test", "-sz", NULL }), 0);
	assert_string_equal(cfg.str, "z");
	/* Flags after a "--" are words. */
	assert_int_equal(parse((char *[]){ "test", "-f", "--", NULL }), 0);
	assert_true(cfg.flag);
}

static void test_optional_arg(void **state)
{
	(void)state;
	assert_int_equal(parse((char *[]){ "test", "-o", NULL }), 0);
	assert_string_equal(cfg.out, "out.file");
	assert_int_equal(parse((char *[]){ "test", "-o", "a", NULL }), 0);
	assert_string_equal(cfg.out, "a");
	assert_int_equal(parse((char *[]){ "test", "-ob", NULL }), 0);
	assert_string_equal(cfg.out, "b");
	assert_int_equal(parse((char *[]){ "test", "--out", NULL }), 0);
	assert_string_equal(cfg.out, "out.file");
	assert_int_equal(parse((char *[]){ "test", "--out=c", NULL }), 0);
	assert_string_equal(cfg.out, "c");
	assert_int_equal(parse((char *[]){ "test", "--out", "d", NULL }), 0);
	assert_string_equal(cfg.out, "d");
	/* Empty is the default too. */
	assert_int_equal(parse((char *[]){ "test", "--out=", NULL }), 0);
	assert_string_equal(cfg.out, "out.file");
	assert_int_equal(parse((char *[]){ "test", "-o", "", NULL }), 0);
	assert_string_equal(cfg.out, "out.file");
	/* A next word that is a flag is not taken. */
	assert_int_equal(parse((char *[]){ "test", "-o", "--flag", NULL }), 0);
	assert_string_equal(cfg.out, "out.file");
	assert_true(cfg.flag);
	assert_int_equal(parse((char *[]){ "test", "-o", "--n=0", NULL }), -EINVAL);
	assert_string_equal(err, "dropmon: error: --n must be a number from 1 to 100 (got '0')\n");
}

static void test_range_errors(void **state)
{
	(void)state;
	assert_int_equal(parse((char *[]){ "test", "--n=0", NULL }), -EINVAL);
	assert_string_equal(err, "dropmon: error: --n must be a number from 1 to 100 (got '0')\n");
	assert_string_equal(out, "");
	assert_int_equal(parse((char *[]){ "test", "--n=101", NULL }), -EINVAL);
	assert_string_equal(err,
			    "dropmon: error: --n must be a number from 1 to 100 (got '101')\n");
	assert_int_equal(parse((char *[]){ "test", "--n", "1x", NULL }), -EINVAL);
	assert_string_equal(err, "dropmon: error: --n must be a number from 1 to 100 (got '1x')\n");
	assert_int_equal(parse((char *[]){ "test", "--n=", NULL }), -EINVAL);
	assert_string_equal(err, "dropmon: error: --n must be a number from 1 to 100 (got '')\n");
	/* The message a table gives instead. */
	assert_int_equal(parse((char *[]){ "test", "--n32=4294967296", NULL }), -EINVAL);
	assert_string_equal(err,
			    "dropmon: error: --n32 must be a 32-bit number (got '4294967296')\n");
	assert_int_equal(cfg.n32, 0);
	assert_int_equal(parse((char *[]){ "test", "--dur=0", NULL }), -EINVAL);
	assert_string_equal(
	    err, "dropmon: error: --dur must be a duration from 1s to 3600s (got '0')\n");
	assert_int_equal(parse((char *[]){ "test", "--dur=61m", NULL }), -EINVAL);
	assert_string_equal(
	    err, "dropmon: error: --dur must be a duration from 1s to 3600s (got '61m')\n");
	assert_int_equal(parse((char *[]){ "test", "--dur=1d", NULL }), -EINVAL);
	assert_int_equal(parse((char *[]){ "test", "--dur=1h", NULL }), 0);
	assert_int_equal(cfg.dur, 3600);
	/* A callback's refusal, its own words. */
	assert_int_equal(parse((char *[]){ "test", "--custom=no", NULL }), -EINVAL);
	assert_string_equal(err, "custom custom: no\n");
	/* The first bad flag stops parsing. */
	assert_int_equal(parse((char *[]){ "test", "--n=0", "--flag", "--custom=no", NULL }),
			 -EINVAL);
	assert_false(cfg.flag);
	assert_int_equal(cfg.calls, 0);
}

static void test_unknown(void **state)
{
	(void)state;
	assert_int_equal(parse((char *[]){ "test", "--nope", NULL }), -EINVAL);
	assert_string_equal(out, "");
	assert_true(strncmp(err, "test: unrecognized option '--nope'\n", 35) == 0);
	/* The help follows on stderr. */
	assert_string_equal(err + 35, help_text);
	assert_int_equal(parse((char *[]){ "test", "-x", NULL }), -EINVAL);
	assert_non_null(strstr(err, "test: invalid option -- 'x'\n"));
	/* Mid-group: the next parse starts afresh all the same. */
	assert_int_equal(parse((char *[]){ "test", "-fxs", "a", NULL }), -EINVAL);
	assert_true(cfg.flag);
	assert_int_equal(parse((char *[]){ "test", "-sq", NULL }), 0);
	assert_string_equal(cfg.str, "q");
	/* "--n" is a whole name and "--n3" a prefix; "--" alone ends flags. */
	assert_int_equal(parse((char *[]){ "test", "--n3=5", NULL }), 0);
	assert_int_equal(cfg.n32, 5);
	assert_int_equal(parse((char *[]){ "test", "--l=a", "--li=b", NULL }), 0);
	assert_int_equal(cfg.list.n, 2);
}

static void test_missing_arg(void **state)
{
	(void)state;
	assert_int_equal(parse((char *[]){ "test", "--n", NULL }), -EINVAL);
	assert_non_null(strstr(err, "test: option '--n' requires an argument\n"));
	assert_non_null(strstr(err, "Usage: test"));
	assert_int_equal(parse((char *[]){ "test", "-s", NULL }), -EINVAL);
	assert_non_null(strstr(err, "test: option requires an argument -- 's'\n"));
	assert_int_equal(parse((char *[]){ "test", "--flag=1", NULL }), -EINVAL);
	assert_non_null(strstr(err, "test: option '--flag' doesn't allow an argument\n"));
	assert_false(cfg.flag);
	/* The next word is taken, even one that looks like a flag. */
	assert_int_equal(parse((char *[]){ "test", "--str", "--flag", NULL }), 0);
	assert_string_equal(cfg.str, "--flag");
	assert_false(cfg.flag);
}

static void test_repeated(void **state)
{
	(void)state;
	/* The last one counts. */
	assert_int_equal(parse((char *[]){ "test", "--n=1", "--n=2", "--str=a", "-s", "b", NULL }),
			 0);
	assert_int_equal(cfg.n, 2);
	assert_string_equal(cfg.str, "b");
	assert_int_equal(parse((char *[]){ "test", "-f", "--flag", "-ff", NULL }), 0);
	assert_true(cfg.flag);
	/* A list keeps all, up to its max. */
	assert_int_equal(parse((char *[]){ "test", "--list=a", "--list=b", "--list=c", NULL }), 0);
	assert_int_equal(cfg.list.n, 3);
	assert_string_equal(cfg.list.v[2], "c");
	assert_int_equal(
	    parse((char *[]){ "test", "--list=a", "--list=b", "--list=c", "--list=d", NULL }),
	    -EINVAL);
	assert_string_equal(err, "dropmon: error: at most 3 --list flags\n");
}

static void test_words(void **state)
{
	(void)state;
	assert_int_equal(parse((char *[]){ "test", "word", NULL }), -EINVAL);
	assert_string_equal(err, "dropmon: error: unexpected argument 'word'\n");
	/* Flags after a word are still parsed first (getopt permutes). */
	assert_int_equal(parse((char *[]){ "test", "word", "--n=9", NULL }), -EINVAL);
	assert_int_equal(cfg.n, 9);
	assert_string_equal(err, "dropmon: error: unexpected argument 'word'\n");
	assert_int_equal(parse((char *[]){ "test", "--", "--n=9", NULL }), -EINVAL);
	assert_string_equal(err, "dropmon: error: unexpected argument '--n=9'\n");
	assert_int_equal(cfg.n, 50);
	/* A word after a required argument's flag is its argument. */
	assert_int_equal(parse((char *[]){ "test", "--list", "word", NULL }), 0);
	assert_string_equal(cfg.list.v[0], "word");
}

static void test_help(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	opts_help(&cmd, f);
	fclose(f);
	assert_string_equal(buf, help_text);
	free(buf);

	assert_int_equal(parse((char *[]){ "test", "--help", NULL }), OPTS_EXIT);
	assert_string_equal(out, help_text);
	assert_string_equal(err, "");
	assert_int_equal(parse((char *[]){ "test", "-h", "--nope", NULL }), OPTS_EXIT);
	assert_string_equal(out, help_text);
	/* In order: a bad flag before --help is an error. */
	assert_int_equal(parse((char *[]){ "test", "--n=0", "--help", NULL }), -EINVAL);
	assert_string_equal(out, "");
	assert_int_equal(parse((char *[]){ "test", "--he", NULL }), OPTS_EXIT);
}

static void test_callback_exit(void **state)
{
	(void)state;
	/* OPTS_EXIT ends parsing: what follows is not looked at. */
	assert_int_equal(
	    parse((char *[]){ "test", "--a-very-long-flag-name", "--n=0", "word", NULL }),
	    OPTS_EXIT);
	assert_string_equal(out, "version 1\n");
	assert_string_equal(err, "");
	assert_int_equal(parse((char *[]){ "test", "--custom", "exit", "--custom=ok", NULL }),
			 OPTS_EXIT);
	assert_int_equal(cfg.calls, 1);
	assert_int_equal(parse((char *[]){ "test", "--a-very-long-flag-name=1", NULL }), -EINVAL);
}

static int ignore(const struct opts_entry *e, const char *arg, void *data)
{
	(void)e;
	(void)arg;
	(void)data;
	return 0;
}

static void test_bad_tables(void **state)
{
	static const struct opts_entry bad[][1] = {
		{ { .name = "a", T(FLAG, flag), .arg = "X" } },
		{ { .name = "b", T(U64, n) } },
		{ { .name = "c", T(U64, n), .arg = "N", .min = 2, .max = 1 } },
		{ { .name = "d", T(U32, n32), .arg = "N", .max = UINT64_MAX } },
		{ { .name = "e", .kind = OPTS_CUSTOM } },
		{ { .name = "f", T(STRING, str), .arg = "S", .optional_arg = true } },
		{ { .name = "g", T(LIST, list), .arg = "X", .max = OPTS_LIST_MAX + 1 } },
		{ { .name = "h", T(U64, n), .arg = "N", .max = 10, .def = "11" } },
		{ { .name = "i", .short_name = '?', .kind = OPTS_CUSTOM, .parse = ignore } },
		{ { T(FLAG, flag) } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct opts_cmd c = { .entries = bad[i], .n = 1, .column = 10 };

		assert_int_equal(parse_cmd(&c, (char *[]){ "test", NULL }), -EINVAL);
		assert_non_null(strstr(err, "option table: --"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),     cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_optional_arg), cmocka_unit_test(test_range_errors),
		cmocka_unit_test(test_unknown),	     cmocka_unit_test(test_missing_arg),
		cmocka_unit_test(test_repeated),     cmocka_unit_test(test_words),
		cmocka_unit_test(test_help),	     cmocka_unit_test(test_callback_exit),
		cmocka_unit_test(test_bad_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
