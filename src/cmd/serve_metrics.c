// SPDX-License-Identifier: GPL-2.0-only
/* Where the scrape meets HTTP: Accept picks the exposition format,
 * Accept-Encoding gzip. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "expo.h"
#include "gzip.h"
#include "http.h"
#include "log.h"
#include "negotiate.h"
#include "scrape.h"
#include "serve_metrics.h"
#include "strbuf.h"

enum MHD_Result serve_metrics(void *ctx, struct MHD_Connection *conn, const char *url)
{
	const char *accept =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	const char *encoding =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	enum expo_format format = negotiate_prefers(accept, "application", "openmetrics-text")
				      ? EXPO_OPENMETRICS
				      : EXPO_TEXT;
	struct strbuf body = STRBUF_INIT, gz = STRBUF_INIT;
	struct strbuf *out = &body;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool gzipped = false;
	int err;

	(void)url;
	err = scrape_render(ctx, format, &body);
	if (err) {
		char msg[128];

		strbuf_free(&body);
		pr_warn("scrape failed: %s\n", strerror(-err));
		snprintf(msg, sizeof(msg), "error collecting metrics: %s\n", strerror(-err));
		return http_send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				      "text/plain; charset=utf-8", msg);
	}
	if (gzip_accepted(encoding) && gzip_compress(body.buf, body.len, &gz) == 0) {
		out = &gz;
		gzipped = true;
	}
	resp = MHD_create_response_from_buffer(out->len, out->buf ? out->buf : (void *)"",
					       out->buf ? MHD_RESPMEM_MUST_FREE
							: MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		strbuf_free(&body);
		strbuf_free(&gz);
		return MHD_NO;
	}
	/* The response owns out->buf now. */
	if (gzipped)
		strbuf_free(&body);
	else
		strbuf_free(&gz);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, expo_content_type(format));
	/* The format follows Accept, the encoding Accept-Encoding. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	if (gzipped)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	ret = http_queue(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result serve_landing(void *ctx, struct MHD_Connection *conn, const char *url)
{
	char page[1024];

	(void)url;
	snprintf(page, sizeof(page),
		 "<!DOCTYPE html>\n<html><head><title>dropmon</title></head><body>\n"
		 "<h1>dropmon</h1>\n<p>Which packets the Linux kernel drops, where and why.</p>\n"
		 "<p><a href=\"%s\">Metrics</a></p>\n</body></html>\n",
		 (const char *)ctx);
	return http_send_text(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page);
}

enum MHD_Result serve_debug_off(void *ctx, struct MHD_Connection *conn, const char *url)
{
	(void)ctx;
	(void)url;
	return http_send_text(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
			      "the debug endpoints are off: start dropmon serve with "
			      "--web.enable-debug (events carry packet contents)\n");
}
