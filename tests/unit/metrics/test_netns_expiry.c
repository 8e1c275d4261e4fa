// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for netns_expiry: namespaces come and go in a fake proc tree,
 * the clock is the test's, and the forget hook removes rows from the test's
 * snapshot as counters_forget_netns() removes them from the maps. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "metrics_fixture.h"
#include "netns.h"
#include "netns_expiry.h"
#include "series.h"

#ifndef FIXTURES
#error "FIXTURES must name the tests/fixtures directory"
#endif

#define NS_A 4026532100u
#define NS_B 4026532200u
#define NS_C 4026532300u

#define GRACE 30
#define REFRESH 5

#define DO_WORK 0xffffffff81000210ull

struct alive {
	uint32_t inode;
	const char *name;
};

struct fixture {
	char dir[64];
	char proc[128];
	char pods[128];
	struct alive alive[4];
	size_t nalive;
	bool scan_fails;
	unsigned int scans;
	/* forget hook: its calls, and what it answers */
	unsigned int forgets;
	uint32_t forgot;
	uint64_t forgot_id;
	int busy_left; /* answer -EBUSY this many times */
	int fail_with; /* else, when nonzero, this error once */
	struct counters_snapshot snap;
	struct netns_expiry *x;
	struct strbuf out;
};

/* Writes proc/self/mountinfo with a /run/netns mount for each namespace
 * alive, and scans it. */
static int scan(void *ctx, struct netns_table **out)
{
	struct fixture *fx = ctx;
	char path[192], line[256];
	struct strbuf sb = STRBUF_INIT;

	fx->scans++;
	if (fx->scan_fails)
		return -EACCES;
	for (size_t i = 0; i < fx->nalive; i++) {
		snprintf(line, sizeof(line),
			 "%zu 25 0:4 net:[%u] /run/netns/%s rw - nsfs nsfs rw\n", 600 + i,
			 fx->alive[i].inode, fx->alive[i].name);
		assert_int_equal(strbuf_puts(&sb, line), 0);
	}
	snprintf(path, sizeof(path), "%s/self/mountinfo", fx->proc);
	assert_int_equal(testfs_write(path, sb.len ? sb.buf : "", sb.len), 0);
	strbuf_free(&sb);
	assert_int_equal(netns_scan(fx->proc, out), 0);
	return 0;
}

static int forget(uint32_t inode, uint64_t id, void *ctx)
{
	struct fixture *fx = ctx;

	fx->forgets++;
	fx->forgot = inode;
	fx->forgot_id = id;
	if (fx->busy_left > 0) {
		fx->busy_left--;
		return -EBUSY;
	}
	if (fx->fail_with) {
		int err = fx->fail_with;

		fx->fail_with = 0;
		return err;
	}
	return snap_forget_netns(&fx->snap, inode, id);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct netns_expiry_opts o = {
		.grace_s = GRACE,
		.refresh_s = REFRESH,
		.scan = scan,
		.forget = forget,
	};
	char self[192];

	if (!fx || testfs_mkdir(fx->dir, sizeof(fx->dir), "netns-expiry")) {
		free(fx);
		return -1;
	}
	snprintf(fx->proc, sizeof(fx->proc), "%s/proc", fx->dir);
	snprintf(fx->pods, sizeof(fx->pods), "%s/pods", fx->dir);
	o.workload.pod_logs_dir = fx->pods;
	snprintf(self, sizeof(self), "%s/self", fx->proc);
	if (mkdir(fx->proc, 0700) || mkdir(self, 0700))
		return -1;
	o.ctx = fx;
	if (netns_expiry_new(&o, &fx->x))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int err;

	netns_expiry_free(fx->x);
	counters_snapshot_free(&fx->snap);
	strbuf_free(&fx->out);
	err = testfs_rmtree(fx->dir);
	free(fx);
	return err;
}

static void set_alive(struct fixture *fx, size_t n, const struct alive *alive)
{
	assert_true(n <= sizeof(fx->alive) / sizeof(fx->alive[0]));
	memcpy(fx->alive, alive, n * sizeof(*alive));
	fx->nalive = n;
}

static const char *render_info(struct fixture *fx)
{
	struct expo e;

	strbuf_reset(&fx->out);
	expo_init(&e, &fx->out, EXPO_TEXT);
	netns_expiry_render(fx->x, &e);
	assert_int_equal(fx->out.err, 0);
	return fx->out.buf;
}

