// SPDX-License-Identifier: GPL-2.0-only
/* Pods and containers from cgroup paths: kubelet names a pod's cgroup after
 * its UID, the runtimes name a container's after its id. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "file.h"

/* A v1 file has a line per hierarchy (about 13), each path at most
 * PATH_MAX: anything longer is not /proc/PID/cgroup. */
#define CGROUP_FILE_MAX (64 * 1024)

struct comp {
	const char *s;
	size_t len;
};

static bool comp_is(const struct comp *c, const char *lit)
{
	return c->len == strlen(lit) && memcmp(c->s, lit, c->len) == 0;
}

static bool has_prefix(const struct comp *c, const char *lit, size_t *plen)
{
	*plen = strlen(lit);
	return c->len >= *plen && memcmp(c->s, lit, *plen) == 0;
}

static bool has_suffix(const struct comp *c, const char *lit)
{
	size_t n = strlen(lit);

	return c->len >= n && memcmp(c->s + c->len - n, lit, n) == 0;
}

static bool contains(const struct comp *c, const char *lit)
{
	size_t n = strlen(lit);

	for (size_t i = 0; i + n <= c->len; i++)
		if (memcmp(c->s + i, lit, n) == 0)
			return true;
	return false;
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool cgroup_is_container_id(const char *s, size_t len)
{
	if (len != CGROUP_CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_lower_hex(s[i]))
			return false;
	return true;
}

/* A pod UID of len bytes with sep written for '-' (see cgroup_is_pod_uid),
 * copied into uid with '-'. */
static bool take_pod_uid(const char *s, size_t len, char sep, char *uid)
{
	size_t hex = 0;

	if (len == 0 || len > CGROUP_POD_UID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (is_lower_hex(s[i]))
			hex++;
		else if (s[i] != sep)
			return false;
	}
	if (hex < 8 || s[0] == sep || s[len - 1] == sep)
		return false;
	for (size_t i = 0; i < len; i++)
		uid[i] = s[i] == sep ? '-' : s[i];
	uid[len] = '\0';
	return true;
}

bool cgroup_is_pod_uid(const char *s, size_t len)
{
	char uid[CGROUP_POD_UID_MAX + 1];

	return take_pod_uid(s, len, '-', uid);
}

/* "<...kubepods...>-pod<UID_>.slice" (systemd driver). */
static bool systemd_pod(const struct comp *c, char *uid)
{
	size_t stem, at;

	if (!has_suffix(c, ".slice") || !contains(c, "kubepods"))
		return false;
	stem = c->len - strlen(".slice");
	/* The last "-pod": QoS and root slices come before it. */
	for (at = stem; at >= 4; at--)
		if (memcmp(c->s + at - 4, "-pod", 4) == 0)
			break;
	if (at < 4)
		return false;
	{
		struct comp before = { c->s, at - 4 };

		if (!contains(&before, "kubepods"))
			return false;
	}
	return take_pod_uid(c->s + at, stem - at, '_', uid);
}

static const struct {
	const char *prefix;
	enum cgroup_runtime runtime;
} scopes[] = {
	{ "docker-", CGROUP_RUNTIME_DOCKER },
	{ "libpod-", CGROUP_RUNTIME_PODMAN },
	{ "cri-containerd-", CGROUP_RUNTIME_CONTAINERD },
	{ "nerdctl-", CGROUP_RUNTIME_CONTAINERD },
	{ "crio-", CGROUP_RUNTIME_CRIO },
};

/* "<runtime>-ID.scope" (systemd) or, cgroupfs, "libpod-ID" and "crio-ID". */
static bool runtime_container(const struct comp *c, char *id, enum cgroup_runtime *rt)
{
	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t plen, len;

		if (!has_prefix(c, scopes[i].prefix, &plen))
			continue;
		len = c->len - plen;
		if (has_suffix(c, ".scope"))
			len -= strlen(".scope");
		else if (scopes[i].runtime != CGROUP_RUNTIME_PODMAN &&
			 scopes[i].runtime != CGROUP_RUNTIME_CRIO)
			continue;
		if (!cgroup_is_container_id(c->s + plen, len))
			continue;
		memcpy(id, c->s + plen, len);
		id[len] = '\0';
		*rt = scopes[i].runtime;
		return true;
	}
	return false;
}

