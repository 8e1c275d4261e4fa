// SPDX-License-Identifier: GPL-2.0-only
/* The query of the debug endpoints, from decoded parameters to a request. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "evquery.h"
#include "parse.h"

enum key { K_FORMAT, K_FOLLOW, K_LIMIT, K_COUNT, K_SECONDS, K_FILTER, K_NKEYS };

static const char *const key_names[K_NKEYS] = { "format", "follow",  "limit",
						"count",  "seconds", "filter" };

/* The parameters each page takes, as a bit set of keys and as text. */
static const struct page {
	unsigned int keys;
	const char *list;
} pages[] = {
	[EVQUERY_DROPS] = { 1u << K_FORMAT | 1u << K_FOLLOW | 1u << K_LIMIT | 1u << K_FILTER,
			    "format, follow, limit and filter" },
	[EVQUERY_PCAP] = { 1u << K_COUNT | 1u << K_SECONDS | 1u << K_FILTER,
			   "count, seconds and filter" },
};

/* Shows a client's bytes in a message: printable ASCII as is, the rest as
 * \xNN, at most max of them. */
static void quote(char *out, size_t outlen, const char *s, size_t n, size_t max)
{
	size_t o = 0;

	for (size_t i = 0; i < n && i < max && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	if (n > max && o + 4 < outlen)
		o += (size_t)snprintf(out + o, outlen - o, "...");
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* "parameter 'shown' what" */
static int bad(char *msg, size_t msglen, const char *shown, const char *what)
{
	snprintf(msg, msglen, "parameter '%s' %s\n", shown, what);
	return -EINVAL;
}

static int find_key(const struct evquery_param *p)
{
	for (int k = 0; k < K_NKEYS; k++) {
		if (p->key_len == strlen(key_names[k]) &&
		    memcmp(p->key, key_names[k], p->key_len) == 0)
			return k;
	}
	return -1;
}

int evquery_parse(enum evquery_page page, const struct evquery_param *p, size_t n,
		  uint64_t max_seconds, struct evquery *q, char *msg, size_t msglen)
{
	const char *v[K_NKEYS] = { 0 };
	char shown[128], why[256];
	unsigned int seen = 0;
	uint64_t max_limit = EVQUERY_MAX_LIMIT;

	memset(q, 0, sizeof(*q));
	if (n > EVQUERY_MAX_PARAMS) {
		snprintf(msg, msglen, "too many query parameters (%zu; at most %d)\n", n,
			 EVQUERY_MAX_PARAMS);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		int k = find_key(&p[i]);

		quote(shown, sizeof(shown), p[i].key, p[i].key_len, 32);
		if (k < 0 || !(pages[page].keys & 1u << k)) {
			snprintf(msg, msglen, "unknown parameter '%s' (this page takes %s)\n",
				 shown, pages[page].list);
			return -EINVAL;
		}
		if (seen & 1u << k)
			return bad(msg, msglen, shown, "is given twice");
		seen |= 1u << k;
		if (!p[i].value || !p[i].value_len)
			return bad(msg, msglen, shown, "has no value");
		if (memchr(p[i].value, '\0', p[i].value_len))
			return bad(msg, msglen, shown, "contains a NUL byte");
		v[k] = p[i].value;
	}

	if (v[K_FORMAT] && strcmp(v[K_FORMAT], "text") != 0 && strcmp(v[K_FORMAT], "json") != 0) {
		quote(shown, sizeof(shown), v[K_FORMAT], strlen(v[K_FORMAT]), 32);
		snprintf(msg, msglen, "format must be text or json (got '%s')\n", shown);
		return -EINVAL;
	}
	q->json = v[K_FORMAT] && strcmp(v[K_FORMAT], "json") == 0;
	if (v[K_FOLLOW] && strcmp(v[K_FOLLOW], "0") != 0 && strcmp(v[K_FOLLOW], "1") != 0) {
		quote(shown, sizeof(shown), v[K_FOLLOW], strlen(v[K_FOLLOW]), 32);
		snprintf(msg, msglen, "follow must be 0 or 1 (got '%s')\n", shown);
		return -EINVAL;
	}
	q->follow = v[K_FOLLOW] && strcmp(v[K_FOLLOW], "1") == 0;
	q->limit = page == EVQUERY_PCAP || q->follow ? 0 : EVQUERY_DEFAULT_LIMIT;
	for (int k = K_LIMIT; k <= K_COUNT; k++) {
		if (v[k] && parse_u64(v[k], 1, max_limit, &q->limit)) {
			quote(shown, sizeof(shown), v[k], strlen(v[k]), 32);
			snprintf(msg, msglen, "%s must be a number from 1 to %llu (got '%s')\n",
				 key_names[k], (unsigned long long)max_limit, shown);
			return -EINVAL;
		}
	}
	if (v[K_SECONDS] && parse_u64(v[K_SECONDS], 1, max_seconds, &q->seconds)) {
		quote(shown, sizeof(shown), v[K_SECONDS], strlen(v[K_SECONDS]), 32);
		snprintf(msg, msglen, "seconds must be a number from 1 to %llu (got '%s')\n",
			 (unsigned long long)max_seconds, shown);
		return -EINVAL;
	}
	if (v[K_FILTER]) {
		size_t len = strlen(v[K_FILTER]);
		char name[64];
		int err;

		if (len > EVQUERY_MAX_FILTER) {
			snprintf(msg, msglen, "filter is longer than %d bytes\n",
				 EVQUERY_MAX_FILTER);
			return -EINVAL;
		}
		if (pktfilter_names(v[K_FILTER], name, sizeof(name))) {
			quote(shown, sizeof(shown), name, strlen(name), 63);
			snprintf(msg, msglen,
				 "filter names '%s': the exporter does not look names up (no DNS "
				 "from a request); give addresses and numbers\n",
				 shown);
			return -EINVAL;
		}
		err = pktfilter_new(v[K_FILTER], &q->filter, why, sizeof(why));
		if (err == -ENOMEM) {
			snprintf(msg, msglen, "out of memory\n");
			return err;
		}
		if (err) {
			quote(shown, sizeof(shown), v[K_FILTER], len, 96);
			snprintf(msg, msglen, "filter '%s': %s\n", shown, why);
			return -EINVAL;
		}
	}
	return 0;
}

void evquery_release(struct evquery *q)
{
	pktfilter_free(q->filter);
	q->filter = NULL;
}
