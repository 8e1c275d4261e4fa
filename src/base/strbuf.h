/* SPDX-License-Identifier: GPL-2.0-only */
/* Growable byte buffer with a sticky error: a failed allocation turns every
 * later append into a no-op, so renderers check once at the end. */
#ifndef DROPMON_STRBUF_H
#define DROPMON_STRBUF_H

#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf; /* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	int err; /* 0 or -ENOMEM */
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

void strbuf_init(struct strbuf *sb);
/* Makes room for `extra` more bytes plus a NUL. Returns 0 or -ENOMEM. */
int strbuf_reserve(struct strbuf *sb, size_t extra);
int strbuf_append(struct strbuf *sb, const void *data, size_t n);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_putc(struct strbuf *sb, char c);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Decimal, without printf: a scrape prints tens of thousands of numbers.
 * strbuf_fmt_u64 writes v and a NUL into buf (21 bytes hold UINT64_MAX) and
 * returns the number of digits. */
#define STRBUF_U64_SIZE 21
size_t strbuf_fmt_u64(char buf[STRBUF_U64_SIZE], uint64_t v);
int strbuf_put_u64(struct strbuf *sb, uint64_t v);
/* Appends s with every control character (bytes below 0x20 and 0x7f, and
 * the C1 controls U+0080..U+009F in UTF-8) replaced by '?': for names other
 * users choose (task comm, device names, anything read from a stored file)
 * on their way to a terminal, where an escape sequence could rewrite what
 * the operator sees. */
int strbuf_put_printable(struct strbuf *sb, const char *s);
/* Empties the buffer and clears the error, keeping the memory. */
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

#endif
