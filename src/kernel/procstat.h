/* SPDX-License-Identifier: GPL-2.0-only */
/* The standard process_* metrics of a process, read from procfs. */
#ifndef DROPMON_PROCSTAT_H
#define DROPMON_PROCSTAT_H

#include <stdint.h>

struct procstat {
	double cpu_seconds;	   /* user + system time */
	uint64_t resident_bytes;   /* RSS */
	uint64_t virtual_bytes;	   /* VSZ */
	uint64_t open_fds;	   /* entries of <pid>/fd */
	uint64_t max_fds;	   /* soft "Max open files" of <pid>/limits */
	double start_time_seconds; /* since the Unix epoch: btime + starttime/ticks */
};

/* Reads <proc_root>/<pid>/{stat,limits,fd} and <proc_root>/stat (btime).
 * proc_root NULL means "/proc", pid NULL means "self". The comm field of stat
 * may hold spaces and parentheses. Returns 0 or a negative errno (-EINVAL
 * for a malformed file). */
int procstat_read(const char *proc_root, const char *pid, struct procstat *out);

#endif
