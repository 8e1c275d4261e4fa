// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for workload: which name wins for a namespace, and what each
 * kind of namespace carries, over pod log directories and Docker state in
 * a scratch tree. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netns.h"
#include "testtree.h"
#include "workload.h"

#define UID "1a2b3c4d-0000-4000-8000-00000000abcd"
#define UID2 "99999999-0000-4000-8000-00000000abcd"
#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

struct fixture {
	struct testtree t; /* first: testtree_setup's state */
	char pods[128], docker[128];
	struct workload_namer *n;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	void *tree;

	/* testtree_teardown() frees the tree it is given: fx, which starts
	 * with one. */
	if (!fx || testtree_setup(&tree))
		return -1;
	fx->t = *(struct testtree *)tree;
	free(tree);
	testtree_mkdir(&fx->t, "pods");
	testtree_mkdir(&fx->t, "pods/shop-prod_cart-6b9f7-2xk4q_" UID);
	testtree_file(&fx->t, "docker/containers/" ID "/config.v2.json",
		      "{\"ID\":\"" ID "\",\"Name\":\"/cache\"}");
	testtree_path(&fx->t, "pods", fx->pods, sizeof(fx->pods));
	testtree_path(&fx->t, "docker", fx->docker, sizeof(fx->docker));
	{
		struct workload_opts o = { .pod_logs_dir = fx->pods, .docker_root = fx->docker };

		if (workload_namer_new(&o, &fx->n))
			return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	workload_namer_free(fx->n);
	return testtree_teardown(state);
}

static struct netns_info info_of(const char *mount, bool ip_netns, const char *comm,
				 const char *uid, const char *id, enum cgroup_runtime rt)
{
	struct netns_info i = { .mount = mount, .ip_netns = ip_netns, .comm = comm };

	i.has_pids = comm || uid || id;
	snprintf(i.ids.pod_uid, sizeof(i.ids.pod_uid), "%s", uid ? uid : "");
	snprintf(i.ids.container_id, sizeof(i.ids.container_id), "%s", id ? id : "");
	i.ids.runtime = rt;
	return i;
}

static void expect(const struct workload *w, const char *name, const char *ns, const char *pod,
		   const char *uid, const char *id, const char *rt, const char *cname)
{
	assert_string_equal(w->name, name);
	assert_string_equal(w->k8s_namespace_name, ns);
	assert_string_equal(w->k8s_pod_name, pod);
	assert_string_equal(w->k8s_pod_uid, uid);
	assert_string_equal(w->container_id, id);
	assert_string_equal(w->container_runtime, rt);
	assert_string_equal(w->container_name, cname);
}

/* A pod: "namespace/pod", over containerd's cni-* mount and the sandbox's
 * "pause"; its runtime but no container (all its containers share it). */
static void test_pod(void **state)
{
	struct fixture *fx = *state;
	struct netns_info i = info_of("cni-5f0c2e7a-1b2c-4d5e-8f90-0a1b2c3d4e5f", true, "pause",
				      UID, ID, CGROUP_RUNTIME_CONTAINERD);
	struct workload w;

	workload_name(fx->n, &i, &w);
	expect(&w, "shop-prod/cart-6b9f7-2xk4q", "shop-prod", "cart-6b9f7-2xk4q", UID, "",
	       "containerd", "");
	assert_true(w.complete);
	assert_true(w.from_pids);
}

/* A pod kubelet has no log directory for (yet): named by its UID, and
 * named again later. */
static void test_pod_unlisted(void **state)
{
	struct fixture *fx = *state;
	struct netns_info i = info_of("cni-x", true, "pause", UID2, NULL, CGROUP_RUNTIME_NONE);
	struct workload w;

	workload_name(fx->n, &i, &w);
	expect(&w, UID2, "", "", UID2, "", "", "");
	assert_false(w.complete);
	/* The listing is kept until the next pass. */
	testtree_mkdir(&fx->t, "pods/default_late-0_" UID2);
	workload_name(fx->n, &i, &w);
	assert_string_equal(w.name, UID2);
	workload_namer_begin(fx->n);
	workload_name(fx->n, &i, &w);
	expect(&w, "default/late-0", "default", "late-0", UID2, "", "", "");
	assert_true(w.complete);
}

/* No pod log directory at all (not a Kubernetes node, or not mounted). */
static void test_no_pod_logs(void **state)
{
	struct fixture *fx = *state;
	struct workload_namer *n;
	struct workload_opts o = { .pod_logs_dir = "/nonexistent/pods" };
	struct netns_info i = info_of(NULL, false, "pause", UID, NULL, CGROUP_RUNTIME_CRIO);
	struct workload w;

	(void)fx;
	assert_int_equal(workload_namer_new(&o, &n), 0);
	workload_name(n, &i, &w);
	expect(&w, UID, "", "", UID, "", "cri-o", "");
	workload_namer_free(n);
}

/* A Docker container: its name, over Docker's own netns mount. */
static void test_docker(void **state)
{
	struct fixture *fx = *state;
	struct netns_info i =
	    info_of("0b9a8c7d6e5f", false, "redis-server", NULL, ID, CGROUP_RUNTIME_DOCKER);
	struct workload w;

	workload_name(fx->n, &i, &w);
	expect(&w, "cache", "", "", "", ID, "docker", "cache");
	assert_true(w.complete);
	/* Without its state: the short id, and looked up again later. */
	i.ids = (struct cgroup_ids){ .runtime = CGROUP_RUNTIME_DOCKER };
	snprintf(i.ids.container_id, sizeof(i.ids.container_id), "%s", ID2);
	workload_name(fx->n, &i, &w);
	expect(&w, "fedcba987654", "", "", "", ID2, "docker", "");
	assert_false(w.complete);
}

/* Other runtimes keep no name a file tells: the short id, for good. */
static void test_other_runtime(void **state)
{
	struct fixture *fx = *state;
	struct netns_info i =
	    info_of("netns-1234", true, "nginx", NULL, ID2, CGROUP_RUNTIME_PODMAN);
	struct workload w;

	workload_name(fx->n, &i, &w);
	expect(&w, "fedcba987654", "", "", "", ID2, "podman", "");
	assert_true(w.complete);
	/* A name someone gave with `ip netns add` is better than an id. */
	i.mount = "vpn-blue";
	workload_name(fx->n, &i, &w);
	expect(&w, "vpn-blue", "", "", "", ID2, "podman", "");
	i.mount = "cni-5f0c2e7a-1b2c-4d5e-8f90-0a1b2c3d4e5f";
	workload_name(fx->n, &i, &w);
	assert_string_equal(w.name, "fedcba987654");
	/* Not under /run/netns: Docker's own /run/docker/netns/ID. */
	i.mount = "vpn-blue";
	i.ip_netns = false;
	workload_name(fx->n, &i, &w);
	assert_string_equal(w.name, "fedcba987654");
}

/* The host: "host", whatever its processes' cgroups or mounts say. */
static void test_host(void **state)
{
	struct fixture *fx = *state;
	struct netns_info i = info_of("somewhere", false, "systemd", NULL, NULL, 0);
	struct workload w;

	i.host = true;
	workload_name(fx->n, &i, &w);
	expect(&w, "host", "", "", "", "", "", "");
	i.ids.runtime = CGROUP_RUNTIME_DOCKER;
	snprintf(i.ids.container_id, sizeof(i.ids.container_id), "%s", ID);
	workload_name(fx->n, &i, &w);
	assert_string_equal(w.name, "host");
	assert_string_equal(w.container_id, "");
}

/* Neither pod nor container: the mount (ip netns first, which the scan
 * already chose), else the command, else nothing. */
static void test_plain(void **state)
{
	struct fixture *fx = *state;
	struct netns_info ip = info_of("blue", true, NULL, NULL, NULL, 0);
	struct netns_info other = info_of("vpn", false, NULL, NULL, NULL, 0);
	struct netns_info comm = info_of(NULL, false, "dnsmasq", NULL, NULL, 0);
	struct netns_info none = info_of(NULL, false, NULL, NULL, NULL, 0);
	struct workload w;

	workload_name(fx->n, &ip, &w);
	expect(&w, "blue", "", "", "", "", "", "");
	workload_name(fx->n, &other, &w);
	assert_string_equal(w.name, "vpn");
	workload_name(fx->n, &comm, &w);
	assert_string_equal(w.name, "dnsmasq");
	assert_true(w.from_pids);
	workload_name(fx->n, &none, &w);
	assert_string_equal(w.name, "");
	assert_false(w.from_pids);
	workload_name(fx->n, NULL, &w);
	assert_string_equal(w.name, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pod_unlisted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_pod_logs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_docker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_runtime, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
