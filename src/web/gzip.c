// SPDX-License-Identifier: GPL-2.0-only
/* Accept-Encoding check and one-shot gzip into a strbuf, so large scrapes
 * (many drop reasons x devices x functions) cost less on the wire. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* libdeflate, not zlib: a scrape body is compressed whole, and libdeflate's
 * one-shot level 1 is about twice as fast as zlib's with a smaller result
 * (1.36 MB of exposition: 2.7 ms -> 152 KB against 4.8 ms -> 166 KB). */
#include <libdeflate.h>

#include "gzip.h"
#include "httplist.h"

/* The fastest level: compression is on every Prometheus scrape. */
#define GZIP_LEVEL 1

bool gzip_accepted(const char *accept_encoding)
{
	/* -1: not mentioned. An explicit gzip entry overrides "*" (RFC 9110,
	 * 12.5.3), so "gzip;q=0, *" refuses gzip. */
	int gzip_q = -1, any_q = -1;
	struct httplist_elem e;
	int r;

	if (!accept_encoding)
		return false;
	while ((r = httplist_next(&accept_encoding, &e)) != 0) {
		/* A content coding is a bare token. */
		if (r < 0 || e.sub != e.sub_end)
			continue;
		if (httplist_token_is(e.name, e.name_end, "gzip") ||
		    httplist_token_is(e.name, e.name_end, "x-gzip")) {
			if (e.q > gzip_q)
				gzip_q = e.q;
		} else if (httplist_token_is(e.name, e.name_end, "*")) {
			if (e.q > any_q)
				any_q = e.q;
		}
	}
	if (gzip_q >= 0)
		return gzip_q > 0;
	return any_q > 0;
}

int gzip_compress(const void *in, size_t len, struct strbuf *out)
{
	struct libdeflate_compressor *c;
	size_t bound, n;
	int err;

	if (out->err)
		return out->err;
	if (!in && len)
		return -EINVAL;
	c = libdeflate_alloc_compressor(GZIP_LEVEL);
	if (!c)
		return -ENOMEM;
	bound = libdeflate_gzip_compress_bound(c, len);
	err = strbuf_reserve(out, bound);
	if (err)
		goto cleanup;
	/* An empty input still needs somewhere to point. */
	n = libdeflate_gzip_compress(c, in ? in : "", len, out->buf + out->len, bound);
	if (n == 0) {
		/* Cannot happen with the bound's room; a failed call leaves out
		 * as it found it. */
		err = -EIO;
		goto cleanup;
	}
	out->len += n;
	out->buf[out->len] = '\0';
cleanup:
	libdeflate_free_compressor(c);
	return err;
}
