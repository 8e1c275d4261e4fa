// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for pcapng: block framing checked by hand, captures read back
 * with libpcap and, when installed, tshark; ids, bounds and errors; and
 * evpcap's packet comment. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "evpcap.h"
#include "pcapng.h"
#include "strbuf.h"

#define NETNS_INIT 4026531840u
#define NETNS_A 4026532000u
#define BIG_CAPLEN 262144u /* the largest packet the writer accepts */
#define BIG_COMMENT 65535u /* the largest comment an option holds */
#define UTF8_COMMENT "ip_rcv: IP_INHDR — naïve café ✓ 丢包"

struct fixture {
	struct strbuf sb;
	struct pcapng_writer *w;
	char path[64]; /* the saved capture, "" until saved */
};

struct pkt {
	int slot; /* index into the test's interface ids */
	uint64_t ts_ns;
	uint32_t caplen;
	uint32_t origlen;
	const char *comment;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strbuf_init(&fx->sb);
	if (pcapng_new(&fx->sb, "dropmon test", &fx->w)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->path[0])
		unlink(fx->path);
	pcapng_free(fx->w);
	strbuf_free(&fx->sb);
	free(fx);
	return 0;
}

static uint32_t rd32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t rd16(const char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void assert_zeros(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], 0);
}

/* The length of a block's fixed part, between its header and its options. */
static size_t fixed_len(const char *b)
{
	switch (rd32(b)) {
	case 0x0A0D0D0A:
		return 16;
	case 0x00000001:
		return 8;
	case 0x00000006:
		assert_zeros(b + 28 + rd32(b + 20), pad4(rd32(b + 20)) - rd32(b + 20));
		return 20 + pad4(rd32(b + 20));
	}
	fail_msg("unexpected block type %#x", rd32(b));
	return 0;
}

/* Checks the framing of every block in sb and of its options (lengths at
 * both ends, zero padding, opt_endofopt last); returns the number of blocks. */
static size_t check_blocks(const struct strbuf *sb)
{
	size_t off = 0, n = 0;

	assert_true(sb->len >= 28);
	assert_int_equal(rd32(sb->buf), 0x0A0D0D0A);
	assert_int_equal(rd32(sb->buf + 8), 0x1A2B3C4D);
	while (off < sb->len) {
		const char *b = sb->buf + off, *o, *end;
		uint32_t total;

		assert_true(sb->len - off >= 12);
		total = rd32(b + 4);
		assert_true(total >= 12 && total % 4 == 0 && total <= sb->len - off);
		assert_int_equal(rd32(b + total - 4), total);
		o = b + 8 + fixed_len(b);
		end = b + total - 4;
		assert_true(o <= end);
		while (o < end) {
			uint16_t code = rd16(o), len = rd16(o + 2);

			assert_true((size_t)(end - o) >= 4 + pad4(len));
			assert_zeros(o + 4 + len, pad4(len) - len);
			o += 4 + pad4(len);
			if (code == 0) {
				assert_int_equal(len, 0);
				assert_ptr_equal(o, end);
			} else {
				assert_true(o < end); /* opt_endofopt must follow */
			}
		}
		off += total;
		n++;
	}
	return n;
}

/* The n-th block of sb (framing already checked). */
static const char *block_at(const struct strbuf *sb, size_t n)
{
	const char *b = sb->buf;

	while (n--)
		b += rd32(b + 4);
	return b;
}

/* The value of option code in block b, or NULL; *len receives its length. */
static const char *block_opt(const char *b, uint16_t code, uint16_t *len)
{
	const char *o = b + 8 + fixed_len(b), *end = b + rd32(b + 4) - 4;

	while (o < end && rd16(o) != 0) {
		if (rd16(o) == code) {
			*len = rd16(o + 2);
			return o + 4;
		}
		o += 4 + pad4(rd16(o + 2));
	}
	return NULL;
}

