// SPDX-License-Identifier: GPL-2.0-only
/* `dropmon print` and `dropmon pcap`: events stored by `collect -o`, read
 * back line by line. A corrupt line is reported with its number and
 * skipped; every other event still comes out. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli.h"
#include "evjson.h"
#include "evpcap.h"
#include "evrecord.h"
#include "evtext.h"
#include "log.h"
#include "opts.h"
#include "pcapng.h"
#include "pktfilter.h"
#include "strbuf.h"
#include "version.h"

#define DEFAULT_INPUT "dropmon.data"
#define DEFAULT_PCAP "drops.pcapng"
/* A stored event is a few KiB; a longer line is not one of ours. */
#define LINE_MAX_BYTES (1u << 20)
/* pcapng output is written out in pieces of about this size. */
#define FLUSH_BYTES (1u << 20)

struct stored_config {
	const char *input;
	const char *output; /* pcap only */
	const char *filter;
	bool utc;
	bool pcap;
};

struct reader {
	FILE *f;
	const char *path;
	char *line; /* LINE_MAX_BYTES */
	uint64_t lineno;
	uint64_t bad; /* lines skipped */
};

/* Reads one line into rd->line, never holding more than LINE_MAX_BYTES of it
 * (a stored file is outside input: a line of gigabytes must not become an
 * allocation of gigabytes). Returns its length, -1 at the end of the file,
 * or -2 for a line that was too long (the rest of it is skipped). */
static ssize_t read_line(struct reader *rd)
{
	size_t len = 0;
	int c;

	while ((c = getc_unlocked(rd->f)) != EOF && c != '\n') {
		if (len == LINE_MAX_BYTES) {
			while ((c = getc_unlocked(rd->f)) != EOF && c != '\n')
				;
			return -2;
		}
		rd->line[len++] = (char)c;
	}
	if (c == EOF && len == 0)
		return -1;
	return (ssize_t)len;
}

/* The next event of the file into r: 1, 0 at the end, or a negative errno
 * for a read error or no memory. Corrupt lines are reported and skipped. */
static int reader_next(struct reader *rd, struct evrecord *r)
{
	const char *why;
	ssize_t n;
	int err;

	while ((n = read_line(rd)) != -1) {
		size_t len = n > 0 ? (size_t)n : 0;

		rd->lineno++;
		while (len && rd->line[len - 1] == '\r')
			len--;
		if (n == -2) {
			why = "line too long";
		} else if (len == 0) {
			continue;
		} else if ((err = evjson_parse(rd->line, len, r, &why)) == 0) {
			return 1;
		} else if (err == -ENOMEM) {
			return err;
		}
		pr_warn("%s:%" PRIu64 ": %s; line skipped\n", rd->path, rd->lineno, why);
		rd->bad++;
	}
	return ferror(rd->f) ? -EIO : 0;
}

#define STORED(kind, member) OPTS_##kind##_AT(struct stored_config, member)
#define INPUT_FLAG                                                                                 \
	{                                                                                          \
		.name = "input", .short_name = 'i', STORED(STRING, input), .arg = "FILE",          \
		.def = DEFAULT_INPUT, .help = "events to read"                                     \
	}
#define FILTER_FLAG                                                                                \
	{                                                                                          \
		.name = "filter", STORED(STRING, filter), .arg = "EXPR",                           \
		.help = "only packets matching a pcap-filter expression"                           \
	}

static const struct opts_entry print_flags[] = {
	INPUT_FLAG,
	{ .name = "utc",
	  STORED(FLAG, utc),
	  .help = "wall-clock UTC times instead of monotonic ns" },
	FILTER_FLAG,
	OPTS_HELP_ENTRY,
};

static const struct opts_entry pcap_flags[] = {
	INPUT_FLAG,
	{ .name = "output",
	  .short_name = 'o',
	  STORED(STRING, output),
	  .arg = "FILE",
	  .def = DEFAULT_PCAP,
	  .help = "capture to write, - for stdout" },
	FILTER_FLAG,
	OPTS_HELP_ENTRY,
};

static const struct opts_cmd print_cmd = {
	.head = "Usage: dropmon print [-i FILE] [--utc] [--filter=EXPR]\n"
		"Print stored events (dropmon collect -o) as collect prints them.\n\n",
	.column = 21,
	.entries = print_flags,
	.n = sizeof(print_flags) / sizeof(print_flags[0]),
};

