/* SPDX-License-Identifier: GPL-2.0-only */
/* What a reader of sampled events asks for in the query of /debug/drops and
 * /debug/pcap: format, follow, how many, how long, and which packets. Every
 * parameter is checked: unknown, repeated or malformed ones, NUL bytes and
 * filters that would make libpcap look names up are refused, with a message
 * for the client. */
#ifndef DROPMON_EVQUERY_H
#define DROPMON_EVQUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pktfilter.h"

/* Parameters at most in one query. */
#define EVQUERY_MAX_PARAMS 16
/* libpcap's optimizer is not linear in the expression's length. */
#define EVQUERY_MAX_FILTER 1024
/* /debug/drops without limit= (and not following). */
#define EVQUERY_DEFAULT_LIMIT 100
#define EVQUERY_MAX_LIMIT 1000000

enum evquery_page { EVQUERY_DROPS, EVQUERY_PCAP };

/* One parameter as the HTTP server decoded it: value NULL for "key" without
 * '='. The lengths count every byte, NUL bytes included; key[key_len] and
 * value[value_len] are NULs, as libmicrohttpd gives them. */
struct evquery_param {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
};

struct evquery {
	bool json;		  /* drops: format=json */
	bool follow;		  /* drops: follow=1 */
	uint64_t limit;		  /* events at most (drops: limit=, pcap: count=); 0: no limit */
	uint64_t seconds;	  /* pcap: capture new events this long; 0: the recent ones */
	struct pktfilter *filter; /* NULL: every packet */
};

/* Fills q from the n parameters of a query of page; max_seconds bounds
 * seconds=. Returns 0, -EINVAL with the reason (one line, ending in '\n')
 * in msg[msglen], or -ENOMEM. On failure nothing needs freeing. */
int evquery_parse(enum evquery_page page, const struct evquery_param *p, size_t n,
		  uint64_t max_seconds, struct evquery *q, char *msg, size_t msglen);
/* Frees what q holds (its filter). */
void evquery_release(struct evquery *q);

#endif
