/* SPDX-License-Identifier: GPL-2.0-only */
/* Dropping the capabilities a process no longer needs once the BPF program
 * is loaded and attached (its maps are used through file descriptors). */
#ifndef DROPMON_PRIVS_H
#define DROPMON_PRIVS_H

#include <stdint.h>
#include <sys/types.h>

/* Capability numbers, as in <linux/capability.h>. */
#define PRIVS_CAP_SYS_PTRACE 19
#define PRIVS_CAP_SYS_ADMIN 21
#define PRIVS_CAP_SYSLOG 34
#define PRIVS_CAP_BPF 39

/* Keeps only the capabilities in `keep` (a bit mask of 1ULL << CAP_x) in
 * the effective and permitted sets, and none inheritable or ambient; drops
 * the rest from the bounding set too when allowed to (CAP_SETPCAP).
 * Returns 0 or a negative errno. */
int privs_keep_only(uint64_t keep);
/* Becomes uid:gid with no supplementary groups, keeping only the
 * capabilities in keep (as privs_keep_only). Call it before any thread is
 * started: set*id(2) would otherwise have to reach every thread. */
int privs_switch_user(uid_t uid, gid_t gid, uint64_t keep);
/* Calls fn(arg) with only the capabilities in `keep` (and permitted)
 * effective, then makes the effective set what it was: a way to learn
 * whether something still works once the others are dropped for good.
 * Capabilities are per thread: call it before any thread is started.
 * Returns fn's value, or a negative errno when the sets cannot be changed. */
int privs_try_with_only(uint64_t keep, int (*fn)(void *arg), void *arg);
/* The effective set of this process, for logging. */
uint64_t privs_effective(void);

#endif