static const struct opts_cmd pcap_cmd = {
	.head = "Usage: dropmon pcap [-i FILE] [-o FILE] [--filter=EXPR]\n"
		"Write the packets of stored events (dropmon collect -o) as a pcapng\n"
		"capture: one interface per (netns, device), and a comment per packet\n"
		"naming the drop reason, function, netns and task.\n\n",
	.column = 21,
	.entries = pcap_flags,
	.n = sizeof(pcap_flags) / sizeof(pcap_flags[0]),
};

static int write_all(FILE *f, struct strbuf *sb)
{
	if (sb->err)
		return sb->err;
	if (sb->len && fwrite(sb->buf, 1, sb->len, f) != sb->len)
		return -EIO;
	strbuf_reset(sb);
	return 0;
}

static int run(int argc, char **argv, bool pcap)
{
	/* The defaults are the flag tables'. */
	struct stored_config cfg = { .pcap = pcap };
	struct reader rd = { 0 };
	struct strbuf out = STRBUF_INIT, comment = STRBUF_INIT;
	struct evtext_opts text = { 0 };
	struct pcapng_writer *w = NULL;
	struct pktfilter *filter = NULL;
	struct evrecord *r = NULL;
	uint64_t shown = 0, nodata = 0, filtered = 0;
	FILE *dst = stdout;
	char why[256];
	int err;

	err = opts_parse(pcap ? &pcap_cmd : &print_cmd, argc, argv, &cfg);
	if (err)
		return err == OPTS_EXIT ? 0 : err == -ENOMEM ? 1 : 2;
	text.utc = cfg.utc;
	if (cfg.filter && pktfilter_new(cfg.filter, &filter, why, sizeof(why))) {
		pr_err("--filter '%s': %s\n", cfg.filter, why);
		return 2;
	}
	r = malloc(sizeof(*r));
	rd.line = malloc(LINE_MAX_BYTES);
	rd.path = cfg.input;
	rd.f = strcmp(cfg.input, "-") == 0 ? stdin : fopen(cfg.input, "re");
	if (!r || !rd.line || !rd.f) {
		err = -errno;
		pr_err("cannot read %s: %s\n", cfg.input, strerror(errno));
		goto cleanup;
	}
	if (pcap && strcmp(cfg.output, "-") != 0) {
		dst = cli_create_private(cfg.output);
		if (!dst) {
			err = -errno;
			pr_err("cannot write %s: %s\n", cfg.output, strerror(errno));
			goto cleanup;
		}
	}
	if (pcap) {
		err = pcapng_new(&out, "dropmon " DROPMON_VERSION, &w);
		if (err)
			goto cleanup;
	}
	while ((err = reader_next(&rd, r)) > 0) {
		if (filter &&
		    !pktfilter_match(filter, r->mac, r->packet, r->caplen, r->frame_len)) {
			filtered++;
			continue;
		}
		err = pcap ? evpcap_add(w, r, &comment) : evtext_format(&out, r, &text);
		if (err == -ENODATA) {
			nodata++;
			continue;
		}
		if (err)
			break;
		shown++;
		if (!pcap || out.len >= FLUSH_BYTES) {
			err = write_all(dst, &out);
			if (err)
				break;
		}
	}
	if (!err)
		err = write_all(dst, &out);
	if (err) {
		bool reading = err == -ENOMEM || (err == -EIO && rd.f && ferror(rd.f));

		pr_err("%s: %s\n", reading ? cfg.input : "writing", strerror(-err));
		goto cleanup;
	}
	if (pcap)
		pr_info("%" PRIu64 " packets written to %s; %" PRIu64
			" events without packet bytes, %" PRIu64 " filtered out, %" PRIu64
			" corrupt lines skipped\n",
			shown, cfg.output, nodata, filtered, rd.bad);
	else if (rd.bad || filtered)
		pr_info("%" PRIu64 " events printed; %" PRIu64 " filtered out, %" PRIu64
			" corrupt lines skipped\n",
			shown, filtered, rd.bad);
cleanup:
	if (dst && dst != stdout && fclose(dst) != 0 && !err) {
		pr_err("writing %s: %s\n", cfg.output, strerror(errno));
		err = -EIO;
	}
	if (rd.f && rd.f != stdin)
		fclose(rd.f);
	free(rd.line);
	pcapng_free(w);
	pktfilter_free(filter);
	strbuf_free(&out);
	strbuf_free(&comment);
	free(r);
	/* A corrupt line is not fatal, but scripts should notice it. */
	return err || rd.bad ? 1 : 0;
}

int cmd_print(int argc, char **argv)
{
	return run(argc, argv, false);
}

int cmd_pcap(int argc, char **argv)
{
	return run(argc, argv, true);
}
