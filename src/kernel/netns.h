/* SPDX-License-Identifier: GPL-2.0-only */
/* Names of network namespaces, and which ones still exist, by netns inode. */
#ifndef DROPMON_NETNS_H
#define DROPMON_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

struct netns_table;

/* What a scan learnt of one network namespace. */
struct netns_info {
	const char *mount; /* the name of its best nsfs mount (see below), or NULL */
	bool ip_netns;	   /* that mount is an `ip netns` one (/run/netns/NAME) */
	const char *comm;  /* without a mount: the command of its lowest pid, or NULL */
	bool host;	   /* the initial network namespace */
	bool has_pids;	   /* a process lives in it */
	/* From the first of its processes (lowest pid first, at most
	 * NETNS_CGROUP_TRIES of them) whose cgroup names a pod or a container;
	 * zero when none did, and for the host. */
	struct cgroup_ids ids;
	/* A hash of the pids in it: another value means its processes changed. */
	uint64_t pids_sig;
};

/* How many of a namespace's processes have their cgroup read. */
#define NETNS_CGROUP_TRIES 16

/* Scans, under proc_root (NULL: "/proc"):
 *  - <proc_root>/self/mountinfo for nsfs mounts of network namespaces
 *    (root field "net:[INODE]"): the netns is alive, and named after the
 *    mount point's last path component (as `ip netns` names /run/netns/NAME);
 *    a mount point under /run/netns/ or /var/run/netns/ wins over any other;
 *  - <proc_root>/<pid>/ns/net for every numeric pid (readlink gives
 *    "net:[INODE]"): alive; when no mount named it, the name is the command
 *    (<proc_root>/<pid>/comm, newline stripped) of the lowest pid in it.
 * Processes that vanish during the scan are skipped. The table goes to *out.
 * Returns 0 or a negative errno: only when proc_root itself cannot be read,
 * or memory runs out. */
int netns_scan(const char *proc_root, struct netns_table **out);
/* The same, reading each namespace's cgroups and commands again only when
 * the set of its processes differs from what prev (a scan before, or NULL)
 * saw: a namespace whose processes did not change keeps prev's. The
 * initial namespace ("host") is the one pid 1 (else pid 2, kthreadd) is in,
 * when that process is in the initial pid namespace (whose inode is fixed,
 * PROC_PID_INIT_INO). */
int netns_rescan(const char *proc_root, const struct netns_table *prev, struct netns_table **out);
/* What the scan learnt of the netns, or NULL when it did not find it. */
const struct netns_info *netns_get(const struct netns_table *t, uint32_t inode);

/* Its mount's name, else its command; NULL when the scan did not find it
 * (or could not name it). */
const char *netns_name(const struct netns_table *t, uint32_t inode);
bool netns_alive(const struct netns_table *t, uint32_t inode);
/* Inode of the netns of proc_root/self (the initial netns when the daemon
 * runs in it), 0 if unknown. */
uint32_t netns_self(const struct netns_table *t);
/* The inode of this process's netns, without a scan; 0 if unknown. */
uint32_t netns_self_inode(void);
void netns_free(struct netns_table *t); /* accepts NULL */

#endif