#define INFO_HEAD                                                                                  \
	"# HELP dropmon_netns_info Who each network namespace in the drop series belongs to: "     \
	"name is host, namespace/pod, the container's name, its ip-netns (or other bind mount) "   \
	"name, else the command of a process in it.\n"                                             \
	"# TYPE dropmon_netns_info gauge\n"

/* Every netns of the rows is known (0 is no netns), sorted by inode, named
 * after its mount; one never seen alive is unnamed. Scans happen at most
 * every REFRESH seconds, and names follow them. */
static void test_names(void **state)
{
	struct fixture *fx = *state;
	const struct alive alive[] = { { NS_B, "red" }, { NS_A, "blue" } };
	const struct alive renamed[] = { { NS_B, "green" }, { NS_A, "blue" } };

	set_alive(fx, 2, alive);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_B, 1, 1);
	snap_row(&fx->snap, DO_WORK, 3, 1, 0, 1, 1);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_C, 1, 1);
	snap_row(&fx->snap, DO_WORK, 3, 2, NS_A, 1, 1);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	assert_int_equal(fx->scans, 1);
	assert_non_null(netns_expiry_table(fx->x));
	assert_int_equal(netns_expiry_count(fx->x), 3);
	assert_string_equal(render_info(fx),
			    INFO_HEAD "dropmon_netns_info{netns=\"4026532100\",name=\"blue\"} 1\n"
				      "dropmon_netns_info{netns=\"4026532200\",name=\"red\"} 1\n"
				      "dropmon_netns_info{netns=\"4026532300\",name=\"\"} 1\n");

	/* Renamed, but not rescanned before REFRESH seconds. */
	set_alive(fx, 2, renamed);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 104.9));
	assert_int_equal(fx->scans, 1);
	assert_string_equal(netns_expiry_name(fx->x, NS_B, 0), "red");
	assert_false(netns_expiry_update(fx->x, &fx->snap, 105));
	assert_int_equal(fx->scans, 2);
	assert_string_equal(netns_expiry_name(fx->x, NS_B, 0), "green");
	assert_null(netns_expiry_name(fx->x, 0, 0));
	assert_int_equal(fx->forgets, 0);
}

#define POD_UID "1a2b3c4d-0000-4000-8000-00000000abcd"
#define POD_INFO                                                                                   \
	"dropmon_netns_info{netns=\"4026532100\",name=\"shop/cart-0\",k8s_namespace_name="         \
	"\"shop\",k8s_pod_name=\"cart-0\",k8s_pod_uid=\"" POD_UID "\","                            \
	"container_runtime=\"containerd\"} 1\n"

/* proc/71: the sandbox of a pod, in NS_A. */
static void make_pod_process(struct fixture *fx)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/71", fx->proc);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/71/ns", fx->proc);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/71/ns/net", fx->proc);
	assert_int_equal(symlink("net:[4026532100]", path), 0);
	snprintf(path, sizeof(path), "%s/71/comm", fx->proc);
	assert_int_equal(testfs_write(path, "pause\n", 6), 0);
	snprintf(path, sizeof(path), "%s/71/cgroup", fx->proc);
	{
		static const char cg[] =
		    "0::/kubepods.slice/kubepods-pod"
		    "1a2b3c4d_0000_4000_8000_00000000abcd.slice/cri-containerd-"
		    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		    ".scope\n";

		assert_int_equal(testfs_write(path, cg, sizeof(cg) - 1), 0);
	}
}

/* The pod's log directory, as kubelet makes it. */
static void make_pod_logs(struct fixture *fx)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/shop_cart-0_" POD_UID, fx->pods);
	if (mkdir(fx->pods, 0700) && errno != EEXIST)
		fail_msg("mkdir %s: %s", fx->pods, strerror(errno));
	assert_int_equal(mkdir(path, 0700), 0);
}

/* A pod's namespace is named after the pod (not containerd's cni-* mount),
 * and stays so when its processes exit while the mount keeps it alive, and
 * then for the grace period once it is gone. */
