/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands of the dropmon binary; each returns the process exit status. */
#ifndef DROPMON_CLI_H
#define DROPMON_CLI_H

#include <stdio.h>

#include "loader.h"

int cmd_serve(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_print(int argc, char **argv);
int cmd_pcap(int argc, char **argv);

/* --log.level: sets the level, or says what is wrong; 0 or -EINVAL. */
int cli_set_log_level(const char *arg);
/* One line naming the cause of a failed loader_open() and its fix. */
void cli_explain_load_error(enum loader_stage stage, int err);

/* Creates or truncates path for writing events or packets: mode 0600, as
 * they hold packet contents, and not through a symbolic link someone else
 * left at that name. NULL with errno set on failure. */
FILE *cli_create_private(const char *path);

#endif
