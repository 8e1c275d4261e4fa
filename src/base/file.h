/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading whole files and lines. Paths are relative to dfd (a
 * directory, such as a /proc or a fixture tree, or AT_FDCWD). */
#ifndef DROPMON_FILE_H
#define DROPMON_FILE_H

#include <stddef.h>

/* Reads all of a small file into buf[size], NUL-terminated: 0, a negative
 * errno, or -EINVAL when it holds a NUL (which no procfs or sysfs text file
 * does) or does not fit: at most size - 2 bytes do, as procfs files cannot
 * be sized beforehand. */
int file_read_small(int dfd, const char *path, char *buf, size_t size);
/* Calls fn on each line (newline stripped) until it returns nonzero;
 * returns that, 0 at the end, or a negative errno. A line that holds a NUL
 * byte or is longer than max_len bytes (its newline included) is passed as
 * NULL, for fn to count or refuse; getline() still holds it whole while it
 * is read, so max_len bounds what fn sees, not memory. */
int file_each_line(int dfd, const char *path, size_t max_len, int (*fn)(char *line, void *arg),
		   void *arg);
/* Reads all of a file of at most max bytes into a new NUL-terminated buffer
 * (*out, free() it; *outlen its length): 0, -EFBIG when larger, or a
 * negative errno. Only a regular file is read: it is opened without
 * blocking and looked at first, so a FIFO, a terminal or a device never
 * holds the caller (-EISDIR for a directory, -EINVAL for the others). The
 * file may hold a secret (a private key): every buffer given back to the
 * allocator on the way is wiped first. */
int file_read_alloc(int dfd, const char *path, size_t max, char **out, size_t *outlen);

#endif