static void test_pod_remembered(void **state)
{
	struct fixture *fx = *state;
	const struct alive cni[] = { { NS_A, "cni-5f0c2e7a" } };
	char path[256];
	double t;

	make_pod_logs(fx);
	make_pod_process(fx);
	set_alive(fx, 1, cni);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_A, 1, 1);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	assert_string_equal(render_info(fx), INFO_HEAD POD_INFO);
	assert_string_equal(netns_expiry_workload(fx->x, NS_A, 0)->k8s_pod_uid, POD_UID);

	/* The pod's processes exit; its netns lives on in the mount. */
	snprintf(path, sizeof(path), "%s/71", fx->proc);
	assert_int_equal(testfs_rmtree(path), 0);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 105));
	assert_int_equal(fx->scans, 2);
	assert_string_equal(render_info(fx), INFO_HEAD POD_INFO);

	/* The mount goes too: named through the grace period, then forgotten. */
	set_alive(fx, 0, cni);
	for (t = 110; t < 110 + GRACE; t += 1)
		assert_false(netns_expiry_update(fx->x, &fx->snap, t));
	assert_string_equal(render_info(fx), INFO_HEAD POD_INFO);
	assert_true(netns_expiry_update(fx->x, &fx->snap, 110 + GRACE));
	assert_null(netns_expiry_workload(fx->x, NS_A, 0));
}

/* A pod seen before kubelet made its log directory is named by its UID,
 * and by its name at the first rescan after the directory is there. */
static void test_pod_named_later(void **state)
{
	struct fixture *fx = *state;
	const struct alive cni[] = { { NS_A, "cni-5f0c2e7a" } };

	make_pod_process(fx);
	set_alive(fx, 1, cni);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_A, 1, 1);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	assert_string_equal(netns_expiry_name(fx->x, NS_A, 0), POD_UID);
	make_pod_logs(fx);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 104));
	assert_string_equal(netns_expiry_name(fx->x, NS_A, 0), POD_UID);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 105));
	assert_string_equal(render_info(fx), INFO_HEAD POD_INFO);
}

/* A namespace that disappears keeps its name (and its rows are left alone)
 * for the grace period; then it is forgotten once, its rows go, and the
 * update says so. The other namespace is untouched. */
static void test_grace_then_forget(void **state)
{
	struct fixture *fx = *state;
	const struct alive both[] = { { NS_A, "blue" }, { NS_B, "red" } };
	const struct alive only_b[] = { { NS_B, "red" } };
	double t;

	set_alive(fx, 2, both);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_A, 1, 1);
	snap_row(&fx->snap, DO_WORK + 8, 3, 1, NS_A, 1, 1);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_B, 1, 1);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	set_alive(fx, 1, only_b);
	/* Seen gone at the scan of 110: the grace period runs from there. */
	for (t = 110; t < 110 + GRACE; t += 1) {
		assert_false(netns_expiry_update(fx->x, &fx->snap, t));
		assert_string_equal(netns_expiry_name(fx->x, NS_A, 0), "blue");
	}
	assert_int_equal(fx->forgets, 0);
	assert_int_equal(fx->snap.nrows, 3);
	assert_string_equal(render_info(fx),
			    INFO_HEAD "dropmon_netns_info{netns=\"4026532100\",name=\"blue\"} 1\n"
				      "dropmon_netns_info{netns=\"4026532200\",name=\"red\"} 1\n");

	assert_true(netns_expiry_update(fx->x, &fx->snap, 110 + GRACE));
	assert_int_equal(fx->forgets, 1);
	assert_int_equal(fx->forgot, NS_A);
	assert_int_equal(fx->snap.nrows, 1);
	assert_null(netns_expiry_name(fx->x, NS_A, 0));
	assert_string_equal(render_info(fx),
			    INFO_HEAD "dropmon_netns_info{netns=\"4026532200\",name=\"red\"} 1\n");
	/* Forgotten once only. */
	assert_false(netns_expiry_update(fx->x, &fx->snap, 200));
	assert_int_equal(fx->forgets, 1);
}

/* Right before a removal the namespaces are scanned again, when the
 * update did not scan already: an inode that is alive again (reused by a
 * new namespace) is kept, and its grace period starts over. */
