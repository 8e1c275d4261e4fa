// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for reasons: BTF fixtures built in memory with libbpf and written
 * to a temporary directory, plus the running kernel's vmlinux BTF. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/btf.h>

#include "reasons.h"
#include "testfs.h"

/* Built with -Wl,--wrap=clock_gettime, reasons.c reads time through this hook
 * so the 30-second re-read can be tested without waiting. The weak reference
 * keeps the test linkable without the flag; the re-read test then skips. */
extern int __real_clock_gettime(clockid_t id, struct timespec *ts) __attribute__((weak));
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);

static time_t clock_skew;

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	int ret = __real_clock_gettime(id, ts);

	if (ret == 0 && id == CLOCK_MONOTONIC)
		ts->tv_sec += clock_skew;
	return ret;
}

#define NAME_SIZE 128

struct fixture {
	char root[64];
	char vmlinux[128];
	char modules[128];
};

/* What the fixture kernel has. */
enum {
	VM_CORE = 1 << 0,     /* enum skb_drop_reason */
	VM_CORE64 = 1 << 1,   /* ... as BTF_KIND_ENUM64 */
	VM_SUBSYS = 1 << 2,   /* enum skb_drop_reason_subsys */
	VM_MAC80211 = 1 << 3, /* a built-in subsystem enum */
};

#define SUBSYS_MAC80211 0x10000u
#define SUBSYS_OVS 0x20000u

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (testfs_mkdir(fx->root, sizeof(fx->root), "reasons")) {
		free(fx);
		return -1;
	}
	snprintf(fx->vmlinux, sizeof(fx->vmlinux), "%s/vmlinux", fx->root);
	snprintf(fx->modules, sizeof(fx->modules), "%s/modules", fx->root);
	if (mkdir(fx->modules, 0700)) {
		rmdir(fx->root);
		free(fx);
		return -1;
	}
	clock_skew = 0;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(fx->modules);

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", fx->modules, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(fx->modules);
	unlink(fx->vmlinux);
	rmdir(fx->root);
	free(fx);
	clock_skew = 0;
	return 0;
}

static void write_file(const char *path, const void *data, size_t size)
{
	assert_int_equal(testfs_write(path, data, size), 0);
}

static void write_btf(const struct btf *btf, const char *path)
{
	const void *data;
	__u32 size;

	data = btf__raw_data(btf, &size);
	assert_non_null(data);
	write_file(path, data, size);
}

static void add_enum(struct btf *btf, const char *name, bool is64, const char *const *names,
		     const uint64_t *values, size_t n)
{
	int id = is64 ? btf__add_enum64(btf, name, 8, false) : btf__add_enum(btf, name, 4);

	assert_true(id > 0);
	for (size_t i = 0; i < n; i++) {
		int err = is64 ? btf__add_enum64_value(btf, names[i], values[i])
			       : btf__add_enum_value(btf, names[i], (__s64)values[i]);

		assert_int_equal(err, 0);
	}
}

static const char *const core_names[] = {
	"SKB_NOT_DROPPED_YET",
	"SKB_CONSUMED",
	"SKB_DROP_REASON_NOT_SPECIFIED",
	"SKB_DROP_REASON_NO_SOCKET",
	"SKB_DROP_REASON_PKT_TOO_SMALL",
	"SKB_DROP_REASON_NETFILTER_DROP",
	"SKB_DROP_REASON_DUP_OF_NO_SOCKET",
	"SKB_DROP_REASON_MAX",
	"SKB_DROP_REASON_SUBSYS_MASK",
};
static const uint64_t core_values[] = { 0, 1, 2, 3, 4, 5, 3, 6, 0xffff0000 };
/* Distinct values above: 0..6 and the mask. */
#define CORE_COUNT 8

