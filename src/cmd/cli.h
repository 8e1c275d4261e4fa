/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands of the dropmon binary; each returns the process exit status. */
#ifndef DROPMON_CLI_H
#define DROPMON_CLI_H

#include <stdio.h>

#include "loader.h"
#include "opts.h"

int cmd_serve(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_print(int argc, char **argv);
int cmd_pcap(int argc, char **argv);

/* --log.level as an OPTS_CUSTOM callback, for CLI_LOG_LEVEL_FLAG: sets the
 * level, or says what is wrong; 0 or -EINVAL. */
int cli_opt_log_level(const struct opts_entry *e, const char *arg, void *cfg);
/* The --log.level entry of a subcommand's flag table. */
#define CLI_LOG_LEVEL_FLAG                                                                         \
	{                                                                                          \
		.name = "log.level", .kind = OPTS_CUSTOM, .parse = cli_opt_log_level,              \
		.arg = "LEVEL", .def = "info", .help = "error, warn, info or debug"                \
	}
/* One line naming the cause of a failed loader_open() and its fix. */
void cli_explain_load_error(enum loader_stage stage, int err);

#endif
