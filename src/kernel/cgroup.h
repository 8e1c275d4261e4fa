/* SPDX-License-Identifier: GPL-2.0-only */
/* Which Kubernetes pod or container a process belongs to, from its cgroup
 * paths (/proc/PID/cgroup) as kubelet and the container runtimes name
 * them. */
#ifndef DROPMON_CGROUP_H
#define DROPMON_CGROUP_H

#include <stdbool.h>
#include <stddef.h>

enum cgroup_runtime {
	CGROUP_RUNTIME_NONE,
	CGROUP_RUNTIME_DOCKER,
	CGROUP_RUNTIME_PODMAN,
	CGROUP_RUNTIME_CONTAINERD,
	CGROUP_RUNTIME_CRIO,
};

/* A pod UID as kubelet writes it: a UUID, or the 32 hex digits of a static
 * pod's hash. */
#define CGROUP_POD_UID_MAX 64
/* A container id: 64 lowercase hex digits (Docker, containerd, CRI-O,
 * Podman). */
#define CGROUP_CONTAINER_ID_LEN 64

struct cgroup_ids {
	char pod_uid[CGROUP_POD_UID_MAX + 1];		/* "" when none */
	char container_id[CGROUP_CONTAINER_ID_LEN + 1]; /* "" when none */
	enum cgroup_runtime runtime;			/* of the container or pod */
};

/* One cgroup path ("/kubepods.slice/...", also "/../../kubepods/..." as a
 * process in a cgroup namespace sees the others), of len bytes. Understood:
 *  - a pod, kubelet's systemd driver: a component
 *    "<...kubepods...>-pod<UID, '-' written '_'>.slice";
 *  - a pod, kubelet's cgroupfs driver: "pod<UID>" below a component that
 *    contains "kubepods";
 *  - a container: "docker-ID.scope", "libpod-ID.scope",
 *    "cri-containerd-ID.scope", "nerdctl-ID.scope", "crio-ID.scope";
 *    "docker/ID", "libpod-ID", "crio-ID"; a bare ID elsewhere (below a pod,
 *    containerd's "<namespace>/ID": runtime unknown).
 * The innermost of each wins (nested containers). Returns 1 when a pod or a
 * container was found (*out filled, the rest zero), 0 when none was,
 * -EINVAL when this is not a cgroup path (not absolute, a NUL). */
int cgroup_parse_path(const char *path, size_t len, struct cgroup_ids *out);
/* The whole of a /proc/PID/cgroup file: "ID:CONTROLLERS:PATH" lines, cgroup
 * v2 ("0::PATH") and v1 alike. The line that says most wins (a pod over a
 * container over nothing), the first among equals. Returns as above; a
 * malformed line makes the whole file -EINVAL. */
int cgroup_parse_file(const char *text, size_t len, struct cgroup_ids *out);
/* Reads and parses <dfd>/<pid>/cgroup: 1, 0, or a negative errno
 * (-ENOENT/-ESRCH when the process is gone). */
int cgroup_read_pid(int dfd, int pid, struct cgroup_ids *out);
/* s[0..len) is a container id as above: 64 lowercase hex digits. */
bool cgroup_is_container_id(const char *s, size_t len);
/* s[0..len) is a pod UID as kubelet writes it: lowercase hex digits and
 * dashes, at least 8 digits, neither starting nor ending with a dash, at
 * most CGROUP_POD_UID_MAX bytes. */
bool cgroup_is_pod_uid(const char *s, size_t len);
/* "docker", "podman", "containerd", "cri-o"; "" for none. */
const char *cgroup_runtime_name(enum cgroup_runtime r);

#endif
