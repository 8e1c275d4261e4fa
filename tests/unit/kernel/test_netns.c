// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for netns: fake proc trees built in a temporary directory, the
 * real /proc, and (as root) namespaces made with `ip netns` and unshare(). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "netns.h"
#include "testfs.h"
#include "testtree.h"

extern char **environ;

/* A process entry: ns/net reads as `link`; comm NULL means none. */
static void tree_proc(const struct testtree *t, const char *pid, const char *link, const char *comm)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "%s/ns/net", pid);
	testtree_link(t, rel, link);
	if (comm) {
		snprintf(rel, sizeof(rel), "%s/comm", pid);
		testtree_file(t, rel, comm);
	}
}

/* netns_scan(root), failing the test on an error; NULL: /proc. */
static struct netns_table *scan_or_fail(const char *root)
{
	struct netns_table *nt = NULL;
	int err = netns_scan(root, &nt);

	if (err)
		fail_msg("netns_scan(%s): %s", root ? root : "/proc", strerror(-err));
	return nt;
}

static struct netns_table *scan_tree(const struct testtree *t)
{
	return scan_or_fail(t->root);
}

static void expect_named(const struct netns_table *nt, uint32_t inode, const char *name)
{
	const char *got = netns_name(nt, inode);

	if (!got)
		fail_msg("netns %u: no name, want \"%s\"", inode, name);
	assert_string_equal(got, name);
	assert_true(netns_alive(nt, inode));
}

static void expect_unknown(const struct netns_table *nt, uint32_t inode)
{
	const char *got = netns_name(nt, inode);

	if (got)
		fail_msg("netns %u: named \"%s\", want unknown", inode, got);
	assert_false(netns_alive(nt, inode));
}

static const char *const mountinfo_names[] = {
	"22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n",
	"25 30 0:25 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=1024k,mode=755\n",
	/* docker's mount first: /run/netns still wins, whatever the order. */
	"600 25 0:4 net:[200] /run/docker/netns/abc rw shared:5 - nsfs nsfs rw\n",
	"601 25 0:4 net:[200] /run/netns/blue rw shared:6 master:2 - nsfs nsfs rw\n",
	"602 25 0:4 net:[201] /run/netns/red rw - nsfs nsfs rw\n",
	"603 25 0:4 net:[201] /run/docker/netns/def rw - nsfs nsfs rw\n",
	"604 25 0:4 net:[202] /run/docker/netns/aaa rw - nsfs nsfs rw\n",
	"605 25 0:4 net:[202] /var/run/netns/green rw - nsfs nsfs rw\n",
	"606 25 0:4 net:[203] /run/docker/netns/abc2 rw - nsfs nsfs rw\n",
	"607 25 0:4 net:[204] /run/netns/with\\040space rw - nsfs nsfs rw\n",
	"608 25 0:4 net:[205] /run/netns/t\\011n\\012b\\134 rw - nsfs nsfs rw\n",
	/* Two `ip netns` names: the smallest, not the first. */
	"609 25 0:4 net:[206] /run/netns/zeta rw - nsfs nsfs rw\n",
	"610 25 0:4 net:[206] /run/netns/alpha rw - nsfs nsfs rw\n",
	/* None is under /run/netns/, so they tie and "aaa" wins. */
	"611 25 0:4 net:[207] /run/netnsx/zzz rw - nsfs nsfs rw\n",
	"612 25 0:4 net:[207] /srv/run/netns/zzz2 rw - nsfs nsfs rw\n",
	"613 25 0:4 net:[207] /srv/aaa rw - nsfs nsfs rw\n",
	"614 25 0:4 net:[4294967295] /run/netns/max rw - nsfs nsfs rw\n",
	/* Not network namespaces. */
	"620 25 0:4 mnt:[300] /run/netns/notnet rw - nsfs nsfs rw\n",
	"621 25 0:4 net:[301] /run/netns/tmpfs rw - tmpfs tmpfs rw\n",
	/* Malformed lines, each of its own netns. */
	"700 25 0:4 net:[400] /run/netns/noseparator rw nsfs nsfs rw\n",
	"701 25 0:4 net:[401] /run/netns/bad\\04escape rw - nsfs nsfs rw\n",
	"702 25 0:4 net:[402] /run/netns/nul\\000 rw - nsfs nsfs rw\n",
	"703 25 0:4 net:[abc] /run/netns/nonnum rw - nsfs nsfs rw\n",
	"704 25 0:4 net:[4294967296] /run/netns/wrap0 rw - nsfs nsfs rw\n",
	"705 25 0:4 net:[4294967297] /run/netns/wrap1 rw - nsfs nsfs rw\n",
	"706 25 0:4 net:[0403] /run/netns/leadingzero rw - nsfs nsfs rw\n",
	"707 25 0:4 net:[404 /run/netns/unterminated rw - nsfs nsfs rw\n",
	"708 25 0:4 net:[405] relative/path rw - nsfs nsfs rw\n",
	"709 25 0:4 net:[406] /run/netns/short rw - nsfs nsfs\n",
	"710 25 0:4 net:[407] /run/netns/extra rw - nsfs nsfs rw extra\n",
	"x 25 0:4 net:[408] /run/netns/badid rw - nsfs nsfs rw\n",
	"711 25 0-4 net:[409] /run/netns/baddev rw - nsfs nsfs rw\n",
	"712 25 0:4 net:[410]  /run/netns/doublespace rw - nsfs nsfs rw\n",
	"713 25 0:4 net:[+411] /run/netns/plus rw - nsfs nsfs rw\n",
	"714 25 0:4 net:[412] /run/netns/trailing rw - nsfs nsfs rw \n",
	"715 25 0:4 net:[413] /run/netns/bad\\400 rw - nsfs nsfs rw\n",
	"\n",
	"716 25 0:4\n",
	/* Good lines still count after bad ones, the last without a newline. */
	"800 25 0:4 net:[208] /run/netns/after rw - nsfs nsfs rw\n",
	"801 25 0:4 net:[209] /run/netns/last rw - nsfs nsfs rw",
};

