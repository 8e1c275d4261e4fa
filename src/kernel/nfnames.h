/* SPDX-License-Identifier: GPL-2.0-only */
/* Names of netfilter's numbers as nft(8) and iptables(8) print them: the
 * family of a table, the hook of a chain, x_tables' built-in chains. The
 * numbers come from the kernel (struct nf_stash): any value is accepted,
 * and one without a name is written as its number. */
#ifndef DROPMON_NFNAMES_H
#define DROPMON_NFNAMES_H

#include <stddef.h>
#include <stdint.h>

/* Long enough for every name and for any u8 as a number. */
#define NFNAMES_SIZE 16

/* "ip", "ip6", "inet", "arp", "bridge", "netdev"; else the number. */
const char *nfnames_family(uint8_t family, char buf[NFNAMES_SIZE]);
/* "prerouting", "input", "forward", "output", "postrouting", "ingress",
 * "egress" as the hooks of that family are numbered; else the number. */
const char *nfnames_hook(uint8_t family, uint8_t hook, char buf[NFNAMES_SIZE]);
/* The chain a verdict came from: nftables' base chain as the kernel named
 * it (chain, at most size bytes, need not be terminated), or for
 * iptables/ip6tables-legacy (kind DROPMON_NF_IPTABLES, _IP6TABLES) the
 * built-in chain of the hook ("INPUT", ...). Written into out (outsize
 * bytes, cut there) and returned. */
const char *nfnames_chain(uint8_t kind, uint8_t hook, const char *chain, size_t size, char *out,
			  size_t outsize);
/* "nftables", "iptables-legacy", "ip6tables-legacy", "" for none. */
const char *nfnames_kind(uint8_t kind);

#endif
