/* SPDX-License-Identifier: GPL-2.0-only */
/* Command-line flags from a table: one entry per flag names it, says how its
 * argument is parsed into a config struct, and gives the help line. The same
 * table drives getopt_long and the --help text, so the two cannot disagree. */
#ifndef DROPMON_OPTS_H
#define DROPMON_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Most uses of a repeatable flag (OPTS_LIST) that any table may allow. */
#define OPTS_LIST_MAX 16

/* What a repeatable flag collected, in the order given. */
struct opts_list {
	const char *v[OPTS_LIST_MAX];
	unsigned int n;
};

enum opts_kind {
	OPTS_FLAG,     /* no argument; sets a bool */
	OPTS_U64,      /* uint64_t, a decimal number in [min, max] */
	OPTS_U32,      /* uint32_t, likewise; max at most UINT32_MAX */
	OPTS_DURATION, /* uint64_t seconds: 90, 90s, 5m, 2h, in [min, max] */
	OPTS_STRING,   /* const char *, the argument itself (it points into argv) */
	OPTS_LIST,     /* struct opts_list: each use adds one, at most max (0: OPTS_LIST_MAX) */
	OPTS_CUSTOM,   /* parse() does it all, messages included */
	OPTS_HELP,     /* prints the help to stdout and ends parsing: exit 0 */
};

struct opts_entry;

/* OPTS_CUSTOM: arg is NULL for a flag without (or without its optional)
 * argument; cfg is what opts_parse() was given. Returns 0, OPTS_EXIT to end
 * parsing with success (--version), or a negative errno after saying why. */
typedef int (*opts_parse_fn)(const struct opts_entry *e, const char *arg, void *cfg);

struct opts_entry {
	const char *name; /* long name, without the "--" */
	char short_name;  /* 0: none */
	enum opts_kind kind;
	size_t offset;	   /* of the destination in the config; see OPTS_AT() */
	const char *arg;   /* placeholder such as "N" or "FILE"; NULL: takes none */
	bool optional_arg; /* the argument may be left out: --name, -x, --name=A,
			    * -xA, and "-x A" or "--name A" unless A starts with -
			    * or is missing */
	uint64_t min, max; /* OPTS_U64, OPTS_U32, OPTS_DURATION; OPTS_LIST: max */
	/* What an argument must be, after "--NAME must " in the error:
	 * "be a positive number". NULL: made from the kind and min, max. */
	const char *must;
	/* Lines of help, "\n" between them; the first starts at the table's
	 * column, or on a line of its own where the flag is longer. */
	const char *help;
	/* Shown after the help as " (default DEF)". For OPTS_U64, OPTS_U32,
	 * OPTS_DURATION, OPTS_STRING and OPTS_LIST it is also the value: parsed
	 * into the config before the flags (for OPTS_LIST: added when the flag
	 * is not given). With optional_arg it is instead the value of the flag
	 * given without one, and the config keeps its own until then. For
	 * OPTS_CUSTOM it is only shown. NULL: nothing is shown or set. */
	const char *def;
	opts_parse_fn parse; /* OPTS_CUSTOM */
};

struct opts_cmd {
	const char *head;    /* the help before the flags: usage, what it does */
	const char *foot;    /* after them; NULL: nothing */
	unsigned int column; /* where help texts start */
	const struct opts_entry *entries;
	size_t n;
};

/* A callback's way to end parsing successfully (after printing a version). */
#define OPTS_EXIT 1

/* offsetof(type, member), and a compile-time error unless the member has
 * type t: an entry cannot write a uint64_t into a uint32_t. */
#define OPTS_AT(type, member, t)                                                                   \
	(offsetof(type, member) + 0 * sizeof(char[_Generic(((type *)0)->member, t : 1, default     \
							   : -1)]))
/* .kind and .offset of an entry, the member's type checked against the kind. */
#define OPTS_FLAG_AT(type, member) .kind = OPTS_FLAG, .offset = OPTS_AT(type, member, bool)
#define OPTS_U64_AT(type, member) .kind = OPTS_U64, .offset = OPTS_AT(type, member, uint64_t)
#define OPTS_U32_AT(type, member) .kind = OPTS_U32, .offset = OPTS_AT(type, member, uint32_t)
#define OPTS_DURATION_AT(type, member)                                                             \
	.kind = OPTS_DURATION, .offset = OPTS_AT(type, member, uint64_t)
#define OPTS_STRING_AT(type, member)                                                               \
	.kind = OPTS_STRING, .offset = OPTS_AT(type, member, const char *)
#define OPTS_LIST_AT(type, member)                                                                 \
	.kind = OPTS_LIST, .offset = OPTS_AT(type, member, struct opts_list)

/* -h, --help: the entry every command has, last. */
#define OPTS_HELP_ENTRY                                                                            \
	{                                                                                          \
		.name = "help", .short_name = 'h', .kind = OPTS_HELP,                              \
		.help = "print this help and exit"                                                 \
	}

/* Sets the defaults into cfg, then parses argv[1..] (argv[0] names the
 * command in getopt's messages) in order. A bad flag, a bad argument or a
 * word that is not a flag is reported, with the help on stderr for what
 * getopt rejects. Returns 0, OPTS_EXIT after --help (or a callback's
 * OPTS_EXIT), or a negative errno (-EINVAL for a usage error). */
int opts_parse(const struct opts_cmd *cmd, int argc, char **argv, void *cfg);
/* The help: head, a line or more per flag in table order, foot. */
void opts_help(const struct opts_cmd *cmd, FILE *f);
/* Reports "--NAME must MUST (got 'ARG')", as the built-in kinds do, for
 * callbacks; returns -EINVAL. */
int opts_error(const struct opts_entry *e, const char *arg);

#endif