#define assert_opt(b, code, want)                                                                  \
	do {                                                                                       \
		uint16_t len_ = 0;                                                                 \
		const char *val_ = block_opt(b, code, &len_);                                      \
		assert_non_null(val_);                                                             \
		assert_int_equal(len_, sizeof(want) - 1);                                          \
		assert_memory_equal(val_, want, sizeof(want) - 1);                                 \
	} while (0)

/* Deterministic packet bytes, different for each seed. */
static void fill(unsigned char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed * 37 + i * 7 + (i >> 8));
}

static void write_pkts(struct fixture *fx, const int *ids, const struct pkt *pkts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char *buf = malloc(pkts[i].caplen ? pkts[i].caplen : 1);

		assert_non_null(buf);
		fill(buf, pkts[i].caplen, (unsigned int)i);
		assert_int_equal(pcapng_packet(fx->w, ids[pkts[i].slot], pkts[i].ts_ns, buf,
					       pkts[i].caplen, pkts[i].origlen, pkts[i].comment),
				 0);
		free(buf);
	}
}

static void save(struct fixture *fx)
{
	int fd;

	snprintf(fx->path, sizeof(fx->path), "/tmp/test_pcapng.XXXXXX");
	fd = mkstemp(fx->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, fx->sb.buf, fx->sb.len), fx->sb.len);
	assert_int_equal(close(fd), 0);
}

/* Reads pkts back in order through p, nanosecond timestamps or not. */
static void expect_pkts(pcap_t *p, const struct pkt *pkts, size_t n, bool nano)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t caplen = pkts[i].caplen;
		uint32_t origlen = pkts[i].origlen < caplen ? caplen : pkts[i].origlen;
		struct pcap_pkthdr *h;
		const u_char *data;
		unsigned char *want = malloc(caplen ? caplen : 1);

		assert_non_null(want);
		fill(want, caplen, (unsigned int)i);
		assert_int_equal(pcap_next_ex(p, &h, &data), 1);
		assert_int_equal(h->caplen, caplen);
		assert_int_equal(h->len, origlen);
		assert_int_equal(h->ts.tv_sec, pkts[i].ts_ns / 1000000000);
		if (nano)
			assert_int_equal(h->ts.tv_usec, pkts[i].ts_ns % 1000000000);
		else
			assert_int_equal(h->ts.tv_usec, pkts[i].ts_ns % 1000000000 / 1000);
		assert_memory_equal(data, want, caplen);
		free(want);
	}
}

