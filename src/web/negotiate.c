// SPDX-License-Identifier: GPL-2.0-only
/* Accept header negotiation between a preferred media type and the rest. */
#include <stdbool.h>

#include "httplist.h"
#include "negotiate.h"

bool negotiate_prefers(const char *accept, const char *type, const char *sub)
{
	/* Best weight of the named type and of anything else; -1: not listed. */
	int want_q = -1, other_q = -1;
	struct httplist_elem e;
	int r;

	if (!accept)
		return false;
	while ((r = httplist_next(&accept, &e)) != 0) {
		/* A media range has a subtype; anything else is malformed. */
		if (r < 0 || e.sub == e.sub_end)
			continue;
		if (httplist_token_is(e.name, e.name_end, type) &&
		    httplist_token_is(e.sub, e.sub_end, sub)) {
			if (e.q > want_q)
				want_q = e.q;
		} else if (e.q > other_q) {
			other_q = e.q;
		}
	}
	/* q=0 means "not acceptable"; on a tie the named type wins. */
	return want_q > 0 && want_q >= other_q;
}
