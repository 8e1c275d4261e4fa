/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands of the dropmon binary; each returns the process exit status. */
#ifndef DROPMON_CLI_H
#define DROPMON_CLI_H

int cmd_serve(int argc, char **argv);

#endif
