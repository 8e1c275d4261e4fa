/* SPDX-License-Identifier: GPL-2.0-only */
/* Kubernetes pods by UID, from kubelet's pod log directories
 * (/var/log/pods/<namespace>_<pod name>_<pod UID>): no API access needed. */
#ifndef DROPMON_PODLOGS_H
#define DROPMON_PODLOGS_H

#include <stddef.h>

#include "cgroup.h"

/* A namespace is a DNS label (63), a pod name a DNS subdomain (253). */
#define PODLOGS_NS_MAX 63
#define PODLOGS_POD_MAX 253
/* Directories read at most: kubelet runs 110 pods a node by default, 250
 * at most as documented; 4096 of 384 bytes take 1.5 MiB. */
#define PODLOGS_MAX_ENTRIES 4096

struct pod_ref {
	char ns[PODLOGS_NS_MAX + 1];
	char name[PODLOGS_POD_MAX + 1];
	char uid[CGROUP_POD_UID_MAX + 1];
};

/* One directory name "<namespace>_<pod>_<uid>", each part checked as
 * Kubernetes allows it: 0, or -EINVAL. */
int podlogs_parse_dirname(const char *s, struct pod_ref *out);

struct podlogs;

/* Lists dir (its subdirectories whose names parse; others are skipped):
 * 0, or a negative errno (-ENOENT when there is no such directory). */
int podlogs_load(const char *dir, struct podlogs **out);
/* The pod with that UID, or NULL. */
const struct pod_ref *podlogs_find(const struct podlogs *p, const char *uid);
size_t podlogs_count(const struct podlogs *p);
void podlogs_free(struct podlogs *p); /* accepts NULL */

#endif
