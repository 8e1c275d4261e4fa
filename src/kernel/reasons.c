// SPDX-License-Identifier: GPL-2.0-only
/* Drop reason names from the kernel's BTF, kept as one sorted array of
 * (value, name) so a lookup is a binary search and a copy. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <bpf/btf.h>
#include <linux/btf.h>

#include "array.h"
#include "log.h"
#include "reasons.h"
#include "strbuf.h"

#define CORE_PREFIX "SKB_DROP_REASON_"
#define SUBSYS_PREFIX "SKB_DROP_REASON_SUBSYS_"
/* SKB_DROP_REASON_SUBSYS_SHIFT in include/net/dropreason.h. */
#define SUBSYS_SHIFT 16
#define REREAD_INTERVAL_NS (30 * 1000000000ULL)

struct reason {
	uint32_t value;
	uint32_t name_off; /* into table.names; grows in insertion order */
};

/* Subsystem names are short ("openvswitch"); a longer one is cut, not lost. */
#define SUBSYS_NAME_SIZE 64

struct subsys {
	uint32_t id;
	char name[SUBSYS_NAME_SIZE]; /* "openvswitch/", lower case, with the slash */
};

struct table {
	struct reason *ents; /* sorted by value, unique */
	size_t n;
	size_t cap;
	struct subsys *subsys;
	size_t nsubsys;
	size_t subsys_cap;
	struct strbuf names; /* NUL-separated */
	bool has_core;	     /* false before 5.17: everything is NOT_SPECIFIED */
};

struct reasons {
	/* A lookup may replace the table, and the scrape and the event consumer
	 * both name reasons; uncontended, the lock costs little next to the copy. */
	pthread_mutex_t lock;
	struct table t;
	char *vmlinux_path;
	char *module_dir;
	uint64_t read_ns; /* CLOCK_MONOTONIC of the last BTF read */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void table_free(struct table *t)
{
	free(t->ents);
	free(t->subsys);
	strbuf_free(&t->names);
	memset(t, 0, sizeof(*t));
}

/* Appends the NUL-terminated concatenation of a and b to the name arena. */
static int names_add(struct strbuf *sb, const char *a, const char *b, uint32_t *off)
{
	size_t len = sb->len;

	if (len > UINT32_MAX)
		return -E2BIG;
	strbuf_puts(sb, a);
	strbuf_puts(sb, b);
	strbuf_putc(sb, '\0');
	if (sb->err)
		return sb->err;
	*off = (uint32_t)len;
	return 0;
}

static int table_add(struct table *t, uint32_t value, const char *prefix, const char *name)
{
	struct reason *r;
	int err;

	if (ARRAY_RESERVE(t->ents, t->cap, t->n, 256))
		return -ENOMEM;
	r = &t->ents[t->n];
	r->value = value;
	err = names_add(&t->names, prefix, name, &r->name_off);
	if (err)
		return err;
	t->n++;
	return 0;
}

/* An enumerator of an ENUM or ENUM64; false when the value is not a u32. */
static bool enum_member(const struct btf_type *t, int i, uint32_t *name_off, uint32_t *value)
{
	uint64_t v;

	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t) + i;

		*name_off = e->name_off;
		/* Signed or not, the tracepoint sees the low 32 bits. */
		*value = (uint32_t)e->val;
		return true;
	}
	v = btf_enum64_value(btf_enum64(t) + i);
	*name_off = btf_enum64(t)[i].name_off;
	*value = (uint32_t)v;
	return v <= UINT32_MAX;
}

/* The kernel has used both kinds for these enums, so look for either. */
static const struct btf_type *find_enum(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM);

	if (id < 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_ENUM64);
	return id < 0 ? NULL : btf__type_by_id(btf, id);
}

static int read_core(struct table *t, const struct btf *btf)
{
	const struct btf_type *type = find_enum(btf, "skb_drop_reason");
	size_t plen = strlen(CORE_PREFIX);
	uint32_t name_off, value;
	int err;

	if (!type) {
		pr_debug(
		    "no enum skb_drop_reason in the kernel BTF: all reasons are NOT_SPECIFIED\n");
		return 0;
	}
	t->has_core = true;
	for (int i = 0; i < btf_vlen(type); i++) {
		const char *name;

		if (!enum_member(type, i, &name_off, &value))
			continue;
		name = btf__name_by_offset(btf, name_off);
		if (!name || !*name)
			continue;
		if (strncmp(name, CORE_PREFIX, plen) == 0)
			name += plen;
		err = table_add(t, value, "", name);
		if (err)
			return err;
	}
	return 0;
}

/* enum skb_drop_reason_subsys (Linux 6.5+): SKB_DROP_REASON_SUBSYS_OPENVSWITCH
 * = 2 makes subsystem 2 "openvswitch". */
