// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for docker: names from config.v2.json texts as Docker writes
 * them, and every way such a file can be wrong. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "docker.h"
#include "testfs.h"
#include "testtree.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static int parse(const char *json, char *name)
{
	return docker_parse_config(json, strlen(json), ID, name);
}

static void test_names(void **state)
{
	char name[DOCKER_NAME_MAX + 1];
	char big[DOCKER_NAME_MAX + 64];

	(void)state;
	/* As Docker 24 writes it (cut down): the name after nested objects. */
	assert_int_equal(parse("{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Pid\":4242},"
			       "\"ID\":\"" ID "\",\"Created\":\"2026-12-01T10:00:00Z\","
			       "\"Config\":{\"Hostname\":\"0123456789ab\",\"Labels\":{"
			       "\"Name\":\"not this\"}},\"Name\":\"/web-1.prod_a\","
			       "\"Driver\":\"overlay2\"}",
			       name),
			 0);
	assert_string_equal(name, "web-1.prod_a");
	/* Without the slash, with white space, without an ID. */
	assert_int_equal(parse("{\"Name\":\"db\"}\n", name), 0);
	assert_string_equal(name, "db");
	assert_int_equal(parse(" { \"ID\" : \"" ID "\" , \"Name\" : \"/x\" } \r\n", name), 0);
	assert_string_equal(name, "x");
	/* The longest name kept. */
	memset(big, 'a', DOCKER_NAME_MAX);
	big[DOCKER_NAME_MAX] = '\0';
	{
		char json[sizeof(big) + 32];

		snprintf(json, sizeof(json), "{\"Name\":\"/%s\"}", big);
		assert_int_equal(parse(json, name), 0);
		assert_string_equal(name, big);
		snprintf(json, sizeof(json), "{\"Name\":\"/%sa\"}", big);
		assert_int_equal(parse(json, name), -EINVAL);
	}
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"null",
		"[]",
		"\"Name\"",
		"{",
		"{\"Name\":\"/web\"",
		"{\"Name\":\"/web\"} {}",
		"{\"Name\":\"/web\"}x",
		"{\"Name\":42}",
		"{\"Name\":null}",
		"{\"Name\":\"\"}",
		"{\"Name\":\"/\"}",
		"{\"Name\":\"//web\"}",
		"{\"Name\":\"/-web\"}",
		"{\"Name\":\"/_web\"}",
		"{\"Name\":\"/we b\"}",
		"{\"Name\":\"/we\\\"b\"}",
		"{\"Name\":\"/web\\n\"}",
		"{\"Name\":\"/w\\u00e9b\"}",
		"{\"Name\":\"/w\\u0000b\"}",
		"{\"ID\":\"" ID2 "\",\"Name\":\"/web\"}",
		"{\"ID\":42,\"Name\":\"/web\"}",
		"{'Name':'/web'}",
		"{\"Name\":\"/web\",}",
	};
	char name[DOCKER_NAME_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i], name);

		if (r != -EINVAL)
			fail_msg("'%s': %d, expected -EINVAL", bad[i], r);
	}
	assert_int_equal(parse("{\"ID\":\"" ID "\"}", name), -ENOENT);
	assert_int_equal(docker_parse_config("{\"Name\":\"/a\"}\0", 15, ID, name), -EINVAL);
}

static void test_files(void **state)
{
	const struct testtree *t = *state;
	char root[128], name[DOCKER_NAME_MAX + 1], *big;
	const size_t bigsize = DOCKER_CONFIG_MAX + 16;

	testtree_file(t, "docker/containers/" ID "/config.v2.json",
		      "{\"ID\":\"" ID "\",\"Name\":\"/api\"}");
	testtree_path(t, "docker", root, sizeof(root));
	assert_int_equal(docker_container_name(root, ID, name), 0);
	assert_string_equal(name, "api");
	assert_int_equal(docker_container_name(root, ID2, name), -ENOENT);
	/* Only a container id is looked up: no path from elsewhere. */
	assert_int_equal(docker_container_name(root, "../../etc", name), -EINVAL);
	assert_int_equal(docker_container_name(root, "0123456789ab", name), -EINVAL);
	/* A directory, and a file larger than any config. */
	testtree_mkdir(t, "docker/containers/" ID2);
	testtree_mkdir(t, "docker/containers/" ID2 "/config.v2.json");
	assert_int_equal(docker_container_name(root, ID2, name), -EISDIR);
	big = malloc(bigsize);
	assert_non_null(big);
	memset(big, ' ', bigsize);
	memcpy(big, "{\"Name\":\"/big\"}", 15);
	testtree_write(t, "docker/containers/" ID "/config.v2.json", big, bigsize);
	free(big);
	assert_int_equal(docker_container_name(root, ID, name), -EFBIG);
}

static void parse_prefix(const char *s)
{
	char name[DOCKER_NAME_MAX + 1];
	int r = docker_parse_config(s, strlen(s), ID, name);

	assert_true(r == 0 || r == -EINVAL || r == -ENOENT);
}

static void test_prefixes(void **state)
{
	(void)state;
	testfs_each_prefix("{\"ID\":\"" ID "\",\"Config\":{\"Env\":[\"A=1\"]},\"Name\":\"/web\"}",
			   parse_prefix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_refused),
		cmocka_unit_test_setup_teardown(test_files, testtree_setup, testtree_teardown),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
