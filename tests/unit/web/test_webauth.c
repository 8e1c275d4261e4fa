// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for webauth: bcrypt checks ($2a$, $2b$, $2y$, hashes made by
 * other implementations), the cache of good credentials seen through the
 * bcrypt counter, threads, and what happens when GnuTLS fails under the
 * cache. Hashes made here use cost 4 to keep the tests fast. */
#include <crypt.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cmocka.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "webauth.h"

#define HASH_SIZE 61	 /* 60 characters and the NUL */
#define CACHE_ENTRIES 64 /* the size of webauth.c's table */

struct user {
	const char *name;
	const char *hash;
};

/* A fresh bcrypt hash of password, with a random salt. */
static void make_hash(const char *prefix, unsigned long cost, const char *password,
		      char out[HASH_SIZE])
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;

	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn(prefix, cost, NULL, 0, setting, sizeof(setting)));
	h = crypt_r(password, setting, cd);
	assert_non_null(h);
	assert_int_equal(strlen(h), HASH_SIZE - 1);
	assert_memory_equal(h, prefix, 4);
	memcpy(out, h, HASH_SIZE);
	free(cd);
}

/* Builds the users the way webconfig does, on the heap, and wipes and frees
 * them once webauth has its copy. */
static struct webauth *auth_new(const struct user *users, size_t n)
{
	struct web_user *wu = calloc(n + 1, sizeof(*wu));
	struct webauth *a;
	size_t i;

	assert_non_null(wu);
	for (i = 0; i < n; i++) {
		wu[i].name = strdup(users[i].name);
		wu[i].hash = strdup(users[i].hash);
		assert_non_null(wu[i].name);
		assert_non_null(wu[i].hash);
	}
	assert_int_equal(webauth_new(wu, n, &a), 0);
	for (i = 0; i < n; i++) {
		memset(wu[i].name, 'X', strlen(wu[i].name));
		memset(wu[i].hash, 'X', strlen(wu[i].hash));
		free(wu[i].name);
		free(wu[i].hash);
	}
	free(wu);
	assert_non_null(a);
	return a;
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* GnuTLS's calls, webauth's and its own, come here first: a definition in
 * the program goes before the shared library's. Each does the real work
 * (through other GnuTLS functions, or the kernel) unless told to fail. */
static atomic_bool hmac_fails, rnd_fails;
static atomic_ulong nhmac, nrnd;

int gnutls_hmac_fast(gnutls_mac_algorithm_t algo, const void *key, size_t keylen, const void *text,
		     size_t textlen, void *digest)
{
	gnutls_hmac_hd_t h;
	int ret;

	atomic_fetch_add(&nhmac, 1);
	ret = gnutls_hmac_init(&h, algo, key, keylen);
	if (ret < 0)
		return ret;
	ret = gnutls_hmac(h, text, textlen);
	gnutls_hmac_deinit(h, digest);
	/* A failure that leaves the right digest in place: webauth must
	 * not use it anyway. */
	return atomic_load(&hmac_fails) ? GNUTLS_E_INTERNAL_ERROR : ret;
}

int gnutls_rnd(gnutls_rnd_level_t level, void *data, size_t len)
{
	unsigned char *p = data;

	(void)level;
	atomic_fetch_add(&nrnd, 1);
	if (atomic_load(&rnd_fails))
		return GNUTLS_E_RANDOM_FAILED;
	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return GNUTLS_E_RANDOM_FAILED;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void test_hash_valid(void **state)
{
	static const char *const good[] = {
		"$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2b$10$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2y$31$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2y$12$./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxy",
		"$2b$09$z0123456789./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn",
	};
	static const char *const bad[] = {
		"",
		"$2x$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW", /* prefix */
		"$2c$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$3a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"x2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2a#04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2a$03$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW", /* cost */
		"$2a$32$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2a$00$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2a$1a$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2a$ 9$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2a$4$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrWx",
		"$2a$04xabcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",
		"$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIr",	 /* 59 */
		"$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrWW", /* 61 */
		"$2a$04$abcdefghijklmnopqrstu+2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW",	 /* chars */
		"$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIr=",
		"$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WI$W",
		"$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIr\xff",
		"$1$saltsalt$6SNdNaZLKst2LlSm7oPPL1",
	};
	char made[HASH_SIZE];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(strlen(good[i]), 60);
		assert_true(webauth_hash_valid(good[i]));
	}
	make_hash("$2y$", 4, "x", made);
	assert_true(webauth_hash_valid(made));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!webauth_hash_valid(bad[i]))
			continue;
		fail_msg("accepted %s", bad[i]);
	}
	assert_false(webauth_hash_valid(NULL));
}

