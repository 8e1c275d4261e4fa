// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for podlogs: kubelet's directory names (namespaces and pod
 * names with dashes and dots), what is refused, and listing a directory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "podlogs.h"
#include "testtree.h"

#define UID "1a2b3c4d-0000-4000-8000-00000000abcd"

static void expect_pod(const char *dir, const char *ns, const char *name, const char *uid)
{
	struct pod_ref ref;
	int r = podlogs_parse_dirname(dir, &ref);

	if (r)
		fail_msg("%s: %s", dir, strerror(-r));
	assert_string_equal(ref.ns, ns);
	assert_string_equal(ref.name, name);
	assert_string_equal(ref.uid, uid);
}

static void test_names(void **state)
{
	char ns63[64], pod253[254], dir[512];

	(void)state;
	expect_pod("default_web-7d4b9c8f6-x2k9p_" UID, "default", "web-7d4b9c8f6-x2k9p", UID);
	expect_pod("kube-system_coredns-5d78c9869d-abcde_" UID, "kube-system",
		   "coredns-5d78c9869d-abcde", UID);
	/* Pod names are DNS subdomains: dots, as static pods' "<name>-<node>". */
	expect_pod("kube-system_etcd-node-1.example.com_6f3e0a1b2c3d4e5f60718293a4b5c6d7",
		   "kube-system", "etcd-node-1.example.com", "6f3e0a1b2c3d4e5f60718293a4b5c6d7");
	expect_pod("a_b_12345678", "a", "b", "12345678");
	/* The longest of each. */
	memset(ns63, 'n', 63);
	ns63[63] = '\0';
	memset(pod253, 'p', 253);
	for (size_t i = 63; i < 253; i += 64)
		pod253[i] = '.';
	pod253[253] = '\0';
	snprintf(dir, sizeof(dir), "%s_%s_%s", ns63, pod253, UID);
	expect_pod(dir, ns63, pod253, UID);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"default",
		"default_web",
		"default_web_",
		"_web_" UID,
		"default__" UID,
		"default_web_" UID "_x",
		"Default_web_" UID, /* uppercase */
		"default_Web_" UID,
		"default_web_1A2B3C4D-0000", /* uppercase UID */
		"default_web_1a2b",	     /* too short a UID */
		"default_web_-1a2b3c4d",     /* UID starting with a dash */
		"default_web_1a2b3c4d-",
		"default_web_1a2b3c4g", /* not hex */
		"-default_web_" UID,	/* a label starts and ends alphanumeric */
		"default-_web_" UID,
		"default_-web_" UID,
		"default_web-_" UID,
		"default_.web_" UID,
		"default_web._" UID,
		"default_we..b_" UID,
		"de.fault_web_" UID, /* a namespace has no dots */
		"default_w b_" UID,
		"default_w/b_" UID,
		"default_wéb_" UID,
	};
	char long_ns[80], long_pod[300], long_label[80];
	struct pod_ref ref;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (podlogs_parse_dirname(bad[i], &ref) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	memset(long_ns, 'n', 64);
	snprintf(long_ns + 64, sizeof(long_ns) - 64, "_web_%s", "12345678");
	assert_int_equal(podlogs_parse_dirname(long_ns, &ref), -EINVAL);
	memset(long_pod, 'p', 254);
	for (size_t i = 63; i < 254; i += 64)
		long_pod[i] = '.';
	long_pod[254] = '\0';
	snprintf(long_ns, sizeof(long_ns), "x_");
	{
		char dir[400];

		snprintf(dir, sizeof(dir), "ns_%s_12345678", long_pod);
		assert_int_equal(podlogs_parse_dirname(dir, &ref), -EINVAL);
	}
	/* A label of a pod name is at most 63 bytes too. */
	memset(long_label, 'l', 64);
	snprintf(long_label + 64, sizeof(long_label) - 64, ".x");
	{
		char dir[200];

		snprintf(dir, sizeof(dir), "ns_%s_12345678", long_label);
		assert_int_equal(podlogs_parse_dirname(dir, &ref), -EINVAL);
	}
}

static void test_load(void **state)
{
	const struct testtree *t = *state;
	struct podlogs *p = NULL;
	const struct pod_ref *ref;
	char dir[128];

	testtree_mkdir(t, "pods");
	testtree_mkdir(t, "pods/default_web-0_22222222-0000-4000-8000-000000000000");
	testtree_mkdir(t, "pods/kube-system_dns.a-1_11111111-0000-4000-8000-000000000000");
	/* Skipped: a file, a name that is no pod's, a symlink to a directory. */
	testtree_file(t, "pods/default_file_33333333-0000-4000-8000-000000000000", "");
	testtree_mkdir(t, "pods/lost+found");
	testtree_link(t, "pods/default_link_44444444-0000-4000-8000-000000000000",
		      "default_web-0_22222222-0000-4000-8000-000000000000");
	testtree_path(t, "pods", dir, sizeof(dir));
	assert_int_equal(podlogs_load(dir, &p), 0);
	assert_int_equal(podlogs_count(p), 2);
	ref = podlogs_find(p, "11111111-0000-4000-8000-000000000000");
	assert_non_null(ref);
	assert_string_equal(ref->ns, "kube-system");
	assert_string_equal(ref->name, "dns.a-1");
	ref = podlogs_find(p, "22222222-0000-4000-8000-000000000000");
	assert_non_null(ref);
	assert_string_equal(ref->name, "web-0");
	assert_null(podlogs_find(p, "33333333-0000-4000-8000-000000000000"));
	assert_null(podlogs_find(p, "44444444-0000-4000-8000-000000000000"));
	podlogs_free(p);

	testtree_path(t, "none", dir, sizeof(dir));
	assert_int_equal(podlogs_load(dir, &p), -ENOENT);
	testtree_path(t, "pods/default_file_33333333-0000-4000-8000-000000000000", dir,
		      sizeof(dir));
	assert_int_equal(podlogs_load(dir, &p), -ENOTDIR);
	assert_null(podlogs_find(NULL, "x"));
	podlogs_free(NULL);
}

/* Entries beyond PODLOGS_MAX_ENTRIES are not kept: memory has a bound. */
static void test_bounded(void **state)
{
	const struct testtree *t = *state;
	struct podlogs *p = NULL;
	char dir[128], rel[128];

	testtree_mkdir(t, "many");
	for (unsigned int i = 0; i < PODLOGS_MAX_ENTRIES + 10; i++) {
		snprintf(rel, sizeof(rel), "many/ns_pod-%u_%08x-0000-4000-8000-000000000000", i, i);
		testtree_mkdir(t, rel);
	}
	testtree_path(t, "many", dir, sizeof(dir));
	assert_int_equal(podlogs_load(dir, &p), 0);
	assert_int_equal(podlogs_count(p), PODLOGS_MAX_ENTRIES);
	podlogs_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_refused),
		cmocka_unit_test_setup_teardown(test_load, testtree_setup, testtree_teardown),
		cmocka_unit_test_setup_teardown(test_bounded, testtree_setup, testtree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
