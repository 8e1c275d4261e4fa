// SPDX-License-Identifier: GPL-2.0-only
/* Names network namespaces by inode from procfs: nsfs mounts (as `ip netns`
 * makes them) first, else the command of the lowest pid living in one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "cgroup.h"
#include "file.h"
#include "log.h"
#include "netns.h"
#include "parse.h"

/* TASK_COMM_LEN: the kernel keeps at most 15 bytes of a command name. */
#define COMM_MAX 15
/* "net:[4294967295]" is 16 bytes; anything that fills this is not a netns. */
#define NSLINK_SIZE 64
/* Kernel lines hold two paths of at most PATH_MAX, four bytes per escaped
 * byte; a longer line is not mountinfo, and is skipped. */
#define MOUNTINFO_LINE_MAX (64 * 1024)

/* Lower is better: `ip netns` names are what users typed. */
enum mount_rank { RANK_IP_NETNS, RANK_OTHER };

/* Every entry was seen alive: mounted, or entered by a live process. */
struct netns_entry {
	uint32_t inode;
	struct netns_info info; /* its mount and comm strings are owned */
};

struct netns_table {
	struct netns_entry *ents; /* sorted by inode, unique */
	size_t count;
	uint32_t self;
	uint32_t host;
};

/* /proc/1/ns/pid of the initial pid namespace: PROC_PID_INIT_INO. */
#define PID_INIT_LINK "pid:[4026531836]"

struct mount_rec {
	uint32_t inode;
	int rank;
	char *name;
};

struct pid_rec {
	uint32_t inode;
	int pid;
};

struct scan {
	int dfd; /* proc_root; owned by dir */
	const struct netns_table *prev;
	uint32_t host;
	struct mount_rec *mounts;
	size_t nmounts, mounts_cap;
	struct pid_rec *pids;
	size_t npids, pids_cap;
	size_t ents_cap;
	size_t malformed;
};

/* Strict decimal, as the kernel prints it: no sign, no leading zero. */
static int parse_dec(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out)
{
	char buf[21];

	if (len == 0 || len >= sizeof(buf) || (s[0] == '0' && len > 1))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return parse_u64(buf, min, max, out) ? -EINVAL : 0;
}

/* "net:[INODE]" exactly; nsfs inodes are 32-bit (ns_common.inum) and never 0. */
static int parse_netns_ref(const char *s, size_t len, uint32_t *inode)
{
	static const char prefix[] = "net:[";
	const size_t plen = sizeof(prefix) - 1;
	uint64_t v;

	if (len < plen + 2 || memcmp(s, prefix, plen) != 0 || s[len - 1] != ']')
		return -EINVAL;
	if (parse_dec(s + plen, len - plen - 1, 1, UINT32_MAX, &v))
		return -EINVAL;
	*inode = (uint32_t)v;
	return 0;
}

static bool is_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* "MAJOR:MINOR" */
static bool is_devno(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);

	return colon && is_digits(s, (size_t)(colon - s)) &&
	       is_digits(colon + 1, len - (size_t)(colon - s) - 1);
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Undoes the kernel's mangling of " \t\n\\" as \ooo, in place. A lone
 * backslash or \000 cannot come from the kernel, so the line is bad. */