static void test_good_and_wrong(void **state)
{
	char hash[HASH_SIZE];
	struct user u[1] = { { "alice", hash } };
	struct webauth *a;

	(void)state;
	make_hash("$2b$", 4, "correct horse", hash);
	a = auth_new(u, 1);
	assert_true(webauth_check(a, "alice", "correct horse"));
	assert_false(webauth_check(a, "alice", "correct hors"));
	assert_false(webauth_check(a, "alice", "correct horse "));
	assert_false(webauth_check(a, "alice", "Correct horse"));
	assert_false(webauth_check(a, "alice", ""));
	assert_false(webauth_check(a, "Alice", "correct horse"));
	assert_false(webauth_check(a, "alice ", "correct horse"));
	assert_false(webauth_check(a, "alic", "correct horse"));
	assert_false(webauth_check(a, "", "correct horse"));
	assert_false(webauth_check(a, "bob", "correct horse"));
	/* Still good after all that. */
	assert_true(webauth_check(a, "alice", "correct horse"));
	webauth_free(a);
}

static void test_null_and_no_users(void **state)
{
	char hash[HASH_SIZE];
	struct user u[1] = { { "alice", hash } };
	struct webauth *a;

	(void)state;
	make_hash("$2b$", 4, "pw", hash);
	a = auth_new(u, 1);
	assert_false(webauth_check(a, NULL, "pw"));
	assert_false(webauth_check(a, "alice", NULL));
	assert_false(webauth_check(a, NULL, NULL));
	assert_true(webauth_check(a, "alice", "pw"));
	assert_false(webauth_check(NULL, "alice", "pw"));
	webauth_free(a);

	assert_int_equal(webauth_new(NULL, 0, &a), 0);
	assert_false(webauth_check(a, "alice", "pw"));
	assert_false(webauth_check(a, "", ""));
	assert_int_equal(webauth_bcrypt_count(a), 0);
	webauth_free(a);
	webauth_free(NULL);
}

static void test_empty_password(void **state)
{
	char hash[HASH_SIZE];
	struct user u[1] = { { "alice", hash } };
	struct webauth *a;

	(void)state;
	make_hash("$2y$", 4, "", hash);
	a = auth_new(u, 1);
	assert_false(webauth_check(a, "alice", " "));
	assert_false(webauth_check(a, "alice", "x"));
	assert_true(webauth_check(a, "alice", ""));
	assert_true(webauth_check(a, "alice", ""));
	webauth_free(a);
}

/* Bytes 0x80-0xff, where the old $2x$ bug sign-extended. */
static void test_high_bytes(void **state)
{
	char pw[72], wrong[72], hb[HASH_SIZE], hy[HASH_SIZE];
	struct user u[2] = { { "b", hb }, { "y", hy } };
	struct webauth *a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pw) - 1; i++)
		pw[i] = (char)(0x80 + i * 37 % 128); /* 71 different bytes >= 0x80 */
	pw[sizeof(pw) - 1] = '\0';
	memcpy(wrong, pw, sizeof(pw));
	wrong[10] = (char)(wrong[10] & 0x7f); /* the same but for its top bit */
	make_hash("$2b$", 4, pw, hb);
	make_hash("$2y$", 4, pw, hy);
	a = auth_new(u, 2);
	assert_true(webauth_check(a, "b", pw));
	assert_true(webauth_check(a, "y", pw));
	assert_false(webauth_check(a, "b", wrong));
	assert_false(webauth_check(a, "y", wrong));
	assert_false(webauth_check(a, "y", "\xc3\xa9"));
	webauth_free(a);
}

