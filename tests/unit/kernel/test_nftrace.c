// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for nftrace.c's reading of the kernel's nftables trace: which
 * messages are drop verdicts (a rule's drop, a policy's drop; not accept,
 * jump, continue, nor our own table's), and which event takes which verdict
 * (its netns, its header bytes, the oldest first). The messages are built
 * here as the kernel builds them (nf_tables_trace.c). */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
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
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "nftrace.h"

struct msg {
	uint8_t buf[1024];
	size_t len;
};

static void put_attr(struct msg *m, uint16_t type, const void *data, size_t n)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy(m->buf + m->len + NLA_HDRLEN, data, n);
	m->len += NLA_ALIGN(NLA_HDRLEN + n);
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	v = htonl(v);
	put_attr(m, type, &v, 4);
}

/* A trace message: type, table, chain, the verdict (a rule's code with its
 * handle, or a policy's), the headers. */
struct trace {
	uint32_t type, family, id;
	const char *table, *chain;
	uint64_t handle;
	uint32_t code;
	const uint8_t *nh, *th;
	size_t nh_len, th_len;
};

static void build(struct msg *m, const struct trace *t)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct nfgenmsg *g;

	memset(m, 0, sizeof(*m));
	m->len = NLMSG_HDRLEN;
	g = (struct nfgenmsg *)(m->buf + m->len);
	g->nfgen_family = (uint8_t)t->family;
	g->version = NFNETLINK_V0;
	m->len += NLMSG_ALIGN(sizeof(*g));
	put_attr(m, NFTA_TRACE_TABLE, t->table, strlen(t->table) + 1);
	put_attr(m, NFTA_TRACE_CHAIN, t->chain, strlen(t->chain) + 1);
	put_u32(m, NFTA_TRACE_TYPE, t->type);
	put_u32(m, NFTA_TRACE_ID, t->id ? t->id : 0x1234);
	if (t->type == NFT_TRACETYPE_RULE) {
		uint64_t h = htobe64(t->handle);
		struct msg nest = { .len = 0 };

		put_attr(m, NFTA_TRACE_RULE_HANDLE, &h, 8);
		put_u32(&nest, NFTA_VERDICT_CODE, t->code);
		put_attr(m, NFTA_TRACE_VERDICT | NLA_F_NESTED, nest.buf, nest.len);
	} else if (t->type == NFT_TRACETYPE_POLICY) {
		put_u32(m, NFTA_TRACE_POLICY, t->code);
	}
	if (t->nh_len)
		put_attr(m, NFTA_TRACE_NETWORK_HEADER, t->nh, t->nh_len);
	if (t->th_len)
		put_attr(m, NFTA_TRACE_TRANSPORT_HEADER, t->th, t->th_len);
	nlh->nlmsg_len = (uint32_t)m->len;
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_TRACE;
}

/* A UDP packet from its IPv4 header on: 20 bytes of it, then 8 of UDP and
 * a payload; id and port tell them apart. */
static void packet(uint8_t p[64], uint16_t id, uint16_t port)
{
	memset(p, 0, 64);
	p[0] = 0x45;
	p[4] = (uint8_t)(id >> 8);
	p[5] = (uint8_t)id;
	p[9] = 17;
	p[22] = (uint8_t)(port >> 8);
	p[23] = (uint8_t)port;
	memset(p + 28, 0xab, 36);
}

static struct nftrace *open_trace(void)
{
	char path[] = "/tmp/test_nftrace.XXXXXX";
	struct nftrace *t;
	int holder, fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(nftrace_open(path, &t, &holder), 0);
	unlink(path);
	return t;
}

static int feed(struct nftrace *t, uint32_t netns, const struct trace *tr)
{
	struct msg m;

	build(&m, tr);
	return nftrace_handle_msg(t, netns, m.buf, m.len);
}

