// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the parsers of what names a namespace's workload, the
 * input's first byte choosing which (mod 3), the rest its text:
 *  0  /proc/PID/cgroup (kernel/cgroup.c): a pod UID or a container id
 *     found is checked against the form it must have;
 *  1  a pod log directory name (workload/podlogs.c): an accepted one must
 *     be put back together from its parts;
 *  2  Docker's config.v2.json (workload/docker.c): an accepted name holds
 *     only what Docker allows. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "docker.h"
#include "podlogs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void die(const char *what)
{
	fprintf(stderr, "fuzz_workload: %s\n", what);
	abort();
}

static bool only(const char *s, const char *chars)
{
	return strspn(s, chars) == strlen(s);
}

static void check_cgroup(const char *text, size_t len)
{
	struct cgroup_ids ids;
	int r = cgroup_parse_file(text, len, &ids);

	if (r != 1 && r != 0 && r != -EINVAL)
		die("cgroup: unexpected return");
	if (r == 1 && !ids.pod_uid[0] && !ids.container_id[0])
		die("cgroup: found nothing, said found");
	if (r != 1 && (ids.pod_uid[0] || ids.container_id[0] || ids.runtime))
		die("cgroup: found something, said not");
	if (!only(ids.pod_uid, "0123456789abcdef-") || strlen(ids.pod_uid) > CGROUP_POD_UID_MAX)
		die("cgroup: bad pod UID");
	if (ids.container_id[0] &&
	    (strlen(ids.container_id) != 64 || !only(ids.container_id, "0123456789abcdef")))
		die("cgroup: bad container id");
	if (!memmem(text, len, ids.container_id, strlen(ids.container_id)))
		die("cgroup: a container id not in the text");
}

static void check_podlogs(const char *s)
{
	struct pod_ref ref;
	char back[PODLOGS_NS_MAX + PODLOGS_POD_MAX + CGROUP_POD_UID_MAX + 3];

	if (podlogs_parse_dirname(s, &ref))
		return;
	snprintf(back, sizeof(back), "%s_%s_%s", ref.ns, ref.name, ref.uid);
	if (strcmp(back, s))
		die("podlogs: the parts do not make the name");
	if (!only(ref.ns, "abcdefghijklmnopqrstuvwxyz0123456789-") ||
	    !only(ref.name, "abcdefghijklmnopqrstuvwxyz0123456789-.") ||
	    !only(ref.uid, "0123456789abcdef-"))
		die("podlogs: a part holds a character it may not");
}

static void check_docker(const char *text, size_t len)
{
	char name[DOCKER_NAME_MAX + 1];
	int r = docker_parse_config(text, len, ID, name);

	if (r != 0)
		return;
	if (!name[0] || strlen(name) > DOCKER_NAME_MAX || name[0] == '_' || name[0] == '.' ||
	    name[0] == '-' ||
	    !only(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"))
		die("docker: a name Docker would not give");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	/* An exact-size copy, so ASan sees a read past the end. */
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		check_cgroup(s, size - 1);
		break;
	case 1:
		if (!memchr(s, '\0', size - 1))
			check_podlogs(s);
		break;
	default:
		check_docker(s, size - 1);
		break;
	}
	free(s);
	return 0;
}