static void test_prefixes(void **state)
{
	static const char *const prefixes[] = { "$2a$", "$2b$", "$2y$" };
	char hashes[3][HASH_SIZE];
	struct user u[3] = { { "a", hashes[0] }, { "b", hashes[1] }, { "y", hashes[2] } };
	struct webauth *a;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		make_hash(prefixes[i], 4, "pass\xe2\x82\xac", hashes[i]);
	a = auth_new(u, 3);
	for (i = 0; i < 3; i++) {
		assert_true(webauth_check(a, u[i].name, "pass\xe2\x82\xac"));
		assert_false(webauth_check(a, u[i].name, "pass"));
	}
	webauth_free(a);
}

/* Hashes from elsewhere: htpasswd -B writes $2y$ hashes like PHP's. */
static void test_made_elsewhere(void **state)
{
	static const struct {
		const char *hash, *password;
	} known[] = {
		/* python3 -c "import crypt; print(crypt.crypt('secret',
		 * '\$2y\$04\$abcdefghijklmnopqrstuu'))" */
		{ "$2y$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW", "secret" },
		/* PHP's password_verify() manual page, cost 10 like htpasswd's */
		{ "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a", "rasmuslerdorf" },
		/* Openwall crypt_blowfish's test vectors */
		{ "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U" },
		{ "$2y$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3" },
		{ "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e", "\xff\xff\xa3" },
		/* $2a$ hashes such bytes differently, as it should */
		{ "$2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.", "\xff\xff\xa3" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		struct user u[1] = { { "u", known[i].hash } };
		struct webauth *a = auth_new(u, 1);
		char wrong[16];

		snprintf(wrong, sizeof(wrong), "%s!", known[i].password);
		assert_true(webauth_hash_valid(known[i].hash));
		assert_false(webauth_check(a, "u", wrong));
		if (!webauth_check(a, "u", known[i].password))
			fail_msg("%s does not verify", known[i].hash);
		webauth_free(a);
	}
}

/* A hash of another crypt(3) method verifies with crypt_r, but is not
 * bcrypt: it must not let anyone in. */
static void test_other_method_never_matches(void **state)
{
	static const char md5[] = "$1$saltsalt$6SNdNaZLKst2LlSm7oPPL1"; /* of "pw" */
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char good[HASH_SIZE];
	struct user u[3] = { { "md5", md5 }, { "junk", "plain-text-password" }, { "ok", good } };
	struct webauth *a;

	(void)state;
	assert_non_null(cd);
	assert_non_null(crypt_r("pw", md5, cd));
	assert_string_equal(cd->output, md5);
	free(cd);
	make_hash("$2b$", 4, "pw", good);
	a = auth_new(u, 3);
	assert_false(webauth_check(a, "md5", "pw"));
	assert_false(webauth_check(a, "junk", "plain-text-password"));
	assert_true(webauth_check(a, "ok", "pw"));
	webauth_free(a);
}

/* bcrypt reads 72 bytes; libxcrypt refuses 512 or more. */
static void test_long_password(void **state)
{
	char pw[600], hash[HASH_SIZE];
	struct user u[1] = { { "alice", hash } };
	struct webauth *a;

	(void)state;
	memset(pw, 'p', sizeof(pw));
	pw[200] = '\0';
	make_hash("$2b$", 4, pw, hash);
	a = auth_new(u, 1);
	assert_true(webauth_check(a, "alice", pw));
	pw[200] = 'p';
	pw[sizeof(pw) - 1] = '\0';
	assert_false(webauth_check(a, "alice", pw));
	webauth_free(a);
}

static void test_cache_skips_bcrypt(void **state)
{
	char hash[HASH_SIZE];
	struct user u[1] = { { "alice", hash } };
	struct webauth *a;

	(void)state;
	make_hash("$2b$", 4, "pw", hash);
	a = auth_new(u, 1);
	assert_int_equal(webauth_bcrypt_count(a), 0);
	assert_true(webauth_check(a, "alice", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 1);
	assert_true(webauth_check(a, "alice", "pw"));
	assert_true(webauth_check(a, "alice", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 1);
	/* A wrong password is never remembered. */
	assert_false(webauth_check(a, "alice", "pW"));
	assert_int_equal(webauth_bcrypt_count(a), 2);
	assert_false(webauth_check(a, "alice", "pW"));
	assert_int_equal(webauth_bcrypt_count(a), 3);
	/* An unknown user costs a bcrypt too, every time. */
	assert_false(webauth_check(a, "mallory", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 4);
	assert_false(webauth_check(a, "mallory", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 5);
	assert_true(webauth_check(a, "alice", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 5);
	/* NULLs are refused before any bcrypt. */
	assert_false(webauth_check(a, "alice", NULL));
	assert_int_equal(webauth_bcrypt_count(a), 5);
	webauth_free(a);
}

static void test_cache_per_user(void **state)
{
	char ha[HASH_SIZE], hb[HASH_SIZE], hc[HASH_SIZE];
	struct user u[3] = { { "alice", ha }, { "bob", hb }, { "carol", hc } };
	struct webauth *a;
	unsigned long n;

	(void)state;
	make_hash("$2b$", 4, "alice-pw", ha);
	make_hash("$2b$", 4, "bob-pw", hb);
	make_hash("$2b$", 4, "alice-pw", hc); /* carol has alice's password */
	a = auth_new(u, 3);
	assert_true(webauth_check(a, "alice", "alice-pw"));
	n = webauth_bcrypt_count(a);
	assert_false(webauth_check(a, "bob", "alice-pw"));
	assert_int_equal(webauth_bcrypt_count(a), n + 1);
	assert_false(webauth_check(a, "alice", "bob-pw"));
	assert_false(webauth_check(a, "alice", "alice-pw2"));
	assert_int_equal(webauth_bcrypt_count(a), n + 3);
	/* Right for carol, but only bcrypt may say so: the cache is per user. */
	assert_true(webauth_check(a, "carol", "alice-pw"));
	assert_int_equal(webauth_bcrypt_count(a), n + 4);
	assert_true(webauth_check(a, "bob", "bob-pw"));
	assert_int_equal(webauth_bcrypt_count(a), n + 5);
	assert_true(webauth_check(a, "alice", "alice-pw"));
	assert_true(webauth_check(a, "bob", "bob-pw"));
	assert_true(webauth_check(a, "carol", "alice-pw"));
	assert_int_equal(webauth_bcrypt_count(a), n + 5);
	assert_false(webauth_check(a, "bob", "alice-pw"));
	webauth_free(a);
}

/* NUSERS users "uN" with password "pwN", cost 4. */
#define NUSERS (CACHE_ENTRIES * 2 + 8)

struct many {
	char names[NUSERS][8], pws[NUSERS][8], hashes[NUSERS][HASH_SIZE];
	struct user u[NUSERS];
};

static struct many *many_new(void)
{
	struct many *m = calloc(1, sizeof(*m));
	size_t i;

	assert_non_null(m);
	for (i = 0; i < NUSERS; i++) {
		snprintf(m->names[i], sizeof(m->names[i]), "u%zu", i);
		snprintf(m->pws[i], sizeof(m->pws[i]), "pw%zu", i);
		make_hash("$2b$", 4, m->pws[i], m->hashes[i]);
		m->u[i].name = m->names[i];
		m->u[i].hash = m->hashes[i];
	}
	return m;
}

/* The least recently used entry goes first. */
static void test_cache_lru(void **state)
{
	struct many *m = *state;
	struct webauth *a = auth_new(m->u, NUSERS);
	unsigned long n;
	size_t i;

	for (i = 0; i < CACHE_ENTRIES; i++)
		assert_true(webauth_check(a, m->names[i], m->pws[i]));
	n = webauth_bcrypt_count(a);
	assert_int_equal(n, CACHE_ENTRIES);
	for (i = 0; i < CACHE_ENTRIES; i++)
		assert_true(webauth_check(a, m->names[i], m->pws[i]));
	assert_int_equal(webauth_bcrypt_count(a), n);
	/* Use u0 again, then a newcomer evicts u1, now the oldest. */
	assert_true(webauth_check(a, m->names[0], m->pws[0]));
	assert_true(webauth_check(a, m->names[CACHE_ENTRIES], m->pws[CACHE_ENTRIES]));
	assert_int_equal(webauth_bcrypt_count(a), n + 1);
	assert_true(webauth_check(a, m->names[0], m->pws[0]));
	assert_true(webauth_check(a, m->names[2], m->pws[2]));
	assert_true(webauth_check(a, m->names[CACHE_ENTRIES], m->pws[CACHE_ENTRIES]));
	assert_int_equal(webauth_bcrypt_count(a), n + 1);
	assert_true(webauth_check(a, m->names[1], m->pws[1]));
	assert_int_equal(webauth_bcrypt_count(a), n + 2);
	webauth_free(a);
}

/* Far more users than entries: the answers stay right. */
static void test_cache_eviction(void **state)
{
	struct many *m = *state;
	struct webauth *a = auth_new(m->u, NUSERS);
	size_t round, i;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < NUSERS; i++) {
			size_t j = (i * 7 + round) % NUSERS; /* a different order each round */

			assert_true(webauth_check(a, m->names[j], m->pws[j]));
			assert_false(webauth_check(a, m->names[j], m->pws[(j + 1) % NUSERS]));
			assert_false(webauth_check(a, m->names[(j + 1) % NUSERS], m->pws[j]));
		}
	}
	/* Every wrong answer and every evicted good one was a bcrypt. */
	assert_true(webauth_bcrypt_count(a) >=
		    3 * NUSERS * 2 + NUSERS + 2 * (NUSERS - CACHE_ENTRIES));
	webauth_free(a);
}

static int many_setup(void **state)
{
	*state = many_new();
	return 0;
}

static int many_teardown(void **state)
{
	free(*state);
	return 0;
}

#define THREADS 8
#define CHECKS 50
/* Small, as a libmicrohttpd thread's may be: a struct crypt_data (~32 KiB)
 * on the stack would overflow it, with or without ASan. */
#define THREAD_STACK (PTHREAD_STACK_MIN + 16 * 1024)

struct worker {
	struct webauth *a;
	unsigned int id;
	unsigned int wrong; /* answers that were not the expected one */
};

static const struct {
	const char *user, *password;
	bool ok;
} mixed[] = {
	{ "alice", "alice-pw", true },	 { "alice", "bob-pw", false },
	{ "bob", "bob-pw", true },	 { "bob", "alice-pw", false },
	{ "carol", "", true },		 { "carol", "x", false },
	{ "mallory", "", false },	 { "alice", NULL, false },
	{ "alice", "alice-pw ", false },
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	unsigned int i, n = sizeof(mixed) / sizeof(mixed[0]);

	for (i = 0; i < CHECKS; i++) {
		unsigned int c = (w->id * 5 + i * 7) % n;

		if (webauth_check(w->a, mixed[c].user, mixed[c].password) != mixed[c].ok)
			w->wrong++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	char ha[HASH_SIZE], hb[HASH_SIZE], hc[HASH_SIZE];
	struct user u[3] = { { "alice", ha }, { "bob", hb }, { "carol", hc } };
	struct worker w[THREADS];
	pthread_t tid[THREADS];
	pthread_attr_t attr;
	struct webauth *a;
	unsigned int i;

	(void)state;
	make_hash("$2b$", 4, "alice-pw", ha);
	make_hash("$2y$", 4, "bob-pw", hb);
	make_hash("$2a$", 4, "", hc);
	a = auth_new(u, 3);
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, THREAD_STACK), 0);
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .a = a, .id = i };
		assert_int_equal(pthread_create(&tid[i], &attr, worker_run, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(tid[i], NULL), 0);
		assert_int_equal(w[i].wrong, 0);
	}
	pthread_attr_destroy(&attr);
	/* Good credentials were mostly cache hits. */
	assert_true(webauth_bcrypt_count(a) < THREADS * CHECKS);
	webauth_free(a);
}

struct slow {
	struct webauth *a;
	atomic_bool done;
	uint64_t end_ns; /* wall clock */
	uint64_t cpu_ns; /* the check's own work: a wait for the lock is not in it */
};

static void *slow_run(void *arg)
{
	struct slow *s = arg;

	uint64_t cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);

	webauth_check(s->a, "nobody", "pw");
	s->end_ns = clock_ns(CLOCK_MONOTONIC);
	s->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu;
	atomic_store(&s->done, true);
	return NULL;
}

/* First user at cost 12 (~0.2 s): an unknown user costs about as much;
 * while that bcrypt runs a cached check does not wait for it, but another
 * bcrypt does. */
static void test_slow_bcrypt(void **state)
{
	/* python3 -c "import crypt; print(crypt.crypt('slowpassword',
	 * '\$2b\$12\$abcdefghijklmnopqrstuu'))" */
	static const char slow_hash[] =
	    "$2b$12$abcdefghijklmnopqrstuuDlNdDythdyHrnX0.sBfLAdrcefPKIZO";
	char fast_hash[HASH_SIZE];
	/* The costliest user second: the dummy takes the highest cost, not
	 * the first user's. */
	struct user u[2] = { { "fast", fast_hash }, { "slow", slow_hash } };
	struct slow s1 = { .done = false }, s2 = { .done = false };
	uint64_t t0, known_ns, unknown_ns;
	pthread_t tid1, tid2;
	struct webauth *a;
	unsigned long n;

	(void)state;
	make_hash("$2b$", 4, "fast-pw", fast_hash);
	a = s1.a = s2.a = auth_new(u, 2);
	/* CPU time, which a busy machine does not stretch. */
	t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	assert_false(webauth_check(a, "slow", "wrong"));
	known_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	assert_false(webauth_check(a, "nobody", "wrong"));
	unknown_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	/* A cost-10 dummy would take a quarter of the time, cost 4 nothing. */
	if (unknown_ns * 2 < known_ns)
		fail_msg("unknown user %" PRIu64 " ns, known %" PRIu64 " ns", unknown_ns, known_ns);

	assert_true(webauth_check(a, "fast", "fast-pw"));
	n = webauth_bcrypt_count(a);
	assert_int_equal(pthread_create(&tid1, NULL, slow_run, &s1), 0);
	/* The count goes up as the slow bcrypt starts, under its lock. */
	while (webauth_bcrypt_count(a) == n)
		sched_yield();
	assert_true(webauth_check(a, "fast", "fast-pw"));
	assert_false(atomic_load(&s1.done));
	assert_int_equal(webauth_bcrypt_count(a), n + 1);
	/* Started while the first runs, the second bcrypt only starts when
	 * the first has ended: then the time between their ends is at least
	 * the second's own CPU time (a wall clock never runs slower). */
	assert_int_equal(pthread_create(&tid2, NULL, slow_run, &s2), 0);
	assert_int_equal(pthread_join(tid1, NULL), 0);
	assert_int_equal(pthread_join(tid2, NULL), 0);
	assert_true(atomic_load(&s1.done));
	assert_true(atomic_load(&s2.done));
	if (s2.end_ns < s1.end_ns + s2.cpu_ns / 2)
		fail_msg("bcrypts overlapped: ended %" PRId64 " ns apart, the second took %" PRIu64
			 " ns of CPU",
			 (int64_t)(s2.end_ns - s1.end_ns), s2.cpu_ns);
	assert_int_equal(webauth_bcrypt_count(a), n + 2);
	webauth_free(a);
}

/* Without a digest the cache is a miss: bcrypt still answers, right, and
 * a failed HMAC neither finds nor adds an entry. */
static void test_hmac_fails(void **state)
{
	char hash[HASH_SIZE];
	struct user u[1] = { { "alice", hash } };
	struct webauth *a;
	unsigned long calls = atomic_load(&nhmac);

	(void)state;
	make_hash("$2b$", 4, "pw", hash);
	a = auth_new(u, 1);
	atomic_store(&hmac_fails, true);
	assert_true(webauth_check(a, "alice", "pw"));
	assert_true(webauth_check(a, "alice", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 2);
	assert_false(webauth_check(a, "alice", "pW"));
	assert_false(webauth_check(a, "mallory", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 4);
	/* webauth really did ask GnuTLS (the stand-in above) each time. */
	assert_true(atomic_load(&nhmac) >= calls + 4);
	atomic_store(&hmac_fails, false);
	/* Nothing was added while it failed. */
	assert_true(webauth_check(a, "alice", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 5);
	assert_true(webauth_check(a, "alice", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 5);
	/* In the cache now, yet a failed HMAC does not look it up, even
	 * with the right digest in hand. */
	atomic_store(&hmac_fails, true);
	assert_true(webauth_check(a, "alice", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 6);
	assert_false(webauth_check(a, "alice", "pW"));
	assert_int_equal(webauth_bcrypt_count(a), 7);
	atomic_store(&hmac_fails, false);
	assert_true(webauth_check(a, "alice", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 7);
	webauth_free(a);
}

/* No random key, no cache: every check is a bcrypt, and still right. */
static void test_no_key(void **state)
{
	char hash[HASH_SIZE];
	struct user u[1] = { { "alice", hash } };
	struct webauth *a;
	unsigned long calls = atomic_load(&nrnd);

	(void)state;
	make_hash("$2b$", 4, "pw", hash);
	atomic_store(&rnd_fails, true);
	a = auth_new(u, 1);
	atomic_store(&rnd_fails, false);
	assert_true(atomic_load(&nrnd) > calls);
	assert_true(webauth_check(a, "alice", "pw"));
	assert_true(webauth_check(a, "alice", "pw"));
	assert_true(webauth_check(a, "alice", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 3);
	assert_false(webauth_check(a, "alice", "pW"));
	assert_false(webauth_check(a, "bob", "pw"));
	assert_int_equal(webauth_bcrypt_count(a), 5);
	webauth_free(a);
}

static void expect_basic(const char *value, int want, const char *user, const char *password)
{
	char buf[128];
	const char *u = NULL, *p = NULL;

	assert_int_equal(webauth_parse_basic(value, buf, sizeof(buf), &u, &p), want);
	if (want == 0) {
		assert_string_equal(u, user);
		assert_string_equal(p, password);
	}
}

/* The Authorization header, parsed to the byte: canonical base64 only, and
 * no NUL byte, which would let "pw\0junk" pass as "pw". */
static void test_parse_basic(void **state)
{
	char small[4];
	const char *u, *p;

	(void)state;
	expect_basic("Basic YWxpY2U6c2VjcmV0", 0, "alice", "secret");
	expect_basic("basic   YWxpY2U6c2VjcmV0  ", 0, "alice", "secret");
	expect_basic("Basic Ym9iOmI6dHRlcnk=", 0, "bob", "b:ttery");
	expect_basic("Basic YTo=", 0, "a", "");
	expect_basic("Basic OnB3", 0, "", "pw");
	expect_basic("Basic w7w6w7U=", 0, "\xc3\xbc", "\xc3\xb5");
	/* bob:pw\0junk */
	expect_basic("Basic Ym9iOnB3AGp1bms=", -EINVAL, NULL, NULL);
	/* no colon */
	expect_basic("Basic YWxpY2U=", -EINVAL, NULL, NULL);
	expect_basic("Bearer YWxpY2U6c2VjcmV0", -EINVAL, NULL, NULL);
	expect_basic("BasicYWxpY2U6c2VjcmV0", -EINVAL, NULL, NULL);
	expect_basic("Basic ", -EINVAL, NULL, NULL);
	expect_basic("Basic YWxpY2U6c2VjcmV", -EINVAL, NULL, NULL);   /* not a multiple of 4 */
	expect_basic("Basic YWxpY2U6c2VjcmV0=", -EINVAL, NULL, NULL); /* ditto */
	expect_basic("Basic YWxp=2U6", -EINVAL, NULL, NULL);	      /* padding inside */
	expect_basic("Basic YTp=", -EINVAL, NULL, NULL);	      /* bits left over */
	expect_basic("Basic YR==", -EINVAL, NULL, NULL);
	expect_basic("Basic YWxp Y2U6c2VjcmV0", -EINVAL, NULL, NULL);
	expect_basic("Basic YWxpY2U6c2Vjc-V0", -EINVAL, NULL, NULL);
	expect_basic(NULL, -EINVAL, NULL, NULL);
	assert_int_equal(
	    webauth_parse_basic("Basic YWxpY2U6c2VjcmV0", small, sizeof(small), &u, &p), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_valid),
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_good_and_wrong),
		cmocka_unit_test(test_null_and_no_users),
		cmocka_unit_test(test_empty_password),
		cmocka_unit_test(test_high_bytes),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_made_elsewhere),
		cmocka_unit_test(test_other_method_never_matches),
		cmocka_unit_test(test_long_password),
		cmocka_unit_test(test_cache_skips_bcrypt),
		cmocka_unit_test(test_cache_per_user),
		cmocka_unit_test_setup_teardown(test_cache_lru, many_setup, many_teardown),
		cmocka_unit_test_setup_teardown(test_cache_eviction, many_setup, many_teardown),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_slow_bcrypt),
		cmocka_unit_test(test_hmac_fails),
		cmocka_unit_test(test_no_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