static void test_mount_names(void **state)
{
	const struct testtree *t = *state;
	struct netns_table *nt;

	testtree_lines(t, "self/mountinfo", mountinfo_names,
		       sizeof(mountinfo_names) / sizeof(mountinfo_names[0]));
	/* Mount names beat the commands of the processes inside. */
	tree_proc(t, "5", "net:[200]", "sleep\n");
	tree_proc(t, "6", "net:[203]", "dockerd\n");
	nt = scan_tree(t);
	expect_named(nt, 200, "blue");
	expect_named(nt, 201, "red");
	expect_named(nt, 202, "green");
	expect_named(nt, 203, "abc2");
	expect_named(nt, 204, "with space");
	expect_named(nt, 205, "t\tn\nb\\");
	expect_named(nt, 206, "alpha");
	expect_named(nt, 207, "aaa");
	expect_named(nt, 208, "after");
	expect_named(nt, 209, "last");
	expect_named(nt, UINT32_MAX, "max");
	expect_unknown(nt, 300);
	expect_unknown(nt, 301);
	for (uint32_t inode = 400; inode <= 413; inode++)
		expect_unknown(nt, inode);
	expect_unknown(nt, 0);
	expect_unknown(nt, 1);
	/* No self/ns/net in this tree. */
	assert_int_equal(netns_self(nt), 0);
	netns_free(nt);
}

