// SPDX-License-Identifier: GPL-2.0-only
/* Growable byte buffer with a sticky allocation error. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void strbuf_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->err = 0;
}

int strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *p;

	if (sb->err)
		return sb->err;
	if (extra > SIZE_MAX - sb->len - 1)
		goto nomem;
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(sb->buf, cap);
	if (!p)
		goto nomem;
	sb->buf = p;
	sb->cap = cap;
	return 0;
nomem:
	sb->err = -ENOMEM;
	return sb->err;
}

int strbuf_append(struct strbuf *sb, const void *data, size_t n)
{
	int err = strbuf_reserve(sb, n);

	if (err)
		return err;
	if (n)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_puts(struct strbuf *sb, const char *s)
{
	return strbuf_append(sb, s, strlen(s));
}

int strbuf_putc(struct strbuf *sb, char c)
{
	return strbuf_append(sb, &c, 1);
}

int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	if (sb->err)
		return sb->err;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	err = strbuf_reserve(sb, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

size_t strbuf_fmt_u64(char buf[STRBUF_U64_SIZE], uint64_t v)
{
	char tmp[STRBUF_U64_SIZE - 1];
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return i;
}

int strbuf_put_u64(struct strbuf *sb, uint64_t v)
{
	char buf[STRBUF_U64_SIZE];
	size_t n = strbuf_fmt_u64(buf, v);

	return strbuf_append(sb, buf, n);
}

int strbuf_put_printable(struct strbuf *sb, const char *s)
{
	size_t start = sb->len;
	int err = strbuf_puts(sb, s);

	if (err)
		return err;
	for (size_t i = start; i < sb->len; i++) {
		unsigned char c = (unsigned char)sb->buf[i];
		unsigned char next = i + 1 < sb->len ? (unsigned char)sb->buf[i + 1] : 0;

		if (c < 0x20 || c == 0x7f) {
			sb->buf[i] = '?';
		} else if (c == 0xc2 && next >= 0x80 && next <= 0x9f) {
			/* U+0080..U+009F in UTF-8: the C1 controls, CSI among
			 * them. */
			sb->buf[i] = '?';
			sb->buf[i + 1] = '?';
			i++;
		}
	}
	return 0;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->err = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	strbuf_init(sb);
}
