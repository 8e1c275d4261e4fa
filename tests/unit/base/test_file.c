// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for file: whole small files, lines, allocated reads, and
 * their bounds (too big, NUL bytes, missing files). */
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

#include "file.h"
#include "testfs.h"

static int dir_fd(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void put(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(testfs_write(path, data, len), 0);
}

static void test_read_small(void **state)
{
	char dir[256];
	char buf[8]; /* 6 bytes fit: a 7th could be followed by more */
	int dfd;

	(void)state;
	assert_int_equal(testfs_mkdir(dir, sizeof(dir), "file"), 0);
	put(dir, "fits", "123456", 6);
	put(dir, "big", "1234567", 7);
	put(dir, "nul",
	    "12\0"
	    "45",
	    5);
	put(dir, "empty", "", 0);
	dfd = dir_fd(dir);
	assert_int_equal(file_read_small(dfd, "fits", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "123456");
	assert_int_equal(file_read_small(dfd, "big", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(file_read_small(dfd, "nul", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(file_read_small(dfd, "empty", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(file_read_small(dfd, "missing", buf, sizeof(buf)), -ENOENT);
	close(dfd);
	testfs_rmtree(dir);
}

struct seen {
	char lines[4][16];
	int n;
	int stop_at; /* return 7 on this line (1-based); 0: never */
};

static int on_line(char *line, void *arg)
{
	struct seen *s = arg;

	snprintf(s->lines[s->n], sizeof(s->lines[0]), "%s", line ? line : "(bad)");
	s->n++;
	return s->n == s->stop_at ? 7 : 0;
}

static void test_each_line(void **state)
{
	char dir[256];
	struct seen s = { 0 };
	int dfd;

	(void)state;
	assert_int_equal(testfs_mkdir(dir, sizeof(dir), "file"), 0);
	put(dir, "three", "a\n\nc", 4);
	put(dir, "nul", "a\nb\0c\nd", 7);
	put(dir, "long", "abc\nabcd\nab", 11);
	dfd = dir_fd(dir);
	assert_int_equal(file_each_line(dfd, "three", SIZE_MAX, on_line, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.lines[0], "a");
	assert_string_equal(s.lines[1], "");
	assert_string_equal(s.lines[2], "c"); /* no newline at the end */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(file_each_line(dfd, "three", SIZE_MAX, on_line, &s), 7);
	assert_int_equal(s.n, 2);
	memset(&s, 0, sizeof(s));
	/* A line with a NUL is passed as NULL; reading goes on. */
	assert_int_equal(file_each_line(dfd, "nul", SIZE_MAX, on_line, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.lines[1], "(bad)");
	assert_string_equal(s.lines[2], "d");
	/* So is one longer than the bound, its newline counted. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(file_each_line(dfd, "long", 4, on_line, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.lines[0], "abc");
	assert_string_equal(s.lines[1], "(bad)");
	assert_string_equal(s.lines[2], "ab");
	assert_int_equal(file_each_line(dfd, "missing", SIZE_MAX, on_line, &s), -ENOENT);
	close(dfd);
	testfs_rmtree(dir);
}

static void test_read_alloc(void **state)
{
	char dir[256];
	char *big = malloc(10000), *text = NULL;
	size_t len = 0;
	int dfd;

	(void)state;
	assert_int_equal(testfs_mkdir(dir, sizeof(dir), "file"), 0);
	assert_non_null(big);
	memset(big, 'x', 10000);
	put(dir, "big", big, 10000);
	put(dir, "nul", "a\0b", 3);
	dfd = dir_fd(dir);
	/* Past the first buffer, grown more than once. */
	assert_int_equal(file_read_alloc(dfd, "big", 10000, &text, &len), 0);
	assert_int_equal(len, 10000);
	assert_memory_equal(text, big, 10000);
	assert_int_equal(text[10000], '\0');
	free(text);
	text = NULL;
	assert_int_equal(file_read_alloc(dfd, "big", 9999, &text, &len), -EFBIG);
	assert_null(text);
	/* NUL bytes are the caller's to judge: the length says where it ends. */
	assert_int_equal(file_read_alloc(dfd, "nul", 100, &text, &len), 0);
	assert_int_equal(len, 3);
	free(text);
	assert_int_equal(file_read_alloc(dfd, "missing", 100, &text, &len), -ENOENT);
	/* Only a regular file: a FIFO nobody writes to is refused at once (it
	 * would block the open, and the read), a directory too. */
	assert_int_equal(mkfifoat(dfd, "fifo", 0600), 0);
	assert_int_equal(file_read_alloc(dfd, "fifo", 100, &text, &len), -EINVAL);
	assert_int_equal(file_read_alloc(dfd, ".", 100, &text, &len), -EISDIR);
	assert_int_equal(file_read_alloc(dfd, "/dev/null", 100, &text, &len), -EINVAL);
	close(dfd);
	free(big);
	testfs_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_small),
		cmocka_unit_test(test_each_line),
		cmocka_unit_test(test_read_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
