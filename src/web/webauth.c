// SPDX-License-Identifier: GPL-2.0-only
/* HTTP basic auth: bcrypt through libxcrypt, one check at a time, and a
 * cache of keyed digests (GnuTLS's HMAC-SHA256) of good credentials so that
 * a scrape every few seconds does not pay for bcrypt each time. */
#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "webauth.h"

#define BCRYPT_LEN 60 /* "$2b$10$" + 22 characters of salt + 31 of hash */
#define BCRYPT_COST_MIN 4
#define BCRYPT_COST_MAX 31
#define DUMMY_COST 10	 /* Go's bcrypt.DefaultCost */
#define CACHE_ENTRIES 64 /* a few scrapers per user, a few users */
#define KEY_LEN 32
#define DIGEST_LEN 32 /* HMAC-SHA256 */

/* What an unknown user is checked against, its cost patched in. Valid
 * salt, so crypt_r really does the work; the last character of the hash
 * part carries bits that bcrypt's output always has clear, so no password
 * can ever give this string. */
static const char dummy_hash[] = "$2b$10$DropmonUnknownUserSaluNoPasswordHashesToThisValue0123";
_Static_assert(sizeof(dummy_hash) == BCRYPT_LEN + 1, "dummy_hash is a bcrypt hash");

struct wa_user {
	char *name;		   /* NULL: matches nobody */
	char hash[BCRYPT_LEN + 1]; /* "": not a usable bcrypt hash */
};

struct cache_entry {
	unsigned char digest[DIGEST_LEN];
	uint64_t last_used; /* the tick it was last added or hit; 0: empty */
	size_t user;
};

struct webauth {
	/* Held around crypt_r, so a flood of bad passwords takes one CPU.
	 * cache_mu may be taken inside it, never the other way round. */
	pthread_mutex_t bcrypt_mu;
	/* ~32 KiB: kept here rather than on a libmicrohttpd thread's stack. */
	struct crypt_data cd;
	/* A cache hit takes only this one, so it never waits for a bcrypt. */
	pthread_mutex_t cache_mu;
	struct cache_entry cache[CACHE_ENTRIES];
	uint64_t tick; /* LRU clock: a counter, so never two equal times */
	bool cache_on; /* false when there is no key: every check is a bcrypt */
	unsigned char key[KEY_LEN];
	atomic_ulong nbcrypt;
	char dummy[BCRYPT_LEN + 1];
	struct wa_user *users;
	size_t nusers;
};

/* --- bcrypt hashes -------------------------------------------------------- */

static bool is_bcrypt64(char c)
{
	return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9');
}

/* The cost of a hash webauth_hash_valid() accepted. */
static unsigned int bcrypt_cost(const char *hash)
{
	return (unsigned int)((hash[4] - '0') * 10 + (hash[5] - '0'));
}