int cgroup_parse_path(const char *path, size_t len, struct cgroup_ids *out)
{
	struct comp prev = { NULL, 0 };
	bool kubepods = false, found = false;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if (len == 0 || path[0] != '/' || memchr(path, '\0', len))
		return -EINVAL;
	while (i < len) {
		char uid[CGROUP_POD_UID_MAX + 1], id[CGROUP_CONTAINER_ID_LEN + 1];
		enum cgroup_runtime rt = CGROUP_RUNTIME_NONE;
		bool pod = false, container = false;
		struct comp c;

		while (i < len && path[i] == '/')
			i++;
		c.s = path + i;
		while (i < len && path[i] != '/')
			i++;
		c.len = (size_t)(path + i - c.s);
		if (c.len == 0 || comp_is(&c, ".") || comp_is(&c, ".."))
			continue;
		if (systemd_pod(&c, uid)) {
			pod = true;
		} else if (kubepods && c.len > 3 && memcmp(c.s, "pod", 3) == 0 &&
			   take_pod_uid(c.s + 3, c.len - 3, '-', uid)) {
			pod = true;
		} else if (runtime_container(&c, id, &rt)) {
			container = true;
		} else if (cgroup_is_container_id(c.s, c.len)) {
			/* cgroupfs: kubepods/.../pod<UID>/ID, docker/ID,
			 * containerd's <namespace>/ID. */
			memcpy(id, c.s, c.len);
			id[c.len] = '\0';
			rt = prev.s && comp_is(&prev, "docker") ? CGROUP_RUNTIME_DOCKER
								: CGROUP_RUNTIME_NONE;
			container = true;
		}
		if (pod) {
			snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", uid);
			/* Its containers come below it, not above. */
			out->container_id[0] = '\0';
			out->runtime = CGROUP_RUNTIME_NONE;
		}
		if (container) {
			snprintf(out->container_id, sizeof(out->container_id), "%s", id);
			out->runtime = rt;
		}
		found |= pod || container;
		if (contains(&c, "kubepods"))
			kubepods = true;
		prev = c;
	}
	return found ? 1 : 0;
}

static int score(const struct cgroup_ids *ids)
{
	return (ids->pod_uid[0] ? 2 : 0) + (ids->container_id[0] ? 1 : 0);
}

int cgroup_parse_file(const char *text, size_t len, struct cgroup_ids *out)
{
	struct cgroup_ids best, cur;
	int best_score = -1;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	memset(&best, 0, sizeof(best));
	if (memchr(text, '\0', len))
		return -EINVAL;
	while (i < len) {
		const char *line = text + i, *nl = memchr(line, '\n', len - i);
		size_t llen = nl ? (size_t)(nl - line) : len - i;
		const char *c1, *c2, *p;
		int r, s;

		i += llen + (nl ? 1 : 0);
		if (llen == 0)
			return -EINVAL;
		/* "ID:CONTROLLERS:PATH": a path may hold ':' itself. */
		c1 = memchr(line, ':', llen);
		if (!c1 || c1 == line)
			return -EINVAL;
		for (p = line; p < c1; p++)
			if (*p < '0' || *p > '9')
				return -EINVAL;
		c2 = memchr(c1 + 1, ':', llen - (size_t)(c1 + 1 - line));
		if (!c2)
			return -EINVAL;
		r = cgroup_parse_path(c2 + 1, llen - (size_t)(c2 + 1 - line), &cur);
		if (r < 0)
			return r;
		s = score(&cur);
		if (s > best_score) {
			best = cur;
			best_score = s;
		}
	}
	if (best_score < 0)
		return -EINVAL;
	*out = best;
	return best_score > 0 ? 1 : 0;
}

int cgroup_read_pid(int dfd, int pid, struct cgroup_ids *out)
{
	char path[32], *text = NULL;
	size_t len = 0;
	int err;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%d/cgroup", pid);
	err = file_read_alloc(dfd, path, CGROUP_FILE_MAX, &text, &len);
	if (err)
		return err;
	err = cgroup_parse_file(text, len, out);
	free(text);
	return err;
}

const char *cgroup_runtime_name(enum cgroup_runtime r)
{
	switch (r) {
	case CGROUP_RUNTIME_DOCKER:
		return "docker";
	case CGROUP_RUNTIME_PODMAN:
		return "podman";
	case CGROUP_RUNTIME_CONTAINERD:
		return "containerd";
	case CGROUP_RUNTIME_CRIO:
		return "cri-o";
	case CGROUP_RUNTIME_NONE:
		break;
	}
	return "";
}