static void test_layout(void **state)
{
	struct fixture *fx = *state;
	struct strbuf sb = STRBUF_INIT;
	struct pcapng_writer *w;
	const char *b;
	int id;

	id = pcapng_interface(fx->w, NETNS_A, 5, PCAPNG_LINKTYPE_ETHERNET, "veth0");
	assert_int_equal(id, 0);
	assert_int_equal(pcapng_packet(fx->w, id, 1, "abcde", 5, 5, "why"), 0);
	assert_int_equal(pcapng_packet(fx->w, id, 2, "abcd", 4, 4, NULL), 0);
	assert_int_equal(pcapng_packet(fx->w, id, 3, NULL, 0, 0, ""), 0);
	assert_int_equal(check_blocks(&fx->sb), 5);

	b = block_at(&fx->sb, 0);
	assert_int_equal(rd16(b + 12), 1); /* version 1.0 */
	assert_int_equal(rd16(b + 14), 0);
	assert_memory_equal(b + 16, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	assert_opt(b, 4, "dropmon test");

	b = block_at(&fx->sb, 1);
	assert_int_equal(rd32(b), 1);
	assert_int_equal(rd16(b + 8), PCAPNG_LINKTYPE_ETHERNET);
	assert_int_equal(rd32(b + 12), 0); /* snaplen */
	assert_opt(b, 2, "veth0");
	assert_opt(b, 3, "netns 4026532000");
	assert_opt(b, 9, "\x09");

	b = block_at(&fx->sb, 2);
	assert_int_equal(rd32(b + 4), 32 + 8 + 8 + 4); /* data, "why" padded, end of options */
	assert_int_equal(rd32(b + 8), 0);
	assert_int_equal(rd32(b + 12), 0); /* timestamp high, low */
	assert_int_equal(rd32(b + 16), 1);
	assert_memory_equal(b + 28, "abcde", 5);
	assert_opt(b, 1, "why");
	/* No comment: no options at all, not even opt_endofopt. */
	assert_int_equal(rd32(block_at(&fx->sb, 3) + 4), 32 + 4);
	assert_int_equal(rd32(block_at(&fx->sb, 4) + 4), 32);

	/* Without an application name the SHB has no options. */
	assert_int_equal(pcapng_new(&sb, NULL, &w), 0);
	assert_int_equal(sb.len, 28);
	assert_int_equal(check_blocks(&sb), 1);
	pcapng_free(w);
	strbuf_free(&sb);
	pcapng_free(NULL);
}

static void test_libpcap_roundtrip(void **state)
{
	static const struct pkt pkts[] = {
		{ 0, 1700000000123456789ull, 60, 60, "SKB_DROP_REASON_NETFILTER_DROP" },
		{ 1, 1700000000223456789ull, 61, 61, NULL },
		{ 0, 1700000001000000001ull, 62, 62, UTF8_COMMENT },
		{ 1, 1700000001999999999ull, 63, 1500, "" },
		{ 0, 1700000002000000000ull, 1, 0, "origlen raised to caplen" },
		{ 1, 4294967295ull, 14, 14, NULL }, /* timestamp high word 0 */
		{ 0, 4294967296ull, 15, 15, "x" },  /* and 1 */
		{ 1, 1700000003000000000ull, BIG_CAPLEN, BIG_CAPLEN, NULL },
	};
	const size_t n = sizeof(pkts) / sizeof(pkts[0]);
	struct fixture *fx = *state;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	int ids[2];
	pcap_t *p;

	ids[0] = pcapng_interface(fx->w, NETNS_A, 5, PCAPNG_LINKTYPE_ETHERNET, "veth0");
	ids[1] = pcapng_interface(fx->w, NETNS_INIT, 2, PCAPNG_LINKTYPE_ETHERNET, "eth0");
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	write_pkts(fx, ids, pkts, n);
	assert_int_equal(check_blocks(&fx->sb), 3 + n);
	save(fx);

	p = pcap_open_offline_with_tstamp_precision(fx->path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	expect_pkts(p, pkts, n, true);
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);

	/* Plain pcap_open_offline() scales the timestamps to microseconds. */
	p = pcap_open_offline(fx->path, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	expect_pkts(p, pkts, n, false);
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}

/* Ethernet and raw IP interfaces in one capture, for libpcap and tshark.
 * Each interface is added when its first packet comes, as dropmon does. */
static const struct {
	uint32_t netns;
	uint32_t ifindex;
	uint16_t linktype;
	const char *name;
	const char *want_name;
	const char *want_desc;
} mixed_ifaces[] = {
	{ NETNS_A, 5, PCAPNG_LINKTYPE_ETHERNET, "veth0", "veth0", "netns 4026532000" },
	{ NETNS_INIT, 1, PCAPNG_LINKTYPE_RAW, "lo", "lo", "netns 4026531840" },
	{ NETNS_INIT, 7, PCAPNG_LINKTYPE_ETHERNET, NULL, "if7", "netns 4026531840" },
	{ NETNS_A, 8, PCAPNG_LINKTYPE_RAW, "", "if8", "netns 4026532000" },
};

#define MIXED_BIG 4 /* this packet's comment: BIG_COMMENT x's */
static const struct pkt mixed_pkts[] = {
	{ 0, 1700000000123456789ull, 60, 60, "SKB_DROP_REASON_NETFILTER_DROP" },
	{ 1, 1700000000500000000ull, 41, 41, UTF8_COMMENT },
	{ 2, 1700000001000000001ull, 61, 61, NULL },
	{ 3, 1700000001999999999ull, 20, 1500, "truncated" },
	{ 0, 1700000002000000000ull, BIG_CAPLEN, BIG_CAPLEN, NULL },
};

#define N_MIXED (sizeof(mixed_pkts) / sizeof(mixed_pkts[0]))

/* Returns the big comment, for the caller to free. */
static char *write_mixed(struct fixture *fx)
{
	char *big_comment = malloc(BIG_COMMENT + 1);

	assert_non_null(big_comment);
	memset(big_comment, 'x', BIG_COMMENT);
	big_comment[BIG_COMMENT] = '\0';
	for (size_t i = 0; i < N_MIXED; i++) {
		const struct pkt *pk = &mixed_pkts[i];
		unsigned char *buf = malloc(pk->caplen);
		int id;

		assert_non_null(buf);
		id = pcapng_interface(fx->w, mixed_ifaces[pk->slot].netns,
				      mixed_ifaces[pk->slot].ifindex,
				      mixed_ifaces[pk->slot].linktype, mixed_ifaces[pk->slot].name);
		assert_int_equal(id, pk->slot);
		fill(buf, pk->caplen, (unsigned int)i);
		assert_int_equal(pcapng_packet(fx->w, id, pk->ts_ns, buf, pk->caplen, pk->origlen,
					       i == MIXED_BIG ? big_comment : pk->comment),
				 0);
		free(buf);
	}
	assert_int_equal(check_blocks(&fx->sb), 1 + 4 + N_MIXED);
	save(fx);
	return big_comment;
}

/* libpcap 1.10 reads one link type per file: the packets before the IDB of
 * a second link type come back, then pcap_next_ex() fails with "an interface
 * has a type 101 different from the type of the first interface". A libpcap
 * that learns mixed link types may return the packet instead. */
static void test_libpcap_mixed_linktypes(void **state)
{
	struct fixture *fx = *state;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int r;

	free(write_mixed(fx));
	p = pcap_open_offline_with_tstamp_precision(fx->path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	expect_pkts(p, mixed_pkts, 1, true);
	r = pcap_next_ex(p, &h, &data);
	if (r == PCAP_ERROR)
		assert_non_null(strstr(pcap_geterr(p), "different from the type of the first"));
	else
		assert_int_equal(r, 1);
	pcap_close(p);
}

static bool have_tshark(void)
{
	return system("command -v tshark >/dev/null 2>&1") == 0;
}

static void test_tshark(void **state)
{
	struct strbuf want = STRBUF_INIT, got = STRBUF_INIT;
	struct fixture *fx = *state;
	char cmd[256], chunk[4096], *big_comment;
	size_t len;
	FILE *f;

	if (!have_tshark())
		skip();
	big_comment = write_mixed(fx);
	for (size_t i = 0; i < N_MIXED; i++) {
		const struct pkt *pk = &mixed_pkts[i];
		uint32_t origlen = pk->origlen < pk->caplen ? pk->caplen : pk->origlen;
		const char *comment = i == MIXED_BIG ? big_comment : pk->comment;

		strbuf_printf(&want, "%s\t%s\t%u\t%u\t%llu.%09llu\t%s\n",
			      mixed_ifaces[pk->slot].want_name, mixed_ifaces[pk->slot].want_desc,
			      origlen, pk->caplen, (unsigned long long)(pk->ts_ns / 1000000000),
			      (unsigned long long)(pk->ts_ns % 1000000000), comment ? comment : "");
	}
	free(big_comment);

	/* mkstemp() names hold only [A-Za-z0-9/._]: no quoting issue. tshark
	 * warns on stderr when run as root; only stdout matters. */
	snprintf(cmd, sizeof(cmd),
		 "tshark -n -r '%s' -T fields -E separator=/t -e frame.interface_name "
		 "-e frame.interface_description -e frame.len -e frame.cap_len "
		 "-e frame.time_epoch -e frame.comment 2>/dev/null",
		 fx->path);
	f = popen(cmd, "r");
	assert_non_null(f);
	while ((len = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_append(&got, chunk, len);
	assert_int_equal(pclose(f), 0);
	assert_int_equal(want.err, 0);
	assert_int_equal(got.err, 0);
	assert_non_null(got.buf);
	assert_string_equal(got.buf, want.buf);
	strbuf_free(&want);
	strbuf_free(&got);
}

/* evpcap's comment: the reason, function, netns and task, and the netfilter
 * verdict in the words of the text format; names as printable. */
static void test_evpcap_comment(void **state)
{
	struct fixture *fx = *state;
	struct strbuf scratch = STRBUF_INIT;
	struct evrecord *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->time_ns = 7;
	r->netns = NETNS_A;
	r->ifindex = 5;
	snprintf(r->dev, sizeof(r->dev), "veth0");
	snprintf(r->comm, sizeof(r->comm), "nc");
	r->tgid = 14839;
	snprintf(r->reason, sizeof(r->reason), "NETFILTER_DROP");
	snprintf(r->function, sizeof(r->function), "nf_hook_slow");
	r->caplen = 4;
	r->frame_len = 4;
	r->nf_kind = DROPMON_NF_NFTABLES;
	snprintf(r->nf_family, sizeof(r->nf_family), "inet");
	snprintf(r->nf_table, sizeof(r->nf_table), "filter");
	snprintf(r->nf_chain, sizeof(r->nf_chain), "input");
	snprintf(r->nf_hook, sizeof(r->nf_hook), "input");
	assert_int_equal(evpcap_add(fx->w, r, &scratch), 0);
	r->nf_kind = DROPMON_NF_IPTABLES;
	snprintf(r->nf_family, sizeof(r->nf_family), "ip");
	snprintf(r->nf_table, sizeof(r->nf_table), "f\x1bx");
	snprintf(r->nf_chain, sizeof(r->nf_chain), "INPUT");
	assert_int_equal(evpcap_add(fx->w, r, &scratch), 0);
	r->nf_kind = DROPMON_NF_NONE;
	assert_int_equal(evpcap_add(fx->w, r, &scratch), 0);
	assert_int_equal(check_blocks(&fx->sb), 5);
	assert_opt(block_at(&fx->sb, 2), 1,
		   "drop reason NETFILTER_DROP; function nf_hook_slow; netns 4026532000; "
		   "task nc 14839; netfilter nftables table inet filter chain input hook input");
	assert_opt(block_at(&fx->sb, 3), 1,
		   "drop reason NETFILTER_DROP; function nf_hook_slow; netns 4026532000; "
		   "task nc 14839; netfilter iptables-legacy table ip f?x chain INPUT hook input");
	assert_opt(block_at(&fx->sb, 4), 1,
		   "drop reason NETFILTER_DROP; function nf_hook_slow; netns 4026532000; "
		   "task nc 14839");
	strbuf_free(&scratch);
	free(r);
}

#define COMMENT_HEAD                                                                               \
	"drop reason NETFILTER_DROP; function nf_hook_slow; netns 4026532000; task nc 14839"
#define COMMENT_VERDICT "; netfilter nftables table inet dm_filter chain input hook input"

/* The nftables rule after the verdict, as the text's line has it; after
 * the task when there is no verdict. */
static void test_evpcap_comment_rule(void **state)
{
	struct fixture *fx = *state;
	struct strbuf scratch = STRBUF_INIT;
	struct evrecord *r = calloc(1, sizeof(*r));
	struct evrecord_nfrule *nr;

	assert_non_null(r);
	nr = &r->nf_rule;
	r->time_ns = 7;
	r->netns = NETNS_A;
	r->ifindex = 5;
	snprintf(r->dev, sizeof(r->dev), "veth0");
	snprintf(r->comm, sizeof(r->comm), "nc");
	r->tgid = 14839;
	snprintf(r->reason, sizeof(r->reason), "NETFILTER_DROP");
	snprintf(r->function, sizeof(r->function), "nf_hook_slow");
	r->caplen = 4;
	r->frame_len = 4;
	r->nf_kind = DROPMON_NF_NFTABLES;
	snprintf(r->nf_family, sizeof(r->nf_family), "inet");
	snprintf(r->nf_table, sizeof(r->nf_table), "dm_filter");
	snprintf(r->nf_chain, sizeof(r->nf_chain), "input");
	snprintf(r->nf_hook, sizeof(r->nf_hook), "input");
	nr->known = true;
	snprintf(nr->family, sizeof(nr->family), "inet");
	snprintf(nr->table, sizeof(nr->table), "dm_filter");
	snprintf(nr->chain, sizeof(nr->chain), "deny");
	nr->handle = 4;
	snprintf(nr->text, sizeof(nr->text), "udp dport 5000 drop # handle 4");
	assert_int_equal(evpcap_add(fx->w, r, &scratch), 0);
	nr->policy = true;
	assert_int_equal(evpcap_add(fx->w, r, &scratch), 0);
	nr->known = false;
	nr->why = "no \x1btrace";
	r->nf_kind = DROPMON_NF_NONE;
	assert_int_equal(evpcap_add(fx->w, r, &scratch), 0);
	nr->why = NULL;
	assert_int_equal(evpcap_add(fx->w, r, &scratch), 0);
	assert_int_equal(check_blocks(&fx->sb), 6);
	assert_opt(block_at(&fx->sb, 2), 1,
		   COMMENT_HEAD COMMENT_VERDICT
		   "; netfilter rule inet dm_filter chain deny handle 4: "
		   "udp dport 5000 drop # handle 4");
	assert_opt(block_at(&fx->sb, 3), 1,
		   COMMENT_HEAD COMMENT_VERDICT
		   "; netfilter rule inet dm_filter chain deny policy drop");
	assert_opt(block_at(&fx->sb, 4), 1, COMMENT_HEAD "; netfilter rule unknown (no ?trace)");
	assert_opt(block_at(&fx->sb, 5), 1, COMMENT_HEAD);
	strbuf_free(&scratch);
	free(r);
}

static void test_interface_ids(void **state)
{
	struct fixture *fx = *state;
	size_t len;

	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 5, PCAPNG_LINKTYPE_ETHERNET, "veth0"), 0);
	len = fx->sb.len;
	/* The same triple: the same id, no second IDB, the new name ignored. */
	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 5, PCAPNG_LINKTYPE_ETHERNET, "veth0"), 0);
	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 5, PCAPNG_LINKTYPE_ETHERNET, "x"), 0);
	assert_int_equal(fx->sb.len, len);
	/* The same ifindex in another netns, or with another link type. */
	assert_int_equal(pcapng_interface(fx->w, NETNS_INIT, 5, PCAPNG_LINKTYPE_ETHERNET, "veth0"),
			 1);
	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 5, PCAPNG_LINKTYPE_RAW, "veth0"), 2);
	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 6, PCAPNG_LINKTYPE_ETHERNET, NULL), 3);
	assert_int_equal(pcapng_interface(fx->w, NETNS_INIT, 5, PCAPNG_LINKTYPE_ETHERNET, NULL), 1);
	/* More than the first allocation holds. */
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(pcapng_interface(fx->w, i, 1, PCAPNG_LINKTYPE_RAW, "lo"), 4 + i);
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(pcapng_interface(fx->w, i, 1, PCAPNG_LINKTYPE_RAW, "lo"), 4 + i);
	assert_int_equal(check_blocks(&fx->sb), 1 + 104);
	assert_opt(block_at(&fx->sb, 4), 2, "if6");
	assert_opt(block_at(&fx->sb, 104), 2, "lo");
	assert_opt(block_at(&fx->sb, 104), 3, "netns 99");
	assert_int_equal(pcapng_packet(fx->w, 103, 0, "a", 1, 1, NULL), 0);
}