static struct btf *build_vmlinux(unsigned int what)
{
	static const char *const subsys_names[] = {
		"SKB_DROP_REASON_SUBSYS_CORE",
		"SKB_DROP_REASON_SUBSYS_MAC80211_UNUSABLE",
		"SKB_DROP_REASON_SUBSYS_OPENVSWITCH",
		"SKB_DROP_REASON_SUBSYS_NUM",
	};
	static const uint64_t subsys_values[] = { 0, 1, 2, 3 };
	/* As in net/mac80211: RX_CONTINUE and RX_QUEUED are not drops. */
	static const char *const mac_names[] = { "RX_CONTINUE", "RX_QUEUED", "RX_DROP_U_MIC_FAIL",
						 "RX_DROP_U_REPLAY" };
	static const uint64_t mac_values[] = { 1, 0, SUBSYS_MAC80211, SUBSYS_MAC80211 + 1 };
	static const char *const other_names[] = { "TCP_LISTEN", "TCP_CLOSE" };
	static const uint64_t other_values[] = { 10, 7 };
	struct btf *btf = btf__new_empty();

	assert_non_null(btf);
	assert_true(btf__add_int(btf, "int", 4, BTF_INT_SIGNED) > 0);
	add_enum(btf, "tcp_state", false, other_names, other_values, 2);
	if (what & (VM_CORE | VM_CORE64)) {
		add_enum(btf, "skb_drop_reason", what & VM_CORE64, core_names, core_values,
			 CORE_COUNT + 1);
		if (what & VM_CORE64) {
			/* The tracepoint's reason is 32 bits: this one can never be seen,
			 * and must not alias value 7. */
			assert_int_equal(
			    btf__add_enum64_value(btf, "SKB_DROP_REASON_HUGE", 0x100000007ULL), 0);
		}
	}
	if (what & VM_SUBSYS)
		add_enum(btf, "skb_drop_reason_subsys", false, subsys_names, subsys_values, 4);
	if (what & VM_MAC80211)
		add_enum(btf, "mac80211_drop_reason", false, mac_names, mac_values, 4);
	return btf;
}

static void write_vmlinux(const struct fixture *fx, unsigned int what)
{
	struct btf *btf = build_vmlinux(what);

	write_btf(btf, fx->vmlinux);
	btf__free(btf);
}

/* A module's split BTF on top of the fixture vmlinux, as /sys/kernel/btf/<module>. */
static void write_module(const struct fixture *fx, unsigned int vm, const char *module,
			 const char *enum_name, bool is64, const char *const *names,
			 const uint64_t *values, size_t n)
{
	struct btf *base = build_vmlinux(vm), *mod;
	char path[PATH_MAX];

	mod = btf__new_empty_split(base);
	assert_non_null(mod);
	add_enum(mod, enum_name, is64, names, values, n);
	snprintf(path, sizeof(path), "%s/%s", fx->modules, module);
	write_btf(mod, path);
	btf__free(mod);
	btf__free(base);
}

static void write_ovs(const struct fixture *fx, unsigned int vm, bool is64)
{
	static const char *const names[] = { "__OVS_DROP_REASON", "OVS_DROP_LAST_ACTION",
					     "OVS_DROP_ACTION_ERROR" };
	static const uint64_t values[] = { SUBSYS_OVS, SUBSYS_OVS + 1, SUBSYS_OVS + 2 };
	static const char *const decoy_names[] = { "OVS_NOT_A_REASON" };
	static const uint64_t decoy_values[] = { SUBSYS_OVS + 3 };

	write_module(fx, vm, "openvswitch", "ovs_drop_reason", is64, names, values, 3);
	/* Not named *drop_reason: ignored even though its value looks like one. */
	write_module(fx, vm, "ovs_decoy", "ovs_flags", false, decoy_names, decoy_values, 1);
}

static void expect_name(struct reasons *r, uint32_t value, const char *want)
{
	char buf[NAME_SIZE];

	assert_ptr_equal(reasons_name(r, value, buf, sizeof(buf)), buf);
	if (strcmp(buf, want) != 0)
		fail_msg("reason %" PRIu32 " (0x%" PRIx32 "): got \"%s\", want \"%s\"", value,
			 value, buf, want);
}

static struct reasons *load(const struct fixture *fx)
{
	struct reasons *r = NULL;
	int err = reasons_load(fx->vmlinux, fx->modules, &r);

	if (err)
		fail_msg("reasons_load(%s): %s", fx->vmlinux, strerror(-err));
	return r;
}

#define ALL_VM (VM_CORE | VM_SUBSYS | VM_MAC80211)

