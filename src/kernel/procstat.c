// SPDX-License-Identifier: GPL-2.0-only
/* The process_* metrics of one process from procfs: <pid>/stat, <pid>/limits,
 * <pid>/fd and the boot time in /proc/stat. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "parse.h"
#include "procstat.h"

/* <pid>/stat is 52 numbers and a comm of at most 64 bytes: well under 1 KiB. */
#define STAT_SIZE 4096
/* Fields of <pid>/stat we use, numbered as in proc(5). */
#define STAT_UTIME 14
#define STAT_STIME 15
#define STAT_STARTTIME 22
#define STAT_VSIZE 23
#define STAT_RSS 24

/* A whole decimal field; anything else makes the file malformed. */
static int parse_field(const char *s, uint64_t *out)
{
	return parse_u64(s, 0, UINT64_MAX, out) ? -EINVAL : 0;
}

/* "PID (COMM) STATE FIELD4 ...": comm is whatever the process called itself,
 * spaces and ')' included, so the fields start after the last ')'. */
static int read_stat(int pid_fd, struct procstat *out)
{
	char buf[STAT_SIZE], *p, *field, *save = NULL;
	uint64_t utime = 0, stime = 0, start = 0, vsize = 0, rss = 0, v;
	long ticks, page;
	int n, err = 0;

	err = file_read_small(pid_fd, "stat", buf, sizeof(buf));
	if (err)
		goto cleanup;
	p = buf + strspn(buf, "0123456789");
	if (p == buf || strncmp(p, " (", 2) != 0) {
		err = -EINVAL;
		goto cleanup;
	}
	p = strrchr(p, ')');
	if (!p || p[1] != ' ') {
		err = -EINVAL;
		goto cleanup;
	}
	/* Field 3 (state) is the first after the comm. */
	for (n = 3, field = strtok_r(p + 1, " \n", &save); field && n <= STAT_RSS;
	     n++, field = strtok_r(NULL, " \n", &save)) {
		if (n < STAT_UTIME || (n > STAT_STIME && n < STAT_STARTTIME))
			continue;
		err = parse_field(field, &v);
		if (err)
			goto cleanup;
		if (n == STAT_UTIME)
			utime = v;
		else if (n == STAT_STIME)
			stime = v;
		else if (n == STAT_STARTTIME)
			start = v;
		else if (n == STAT_VSIZE)
			vsize = v;
		else
			rss = v;
	}
	if (n <= STAT_RSS) {
		err = -EINVAL;
		goto cleanup;
	}
	ticks = sysconf(_SC_CLK_TCK);
	page = sysconf(_SC_PAGESIZE);
	if (ticks <= 0 || page <= 0 || rss > UINT64_MAX / (uint64_t)page) {
		err = -EINVAL;
		goto cleanup;
	}
	out->cpu_seconds = ((double)utime + (double)stime) / (double)ticks;
	out->virtual_bytes = vsize;
	out->resident_bytes = rss * (uint64_t)page;
	/* Seconds after boot for now; the caller adds btime. */
	out->start_time_seconds = (double)start / (double)ticks;
cleanup:
	return err;
}

/* "btime SECONDS": returns 1 when found. */
static int btime_line(char *line, void *arg)
{
	if (!line) /* a NUL byte: no procfs text file has one */
		return -EINVAL;
	if (strncmp(line, "btime ", 6) != 0)
		return 0;
	return parse_field(line + 6, arg) ? -EINVAL : 1;
}

/* "Max open files            SOFT                 HARD                 files".
 * An unlimited soft limit is UINT64_MAX, as client_golang's procfs reads it:
 * the gauge then shows 1.8446744073709552e+19, not a misleading 0. */
static int limits_line(char *line, void *arg)
{
	static const char key[] = "Max open files ";
	char *p, *soft, *hard, *save = NULL;

	if (!line)
		return -EINVAL;
	if (strncmp(line, key, sizeof(key) - 1) != 0)
		return 0;
	p = line + sizeof(key) - 1;
	soft = strtok_r(p, " ", &save);
	hard = soft ? strtok_r(NULL, " ", &save) : NULL;
	if (!hard)
		return -EINVAL;
	if (strcmp(soft, "unlimited") == 0) {
		*(uint64_t *)arg = UINT64_MAX;
		return 1;
	}
	return parse_field(soft, arg) ? -EINVAL : 1;
}

/* Not finding the line is as malformed as a bad one. */
static int find_line(int dfd, const char *path, int (*fn)(char *line, void *arg), uint64_t *out)
{
	int r = file_each_line(dfd, path, SIZE_MAX, fn, out);

	if (r == 0)
		return -EINVAL;
	return r < 0 ? r : 0;
}

/* Counts the entries of the directory dir_fd, which it closes. */
static int count_fds(int dir_fd, uint64_t *out)
{
	struct dirent *de;
	uint64_t n = 0;
	DIR *dir = NULL;
	int err = 0;

	dir = fdopendir(dir_fd);
	if (!dir) {
		err = -errno;
		close(dir_fd);
		goto cleanup;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	}
	if (errno) {
		err = -errno;
		goto cleanup;
	}
	*out = n;
cleanup:
	if (dir)
		closedir(dir);
	return err;
}

int procstat_read(const char *proc_root, const char *pid, struct procstat *out)
{
	struct procstat ps = { 0 };
	uint64_t btime = 0;
	int root_fd = -1, pid_fd = -1, fd_dir, err = 0;

	if (!pid)
		pid = "self";
	/* One path component, so <pid> cannot walk out of proc_root. */
	if (!*pid || strchr(pid, '/') || strcmp(pid, ".") == 0 || strcmp(pid, "..") == 0) {
		err = -EINVAL;
		goto cleanup;
	}
	root_fd = open(proc_root ? proc_root : "/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		err = -errno;
		goto cleanup;
	}
	/* Every file is opened through one directory fd, so a pid reused
	 * meanwhile cannot mix two processes: the old one's files are gone. */
	pid_fd = openat(root_fd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pid_fd < 0) {
		err = -errno;
		goto cleanup;
	}
	err = find_line(root_fd, "stat", btime_line, &btime);
	if (err)
		goto cleanup;
	err = read_stat(pid_fd, &ps);
	if (err)
		goto cleanup;
	ps.start_time_seconds += (double)btime;
	err = find_line(pid_fd, "limits", limits_line, &ps.max_fds);
	if (err)
		goto cleanup;
	fd_dir = openat(pid_fd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd_dir < 0) {
		err = -errno;
		goto cleanup;
	}
	/* Reading our own fds, only the listing's fd is then extra (as with
	 * ls(1) or client_golang), not the two directories held here. */
	close(pid_fd);
	pid_fd = -1;
	close(root_fd);
	root_fd = -1;
	err = count_fds(fd_dir, &ps.open_fds);
	if (err)
		goto cleanup;
	*out = ps;
cleanup:
	if (pid_fd >= 0)
		close(pid_fd);
	if (root_fd >= 0)
		close(root_fd);
	return err;
}