static int unescape(char *s)
{
	char *r = s, *w = s;

	while (*r) {
		int v;

		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		if (!is_octal(r[1]) || !is_octal(r[2]) || !is_octal(r[3]))
			return -EINVAL;
		v = (r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0');
		if (v == 0 || v > 0xff)
			return -EINVAL;
		*w++ = (char)v;
		r += 4;
	}
	*w = '\0';
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Splits off the next field separated by one space; NULL at the end of the
 * line or on an empty field (the kernel never prints one). */
static char *next_field(char **p)
{
	char *s = *p, *e;

	if (!s || !*s || *s == ' ')
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = NULL;
	}
	return s;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] -
 * FSTYPE SOURCE SUPEROPTS". Returns 1 and fills *rec for a named netns mount,
 * 0 for any other mount, -EINVAL for a malformed line, -ENOMEM. */
static int parse_mount_line(char *line, struct mount_rec *rec)
{
	char *p = line, *f[6], *sep, *fstype, *source, *superopts, *name;
	uint64_t v;
	uint32_t inode;
	int rank;

	for (size_t i = 0; i < 6; i++) {
		f[i] = next_field(&p);
		if (!f[i])
			return -EINVAL;
	}
	do
		sep = next_field(&p);
	while (sep && strcmp(sep, "-") != 0);
	fstype = sep ? next_field(&p) : NULL;
	source = fstype ? next_field(&p) : NULL;
	superopts = source ? next_field(&p) : NULL;
	if (!superopts || p)
		return -EINVAL;
	if (parse_dec(f[0], strlen(f[0]), 0, UINT64_MAX, &v) ||
	    parse_dec(f[1], strlen(f[1]), 0, UINT64_MAX, &v) || !is_devno(f[2], strlen(f[2])))
		return -EINVAL;
	if (f[4][0] != '/' || unescape(f[4]))
		return -EINVAL;
	if (strcmp(fstype, "nsfs") != 0 || parse_netns_ref(f[3], strlen(f[3]), &inode))
		return 0;
	rank = has_prefix(f[4], "/run/netns/") || has_prefix(f[4], "/var/run/netns/")
		   ? RANK_IP_NETNS
		   : RANK_OTHER;
	name = strrchr(f[4], '/') + 1;
	if (!*name)
		return 0;
	rec->name = strdup(name);
	if (!rec->name)
		return -ENOMEM;
	rec->inode = inode;
	rec->rank = rank;
	return 1;
}

/* Keeps the named netns mounts; counts malformed lines and goes on. */
static int mount_line(char *line, void *arg)
{
	struct scan *s = arg;
	struct mount_rec rec;
	int r = line ? parse_mount_line(line, &rec) : -EINVAL;

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		s->malformed++;
	if (r <= 0)
		return 0;
	if (ARRAY_RESERVE(s->mounts, s->mounts_cap, s->nmounts, 16)) {
		free(rec.name);
		return -ENOMEM;
	}
	s->mounts[s->nmounts++] = rec;
	return 0;
}

/* A missing or unreadable mountinfo only loses the names of `ip netns`.
 * Not libmount (2.38, Debian 12): it accepts malformed lines our fixtures
 * refuse (a bad escape kept as is, a line cut at an escaped NUL, extra
 * fields), reads the whole file as fstab when its first line is garbage,
 * and keeps every mount of any length where this keeps nsfs mounts only. */
static int scan_mounts(struct scan *s)
{
	int err = file_each_line(s->dfd, "self/mountinfo", MOUNTINFO_LINE_MAX, mount_line, s);

	if (err == -ENOMEM)
		return err;
	if (err)
		pr_debug("netns: reading mountinfo: %s\n", strerror(-err));
	return 0;
}

/* Reads "<pid>/ns/net"; -ENOENT/-ESRCH when the process is gone. */
static int read_pid_netns(int dfd, const char *pid, uint32_t *inode)
{
	char path[64], link[NSLINK_SIZE];
	ssize_t n;
	int len;

	len = snprintf(path, sizeof(path), "%s/ns/net", pid);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -ENAMETOOLONG;
	n = readlinkat(dfd, path, link, sizeof(link));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(link))
		return -EINVAL;
	return parse_netns_ref(link, (size_t)n, inode);
}

static int scan_pids(struct scan *s, DIR *dir)
{
	struct dirent *de;
	int err = 0;

	for (;;) {
		uint64_t pid;
		uint32_t inode;
		int r;

		errno = 0;
		de = readdir(dir);
		if (!de) {
			/* A partial list still names what it saw. */
			if (errno)
				pr_debug("netns: readdir: %s\n", strerror(errno));
			break;
		}
		if (parse_dec(de->d_name, strlen(de->d_name), 1, INT32_MAX, &pid))
			continue;
		r = read_pid_netns(s->dfd, de->d_name, &inode);
		if (r) {
			/* Gone (ENOENT, ESRCH), not ours to see (EACCES), or junk. */
			if (r != -ENOENT && r != -ESRCH)
				pr_debug("netns: pid %s: %s\n", de->d_name, strerror(-r));
			continue;
		}
		if (ARRAY_RESERVE(s->pids, s->pids_cap, s->npids, 16)) {
			err = -ENOMEM;
			goto cleanup;
		}
		s->pids[s->npids].inode = inode;
		s->pids[s->npids].pid = (int)pid;
		s->npids++;
	}
cleanup:
	return err;
}

/* Reads "<pid>/comm" into comm[COMM_MAX + 1]; -ENOENT/-ESRCH when gone,
 * -EINVAL when empty. */
static int read_comm(int dfd, int pid, char *comm)
{
	char path[32], buf[COMM_MAX + 1];
	ssize_t n;
	size_t len;
	int fd = -1, err = 0;

	snprintf(path, sizeof(path), "%d/comm", pid);
	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = -errno;
		goto cleanup;
	}
	/* Up to the newline; a longer name than the kernel keeps is cut. */
	for (len = 0; len < (size_t)n && len < COMM_MAX; len++)
		if (buf[len] == '\n' || buf[len] == '\0')
			break;
	if (len == 0) {
		err = -EINVAL;
		goto cleanup;
	}
	memcpy(comm, buf, len);
	comm[len] = '\0';
cleanup:
	if (fd >= 0)
		close(fd);
	return err;
}

