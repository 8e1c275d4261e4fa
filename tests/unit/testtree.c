// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "testfs.h"
#include "testtree.h"

int testtree_setup(void **state)
{
	struct testtree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	if (testfs_mkdir(t->root, sizeof(t->root), "tree")) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

int testtree_teardown(void **state)
{
	struct testtree *t = *state;
	int err = testfs_rmtree(t->root);

	free(t);
	return err;
}

void testtree_path(const struct testtree *t, const char *rel, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", t->root, rel);

	if (n < 0 || (size_t)n >= size)
		fail_msg("path too long: %s", rel);
}

void testtree_parents(const struct testtree *t, const char *rel)
{
	char path[512];

	testtree_path(t, rel, path, sizeof(path));
	for (char *p = path + strlen(t->root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
}

void testtree_mkdir(const struct testtree *t, const char *rel)
{
	char path[512];

	testtree_parents(t, rel);
	testtree_path(t, rel, path, sizeof(path));
	if (mkdir(path, 0755) && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
}

void testtree_lines(const struct testtree *t, const char *rel, const char *const *lines, size_t n)
{
	char path[512];
	FILE *f;

	testtree_parents(t, rel);
	testtree_path(t, rel, path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		fail_msg("create %s: %s", path, strerror(errno));
	for (size_t i = 0; i < n; i++)
		if (fputs(lines[i], f) < 0)
			fail_msg("write %s: %s", path, strerror(errno));
	if (fclose(f))
		fail_msg("write %s: %s", path, strerror(errno));
}

void testtree_write(const struct testtree *t, const char *rel, const void *data, size_t len)
{
	char path[512];
	int err;

	testtree_parents(t, rel);
	testtree_path(t, rel, path, sizeof(path));
	err = testfs_write(path, data, len);

	if (err)
		fail_msg("write %s: %s", path, strerror(-err));
}

void testtree_file(const struct testtree *t, const char *rel, const char *content)
{
	testtree_write(t, rel, content, strlen(content));
}

void testtree_link(const struct testtree *t, const char *rel, const char *target)
{
	char path[512];

	testtree_parents(t, rel);
	testtree_path(t, rel, path, sizeof(path));
	if (symlink(target, path))
		fail_msg("symlink %s: %s", path, strerror(errno));
}
