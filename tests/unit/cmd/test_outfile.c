// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for outfile: output files are 0600 whatever the umask, an
 * existing file is replaced only with OUTFILE_FORCE, a capture appears
 * only at the commit (and not over a file that appeared meanwhile), an
 * abort leaves nothing, and a FIFO without a reader fails at once. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "outfile.h"
#include "testfs.h"

struct fixture {
	char dir[256];
	char path[320];
	char msg[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(testfs_mkdir(f->dir, sizeof(f->dir), "outfile"), 0);
	snprintf(f->path, sizeof(f->path), "%s/out", f->dir);
	umask(0); /* 0600 must not come from the umask */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	umask(022);
	testfs_rmtree(f->dir);
	free(f);
	return 0;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void put(const char *path, const char *s, mode_t mode)
{
	assert_int_equal(testfs_write(path, s, strlen(s)), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void expect_content(const char *path, const char *want)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) >= 0);
	close(fd);
	assert_string_equal(buf, want);
}

/* Entries of the directory but "." and "..". */
static int entries(const char *dir)
{
	char cmd[300];
	FILE *p;
	int n = 0, c;

	snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((c = fgetc(p)) != EOF)
		n += c == '\n';
	pclose(p);
	return n;
}

static void test_new_file(void **state)
{
	struct fixture *f = *state;
	struct outfile of;

	assert_int_equal(outfile_open(&of, f->path, 0, f->msg, sizeof(f->msg)), 0);
	assert_int_equal(write(of.fd, "x", 1), 1);
	assert_int_equal(mode_of(f->path), 0600);
	assert_int_equal(outfile_commit(&of, f->msg, sizeof(f->msg)), 0);
	expect_content(f->path, "x");
}

static void test_existing_refused(void **state)
{
	struct fixture *f = *state;
	struct outfile of;
	unsigned int flags[] = { 0, OUTFILE_ATOMIC };
	size_t i;

	put(f->path, "keep", 0644);
	for (i = 0; i < 2; i++) {
		assert_int_equal(outfile_open(&of, f->path, flags[i], f->msg, sizeof(f->msg)),
				 -EEXIST);
		assert_non_null(strstr(f->msg, "exists (--force replaces it)"));
		assert_non_null(strstr(f->msg, f->path));
	}
	expect_content(f->path, "keep");
	assert_int_equal(mode_of(f->path), 0644);
	assert_int_equal(entries(f->dir), 1);
}

static void test_force_in_place(void **state)
{
	struct fixture *f = *state;
	struct outfile of;

	put(f->path, "old content", 0644);
	assert_int_equal(outfile_open(&of, f->path, OUTFILE_FORCE, f->msg, sizeof(f->msg)), 0);
	assert_int_equal(mode_of(f->path), 0600);
	assert_int_equal(write(of.fd, "new", 3), 3);
	assert_int_equal(outfile_commit(&of, f->msg, sizeof(f->msg)), 0);
	expect_content(f->path, "new");
}

/* Nothing under the name until the commit; the old file stays until then. */
static void test_atomic(void **state)
{
	struct fixture *f = *state;
	struct outfile of;

	put(f->path, "old", 0644);
	assert_int_equal(
	    outfile_open(&of, f->path, OUTFILE_ATOMIC | OUTFILE_FORCE, f->msg, sizeof(f->msg)), 0);
	assert_int_equal(write(of.fd, "capture", 7), 7);
	expect_content(f->path, "old");
	assert_int_equal(entries(f->dir), 2); /* out and .out.XXXXXX */
	assert_int_equal(mode_of(of.tmp), 0600);
	assert_int_equal(outfile_commit(&of, f->msg, sizeof(f->msg)), 0);
	expect_content(f->path, "capture");
	assert_int_equal(mode_of(f->path), 0600);
	assert_int_equal(entries(f->dir), 1);
}

/* A file that appears while the capture is written is kept, not replaced. */
static void test_atomic_race(void **state)
{
	struct fixture *f = *state;
	struct outfile of;

	assert_int_equal(outfile_open(&of, f->path, OUTFILE_ATOMIC, f->msg, sizeof(f->msg)), 0);
	assert_int_equal(write(of.fd, "capture", 7), 7);
	put(f->path, "theirs", 0644);
	assert_int_equal(outfile_commit(&of, f->msg, sizeof(f->msg)), -EEXIST);
	assert_non_null(strstr(f->msg, "appeared while the capture was written"));
	expect_content(f->path, "theirs");
	assert_int_equal(entries(f->dir), 1);
}

static void test_abort(void **state)
{
	struct fixture *f = *state;
	struct outfile of;

	assert_int_equal(outfile_open(&of, f->path, OUTFILE_ATOMIC, f->msg, sizeof(f->msg)), 0);
	outfile_abort(&of);
	assert_int_equal(entries(f->dir), 0);
	assert_int_equal(outfile_open(&of, f->path, 0, f->msg, sizeof(f->msg)), 0);
	outfile_abort(&of);
	assert_int_equal(entries(f->dir), 0);
	/* An existing file opened with --force is not ours to remove. */
	put(f->path, "x", 0600);
	assert_int_equal(outfile_open(&of, f->path, OUTFILE_FORCE, f->msg, sizeof(f->msg)), 0);
	outfile_abort(&of);
	assert_int_equal(entries(f->dir), 1);
}

static void test_refused_kinds(void **state)
{
	struct fixture *f = *state;
	struct outfile of;
	char target[340];

	assert_int_equal(
	    outfile_open(&of, f->dir, OUTFILE_ATOMIC | OUTFILE_FORCE, f->msg, sizeof(f->msg)),
	    -EISDIR);
	assert_non_null(strstr(f->msg, "it is a directory"));
	snprintf(target, sizeof(target), "%s/target", f->dir);
	assert_int_equal(symlink(target, f->path), 0);
	assert_int_equal(outfile_open(&of, f->path, OUTFILE_FORCE, f->msg, sizeof(f->msg)), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);
	unlink(f->path);
	/* A FIFO nobody reads: at once, not a wait for a reader. */
	assert_int_equal(mkfifo(f->path, 0600), 0);
	assert_int_equal(outfile_open(&of, f->path, OUTFILE_ATOMIC, f->msg, sizeof(f->msg)),
			 -ENXIO);
	assert_non_null(strstr(f->msg, "no process reads it"));
}

/* A device is written as it is, never replaced. */
static void test_device(void **state)
{
	struct fixture *f = *state;
	struct outfile of;

	assert_int_equal(outfile_open(&of, "/dev/null", OUTFILE_ATOMIC, f->msg, sizeof(f->msg)), 0);
	assert_false(of.regular);
	assert_int_equal(fcntl(of.fd, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(write(of.fd, "x", 1), 1);
	assert_int_equal(outfile_commit(&of, f->msg, sizeof(f->msg)), 0);
	assert_true((mode_of("/dev/null") & 0666) == 0666);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_force_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
