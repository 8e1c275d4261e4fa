// SPDX-License-Identifier: GPL-2.0-only
/* pcap-filter expressions compiled for Ethernet and raw IP, run with pcap_offline_filter() on
 * the captured bytes of dropped packets. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pktfilter.h"

/* the largest IP packet; the compiled program returns it to accept (only != 0 matters here) */
#define PKTFILTER_SNAPLEN 65535

struct pktfilter {
	struct bpf_program prog[2]; /* indexed by mac: [0] raw IP, [1] Ethernet */
	bool ok[2];		    /* whether prog[i] was compiled */
};

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (!err || !errlen)
		return;
	snprintf(err, errlen, "%s", msg);
}

/* Compiles expr for linktype into *prog. Returns 0, -EINVAL with libpcap's message in
 * err[0..errlen), or -ENOMEM. */
static int compile_one(const char *expr, int linktype, struct bpf_program *prog, char *err,
		       size_t errlen)
{
	pcap_t *p = NULL;
	int err_code = 0;

	/* pcap_open_dead() takes a DLT_ value, not a LINKTYPE_ one: raw IP is DLT_RAW (12 on
	 * Linux); LINKTYPE_RAW (101) only exists in savefiles and is rejected here. */
	p = pcap_open_dead(linktype, PKTFILTER_SNAPLEN);
	if (!p) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* no netmask: only "ip broadcast" needs one, and it then fails with a clear message */
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		set_err(err, errlen, pcap_geterr(p));
		err_code = -EINVAL;
	}
	pcap_close(p);
	return err_code;
}

int pktfilter_new(const char *expr, struct pktfilter **out, char *err, size_t errlen)
{
	struct pktfilter *f = NULL;
	int ret_eth, ret_raw, ret;

	*out = NULL;
	set_err(err, errlen, "");
	if (!expr || !*expr)
		return 0;

	f = calloc(1, sizeof(*f));
	if (!f) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}

	ret = ret_eth = compile_one(expr, DLT_EN10MB, &f->prog[1], err, errlen);
	if (ret_eth == -ENOMEM)
		goto cleanup;
	f->ok[1] = !ret_eth;
	/* When both fail, report the Ethernet message: the raw-IP one may only be about the
	 * link type ("ethernet addresses supported only on ..."). */
	ret_raw =
	    compile_one(expr, DLT_RAW, &f->prog[0], ret_eth ? NULL : err, ret_eth ? 0 : errlen);
	if (ret_raw == -ENOMEM) {
		ret = ret_raw;
		set_err(err, errlen, "out of memory");
		goto cleanup;
	}
	f->ok[0] = !ret_raw;
	if (!f->ok[0] && !f->ok[1])
		goto cleanup;

	set_err(err, errlen, "");
	*out = f;
	return 0;

cleanup:
	pktfilter_free(f);
	return ret;
}

bool pktfilter_match(const struct pktfilter *f, bool mac, const void *data, uint32_t caplen,
		     uint32_t wire_len)
{
	struct pcap_pkthdr hdr = { 0 };
	int i = mac ? 1 : 0;

	if (!f)
		return true;
	if (!f->ok[i])
		return false;
	hdr.caplen = caplen;
	hdr.len = wire_len < caplen ? caplen : wire_len;
	/* the BPF interpreter bounds every load by caplen and writes only to its own stack
	 * scratch memory, so concurrent calls on one program are safe */
	return pcap_offline_filter(&f->prog[i], &hdr, data) != 0;
}

void pktfilter_free(struct pktfilter *f)
{
	if (!f)
		return;
	for (int i = 1; i >= 0; i--)
		if (f->ok[i])
			pcap_freecode(&f->prog[i]);
	free(f);
}

/* --- names libpcap would look up ------------------------------------------------------------
 * libpcap's scanner makes a word of [A-Za-z0-9]([-_.A-Za-z0-9]*[.A-Za-z0-9])? (the longest
 * match wins, so "len-14" is one word, a host name) and of a backslash followed by anything
 * but a blank, '!', '(' or ')'. A word that is neither one of its keywords nor a number, an
 * IPv4 address (1 to 4 dotted numbers) or a MAC address is a name: of a host, network, port,
 * protocol or Ethernet address, looked up through the resolver. Words with ':' must be IPv6 or
 * MAC addresses, or numbers and keywords around an index's colon. */

