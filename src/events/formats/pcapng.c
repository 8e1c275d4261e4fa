// SPDX-License-Identifier: GPL-2.0-only
/* pcapng writer: Section Header, Interface Description and Enhanced Packet
 * Blocks, each appended to a strbuf whole or not at all. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "pcapng.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_TSRESOL 9
#define TSRESOL_NSEC 9 /* 10^-9 s */

#define BLOCK_OVERHEAD 12 /* type and length before the body, length again after it */
#define SHB_BODY 16	  /* magic, major, minor, section length */
#define IDB_BODY 8	  /* link type, reserved, snaplen */
#define EPB_BODY 20	  /* interface, timestamp high and low, captured and original length */

#define OPT_MAX_LEN 0xffffu /* an option's length field has 16 bits */
/* libpcap (1.10) and Wireshark (4.0) stop reading a file at a packet longer
 * than their largest snaplen, 256 KiB, so such a packet is refused here. The
 * bounds also keep every block size far from overflow, even in 32 bits. */
#define CAPLEN_MAX 262144u

struct iface {
	uint32_t netns;
	uint32_t ifindex;
	uint16_t linktype;
};

struct pcapng_writer {
	struct strbuf *out;
	struct iface *ifaces; /* indexed by interface id: the order of the IDBs */
	size_t count;
	size_t cap;
};

static const char zeros[3];

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* An option's size in the file: code, length, value padded to 32 bits. */
static size_t opt_size(size_t len)
{
	return 4 + pad4(len);
}

/* The put helpers ignore errors: block_begin() reserved room for the whole
 * block, so none of them can fail. */
static void put_u16(struct strbuf *sb, uint16_t v)
{
	strbuf_append(sb, &v, sizeof(v));
}

static void put_u32(struct strbuf *sb, uint32_t v)
{
	strbuf_append(sb, &v, sizeof(v));
}

static void put_u64(struct strbuf *sb, uint64_t v)
{
	strbuf_append(sb, &v, sizeof(v));
}

static void put_padded(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_append(sb, data, len);
	strbuf_append(sb, zeros, pad4(len) - len);
}

static void put_opt(struct strbuf *sb, uint16_t code, const void *val, size_t len)
{
	put_u16(sb, code);
	put_u16(sb, (uint16_t)len);
	put_padded(sb, val, len);
}

/* Starts a block of size bytes, header and trailer included. Reserving all
 * of it first means a block is appended whole or, on error, not at all: out
 * keeps its length and contents, and only its sticky error may be set. */
static int block_begin(struct strbuf *sb, uint32_t type, size_t size)
{
	int err = strbuf_reserve(sb, size);

	if (err)
		return err;
	put_u32(sb, type);
	put_u32(sb, (uint32_t)size);
	return 0;
}

static void block_end(struct strbuf *sb, size_t size)
{
	put_u32(sb, (uint32_t)size);
}

int pcapng_new(struct strbuf *out, const char *appl, struct pcapng_writer **wp)
{
	size_t alen = appl ? strnlen(appl, OPT_MAX_LEN + 1) : 0;
	struct pcapng_writer *w = NULL;
	size_t size;
	int err;

	if (alen > OPT_MAX_LEN) {
		err = -EINVAL;
		goto fail;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		err = -ENOMEM;
		goto fail;
	}
	w->out = out;
	size = BLOCK_OVERHEAD + SHB_BODY + (alen ? opt_size(alen) + opt_size(0) : 0);
	err = block_begin(out, BT_SHB, size);
	if (err)
		goto fail;
	put_u32(out, BYTE_ORDER_MAGIC);
	put_u16(out, 1); /* version 1.0 */
	put_u16(out, 0);
	put_u64(out, UINT64_MAX); /* section length -1: unknown, we stream */
	if (alen) {
		put_opt(out, SHB_USERAPPL, appl, alen);
		put_opt(out, OPT_ENDOFOPT, NULL, 0);
	}
	block_end(out, size);
	*wp = w;
	return 0;
fail:
	free(w);
	return err;
}