static int cmp_mount(const void *a, const void *b)
{
	const struct mount_rec *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	/* Ties by name, not mount order, so a remount does not rename. */
	return strcmp(x->name, y->name);
}

static int cmp_pid(const void *a, const void *b)
{
	const struct pid_rec *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_inode(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, e = ((const struct netns_entry *)elem)->inode;

	return (k > e) - (k < e);
}

static int table_add(struct netns_table *t, size_t *cap, uint32_t inode,
		     const struct netns_info *info)
{
	if (ARRAY_RESERVE(t->ents, *cap, t->count, 16))
		return -ENOMEM;
	t->ents[t->count].inode = inode;
	t->ents[t->count].info = *info;
	t->count++;
	return 0;
}

static void info_release(struct netns_info *info)
{
	free((char *)info->mount);
	free((char *)info->comm);
	info->mount = info->comm = NULL;
}

/* FNV-1a over the pids: equal sets (sorted) hash alike. */
static uint64_t pids_sig(const struct pid_rec *pids, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		uint32_t v = (uint32_t)pids[i].pid;

		for (int b = 0; b < 4; b++) {
			h ^= (v >> (8 * b)) & 0xff;
			h *= 1099511628211ULL;
		}
	}
	return h;
}

/* The cgroup of its processes, lowest pid first, until one names a pod or
 * a container. */
static void ids_from_pids(int dfd, const struct pid_rec *pids, size_t n, struct cgroup_ids *ids)
{
	size_t tries = 0;

	memset(ids, 0, sizeof(*ids));
	for (size_t i = 0; i < n && tries < NETNS_CGROUP_TRIES; i++) {
		int r = cgroup_read_pid(dfd, pids[i].pid, ids);

		if (r == -ENOENT || r == -ESRCH)
			continue;
		tries++;
		if (r == 1)
			return;
		if (r < 0)
			pr_debug("netns: pid %d: cgroup: %s\n", pids[i].pid, strerror(-r));
		memset(ids, 0, sizeof(*ids));
	}
}

/* Names the netns of pids[0..n) (sorted by pid) after the first process
 * still there. *seen tells whether any was: one that vanished proves nothing. */
static int name_from_pids(int dfd, const struct pid_rec *pids, size_t n, bool *seen, char **name)
{
	char comm[COMM_MAX + 1];

	*seen = false;
	*name = NULL;
	for (size_t i = 0; i < n; i++) {
		int r = read_comm(dfd, pids[i].pid, comm);

		if (r == -ENOENT || r == -ESRCH)
			continue;
		*seen = true;
		if (r)
			continue;
		*name = strdup(comm);
		return *name ? 0 : -ENOMEM;
	}
	return 0;
}

static const struct netns_entry *table_find(const struct netns_table *t, uint32_t inode);

/* The processes of one namespace, pids[0..n) sorted by pid: its command
 * (when it has no mount to be named after) and its cgroup identity, from
 * the scan before when they are the same processes. *seen tells whether
 * any process was there: one that vanished proves nothing. */
static int from_pids(struct scan *s, uint32_t inode, const struct pid_rec *pids, size_t n,
		     struct netns_info *info, bool *seen)
{
	const struct netns_entry *old = table_find(s->prev, inode);
	int err;

	*seen = true;
	info->has_pids = n > 0;
	info->pids_sig = pids_sig(pids, n);
	if (n == 0)
		return 0;
	if (old && old->info.has_pids && old->info.pids_sig == info->pids_sig &&
	    old->info.host == info->host && (info->mount || old->info.comm)) {
		info->ids = old->info.ids;
		if (!info->mount && old->info.comm) {
			info->comm = strdup(old->info.comm);
			if (!info->comm)
				return -ENOMEM;
		}
		return 0;
	}
	if (!info->mount) {
		char *comm = NULL;

		err = name_from_pids(s->dfd, pids, n, seen, &comm);
		if (err)
			return err;
		info->comm = comm;
		if (!*seen)
			return 0;
	}
	if (!info->host)
		ids_from_pids(s->dfd, pids, n, &info->ids);
	return 0;
}

