/* SPDX-License-Identifier: GPL-2.0-only */
/* One-line, tcpdump/retis-style summary of a dropped packet's headers
 * (addresses, ports, TTL, lengths, protocol, TCP flags). */
#ifndef DROPMON_PKTSUM_H
#define DROPMON_PKTSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* where data begins: at an Ethernet header, or at the L3 header (no MAC header) */
enum pktsum_start { PKTSUM_MAC, PKTSUM_NETWORK };

/* Appends a one-line summary (no trailing newline) of the packet bytes data[0..len) to out.
 * start says where the bytes begin; l3_proto is the host-order EtherType of the network
 * header (e.g. 0x0800, 0x86dd, 0x0806), needed when start == PKTSUM_NETWORK and used as a hint
 * otherwise (may be 0 = unknown). wire_len is the packet's full length from data[0] on, which may be
 * larger than len (the bytes were truncated to a capture size): the summary says "len N" from
 * the IP header's own length field, and when the captured bytes end before a header that must
 * be parsed it ends with " [truncated]". Never reads outside data[0..len); garbage never
 * crashes and gives a partial line. Returns 0 or out's error (-ENOMEM). */
/* Where the network header of the Ethernet frame data[0..len) starts: past
 * its header and its VLAN tags (as many as pktsum_format() reads). Sets
 * *l3_proto to the EtherType after them, and *cut when the bytes end before
 * the network header (the offset is then how far they went). */
size_t pktsum_l3_offset(const uint8_t *data, size_t len, unsigned int *l3_proto, bool *cut);

int pktsum_format(struct strbuf *out, const void *data, size_t len, enum pktsum_start start,
		  uint16_t l3_proto, uint32_t wire_len);

#endif