static void test_core_names(void **state)
{
	struct fixture *fx = *state;
	struct reasons *r;

	write_vmlinux(fx, ALL_VM);
	r = load(fx);
	expect_name(r, 2, "NOT_SPECIFIED");
	expect_name(r, 3, "NO_SOCKET");
	expect_name(r, 4, "PKT_TOO_SMALL");
	expect_name(r, 5, "NETFILTER_DROP");
	/* Only the SKB_DROP_REASON_ prefix is removed. */
	expect_name(r, 0, "SKB_NOT_DROPPED_YET");
	expect_name(r, 1, "SKB_CONSUMED");
	expect_name(r, 6, "MAX");
	/* An enum that is not about drops contributes nothing. */
	expect_name(r, 10, "10");
	reasons_free(r);
}

static void test_unknown_values_are_numbers(void **state)
{
	struct fixture *fx = *state;
	struct reasons *r;

	write_vmlinux(fx, ALL_VM);
	r = load(fx);
	expect_name(r, 7, "7");
	expect_name(r, 1000, "1000");
	expect_name(r, UINT32_MAX, "4294967295");
	/* Subsystem 3 is SKB_DROP_REASON_SUBSYS_NUM, subsystem 5 does not exist. */
	expect_name(r, 0x30001, "196609");
	expect_name(r, 0x50001, "327681");
	/* Known subsystem, unknown reason (no openvswitch module BTF). */
	expect_name(r, SUBSYS_OVS + 1, "131073");
	reasons_free(r);
}

static void test_subsystems(void **state)
{
	struct fixture *fx = *state;
	struct reasons *r;

	write_vmlinux(fx, ALL_VM);
	write_ovs(fx, ALL_VM, false);
	r = load(fx);
	expect_name(r, SUBSYS_OVS, "openvswitch/__OVS_DROP_REASON");
	expect_name(r, SUBSYS_OVS + 1, "openvswitch/OVS_DROP_LAST_ACTION");
	expect_name(r, SUBSYS_OVS + 2, "openvswitch/OVS_DROP_ACTION_ERROR");
	expect_name(r, SUBSYS_OVS + 3, "131075");
	/* Built into vmlinux; its low values must not shadow the core names. */
	expect_name(r, SUBSYS_MAC80211, "mac80211_unusable/RX_DROP_U_MIC_FAIL");
	expect_name(r, SUBSYS_MAC80211 + 1, "mac80211_unusable/RX_DROP_U_REPLAY");
	expect_name(r, 1, "SKB_CONSUMED");
	expect_name(r, 0, "SKB_NOT_DROPPED_YET");
	/* The core enum's own SUBSYS_MASK is a core name, not a subsystem one. */
	expect_name(r, 0xffff0000, "SUBSYS_MASK");
	assert_int_equal(reasons_count(r), CORE_COUNT + 2 + 3);
	/* And back from names, as --reason takes them. */
	{
		uint32_t v = 7;

		assert_int_equal(reasons_value(r, "openvswitch/OVS_DROP_LAST_ACTION", &v), 0);
		assert_int_equal(v, SUBSYS_OVS + 1);
		assert_int_equal(reasons_value(r, "skb_consumed", &v), 0);
		assert_int_equal(v, 1);
		v = 7;
		assert_int_equal(reasons_value(r, "OVS_DROP_LAST_ACTION", &v), -ENOENT);
		assert_int_equal(reasons_value(r, "", &v), -ENOENT);
		assert_int_equal(v, 7);
	}
	reasons_free(r);
}

static void test_duplicate_values(void **state)
{
	struct fixture *fx = *state;
	static const char *const names[] = { "OVS_DROP_SHADOW", "NEW_NAME" };
	static const uint64_t values[] = { SUBSYS_OVS + 1, SUBSYS_OVS + 9 };
	struct reasons *r;

	write_vmlinux(fx, ALL_VM);
	write_ovs(fx, ALL_VM, false);
	/* Sorts after "openvswitch": the first module read keeps a value. */
	write_module(fx, ALL_VM, "zz_other", "zz_drop_reason", false, names, values, 2);
	r = load(fx);
	/* The first enumerator of a value wins within the core enum too. */
	expect_name(r, 3, "NO_SOCKET");
	expect_name(r, SUBSYS_OVS + 1, "openvswitch/OVS_DROP_LAST_ACTION");
	expect_name(r, SUBSYS_OVS + 9, "openvswitch/NEW_NAME");
	reasons_free(r);
}

