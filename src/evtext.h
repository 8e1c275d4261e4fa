/* SPDX-License-Identifier: GPL-2.0-only */
/* One drop event as text: a header line, the kernel stack, a packet line. */
#ifndef DROPMON_EVTEXT_H
#define DROPMON_EVTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "dropmon.h"
#include "ksyms.h"
#include "reasons.h"
#include "strbuf.h"

struct evtext_opts {
	struct ksyms *ksyms;	 /* stack symbols; NULL: addresses only */
	struct reasons *reasons; /* reason names; NULL: numbers */
	bool utc;		 /* wall-clock times instead of monotonic ns */
	int64_t mono_to_real_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
	uint32_t init_netns;	 /* the netns not worth naming; 0: name all */
};

/* Appends, each line ending in '\n':
 *   <ts> [<comm>] <pid> [tp] skb:kfree_skb drop (<REASON>)
 *       <symbol>+0x<offset>          one per frame, innermost first, the
 *       ...                           tracing machinery's own frames left out
 *     if <ifindex> (<dev>) rxif <rx ifindex> <packet summary>[ netns <inode>]
 * Returns 0 or out's error. */
int evtext_format(struct strbuf *out, const struct drop_event *ev, const struct evtext_opts *o);
/* CLOCK_REALTIME - CLOCK_MONOTONIC now, in ns: to print event times. */
int64_t evtext_clock_offset(void);

#endif