static int find_iface(const struct pcapng_writer *w, uint32_t netns, uint32_t ifindex,
		      uint16_t linktype)
{
	/* A linear scan: drops come from a few devices, so a hash table would
	 * not pay for its code. */
	for (size_t i = 0; i < w->count; i++) {
		const struct iface *f = &w->ifaces[i];

		if (f->netns == netns && f->ifindex == ifindex && f->linktype == linktype)
			return (int)i;
	}
	return -1;
}

/* Makes room for one more interface before its IDB is written, so an IDB in
 * out always has its entry. */
static int reserve_iface(struct pcapng_writer *w)
{
	if (w->count < w->cap)
		return 0;
	if (w->count >= INT_MAX) /* ids are ints */
		return -ENOSPC;
	return ARRAY_RESERVE(w->ifaces, w->cap, w->count, 8);
}

int pcapng_interface(struct pcapng_writer *w, uint32_t netns, uint32_t ifindex, uint16_t linktype,
		     const char *name)
{
	char defname[16], desc[24]; /* "if" and "netns " with up to 10 digits */
	const uint8_t tsresol = TSRESOL_NSEC;
	struct strbuf *out = w->out;
	size_t nlen, dlen, size;
	int id, err;

	id = find_iface(w, netns, ifindex, linktype);
	if (id >= 0)
		return id;
	if (!name || !*name) {
		snprintf(defname, sizeof(defname), "if%u", ifindex);
		name = defname;
	}
	/* strlen, not strnlen with the option's bound: names usually sit in
	 * 16-byte arrays (struct evrecord), and a bound past the array is a
	 * read the compiler cannot prove stays inside it. */
	nlen = strlen(name);
	if (nlen > OPT_MAX_LEN)
		return -EINVAL;
	dlen = (size_t)snprintf(desc, sizeof(desc), "netns %u", netns);
	err = reserve_iface(w);
	if (err)
		return err;

	size =
	    BLOCK_OVERHEAD + IDB_BODY + opt_size(nlen) + opt_size(dlen) + opt_size(1) + opt_size(0);
	err = block_begin(out, BT_IDB, size);
	if (err)
		return err;
	put_u16(out, linktype);
	put_u16(out, 0);
	put_u32(out, 0); /* snaplen: no limit */
	put_opt(out, IF_NAME, name, nlen);
	put_opt(out, IF_DESCRIPTION, desc, dlen);
	put_opt(out, IF_TSRESOL, &tsresol, 1);
	put_opt(out, OPT_ENDOFOPT, NULL, 0);
	block_end(out, size);

	w->ifaces[w->count].netns = netns;
	w->ifaces[w->count].ifindex = ifindex;
	w->ifaces[w->count].linktype = linktype;
	return (int)w->count++;
}

int pcapng_packet(struct pcapng_writer *w, int iface, uint64_t ts_ns, const void *data,
		  uint32_t caplen, uint32_t origlen, const char *comment)
{
	struct strbuf *out = w->out;
	size_t clen, size;
	int err;

	if (iface < 0 || (size_t)iface >= w->count)
		return -EINVAL;
	clen = comment ? strnlen(comment, OPT_MAX_LEN + 1) : 0;
	if (caplen > CAPLEN_MAX || clen > OPT_MAX_LEN)
		return -EINVAL;
	if (origlen < caplen)
		origlen = caplen;

	size = BLOCK_OVERHEAD + EPB_BODY + pad4(caplen) + (clen ? opt_size(clen) + opt_size(0) : 0);
	err = block_begin(out, BT_EPB, size);
	if (err)
		return err;
	put_u32(out, (uint32_t)iface);
	/* With if_tsresol 9 the timestamp counts nanoseconds, high word first. */
	put_u32(out, (uint32_t)(ts_ns >> 32));
	put_u32(out, (uint32_t)ts_ns);
	put_u32(out, caplen);
	put_u32(out, origlen);
	put_padded(out, data, caplen);
	if (clen) {
		put_opt(out, OPT_COMMENT, comment, clen);
		put_opt(out, OPT_ENDOFOPT, NULL, 0);
	}
	block_end(out, size);
	return 0;
}

void pcapng_free(struct pcapng_writer *w)
{
	if (!w)
		return;
	free(w->ifaces);
	free(w);
}
