/* SPDX-License-Identifier: GPL-2.0-only */
/* A drop event decoded for people and files: reason named, stack
 * symbolized, times in both clocks. What the text, NDJSON and pcapng
 * formats are written from, and what a stored file reads back into. */
#ifndef DROPMON_EVRECORD_H
#define DROPMON_EVRECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dropmon.h"
#include "ksyms.h"
#include "nfnames.h"

#define EVRECORD_NAME_MAX 96	/* reason names, "subsys/REASON" included */
#define EVRECORD_FRAME_MAX 160	/* "symbol+0xoff [module]" */
#define EVRECORD_NFT_NAMSIZ 256 /* NFT_NAME_MAXLEN: a table or chain name and its NUL */
#define EVRECORD_NFT_TEXT 512	/* a rule's text, cut to 511 bytes */

/* collect --netfilter-rules: the nftables rule whose verdict dropped a
 * NETFILTER_DROP, from the kernel's nftables trace. Names and text hold no
 * control characters (evrecord_nf_name_ok()); evrecord_decode() leaves it
 * all zero: the collector fills it in. */
struct evrecord_nfrule {
	bool known;		   /* false: no rule known (the rest empty) */
	bool policy;		   /* the chain's policy dropped it: handle 0 */
	char family[NFNAMES_SIZE]; /* "ip", "ip6", "inet", ... as nfnames_family() */
	char table[EVRECORD_NFT_NAMSIZ];
	/* the rule's own chain: a regular chain reached by a jump too */
	char chain[EVRECORD_NFT_NAMSIZ];
	uint64_t handle;	      /* the rule's handle (>= 1) when !policy */
	char text[EVRECORD_NFT_TEXT]; /* as `nft -a list` prints it, "" when not looked up */
	const char *why; /* !known: why not (a static string, never stored); NULL: not asked */
};

struct evrecord {
	uint64_t time_ns; /* CLOCK_MONOTONIC of the drop */
	int64_t wall_ns;  /* ns since the Unix epoch (0: unknown) */
	uint32_t cpu;
	uint32_t pid; /* thread id */
	uint32_t tgid;
	char comm[16];
	char reason[EVRECORD_NAME_MAX]; /* name, or the number as text */
	uint32_t reason_code;
	uint64_t location;
	char function[EVRECORD_FRAME_MAX]; /* symbol of location, "" if unknown */
	uint32_t nframes;		   /* innermost first, tracing frames left out */
	char frames[DROPMON_STACK_DEPTH][EVRECORD_FRAME_MAX];
	uint32_t ifindex;
	uint32_t rx_ifindex;
	char dev[DROPMON_IFNAMSIZ];
	uint32_t netns;
	uint32_t len;	    /* skb->len */
	uint32_t frame_len; /* from packet[0] to the packet's end, >= caplen */
	uint16_t l3_proto;  /* host order */
	bool mac;	    /* packet starts at an Ethernet header */
	uint16_t caplen;    /* bytes of packet */
	/* The netfilter verdict of a NETFILTER_DROP, named: nf_kind is an enum
	 * dropmon_nf_kind, DROPMON_NF_NONE (and the rest "") when no chain was
	 * seen to decide. family and hook as nfnames.h names them (a number
	 * without a name as the number); chain is the nftables base chain or
	 * x_tables' built-in chain of the hook ("INPUT"). Table and chain are
	 * the kernel's names, cut to DROPMON_NF_NAMSIZ - 1 bytes, with control
	 * characters replaced by '?' (see evrecord_nf_name_ok()). */
	uint8_t nf_kind;
	char nf_family[NFNAMES_SIZE];
	char nf_hook[NFNAMES_SIZE];
	char nf_table[DROPMON_NF_NAMSIZ];
	char nf_chain[DROPMON_NF_NAMSIZ];
	struct evrecord_nfrule nf_rule;
	uint8_t packet[DROPMON_PKT_BYTES];
};

struct reasons;

struct evrecord_decoder {
	/* The paths are set before evrecord_decoder_load_ksyms() (NULL: /proc;
	 * tests: fixtures). syms.ks NULL: frames as addresses. */
	struct ksyms_live syms;
	struct reasons *reasons; /* NULL: reasons as numbers */
	int64_t mono_to_real_ns; /* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

/* Fills r from a kernel event: names the reason, symbolizes the location
 * and the stack (leaving out the tracing machinery's own frames on top),
 * converts the time, names the netfilter verdict (a kind this binary does
 * not know is taken as none); leaves r->nf_rule all zero (known false, why
 * NULL). ev must have been bounded (ringbuf.c does); its netfilter names
 * need not be terminated. */
void evrecord_decode(struct evrecord *r, const struct drop_event *ev,
		     const struct evrecord_decoder *d);
/* Whether s[0..n) is fit to be a netfilter table or chain name in a
 * record: no control character (a byte below 0x20, 0x7f). The decoder
 * makes every kernel name so; a reader of stored files refuses others. */
bool evrecord_nf_name_ok(const char *s, size_t n);
/* Loads d->syms from its paths (ksyms_live_load(), now being monotonic_s()).
 * Returns 0 or a negative errno (d->syms.ks stays NULL). */
int evrecord_decoder_load_ksyms(struct evrecord_decoder *d);
/* At most every 5 seconds (now_s: a monotonic clock in seconds), reloads
 * d->syms.ks when a module was loaded or unloaded since, so that stack
 * frames in it keep their names. Call it from the thread that decodes. */
void evrecord_decoder_refresh(struct evrecord_decoder *d, uint64_t now_s);
/* CLOCK_REALTIME - CLOCK_MONOTONIC now, in ns. */
int64_t evrecord_clock_offset(void);

#endif
