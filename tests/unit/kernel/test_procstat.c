// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for procstat: fake proc trees built in a temporary directory
 * (comm with spaces and parentheses, malformed and missing files), then the
 * real /proc/self checked against getrusage, getrlimit and the clock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "procstat.h"
#include "testfs.h"
#include "testtree.h"

#define PID "4242"
#define BTIME 1700000000

/* Fields 14 (utime) 1234, 15 (stime) 567, 22 (starttime) 98765, 23 (vsize)
 * 123456789 and 24 (rss) 4321; the comm holds ") ", digits and "(". Fields
 * 8 and 18 are negative, as tpgid and an RT priority are. */
static const char good_stat[] = PID " (a) b) c) 1 2 3 (x) S 1 4242 4242 0 -1 4194560 2000 0 3"
				    " 0 1234 567 8 9 -100 0 4 0 98765 123456789 4321"
				    " 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 3 0 0 0 0"
				    " 0 0 0 0 0 0 0 0 0\n";

/* As the kernel pads it: "%-25s %-20s %-20s %-10s\n". */
#define GOOD_LIMITS                                                                                \
	"Limit                     Soft Limit           Hard Limit           Units     \n"         \
	"Max cpu time              unlimited            unlimited            seconds   \n"         \
	"Max file size             unlimited            unlimited            bytes     \n"         \
	"Max processes             96365                96365                processes \n"         \
	"Max open files            1024                 524288               files     \n"         \
	"Max locked memory         8388608              8388608              bytes     \n"
static const char good_limits[] = GOOD_LIMITS;

static const char good_root_stat[] = "cpu  10 0 20 3000 5 0 1 0 0 0\n"
				     "cpu0 10 0 20 3000 5 0 1 0 0 0\n"
				     "intr 12345 0 9 0 0\n"
				     "ctxt 67890\n"
				     "btime 1700000000\n"
				     "processes 4321\n"
				     "procs_running 1\n";

/* A fake /proc with PID: each NULL content leaves that file out; nfds < 0
 * leaves out the fd directory. */
static void tree_proc(const struct testtree *t, const char *stat, const char *limits, int nfds,
		      const char *root_stat)
{
	char rel[64];

	testtree_mkdir(t, PID);
	if (stat)
		testtree_file(t, PID "/stat", stat);
	if (limits)
		testtree_file(t, PID "/limits", limits);
	if (nfds >= 0)
		testtree_mkdir(t, PID "/fd");
	for (int i = 0; i < nfds; i++) {
		snprintf(rel, sizeof(rel), PID "/fd/%d", i);
		testtree_file(t, rel, "");
	}
	if (root_stat)
		testtree_file(t, "stat", root_stat);
}

static void expect_double(double got, double want, double eps)
{
	double d = got - want;

	if (d > eps || d < -eps)
		fail_msg("got %.9f, want %.9f (+-%g)", got, want, eps);
}

static void expect_good(const struct procstat *ps)
{
	double ticks = (double)sysconf(_SC_CLK_TCK);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	expect_double(ps->cpu_seconds, (1234.0 + 567.0) / ticks, 1e-9);
	assert_int_equal(ps->resident_bytes, 4321 * page);
	assert_int_equal(ps->virtual_bytes, 123456789);
	assert_int_equal(ps->open_fds, 5);
	assert_int_equal(ps->max_fds, 1024);
	expect_double(ps->start_time_seconds, BTIME + 98765.0 / ticks, 1e-6);
}

static void test_fields(void **state)
{
	const struct testtree *t = *state;
	struct procstat ps;
	char path[512];

	tree_proc(t, good_stat, good_limits, 5, good_root_stat);
	memset(&ps, 0xff, sizeof(ps));
	assert_int_equal(procstat_read(t->root, PID, &ps), 0);
	expect_good(&ps);
	/* A NULL pid reads "self", a symlink in procfs. */
	testtree_path(t, "self", path, sizeof(path));
	if (symlink(PID, path))
		fail_msg("symlink %s: %s", path, strerror(errno));
	memset(&ps, 0, sizeof(ps));
	assert_int_equal(procstat_read(t->root, NULL, &ps), 0);
	expect_good(&ps);
}

