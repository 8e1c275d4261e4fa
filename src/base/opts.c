// SPDX-License-Identifier: GPL-2.0-only
/* Command-line flags from a table: the getopt_long arrays and the help text
 * are made from it, arguments are parsed into the config by kind. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "opts.h"
#include "parse.h"

/* getopt_long's value for a flag without a short name: past every char. */
#define LONG_ONLY 256

static bool takes_arg(enum opts_kind kind)
{
	return kind != OPTS_FLAG && kind != OPTS_HELP && kind != OPTS_CUSTOM;
}

/* A table mistake is the program's, not the user's: say which entry. */
static int check_entry(const struct opts_entry *e)
{
	const char *why = NULL;

	if (!e->name)
		why = "no name";
	else if (takes_arg(e->kind) && !e->arg)
		why = "no argument placeholder";
	else if ((e->kind == OPTS_FLAG || e->kind == OPTS_HELP) && e->arg)
		why = "an argument for a kind that takes none";
	else if (e->kind == OPTS_CUSTOM && !e->parse)
		why = "no parse callback";
	else if (e->optional_arg && (!e->arg || (e->kind != OPTS_CUSTOM && !e->def)))
		why = "an optional argument without a placeholder or a default";
	else if (e->min > e->max &&
		 (e->kind == OPTS_U64 || e->kind == OPTS_U32 || e->kind == OPTS_DURATION))
		why = "min above max";
	else if (e->kind == OPTS_U32 && e->max > UINT32_MAX)
		why = "max above UINT32_MAX";
	else if (e->kind == OPTS_LIST && e->max > OPTS_LIST_MAX)
		why = "max above OPTS_LIST_MAX";
	else if (e->short_name == '?' || e->short_name == ':' || e->short_name == '-')
		why = "a short name getopt reserves";
	if (!why)
		return 0;
	pr_err("option table: --%s: %s\n", e->name ? e->name : "(null)", why);
	return -EINVAL;
}

int opts_error(const struct opts_entry *e, const char *arg)
{
	const char *must = e->must;
	char buf[96];

	if (!must && e->kind == OPTS_DURATION)
		snprintf(buf, sizeof(buf), "be a duration from %" PRIu64 "s to %" PRIu64 "s",
			 e->min, e->max);
	else if (!must)
		snprintf(buf, sizeof(buf), "be a number from %" PRIu64 " to %" PRIu64, e->min,
			 e->max);
	pr_err("--%s must %s (got '%s')\n", e->name, must ? must : buf, arg ? arg : "");
	return -EINVAL;
}

/* One argument into the config, by kind (OPTS_HELP is the caller's). */
static int store(const struct opts_entry *e, const char *arg, void *cfg)
{
	void *dst = (char *)cfg + e->offset;
	struct opts_list *list = dst;
	uint64_t v, max;

	if (e->optional_arg && e->kind != OPTS_CUSTOM && (!arg || !*arg))
		arg = e->def;
	switch (e->kind) {
	case OPTS_FLAG:
		*(bool *)dst = true;
		return 0;
	case OPTS_U64:
	case OPTS_U32:
		if (parse_u64(arg, e->min, e->max, &v))
			return opts_error(e, arg);
		if (e->kind == OPTS_U64)
			*(uint64_t *)dst = v;
		else
			*(uint32_t *)dst = (uint32_t)v;
		return 0;
	case OPTS_DURATION:
		if (parse_duration(arg, e->max, &v) || v < e->min)
			return opts_error(e, arg);
		*(uint64_t *)dst = v;
		return 0;
	case OPTS_STRING:
		*(const char **)dst = arg;
		return 0;
	case OPTS_LIST:
		max = e->max ? e->max : OPTS_LIST_MAX;
		if (list->n >= max) {
			pr_err("at most %" PRIu64 " --%s flags\n", max, e->name);
			return -EINVAL;
		}
		list->v[list->n++] = arg;
		return 0;
	case OPTS_CUSTOM:
		return e->parse(e, arg, cfg);
	case OPTS_HELP:
		break;
	}
	return -EINVAL;
}

/* The defaults that are values, before any flag; lists get theirs after. */
static int set_defaults(const struct opts_cmd *cmd, void *cfg)
{
	size_t i;

	for (i = 0; i < cmd->n; i++) {
		const struct opts_entry *e = &cmd->entries[i];
		int err = check_entry(e);

		if (err)
			return err;
		if (!e->def || e->optional_arg || !takes_arg(e->kind) || e->kind == OPTS_LIST)
			continue;
		if (store(e, e->def, cfg)) {
			pr_err("option table: --%s: the default does not parse\n", e->name);
			return -EINVAL;
		}
	}
	return 0;
}

