/* SPDX-License-Identifier: GPL-2.0-only */
/* A scratch directory tree for fixtures (a fake /proc, a fake sysfs), as a
 * cmocka group or test fixture: the teardown removes it even when a test
 * fails. The helpers fail the test on any error. */
#ifndef DROPMON_TESTTREE_H
#define DROPMON_TESTTREE_H

#include <stddef.h>

struct testtree {
	char root[64];
};

/* Fixtures: *state becomes a struct testtree with an empty root. */
int testtree_setup(void **state);
int testtree_teardown(void **state);

/* root/rel into buf. */
void testtree_path(const struct testtree *t, const char *rel, char *buf, size_t size);
/* mkdir -p of rel's parents; mkdir of rel itself. */
void testtree_parents(const struct testtree *t, const char *rel);
void testtree_mkdir(const struct testtree *t, const char *rel);
/* Files (their parents made first): len bytes, so data may hold a NUL; a
 * string; lines written one after another, each with its own newline or
 * not. */
void testtree_write(const struct testtree *t, const char *rel, const void *data, size_t len);
void testtree_file(const struct testtree *t, const char *rel, const char *content);
void testtree_lines(const struct testtree *t, const char *rel, const char *const *lines, size_t n);
void testtree_link(const struct testtree *t, const char *rel, const char *target);

#endif
