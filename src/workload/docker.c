// SPDX-License-Identifier: GPL-2.0-only
/* A Docker container's name from its config.v2.json, parsed with json-c
 * (already what the NDJSON format is checked with): Docker's own file, but
 * read as outside input. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "docker.h"
#include "file.h"

static bool is_name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

static bool is_container_id(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return i == 64;
}

int docker_parse_config(const char *json, size_t len, const char *id, char *name)
{
	struct json_tokener *tok;
	struct json_object *root = NULL, *v;
	const char *s;
	size_t n;
	int err = -EINVAL;

	if (len > DOCKER_CONFIG_MAX || memchr(json, '\0', len))
		return -EINVAL;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	/* One whole object, and nothing but white space after it. */
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(root, json_type_object))
		goto cleanup;
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
		if (!strchr(" \t\r\n", json[i]))
			goto cleanup;
	if (json_object_object_get_ex(root, "ID", &v) &&
	    (!json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), id)))
		goto cleanup;
	if (!json_object_object_get_ex(root, "Name", &v)) {
		err = -ENOENT;
		goto cleanup;
	}
	if (!json_object_is_type(v, json_type_string))
		goto cleanup;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n && s[0] == '/')
		s++, n--;
	if (n == 0 || n > DOCKER_NAME_MAX)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		if (!is_name_char(s[i], i == 0))
			goto cleanup;
	memcpy(name, s, n);
	name[n] = '\0';
	err = 0;
cleanup:
	json_object_put(root);
	json_tokener_free(tok);
	return err;
}

int docker_container_name(const char *data_root, const char *id, char *name)
{
	char path[4096], *text = NULL;
	size_t len = 0;
	int n, err;

	if (!is_container_id(id))
		return -EINVAL;
	n = snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", data_root, id);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	err = file_read_alloc(AT_FDCWD, path, DOCKER_CONFIG_MAX, &text, &len);
	if (err)
		return err;
	err = docker_parse_config(text, len, id, name);
	free(text);
	return err;
}