static void test_rescan_before_forget(void **state)
{
	struct fixture *fx = *state;
	const struct alive both[] = { { NS_A, "blue" }, { NS_B, "red" } };
	const struct alive only_b[] = { { NS_B, "red" } };
	const struct alive reused[] = { { NS_A, "new" }, { NS_B, "red" } };

	set_alive(fx, 2, both);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_A, 1, 1);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	set_alive(fx, 1, only_b);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 110));
	assert_false(netns_expiry_update(fx->x, &fx->snap, 137));
	assert_int_equal(fx->scans, 3);
	/* At 140 the last scan (137) is recent: the removal scans once more. */
	set_alive(fx, 2, reused);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 110 + GRACE));
	assert_int_equal(fx->scans, 4);
	assert_int_equal(fx->forgets, 0);
	/* Alive from then on: no removal a grace period after 110 either. */
	assert_false(netns_expiry_update(fx->x, &fx->snap, 145));
	assert_string_equal(netns_expiry_name(fx->x, NS_A, 0), "new");
	/* Gone again at 150: a whole new grace period from there. */
	set_alive(fx, 1, only_b);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 150));
	assert_false(netns_expiry_update(fx->x, &fx->snap, 150 + GRACE - 1));
	assert_int_equal(fx->forgets, 0);
	assert_true(netns_expiry_update(fx->x, &fx->snap, 150 + GRACE));
	assert_int_equal(fx->forgets, 1);
}

/* A removal answered -EBUSY is not lost: the namespace stays known (name
 * included), is not tried again before REFRESH seconds, then is. Another
 * error is retried at the next update. */
static void test_busy_retried(void **state)
{
	struct fixture *fx = *state;
	const struct alive both[] = { { NS_A, "blue" }, { NS_B, "red" } };
	const struct alive only_b[] = { { NS_B, "red" } };

	set_alive(fx, 2, both);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_A, 1, 1);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_B, 1, 1);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	set_alive(fx, 1, only_b);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 110));

	fx->busy_left = 2;
	assert_false(netns_expiry_update(fx->x, &fx->snap, 140));
	assert_int_equal(fx->forgets, 1);
	assert_string_equal(netns_expiry_name(fx->x, NS_A, 0), "blue");
	assert_false(netns_expiry_update(fx->x, &fx->snap, 144.9));
	assert_int_equal(fx->forgets, 1);
	/* Busy again at 145: postponed to 150. */
	assert_false(netns_expiry_update(fx->x, &fx->snap, 145));
	assert_int_equal(fx->forgets, 2);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 149));
	assert_int_equal(fx->forgets, 2);
	assert_string_equal(render_info(fx),
			    INFO_HEAD "dropmon_netns_info{netns=\"4026532100\",name=\"blue\"} 1\n"
				      "dropmon_netns_info{netns=\"4026532200\",name=\"red\"} 1\n");

	/* Some other error: kept, and tried at the very next update. */
	fx->fail_with = -EIO;
	assert_false(netns_expiry_update(fx->x, &fx->snap, 150));
	assert_int_equal(fx->forgets, 3);
	assert_int_equal(fx->snap.nrows, 2);
	assert_true(netns_expiry_update(fx->x, &fx->snap, 150.5));
	assert_int_equal(fx->forgets, 4);
	assert_int_equal(fx->forgot, NS_A);
	assert_int_equal(fx->snap.nrows, 1);
	assert_null(netns_expiry_name(fx->x, NS_A, 0));
}

/* Without any table (the first scan failed) namespaces are tracked (their
 * labels must not depend on /proc) but unnamed, and nothing is removed;
 * the next update scans again. */
static void test_scan_fails(void **state)
{
	struct fixture *fx = *state;
	const struct alive a[] = { { NS_A, "blue" } };
	struct netns_expiry_opts no_forget = { .grace_s = GRACE, .refresh_s = REFRESH };
	struct netns_expiry *x = NULL;

	/* Without a way to forget, nothing could ever expire. */
	assert_int_equal(netns_expiry_new(&no_forget, &x), -EINVAL);
	assert_null(x);

	set_alive(fx, 1, a);
	snap_row(&fx->snap, DO_WORK, 3, 1, NS_A, 1, 1);
	fx->scan_fails = true;
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	assert_null(netns_expiry_table(fx->x));
	assert_int_equal(netns_expiry_count(fx->x), 1);
	assert_string_equal(render_info(fx),
			    INFO_HEAD "dropmon_netns_info{netns=\"4026532100\",name=\"\"} 1\n");
	fx->scan_fails = false;
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100.5));
	assert_int_equal(fx->scans, 2);
	assert_string_equal(netns_expiry_name(fx->x, NS_A, 0), "blue");
}

