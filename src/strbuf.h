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
/* Decimal, without printf: a scrape prints tens of thousands of numbers. */
int strbuf_put_u64(struct strbuf *sb, uint64_t v);
/* Empties the buffer and clears the error, keeping the memory. */
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

#endif