static void test_comm_lowest_pid(void **state)
{
	const struct testtree *t = *state;
	struct netns_table *nt;

	/* Lexically "10" < "100" < "9" and "100" < "20": pids compare as
	 * numbers. Created in both orders, so no readdir order can pass. */
	tree_proc(t, "100", "net:[500]", "hundred\n");
	tree_proc(t, "10", "net:[500]", "ten\n");
	tree_proc(t, "9", "net:[500]", "nine\n");
	tree_proc(t, "8", "net:[508]", "eight\n");
	tree_proc(t, "11", "net:[508]", "eleven\n");
	tree_proc(t, "102", "net:[508]", "hundred-two\n");
	tree_proc(t, "20", "net:[501]", "twenty\n");
	tree_proc(t, "101", "net:[501]", "hundred-one\n");
	tree_proc(t, "103", "net:[509]", "hundred-three\n");
	tree_proc(t, "21", "net:[509]", "twenty-one\n");
	tree_proc(t, "104", "net:[510]", "hundred-four\n");
	tree_proc(t, "7", "net:[510]", "seven\n");
	tree_proc(t, "1000", "net:[510]", "thousand\n");
	tree_proc(t, "30", "net:[502]", "a-very-long-command-name\n");
	tree_proc(t, "31", "net:[503]", "nonl");
	/* Vanished between readlink and comm: the next pid names it. */
	tree_proc(t, "40", "net:[504]", NULL);
	tree_proc(t, "41", "net:[504]", "second\n");
	/* Its only process vanished: nothing says the netns still exists. */
	tree_proc(t, "50", "net:[505]", NULL);
	/* Still there but nameless: alive, unnamed. */
	tree_proc(t, "60", "net:[506]", "\n");
	tree_proc(t, "61", "net:[507]", "\n");
	tree_proc(t, "62", "net:[507]", "good\n");
	nt = scan_tree(t);
	expect_named(nt, 500, "nine");
	expect_named(nt, 501, "twenty");
	expect_named(nt, 508, "eight");
	expect_named(nt, 509, "twenty-one");
	expect_named(nt, 510, "seven");
	expect_named(nt, 502, "a-very-long-com");
	expect_named(nt, 503, "nonl");
	expect_named(nt, 504, "second");
	expect_unknown(nt, 505);
	assert_null(netns_name(nt, 506));
	assert_true(netns_alive(nt, 506));
	expect_named(nt, 507, "good");
	netns_free(nt);
}

#define POD_UID "1a2b3c4d-0000-4000-8000-00000000abcd"
#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD_CGROUP                                                                                 \
	"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"                     \
	"1a2b3c4d_0000_4000_8000_00000000abcd.slice/cri-containerd-" CID ".scope\n"

/* Points rel at target again. */
static void relink(const struct testtree *t, const char *rel, const char *target)
{
	char path[256];

	testtree_path(t, rel, path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	testtree_link(t, rel, target);
}

static void tree_cgroup(const struct testtree *t, const char *pid, const char *content)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "%s/cgroup", pid);
	testtree_file(t, rel, content);
}

/* The host: pid 1's netns when pid 1 is in the initial pid namespace, else
 * kthreadd's (pid 2); not a container's pid 1. Its cgroups are not read. */
static void test_host(void **state)
{
	const struct testtree *t = *state;
	struct netns_table *nt;
	const struct netns_info *i;

	tree_proc(t, "1", "net:[600]", "systemd\n");
	testtree_link(t, "1/ns/pid", "pid:[4026531836]");
	tree_proc(t, "2", "net:[600]", "kthreadd\n");
	tree_proc(t, "300", "net:[601]", "sleep\n");
	/* A Docker container with the host's network: still the host. */
	tree_cgroup(t, "1", "0::/system.slice/docker-" CID ".scope\n");
	nt = scan_tree(t);
	i = netns_get(nt, 600);
	assert_non_null(i);
	assert_true(i->host);
	assert_string_equal(i->ids.container_id, "");
	assert_false(netns_get(nt, 601)->host);
	netns_free(nt);

	/* pid 1's namespaces hidden (a sandbox): kthreadd tells. */
	testtree_link(t, "2/ns/pid", "pid:[4026531836]");
	relink(t, "1/ns/pid", "pid:[4026532999]");
	nt = scan_tree(t);
	assert_true(netns_get(nt, 600)->host);
	netns_free(nt);

	/* A container's view: its pid 1 is in a pid namespace of its own. */
	relink(t, "2/ns/pid", "pid:[4026532999]");
	nt = scan_tree(t);
	assert_false(netns_get(nt, 600)->host);
	netns_free(nt);
}

/* A namespace's identity is its lowest pid's cgroup that names a pod or a
 * container; a mount (containerd's cni-*) is kept beside it. */
