// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the query of /debug/drops and /debug/pcap
 * (events/evquery.c) as the HTTP server hands it over. The first byte
 * picks the page; the rest is split at '&' into parameters and each at its
 * first '=' into key and value, NUL bytes and all (libmicrohttpd decodes
 * %00), each ending in a NUL as libmicrohttpd's do. Checked:
 *  - the answer is 0, -EINVAL with a one-line message, or -ENOMEM;
 *  - what is accepted is in range (limit, seconds) and follows the rules
 *    (no follow or json on the pcap page);
 *  - no filter it accepts makes libpcap look a name up (the resolver
 *    functions libpcap imports are trapped: tests/unit/resolver_trap.c). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evquery.h"
#include "resolver_trap.h"

#define MAX_SECONDS 60

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_evquery: %s\nmessage: \"%s\"\n", what, msg);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evquery_param p[EVQUERY_MAX_PARAMS + 4];
	enum evquery_page page;
	char *s, *end;
	struct evquery q;
	char msg[512];
	size_t n = 0;
	char *copy;
	int err;

	if (!size)
		return 0;
	page = data[0] & 1 ? EVQUERY_PCAP : EVQUERY_DROPS;
	/* A copy of its own size plus the last NUL, so that ASan sees any read
	 * beyond; the separators become the NULs ending keys and values. */
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	s = copy;
	end = copy + size - 1;
	while (s < end && n < sizeof(p) / sizeof(p[0])) {
		char *amp = memchr(s, '&', (size_t)(end - s)), *stop = amp ? amp : (char *)end;
		char *eq = memchr(s, '=', (size_t)(stop - s));

		p[n].key = s;
		p[n].key_len = (size_t)((eq ? eq : stop) - s);
		p[n].value = eq ? eq + 1 : NULL;
		p[n].value_len = eq ? (size_t)(stop - eq - 1) : 0;
		if (eq)
			*eq = '\0';
		*stop = '\0';
		n++;
		s = stop + 1;
	}
	resolver_trap_lookups = 0;
	strcpy(msg, "unset");
	err = evquery_parse(page, p, n, MAX_SECONDS, &q, msg, sizeof(msg));
	if (err == -EINVAL || err == -ENOMEM) {
		size_t len = strnlen(msg, sizeof(msg));

		if (len == sizeof(msg) || !len || strcmp(msg, "unset") == 0)
			die("a refusal without a message", msg);
		if (q.filter)
			die("a refusal that keeps a filter", msg);
	} else if (err) {
		die("an answer that is neither 0, -EINVAL nor -ENOMEM", msg);
	} else {
		if (page == EVQUERY_PCAP && (q.follow || q.json))
			die("follow or json on the pcap page", msg);
		if (q.limit > EVQUERY_MAX_LIMIT || q.seconds > MAX_SECONDS ||
		    (page == EVQUERY_DROPS && q.seconds))
			die("a limit or a duration out of range", msg);
		evquery_release(&q);
	}
	if (resolver_trap_lookups)
		die("libpcap looked a name up", msg);
	free(copy);
	return 0;
}