static void test_enum64(void **state)
{
	struct fixture *fx = *state;
	struct reasons *r;
	unsigned int vm = VM_CORE64 | VM_SUBSYS;

	write_vmlinux(fx, vm);
	write_ovs(fx, vm, true);
	r = load(fx);
	expect_name(r, 3, "NO_SOCKET");
	expect_name(r, 5, "NETFILTER_DROP");
	expect_name(r, 0xffff0000, "SUBSYS_MASK");
	expect_name(r, 7, "7");
	expect_name(r, SUBSYS_OVS + 1, "openvswitch/OVS_DROP_LAST_ACTION");
	reasons_free(r);
}

static void test_no_drop_reason_enum(void **state)
{
	struct fixture *fx = *state;
	struct reasons *r;

	/* Before 5.17: no enum skb_drop_reason at all. */
	write_vmlinux(fx, 0);
	write_ovs(fx, 0, false);
	r = load(fx);
	expect_name(r, 0, "NOT_SPECIFIED");
	expect_name(r, 3, "NOT_SPECIFIED");
	expect_name(r, 12345, "NOT_SPECIFIED");
	expect_name(r, SUBSYS_OVS + 1, "NOT_SPECIFIED");
	assert_int_equal(reasons_count(r), 0);
	assert_false(reasons_known(r));
	{
		uint32_t v = 7;

		/* What such a kernel passes for every drop, and nothing else. */
		assert_int_equal(reasons_value(r, "not_specified", &v), 0);
		assert_int_equal(v, 0);
		assert_int_equal(reasons_value(r, "NO_SOCKET", &v), -ENOENT);
	}
	reasons_free(r);
}

static void test_no_subsys_enum(void **state)
{
	struct fixture *fx = *state;
	struct reasons *r;

	/* 5.17 to 6.4: reasons, but no subsystems to name module enums by. */
	write_vmlinux(fx, VM_CORE | VM_MAC80211);
	write_ovs(fx, VM_CORE | VM_MAC80211, false);
	r = load(fx);
	expect_name(r, 3, "NO_SOCKET");
	expect_name(r, SUBSYS_OVS + 1, "131073");
	expect_name(r, SUBSYS_MAC80211, "65536");
	assert_int_equal(reasons_count(r), CORE_COUNT);
	assert_true(reasons_known(r));
	reasons_free(r);
}

static void test_truncation(void **state)
{
	struct fixture *fx = *state;
	char buf[16];
	struct reasons *r;

	write_vmlinux(fx, ALL_VM);
	write_ovs(fx, ALL_VM, false);
	r = load(fx);
	memset(buf, 'X', sizeof(buf));
	assert_string_equal(reasons_name(r, 3, buf, 4), "NO_");
	assert_int_equal(buf[4], 'X');
	assert_string_equal(reasons_name(r, 3, buf, 1), "");
	assert_string_equal(reasons_name(r, 3, buf, 10), "NO_SOCKET");
	assert_string_equal(reasons_name(r, 3, buf, 9), "NO_SOCKE");
	assert_string_equal(reasons_name(r, SUBSYS_OVS + 1, buf, 6), "openv");
	assert_string_equal(reasons_name(r, 123456, buf, 4), "123");
	memset(buf, 'X', sizeof(buf));
	assert_ptr_equal(reasons_name(r, 3, buf, 0), buf);
	assert_int_equal(buf[0], 'X');
	reasons_free(r);

	write_vmlinux(fx, 0);
	r = load(fx);
	assert_string_equal(reasons_name(r, 3, buf, 4), "NOT");
	reasons_free(r);
}