bool webauth_hash_valid(const char *hash)
{
	unsigned int cost;
	size_t i;

	if (!hash || strnlen(hash, BCRYPT_LEN + 1) != BCRYPT_LEN)
		return false;
	/* $2x$ (the old sign-extension bug's hashes) is left out on purpose. */
	if (hash[0] != '$' || hash[1] != '2' ||
	    (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') || hash[3] != '$')
		return false;
	if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9' || hash[6] != '$')
		return false;
	cost = bcrypt_cost(hash);
	if (cost < BCRYPT_COST_MIN || cost > BCRYPT_COST_MAX)
		return false;
	for (i = 7; i < BCRYPT_LEN; i++) {
		if (!is_bcrypt64(hash[i]))
			return false;
	}
	return true;
}

/* Call with bcrypt_mu held. */
static bool bcrypt_match(struct webauth *a, const char *password, const char *hash)
{
	const char *got;

	atomic_fetch_add_explicit(&a->nbcrypt, 1, memory_order_relaxed);
	got = crypt_r(password, hash, &a->cd);
	/* Failure is NULL or a string starting with '*' ("*0", "*1"), e.g.
	 * for a password of CRYPT_MAX_PASSPHRASE_SIZE bytes or more. */
	if (!got || got[0] == '*' || strnlen(got, BCRYPT_LEN + 1) != BCRYPT_LEN)
		return false;
	/* gnutls_memcmp has no early exit: the time does not depend on where
	 * the strings differ. 0 when equal. */
	return gnutls_memcmp(got, hash, BCRYPT_LEN) == 0;
}

/* --- the cache of good credentials ---------------------------------------- */

/* Keyed, so that a memory dump does not give a fast hash of the password to
 * attack offline; with the user's hash in it, an entry vouches only for what
 * bcrypt checked. The strings go in with their NULs, which separate them
 * (neither user nor password can hold one), so no two credentials give the
 * same message. False when there is no digest (out of memory, or GnuTLS
 * failed): then out means nothing, and the caller must neither look it up
 * nor add it. */
static bool cred_digest(const struct webauth *a, const char *user, const char *password,
			const char *hash, unsigned char out[DIGEST_LEN])
{
	size_t ulen = strlen(user) + 1, plen = strlen(password) + 1;
	size_t len = ulen + plen + BCRYPT_LEN;
	char *msg = malloc(len);
	int ret;

	if (!msg)
		return false;
	memcpy(msg, user, ulen);
	memcpy(msg + ulen, password, plen);
	memcpy(msg + ulen + plen, hash, BCRYPT_LEN);
	ret = gnutls_hmac_fast(GNUTLS_MAC_SHA256, a->key, sizeof(a->key), msg, len, out);
	/* It holds the password. */
	explicit_bzero(msg, len);
	free(msg);
	return ret >= 0;
}

static bool cache_hit(struct webauth *a, size_t user, const unsigned char *digest)
{
	size_t i, hit = CACHE_ENTRIES;

	if (!a->cache_on)
		return false;
	pthread_mutex_lock(&a->cache_mu);
	/* Every entry is compared whole, hit or not. */
	for (i = 0; i < CACHE_ENTRIES; i++) {
		const struct cache_entry *e = &a->cache[i];
		bool same = gnutls_memcmp(e->digest, digest, DIGEST_LEN) == 0;

		if (same & (e->last_used != 0) & (e->user == user))
			hit = i;
	}
	if (hit < CACHE_ENTRIES)
		a->cache[hit].last_used = ++a->tick;
	pthread_mutex_unlock(&a->cache_mu);
	return hit < CACHE_ENTRIES;
}

/* Call with bcrypt_mu held, after a miss under it: then the credentials are
 * not in the table already. Replaces an empty or the least recently used
 * entry. */
static void cache_add(struct webauth *a, size_t user, const unsigned char *digest)
{
	struct cache_entry *victim = &a->cache[0];
	size_t i;

	if (!a->cache_on)
		return;
	pthread_mutex_lock(&a->cache_mu);
	for (i = 1; i < CACHE_ENTRIES; i++) {
		if (a->cache[i].last_used < victim->last_used)
			victim = &a->cache[i];
	}
	memcpy(victim->digest, digest, DIGEST_LEN);
	victim->user = user;
	victim->last_used = ++a->tick;
	pthread_mutex_unlock(&a->cache_mu);
}

/* --- the users ------------------------------------------------------------ */

/* The index of the user, or a->nusers when there is none with that name
 * and a usable hash: such a user goes down the unknown user's path. */
static size_t find_user(const struct webauth *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nusers; i++) {
		const struct wa_user *u = &a->users[i];

		if (u->name && strcmp(u->name, name) == 0)
			return u->hash[0] ? i : a->nusers;
	}
	return a->nusers;
}

int webauth_new(const struct web_user *users, size_t nusers, struct webauth **out)
{
	struct webauth *a = calloc(1, sizeof(*a));
	unsigned int cost = DUMMY_COST;
	size_t i;
	int err;

	if (!a)
		return -ENOMEM;
	err = pthread_mutex_init(&a->bcrypt_mu, NULL);
	if (err) {
		free(a);
		return -err;
	}
	err = pthread_mutex_init(&a->cache_mu, NULL);
	if (err) {
		pthread_mutex_destroy(&a->bcrypt_mu);
		free(a);
		return -err;
	}
	atomic_init(&a->nbcrypt, 0);
	if (nusers) {
		a->users = calloc(nusers, sizeof(*a->users));
		if (!a->users)
			goto err;
	}
	a->nusers = nusers;
	for (i = 0; i < nusers; i++) {
		if (users[i].name) {
			a->users[i].name = strdup(users[i].name);
			if (!a->users[i].name)
				goto err;
		}
		/* webconfig checks the hashes; another crypt(3) method here
		 * would let a weaker hash through, so such a user never matches. */
		if (webauth_hash_valid(users[i].hash))
			memcpy(a->users[i].hash, users[i].hash, BCRYPT_LEN + 1);
	}
	/* An unknown user should cost what a known one does: the costliest,
	 * so that no unknown name answers faster than every known one. With
	 * users of different costs the cheaper ones still stand out, as with
	 * Go's toolkit: the README says to give every user the same cost. */
	for (i = 0, cost = 0; i < nusers; i++)
		if (a->users[i].hash[0] && bcrypt_cost(a->users[i].hash) > cost)
			cost = bcrypt_cost(a->users[i].hash);
	if (!cost)
		cost = DUMMY_COST;
	memcpy(a->dummy, dummy_hash, sizeof(a->dummy));
	a->dummy[4] = (char)('0' + cost / 10);
	a->dummy[5] = (char)('0' + cost % 10);
	/* Without a secret key the digests would be a fast hash of the
	 * password: rather no cache, slow but still right. GNUTLS_RND_KEY is
	 * the level GnuTLS keeps for long-term keys. */
	a->cache_on = gnutls_rnd(GNUTLS_RND_KEY, a->key, sizeof(a->key)) == 0;
	*out = a;
	return 0;
err:
	webauth_free(a);
	return -ENOMEM;
}

/* Our own base64, not gnutls_base64_decode2() (GnuTLS 3.7): that one takes
 * "YWxp Y2U6c2VjcmV0" (spaces and newlines inside the token) and returns
 * the password in memory gnutls_free() does not wipe. This decodes into
 * the caller's buffer, canonical base64 only. */
static int b64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int webauth_parse_basic(const char *value, char *buf, size_t buflen, const char **user,
			const char **password)
{
	size_t len, out = 0, pad = 0;
	char *colon;

	if (!value || strncasecmp(value, "Basic ", 6) != 0)
		return -EINVAL;
	value += 6;
	while (*value == ' ')
		value++;
	len = strlen(value);
	while (len && value[len - 1] == ' ')
		len--;
	if (len == 0 || len % 4)
		return -EINVAL;
	if (value[len - 1] == '=')
		pad = value[len - 2] == '=' ? 2 : 1;
	if (buflen < len / 4 * 3 - pad + 1)
		return -ENOSPC;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		uint32_t group = 0;
		size_t keep = i + 4 == len ? 3 - pad : 3;

		for (int j = 0; j < 4; j++) {
			bool padding = i + 4 == len && (size_t)j >= 4 - pad;

			v[j] = padding ? (value[i + j] == '=' ? 0 : -1) : b64_value(value[i + j]);
			if (v[j] < 0)
				return -EINVAL;
			group = group << 6 | (uint32_t)v[j];
		}
		/* Canonical only: the bits padding leaves over must be zero. */
		if ((pad == 1 && i + 4 == len && (group & 0xff)) ||
		    (pad == 2 && i + 4 == len && (group & 0xffff)))
			return -EINVAL;
		for (size_t k = 0; k < keep; k++)
			buf[out++] = (char)(group >> (16 - 8 * k));
	}
	if (memchr(buf, '\0', out)) {
		explicit_bzero(buf, out);
		return -EINVAL;
	}
	buf[out] = '\0';
	colon = strchr(buf, ':');
	if (!colon) {
		explicit_bzero(buf, out);
		return -EINVAL;
	}
	*colon = '\0';
	*user = buf;
	*password = colon + 1;
	return 0;
}