/* Without a newline at the end, and with the minimum 24 fields. */
static void test_short_stat(void **state)
{
	const struct testtree *t = *state;
	double ticks = (double)sysconf(_SC_CLK_TCK);
	struct procstat ps;

	tree_proc(t, PID " ((sd-pam)) S 1 2 3 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 50 8192 2",
		  good_limits, 0, "btime 5");
	assert_int_equal(procstat_read(t->root, PID, &ps), 0);
	expect_double(ps.cpu_seconds, 10.0 / ticks, 1e-9);
	assert_int_equal(ps.resident_bytes, 2 * (uint64_t)sysconf(_SC_PAGESIZE));
	assert_int_equal(ps.virtual_bytes, 8192);
	assert_int_equal(ps.open_fds, 0);
	expect_double(ps.start_time_seconds, 5.0 + 50.0 / ticks, 1e-9);
}

static void test_unlimited_fds(void **state)
{
	const struct testtree *t = *state;
	struct procstat ps;

	tree_proc(t, good_stat, "Max open files            unlimited            unlimited files\n",
		  5, good_root_stat);
	assert_int_equal(procstat_read(t->root, PID, &ps), 0);
	assert_int_equal(ps.max_fds, UINT64_MAX);
}

static void expect_stat_einval(const struct testtree *t, const char *stat, size_t len)
{
	struct procstat ps, before;

	testtree_write(t, PID "/stat", stat, len);
	memset(&ps, 0x5a, sizeof(ps));
	before = ps;
	if (procstat_read(t->root, PID, &ps) != -EINVAL)
		fail_msg("stat \"%.*s\" is not -EINVAL", (int)len, stat);
	/* A failed read leaves *out alone. */
	assert_memory_equal(&ps, &before, sizeof(ps));
}

static void test_malformed_stat(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		/* Truncated before field 24. */
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 4096\n",
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 4096 ",
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5",
		"4242 (cat",
		"4242 (cat R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 4096 7 0\n",
		"4242 cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 4096 7 0\n",
		"(cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 4096 7 0\n",
		"x4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 4096 7 0\n",
		"4242 (cat)R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 4096 7 0\n",
		/* Non-numeric, negative, signed or overflowing fields we use. */
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 x 6 0 0 20 0 1 0 100 4096 7 0\n",
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5 6x 0 0 20 0 1 0 100 4096 7 0\n",
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 12a 4096 7 0\n",
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 -4096 7 0\n",
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 4096 -1 0\n",
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 +5 6 0 0 20 0 1 0 100 4096 7 0\n",
		"4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 18446744073709551616 7 0\n",
		/* RSS in bytes would overflow 64 bits. */
		"4242 (c) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1 1 18446744073709551615\n",
	};
	static const char nul[] = "4242 (cat) R 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 100 4096 7\n";
	const struct testtree *t = *state;
	struct procstat ps;
	char *huge;

	tree_proc(t, NULL, good_limits, 5, good_root_stat);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_stat_einval(t, bad[i], strlen(bad[i]));
	/* A NUL inside, which no procfs text holds. */
	expect_stat_einval(t, nul, sizeof(nul));
	/* Longer than any real stat: not read past the buffer. */
	huge = malloc(64 * 1024);
	assert_non_null(huge);
	memset(huge, '1', 64 * 1024);
	expect_stat_einval(t, huge, 64 * 1024);
	free(huge);
	/* The same tree with a good stat reads, so the errors came from stat. */
	testtree_file(t, PID "/stat", good_stat);
	assert_int_equal(procstat_read(t->root, PID, &ps), 0);
}

static void test_malformed_limits(void **state)
{
	static const char *const bad[] = {
		"",
		"Max processes             96365                96365                processes \n",
		"Max open files            abc                  4096                 files\n",
		"Max open files            -1                   4096                 files\n",
		"Max open files            1024\n",
		"Max open files\n",
		"Max open files            1024k                4096                 files\n",
		"Max open files            99999999999999999999 4096                 files\n",
		"Max open filesystems      1024                 4096                 files\n",
	};
	const struct testtree *t = *state;
	struct procstat ps;

	tree_proc(t, good_stat, NULL, 5, good_root_stat);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		testtree_file(t, PID "/limits", bad[i]);
		if (procstat_read(t->root, PID, &ps) != -EINVAL)
			fail_msg("limits \"%s\" is not -EINVAL", bad[i]);
	}
}

static void test_malformed_btime(void **state)
{
	static const char *const bad[] = {
		"",
		"cpu  1 2 3\nctxt 5\nprocesses 3\n",
		"btime\n",
		"btime \n",
		"btime abc\n",
		"btime 1e9\n",
		"btime -5\n",
		"btime 17000 00000\n",
		"btime 99999999999999999999\n",
		"btime\t1700000000\n",
	};
	const struct testtree *t = *state;
	struct procstat ps;

	tree_proc(t, good_stat, good_limits, 5, NULL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		testtree_file(t, "stat", bad[i]);
		if (procstat_read(t->root, PID, &ps) != -EINVAL)
			fail_msg("stat \"%s\" is not -EINVAL", bad[i]);
	}
}