static void test_bad_inputs(void **state)
{
	struct fixture *fx = *state;
	static const char junk[] = "this is not BTF at all, just some bytes\n";
	char path[PATH_MAX];
	struct reasons *r = NULL;

	assert_int_equal(reasons_load(fx->vmlinux, fx->modules, &r), -ENOENT);
	assert_null(r);

	write_file(fx->vmlinux, junk, sizeof(junk));
	assert_true(reasons_load(fx->vmlinux, fx->modules, &r) < 0);
	assert_null(r);

	/* A broken module file is skipped; the rest still load. */
	write_vmlinux(fx, ALL_VM);
	write_ovs(fx, ALL_VM, false);
	snprintf(path, sizeof(path), "%s/broken", fx->modules);
	write_file(path, junk, sizeof(junk));
	r = load(fx);
	expect_name(r, SUBSYS_OVS + 1, "openvswitch/OVS_DROP_LAST_ACTION");
	reasons_free(r);

	/* No module directory (no CONFIG_DEBUG_INFO_BTF_MODULES) is fine. */
	assert_int_equal(reasons_load(fx->vmlinux, "/nonexistent/btf", &r), 0);
	assert_non_null(r);
	expect_name(r, 3, "NO_SOCKET");
	expect_name(r, SUBSYS_MAC80211, "mac80211_unusable/RX_DROP_U_MIC_FAIL");
	reasons_free(r);
	reasons_free(NULL);
	assert_int_equal(reasons_count(NULL), 0);
	assert_false(reasons_known(NULL));
}

static void test_reread_modules(void **state)
{
	struct fixture *fx = *state;
	static const char *const early_names[] = { "RX_DROP_EARLY" };
	static const uint64_t early_values[] = { SUBSYS_MAC80211 + 4 };
	static const char *const names[] = { "RX_DROP_LATE" };
	static const uint64_t values[] = { SUBSYS_MAC80211 + 5 };
	struct reasons *r;

	if (!__real_clock_gettime) {
		print_message("built without -Wl,--wrap=clock_gettime: skipped\n");
		skip();
	}
	write_vmlinux(fx, ALL_VM);
	r = load(fx);
	/* Loading counts as a read: a module loaded since is unseen for 30 s. */
	write_module(fx, ALL_VM, "early", "early_drop_reason", false, early_names, early_values, 1);
	clock_skew = 29;
	expect_name(r, SUBSYS_MAC80211 + 4, "65540");
	clock_skew = 31;
	/* Values of no known subsystem (3 is SKB_DROP_REASON_SUBSYS_NUM) cannot
	 * be helped by a re-read ... */
	expect_name(r, 0x30001, "196609");
	expect_name(r, 0x50001, "327681");
	/* ... so they did not use up the re-read that this one gets. */
	write_ovs(fx, ALL_VM, false);
	expect_name(r, SUBSYS_OVS + 1, "openvswitch/OVS_DROP_LAST_ACTION");
	expect_name(r, SUBSYS_MAC80211 + 4, "mac80211_unusable/RX_DROP_EARLY");
	/* Loaded just after that re-read: unseen 19 s later, seen after 30 s. */
	write_module(fx, ALL_VM, "late", "late_drop_reason", false, names, values, 1);
	clock_skew = 50;
	expect_name(r, SUBSYS_MAC80211 + 5, "65541");
	clock_skew = 62;
	expect_name(r, SUBSYS_MAC80211 + 5, "mac80211_unusable/RX_DROP_LATE");
	expect_name(r, 3, "NO_SOCKET");
	reasons_free(r);
}

#define LOOKUP_THREADS 4

static void *lookup_thread(void *arg)
{
	struct reasons *r = arg;
	char buf[NAME_SIZE];

	for (int i = 0; i < 20000; i++) {
		reasons_name(r, SUBSYS_OVS + 1, buf, sizeof(buf));
		if (strcmp(buf, "131073") != 0 &&
		    strcmp(buf, "openvswitch/OVS_DROP_LAST_ACTION") != 0)
			return (void *)1;
		reasons_name(r, 3, buf, sizeof(buf));
		if (strcmp(buf, "NO_SOCKET") != 0)
			return (void *)1;
	}
	return NULL;
}

/* Lookups from several threads while one of them replaces the table; run
 * under -fsanitize=thread to see races, not only wrong names. */
