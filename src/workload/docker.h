/* SPDX-License-Identifier: GPL-2.0-only */
/* Docker containers' names, from Docker's state directory:
 * <data-root>/containers/<id>/config.v2.json. */
#ifndef DROPMON_DOCKER_H
#define DROPMON_DOCKER_H

#include <stddef.h>

/* Docker accepts names of any length; a label is kept shorter. */
#define DOCKER_NAME_MAX 128
/* config.v2.json holds the container's configuration, environment and
 * labels: a few KiB; a larger file is not read. */
#define DOCKER_CONFIG_MAX (1024 * 1024)

/* The "Name" of a config.v2.json text of len bytes ("/web" gives "web"),
 * into name[DOCKER_NAME_MAX + 1], when its "ID" is id (64 hex digits):
 * 0; -EINVAL when it is not such a JSON object, its ID differs or its name
 * is not one Docker gives ([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most
 * DOCKER_NAME_MAX here); -ENOENT when it has no name. */
int docker_parse_config(const char *json, size_t len, const char *id, char *name);
/* Reads <data_root>/containers/<id>/config.v2.json: 0 or a negative errno. */
int docker_container_name(const char *data_root, const char *id, char *name);

#endif
