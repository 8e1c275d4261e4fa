// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: a stored file (dropmon collect -o) through what
 * `dropmon print` and `dropmon pcap` do with it (src/cmd/replay.c, whose
 * loop is private to cmd, so its calls are made here from the layer
 * libraries): each line into evjson_parse(), each event into
 * evtext_format() (which summarizes the packet with pktsum_format()) and
 * evpcap_add() (pcapng). The text must be lines free of terminal controls,
 * the capture whole blocks that hold every packet. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evjson.h"
#include "evpcap.h"
#include "evtext.h"
#include "pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u

/* What each packet written should read back as. */
struct expect {
	uint32_t caplen, origlen;
};

static struct evrecord rec; /* some 6 KiB; the target is single-threaded */

static void die(const char *what)
{
	fprintf(stderr, "fuzz_stored: %s\n", what);
	abort();
}

static uint32_t get_u32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The text of one event: nframes + 2 lines, one more for a netfilter
 * verdict and one more for its nftables rule; no control characters (C0,
 * DEL, or C1 in UTF-8) but the newlines that end them. */
static void check_text(const char *s, size_t len, const struct evrecord *r)
{
	uint32_t want = (r->nframes < DROPMON_STACK_DEPTH ? r->nframes : DROPMON_STACK_DEPTH) + 2 +
			(r->nf_kind != DROPMON_NF_NONE) + (r->nf_rule.known || r->nf_rule.why);
	uint32_t lines = 0;

	if (!len || s[len - 1] != '\n')
		die("the text does not end in a newline");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			lines++;
		else if (c < 0x20 || c == 0x7f)
			die("a control character in the text");
		else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
			 (unsigned char)s[i + 1] <= 0x9f)
			die("a C1 control character in the text");
	}
	if (lines != want)
		die("the text has the wrong number of lines");
	if (r->nf_kind != DROPMON_NF_NONE && !memmem(s, len, "\n  netfilter: ", 14))
		die("the text has no netfilter line");
	if (r->nf_rule.known && !memmem(s, len, "\n  netfilter rule: ", 19))
		die("the text has no netfilter rule line");
}

/* The capture, walked block by block (pcapng, native byte order): one
 * Section Header Block, then IDBs and EPBs that tile the rest exactly,
 * each EPB on a known interface and as evpcap_add() was asked to write it. */
static void check_pcapng(const char *p, size_t len, const struct expect *want, size_t npackets)
{
	size_t off = 0, nifaces = 0, n = 0;

	while (off < len) {
		uint32_t type, blen;

		if (len - off < 12)
			die("pcapng: a block cut short");
		type = get_u32(p + off);
		blen = get_u32(p + off + 4);
		if (blen < 12 || blen % 4 || blen > len - off)
			die("pcapng: bad block length");
		if (get_u32(p + off + blen - 4) != blen)
			die("pcapng: trailing block length differs");
		if ((off == 0) != (type == BT_SHB))
			die("pcapng: the section header is not the first block alone");
		if (type == BT_IDB) {
			nifaces++;
		} else if (type == BT_EPB) {
			uint32_t caplen, origlen;

			if (blen < 32)
				die("pcapng: EPB too short");
			if (get_u32(p + off + 8) >= nifaces)
				die("pcapng: EPB on an unknown interface");
			caplen = get_u32(p + off + 20);
			origlen = get_u32(p + off + 24);
			if (caplen > blen - 32)
				die("pcapng: EPB data beyond the block");
			if (n >= npackets || caplen != want[n].caplen || origlen != want[n].origlen)
				die("pcapng: EPB not what was written");
			n++;
		} else if (type != BT_SHB) {
			die("pcapng: unknown block type");
		}
		off += blen;
	}
	if (n != npackets)
		die("pcapng: packets missing");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct strbuf text = STRBUF_INIT, pcap = STRBUF_INIT, scratch = STRBUF_INIT;
	struct evtext_opts plain = { 0 }, utc = { .utc = true };
	struct pcapng_writer *w = NULL;
	struct expect *want = NULL;
	size_t npackets = 0, cap = 0;

	if (pcapng_new(&pcap, "dropmon fuzz", &w))
		die("pcapng_new failed");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *why;
		size_t len = (size_t)((nl ? nl : end) - p);
		const char *line = p;
		int err;

		p = nl ? nl + 1 : end;
		/* As replay.c's reader_next(): CRs before the newline go. */
		while (len && line[len - 1] == '\r')
			len--;
		if (!len)
			continue;
		err = evjson_parse(line, len, &rec, &why);
		if (err == -ENOMEM)
			die("out of memory");
		if (err)
			continue;
		/* Both clocks; the second names the first event's netns as
		 * the initial one, so that "netns" is left out for it. */
		utc.init_netns = utc.init_netns ? utc.init_netns : rec.netns;
		if (evtext_format(&text, &rec, &plain))
			die("evtext_format failed");
		check_text(text.buf, text.len, &rec);
		strbuf_reset(&text);
		if (evtext_format(&text, &rec, &utc))
			die("evtext_format failed");
		check_text(text.buf, text.len, &rec);
		strbuf_reset(&text);

		err = evpcap_add(w, &rec, &scratch);
		if (err == -ENODATA) {
			if (rec.caplen)
				die("-ENODATA for an event with packet bytes");
			continue;
		}
		if (err)
			die("evpcap_add failed");
		if (npackets == cap) {
			struct expect *tmp;

			cap = cap ? 2 * cap : 16;
			tmp = realloc(want, cap * sizeof(*want));
			if (!tmp)
				die("out of memory");
			want = tmp;
		}
		want[npackets].caplen = rec.caplen;
		want[npackets].origlen = rec.frame_len > rec.caplen ? rec.frame_len : rec.caplen;
		npackets++;
	}
	if (pcap.err)
		die("pcapng output failed");
	check_pcapng(pcap.buf, pcap.len, want, npackets);
	pcapng_free(w);
	free(want);
	strbuf_free(&text);
	strbuf_free(&pcap);
	strbuf_free(&scratch);
	return 0;
}