/* The scrape's order, on the test's snapshot: update (re-read when it
 * removed), build, render. The series of a vanished namespace are shown,
 * device name and netns name included, for the grace period, then go. */
static void test_series_expire(void **state)
{
	struct fixture *fx = *state;
	const struct alive both[] = { { NS_A, "blue" }, { NS_B, "red" } };
	const struct alive only_b[] = { { NS_B, "red" } };
	struct reasons *r = fixture_reasons(fx->dir);
	struct series_opts so = { .kallsyms_path = FIXTURES "/ksyms/basic", .reasons = r };
	struct series_set *set = NULL;
	const char *a_line = "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"veth-a\","
			     "ifindex=\"7\",netns=\"4026532100\",function=\"do_work\"} 3\n";
	const char *b_line = "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"veth-b\","
			     "ifindex=\"7\",netns=\"4026532200\",function=\"do_work\"} 1\n";
	const char *a_info = "dropmon_netns_info{netns=\"4026532100\",name=\"blue\"} 1\n";
	struct expo e;

	assert_int_equal(series_new(&so, 0, &set), 0);
	set_alive(fx, 2, both);
	snap_device(&fx->snap, NS_A, 7, "veth-a");
	snap_device(&fx->snap, NS_B, 7, "veth-b");
	snap_row(&fx->snap, DO_WORK + 1, R_NO_SOCKET, 7, NS_A, 1, 1);
	snap_row(&fx->snap, DO_WORK + 2, R_NO_SOCKET, 7, NS_A, 2, 2);
	snap_row(&fx->snap, DO_WORK, R_NO_SOCKET, 7, NS_B, 1, 1);
	for (double t = 100; t <= 150; t += 2.5) {
		bool removed;

		if (t == 110)
			set_alive(fx, 1, only_b);
		removed = netns_expiry_update(fx->x, &fx->snap, t);
		assert_true(removed == (t == 110 + GRACE));
		assert_true(series_build(set, &fx->snap) > 0);
		strbuf_reset(&fx->out);
		expo_init(&e, &fx->out, EXPO_TEXT);
		series_render(set, &e);
		netns_expiry_render(fx->x, &e);
		assert_int_equal(fx->out.err, 0);
		assert_non_null(strstr(fx->out.buf, b_line));
		if (t < 110 + GRACE) {
			assert_non_null(strstr(fx->out.buf, a_line));
			assert_non_null(strstr(fx->out.buf, a_info));
		} else {
			assert_null(strstr(fx->out.buf, "4026532100"));
		}
	}
	assert_int_equal(fx->forgets, 1);
	series_free(set);
	reasons_free(r);
}

#define ID_A1 0x1001ull
#define ID_A2 0x1002ull
#define ID_A3 0x1003ull
#define ID_A4 0x1004ull

/* A namespace that reused the inode of one still known is another
 * namespace: its own entry, the label "INODE-2", its own name; the first
 * is gone from the moment the second is seen, though the inode is alive,
 * and is forgotten (by its id) a grace period later while the second
 * stays. */