static void set_list_defaults(const struct opts_cmd *cmd, void *cfg)
{
	size_t i;

	for (i = 0; i < cmd->n; i++) {
		const struct opts_entry *e = &cmd->entries[i];
		struct opts_list *list;

		if (e->kind != OPTS_LIST || !e->def)
			continue;
		list = (struct opts_list *)((char *)cfg + e->offset);
		if (list->n == 0)
			list->v[list->n++] = e->def;
	}
}

static const struct opts_entry *find(const struct opts_cmd *cmd, int val)
{
	size_t i;

	if (val >= LONG_ONLY && (size_t)(val - LONG_ONLY) < cmd->n)
		return &cmd->entries[val - LONG_ONLY];
	for (i = 0; i < cmd->n; i++)
		if (cmd->entries[i].short_name && cmd->entries[i].short_name == val)
			return &cmd->entries[i];
	return NULL;
}

/* getopt_long's view of the table; NULL if out of memory. */
static struct option *make_longopts(const struct opts_cmd *cmd, char **shortopts)
{
	struct option *lo = calloc(cmd->n + 1, sizeof(*lo));
	char *so = malloc(3 * cmd->n + 1), *p = so;
	size_t i;

	if (!lo || !so) {
		free(lo);
		free(so);
		return NULL;
	}
	for (i = 0; i < cmd->n; i++) {
		const struct opts_entry *e = &cmd->entries[i];
		int has_arg = !e->arg		? no_argument
			      : e->optional_arg ? optional_argument
						: required_argument;

		lo[i] = (struct option){ e->name, has_arg, NULL,
					 e->short_name ? e->short_name : LONG_ONLY + (int)i };
		if (!e->short_name)
			continue;
		*p++ = e->short_name;
		if (has_arg != no_argument)
			*p++ = ':';
		if (has_arg == optional_argument)
			*p++ = ':';
	}
	*p = '\0';
	*shortopts = so;
	return lo;
}

int opts_parse(const struct opts_cmd *cmd, int argc, char **argv, void *cfg)
{
	struct option *longopts;
	char *shortopts;
	int err, opt;

	err = set_defaults(cmd, cfg);
	if (err)
		return err;
	longopts = make_longopts(cmd, &shortopts);
	if (!longopts) {
		pr_err("out of memory\n");
		return -ENOMEM;
	}
	/* 0, not 1: getopt starts afresh, also after an earlier parse. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct opts_entry *e = find(cmd, opt);
		const char *arg = optarg;

		if (!e) {
			/* getopt said what is wrong. */
			opts_help(cmd, stderr);
			err = -EINVAL;
			break;
		}
		if (e->kind == OPTS_HELP) {
			opts_help(cmd, stdout);
			err = OPTS_EXIT;
			break;
		}
		/* "-o FILE" as well as "-oFILE" and "--output=FILE". */
		if (e->optional_arg && !arg && optind < argc && argv[optind][0] != '-')
			arg = argv[optind++];
		err = store(e, arg, cfg);
		if (err)
			break;
	}
	if (!err && optind < argc) {
		pr_err("unexpected argument '%s'\n", argv[optind]);
		err = -EINVAL;
	}
	if (!err)
		set_list_defaults(cmd, cfg);
	free(longopts);
	free(shortopts);
	return err;
}

static void help_entry(const struct opts_cmd *cmd, const struct opts_entry *e, FILE *f)
{
	int col = (int)cmd->column, len;
	const char *line = e->help ? e->help : "", *nl;

	if (e->short_name)
		len = fprintf(f, "  -%c, --%s", e->short_name, e->name);
	else
		len = fprintf(f, "  --%s", e->name);
	if (e->arg)
		len += fprintf(f, e->optional_arg ? "[=%s]" : "=%s", e->arg);
	/* Two spaces at least; a flag past the column gets a line of its own. */
	if (len <= col && (*line || e->def))
		fprintf(f, "%*s", len + 2 > col ? 2 : col - len, "");
	else if (*line || e->def)
		fprintf(f, "\n%*s", col, "");
	while ((nl = strchr(line, '\n'))) {
		fprintf(f, "%.*s\n%*s", (int)(nl - line), line, col, "");
		line = nl + 1;
	}
	fputs(line, f);
	if (e->def)
		fprintf(f, "%s(default %s)", e->help && *e->help ? " " : "", e->def);
	fputc('\n', f);
}

void opts_help(const struct opts_cmd *cmd, FILE *f)
{
	size_t i;

	if (cmd->head)
		fputs(cmd->head, f);
	for (i = 0; i < cmd->n; i++)
		help_entry(cmd, &cmd->entries[i], f);
	if (cmd->foot)
		fputs(cmd->foot, f);
}
