// SPDX-License-Identifier: GPL-2.0-only
/* Netfilter's family and hook numbers (include/uapi/linux/netfilter.h and
 * its _ipv4, _arp, _bridge companions), named as nft(8) names them. */
#include <stdio.h>
#include <string.h>

#include "dropmon.h"
#include "nfnames.h"

enum {
	FAMILY_INET = 1, /* NFPROTO_INET */
	FAMILY_IPV4 = 2,
	FAMILY_ARP = 3,
	FAMILY_NETDEV = 5,
	FAMILY_BRIDGE = 7,
	FAMILY_IPV6 = 10,
};

static const char *number(uint8_t v, char buf[NFNAMES_SIZE])
{
	snprintf(buf, NFNAMES_SIZE, "%u", (unsigned int)v);
	return buf;
}

const char *nfnames_family(uint8_t family, char buf[NFNAMES_SIZE])
{
	switch (family) {
	case FAMILY_INET:
		return "inet";
	case FAMILY_IPV4:
		return "ip";
	case FAMILY_ARP:
		return "arp";
	case FAMILY_NETDEV:
		return "netdev";
	case FAMILY_BRIDGE:
		return "bridge";
	case FAMILY_IPV6:
		return "ip6";
	default:
		return number(family, buf);
	}
}

/* NF_INET_* (ip, ip6, inet; bridge's NF_BR_* are numbered alike up to 4). */
static const char *const inet_hooks[] = { "prerouting", "input",       "forward",
					  "output",	"postrouting", "ingress" };
static const char *const netdev_hooks[] = { "ingress", "egress" };
static const char *const arp_hooks[] = { "input", "output", "forward" };
static const char *const xt_chains[] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT",
					 "POSTROUTING" };

#define NAME_OF(table, i) ((i) < sizeof(table) / sizeof(table[0]) ? (table)[i] : NULL)

const char *nfnames_hook(uint8_t family, uint8_t hook, char buf[NFNAMES_SIZE])
{
	const char *name;

	switch (family) {
	case FAMILY_NETDEV:
		name = NAME_OF(netdev_hooks, hook);
		break;
	case FAMILY_ARP:
		name = NAME_OF(arp_hooks, hook);
		break;
	case FAMILY_BRIDGE: /* NF_BR_BROUTING (5) is ebtables' only */
		name = hook < 5 ? inet_hooks[hook] : NULL;
		break;
	default:
		name = NAME_OF(inet_hooks, hook);
		break;
	}
	return name ? name : number(hook, buf);
}

const char *nfnames_chain(uint8_t kind, uint8_t hook, const char *chain, size_t size, char *out,
			  size_t outsize)
{
	const char *name = NULL;
	size_t n;

	if (!outsize)
		return out;
	if (kind == DROPMON_NF_IPTABLES || kind == DROPMON_NF_IP6TABLES) {
		name = NAME_OF(xt_chains, hook);
		if (!name) {
			snprintf(out, outsize, "%u", (unsigned int)hook);
			return out;
		}
		snprintf(out, outsize, "%s", name);
		return out;
	}
	n = chain ? strnlen(chain, size) : 0;
	if (n >= outsize)
		n = outsize - 1;
	memcpy(out, chain ? chain : "", n);
	out[n] = '\0';
	return out;
}

const char *nfnames_kind(uint8_t kind)
{
	switch (kind) {
	case DROPMON_NF_NFTABLES:
		return "nftables";
	case DROPMON_NF_IPTABLES:
		return "iptables-legacy";
	case DROPMON_NF_IP6TABLES:
		return "ip6tables-legacy";
	default:
		return "";
	}
}
