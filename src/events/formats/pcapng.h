/* SPDX-License-Identifier: GPL-2.0-only */
/* Writes dropped packets as a pcapng capture (one section, native byte order)
 * into a strbuf, with one interface per device and the drop reason as comment. */
#ifndef DROPMON_PCAPNG_H
#define DROPMON_PCAPNG_H

#include <stdint.h>

#include "strbuf.h"

#define PCAPNG_LINKTYPE_ETHERNET 1
#define PCAPNG_LINKTYPE_RAW 101 /* raw IPv4/IPv6, no MAC header (LINKTYPE_RAW) */

/* Each call appends whole blocks to out, or nothing, so the caller may write
 * out's contents away and strbuf_reset() it between calls to stream a capture.
 * Strings are bounded to 65535 bytes (an option's limit) and caplen to 262144
 * (the most libpcap and Wireshark read); beyond, calls fail with -EINVAL. */
struct pcapng_writer; /* opaque */

/* A writer that appends to out. Writes the Section Header Block at once (with shb_userappl
 * option = appl, e.g. "dropmon 0.1.0"; NULL for none). Returns 0, -EINVAL for an appl
 * longer than an option holds, or out's error (-ENOMEM). */
int pcapng_new(struct strbuf *out, const char *appl, struct pcapng_writer **wp);
/* The interface id for (netns, ifindex, linktype): on first use writes an Interface
 * Description Block with if_name = name (NULL or "" → "if<ifindex>"), if_description =
 * "netns <netns>" , if_tsresol = 9 (nanoseconds), snaplen 0 (unlimited). Later calls with the
 * same triple return the same id. Returns the id (>= 0) or a negative errno. */
int pcapng_interface(struct pcapng_writer *w, uint32_t netns, uint32_t ifindex, uint16_t linktype,
		     const char *name);
/* An Enhanced Packet Block: ts_ns nanoseconds since the Unix epoch, captured bytes
 * data[0..caplen), original length origlen (>= caplen; if smaller it is raised to caplen),
 * opt_comment = comment (NULL/"" → none; any bytes, UTF-8 expected, length-bounded).
 * Returns 0 or a negative errno (-EINVAL for an unknown interface id). */
int pcapng_packet(struct pcapng_writer *w, int iface, uint64_t ts_ns, const void *data,
		  uint32_t caplen, uint32_t origlen, const char *comment);
void pcapng_free(struct pcapng_writer *w); /* accepts NULL; does not free out */

#endif
