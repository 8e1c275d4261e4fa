// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for evtext: the printed shape of an event, and evrecord's
 * decoding of a kernel event (symbols, tracing frames, bounds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "evrecord.h"
#include "evtext.h"
#include "ksyms.h"

#ifndef FIXTURES
#error "FIXTURES must name the tests/fixtures directory"
#endif

/* A TCP SYN from ::1.36986 to ::1.8080 on lo, as the kernel hands it over:
 * zero MACs, IPv6 with flow label 0x975b1, a bare 20-byte TCP header. */
static const uint8_t syn6[] = {
	0,    0,    0,	  0,	0,    0,    0,	  0,	0, 0, 0, 0, 0x86, 0xdd,	      /* Ethernet */
	0x60, 0x09, 0x75, 0xb1, 0,    20,   6,	  64,				      /* IPv6 */
	0,    0,    0,	  0,	0,    0,    0,	  0,	0, 0, 0, 0, 0,	  0,	0, 1, /* ::1 */
	0,    0,    0,	  0,	0,    0,    0,	  0,	0, 0, 0, 0, 0,	  0,	0, 1, /* ::1 */
	0x90, 0x7a, 0x1f, 0x90, 0xac, 0xd2, 0x7e, 0x4e,		    /* ports, seq */
	0,    0,    0,	  0,	0x50, 0x02, 0xff, 0xc4, 0, 0, 0, 0, /* ack, flags S, win */
};

static void fill_record(struct evrecord *r)
{
	memset(r, 0, sizeof(*r));
	r->time_ns = 4152973315243ull;
	r->wall_ns = 1764138072123456789ll; /* 2025-11-26T06:21:12.123456789Z */
	r->tgid = 14839;
	r->pid = 14839;
	snprintf(r->comm, sizeof(r->comm), "nc");
	snprintf(r->reason, sizeof(r->reason), "NO_SOCKET");
	r->nframes = 2;
	snprintf(r->frames[0], sizeof(r->frames[0]), "kfree_skb_reason+0x8f");
	snprintf(r->frames[1], sizeof(r->frames[1]), "tcp_v6_rcv+0x77");
	r->ifindex = 1;
	r->rx_ifindex = 1;
	snprintf(r->dev, sizeof(r->dev), "lo");
	r->netns = 4026531840u;
	r->len = 60;
	r->l3_proto = 0x86dd;
	r->mac = true;
	r->caplen = sizeof(syn6);
	memcpy(r->packet, syn6, sizeof(syn6));
}

static void test_format(void **state)
{
	struct evtext_opts o = { .init_netns = 4026531840u };
	struct strbuf sb = STRBUF_INIT;
	struct evrecord r;

	(void)state;
	fill_record(&r);
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_string_equal(sb.buf, "4152973315243 [nc] 14839 [tp] skb:kfree_skb drop (NO_SOCKET)\n"
				    "    kfree_skb_reason+0x8f\n"
				    "    tcp_v6_rcv+0x77\n"
				    "  if 1 (lo) rxif 1 ::1.36986 > ::1.8080 ttl 64 label 0x975b1 "
				    "len 20 proto TCP (6) flags [S] seq 2899476046 win 65476\n");

	/* Another netns is named; UTC times on request. */
	strbuf_reset(&sb);
	r.netns = 4026532245u;
	o.utc = true;
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_non_null(strstr(sb.buf, "2025-11-26T06:21:12.123456789Z [nc] 14839 "));
	assert_non_null(strstr(sb.buf, " win 65476 netns 4026532245\n"));

	/* A task name with an escape sequence reaches no terminal as one. */
	strbuf_reset(&sb);
	snprintf(r.comm, sizeof(r.comm), "a\x1b[2Jb\x7f");
	snprintf(r.dev, sizeof(r.dev), "e\x1bth");
	o.utc = false;
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_non_null(strstr(sb.buf, " [a?[2Jb?] 14839 "));
	assert_non_null(strstr(sb.buf, "if 1 (e?th) "));
	assert_null(strchr(sb.buf, '\x1b'));
	snprintf(r.comm, sizeof(r.comm), "nc");

	/* Nor a reason or a frame from a stored file, nor a C1 control
	 * (U+009B, CSI) in UTF-8. */
	strbuf_reset(&sb);
	snprintf(r.reason, sizeof(r.reason), "X\x1b]0;owned\x07");
	snprintf(r.frames[0], sizeof(r.frames[0]),
		 "f\xc2\x9b"
		 "31mRED");
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_non_null(strstr(sb.buf, " drop (X?]0;owned?)\n    f??31mRED\n"));
	assert_null(strchr(sb.buf, '\x1b'));
	assert_null(strstr(sb.buf, "\xc2\x9b"));
	snprintf(r.reason, sizeof(r.reason), "NO_SOCKET");

	/* No packet bytes, no devices. */
	strbuf_reset(&sb);
	r.caplen = 0;
	r.ifindex = 0;
	r.rx_ifindex = 0;
	r.nframes = 0;
	o.utc = false;
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_string_equal(sb.buf, "4152973315243 [nc] 14839 [tp] skb:kfree_skb drop (NO_SOCKET)\n"
				    "  no packet data, len 60 netns 4026532245\n");
	strbuf_free(&sb);
}

/* The verdict's line after the packet's, in the words of nft(8) and
 * iptables(8); names from a file reach no terminal as controls. */
static void test_format_netfilter(void **state)
{
	struct evtext_opts o = { .init_netns = 4026531840u };
	struct strbuf sb = STRBUF_INIT;
	struct evrecord r;

	(void)state;
	fill_record(&r);
	snprintf(r.reason, sizeof(r.reason), "NETFILTER_DROP");
	r.nframes = 1;
	r.caplen = 0;
	r.nf_kind = DROPMON_NF_NFTABLES;
	snprintf(r.nf_family, sizeof(r.nf_family), "inet");
	snprintf(r.nf_table, sizeof(r.nf_table), "filter");
	snprintf(r.nf_chain, sizeof(r.nf_chain), "input");
	snprintf(r.nf_hook, sizeof(r.nf_hook), "input");
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_string_equal(sb.buf,
			    "4152973315243 [nc] 14839 [tp] skb:kfree_skb drop (NETFILTER_DROP)\n"
			    "    kfree_skb_reason+0x8f\n"
			    "  if 1 (lo) rxif 1 no packet data, len 60\n"
			    "  netfilter: nftables table inet filter chain input hook input\n");

	strbuf_reset(&sb);
	r.nf_kind = DROPMON_NF_IPTABLES;
	snprintf(r.nf_family, sizeof(r.nf_family), "ip");
	snprintf(r.nf_chain, sizeof(r.nf_chain), "INPUT");
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_non_null(strstr(sb.buf, "len 60\n  netfilter: iptables-legacy table ip filter "
				       "chain INPUT hook input\n"));
	assert_null(strstr(sb.buf, "\n\n"));

	strbuf_reset(&sb);
	r.nf_kind = DROPMON_NF_IP6TABLES;
	snprintf(r.nf_family, sizeof(r.nf_family), "ip6");
	snprintf(r.nf_table, sizeof(r.nf_table), "raw");
	snprintf(r.nf_chain, sizeof(r.nf_chain), "PREROUTING");
	snprintf(r.nf_hook, sizeof(r.nf_hook), "prerouting");
	assert_int_equal(evtext_put_netfilter(&sb, &r), 0);
	assert_string_equal(sb.buf, "ip6tables-legacy table ip6 raw chain PREROUTING hook "
				    "prerouting");

	/* Names of a stored file: controls as '?', an empty one as "?". */
	strbuf_reset(&sb);
	r.nf_kind = DROPMON_NF_NFTABLES;
	snprintf(r.nf_family, sizeof(r.nf_family), "7");
	snprintf(r.nf_table, sizeof(r.nf_table), "t\x1b[2J\xc2\x9b");
	r.nf_chain[0] = '\0';
	snprintf(r.nf_hook, sizeof(r.nf_hook), "255");
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_non_null(
	    strstr(sb.buf, "\n  netfilter: nftables table 7 t?[2J?? chain ? hook 255\n"));
	assert_null(strchr(sb.buf, '\x1b'));

	/* No verdict (or a kind this version does not know): no line. */
	strbuf_reset(&sb);
	r.nf_kind = DROPMON_NF_NONE;
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_null(strstr(sb.buf, "netfilter"));
	r.nf_kind = DROPMON_NF_KIND_MAX;
	assert_int_equal(evtext_format(&sb, &r, &o), 0);
	assert_null(strstr(sb.buf, "netfilter"));
	strbuf_reset(&sb);
	assert_int_equal(evtext_put_netfilter(&sb, &r), 0);
	assert_int_equal(sb.len, 0);
	strbuf_free(&sb);
}

/* The rule's line after the verdict's, in each of its four shapes; none
 * when the rule was not asked for; a file's text reaches no terminal as
 * controls. */
static void test_format_netfilter_rule(void **state)
{
	static const char head[] =
	    "4152973315243 [nc] 14839 [tp] skb:kfree_skb drop "
	    "(NETFILTER_DROP)\n"
	    "    kfree_skb_reason+0x8f\n"
	    "  if 1 (lo) rxif 1 no packet data, len 60\n"
	    "  netfilter: nftables table inet dm_filter chain input hook input\n";
	struct evtext_opts o = { .init_netns = 4026531840u };
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	struct evrecord_nfrule *nr;
	struct evrecord *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(r);
	fill_record(r);
	nr = &r->nf_rule;
	snprintf(r->reason, sizeof(r->reason), "NETFILTER_DROP");
	r->nframes = 1;
	r->caplen = 0;
	r->nf_kind = DROPMON_NF_NFTABLES;
	snprintf(r->nf_family, sizeof(r->nf_family), "inet");
	snprintf(r->nf_table, sizeof(r->nf_table), "dm_filter");
	snprintf(r->nf_chain, sizeof(r->nf_chain), "input");
	snprintf(r->nf_hook, sizeof(r->nf_hook), "input");

	/* Not asked: the verdict's line is the last. */
	assert_int_equal(evtext_format(&sb, r, &o), 0);
	assert_string_equal(sb.buf, head);
	strbuf_reset(&sb);
	assert_int_equal(evtext_put_netfilter_rule(&sb, r), 0);
	assert_int_equal(sb.len, 0);

	/* A rule in a regular chain, with its text. */
	nr->known = true;
	snprintf(nr->family, sizeof(nr->family), "inet");
	snprintf(nr->table, sizeof(nr->table), "dm_filter");
	snprintf(nr->chain, sizeof(nr->chain), "deny");
	nr->handle = 4;
	snprintf(nr->text, sizeof(nr->text), "udp dport 5000 drop # handle 4");
	strbuf_reset(&sb);
	assert_int_equal(evtext_format(&sb, r, &o), 0);
	strbuf_printf(&want,
		      "%s  netfilter rule: inet dm_filter chain deny handle 4: udp dport "
		      "5000 drop # handle 4\n",
		      head);
	assert_string_equal(sb.buf, want.buf);
	strbuf_reset(&sb);
	assert_int_equal(evtext_put_netfilter_rule(&sb, r), 0);
	assert_string_equal(sb.buf, "inet dm_filter chain deny handle 4: udp dport 5000 drop # "
				    "handle 4");

	/* Its text not looked up. */
	nr->text[0] = '\0';
	strbuf_reset(&sb);
	assert_int_equal(evtext_format(&sb, r, &o), 0);
	assert_non_null(strstr(sb.buf, "hook input\n  netfilter rule: inet dm_filter chain deny "
				       "handle 4\n"));
	assert_true(sb.buf[sb.len - 1] == '\n' && !strstr(sb.buf, "handle 4:"));

	/* The chain's policy: no handle, and no text (nft lists none). */
	snprintf(nr->family, sizeof(nr->family), "ip");
	snprintf(nr->table, sizeof(nr->table), "dm_policy");
	snprintf(nr->chain, sizeof(nr->chain), "in_policy");
	nr->policy = true;
	snprintf(nr->text, sizeof(nr->text), "ignored");
	strbuf_reset(&sb);
	assert_int_equal(evtext_put_netfilter_rule(&sb, r), 0);
	assert_string_equal(sb.buf, "ip dm_policy chain in_policy policy drop");
	strbuf_reset(&sb);
	assert_int_equal(evtext_format(&sb, r, &o), 0);
	strbuf_reset(&want);
	strbuf_printf(&want, "%s  netfilter rule: ip dm_policy chain in_policy policy drop\n",
		      head);
	assert_string_equal(sb.buf, want.buf);

	/* Not known, and why: the rest is not looked at. */
	nr->known = false;
	nr->why = "no trace of this packet";
	strbuf_reset(&sb);
	assert_int_equal(evtext_format(&sb, r, &o), 0);
	strbuf_reset(&want);
	strbuf_printf(&want, "%s  netfilter rule: unknown (no trace of this packet)\n", head);
	assert_string_equal(sb.buf, want.buf);

	/* Without a verdict the rule still has its line. */
	r->nf_kind = DROPMON_NF_NONE;
	strbuf_reset(&sb);
	assert_int_equal(evtext_format(&sb, r, &o), 0);
	assert_non_null(strstr(sb.buf, "len 60\n  netfilter rule: unknown (no trace of this "
				       "packet)\n"));

	/* Names and text as a hostile program might set them: '?' for
	 * controls (C1 in UTF-8 as well), "?" for an empty name. */
	memset(nr, 0, sizeof(*nr));
	nr->known = true;
	snprintf(nr->family, sizeof(nr->family), "7");
	snprintf(nr->chain, sizeof(nr->chain), "c\x1b[2J");
	nr->handle = UINT64_MAX;
	snprintf(nr->text, sizeof(nr->text), "drop\n\xc2\x9b\x7f");
	strbuf_reset(&sb);
	assert_int_equal(evtext_format(&sb, r, &o), 0);
	assert_non_null(strstr(sb.buf, "\n  netfilter rule: 7 ? chain c?[2J handle "
				       "18446744073709551615: drop????\n"));
	assert_null(strchr(sb.buf, '\x1b'));
	strbuf_free(&sb);
	strbuf_free(&want);
	free(r);
}

/* Decoding against the ksyms fixture: the dispatch frames on top are left
 * out, the rest symbolized, unknown addresses kept as numbers. */
static void test_decode(void **state)
{
	struct ksyms *ks = NULL;
	struct evrecord_decoder d = { .mono_to_real_ns = 1000 };
	struct drop_event *ev = calloc(1, sizeof(*ev));
	struct evrecord *r = malloc(sizeof(*r));

	(void)state;
	assert_int_equal(ksyms_load(FIXTURES "/ksyms/basic", &ks), 0);
	d.syms.ks = ks;
	assert_non_null(ev);
	assert_non_null(r);
	ev->ts_ns = 5;
	ev->reason = 77; /* no reasons table: the number */
	ev->location = 0xffffffff81000291ull;
	ev->stack_len = 3;
	ev->stack[0] = 0xffffffffc0200091ull;			   /* nft_do_chain [nf_tables] */
	ev->stack[1] = 0xffffffff81000291ull;			   /* do_work+0x81 */
	ev->stack[2] = 0x1000;					   /* below every symbol */
	memcpy(ev->comm, "0123456789abcdefXYZ", sizeof(ev->comm)); /* no NUL */
	ev->flags = DROP_EVENT_MAC;
	ev->caplen = 4;
	memcpy(ev->data, "\x01\x02\x03\x04", 4);
	evrecord_decode(r, ev, &d);
	assert_int_equal(r->time_ns, 5);
	assert_int_equal(r->wall_ns, 1005);
	assert_string_equal(r->reason, "77");
	assert_string_equal(r->function, "do_work");
	assert_int_equal(r->nframes, 3);
	assert_string_equal(r->frames[0], "nft_do_chain+0x81 [nf_tables]");
	assert_string_equal(r->frames[1], "do_work+0x81");
	assert_string_equal(r->frames[2], "0x1000");
	assert_string_equal(r->comm, "0123456789abcde");
	assert_true(r->mac);
	assert_int_equal(r->caplen, 4);
	assert_memory_equal(r->packet, "\x01\x02\x03\x04", 4);
	assert_int_equal(r->nf_kind, DROPMON_NF_NONE);
	assert_string_equal(r->nf_table, "");
	free(r);
	free(ev);
	ksyms_free(ks);
}

/* The verdict named: family and hook by nfnames.h, x_tables' chain from the
 * hook, the kernel's names bounded (unterminated ones too) and cleaned. */
static void test_decode_netfilter(void **state)
{
	struct evrecord_decoder d = { 0 };
	struct drop_event *ev = calloc(1, sizeof(*ev));
	struct evrecord *r = malloc(sizeof(*r));

	(void)state;
	assert_non_null(ev);
	assert_non_null(r);
	ev->nf_kind = DROPMON_NF_NFTABLES;
	ev->nf_family = 1; /* NFPROTO_INET */
	ev->nf_hook = 1;   /* NF_INET_LOCAL_IN */
	snprintf(ev->nf_table, sizeof(ev->nf_table), "filter");
	snprintf(ev->nf_chain, sizeof(ev->nf_chain), "input");
	memset(r, 0xa5, sizeof(*r));
	evrecord_decode(r, ev, &d);
	/* The rule is the collector's to fill in: none, and not asked. */
	{
		static const struct evrecord_nfrule zero;

		assert_memory_equal(&r->nf_rule, &zero, sizeof(zero));
		assert_false(r->nf_rule.known);
		assert_null(r->nf_rule.why);
	}
	assert_int_equal(r->nf_kind, DROPMON_NF_NFTABLES);
	assert_string_equal(r->nf_family, "inet");
	assert_string_equal(r->nf_hook, "input");
	assert_string_equal(r->nf_table, "filter");
	assert_string_equal(r->nf_chain, "input");

	/* Full arrays without a NUL: cut to what a record holds; controls. */
	memset(ev->nf_table, 't', sizeof(ev->nf_table));
	memset(ev->nf_chain, 'c', sizeof(ev->nf_chain));
	ev->nf_table[0] = '\x1b';
	ev->nf_chain[3] = '\n';
	ev->nf_chain[4] = '\x7f';
	ev->nf_family = 5; /* NFPROTO_NETDEV */
	ev->nf_hook = 1;
	evrecord_decode(r, ev, &d);
	assert_string_equal(r->nf_family, "netdev");
	assert_string_equal(r->nf_hook, "egress");
	assert_int_equal(strlen(r->nf_table), DROPMON_NF_NAMSIZ - 1);
	assert_int_equal(r->nf_table[0], '?');
	assert_int_equal(strspn(r->nf_table + 1, "t"), DROPMON_NF_NAMSIZ - 2);
	assert_int_equal(strlen(r->nf_chain), DROPMON_NF_NAMSIZ - 1);
	assert_memory_equal(r->nf_chain, "ccc??ccc", 8);
	assert_true(evrecord_nf_name_ok(r->nf_table, strlen(r->nf_table)));
	assert_true(evrecord_nf_name_ok(r->nf_chain, strlen(r->nf_chain)));

	/* Numbers without names stay numbers. */
	ev->nf_family = 200;
	ev->nf_hook = 9;
	evrecord_decode(r, ev, &d);
	assert_string_equal(r->nf_family, "200");
	assert_string_equal(r->nf_hook, "9");

	/* iptables-legacy: the built-in chain of the hook, whatever the chain
	 * bytes hold. */
	ev->nf_kind = DROPMON_NF_IPTABLES;
	ev->nf_family = 2; /* NFPROTO_IPV4 */
	ev->nf_hook = 2;   /* NF_INET_FORWARD */
	snprintf(ev->nf_table, sizeof(ev->nf_table), "filter");
	memset(ev->nf_chain, 0, sizeof(ev->nf_chain));
	evrecord_decode(r, ev, &d);
	assert_int_equal(r->nf_kind, DROPMON_NF_IPTABLES);
	assert_string_equal(r->nf_family, "ip");
	assert_string_equal(r->nf_table, "filter");
	assert_string_equal(r->nf_chain, "FORWARD");
	assert_string_equal(r->nf_hook, "forward");
	ev->nf_kind = DROPMON_NF_IP6TABLES;
	ev->nf_family = 10; /* NFPROTO_IPV6 */
	ev->nf_hook = 4;
	snprintf(ev->nf_chain, sizeof(ev->nf_chain), "junk");
	evrecord_decode(r, ev, &d);
	assert_string_equal(r->nf_family, "ip6");
	assert_string_equal(r->nf_chain, "POSTROUTING");
	assert_string_equal(r->nf_hook, "postrouting");

	/* No verdict, or a kind this binary does not know: nothing of it. */
	ev->nf_kind = DROPMON_NF_NONE;
	evrecord_decode(r, ev, &d);
	assert_int_equal(r->nf_kind, DROPMON_NF_NONE);
	assert_string_equal(r->nf_family, "");
	assert_string_equal(r->nf_hook, "");
	assert_string_equal(r->nf_table, "");
	assert_string_equal(r->nf_chain, "");
	ev->nf_kind = DROPMON_NF_KIND_MAX;
	evrecord_decode(r, ev, &d);
	assert_int_equal(r->nf_kind, DROPMON_NF_NONE);
	assert_string_equal(r->nf_table, "");
	ev->nf_kind = 255;
	evrecord_decode(r, ev, &d);
	assert_int_equal(r->nf_kind, DROPMON_NF_NONE);
	free(r);
	free(ev);
}

/* The tracing machinery above the freeing function is left out (the BPF
 * program, the trampoline, the tracepoint's run and iterator functions);
 * a stack that is nothing but that is kept whole. */
static void test_strip_tracing(void **state)
{
	static const uint64_t stack[] = {
		0xffffffffc0000040ull, /* bpf_prog_..._kfree_skb_btf [bpf] */
		0xffffffff81100310ull, /* bpf_trampoline_6442 */
		0xffffffff81100050ull, /* bpf_trace_run3 */
		0xffffffff81100120ull, /* __bpf_trace_kfree_skb */
		0xffffffff81100230ull, /* __traceiter_kfree_skb */
		0xffffffff8120008full, /* kfree_skb_reason+0x8f */
		0xffffffff81300077ull, /* tcp_v4_rcv+0x77 */
	};
	struct ksyms *ks = NULL;
	struct evrecord_decoder d = { 0 };
	struct drop_event *ev = calloc(1, sizeof(*ev));
	struct evrecord *r = malloc(sizeof(*r));

	(void)state;
	assert_int_equal(ksyms_load(FIXTURES "/ksyms/tracing", &ks), 0);
	d.syms.ks = ks;
	assert_non_null(ev);
	assert_non_null(r);
	memcpy(ev->stack, stack, sizeof(stack));
	ev->stack_len = 7;
	evrecord_decode(r, ev, &d);
	assert_int_equal(r->nframes, 2);
	assert_string_equal(r->frames[0], "kfree_skb_reason+0x8f");
	assert_string_equal(r->frames[1], "tcp_v4_rcv+0x77");

	ev->stack_len = 5;
	evrecord_decode(r, ev, &d);
	assert_int_equal(r->nframes, 5);
	assert_string_equal(r->frames[0], "bpf_prog_6deef7357e7b4530_kfree_skb_btf+0x40 [bpf]");

	ksyms_free(ks);
	free(ev);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_netfilter),
		cmocka_unit_test(test_format_netfilter_rule),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_decode_netfilter),
		cmocka_unit_test(test_strip_tracing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