/* Merges the sorted mount and pid lists into the table. */
static int build_table(struct scan *s, struct netns_table *t)
{
	size_t m = 0, p = 0;
	int err = 0;

	/* qsort() wants a valid pointer even for nothing to sort. */
	if (s->nmounts)
		qsort(s->mounts, s->nmounts, sizeof(*s->mounts), cmp_mount);
	if (s->npids)
		qsort(s->pids, s->npids, sizeof(*s->pids), cmp_pid);
	while (m < s->nmounts || p < s->npids) {
		struct netns_info info = { 0 };
		uint32_t inode;
		size_t start;
		bool seen = true;

		if (p >= s->npids || (m < s->nmounts && s->mounts[m].inode <= s->pids[p].inode))
			inode = s->mounts[m].inode;
		else
			inode = s->pids[p].inode;
		info.host = inode == s->host;
		if (m < s->nmounts && s->mounts[m].inode == inode) {
			info.mount = s->mounts[m].name;
			info.ip_netns = s->mounts[m].rank == RANK_IP_NETNS;
			s->mounts[m].name = NULL;
		}
		while (m < s->nmounts && s->mounts[m].inode == inode)
			m++;
		start = p;
		while (p < s->npids && s->pids[p].inode == inode)
			p++;
		err = from_pids(s, inode, s->pids + start, p - start, &info, &seen);
		if (!err && !seen) {
			info_release(&info);
			continue;
		}
		if (!err)
			err = table_add(t, &s->ents_cap, inode, &info);
		if (err) {
			info_release(&info);
			goto cleanup;
		}
	}
cleanup:
	return err;
}

/* The initial netns: that of pid 1, or else of pid 2 (kthreadd, whose
 * namespaces a sandbox's pid 1 may hide less), when the process is in the
 * initial pid namespace (not a container's); 0 when unknown. Kernel
 * threads never leave the initial netns, and init does not. */
static uint32_t host_netns(int dfd)
{
	static const char *const pids[] = { "1", "2" };

	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		char path[16], link[NSLINK_SIZE];
		uint32_t inode;
		ssize_t n;

		snprintf(path, sizeof(path), "%s/ns/pid", pids[i]);
		n = readlinkat(dfd, path, link, sizeof(link));
		if (n < 0 || (size_t)n != strlen(PID_INIT_LINK) ||
		    memcmp(link, PID_INIT_LINK, (size_t)n))
			continue;
		if (!read_pid_netns(dfd, pids[i], &inode))
			return inode;
	}
	return 0;
}

int netns_scan(const char *proc_root, struct netns_table **out)
{
	return netns_rescan(proc_root, NULL, out);
}

int netns_rescan(const char *proc_root, const struct netns_table *prev, struct netns_table **out)
{
	char link[NSLINK_SIZE];
	struct netns_table *t = NULL;
	struct scan s = { .dfd = -1, .prev = prev };
	DIR *dir = NULL;
	ssize_t n;
	int err = 0;

	dir = opendir(proc_root ? proc_root : "/proc");
	if (!dir) {
		err = -errno;
		goto cleanup;
	}
	s.dfd = dirfd(dir);
	t = calloc(1, sizeof(*t));
	if (!t) {
		err = -ENOMEM;
		goto cleanup;
	}
	n = readlinkat(s.dfd, "self/ns/net", link, sizeof(link));
	if (n < 0 || (size_t)n >= sizeof(link) || parse_netns_ref(link, (size_t)n, &t->self))
		t->self = 0;
	t->host = s.host = host_netns(s.dfd);
	err = scan_mounts(&s);
	if (err)
		goto cleanup;
	err = scan_pids(&s, dir);
	if (err)
		goto cleanup;
	err = build_table(&s, t);
	if (err)
		goto cleanup;
	if (s.malformed)
		pr_debug("netns: skipped %zu malformed mountinfo lines\n", s.malformed);
cleanup:
	for (size_t i = 0; i < s.nmounts; i++)
		free(s.mounts[i].name);
	free(s.mounts);
	free(s.pids);
	if (dir)
		closedir(dir);
	if (err) {
		netns_free(t);
		return err;
	}
	*out = t;
	return 0;
}

static const struct netns_entry *table_find(const struct netns_table *t, uint32_t inode)
{
	if (!t || t->count == 0)
		return NULL;
	return bsearch(&inode, t->ents, t->count, sizeof(*t->ents), cmp_inode);
}

const char *netns_name(const struct netns_table *t, uint32_t inode)
{
	const struct netns_entry *e = table_find(t, inode);

	return !e ? NULL : e->info.mount ? e->info.mount : e->info.comm;
}

const struct netns_info *netns_get(const struct netns_table *t, uint32_t inode)
{
	const struct netns_entry *e = table_find(t, inode);

	return e ? &e->info : NULL;
}

bool netns_alive(const struct netns_table *t, uint32_t inode)
{
	return table_find(t, inode) != NULL;
}

uint32_t netns_self_inode(void)
{
	char link[64];
	ssize_t n = readlink("/proc/self/ns/net", link, sizeof(link));
	uint32_t inode;

	if (n < 0 || (size_t)n >= sizeof(link) || parse_netns_ref(link, (size_t)n, &inode))
		return 0;
	return inode;
}

uint32_t netns_self(const struct netns_table *t)
{
	return t ? t->self : 0;
}

void netns_free(struct netns_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->count; i++)
		info_release(&t->ents[i].info);
	free(t->ents);
	free(t);
}