static void test_cgroup_ids(void **state)
{
	const struct testtree *t = *state;
	struct netns_table *nt;
	const struct netns_info *i;
	static const char *const mounts[] = {
		"600 25 0:4 net:[700] /run/netns/cni-5f0c2e7a rw - nsfs nsfs rw\n",
	};

	testtree_lines(t, "self/mountinfo", mounts, 1);
	/* The pod: its lowest pid is in no pod (entered by `nsenter`), the
	 * next one tells. */
	tree_proc(t, "70", "net:[700]", "bash\n");
	tree_cgroup(t, "70", "0::/user.slice/user-0.slice/session-1.scope\n");
	tree_proc(t, "71", "net:[700]", "pause\n");
	tree_cgroup(t, "71", POD_CGROUP);
	/* A container whose first process has a garbled file, the next is
	 * read. */
	tree_proc(t, "80", "net:[701]", "nginx\n");
	tree_cgroup(t, "80", "garbage");
	tree_proc(t, "81", "net:[701]", "nginx\n");
	tree_cgroup(t, "81", "0::/system.slice/docker-" CID ".scope\n");
	/* Nobody's: no cgroup file at all. */
	tree_proc(t, "90", "net:[702]", "dnsmasq\n");
	nt = scan_tree(t);
	i = netns_get(nt, 700);
	assert_non_null(i);
	assert_string_equal(i->mount, "cni-5f0c2e7a");
	assert_true(i->ip_netns);
	assert_true(i->has_pids);
	assert_string_equal(i->ids.pod_uid, POD_UID);
	assert_int_equal(i->ids.runtime, CGROUP_RUNTIME_CONTAINERD);
	i = netns_get(nt, 701);
	assert_string_equal(i->ids.container_id, CID);
	assert_string_equal(i->comm, "nginx");
	assert_null(i->mount);
	i = netns_get(nt, 702);
	assert_string_equal(i->comm, "dnsmasq");
	assert_string_equal(i->ids.pod_uid, "");
	assert_string_equal(i->ids.container_id, "");
	assert_null(netns_get(nt, 703));
	netns_free(nt);
}

/* A rescan reads cgroups and commands again only where the processes
 * changed: the fixture's files change under it to tell. */
static void test_rescan_reuses(void **state)
{
	const struct testtree *t = *state;
	struct netns_table *a, *b, *c;

	tree_proc(t, "71", "net:[700]", "pause\n");
	tree_cgroup(t, "71", POD_CGROUP);
	tree_proc(t, "81", "net:[701]", "nginx\n");
	tree_cgroup(t, "81", "0::/system.slice/docker-" CID ".scope\n");
	assert_int_equal(netns_rescan(t->root, NULL, &a), 0);
	/* Same processes, other files: not read. */
	tree_cgroup(t, "71", "0::/\n");
	tree_cgroup(t, "81", "0::/\n");
	testtree_file(t, "81/comm", "other\n");
	assert_int_equal(netns_rescan(t->root, a, &b), 0);
	assert_string_equal(netns_get(b, 700)->ids.pod_uid, POD_UID);
	assert_string_equal(netns_get(b, 701)->ids.container_id, CID);
	assert_string_equal(netns_get(b, 701)->comm, "nginx");
	assert_true(netns_get(a, 700)->pids_sig == netns_get(b, 700)->pids_sig);
	/* A process more in 701: read again. */
	tree_proc(t, "82", "net:[701]", "worker\n");
	assert_int_equal(netns_rescan(t->root, b, &c), 0);
	assert_string_equal(netns_get(c, 700)->ids.pod_uid, POD_UID);
	assert_string_equal(netns_get(c, 701)->ids.container_id, "");
	assert_string_equal(netns_get(c, 701)->comm, "other");
	assert_true(netns_get(b, 701)->pids_sig != netns_get(c, 701)->pids_sig);
	netns_free(a);
	netns_free(b);
	netns_free(c);
}

