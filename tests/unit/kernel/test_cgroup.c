// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for cgroup: every form of kubelet's and the runtimes' cgroup
 * paths, /proc/PID/cgroup files of cgroup v1 and v2, and what is refused. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"
#include "testfs.h"
#include "testtree.h"

#define UID "1a2b3c4d-0000-4000-8000-00000000abcd"
#define UID_ "1a2b3c4d_0000_4000_8000_00000000abcd"
/* A static pod's UID: the hash of its manifest. */
#define STATIC_UID "6f3e0a1b2c3d4e5f60718293a4b5c6d7"
#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

struct path_case {
	const char *path;
	int ret;
	const char *uid, *id;
	enum cgroup_runtime rt;
};

static const struct path_case cases[] = {
	/* kubelet, systemd driver: Burstable, BestEffort, Guaranteed pods. */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID ".scope",
	  1, UID, ID, CGROUP_RUNTIME_CONTAINERD },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" ID
	  ".scope",
	  1, UID, ID, CGROUP_RUNTIME_CRIO },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID ".scope", 1, UID, ID,
	  CGROUP_RUNTIME_DOCKER },
	/* The pod's own slice (a process of the pod outside any container). */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice", 1, UID, "", CGROUP_RUNTIME_NONE },
	/* CRI-O's conmon sits in the pod slice, in a scope that is no container. */
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/crio-conmon-" ID ".scope", 1, UID, "",
	  CGROUP_RUNTIME_NONE },
	/* A static pod's UID has no dashes. */
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID
	  ".slice/cri-containerd-" ID ".scope",
	  1, STATIC_UID, ID, CGROUP_RUNTIME_CONTAINERD },
	/* kind, --cgroup-root=/kubelet: the slices gain a prefix. */
	{ "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	  "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID ".scope",
	  1, UID, ID, CGROUP_RUNTIME_CONTAINERD },
	/* kubelet, cgroupfs driver. */
	{ "/kubepods/burstable/pod" UID "/" ID, 1, UID, ID, CGROUP_RUNTIME_NONE },
	{ "/kubepods/besteffort/pod" UID "/" ID, 1, UID, ID, CGROUP_RUNTIME_NONE },
	{ "/kubepods/pod" UID "/" ID, 1, UID, ID, CGROUP_RUNTIME_NONE },
	{ "/kubepods/pod" UID "/crio-" ID, 1, UID, ID, CGROUP_RUNTIME_CRIO },
	{ "/kubepods/pod" UID, 1, UID, "", CGROUP_RUNTIME_NONE },
	/* Seen from inside a cgroup namespace, and under a prefix of any kind. */
	{ "/../../kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" ID ".scope",
	  1, UID, ID, CGROUP_RUNTIME_CONTAINERD },
	{ "/../kubepods/pod" UID "/" ID, 1, UID, ID, CGROUP_RUNTIME_NONE },
	{ "/dropmon-test/kubepods/besteffort/pod" UID "/" ID, 1, UID, ID, CGROUP_RUNTIME_NONE },
	/* Containers outside Kubernetes. */
	{ "/system.slice/docker-" ID ".scope", 1, "", ID, CGROUP_RUNTIME_DOCKER },
	{ "/docker/" ID, 1, "", ID, CGROUP_RUNTIME_DOCKER },
	{ "/machine.slice/libpod-" ID ".scope", 1, "", ID, CGROUP_RUNTIME_PODMAN },
	{ "/machine.slice/libpod-" ID ".scope/container", 1, "", ID, CGROUP_RUNTIME_PODMAN },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope", 1, "", ID,
	  CGROUP_RUNTIME_PODMAN },
	{ "/libpod_parent/libpod-" ID, 1, "", ID, CGROUP_RUNTIME_PODMAN },
	{ "/system.slice/crio-" ID ".scope", 1, "", ID, CGROUP_RUNTIME_CRIO },
	{ "/system.slice/cri-containerd-" ID ".scope", 1, "", ID, CGROUP_RUNTIME_CONTAINERD },
	{ "/system.slice/nerdctl-" ID ".scope", 1, "", ID, CGROUP_RUNTIME_CONTAINERD },
	/* containerd's cgroupfs form, <its namespace>/ID: which runtime is
	 * not said. */
	{ "/default/" ID, 1, "", ID, CGROUP_RUNTIME_NONE },
	{ "/k8s.io/" ID, 1, "", ID, CGROUP_RUNTIME_NONE },
	/* Docker in Docker: the innermost names the process's. */
	{ "/docker/" ID "/docker/" ID2, 1, "", ID2, CGROUP_RUNTIME_DOCKER },
	/* Nothing: the host's own services, users, the root. */
	{ "/", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/system.slice/ssh.service", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/user.slice/user-0.slice/session-1.scope", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/system.slice/docker.service", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/system.slice/containerd.service", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/kubepods.slice", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/kubepods.slice/kubepods-burstable.slice", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/kubepods/burstable", 0, "", "", CGROUP_RUNTIME_NONE },
	/* Not a pod: "pod" outside kubepods, a slice without kubepods before
	 * "-pod", too short or not hex. */
	{ "/pod" UID, 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/system.slice/app-pod" UID_ ".slice", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/kubepods/podman", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/kubepods/pod1234", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/kubepods/pod" UID "x", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/kubepods.slice/kubepods-pod" UID ".slice", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/kubepods.slice/kubepods-pod_" UID_ ".slice", 0, "", "", CGROUP_RUNTIME_NONE },
	/* Not a container: a short, long or uppercase id, another runtime's
	 * prefix, a runtime's scope without the .scope. */
	{ "/system.slice/docker-0123456789ab.scope", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/system.slice/docker-" ID "0.scope", 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/system.slice/docker-0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
	  ".scope",
	  0, "", "", CGROUP_RUNTIME_NONE },
	{ "/system.slice/docker-" ID, 0, "", "", CGROUP_RUNTIME_NONE },
	{ "/system.slice/lxc-" ID ".scope", 0, "", "", CGROUP_RUNTIME_NONE },
	/* Not a cgroup path. */
	{ "kubepods/pod" UID, -EINVAL, "", "", CGROUP_RUNTIME_NONE },
	{ "", -EINVAL, "", "", CGROUP_RUNTIME_NONE },
};

