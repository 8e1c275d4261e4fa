/* SPDX-License-Identifier: GPL-2.0-only */
/* A drop event as a pcapng packet: on its (netns, device) interface, with a
 * comment saying why it was dropped. */
#ifndef DROPMON_EVPCAP_H
#define DROPMON_EVPCAP_H

#include "evrecord.h"
#include "pcapng.h"
#include "strbuf.h"

/* Writes r's packet to w; scratch holds the comment. Returns 0, -ENODATA
 * for an event without packet bytes (nothing written), or a negative errno. */
int evpcap_add(struct pcapng_writer *w, const struct evrecord *r, struct strbuf *scratch);

#endif