static void test_invalid(void **state)
{
	struct fixture *fx = *state;
	struct strbuf sb = STRBUF_INIT;
	char *big = calloc(1, BIG_CAPLEN + 2);
	char *before;
	size_t len;
	int id;

	assert_non_null(big);
	id = pcapng_interface(fx->w, NETNS_A, 5, PCAPNG_LINKTYPE_ETHERNET, "veth0");
	assert_int_equal(pcapng_packet(fx->w, id, 1, "abc", 3, 3, "ok"), 0);
	len = fx->sb.len;
	before = malloc(len);
	assert_non_null(before);
	memcpy(before, fx->sb.buf, len);

	assert_int_equal(pcapng_packet(fx->w, 1, 1, "abc", 3, 3, NULL), -EINVAL);
	assert_int_equal(pcapng_packet(fx->w, -1, 1, "abc", 3, 3, NULL), -EINVAL);
	assert_int_equal(pcapng_packet(fx->w, INT_MAX, 1, "abc", 3, 3, "c"), -EINVAL);
	/* Checked before data is read: the pointer may be short. */
	assert_int_equal(pcapng_packet(fx->w, id, 1, "abc", UINT32_MAX, UINT32_MAX, NULL), -EINVAL);
	assert_int_equal(pcapng_packet(fx->w, id, 1, big, BIG_CAPLEN + 1, 0, NULL), -EINVAL);
	memset(big, 'c', BIG_COMMENT + 1); /* big stays NUL-terminated */
	assert_int_equal(pcapng_packet(fx->w, id, 1, "abc", 3, 3, big), -EINVAL);
	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 9, PCAPNG_LINKTYPE_ETHERNET, big),
			 -EINVAL);
	assert_int_equal(fx->sb.len, len);
	assert_memory_equal(fx->sb.buf, before, len);
	assert_int_equal(fx->sb.err, 0);

	/* One byte less fits; the rejected name left no interface behind. */
	big[BIG_COMMENT] = '\0';
	assert_int_equal(pcapng_packet(fx->w, id, 1, "abc", 3, 3, big), 0);
	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 9, PCAPNG_LINKTYPE_ETHERNET, big), 1);
	assert_int_equal(check_blocks(&fx->sb), 5);

	memset(big, 'a', BIG_COMMENT + 1);
	{
		struct pcapng_writer *w = NULL;

		assert_int_equal(pcapng_new(&sb, big, &w), -EINVAL);
		assert_null(w);
	}
	assert_int_equal(sb.len, 0);
	free(before);
	free(big);
}

