// SPDX-License-Identifier: GPL-2.0-only
/* `dropmon print` and `dropmon pcap`: events stored by `collect -o`, read
 * back line by line. A corrupt line is reported with its number and
 * skipped; every other event still comes out. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cli.h"
#include "evjson.h"
#include "evpcap.h"
#include "evrecord.h"
#include "evtext.h"
#include "log.h"
#include "opts.h"
#include "outfile.h"
#include "pcapng.h"
#include "pktfilter.h"
#include "strbuf.h"
#include "version.h"

#define DEFAULT_INPUT "dropmon.data"
#define DEFAULT_PCAP "drops.pcapng"
/* A stored event is a few KiB; a longer line is not one of ours. */
#define LINE_MAX_BYTES (1u << 20)
/* Output is written out in pieces of about this size. */
#define FLUSH_BYTES (1u << 20)
#define PRINT_FLUSH_BYTES (64u << 10)

struct stored_config {
	const char *input;
	const char *output; /* pcap only */
	const char *filter;
	bool utc;
	bool pcap;
	bool force; /* pcap: replace an existing output file */
};

struct reader {
	FILE *f;
	const char *path;
	char *line; /* LINE_MAX_BYTES */
	uint64_t lineno;
	uint64_t bad; /* lines skipped */
	int err;      /* the failed read's errno, negative */
};

/* SIGINT, SIGTERM or SIGHUP while pcap writes a file: the temporary file is
 * removed before the signal takes its course. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Unless it is ignored: nohup, or a background job of a script, asked for
 * that. No SA_RESTART: a blocked read must return to see the flag. */
static void catch_signal(int sig, const struct sigaction *sa)
{
	struct sigaction old;

	if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
		sigaction(sig, sa, NULL);
}

/* Reads one line into rd->line, never holding more than LINE_MAX_BYTES of it
 * (a stored file is outside input: a line of gigabytes must not become an
 * allocation of gigabytes). Returns its length, -1 at the end of the file,
 * or -2 for a line that was too long (the rest of it is skipped). */
static ssize_t read_line(struct reader *rd)
{
	size_t len = 0;
	int c;

	errno = 0;
	while ((c = getc_unlocked(rd->f)) != EOF && c != '\n') {
		if (len == LINE_MAX_BYTES) {
			while ((c = getc_unlocked(rd->f)) != EOF && c != '\n')
				;
			return -2;
		}
		rd->line[len++] = (char)c;
	}
	if (c == EOF && ferror(rd->f)) {
		rd->err = errno ? -errno : -EIO;
		return -1;
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
	return rd->err;
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
	{ .name = "force",
	  STORED(FLAG, force),
	  .help = "replace FILE if it exists (else refused)" },
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
	.head = "Usage: dropmon pcap [-i FILE] [-o FILE] [--force] [--filter=EXPR]\n"
		"Write the packets of stored events (dropmon collect -o) as a pcapng\n"
		"capture: one interface per (netns, device), and a comment per packet\n"
		"naming the drop reason, function, netns and task.\n\n",
	.foot = "\nThe capture is written to a temporary file next to FILE, mode 0600 (it\n"
		"holds packet contents), and renamed to FILE once complete: on an error\n"
		"or a signal no FILE is left, and an existing one is kept. A FIFO or a\n"
		"device (/dev/null) is written as it is.\n",
	.column = 21,
	.entries = pcap_flags,
	.n = sizeof(pcap_flags) / sizeof(pcap_flags[0]),
};

/* Writes sb out and empties it; a signal ends the wait for a slow
 * reader only when it is one to stop at. */
static int write_all(int fd, struct strbuf *sb)
{
	size_t off = 0;

	if (sb->err)
		return sb->err;
	while (off < sb->len) {
		ssize_t n = write(fd, sb->buf + off, sb->len - off);

		if (n < 0 && errno == EINTR && !stop_signal)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	strbuf_reset(sb);
	return 0;
}

/* The events file: a directory or another unreadable input is refused
 * before any output is made for it. */
static int open_input(struct reader *rd, const char *path)
{
	struct stat st;
	int fd, err;

	rd->path = path;
	if (strcmp(path, "-") == 0) {
		rd->path = "standard input";
		rd->f = stdin;
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		err = -errno;
		pr_err("cannot read %s: %s\n", path, strerror(-err));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		pr_err("cannot read %s: it is a directory, not a file of events (collect -o)\n",
		       path);
		goto fail;
	}
	rd->f = fdopen(fd, "r");
	if (!rd->f) {
		err = -errno;
		pr_err("cannot read %s: %s\n", path, strerror(-err));
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return err;
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
	struct outfile of = { .fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t shown = 0, nodata = 0, filtered = 0;
	const char *out_name = "standard output";
	size_t flush_at = pcap ? FLUSH_BYTES : PRINT_FLUSH_BYTES;
	int dst = STDOUT_FILENO;
	char why[512];
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
	if (!r || !rd.line) {
		err = -ENOMEM;
		pr_err("%s\n", strerror(ENOMEM));
		goto cleanup;
	}
	err = open_input(&rd, cfg.input);
	if (err)
		goto cleanup;
	if (pcap && strcmp(cfg.output, "-") != 0) {
		/* Before the file exists: a signal removes it, never leaves half. */
		catch_signal(SIGINT, &sa);
		catch_signal(SIGTERM, &sa);
		catch_signal(SIGHUP, &sa);
		err =
		    outfile_open(&of, cfg.output, OUTFILE_ATOMIC | (cfg.force ? OUTFILE_FORCE : 0),
				 why, sizeof(why));
		if (err) {
			pr_err("%s\n", why);
			goto cleanup;
		}
		dst = of.fd;
		out_name = cfg.output;
	}
	if (pcap) {
		err = pcapng_new(&out, "dropmon " DROPMON_VERSION, &w);
		if (err) {
			pr_err("starting the capture: %s\n", strerror(-err));
			goto fail;
		}
	}
	while (!stop_signal && (err = reader_next(&rd, r)) > 0) {
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
		if (out.len >= flush_at) {
			err = write_all(dst, &out);
			if (err)
				goto write_failed;
		}
	}
	if (stop_signal)
		goto fail;
	if (err) {
		if (err == -ENOMEM)
			pr_err("handling events: %s\n", strerror(-err));
		else
			pr_err("reading %s: %s\n", rd.path, strerror(-err));
		goto fail;
	}
	err = write_all(dst, &out);
	if (err)
		goto write_failed;
	if (of.path) {
		err = outfile_commit(&of, why, sizeof(why));
		if (err) {
			pr_err("%s\n", why);
			goto cleanup;
		}
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
	goto cleanup;

write_failed:
	if (!stop_signal)
		pr_err("writing %s: %s\n", out_name, strerror(-err));
fail:
	if (of.path) {
		outfile_abort(&of);
		if (stop_signal)
			pr_err("interrupted: %s not written\n", cfg.output);
		else
			pr_err("%s not written\n", cfg.output);
	} else if (pcap && shown) {
		pr_err("the capture on standard output is incomplete\n");
	}
	if (!err)
		err = -EINTR;
cleanup:
	if (rd.f && rd.f != stdin)
		fclose(rd.f);
	free(rd.line);
	pcapng_free(w);
	pktfilter_free(filter);
	strbuf_free(&out);
	strbuf_free(&comment);
	free(r);
	if (stop_signal) {
		/* Cleaned up: now the signal's own end, for the caller to see. */
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
	}
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
