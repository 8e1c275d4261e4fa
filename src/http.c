// SPDX-License-Identifier: GPL-2.0-only
/* The exporter's HTTP server. One libmicrohttpd daemon per listening socket,
 * a thread per connection; the collector serialises scrapes. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "expo.h"
#include "gzip.h"
#include "http.h"
#include "log.h"
#include "parse.h"

#define MAX_DAEMONS 16

struct http_server {
	struct http_opts opts;
	struct collector *collector;
	struct MHD_Daemon *daemons[MAX_DAEMONS];
	int ndaemons;
};

static int listen_on(int family, const struct sockaddr *sa, socklen_t len)
{
	int fd, one = 1, zero = 0, err;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* ":port" means every address: take IPv4 too on the IPv6 socket. */
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, sa, len) < 0 || listen(fd, 64) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int http_listen(const char *address)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL, *ai;
	char host[256];
	const char *colon, *port;
	uint64_t portnum;
	size_t hostlen;
	int fd = -EINVAL, gai;

	colon = strrchr(address, ':');
	if (!colon)
		return -EINVAL;
	port = colon + 1;
	if (parse_u64(port, 0, 65535, &portnum))
		return -EINVAL;
	hostlen = (size_t)(colon - address);
	if (hostlen >= 2 && address[0] == '[' && address[hostlen - 1] == ']') {
		address++;
		hostlen -= 2;
		hints.ai_flags |= AI_NUMERICHOST;
	} else if (memchr(address, ':', hostlen)) {
		return -EINVAL; /* an IPv6 address needs brackets */
	}
	if (hostlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, address, hostlen);
	host[hostlen] = '\0';

	if (hostlen == 0) {
		struct sockaddr_in6 any6 = { .sin6_family = AF_INET6,
					     .sin6_port = htons((uint16_t)portnum),
					     .sin6_addr = IN6ADDR_ANY_INIT };
		struct sockaddr_in any4 = { .sin_family = AF_INET,
					    .sin_port = htons((uint16_t)portnum),
					    .sin_addr.s_addr = htonl(INADDR_ANY) };

		fd = listen_on(AF_INET6, (struct sockaddr *)&any6, sizeof(any6));
		if (fd == -EAFNOSUPPORT) /* a kernel without IPv6 */
			fd = listen_on(AF_INET, (struct sockaddr *)&any4, sizeof(any4));
		return fd;
	}
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai)
		return gai == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = listen_on(ai->ai_family, ai->ai_addr, ai->ai_addrlen);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	return fd;
}

enum MHD_Result http_send_text(struct MHD_Connection *conn, unsigned int status, const char *type,
			       const char *body)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_landing(struct http_server *s, struct MHD_Connection *conn)
{
	char page[1024];

	/* The path was validated at start-up: nothing in it needs escaping. */
	snprintf(page, sizeof(page),
		 "<!DOCTYPE html>\n<html><head><title>dropmon</title></head><body>\n"
		 "<h1>dropmon</h1>\n<p>Which packets the Linux kernel drops, where and why.</p>\n"
		 "<p><a href=\"%s\">Metrics</a></p>\n</body></html>\n",
		 s->opts.telemetry_path);
	return http_send_text(conn, MHD_HTTP_OK, "text/html; charset=utf-8", page);
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *conn)
{
	const char *accept =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	const char *encoding =
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	enum expo_format format = expo_negotiate(accept);
	struct strbuf body = STRBUF_INIT, gz = STRBUF_INIT;
	struct strbuf *out = &body;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	bool gzipped = false;
	int err;

	err = collector_render(s->collector, format, &body);
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
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gzipped)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_ctx)
{
	struct http_server *s = cls;

	(void)version;
	(void)upload_data;
	/* Refused at once, connection closed: no request body is ever read. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return http_send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				      "text/plain; charset=utf-8",
				      "only GET and HEAD are supported\n");
	/* The first call only has the headers. Answering then makes MHD close
	 * the connection (a body might follow), so every scrape would cost a
	 * new TCP connection: GET and HEAD are answered on the second call. */
	if (!*req_ctx) {
		*req_ctx = s; /* any non-NULL marker */
		return MHD_YES;
	}
	/* A body sent with a GET is discarded as it arrives. */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, s->opts.telemetry_path) == 0)
		return serve_metrics(s, conn);
	if (strcmp(url, "/") == 0)
		return serve_landing(s, conn);
	if (strncmp(url, "/debug/", 7) == 0) {
		if (s->opts.debug)
			return debug_handle(s->opts.debug, conn, url);
		return http_send_text(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
				      "the debug endpoints are off: start dropmon serve with "
				      "--web.enable-debug (events carry packet contents)\n");
	}
	return http_send_text(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
}

int http_start(const struct http_opts *opts, struct collector *c, const int *fds, int nfds,
	       struct http_server **out)
{
	struct http_server *s;
	int i;

	if (nfds > MAX_DAEMONS)
		return -E2BIG;
	s = calloc(1, sizeof(*s));
	if (!s) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		return -ENOMEM;
	}
	s->opts = *opts;
	s->collector = c;
	for (i = 0; i < nfds; i++) {
		struct MHD_Daemon *d = MHD_start_daemon(
		    /* A thread per connection: a followed event stream waits for
		     * events without holding up scrapes. */
		    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			MHD_USE_ERROR_LOG,
		    0, NULL, NULL, handle, s, MHD_OPTION_LISTEN_SOCKET, fds[i],
		    MHD_OPTION_CONNECTION_TIMEOUT, opts->connection_timeout_s,
		    MHD_OPTION_CONNECTION_LIMIT, opts->connection_limit,
		    MHD_OPTION_PER_IP_CONNECTION_LIMIT, opts->per_ip_connection_limit,
		    MHD_OPTION_END);

		if (!d) {
			for (int j = i; j < nfds; j++)
				close(fds[j]);
			http_stop(s);
			return -EIO;
		}
		s->daemons[s->ndaemons++] = d;
	}
	*out = s;
	return 0;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->ndaemons; i++)
		MHD_stop_daemon(s->daemons[i]);
	free(s);
}