static void test_which_are_drops(void **state)
{
	struct nftrace *t = open_trace();
	struct nftrace_verdict v;
	struct nftrace_stats st;
	uint8_t p[64];
	struct trace tr = { .type = NFT_TRACETYPE_RULE,
			    .family = NFPROTO_INET,
			    .table = "dm_filter",
			    .chain = "deny",
			    .handle = 4,
			    .code = NF_ACCEPT,
			    .nh = p,
			    .nh_len = 20,
			    .th = p + 20,
			    .th_len = 20 };

	(void)state;
	packet(p, 1, 5000);
	/* Accept, jump, continue, return: not drops. */
	assert_int_equal(feed(t, 7, &tr), 0);
	tr.code = (uint32_t)NFT_JUMP;
	assert_int_equal(feed(t, 7, &tr), 0);
	tr.code = (uint32_t)NFT_CONTINUE;
	assert_int_equal(feed(t, 7, &tr), 0);
	tr.type = NFT_TRACETYPE_RETURN;
	assert_int_equal(feed(t, 7, &tr), 0);
	tr.type = NFT_TRACETYPE_POLICY;
	tr.code = NF_ACCEPT;
	assert_int_equal(feed(t, 7, &tr), 0);
	/* Our own table's drop (it has none) would not count either. */
	tr = (struct trace){ .type = NFT_TRACETYPE_RULE,
			     .family = NFPROTO_INET,
			     .table = NFTRACE_TABLE,
			     .chain = "prerouting",
			     .handle = 3,
			     .code = NF_DROP,
			     .nh = p,
			     .nh_len = 20 };
	assert_int_equal(feed(t, 7, &tr), 0);
	assert_int_equal(nftrace_take(t, 7, p, 64, &v), -ENOENT);
	/* A rule's drop, and one with an errno in the upper bits (reject). */
	tr.table = "dm_filter";
	tr.chain = "deny";
	tr.handle = 4;
	assert_int_equal(feed(t, 7, &tr), 1);
	assert_int_equal(nftrace_take(t, 7, p, 64, &v), 0);
	assert_string_equal(v.table, "dm_filter");
	assert_string_equal(v.chain, "deny");
	assert_int_equal(v.handle, 4);
	assert_false(v.policy);
	assert_int_equal(v.family, NFPROTO_INET);
	assert_int_equal(v.netns, 7);
	tr.code = NF_DROP_ERR(-1);
	assert_int_equal(feed(t, 7, &tr), 1);
	assert_int_equal(nftrace_take(t, 7, p, 64, &v), 0);
	/* A policy's drop: no handle. */
	tr = (struct trace){ .type = NFT_TRACETYPE_POLICY,
			     .family = NFPROTO_IPV4,
			     .table = "dm_policy",
			     .chain = "in_policy",
			     .code = NF_DROP,
			     .nh = p,
			     .nh_len = 20 };
	assert_int_equal(feed(t, 7, &tr), 1);
	assert_int_equal(nftrace_take(t, 7, p, 64, &v), 0);
	assert_true(v.policy);
	assert_int_equal(v.handle, 0);
	assert_string_equal(v.chain, "in_policy");
	assert_int_equal(v.family, NFPROTO_IPV4);
	/* Taken once only. */
	assert_int_equal(nftrace_take(t, 7, p, 64, &v), -ENOENT);
	nftrace_get_stats(t, &st);
	assert_int_equal(st.verdicts, 3);
	assert_int_equal(st.taken, 3);
	nftrace_stop(t);
}

static void test_bad_messages(void **state)
{
	struct nftrace *t = open_trace();
	uint8_t p[64];
	struct trace tr = { .type = NFT_TRACETYPE_RULE,
			    .family = NFPROTO_INET,
			    .table = "t",
			    .chain = "c",
			    .handle = 4,
			    .code = NF_DROP,
			    .nh = p,
			    .nh_len = 20 };
	struct msg m;

	(void)state;
	packet(p, 1, 5000);
	build(&m, &tr);
	/* Longer than what was read; shorter than a header; another type. */
	assert_int_equal(nftrace_handle_msg(t, 7, m.buf, m.len - 1), -EINVAL);
	assert_int_equal(nftrace_handle_msg(t, 7, m.buf, 8), -EINVAL);
	((struct nlmsghdr *)m.buf)->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE;
	assert_int_equal(nftrace_handle_msg(t, 7, m.buf, m.len), 0);
	/* Without a table or a type. */
	build(&m, &tr);
	((struct nlattr *)(m.buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg))))->nla_type =
	    NFTA_TRACE_UNSPEC;
	assert_int_equal(nftrace_handle_msg(t, 7, m.buf, m.len), -EINVAL);
	nftrace_stop(t);
}