static void test_missing(void **state)
{
	const struct testtree *t = *state;
	struct procstat ps;
	char path[512];

	testtree_path(t, "nope", path, sizeof(path));
	assert_int_equal(procstat_read(path, PID, &ps), -ENOENT);
	assert_int_equal(procstat_read(t->root, PID, &ps), -ENOENT);
	tree_proc(t, NULL, NULL, -1, NULL);
	assert_int_equal(procstat_read(t->root, PID, &ps), -ENOENT);
	testtree_file(t, PID "/stat", good_stat);
	assert_int_equal(procstat_read(t->root, PID, &ps), -ENOENT);
	testtree_file(t, PID "/limits", good_limits);
	assert_int_equal(procstat_read(t->root, PID, &ps), -ENOENT);
	testtree_mkdir(t, PID "/fd");
	assert_int_equal(procstat_read(t->root, PID, &ps), -ENOENT);
	testtree_file(t, "stat", good_root_stat);
	assert_int_equal(procstat_read(t->root, PID, &ps), 0);
	/* The pid is one path component inside proc_root. */
	assert_int_equal(procstat_read(t->root, "", &ps), -EINVAL);
	assert_int_equal(procstat_read(t->root, "..", &ps), -EINVAL);
	assert_int_equal(procstat_read(t->root, ".", &ps), -EINVAL);
	assert_int_equal(procstat_read(t->root, "../" PID, &ps), -EINVAL);
	assert_int_equal(procstat_read(t->root, PID "/", &ps), -EINVAL);
}

/* Counts /proc/self/fd as ls(1) would, its own directory fd included. */
static uint64_t count_own_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	uint64_t n = 0;

	if (!dir)
		fail_msg("opendir /proc/self/fd: %s", strerror(errno));
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(dir);
	return n;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_real_self(void **state)
{
	struct procstat ps, after, byname;
	struct rusage ru;
	struct rlimit rl;
	double now, used;
	char pid[32];
	int fds[3];

	(void)state;
	assert_int_equal(procstat_read(NULL, NULL, &ps), 0);
	now = now_seconds();
	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	print_message("cpu %.2fs rss %" PRIu64 " vsz %" PRIu64 " fds %" PRIu64 "/%" PRIu64
		      " started %.2fs ago\n",
		      ps.cpu_seconds, ps.resident_bytes, ps.virtual_bytes, ps.open_fds, ps.max_fds,
		      now - ps.start_time_seconds);
	used = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	assert_true(ps.cpu_seconds >= 0);
	/* Ticks against microseconds: they agree to a few ticks. */
	expect_double(ps.cpu_seconds, used, 0.1);
	assert_true(ps.resident_bytes > 0);
	assert_true(ps.virtual_bytes >= ps.resident_bytes);
	assert_true(ps.open_fds >= 3);
	assert_true(ps.max_fds > 0);
	assert_int_equal(ps.max_fds, rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : rl.rlim_cur);
	assert_true(ps.start_time_seconds <= now);
	assert_true(ps.start_time_seconds > now - 3600);

	/* Exactly three more open files show as three more. */
	for (int i = 0; i < 3; i++) {
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(fds[i] >= 0);
	}
	assert_int_equal(procstat_read("/proc", "self", &after), 0);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	assert_int_equal(after.open_fds, ps.open_fds + 3);
	/* Only the listing's own fd is extra, as for ls(1). */
	assert_int_equal(procstat_read(NULL, NULL, &after), 0);
	assert_int_equal(after.open_fds, count_own_fds());

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	assert_int_equal(procstat_read(NULL, pid, &byname), 0);
	assert_int_equal(byname.open_fds, ps.open_fds);
	assert_int_equal(byname.max_fds, ps.max_fds);
	expect_double(byname.start_time_seconds, ps.start_time_seconds, 1e-9);
	/* Beyond pid_max's ceiling (2^22), so never a live process. */
	assert_int_equal(procstat_read(NULL, "99999999", &byname), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fields, testtree_setup, testtree_teardown),
		cmocka_unit_test_setup_teardown(test_short_stat, testtree_setup, testtree_teardown),
		cmocka_unit_test_setup_teardown(test_unlimited_fds, testtree_setup,
						testtree_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_stat, testtree_setup,
						testtree_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_limits, testtree_setup,
						testtree_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_btime, testtree_setup,
						testtree_teardown),
		cmocka_unit_test_setup_teardown(test_missing, testtree_setup, testtree_teardown),
		cmocka_unit_test(test_real_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