static const char *const pcap_keywords[] = {
	"dst",
	"src",
	"link",
	"ether",
	"ppp",
	"slip",
	"fddi",
	"tr",
	"wlan",
	"arp",
	"rarp",
	"ip",
	"sctp",
	"tcp",
	"udp",
	"icmp",
	"igmp",
	"igrp",
	"pim",
	"vrrp",
	"carp",
	"radio",
	"ip6",
	"icmp6",
	"ah",
	"esp",
	"atalk",
	"aarp",
	"decnet",
	"lat",
	"sca",
	"moprc",
	"mopdl",
	"iso",
	"esis",
	"es-is",
	"isis",
	"is-is",
	"l1",
	"l2",
	"iih",
	"lsp",
	"snp",
	"csnp",
	"psnp",
	"clnp",
	"stp",
	"ipx",
	"netbeui",
	"host",
	"net",
	"mask",
	"port",
	"portrange",
	"proto",
	"protochain",
	"gateway",
	"type",
	"subtype",
	"direction",
	"dir",
	"address1",
	"addr1",
	"address2",
	"addr2",
	"address3",
	"addr3",
	"address4",
	"addr4",
	"ra",
	"ta",
	"less",
	"greater",
	"byte",
	"broadcast",
	"multicast",
	"and",
	"or",
	"not",
	"len",
	"length",
	"inbound",
	"outbound",
	"ifindex",
	"vlan",
	"mpls",
	"pppoed",
	"pppoes",
	"geneve",
	"lane",
	"llc",
	"metac",
	"bcc",
	"oam",
	"oamf4",
	"oamf4ec",
	"oamf4sc",
	"sc",
	"ilmic",
	"vpi",
	"vci",
	"connectmsg",
	"metaconnect",
	"on",
	"ifname",
	"rset",
	"ruleset",
	"rnr",
	"rulenum",
	"srnr",
	"subrulenum",
	"reason",
	"action",
	"fisu",
	"lssu",
	"lsu",
	"msu",
	"hfisu",
	"hlssu",
	"hmsu",
	"sio",
	"opc",
	"dpc",
	"sls",
	"hsio",
	"hopc",
	"hdpc",
	"hsls",
	"icmptype",
	"icmpcode",
	"icmp-echoreply",
	"icmp-unreach",
	"icmp-sourcequench",
	"icmp-redirect",
	"icmp-echo",
	"icmp-routeradvert",
	"icmp-routersolicit",
	"icmp-timxceed",
	"icmp-paramprob",
	"icmp-tstamp",
	"icmp-tstampreply",
	"icmp-ireq",
	"icmp-ireqreply",
	"icmp-maskreq",
	"icmp-maskreply",
	"icmp6type",
	"icmp6code",
	"icmp6-destinationunreach",
	"icmp6-packettoobig",
	"icmp6-timeexceeded",
	"icmp6-parameterproblem",
	"icmp6-echo",
	"icmp6-echoreply",
	"icmp6-multicastlistenerquery",
	"icmp6-multicastlistenerreportv1",
	"icmp6-multicastlistenerdone",
	"icmp6-routersolicit",
	"icmp6-routeradvert",
	"icmp6-neighborsolicit",
	"icmp6-neighboradvert",
	"icmp6-redirect",
	"icmp6-routerrenum",
	"icmp6-nodeinformationquery",
	"icmp6-nodeinformationresponse",
	"icmp6-ineighbordiscoverysolicit",
	"icmp6-ineighbordiscoveryadvert",
	"icmp6-multicastlistenerreportv2",
	"icmp6-homeagentdiscoveryrequest",
	"icmp6-homeagentdiscoveryreply",
	"icmp6-mobileprefixsolicit",
	"icmp6-mobileprefixadvert",
	"icmp6-certpathsolicit",
	"icmp6-certpathadvert",
	"icmp6-multicastrouteradvert",
	"icmp6-multicastroutersolicit",
	"icmp6-multicastrouterterm",
	"tcpflags",
	"tcp-fin",
	"tcp-syn",
	"tcp-rst",
	"tcp-push",
	"tcp-ack",
	"tcp-urg",
	"tcp-ece",
	"tcp-cwr",
};