static void test_which_event_takes_it(void **state)
{
	struct nftrace *t = open_trace();
	struct nftrace_verdict v;
	uint8_t p1[64], p2[64], p3[64];
	struct trace tr = { .type = NFT_TRACETYPE_RULE,
			    .family = NFPROTO_INET,
			    .table = "t",
			    .chain = "one",
			    .handle = 1,
			    .code = NF_DROP,
			    .nh_len = 20,
			    .th_len = 20 };

	(void)state;
	packet(p1, 1, 5000);
	packet(p2, 2, 5000);
	packet(p3, 2, 5001); /* p2's IP header, another port */
	tr.nh = p1, tr.th = p1 + 20;
	assert_int_equal(feed(t, 7, &tr), 1);
	tr.chain = "two", tr.handle = 2, tr.nh = p2, tr.th = p2 + 20;
	assert_int_equal(feed(t, 7, &tr), 1);
	tr.chain = "three", tr.handle = 3, tr.nh = p3, tr.th = p3 + 20;
	assert_int_equal(feed(t, 7, &tr), 1);
	/* Another netns has none of them. */
	assert_int_equal(nftrace_take(t, 8, p1, 64, &v), -ENOENT);
	/* p3's headers match p3's verdict, though p2's network header comes
	 * first; then p2 takes its own, out of order; then p1. */
	assert_int_equal(nftrace_take(t, 7, p3, 64, &v), 0);
	assert_string_equal(v.chain, "three");
	assert_int_equal(nftrace_take(t, 7, p2, 64, &v), 0);
	assert_string_equal(v.chain, "two");
	/* Fewer bytes than the trace's network header: not this packet. */
	assert_int_equal(nftrace_take(t, 7, p1, 19, &v), -ENOENT);
	assert_int_equal(nftrace_take(t, 7, p1, 64, &v), 0);
	assert_string_equal(v.chain, "one");
	assert_int_equal(v.handle, 1);
	assert_int_equal(nftrace_take(t, 7, p1, 64, &v), -ENOENT);
	nftrace_stop(t);
}

/* As the kernel sends them: the headers in the first message of a trace
 * only (the packet's first rule in the base chain), the drop later with
 * the same id and none. */
static void test_headers_by_id(void **state)
{
	struct nftrace *t = open_trace();
	struct nftrace_verdict v;
	struct nftrace_stats st;
	uint8_t p1[64], p2[64];
	struct trace first = { .type = NFT_TRACETYPE_RULE,
			       .family = NFPROTO_INET,
			       .id = 11,
			       .table = "t",
			       .chain = "input",
			       .handle = 3,
			       .code = (uint32_t)NFT_JUMP,
			       .nh = p1,
			       .nh_len = 20,
			       .th = p1 + 20,
			       .th_len = 20 };
	struct trace drop = { .type = NFT_TRACETYPE_RULE,
			      .family = NFPROTO_INET,
			      .id = 11,
			      .table = "t",
			      .chain = "deny",
			      .handle = 4,
			      .code = NF_DROP };

	(void)state;
	packet(p1, 1, 5000);
	packet(p2, 2, 5000);
	assert_int_equal(feed(t, 7, &first), 0);
	/* Another packet's trace in between, in another netns too. */
	first.id = 12, first.nh = p2, first.th = p2 + 20;
	assert_int_equal(feed(t, 7, &first), 0);
	assert_int_equal(feed(t, 8, &first), 0);
	first.id = 11;
	assert_int_equal(feed(t, 7, &drop), 1);
	assert_int_equal(nftrace_take(t, 7, p2, 64, &v), -ENOENT);
	assert_int_equal(nftrace_take(t, 7, p1, 64, &v), 0);
	assert_string_equal(v.chain, "deny");
	assert_int_equal(v.handle, 4);
	/* An id whose headers were never seen: queued, never taken. */
	drop.id = 13;
	assert_int_equal(feed(t, 7, &drop), 1);
	assert_int_equal(nftrace_take(t, 7, p1, 64, &v), -ENOENT);
	nftrace_get_stats(t, &st);
	assert_int_equal(st.headless, 1);
	nftrace_stop(t);
}

static void test_bounded(void **state)
{
	struct nftrace *t = open_trace();
	struct nftrace_verdict v;
	struct nftrace_stats st;
	uint8_t p[64];
	struct trace tr = { .type = NFT_TRACETYPE_RULE,
			    .family = NFPROTO_INET,
			    .table = "t",
			    .chain = "c",
			    .code = NF_DROP,
			    .nh = p,
			    .nh_len = 20 };

	(void)state;
	/* One more than the queue holds: the oldest (handle 1) goes. */
	for (unsigned i = 0; i <= NFTRACE_QUEUE; i++) {
		packet(p, 9, 5000);
		tr.handle = i + 1;
		assert_int_equal(feed(t, 7, &tr), 1);
	}
	nftrace_get_stats(t, &st);
	assert_int_equal(st.expired, 1);
	assert_int_equal(nftrace_take(t, 7, p, 64, &v), 0);
	assert_int_equal(v.handle, 2);
	nftrace_stop(t);
}

static void test_lock(void **state)
{
	char path[] = "/tmp/test_nftrace.XXXXXX";
	struct nftrace *a, *b;
	int holder, fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(nftrace_open(path, &a, &holder), 0);
	assert_int_equal(nftrace_open(path, &b, &holder), -EBUSY);
	assert_int_equal(holder, getpid());
	nftrace_stop(a);
	assert_int_equal(nftrace_open(path, &b, &holder), 0);
	nftrace_stop(b);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which_are_drops),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_which_event_takes_it),
		cmocka_unit_test(test_headers_by_id),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