static void test_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct path_case *c = &cases[i];
		struct cgroup_ids ids;
		int r = cgroup_parse_path(c->path, strlen(c->path), &ids);

		if (r != c->ret || strcmp(ids.pod_uid, c->uid) || strcmp(ids.container_id, c->id) ||
		    ids.runtime != c->rt)
			fail_msg(
			    "%s: got %d uid '%s' id '%s' runtime '%s', expected %d '%s' '%s' '%s'",
			    c->path, r, ids.pod_uid, ids.container_id,
			    cgroup_runtime_name(ids.runtime), c->ret, c->uid, c->id,
			    cgroup_runtime_name(c->rt));
	}
}

/* A path holds exactly len bytes: a NUL inside is refused, bytes after len
 * are not read. */
static void test_path_length(void **state)
{
	static const char nul[] = "/kubepods/pod" UID "\0/x";
	const char *p = "/docker/" ID "/garbage";
	struct cgroup_ids ids;

	(void)state;
	assert_int_equal(cgroup_parse_path(nul, sizeof(nul) - 1, &ids), -EINVAL);
	assert_int_equal(cgroup_parse_path(p, strlen("/docker/" ID), &ids), 1);
	assert_string_equal(ids.container_id, ID);
}

static void test_files(void **state)
{
	/* cgroup v2 only. */
	static const char v2[] =
	    "0::/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope\n";
	/* v1 with the pod in the controllers' hierarchies (cgroupfs driver),
	 * the v2 line of a hybrid host at the root. */
	static const char v1[] = "12:pids:/kubepods/besteffort/pod" UID "/" ID "\n"
				 "11:cpu,cpuacct:/kubepods/besteffort/pod" UID "/" ID "\n"
				 "1:name=systemd:/kubepods/besteffort/pod" UID "/" ID "\n"
				 "0::/\n";
	/* A pod wins over a container, whatever the order. */
	static const char mixed[] = "2:name=systemd:/system.slice/docker-" ID ".scope\n"
				    "0::/kubepods/pod" UID "/" ID2 "\n";
	/* A path may hold ':'. */
	static const char colon[] = "0::/system.slice/a:b/docker-" ID ".scope\n";
	static const char none[] = "0::/user.slice/user-0.slice/session-3.scope\n";
	static const char no_newline[] = "0::/docker/" ID;
	static const char *const bad[] = {
		"",	  "\n",		 "0::/\n\n",	  "0:/\n",
		"x::/\n", ":memory:/\n", "0::relative\n", "0::/\n1:cpu\n",
	};
	struct cgroup_ids ids;

	(void)state;
	assert_int_equal(cgroup_parse_file(v2, strlen(v2), &ids), 1);
	assert_string_equal(ids.pod_uid, UID);
	assert_string_equal(ids.container_id, ID);
	assert_int_equal(ids.runtime, CGROUP_RUNTIME_CONTAINERD);
	assert_int_equal(cgroup_parse_file(v1, strlen(v1), &ids), 1);
	assert_string_equal(ids.pod_uid, UID);
	assert_string_equal(ids.container_id, ID);
	assert_int_equal(cgroup_parse_file(mixed, strlen(mixed), &ids), 1);
	assert_string_equal(ids.pod_uid, UID);
	assert_string_equal(ids.container_id, ID2);
	assert_int_equal(cgroup_parse_file(colon, strlen(colon), &ids), 1);
	assert_string_equal(ids.container_id, ID);
	assert_int_equal(cgroup_parse_file(none, strlen(none), &ids), 0);
	assert_string_equal(ids.pod_uid, "");
	assert_string_equal(ids.container_id, "");
	assert_int_equal(cgroup_parse_file(no_newline, strlen(no_newline), &ids), 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = cgroup_parse_file(bad[i], strlen(bad[i]), &ids);

		if (r != -EINVAL)
			fail_msg("'%s': %d, expected -EINVAL", bad[i], r);
		assert_string_equal(ids.pod_uid, "");
	}
	assert_int_equal(cgroup_parse_file("0::/\0", 5, &ids), -EINVAL);
}