static void test_sticky_error(void **state)
{
	struct fixture *fx = *state;
	size_t len;

	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 5, PCAPNG_LINKTYPE_ETHERNET, "veth0"), 0);
	len = fx->sb.len;
	assert_int_equal(strbuf_reserve(&fx->sb, SIZE_MAX - 2), -ENOMEM);

	assert_int_equal(pcapng_packet(fx->w, 0, 1, "abc", 3, 3, "c"), -ENOMEM);
	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 6, PCAPNG_LINKTYPE_ETHERNET, "b"),
			 -ENOMEM);
	/* A known interface needs no write. */
	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 5, PCAPNG_LINKTYPE_ETHERNET, "veth0"), 0);
	assert_int_equal(fx->sb.len, len);
	{
		struct pcapng_writer *again = NULL;

		assert_int_equal(pcapng_new(&fx->sb, "again", &again), -ENOMEM);
		assert_null(again);
	}
	assert_int_equal(fx->sb.len, len);

	/* As if the allocation had succeeded: the failed interface left no
	 * entry, so the next one gets id 1 and the capture stays well formed. */
	fx->sb.err = 0;
	assert_int_equal(pcapng_interface(fx->w, NETNS_A, 6, PCAPNG_LINKTYPE_ETHERNET, "b"), 1);
	assert_int_equal(pcapng_packet(fx->w, 1, 1, "abc", 3, 3, "c"), 0);
	assert_int_equal(check_blocks(&fx->sb), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_libpcap_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_libpcap_mixed_linktypes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tshark, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evpcap_comment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evpcap_comment_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interface_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sticky_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
