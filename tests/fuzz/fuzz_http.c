// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the request header parsers of src/web, each on the
 * input as a header value (up to its first NUL, as libmicrohttpd hands
 * them over):
 *  - httplist_next() over the whole list: every element inside the value,
 *    progress at every call;
 *  - negotiate_prefers() as Accept for the two exposition formats;
 *  - webauth_parse_basic() as Authorization into a buffer of exactly
 *    strlen(value) bytes (what webauth.h says always does): what it
 *    accepts is canonical base64, so encoding user:password again must give
 *    back the value;
 *  - webauth_hash_valid() as a basic_auth_users hash. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httplist.h"
#include "negotiate.h"
#include "webauth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *value)
{
	fprintf(stderr, "fuzz_http: %s\nvalue: \"%s\"\n", what, value);
	abort();
}

static bool inside(const char *p, const char *s, size_t len)
{
	return p >= s && p <= s + len;
}

static void check_list(const char *s, size_t len)
{
	const char *pos = s, *before;
	struct httplist_elem e;
	size_t calls = 0;
	int r;

	do {
		before = pos;
		r = httplist_next(&pos, &e);
		if (!inside(pos, s, len) || (r != 0 && pos <= before))
			die("httplist_next made no progress or left the value", s);
		if (r == 1) {
			if (!inside(e.name, s, len) || !inside(e.name_end, s, len) ||
			    e.name >= e.name_end || !inside(e.sub, s, len) ||
			    !inside(e.sub_end, s, len) || e.sub > e.sub_end || e.sub < e.name_end)
				die("an element outside the value", s);
			if (e.q < 0 || e.q > HTTPLIST_Q_MAX)
				die("a weight out of range", s);
		} else if (r != 0 && r != -1) {
			die("httplist_next returned something else", s);
		}
		if (++calls > len + 1)
			die("httplist_next does not end", s);
	} while (r != 0);
	if (pos != s + len)
		die("httplist_next ended before the end", s);
}

static void b64_encode(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t g = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = abc[g >> 18];
		out[o++] = abc[g >> 12 & 63];
		out[o++] = abc[g >> 6 & 63];
		out[o++] = abc[g & 63];
	}
	if (n - i == 1) {
		uint32_t g = (uint32_t)in[i] << 16;

		out[o++] = abc[g >> 18];
		out[o++] = abc[g >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t g = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = abc[g >> 18];
		out[o++] = abc[g >> 12 & 63];
		out[o++] = abc[g >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

static void check_basic(const char *s, size_t len)
{
	const char *user = NULL, *password = NULL, *b64;
	char *buf = malloc(len ? len : 1), *plain = NULL, *again = NULL;
	size_t ulen, plen, blen;
	int err;

	if (!buf)
		return;
	err = webauth_parse_basic(s, buf, len, &user, &password);
	if (err == -ENOSPC)
		die("strlen(value) bytes did not do", s);
	if (err && err != -EINVAL)
		die("webauth_parse_basic returned something else", s);
	if (err)
		goto done;
	if (user != buf || password < buf || password > buf + len)
		die("user or password outside the buffer", s);
	ulen = strlen(user);
	plen = strlen(password);
	if (password != user + ulen + 1 || strchr(user, ':') != NULL)
		die("not split at the first ':'", s);
	plain = malloc(ulen + plen + 2);
	again = malloc(4 * ((ulen + plen + 1) / 3 + 1) + 1);
	if (!plain || !again)
		goto done;
	memcpy(plain, user, ulen);
	plain[ulen] = ':';
	memcpy(plain + ulen + 1, password, plen);
	b64_encode((const unsigned char *)plain, ulen + plen + 1, again);
	/* "Basic", spaces, the base64, spaces: any case of "Basic". */
	b64 = s + 6;
	while (*b64 == ' ')
		b64++;
	blen = strlen(b64);
	while (blen && b64[blen - 1] == ' ')
		blen--;
	if (strncasecmp(s, "Basic ", 6) != 0 || strlen(again) != blen ||
	    memcmp(again, b64, blen) != 0)
		die("accepted base64 that is not the canonical form of what it decoded to", s);
done:
	free(again);
	free(plain);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t len;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);

	check_list(s, len);
	(void)negotiate_prefers(s, "application", "openmetrics-text");
	(void)negotiate_prefers(s, "text", "plain");
	check_basic(s, len);
	if (webauth_hash_valid(s) && len != 60)
		die("a hash of the wrong length is valid", s);
	free(s);
	return 0;
}
