// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: one line of a stored file (dropmon collect -o) into
 * evjson_parse(). A line it accepts must come back as the same record
 * through evjson_write() and evjson_parse() again. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Static: a record is some 6 KiB, and the target is single-threaded. */
static struct evrecord rec, again;
static const struct evrecord zero;

static void die(const char *what, const char *line, size_t len)
{
	fprintf(stderr, "fuzz_evjson: %s\nline: %.*s\n", what, (int)len, line);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data, *why = NULL;
	struct strbuf out = STRBUF_INIT;
	int err;

	err = evjson_parse(line, size, &rec, &why);
	if (err) {
		if (err != -EINVAL && err != -ENOMEM)
			die("an error other than -EINVAL or -ENOMEM", line, size);
		if (!why || !*why)
			die("an error without a reason", line, size);
		if (memcmp(&rec, &zero, sizeof(rec)) != 0)
			die("a refused line left the record set", line, size);
		return 0;
	}
	if (evjson_write(&out, &rec) || !out.len)
		die("evjson_write failed", line, size);
	if (memchr(out.buf, '\n', out.len) != out.buf + out.len - 1)
		die("the written event is not one line", out.buf, out.len);
	why = NULL;
	if (evjson_parse(out.buf, out.len, &again, &why) != 0)
		die(why ? why : "the written event does not read back", out.buf, out.len);
	if (memcmp(&rec, &again, sizeof(rec)) != 0)
		die("the written event reads back different", out.buf, out.len);
	strbuf_free(&out);
	return 0;
}
