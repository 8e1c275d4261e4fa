/* SPDX-License-Identifier: GPL-2.0-only */
/* Scratch directories and files for the unit tests' fixtures, and
 * truncated inputs. */
#ifndef DROPMON_TESTFS_H
#define DROPMON_TESTFS_H

#include <stddef.h>

/* Makes /tmp/dropmon-TAG-XXXXXX and writes its name into buf: 0, or -1
 * when it does not fit or cannot be made. */
int testfs_mkdir(char *buf, size_t size, const char *tag);
/* Removes dir and everything below it: 0 or -1. */
int testfs_rmtree(const char *dir);
/* Writes len bytes of data to path, replacing what was there: 0 or -errno. */
int testfs_write(const char *path, const void *data, size_t len);

/* Calls fn on every prefix of s (s itself included), each copied into a
 * heap buffer of its exact size, so that ASan reports a parser reading
 * past the terminating NUL. Aborts when out of memory. */
void testfs_each_prefix(const char *s, void (*fn)(const char *prefix));

#endif