static void test_reuse_labels(void **state)
{
	struct fixture *fx = *state;
	const struct alive first[] = { { NS_A, "blue" } };
	const struct alive second[] = { { NS_A, "green" } };
	char label[NETNS_LABEL_SIZE];

	set_alive(fx, 1, first);
	snap_row_id(&fx->snap, DO_WORK, 3, 1, NS_A, ID_A1, 5, 5);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	assert_string_equal(netns_expiry_label(fx->x, NS_A, ID_A1, label), "4026532100");
	assert_int_equal(netns_expiry_gen(fx->x, NS_A, ID_A1), 1);

	/* Long before the next periodic scan: the reuse itself rescans, so
	 * the new namespace is not named after the old one. */
	set_alive(fx, 1, second);
	snap_row_id(&fx->snap, DO_WORK, 3, 1, NS_A, ID_A2, 7, 7);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 101));
	assert_int_equal(fx->scans, 2);
	assert_int_equal(netns_expiry_count(fx->x), 2);
	assert_string_equal(netns_expiry_label(fx->x, NS_A, ID_A2, label), "4026532100-2");
	assert_int_equal(netns_expiry_gen(fx->x, NS_A, ID_A2), 2);
	assert_string_equal(netns_expiry_name(fx->x, NS_A, ID_A1), "blue");
	assert_string_equal(netns_expiry_name(fx->x, NS_A, ID_A2), "green");
	assert_string_equal(render_info(fx), INFO_HEAD
			    "dropmon_netns_info{netns=\"4026532100\",name=\"blue\"} 1\n"
			    "dropmon_netns_info{netns=\"4026532100-2\",name=\"green\"} 1\n");

	/* The grace period of the first runs from 101, alive inode or not. */
	assert_false(netns_expiry_update(fx->x, &fx->snap, 101 + GRACE - 0.5));
	assert_int_equal(fx->forgets, 0);
	assert_true(netns_expiry_update(fx->x, &fx->snap, 101 + GRACE));
	assert_int_equal(fx->forgets, 1);
	assert_int_equal(fx->forgot, NS_A);
	assert_int_equal(fx->forgot_id, ID_A1);
	assert_int_equal(fx->snap.nrows, 1);
	assert_null(netns_expiry_name(fx->x, NS_A, ID_A1));
	/* The second keeps its label: it never moves while it is shown. */
	assert_string_equal(render_info(fx), INFO_HEAD
			    "dropmon_netns_info{netns=\"4026532100-2\",name=\"green\"} 1\n");
	assert_false(netns_expiry_update(fx->x, &fx->snap, 200));
	assert_int_equal(fx->forgets, 1);
	assert_string_equal(netns_expiry_label(fx->x, NS_A, ID_A2, label), "4026532100-2");
}

/* Namespaces first seen in the same update are taken in the order of their
 * id (net_cookie grows with each namespace): the last one is the one that
 * can be alive, and gets the name; the earlier one was never seen alive. */
static void test_reuse_same_update(void **state)
{
	struct fixture *fx = *state;
	const struct alive a[] = { { NS_A, "green" }, { NS_B, "red" } };
	char label[NETNS_LABEL_SIZE];

	set_alive(fx, 2, a);
	/* Row order says nothing: the id does. */
	snap_row_id(&fx->snap, DO_WORK, 3, 1, NS_A, ID_A2, 1, 1);
	snap_row_id(&fx->snap, DO_WORK, 3, 1, NS_B, ID_A1, 1, 1);
	snap_row_id(&fx->snap, DO_WORK, 3, 1, NS_A, ID_A1, 1, 1);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	assert_string_equal(netns_expiry_label(fx->x, NS_A, ID_A1, label), "4026532100");
	assert_string_equal(netns_expiry_label(fx->x, NS_A, ID_A2, label), "4026532100-2");
	/* Another inode numbers on its own. */
	assert_string_equal(netns_expiry_label(fx->x, NS_B, ID_A1, label), "4026532200");
	assert_string_equal(netns_expiry_name(fx->x, NS_A, ID_A1), "");
	assert_string_equal(netns_expiry_name(fx->x, NS_A, ID_A2), "green");
	assert_string_equal(netns_expiry_label(fx->x, 0, 0, label), "");
	assert_true(netns_expiry_update(fx->x, &fx->snap, 100 + GRACE));
	assert_int_equal(fx->forgets, 1);
	assert_int_equal(fx->forgot_id, ID_A1);
	assert_int_equal(netns_expiry_count(fx->x), 2);
}

/* The numbers of an inode only grow while any namespace with it is known,
 * so that no label value passes from one namespace to another while either
 * is shown; once none is, the next namespace is the inode alone again. */