static const char *prefix_file;

static void parse_prefix(const char *s)
{
	struct cgroup_ids ids;
	int r = cgroup_parse_file(s, strlen(s), &ids);

	assert_true(r >= -EINVAL && r <= 1);
	if (r <= 0)
		assert_string_equal(ids.pod_uid, "");
}

/* Every prefix of a file parses within its bytes (ASan). */
static void test_prefixes(void **state)
{
	(void)state;
	prefix_file = "12:pids:/kubepods/besteffort/pod" UID "/" ID "\n"
		      "0::/kubepods.slice/kubepods-pod" UID_ ".slice/crio-" ID ".scope\n";
	testfs_each_prefix(prefix_file, parse_prefix);
}

/* Read from a proc tree: the process's file, gone, or not a regular file. */
static void test_read_pid(void **state)
{
	const struct testtree *t = *state;
	struct cgroup_ids ids;
	char path[128];
	int dfd;

	testtree_file(t, "41/cgroup", "0::/system.slice/docker-" ID ".scope\n");
	testtree_file(t, "42/cgroup", "garbage\n");
	testtree_mkdir(t, "43");
	testtree_mkdir(t, "43/cgroup");
	testtree_path(t, "", path, sizeof(path));
	dfd = open(path, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(cgroup_read_pid(dfd, 41, &ids), 1);
	assert_string_equal(ids.container_id, ID);
	assert_string_equal(cgroup_runtime_name(ids.runtime), "docker");
	assert_int_equal(cgroup_read_pid(dfd, 42, &ids), -EINVAL);
	assert_int_equal(cgroup_read_pid(dfd, 43, &ids), -EISDIR);
	assert_int_equal(cgroup_read_pid(dfd, 44, &ids), -ENOENT);
	close(dfd);
}

static void test_runtime_names(void **state)
{
	(void)state;
	assert_string_equal(cgroup_runtime_name(CGROUP_RUNTIME_NONE), "");
	assert_string_equal(cgroup_runtime_name(CGROUP_RUNTIME_DOCKER), "docker");
	assert_string_equal(cgroup_runtime_name(CGROUP_RUNTIME_PODMAN), "podman");
	assert_string_equal(cgroup_runtime_name(CGROUP_RUNTIME_CONTAINERD), "containerd");
	assert_string_equal(cgroup_runtime_name(CGROUP_RUNTIME_CRIO), "cri-o");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test_setup_teardown(test_read_pid, testtree_setup, testtree_teardown),
		cmocka_unit_test(test_runtime_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
