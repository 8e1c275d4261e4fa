/* SPDX-License-Identifier: GPL-2.0-only */
/* Content negotiation on an Accept header (RFC 9110 12.5.1): whether a
 * client prefers one media type over whatever else it lists. */
#ifndef DROPMON_NEGOTIATE_H
#define DROPMON_NEGOTIATE_H

#include <stdbool.h>

/* True when the best weight of the ranges type/sub (whatever their
 * parameters, such as a version) is above 0 and at least the best weight of
 * every other range, text/ *, * / * and unknown types included: on a tie the
 * named type wins. A range with q=0 refuses it. NULL, "" or a header with no
 * valid range: false. Malformed parts are skipped. Case-insensitive. */
bool negotiate_prefers(const char *accept, const char *type, const char *sub);

#endif
