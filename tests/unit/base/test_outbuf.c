// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for outbuf: a stalled reader never blocks the writer, records
 * are counted whole (written, or pending), a failed write is sticky and
 * keeps its errno, and the caller's file description is left as it was. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "outbuf.h"
#include "testfs.h"

/* A write that blocks would hang the test: SIGALRM ends it instead. */
static void guard(void)
{
	alarm(10);
}

static void read_exactly(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		assert_true(r > 0);
		got += (size_t)r;
	}
}

/* A pipe nobody reads: the writer fills it, then queues, then refuses;
 * nothing blocks, and the counts say which records went out whole. */
static void test_stalled_pipe(void **state)
{
	char rec[1000], buf[70000];
	struct outbuf *o;
	uint64_t pending;
	int p[2], i, added = 0;

	(void)state;
	guard();
	assert_int_equal(pipe(p), 0);
	assert_int_equal(outbuf_new(p[1], 8192, &o), 0);
	/* The pipeline's description stays blocking: only ours is not. */
	assert_int_equal(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);
	memset(rec, 'x', sizeof(rec));
	rec[sizeof(rec) - 1] = '\n';
	for (i = 0; i < 1000; i++) {
		int err = outbuf_add(o, rec, sizeof(rec));

		if (err) {
			assert_int_equal(err, -ENOBUFS);
			assert_true(outbuf_full(o));
			continue;
		}
		added++;
		assert_int_equal(outbuf_write(o), 0);
	}
	/* 64 KiB of pipe, and 8 KiB queued (the record that crossed it too). */
	assert_in_range(added, 65536 / 1000, 65536 / 1000 + 10);
	assert_int_equal(outbuf_records_written(o) + outbuf_records_pending(o), (uint64_t)added);
	assert_true(outbuf_records_pending(o) >= 8);
	assert_true(outbuf_pending_bytes(o) >= 8192);
	/* The reader takes a bit, in the middle of a record: one more goes
	 * out whole. */
	pending = outbuf_records_pending(o);
	read_exactly(p[0], buf, 5000); /* a page of the pipe freed */
	assert_int_equal(outbuf_write(o), 0);
	assert_true(outbuf_records_pending(o) < pending);
	/* Then all of it. */
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	while (outbuf_pending_bytes(o)) {
		assert_true(read(p[0], buf, sizeof(buf)) > 0);
		assert_int_equal(outbuf_write(o), 0);
	}
	assert_int_equal(outbuf_records_pending(o), 0);
	assert_false(outbuf_partial(o));
	assert_int_equal(outbuf_records_written(o), (uint64_t)added);
	assert_int_equal(outbuf_bytes_whole(o), (uint64_t)added * sizeof(rec));
	assert_false(outbuf_full(o));
	outbuf_free(o);
	close(p[0]);
	close(p[1]);
}

/* A record the pipe takes only part of: not counted written, and said to
 * be cut. */
static void test_cut_record(void **state)
{
	static char rec[6000], buf[6000];
	struct outbuf *o;
	int p[2];

	(void)state;
	guard();
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	assert_int_equal(outbuf_new(p[1], 1 << 16, &o), 0);
	memset(rec, 'z', sizeof(rec));
	assert_int_equal(outbuf_add(o, rec, sizeof(rec)), 0);
	assert_int_equal(outbuf_write(o), 0);
	assert_int_equal(outbuf_records_written(o), 0);
	assert_int_equal(outbuf_records_pending(o), 1);
	assert_true(outbuf_partial(o));
	assert_int_equal(outbuf_pending_bytes(o), sizeof(rec) - 4096);
	read_exactly(p[0], buf, 4096);
	assert_int_equal(outbuf_write(o), 0);
	assert_int_equal(outbuf_records_written(o), 1);
	assert_false(outbuf_partial(o));
	assert_int_equal(outbuf_bytes_whole(o), sizeof(rec));
	outbuf_free(o);
	close(p[0]);
	close(p[1]);
}

/* Partial writes in the middle of records, and a queue of lengths that
 * wraps around many times. */