static bool is_keyword(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(pcap_keywords) / sizeof(pcap_keywords[0]); i++) {
		if (strlen(pcap_keywords[i]) == n && memcmp(pcap_keywords[i], w, n) == 0)
			return true;
	}
	return false;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the run of hex digits at w (at most n). */
static size_t hex_run(const char *w, size_t n)
{
	size_t i = 0;

	while (i < n && is_hex(w[i]))
		i++;
	return i;
}

/* A number as libpcap reads one: decimal digits, or 0x and hex digits. */
static bool is_number(const char *w, size_t n)
{
	size_t i = 0;

	if (n > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X'))
		return hex_run(w + 2, n - 2) == n - 2;
	while (i < n && w[i] >= '0' && w[i] <= '9')
		i++;
	return n && i == n;
}

/* Whether w is parts separated by sep, each of between min and max hex digits (or, with
 * max 0, a number), with between lo and hi parts. */
static bool is_parts(const char *w, size_t n, char sep, size_t min, size_t max, int lo, int hi)
{
	int parts = 0;
	size_t i = 0;

	for (;;) {
		size_t j = i;

		while (j < n && w[j] != sep)
			j++;
		if (max ? j - i < min || j - i > max || hex_run(w + i, j - i) != j - i
			: !is_number(w + i, j - i))
			return false;
		parts++;
		if (j == n)
			break;
		i = j + 1;
	}
	return parts >= lo && parts <= hi;
}

/* A word with no ':' that libpcap takes as a number or an address. */
static bool is_literal(const char *w, size_t n)
{
	return is_parts(w, n, '.', 0, 0, 1, 4) || /* N, N.N, N.N.N, N.N.N.N */
	       is_parts(w, n, '.', 1, 2, 6, 6) || /* B.B.B.B.B.B */
	       is_parts(w, n, '-', 1, 2, 6, 6) || /* B-B-B-B-B-B */
	       is_parts(w, n, '.', 4, 4, 3, 3) || /* B2.B2.B2 */
	       (n == 12 && hex_run(w, n) == 12);  /* B2B2B2 */
}

/* The first name in the word at w (n bytes, from a run of [-_.:A-Za-z0-9]), or NULL; *len set. */
static const char *word_name(const char *w, size_t n, size_t *len)
{
	char addr[INET6_ADDRSTRLEN + 1];
	struct in6_addr a6;
	size_t i = 0;

	*len = n;
	if (!memchr(w, ':', n))
		return is_keyword(w, n) || is_literal(w, n) ? NULL : w;
	if (is_parts(w, n, ':', 1, 2, 6, 6)) /* B:B:B:B:B:B */
		return NULL;
	if (n < sizeof(addr)) {
		memcpy(addr, w, n);
		addr[n] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) == 1)
			return NULL;
	}
	/* Not an address: words around colons, as in "tcp[13:1]". */
	while (i <= n) {
		size_t j = i;

		while (j < n && w[j] != ':')
			j++;
		if (j > i && !is_keyword(w + i, j - i) && !is_literal(w + i, j - i)) {
			*len = j - i;
			return w + i;
		}
		i = j + 1;
	}
	return NULL;
}

bool pktfilter_names(const char *expr, char *name, size_t namelen)
{
	const char *p = expr ? expr : "";

	while (*p) {
		const char *w = p, *found;
		size_t n, len;

		if (*p == '\\') {
			/* "\tcp" is a name whatever it spells: a protocol after "proto",
			 * but a host after "host" ("host\tcp" is looked up). */
			n = strcspn(p + 1, " !()\n\t\r");
			p += 1 + n;
			found = w;
			len = 1 + n;
		} else if (is_alnum(*p) || *p == ':') {
			/* The scanner's word, with any ':' parts joined to it. */
			n = 0;
			while (is_alnum(p[n]) || p[n] == '-' || p[n] == '_' || p[n] == '.' ||
			       p[n] == ':')
				n++;
			while (n > 1 && (p[n - 1] == '-' || p[n - 1] == '_'))
				n--;
			p += n;
			found = word_name(w, n, &len);
			if (!found)
				continue;
		} else {
			p++;
			continue;
		}
		if (name && namelen) {
			size_t m = len < namelen - 1 ? len : namelen - 1;

			memcpy(name, found, m);
			name[m] = '\0';
		}
		return true;
	}
	return false;
}