static int read_subsys(struct table *t, const struct btf *btf)
{
	const struct btf_type *type = find_enum(btf, "skb_drop_reason_subsys");
	size_t plen = strlen(SUBSYS_PREFIX);
	uint32_t name_off, value;

	if (!type)
		return 0;
	for (int i = 0; i < btf_vlen(type); i++) {
		const char *name;
		struct subsys *s;
		size_t j;

		if (!enum_member(type, i, &name_off, &value))
			continue;
		name = btf__name_by_offset(btf, name_off);
		/* CORE (0) is enum skb_drop_reason itself; NUM is a count, not a subsystem. */
		if (!name || strncmp(name, SUBSYS_PREFIX, plen) != 0 || value == 0 ||
		    value > UINT16_MAX || strcmp(name + plen, "NUM") == 0)
			continue;
		if (ARRAY_RESERVE(t->subsys, t->subsys_cap, t->nsubsys, 8))
			return -ENOMEM;
		s = &t->subsys[t->nsubsys++];
		s->id = value;
		name += plen;
		/* Room for the slash and the NUL. */
		for (j = 0; j < sizeof(s->name) - 2 && name[j]; j++)
			s->name[j] = (char)tolower((unsigned char)name[j]);
		s->name[j++] = '/';
		s->name[j] = '\0';
	}
	return 0;
}

