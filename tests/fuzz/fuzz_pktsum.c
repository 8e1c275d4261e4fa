// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: pktsum_format() on raw bytes. The input's first 7
 * bytes say how to read the rest, as an event's fields would:
 *   byte 0      bit 0: the bytes start at an Ethernet header (else at L3)
 *   bytes 1-2   l3_proto, the EtherType, big-endian as on the wire
 *   bytes 3-6   wire_len (frame_len), big-endian
 *   bytes 7-    the captured bytes; caplen is how many there are
 * The captured bytes end where libFuzzer's buffer ends, so ASan sees a read
 * past caplen. The summary must be one line without control characters. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pktsum.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD 7

static void die(const char *what)
{
	fprintf(stderr, "fuzz_pktsum: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	enum pktsum_start start;
	uint16_t l3_proto;
	uint32_t wire_len;

	if (size < HEAD)
		return 0;
	start = data[0] & 1 ? PKTSUM_MAC : PKTSUM_NETWORK;
	l3_proto = (uint16_t)(data[1] << 8 | data[2]);
	wire_len =
	    (uint32_t)data[3] << 24 | (uint32_t)data[4] << 16 | (uint32_t)data[5] << 8 | data[6];
	if (pktsum_format(&out, data + HEAD, size - HEAD, start, l3_proto, wire_len))
		die("pktsum_format failed");
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.buf[i] < 0x20 || out.buf[i] == 0x7f)
			die("a control character or newline in the summary");
	strbuf_free(&out);
	return 0;
}
