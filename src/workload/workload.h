/* SPDX-License-Identifier: GPL-2.0-only */
/* Who a network namespace belongs to: the host, a Kubernetes pod, a
 * container, or whatever `ip netns` or a process names it; and the best
 * human name for it. Learnt from what the node has (cgroups, kubelet's pod
 * log directories, Docker's state), without any API. */
#ifndef DROPMON_WORKLOAD_H
#define DROPMON_WORKLOAD_H

#include <stdbool.h>

#include "cgroup.h"
#include "docker.h"
#include "podlogs.h"

struct netns_info;

/* "namespace/pod" */
#define WORKLOAD_NAME_SIZE (PODLOGS_NS_MAX + 1 + PODLOGS_POD_MAX + 1)

/* Each field "" when unknown. */
struct workload {
	char name[WORKLOAD_NAME_SIZE];
	char k8s_namespace_name[PODLOGS_NS_MAX + 1];
	char k8s_pod_name[PODLOGS_POD_MAX + 1];
	char k8s_pod_uid[CGROUP_POD_UID_MAX + 1];
	char container_id[CGROUP_CONTAINER_ID_LEN + 1];
	char container_runtime[16];
	char container_name[DOCKER_NAME_MAX + 1];
	bool from_pids; /* the identity came from processes in it */
	bool complete;	/* nothing more can be learnt while its processes stay */
};

struct workload_opts {
	const char *pod_logs_dir; /* NULL: /var/log/pods */
	const char *docker_root;  /* NULL: /var/lib/docker */
};

struct workload_namer;

int workload_namer_new(const struct workload_opts *opts, struct workload_namer **out);
/* Pod log directories are listed at most once between two calls. */
void workload_namer_begin(struct workload_namer *n);
/* Names a namespace from a scan's netns_info (NULL: nothing known), first
 * of:
 *  1. "host": the initial namespace;
 *  2. a pod (from a process's cgroup): "namespace/pod" when kubelet's pod
 *     log directory names it, else its UID; container_runtime when the
 *     cgroup tells, but no container_id: the pod's containers share it;
 *  3. a container: its Docker name, else its `ip netns` name (not one a
 *     runtime made up: cni-UUID, netns-UUID), else the first 12 digits of
 *     its id;
 *  4. its `ip netns` name;
 *  5. another nsfs mount's name;
 *  6. the command of its lowest pid.
 * A runtime's mount (containerd's /run/netns/cni-UUID) never names a pod:
 * the pod comes first. */
void workload_name(struct workload_namer *n, const struct netns_info *info, struct workload *out);
void workload_namer_free(struct workload_namer *n); /* accepts NULL */

#endif