static void test_ignored_entries(void **state)
{
	const struct testtree *t = *state;
	char longlink[128];
	struct netns_table *nt;

	/* "self" is how the daemon finds its own netns, not a process. */
	testtree_link(t, "self/ns/net", "net:[600]");
	testtree_file(t, "self/comm", "self\n");
	tree_proc(t, "acpi", "net:[601]", "acpi\n");
	tree_proc(t, "12abc", "net:[602]", "x\n");
	tree_proc(t, "0012", "net:[603]", "x\n");
	tree_proc(t, "-5", "net:[604]", "x\n");
	tree_proc(t, "99999999999", "net:[605]", "x\n");
	tree_proc(t, "70", "mnt:[610]", "x\n");
	tree_proc(t, "71", "net:[611", "x\n");
	tree_proc(t, "72", "net:[612]x", "x\n");
	tree_proc(t, "73", "net: [613]", "x\n");
	tree_proc(t, "74", "net:[ 614]", "x\n");
	tree_proc(t, "75", "net:[0615]", "x\n");
	tree_proc(t, "76", "net:[4294967296]", "x\n");
	tree_proc(t, "77", "net:[4294967297]", "x\n");
	tree_proc(t, "78", "net:[]", "x\n");
	tree_proc(t, "79", "NET:[616]", "x\n");
	snprintf(longlink, sizeof(longlink), "net:[617]%0100d", 0);
	tree_proc(t, "80", longlink, "x\n");
	testtree_file(t, "81/ns/net", "net:[618]");
	testtree_file(t, "81/comm", "x\n");
	testtree_file(t, "82/comm", "x\n");
	testtree_file(t, "83", "net:[619]");
	tree_proc(t, "90", "net:[620]", "good\n");
	nt = scan_tree(t);
	assert_int_equal(netns_self(nt), 600);
	expect_unknown(nt, 600);
	for (uint32_t inode = 601; inode <= 619; inode++)
		expect_unknown(nt, inode);
	expect_unknown(nt, 0);
	expect_unknown(nt, 1);
	expect_named(nt, 620, "good");
	netns_free(nt);
}

static void test_self(void **state)
{
	const struct testtree *t = *state;
	struct netns_table *nt;

	/* As in procfs, self is a symlink to the process's own directory. */
	testtree_link(t, "self", "77");
	tree_proc(t, "77", "net:[4026531840]", "dropmon\n");
	testtree_file(t, "77/mountinfo",
		      "1 0 0:4 net:[4026532000] /run/netns/x rw - nsfs nsfs rw\n");
	nt = scan_tree(t);
	assert_int_equal(netns_self(nt), 4026531840u);
	expect_named(nt, 4026531840u, "dropmon");
	expect_named(nt, 4026532000u, "x");
	netns_free(nt);
}

static void test_empty_and_null(void **state)
{
	const struct testtree *t = *state;
	struct netns_table *nt = scan_tree(t);

	assert_int_equal(netns_self(nt), 0);
	expect_unknown(nt, 123);
	netns_free(nt);
	assert_null(netns_name(NULL, 123));
	assert_false(netns_alive(NULL, 123));
	assert_int_equal(netns_self(NULL), 0);
	netns_free(NULL);
}

static void test_missing_root(void **state)
{
	const struct testtree *t = *state;
	struct netns_table *nt = NULL;
	char path[512];

	testtree_path(t, "does-not-exist", path, sizeof(path));
	assert_int_equal(netns_scan(path, &nt), -ENOENT);
	testtree_file(t, "plain", "not a directory\n");
	testtree_path(t, "plain", path, sizeof(path));
	assert_int_equal(netns_scan(path, &nt), -ENOTDIR);
	assert_null(nt);
}

static void test_real_self(void **state)
{
	struct netns_table *nt;
	struct stat st;

	(void)state;
	if (stat("/proc/self/ns/net", &st))
		fail_msg("stat /proc/self/ns/net: %s", strerror(errno));
	nt = scan_or_fail(NULL);
	assert_int_equal(netns_self(nt), st.st_ino);
	/* We live in it, so it is alive and has at least our comm as a name. */
	assert_true(netns_alive(nt, (uint32_t)st.st_ino));
	assert_non_null(netns_name(nt, (uint32_t)st.st_ino));
	print_message("own netns %lu is \"%s\"\n", (unsigned long)st.st_ino,
		      netns_name(nt, (uint32_t)st.st_ino));
	netns_free(nt);
}

/* What the root-only tests made, so the teardown can undo it after a failure. */
struct real {
	char name[64];
	bool added;
	pid_t child;
	int release_fd; /* closing it lets the child exit */
};

static int real_setup(void **state)
{
	struct real *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	snprintf(r->name, sizeof(r->name), "dropmon-ut-%d", (int)getpid());
	r->child = -1;
	r->release_fd = -1;
	*state = r;
	return 0;
}