static void test_concurrent_lookups(void **state)
{
	struct fixture *fx = *state;
	pthread_t threads[LOOKUP_THREADS];
	struct reasons *r;

	if (!__real_clock_gettime) {
		print_message("built without -Wl,--wrap=clock_gettime: skipped\n");
		skip();
	}
	write_vmlinux(fx, ALL_VM);
	r = load(fx);
	write_ovs(fx, ALL_VM, false);
	clock_skew = 31;
	for (int i = 0; i < LOOKUP_THREADS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, lookup_thread, r), 0);
	for (int i = 0; i < LOOKUP_THREADS; i++) {
		void *ret = (void *)1;

		assert_int_equal(pthread_join(threads[i], &ret), 0);
		assert_null(ret);
	}
	expect_name(r, SUBSYS_OVS + 1, "openvswitch/OVS_DROP_LAST_ACTION");
	assert_int_equal(reasons_count(r), CORE_COUNT + 2 + 3);
	reasons_free(r);
}

/* Reads enum skb_drop_reason without the code under test. */
static const struct btf_type *real_enum(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);

	if (id < 0)
		id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM64);
	return id < 0 ? NULL : btf__type_by_id(btf, id);
}

static void real_member(const struct btf *btf, const struct btf_type *t, int i, const char **name,
			uint64_t *value)
{
	if (btf_is_enum(t)) {
		*name = btf__name_by_offset(btf, btf_enum(t)[i].name_off);
		*value = (uint32_t)btf_enum(t)[i].val;
	} else {
		*name = btf__name_by_offset(btf, btf_enum64(t)[i].name_off);
		*value = btf_enum64_value(btf_enum64(t) + i);
	}
}

static void test_real_vmlinux(void **state)
{
	static const char prefix[] = "SKB_DROP_REASON_";
	bool no_socket = false, netfilter = false;
	const struct btf_type *t;
	struct timespec t0, t1;
	char buf[NAME_SIZE];
	struct reasons *r = NULL;
	struct btf *btf;
	int checked = 0;
	int err;

	(void)state;
	btf = btf__parse("/sys/kernel/btf/vmlinux", NULL);
	if (!btf) {
		print_message("no /sys/kernel/btf/vmlinux: skipped\n");
		skip();
	}
	t = real_enum(btf);
	if (!t) {
		btf__free(btf);
		print_message("kernel has no enum skb_drop_reason: skipped\n");
		skip();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = reasons_load(NULL, NULL, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err)
		fail_msg("reasons_load(NULL, NULL): %s", strerror(-err));
	print_message("loaded %zu reason names in %.1f ms\n", reasons_count(r),
		      (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			  (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *name, *want;
		uint64_t value;
		bool shadowed = false;

		real_member(btf, t, i, &name, &value);
		if (value > UINT32_MAX)
			continue;
		/* An alias of an earlier enumerator shows the earlier name. */
		for (int j = 0; j < i && !shadowed; j++) {
			const char *other;
			uint64_t v;

			real_member(btf, t, j, &other, &v);
			shadowed = v == value;
		}
		if (shadowed)
			continue;
		want = strncmp(name, prefix, sizeof(prefix) - 1) == 0 ? name + sizeof(prefix) - 1
								      : name;
		reasons_name(r, (uint32_t)value, buf, sizeof(buf));
		if (strcmp(buf, want) != 0)
			fail_msg("%s = %" PRIu64 ": got \"%s\"", name, value, buf);
		no_socket |= strcmp(buf, "NO_SOCKET") == 0;
		netfilter |= strcmp(buf, "NETFILTER_DROP") == 0;
		checked++;
	}
	assert_true(checked > 10);
	assert_true(no_socket);
	assert_true(netfilter);
	assert_true(reasons_count(r) >= (size_t)checked);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint32_t v = 0; v < 100000; v++)
		reasons_name(r, v % 200, buf, sizeof(buf));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("100000 lookups in %.1f ms\n", (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
							 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	reasons_free(r);
	btf__free(btf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_core_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_values_are_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subsystems, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum64, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_drop_reason_enum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_subsys_enum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reread_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_lookups, setup, teardown),
		cmocka_unit_test(test_real_vmlinux),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
