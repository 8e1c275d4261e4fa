/* SPDX-License-Identifier: GPL-2.0-only */
/* TLS policy of the exporter's listener (--web.config.file): the GnuTLS
 * priority string for the allowed versions, asking for client certificates
 * when a connection starts, and checking them before a request is served. */
#ifndef DROPMON_WEBTLS_H
#define DROPMON_WEBTLS_H

#include <stddef.h>

#include <gnutls/gnutls.h>

#include "webconfig.h"

/* Writes the priority string for MHD_OPTION_HTTPS_PRIORITIES. Returns 0 or
 * -ENOSPC. */
int webtls_priorities(const struct web_config *cfg, char *buf, size_t len);
/* Checks what libmicrohttpd would only fail on with no reason given: the
 * certificate and key parse and belong together, the client CA holds a
 * certificate, GnuTLS takes the versions. Returns 0, or -EINVAL with a
 * one-line reason in why. */
int webtls_validate(const struct web_config *cfg, char *why, size_t whylen);
/* Sets what the handshake asks of the client: no certificate, an optional
 * one, or a required one; a required and verified one fails the handshake
 * when it does not verify, as Go's RequireAndVerifyClientCert does. */
void webtls_session_started(const struct web_config *cfg, gnutls_session_t session);
/* The policy again, per request: 0 when the client may be served, else
 * -EACCES and a one-line reason in why. */
int webtls_check_client(const struct web_config *cfg, gnutls_session_t session, char *why,
			size_t whylen);

#endif
