/* SPDX-License-Identifier: GPL-2.0-only */
/* --web.config.file: the Prometheus exporter-toolkit web configuration
 * (TLS, client certificates, basic auth users, extra response headers),
 * read and checked once at start-up. */
#ifndef DROPMON_WEBCONFIG_H
#define DROPMON_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* tls_server_config.client_auth_type, as in Go's crypto/tls. */
enum web_client_auth {
	WEB_NO_CLIENT_CERT,		   /* "NoClientCert" (default) */
	WEB_REQUEST_CLIENT_CERT,	   /* "RequestClientCert" */
	WEB_REQUIRE_ANY_CLIENT_CERT,	   /* "RequireAnyClientCert" */
	WEB_VERIFY_CLIENT_CERT_IF_GIVEN,   /* "VerifyClientCertIfGiven" */
	WEB_REQUIRE_AND_VERIFY_CLIENT_CERT /* "RequireAndVerifyClientCert" */
};

/* TLS protocol versions, ordered. */
enum web_tls_version { WEB_TLS10 = 10, WEB_TLS11 = 11, WEB_TLS12 = 12, WEB_TLS13 = 13 };

struct web_header {
	char *name; /* canonical spelling, e.g. "X-Frame-Options" */
	char *value;
};

struct web_user {
	char *name;
	char *hash; /* bcrypt, "$2a$", "$2b$" or "$2y$", 60 characters */
};

struct web_config {
	/* TLS is on when cert_pem is set (then key_pem is too). */
	char *cert_pem;
	char *key_pem;
	char *client_ca_pem; /* NULL: none */
	enum web_client_auth client_auth;
	char **allowed_sans; /* client_allowed_sans, NULL when empty */
	size_t nallowed_sans;
	enum web_tls_version min_version; /* default TLS12 */
	enum web_tls_version max_version; /* default TLS13 */
	struct web_header *headers;
	size_t nheaders;
	struct web_user *users; /* basic auth is required when nusers > 0 */
	size_t nusers;
};

/* Reads the file at path; *_file paths in it are relative to its
 * directory. On error returns a negative errno and writes a one-line
 * message naming the file, the line and the problem into err. */
int web_config_load(const char *path, struct web_config **out, char *err, size_t errlen);
/* Parses YAML text; dir is where relative *_file paths start. */
int web_config_parse(const char *text, size_t len, const char *dir, struct web_config **out,
		     char *err, size_t errlen);
void web_config_free(struct web_config *cfg); /* accepts NULL */

#endif
