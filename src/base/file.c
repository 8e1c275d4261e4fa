// SPDX-License-Identifier: GPL-2.0-only
/* Reading whole files and lines, bounded, from procfs, sysfs and
 * configuration. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

/* read(2) that is not cut short by a signal: bytes read, 0 at the end, or
 * a negative errno. */
static ssize_t read_some(int fd, void *buf, size_t n)
{
	ssize_t r;

	do
		r = read(fd, buf, n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

int file_read_small(int dfd, const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd = -1, err = 0;

	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	for (;;) {
		ssize_t n = read_some(fd, buf + len, size - 1 - len);

		if (n < 0) {
			err = (int)n;
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size - 1) {
			err = -EINVAL;
			goto cleanup;
		}
	}
	buf[len] = '\0';
	if (strlen(buf) != len)
		err = -EINVAL;
cleanup:
	if (fd >= 0)
		close(fd);
	return err;
}

int file_each_line(int dfd, const char *path, size_t max_len, int (*fn)(char *line, void *arg),
		   void *arg)
{
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	FILE *f = NULL;
	int fd, err = 0;

	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	f = fdopen(fd, "r");
	if (!f) {
		err = -errno;
		close(fd);
		goto cleanup;
	}
	while ((len = getline(&line, &size, f)) > 0) {
		bool bad = (size_t)len > max_len || (size_t)len != strlen(line);

		if (!bad && line[len - 1] == '\n')
			line[len - 1] = '\0';
		err = fn(bad ? NULL : line, arg);
		if (err)
			goto cleanup;
	}
	if (ferror(f))
		err = -EIO;
cleanup:
	free(line);
	if (f)
		fclose(f);
	return err;
}

int file_read_alloc(int dfd, const char *path, size_t max, char **out, size_t *outlen)
{
	size_t cap = 0, len = 0;
	char *buf = NULL, *tmp;
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	/* Without blocking, and looked at first: opening a FIFO would wait for
	 * a writer, reading a terminal for a line. */
	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto cleanup;
	}
	for (;;) {
		/* One byte more than the limit tells "too big" from "just fits". */
		if (cap - len < 2) {
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 2)
				cap = max + 2;
			/* Not realloc: the old buffer may hold a private key,
			 * and is wiped before it is freed. */
			tmp = malloc(cap);
			if (!tmp) {
				err = -ENOMEM;
				goto cleanup;
			}
			if (buf) {
				memcpy(tmp, buf, len);
				explicit_bzero(buf, len);
				free(buf);
			}
			buf = tmp;
		}
		n = read_some(fd, buf + len, cap - len - 1);
		if (n < 0) {
			err = (int)n;
			goto cleanup;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			err = -EFBIG;
			goto cleanup;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
cleanup:
	if (buf)
		explicit_bzero(buf, len);
	free(buf);
	close(fd);
	return err;
}