void webauth_free(struct webauth *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->nusers; i++)
		free(a->users[i].name);
	free(a->users);
	pthread_mutex_destroy(&a->cache_mu);
	pthread_mutex_destroy(&a->bcrypt_mu);
	/* The key, the digests and crypt_r's scratch space. */
	explicit_bzero(a, sizeof(*a));
	free(a);
}

bool webauth_check(struct webauth *a, const char *user, const char *password)
{
	unsigned char digest[DIGEST_LEN];
	const char *hash;
	size_t idx;
	bool ok, have_digest;

	/* With no users there is nothing to find out by timing. */
	if (!a || !user || !password || !a->nusers)
		return false;
	idx = find_user(a, user);
	/* An unknown user takes the same steps, against the dummy hash; the
	 * cache never has its index. */
	hash = idx < a->nusers ? a->users[idx].hash : a->dummy;
	/* Without a digest (out of memory, or GnuTLS failed) the cache is
	 * left alone: a miss, and bcrypt alone decides. */
	have_digest = cred_digest(a, user, password, hash, digest);
	if (have_digest && cache_hit(a, idx, digest)) {
		ok = true;
		goto out;
	}
	pthread_mutex_lock(&a->bcrypt_mu);
	/* Requests with the same credentials queue here together: the first
	 * one's bcrypt is enough for them all. */
	if (have_digest && cache_hit(a, idx, digest)) {
		ok = true;
	} else {
		ok = bcrypt_match(a, password, hash) && idx < a->nusers;
		if (ok && have_digest)
			cache_add(a, idx, digest);
	}
	pthread_mutex_unlock(&a->bcrypt_mu);
out:
	explicit_bzero(digest, sizeof(digest));
	return ok;
}

unsigned long webauth_bcrypt_count(const struct webauth *a)
{
	return a ? atomic_load_explicit(&a->nbcrypt, memory_order_relaxed) : 0;
}