static void test_partial_records(void **state)
{
	char buf[64];
	struct outbuf *o;
	int p[2], i;
	uint64_t in = 0, out = 0;

	(void)state;
	guard();
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETPIPE_SZ, 4096), 4096);
	assert_int_equal(outbuf_new(p[1], 1 << 20, &o), 0);
	for (i = 0; i < 20000; i++) {
		char rec[40];
		int n = snprintf(rec, sizeof(rec), "record %d\n", i);

		assert_int_equal(outbuf_add(o, rec, (size_t)n), 0);
		in += (uint64_t)n;
		if (i % 7 == 0) {
			ssize_t r;

			assert_int_equal(outbuf_write(o), 0);
			r = read(p[0], buf, sizeof(buf));
			assert_true(r > 0);
			out += (uint64_t)r;
		}
	}
	/* Everything the reader got ends within the records written or in
	 * the first pending one. */
	assert_int_equal(outbuf_write(o), 0);
	assert_true(outbuf_bytes_whole(o) <= in);
	assert_int_equal(outbuf_records_written(o) + outbuf_records_pending(o), 20000);
	while (outbuf_pending_bytes(o)) {
		ssize_t r = read(p[0], buf, sizeof(buf));

		assert_true(r > 0);
		out += (uint64_t)r;
		assert_int_equal(outbuf_write(o), 0);
	}
	assert_int_equal(outbuf_records_written(o), 20000);
	assert_int_equal(outbuf_bytes_whole(o), in);
	outbuf_free(o);
	close(p[1]);
	while ((i = (int)read(p[0], buf, sizeof(buf))) > 0)
		out += (uint64_t)i;
	assert_int_equal(out, in);
	close(p[0]);
}

/* The reader went away: EPIPE, kept; later records are refused. */
static void test_reader_gone(void **state)
{
	struct outbuf *o;
	int p[2];

	(void)state;
	guard();
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(outbuf_new(p[1], 4096, &o), 0);
	close(p[0]);
	assert_int_equal(outbuf_add(o, "abc\n", 4), 0);
	assert_int_equal(outbuf_write(o), -EPIPE);
	assert_int_equal(outbuf_write(o), -EPIPE);
	assert_true(outbuf_full(o));
	assert_int_equal(outbuf_add(o, "def\n", 4), -ENOBUFS);
	assert_int_equal(outbuf_records_pending(o), 1);
	assert_int_equal(outbuf_records_written(o), 0);
	outbuf_free(o);
	close(p[1]);
	signal(SIGPIPE, SIG_DFL);
}

/* A full device says so, with its errno. */
static void test_dev_full(void **state)
{
	struct outbuf *o;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);

	(void)state;
	if (fd < 0)
		skip();
	assert_int_equal(outbuf_new(fd, 4096, &o), 0);
	assert_int_equal(outbuf_add(o, "abc\n", 4), 0);
	assert_int_equal(outbuf_write(o), -ENOSPC);
	assert_int_equal(outbuf_records_pending(o), 1);
	outbuf_free(o);
	close(fd);
}

/* A regular file takes everything; the caller's descriptor stays open. */
static void test_regular_file(void **state)
{
	char dir[256], path[300], back[16] = { 0 };
	struct outbuf *o;
	int fd;

	(void)state;
	assert_int_equal(testfs_mkdir(dir, sizeof(dir), "outbuf"), 0);
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(outbuf_new(fd, 4, &o), 0);
	/* One record longer than the bound still goes in, then no more. */
	assert_int_equal(outbuf_add(o, "hello\n", 6), 0);
	assert_true(outbuf_full(o));
	assert_int_equal(outbuf_add(o, "x", 1), -ENOBUFS);
	assert_int_equal(outbuf_write(o), 0);
	assert_false(outbuf_full(o));
	assert_int_equal(outbuf_add(o, "bye\n", 4), 0);
	assert_int_equal(outbuf_write(o), 0);
	assert_int_equal(outbuf_records_written(o), 2);
	assert_int_equal(outbuf_bytes_whole(o), 10);
	outbuf_free(o);
	assert_int_equal(write(fd, "!", 1), 1);
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_int_equal(read(fd, back, sizeof(back) - 1), 11);
	assert_string_equal(back, "hello\nbye\n!");
	close(fd);
	testfs_rmtree(dir);
}

/* A socket (journald's stdout is one) never blocks either. */
static void test_socket(void **state)
{
	char rec[4096];
	struct outbuf *o;
	int sv[2], i;

	(void)state;
	guard();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(outbuf_new(sv[0], 1 << 16, &o), 0);
	assert_int_equal(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
	memset(rec, 'y', sizeof(rec));
	for (i = 0; i < 4096 && !outbuf_full(o); i++) {
		assert_int_equal(outbuf_add(o, rec, sizeof(rec)), 0);
		assert_int_equal(outbuf_write(o), 0);
	}
	assert_true(outbuf_full(o));
	assert_true(outbuf_records_pending(o) > 0);
	close(sv[1]);
	assert_int_equal(outbuf_write(o), -EPIPE);
	outbuf_free(o);
	close(sv[0]);
}

static void test_bad_args(void **state)
{
	struct outbuf *o;

	(void)state;
	assert_int_equal(outbuf_new(-1, 10, &o), -EINVAL);
	assert_int_equal(outbuf_new(1, 0, &o), -EINVAL);
	outbuf_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stalled_pipe), cmocka_unit_test(test_partial_records),
		cmocka_unit_test(test_cut_record),   cmocka_unit_test(test_reader_gone),
		cmocka_unit_test(test_dev_full),     cmocka_unit_test(test_regular_file),
		cmocka_unit_test(test_socket),	     cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