static void test_reuse_numbers(void **state)
{
	struct fixture *fx = *state;
	const struct alive a[] = { { NS_A, "ns" } };
	char label[NETNS_LABEL_SIZE];
	uint64_t ids[] = { ID_A1, ID_A2, ID_A3 };

	set_alive(fx, 1, a);
	for (size_t i = 0; i < 3; i++) {
		snap_row_id(&fx->snap, DO_WORK, 3, 1, NS_A, ids[i], 1, 1);
		assert_false(netns_expiry_update(fx->x, &fx->snap, 100 + (double)i));
	}
	assert_string_equal(netns_expiry_label(fx->x, NS_A, ID_A3, label), "4026532100-3");
	/* The first two expire; the third (the last, alive) stays. */
	assert_true(netns_expiry_update(fx->x, &fx->snap, 102 + GRACE));
	assert_int_equal(fx->forgets, 2);
	assert_int_equal(netns_expiry_count(fx->x), 1);
	/* A fourth: 4, not the 1 or 2 freed. */
	snap_row_id(&fx->snap, DO_WORK, 3, 1, NS_A, ID_A4, 1, 1);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 200));
	assert_string_equal(netns_expiry_label(fx->x, NS_A, ID_A4, label), "4026532100-4");
	assert_string_equal(netns_expiry_label(fx->x, NS_A, ID_A3, label), "4026532100-3");
	/* The third went when the fourth came (200); the fourth is gone at
	 * 300. All gone: the next one is the inode alone. */
	set_alive(fx, 0, a);
	assert_true(netns_expiry_update(fx->x, &fx->snap, 300));
	assert_int_equal(netns_expiry_count(fx->x), 1);
	assert_true(netns_expiry_update(fx->x, &fx->snap, 300 + GRACE));
	assert_int_equal(netns_expiry_count(fx->x), 0);
	assert_int_equal(fx->snap.nrows, 0);
	set_alive(fx, 1, a);
	snap_row_id(&fx->snap, DO_WORK, 3, 1, NS_A, ID_A1 + 100, 1, 1);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 400));
	assert_string_equal(netns_expiry_label(fx->x, NS_A, ID_A1 + 100, label), "4026532100");
}

static uint32_t gen_of(uint32_t inode, uint64_t id, void *ctx)
{
	return netns_expiry_gen(ctx, inode, id);
}

/* Through series: the rows of two namespaces with one inode are two series
 * (never summed), each with its own label and device name, scrape after
 * scrape (both cached, the cache never handing one the other's labels);
 * once the first expires, the second's label stays. */
static void test_reuse_series(void **state)
{
	struct fixture *fx = *state;
	const struct alive first[] = { { NS_A, "blue" } };
	const struct alive second[] = { { NS_A, "green" } };
	struct reasons *r = fixture_reasons(fx->dir);
	struct series_opts so = {
		.kallsyms_path = FIXTURES "/ksyms/basic",
		.reasons = r,
		.netns_gen = gen_of,
		.netns_ctx = fx->x,
	};
	struct series_set *set = NULL;
	const char *a_line = "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"veth-a\","
			     "ifindex=\"7\",netns=\"4026532100\",function=\"do_work\"} 3\n";
	const char *b_line = "dropmon_drops_total{reason=\"NO_SOCKET\",device=\"veth-b\","
			     "ifindex=\"7\",netns=\"4026532100-2\",function=\"do_work\"} 5\n";
	struct expo e;

	assert_int_equal(series_new(&so, 0, &set), 0);
	set_alive(fx, 1, first);
	snap_device_id(&fx->snap, NS_A, ID_A1, 7, "veth-a");
	snap_row_id(&fx->snap, DO_WORK + 1, R_NO_SOCKET, 7, NS_A, ID_A1, 1, 1);
	snap_row_id(&fx->snap, DO_WORK + 2, R_NO_SOCKET, 7, NS_A, ID_A1, 2, 2);
	assert_false(netns_expiry_update(fx->x, &fx->snap, 100));
	set_alive(fx, 1, second);
	snap_device_id(&fx->snap, NS_A, ID_A2, 7, "veth-b");
	snap_row_id(&fx->snap, DO_WORK, R_NO_SOCKET, 7, NS_A, ID_A2, 5, 5);
	for (double t = 101; t <= 101 + GRACE + 5; t += 2.5) {
		bool removed = netns_expiry_update(fx->x, &fx->snap, t);

		assert_true(removed == (t >= 101 + GRACE && t < 101 + GRACE + 2.5));
		assert_int_equal(series_build(set, &fx->snap), t < 101 + GRACE ? 2 : 1);
		strbuf_reset(&fx->out);
		expo_init(&e, &fx->out, EXPO_TEXT);
		series_render(set, &e);
		assert_int_equal(fx->out.err, 0);
		assert_non_null(strstr(fx->out.buf, b_line));
		/* Both cached, each under its own label. */
		assert_int_equal(series_cached(set), t < 101 + GRACE ? 2 : 1);
		if (t < 101 + GRACE)
			assert_non_null(strstr(fx->out.buf, a_line));
		else
			assert_null(strstr(fx->out.buf, "netns=\"4026532100\""));
	}
	series_free(set);
	reasons_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pod_remembered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pod_named_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grace_then_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rescan_before_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_same_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_series, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
