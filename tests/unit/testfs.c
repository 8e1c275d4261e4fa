// SPDX-License-Identifier: GPL-2.0-only
/* Scratch directories and files for the unit tests' fixtures. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testfs.h"

int testfs_mkdir(char *buf, size_t size, const char *tag)
{
	int n = snprintf(buf, size, "/tmp/dropmon-%s-XXXXXX", tag);

	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(buf) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

int testfs_rmtree(const char *dir)
{
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int testfs_write(const char *path, const void *data, size_t len)
{
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

void testfs_each_prefix(const char *s, void (*fn)(const char *prefix))
{
	size_t len = strlen(s);

	for (size_t n = 0; n <= len; n++) {
		char *p = malloc(n + 1);

		if (!p)
			abort();
		memcpy(p, s, n);
		p[n] = '\0';
		fn(p);
		free(p);
	}
}
