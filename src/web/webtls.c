// SPDX-License-Identifier: GPL-2.0-only
/* TLS policy of the exporter's listener: versions, and the five client
 * certificate policies of Go's crypto/tls that the exporter-toolkit names. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "webtls.h"

/* A client certificate must be meant for TLS client authentication, as Go
 * checks (ExtKeyUsageClientAuth). gnutls keeps a pointer to this for the
 * life of the session: it is never written. */
static gnutls_typed_vdata_st client_purpose[] = {
	{ .type = GNUTLS_DT_KEY_PURPOSE_OID, .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT },
};

int webtls_priorities(const struct web_config *cfg, char *buf, size_t len)
{
	static const char *const names[] = { "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3" };
	size_t used;
	int n;

	n = snprintf(buf, len, "NORMAL:-VERS-ALL");
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	used = (size_t)n;
	for (int v = cfg->min_version; v <= (int)cfg->max_version; v++) {
		n = snprintf(buf + used, len - used, ":+VERS-%s", names[v - WEB_TLS10]);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return 0;
}

static gnutls_datum_t datum(const char *pem)
{
	return (gnutls_datum_t){ .data = (unsigned char *)pem, .size = (unsigned int)strlen(pem) };
}

int webtls_validate(const struct web_config *cfg, char *why, size_t whylen)
{
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_priority_t prio = NULL;
	gnutls_datum_t cert, key, ca;
	char priorities[128];
	int ret, err = -EINVAL;

	if (!cfg->cert_pem)
		return 0;
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	cert = datum(cfg->cert_pem);
	key = datum(cfg->key_pem);
	ret = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (ret < 0) {
		snprintf(why, whylen, "the TLS certificate and key: %s", gnutls_strerror(ret));
		goto out;
	}
	if (cfg->client_ca_pem) {
		ca = datum(cfg->client_ca_pem);
		ret = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		if (ret <= 0) {
			snprintf(why, whylen, "the client CA: %s",
				 ret < 0 ? gnutls_strerror(ret) : "no certificate in it");
			goto out;
		}
	}
	if (webtls_priorities(cfg, priorities, sizeof(priorities)) ||
	    gnutls_priority_init(&prio, priorities, NULL) < 0) {
		snprintf(why, whylen, "GnuTLS does not take the TLS versions asked for");
		goto out;
	}
	err = 0;
out:
	if (prio)
		gnutls_priority_deinit(prio);
	gnutls_certificate_free_credentials(cred);
	return err;
}

void webtls_session_started(const struct web_config *cfg, gnutls_session_t session)
{
	switch (cfg->client_auth) {
	case WEB_NO_CLIENT_CERT:
		/* libmicrohttpd asks for one whenever a client CA is loaded. */
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_IGNORE);
		break;
	case WEB_REQUEST_CLIENT_CERT:
	case WEB_VERIFY_CLIENT_CERT_IF_GIVEN:
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUEST);
		break;
	case WEB_REQUIRE_ANY_CLIENT_CERT:
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
		break;
	case WEB_REQUIRE_AND_VERIFY_CLIENT_CERT:
		gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert2(session, client_purpose, 1, 0);
		break;
	}
}

static bool san_allowed(const struct web_config *cfg, int type, const char *value, size_t size)
{
	char text[INET6_ADDRSTRLEN];

	if (type == GNUTLS_SAN_IPADDRESS) {
		int family = size == 4 ? AF_INET : size == 16 ? AF_INET6 : 0;

		if (!family || !inet_ntop(family, value, text, sizeof(text)))
			return false;
		for (size_t i = 0; i < cfg->nallowed_sans; i++) {
			unsigned char want[16];

			if (inet_pton(family, cfg->allowed_sans[i], want) == 1 &&
			    memcmp(want, value, size) == 0)
				return true;
		}
		return false;
	}
	if (type != GNUTLS_SAN_DNSNAME && type != GNUTLS_SAN_RFC822NAME && type != GNUTLS_SAN_URI)
		return false;
	for (size_t i = 0; i < cfg->nallowed_sans; i++)
		if (strlen(cfg->allowed_sans[i]) == size &&
		    memcmp(cfg->allowed_sans[i], value, size) == 0)
			return true;
	return false;
}

static int check_sans(const struct web_config *cfg, const gnutls_datum_t *der, char *why,
		      size_t whylen)
{
	gnutls_x509_crt_t crt = NULL;
	int ret = -EACCES;

	if (gnutls_x509_crt_init(&crt) < 0) {
		snprintf(why, whylen, "out of memory reading the client certificate");
		return -ENOMEM;
	}
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0) {
		snprintf(why, whylen, "the client certificate does not parse");
		goto out;
	}
	for (unsigned int i = 0;; i++) {
		char value[1024];
		size_t size = sizeof(value);
		int type = gnutls_x509_crt_get_subject_alt_name(crt, i, value, &size, NULL);

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		/* Longer than any name one could list: it cannot match. */
		if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue;
		if (type < 0)
			break;
		if (san_allowed(cfg, type, value, size)) {
			ret = 0;
			goto out;
		}
	}
	snprintf(why, whylen, "the client certificate has none of client_allowed_sans");
out:
	gnutls_x509_crt_deinit(crt);
	return ret;
}

int webtls_check_client(const struct web_config *cfg, gnutls_session_t session, char *why,
			size_t whylen)
{
	const gnutls_datum_t *certs;
	unsigned int ncerts = 0, status = 0;
	gnutls_datum_t text = { 0 };
	int ret;

	if (cfg->client_auth == WEB_NO_CLIENT_CERT || cfg->client_auth == WEB_REQUEST_CLIENT_CERT)
		return 0;
	certs = gnutls_certificate_get_peers(session, &ncerts);
	if (!certs || ncerts == 0) {
		if (cfg->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN)
			return 0;
		snprintf(why, whylen, "a client certificate is required");
		return -EACCES;
	}
	if (cfg->client_auth != WEB_REQUIRE_ANY_CLIENT_CERT) {
		ret = gnutls_certificate_verify_peers(session, client_purpose, 1, &status);
		if (ret < 0) {
			snprintf(why, whylen, "the client certificate cannot be checked: %s",
				 gnutls_strerror(ret));
			return -EACCES;
		}
		if (status) {
			if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
									 &text, 0) == 0) {
				snprintf(why, whylen, "the client certificate is not accepted: %s",
					 (const char *)text.data);
				gnutls_free(text.data);
			} else {
				snprintf(why, whylen, "the client certificate is not accepted");
			}
			return -EACCES;
		}
	}
	if (cfg->nallowed_sans)
		return check_sans(cfg, &certs[0], why, whylen);
	return 0;
}
