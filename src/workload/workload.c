// SPDX-License-Identifier: GPL-2.0-only
/* Puts together what a netns scan found with kubelet's and Docker's files,
 * in the order of workload.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netns.h"
#include "workload.h"

#define DEFAULT_POD_LOGS_DIR "/var/log/pods"
#define DEFAULT_DOCKER_ROOT "/var/lib/docker"
/* `docker ps` shows this many digits of an id. */
#define SHORT_ID_LEN 12

struct workload_namer {
	struct workload_opts opts;
	struct podlogs *pods; /* listed since the last begin, or NULL */
	bool listed;
	int list_err; /* of the last listing; reported when it changes */
};

int workload_namer_new(const struct workload_opts *opts, struct workload_namer **out)
{
	struct workload_namer *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	n->opts = *opts;
	if (!n->opts.pod_logs_dir)
		n->opts.pod_logs_dir = DEFAULT_POD_LOGS_DIR;
	if (!n->opts.docker_root)
		n->opts.docker_root = DEFAULT_DOCKER_ROOT;
	*out = n;
	return 0;
}

void workload_namer_begin(struct workload_namer *n)
{
	podlogs_free(n->pods);
	n->pods = NULL;
	n->listed = false;
}

static const struct pod_ref *find_pod(struct workload_namer *n, const char *uid)
{
	if (!n->listed) {
		int err = podlogs_load(n->opts.pod_logs_dir, &n->pods);

		n->listed = true;
		if (err && err != n->list_err)
			log_msg(err == -ENOENT ? LOG_DEBUG : LOG_INFO,
				"pod names: cannot list %s: %s; pods are named by UID\n",
				n->opts.pod_logs_dir, strerror(-err));
		else if (!err && n->list_err)
			pr_info("pod names: %s can be listed again\n", n->opts.pod_logs_dir);
		n->list_err = err;
		if (err)
			n->pods = NULL;
	}
	return podlogs_find(n->pods, uid);
}

static void name_pod(struct workload_namer *n, const struct cgroup_ids *ids, struct workload *w)
{
	const struct pod_ref *pod = find_pod(n, ids->pod_uid);

	snprintf(w->k8s_pod_uid, sizeof(w->k8s_pod_uid), "%s", ids->pod_uid);
	snprintf(w->container_runtime, sizeof(w->container_runtime), "%s",
		 cgroup_runtime_name(ids->runtime));
	if (!pod) {
		snprintf(w->name, sizeof(w->name), "%s", ids->pod_uid);
		return;
	}
	snprintf(w->k8s_namespace_name, sizeof(w->k8s_namespace_name), "%s", pod->ns);
	snprintf(w->k8s_pod_name, sizeof(w->k8s_pod_name), "%s", pod->name);
	snprintf(w->name, sizeof(w->name), "%s/%s", pod->ns, pod->name);
	w->complete = true;
}

/* A name a runtime made up for the mount: containerd's cni-UUID, Podman's
 * netns-UUID. */
static bool runtime_mount(const char *name)
{
	const char *rest = !strncmp(name, "cni-", 4)	 ? name + 4
			   : !strncmp(name, "netns-", 6) ? name + 6
							 : NULL;

	return rest && *rest && strspn(rest, "0123456789abcdef-") == strlen(rest);
}

static void name_container(struct workload_namer *n, const struct netns_info *info,
			   struct workload *w)
{
	const struct cgroup_ids *ids = &info->ids;

	snprintf(w->container_id, sizeof(w->container_id), "%s", ids->container_id);
	snprintf(w->container_runtime, sizeof(w->container_runtime), "%s",
		 cgroup_runtime_name(ids->runtime));
	/* Only Docker keeps names in a file of its own. */
	if (ids->runtime == CGROUP_RUNTIME_DOCKER) {
		int err = docker_container_name(n->opts.docker_root, ids->container_id,
						w->container_name);

		if (err) {
			w->container_name[0] = '\0';
			pr_debug("docker container %.12s: no name: %s\n", ids->container_id,
				 strerror(-err));
		}
	}
	w->complete = w->container_name[0] || ids->runtime != CGROUP_RUNTIME_DOCKER;
	if (w->container_name[0])
		snprintf(w->name, sizeof(w->name), "%s", w->container_name);
	else if (info->mount && info->ip_netns && !runtime_mount(info->mount))
		snprintf(w->name, sizeof(w->name), "%s", info->mount); /* `ip netns add` */
	else
		snprintf(w->name, sizeof(w->name), "%.*s", SHORT_ID_LEN, ids->container_id);
}

void workload_name(struct workload_namer *n, const struct netns_info *info, struct workload *w)
{
	memset(w, 0, sizeof(*w));
	if (!info)
		return;
	w->from_pids = info->has_pids;
	if (info->host) {
		snprintf(w->name, sizeof(w->name), "host");
		w->complete = true;
	} else if (info->ids.pod_uid[0]) {
		name_pod(n, &info->ids, w);
	} else if (info->ids.container_id[0]) {
		name_container(n, info, w);
	} else {
		const char *name = info->mount ? info->mount : info->comm;

		snprintf(w->name, sizeof(w->name), "%s", name ? name : "");
		w->complete = true;
	}
}

void workload_namer_free(struct workload_namer *n)
{
	if (!n)
		return;
	podlogs_free(n->pods);
	free(n);
}