/* Runs `ip netns VERB NAME`; its exit status, or -1 when ip cannot run. */
static int ip_netns(const char *verb, const char *name)
{
	char *argv[] = { "ip", "netns", (char *)verb, (char *)name, NULL };
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, "ip", NULL, NULL, argv, environ))
		return -1;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int real_teardown(void **state)
{
	struct real *r = *state;
	int err = 0;

	if (r->added && ip_netns("del", r->name) != 0)
		err = -1;
	if (r->release_fd >= 0)
		close(r->release_fd);
	if (r->child > 0) {
		kill(r->child, SIGKILL);
		waitpid(r->child, NULL, 0);
	}
	free(r);
	return err;
}

static void need_root(void)
{
	if (geteuid() != 0) {
		print_message("not root: skipped\n");
		skip();
	}
}

static void test_real_ip_netns(void **state)
{
	struct real *r = *state;
	struct netns_table *nt;
	char path[128];
	struct stat st;
	uint32_t inode;
	int rc;

	need_root();
	if (ip_netns("add", r->name) != 0) {
		print_message("`ip netns add %s` failed: skipped\n", r->name);
		skip();
	}
	r->added = true;
	snprintf(path, sizeof(path), "/run/netns/%s", r->name);
	if (stat(path, &st))
		fail_msg("stat %s: %s", path, strerror(errno));
	inode = (uint32_t)st.st_ino;
	assert_int_equal(inode, st.st_ino);
	nt = scan_or_fail(NULL);
	expect_named(nt, inode, r->name);
	netns_free(nt);

	rc = ip_netns("del", r->name);
	if (rc == 0)
		r->added = false;
	assert_int_equal(rc, 0);
	nt = scan_or_fail(NULL);
	expect_unknown(nt, inode);
	netns_free(nt);
}

/* A child alone in a new netns, named by its comm; it exits once the
 * parent closes the pipe. */
static void test_real_unshare(void **state)
{
	struct real *r = *state;
	int ready[2] = { -1, -1 }, release[2] = { -1, -1 };
	struct netns_table *nt;
	char path[64], c;
	struct stat st;
	uint32_t inode;
	ssize_t n;

	need_root();
	if (pipe2(ready, O_CLOEXEC) || pipe2(release, O_CLOEXEC))
		fail_msg("pipe: %s", strerror(errno));
	r->child = fork();
	if (r->child < 0)
		fail_msg("fork: %s", strerror(errno));
	if (r->child == 0) {
		close(ready[0]);
		close(release[1]);
		if (unshare(CLONE_NEWNET) || prctl(PR_SET_NAME, "dropmon-ut-ns"))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(release[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(release[0]);
	r->release_fd = release[1];
	n = read(ready[0], &c, 1);
	close(ready[0]);
	if (n != 1) {
		print_message("unshare(CLONE_NEWNET) failed in the child: skipped\n");
		skip();
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)r->child);
	if (stat(path, &st))
		fail_msg("stat %s: %s", path, strerror(errno));
	inode = (uint32_t)st.st_ino;
	nt = scan_or_fail(NULL);
	expect_named(nt, inode, "dropmon-ut-ns");
	assert_int_not_equal(netns_self(nt), inode);
	netns_free(nt);

	close(r->release_fd);
	r->release_fd = -1;
	assert_int_equal(waitpid(r->child, NULL, 0), r->child);
	r->child = -1;
	nt = scan_or_fail(NULL);
	expect_unknown(nt, inode);
	netns_free(nt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mount_names, testtree_setup,
						testtree_teardown),
		cmocka_unit_test_setup_teardown(test_comm_lowest_pid, testtree_setup,
						testtree_teardown),
		cmocka_unit_test_setup_teardown(test_ignored_entries, testtree_setup,
						testtree_teardown),
		cmocka_unit_test_setup_teardown(test_self, testtree_setup, testtree_teardown),
		cmocka_unit_test_setup_teardown(test_host, testtree_setup, testtree_teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_ids, testtree_setup, testtree_teardown),
		cmocka_unit_test_setup_teardown(test_rescan_reuses, testtree_setup,
						testtree_teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_null, testtree_setup,
						testtree_teardown),
		cmocka_unit_test_setup_teardown(test_missing_root, testtree_setup,
						testtree_teardown),
		cmocka_unit_test(test_real_self),
		cmocka_unit_test_setup_teardown(test_real_ip_netns, real_setup, real_teardown),
		cmocka_unit_test_setup_teardown(test_real_unshare, real_setup, real_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
