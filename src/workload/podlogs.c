// SPDX-License-Identifier: GPL-2.0-only
/* Reads kubelet's pod log directory names into a table sorted by UID. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "log.h"
#include "podlogs.h"

struct podlogs {
	struct pod_ref *pods; /* sorted by uid */
	size_t count, cap;
};

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A DNS label (RFC 1123) of len bytes: [a-z0-9]([-a-z0-9]*[a-z0-9])?. */
static bool is_dns_label(const char *s, size_t len)
{
	if (len == 0 || len > 63 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum_lower(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* A DNS subdomain: labels joined by dots, at most 253 bytes. */
static bool is_dns_subdomain(const char *s, size_t len)
{
	size_t start = 0;

	if (len == 0 || len > PODLOGS_POD_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!is_dns_label(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

/* As kubelet writes a UID: lowercase hex digits and dashes. */
static bool is_uid(const char *s, size_t len)
{
	size_t hex = 0;

	if (len == 0 || len > CGROUP_POD_UID_MAX || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))
			hex++;
		else if (s[i] != '-')
			return false;
	}
	return hex >= 8;
}

int podlogs_parse_dirname(const char *s, struct pod_ref *out)
{
	/* Neither a namespace nor a pod name nor a UID holds '_'. */
	const char *u1 = strchr(s, '_'), *u2 = u1 ? strchr(u1 + 1, '_') : NULL;
	size_t nlen, plen, ulen;

	if (!u2 || strchr(u2 + 1, '_'))
		return -EINVAL;
	nlen = (size_t)(u1 - s);
	plen = (size_t)(u2 - u1 - 1);
	ulen = strlen(u2 + 1);
	if (!is_dns_label(s, nlen) || !is_dns_subdomain(u1 + 1, plen) || !is_uid(u2 + 1, ulen))
		return -EINVAL;
	memcpy(out->ns, s, nlen);
	out->ns[nlen] = '\0';
	memcpy(out->name, u1 + 1, plen);
	out->name[plen] = '\0';
	memcpy(out->uid, u2 + 1, ulen);
	out->uid[ulen] = '\0';
	return 0;
}

static int cmp_pod(const void *a, const void *b)
{
	return strcmp(((const struct pod_ref *)a)->uid, ((const struct pod_ref *)b)->uid);
}

static int cmp_uid(const void *key, const void *elem)
{
	return strcmp(key, ((const struct pod_ref *)elem)->uid);
}

static bool is_dir(DIR *d, const struct dirent *de)
{
	struct stat st;

	if (de->d_type == DT_DIR)
		return true;
	if (de->d_type != DT_UNKNOWN)
		return false;
	return fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int podlogs_load(const char *dir, struct podlogs **out)
{
	struct podlogs *p;
	size_t seen = 0, bad = 0;
	struct dirent *de;
	DIR *d;
	int err = 0;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	d = opendir(dir);
	if (!d) {
		err = -errno;
		free(p);
		return err;
	}
	while ((de = readdir(d)) != NULL) {
		struct pod_ref ref;

		if (de->d_name[0] == '.' || ++seen > PODLOGS_MAX_ENTRIES)
			continue;
		if (!is_dir(d, de) || podlogs_parse_dirname(de->d_name, &ref)) {
			bad++;
			continue;
		}
		if (ARRAY_RESERVE(p->pods, p->cap, p->count, 64)) {
			err = -ENOMEM;
			break;
		}
		p->pods[p->count++] = ref;
	}
	closedir(d);
	if (err) {
		podlogs_free(p);
		return err;
	}
	if (seen > PODLOGS_MAX_ENTRIES)
		pr_debug("%s: read the first %d of %zu entries\n", dir, PODLOGS_MAX_ENTRIES, seen);
	if (bad)
		pr_debug("%s: skipped %zu entries that are not pod log directories\n", dir, bad);
	if (p->count)
		qsort(p->pods, p->count, sizeof(*p->pods), cmp_pod);
	*out = p;
	return 0;
}

const struct pod_ref *podlogs_find(const struct podlogs *p, const char *uid)
{
	if (!p || p->count == 0)
		return NULL;
	return bsearch(uid, p->pods, p->count, sizeof(*p->pods), cmp_uid);
}

size_t podlogs_count(const struct podlogs *p)
{
	return p ? p->count : 0;
}

void podlogs_free(struct podlogs *p)
{
	if (!p)
		return;
	free(p->pods);
	free(p);
}