static const struct subsys *subsys_find(const struct table *t, uint32_t id)
{
	for (size_t i = 0; i < t->nsubsys; i++) {
		if (t->subsys[i].id == id)
			return &t->subsys[i];
	}
	return NULL;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Enums named *drop_reason among type ids [first, end) whose enumerators carry
 * a known subsystem in their high 16 bits, e.g. enum ovs_drop_reason. */
static int read_subsys_enums(struct table *t, const struct btf *btf, uint32_t first)
{
	uint32_t end = btf__type_cnt(btf), name_off, value;
	int err;

	for (uint32_t id = first; id < end; id++) {
		const struct btf_type *type = btf__type_by_id(btf, id);
		const char *name;

		if (!type || !btf_is_any_enum(type))
			continue;
		name = btf__name_by_offset(btf, type->name_off);
		if (!name || !has_suffix(name, "drop_reason") ||
		    strcmp(name, "skb_drop_reason") == 0)
			continue;
		for (int i = 0; i < btf_vlen(type); i++) {
			const struct subsys *s;
			const char *member;

			if (!enum_member(type, i, &name_off, &value))
				continue;
			/* mac80211 mixes RX_CONTINUE = 1 and such into its enum: not drops. */
			s = subsys_find(t, value >> SUBSYS_SHIFT);
			member = btf__name_by_offset(btf, name_off);
			if (!s || !member || !*member)
				continue;
			err = table_add(t, value, s->name, member);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Module BTF is split BTF on top of vmlinux; only the module's own types are
 * scanned. An unreadable file is skipped: the names are a convenience. */
static int read_modules(struct table *t, struct btf *vmlinux, const char *dir)
{
	struct dirent **list = NULL;
	char path[PATH_MAX];
	int n, err = 0;

	n = scandir(dir, &list, NULL, alphasort);
	if (n < 0) {
		pr_debug("no module BTF in %s: %s\n", dir, strerror(errno));
		goto cleanup;
	}
	for (int i = 0; i < n && !err; i++) {
		const char *name = list[i]->d_name;
		struct btf *mod;
		int len;

		if (name[0] == '.' || strcmp(name, "vmlinux") == 0)
			continue;
		len = snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (len < 0 || (size_t)len >= sizeof(path))
			continue;
		mod = btf__parse_split(path, vmlinux);
		if (!mod) {
			pr_debug("skipping module BTF %s: %s\n", path, strerror(errno));
			continue;
		}
		err = read_subsys_enums(t, mod, btf__type_cnt(vmlinux));
		btf__free(mod);
	}
cleanup:
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return err;
}

/* Name offsets grow in insertion order, so among equal values the first added
 * (core before vmlinux before modules) sorts first and is kept. */
static int reason_cmp(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->name_off != y->name_off)
		return x->name_off < y->name_off ? -1 : 1;
	return 0;
}

static void table_sort(struct table *t)
{
	size_t w = 0;

	if (t->n == 0)
		return;
	qsort(t->ents, t->n, sizeof(*t->ents), reason_cmp);
	for (size_t i = 0; i < t->n; i++) {
		if (w > 0 && t->ents[w - 1].value == t->ents[i].value)
			continue;
		t->ents[w++] = t->ents[i];
	}
	t->n = w;
}

static int table_build(struct table *t, const char *vmlinux_path, const char *module_dir)
{
	struct btf *vmlinux = NULL;
	int err;

	vmlinux = btf__parse(vmlinux_path, NULL);
	if (!vmlinux) {
		err = errno ? -errno : -EINVAL;
		pr_debug("cannot read BTF %s: %s\n", vmlinux_path, strerror(-err));
		goto cleanup;
	}
	err = read_core(t, vmlinux);
	if (err || !t->has_core)
		goto cleanup;
	err = read_subsys(t, vmlinux);
	if (err || !t->nsubsys)
		goto cleanup;
	err = read_subsys_enums(t, vmlinux, 1);
	if (err)
		goto cleanup;
	err = read_modules(t, vmlinux, module_dir);
cleanup:
	if (!err)
		table_sort(t);
	btf__free(vmlinux);
	return err;
}

static const char *table_find(const struct table *t, uint32_t value)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ents[mid].value == value)
			return t->names.buf + t->ents[mid].name_off;
		if (t->ents[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A module loaded since the last read may carry the name; re-reading costs
 * a parse of vmlinux BTF, hence the interval. Values of no known subsystem
 * would not be found anyway. */
static bool reasons_reread(struct reasons *r, uint32_t value)
{
	struct table fresh = { .names = STRBUF_INIT };
	uint64_t now;
	int err;

	if (!subsys_find(&r->t, value >> SUBSYS_SHIFT))
		return false;
	now = now_ns();
	if (now - r->read_ns < REREAD_INTERVAL_NS)
		return false;
	r->read_ns = now;
	err = table_build(&fresh, r->vmlinux_path, r->module_dir);
	if (err) {
		pr_debug("re-reading drop reasons: %s\n", strerror(-err));
		table_free(&fresh);
		return false;
	}
	table_free(&r->t);
	r->t = fresh;
	return true;
}

static void copy_name(char *buf, size_t size, const char *name)
{
	size_t len = strlen(name);

	if (len >= size)
		len = size - 1;
	memcpy(buf, name, len);
	buf[len] = '\0';
}

int reasons_load(const char *vmlinux_path, const char *module_dir, struct reasons **out)
{
	struct reasons *r = NULL;
	int err = 0;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = -pthread_mutex_init(&r->lock, NULL);
	if (err) {
		free(r);
		return err;
	}
	strbuf_init(&r->t.names);
	r->vmlinux_path = strdup(vmlinux_path ? vmlinux_path : "/sys/kernel/btf/vmlinux");
	r->module_dir = strdup(module_dir ? module_dir : "/sys/kernel/btf");
	if (!r->vmlinux_path || !r->module_dir) {
		err = -ENOMEM;
		goto cleanup;
	}
	r->read_ns = now_ns();
	err = table_build(&r->t, r->vmlinux_path, r->module_dir);
cleanup:
	if (err) {
		reasons_free(r);
		return err;
	}
	*out = r;
	return 0;
}

const char *reasons_name(struct reasons *r, uint32_t value, char *buf, size_t size)
{
	const char *name;

	if (!buf || size == 0)
		return buf;
	pthread_mutex_lock(&r->lock);
	if (!r->t.has_core) {
		name = "NOT_SPECIFIED";
	} else {
		name = table_find(&r->t, value);
		if (!name && reasons_reread(r, value))
			name = table_find(&r->t, value);
	}
	if (name)
		copy_name(buf, size, name);
	else
		snprintf(buf, size, "%" PRIu32, value);
	pthread_mutex_unlock(&r->lock);
	return buf;
}

int reasons_value(struct reasons *r, const char *name, uint32_t *out)
{
	int err = -ENOENT;

	pthread_mutex_lock(&r->lock);
	if (!r->t.has_core) {
		/* The table is empty: 0 is all such a kernel passes. */
		if (strcasecmp(name, "NOT_SPECIFIED") == 0) {
			*out = 0;
			err = 0;
		}
		pthread_mutex_unlock(&r->lock);
		return err;
	}
	for (size_t i = 0; i < r->t.n; i++) {
		if (strcasecmp(r->t.names.buf + r->t.ents[i].name_off, name) == 0) {
			*out = r->t.ents[i].value;
			err = 0;
			break;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

bool reasons_known(const struct reasons *r)
{
	pthread_mutex_t *lock;
	bool known;

	if (!r)
		return false;
	lock = (pthread_mutex_t *)&r->lock; /* as in reasons_count */
	pthread_mutex_lock(lock);
	known = r->t.has_core;
	pthread_mutex_unlock(lock);
	return known;
}

size_t reasons_count(const struct reasons *r)
{
	pthread_mutex_t *lock;
	size_t n;

	if (!r)
		return 0;
	/* The lock is not part of the value: casting const away is sound on a
	 * struct that reasons_load allocated. */
	lock = (pthread_mutex_t *)&r->lock;
	pthread_mutex_lock(lock);
	n = r->t.n;
	pthread_mutex_unlock(lock);
	return n;
}

void reasons_free(struct reasons *r)
{
	if (!r)
		return;
	table_free(&r->t);
	free(r->vmlinux_path);
	free(r->module_dir);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
