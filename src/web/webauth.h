/* SPDX-License-Identifier: GPL-2.0-only */
/* HTTP basic authentication against the bcrypt hashes of basic_auth_users.
 * A bcrypt check costs tens of milliseconds by design: good credentials are
 * remembered (as a keyed digest, never the password), and only one check
 * runs at a time so a flood of bad passwords cannot take every CPU. */
#ifndef DROPMON_WEBAUTH_H
#define DROPMON_WEBAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "webconfig.h"

struct webauth;

/* Keeps a copy of the users. Returns 0, -ENOMEM, or pthread's error. */
int webauth_new(const struct web_user *users, size_t nusers, struct webauth **out);
void webauth_free(struct webauth *a); /* accepts NULL */
/* True when user and password (either may be NULL: false) match a user's
 * hash. Thread-safe. An unknown user costs a bcrypt check too, so timing
 * does not tell which users exist. */
bool webauth_check(struct webauth *a, const char *user, const char *password);
/* Parses an Authorization header value, "Basic " and the base64 of
 * "user:password", into buf (buflen bytes): *user and *password point into
 * it, NUL-terminated. Returns 0, or -EINVAL when the scheme is not Basic,
 * the base64 is not canonical, there is no ':', or either part holds a NUL
 * byte (a C string would cut the password short), -ENOSPC when buf is too
 * small (strlen(value) bytes always do). */
int webauth_parse_basic(const char *value, char *buf, size_t buflen, const char **user,
			const char **password);
/* True when hash is a bcrypt hash crypt(3) here can check. */
bool webauth_hash_valid(const char *hash);
/* Number of bcrypt computations so far (cache misses and unknown users);
 * the unit tests prove the cache with it. */
unsigned long webauth_bcrypt_count(const struct webauth *a);

#endif
