/* SPDX-License-Identifier: GPL-2.0-only */
/* Elements of comma-separated HTTP header lists with weights (RFC 9110
 * 5.6.1 and 12.4.2), shared by Accept and Accept-Encoding negotiation. */
#ifndef DROPMON_HTTPLIST_H
#define DROPMON_HTTPLIST_H

#include <stdbool.h>

/* Weights in thousandths: RFC 9110 allows at most three decimals, so
 * integers compare exactly where doubles might not. */
#define HTTPLIST_Q_MAX 1000

/* name [ "/" sub ] *( OWS ";" OWS [ token "=" ( token / quoted-string ) ] ):
 * a content coding ("gzip") or a media range ("text/plain"). */
struct httplist_elem {
	const char *name, *name_end;
	const char *sub, *sub_end; /* empty (sub == sub_end) without a '/' */
	int q;			   /* weight; HTTPLIST_Q_MAX when absent */
};

/* Parses the next element of the list at *pos, skipping empty ones, and
 * moves *pos past it. Returns 1 with *e set, 0 at the end of the list, or -1
 * for a malformed element (not a token, a bad or repeated q, an unclosed
 * quote, ...), which is skipped: a comma inside a quoted string does not end
 * it. Never reads past the terminating NUL. */
int httplist_next(const char **pos, struct httplist_elem *e);
/* Case-insensitive comparison of [s, end) with want. */
bool httplist_token_is(const char *s, const char *end, const char *want);

#endif
