/* SPDX-License-Identifier: GPL-2.0-only */
/* pcap-filter expressions (tcpdump syntax, --filter / filter=) matched against the captured
 * bytes of dropped packets, which start either at an Ethernet header or at the IP header. */
#ifndef DROPMON_PKTFILTER_H
#define DROPMON_PKTFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An expression compiled twice: for Ethernet (DLT_EN10MB) and for raw IP (DLT_RAW).
 * After pktfilter_new() returns, a pktfilter is only read, so pktfilter_match() may be called
 * on it from several threads at once; pktfilter_free() must not race with them. */
struct pktfilter;

/* Compiles expr for both packet starts. Returns 0 with *out set, or -EINVAL with libpcap's
 * error message copied into err[0..errlen) (always NUL-terminated when errlen > 0; err may be
 * NULL), -ENOMEM on allocation failure. An expression valid for only one of the two link types
 * is accepted and packets of the other kind then never match: e.g. "ether host ..." has no
 * meaning without a MAC header, so raw-IP packets never match it. If the expression compiles
 * for neither, the Ethernet error is reported. expr NULL or "" gives *out = NULL and 0 (no
 * filter). */
int pktfilter_new(const char *expr, struct pktfilter **out, char *err, size_t errlen);

/* Whether the packet matches f; f == NULL matches everything. mac: data starts at an Ethernet
 * header, else at the IPv4/IPv6 header. caplen bytes of data are available; wire_len is the
 * packet's full length (values below caplen are taken as caplen). Never reads beyond caplen:
 * a test on bytes that were not captured makes the packet not match. Note that, as in tcpdump,
 * Ethernet frames with an in-band VLAN tag only match expressions that say "vlan". */
bool pktfilter_match(const struct pktfilter *f, bool mac, const void *data, uint32_t caplen,
		     uint32_t wire_len);

/* Whether expr names something libpcap would look up to compile it (a host, network, port,
 * protocol or Ethernet address name, which may go to DNS): then the first such name is copied
 * into name[0..namelen) (NUL-terminated, possibly cut). Words it takes as keywords, numbers
 * and IPv4, IPv6 and MAC addresses are not names. Errs on the side of "yes": a word libpcap
 * would reject is also called a name. */
bool pktfilter_names(const char *expr, char *name, size_t namelen);

/* Accepts NULL. */
void pktfilter_free(struct pktfilter *f);

#endif
