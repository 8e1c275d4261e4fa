// SPDX-License-Identifier: GPL-2.0-only
/* dropmon: which packets the Linux kernel drops, where and why.
 * Dispatches to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: dropmon COMMAND [flags]\n\n"
		   "Commands:\n"
		   "  serve      count every drop and serve Prometheus metrics\n"
		   "  collect    print every drop as it happens, with stack and packet\n"
		   "  print      print events stored by collect -o\n"
		   "  pcap       write the packets of stored events as a pcapng capture\n\n"
		   "Run 'dropmon COMMAND --help' for a command's flags.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "collect") == 0)
		return cmd_collect(argc - 1, argv + 1);
	if (strcmp(argv[1], "print") == 0)
		return cmd_print(argc - 1, argv + 1);
	if (strcmp(argv[1], "pcap") == 0)
		return cmd_pcap(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("dropmon %s (revision %s)\n", DROPMON_VERSION, DROPMON_REVISION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "dropmon: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
