/* SPDX-License-Identifier: GPL-2.0-only */
/* Names of network namespaces, and which ones still exist, by netns inode. */
#ifndef DROPMON_NETNS_H
#define DROPMON_NETNS_H

#include <stdbool.h>
#include <stdint.h>

struct netns_table;

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

/* Name of the netns, or NULL when the scan did not find it. */
const char *netns_name(const struct netns_table *t, uint32_t inode);
bool netns_alive(const struct netns_table *t, uint32_t inode);
/* Inode of the netns of proc_root/self (the initial netns when the daemon
 * runs in it), 0 if unknown. */
uint32_t netns_self(const struct netns_table *t);
/* The inode of this process's netns, without a scan; 0 if unknown. */
uint32_t netns_self_inode(void);
void netns_free(struct netns_table *t); /* accepts NULL */

#endif
