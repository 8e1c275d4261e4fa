/* SPDX-License-Identifier: GPL-2.0-only */
/* gzip for HTTP responses (libmicrohttpd does not compress). */
#ifndef DROPMON_GZIP_H
#define DROPMON_GZIP_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* True when an Accept-Encoding header value accepts gzip: a "gzip" or "*"
 * coding whose q-value is not 0 (case-insensitive, whitespace tolerant). */
bool gzip_accepted(const char *accept_encoding);
/* Appends the gzip (RFC 1952) encoding of in[0..len) to out.
 * Returns 0, -ENOMEM, or -EIO on a zlib error. */
int gzip_compress(const void *in, size_t len, struct strbuf *out);

#endif
