/* SPDX-License-Identifier: GPL-2.0-only */
/* The exporter's HTTP server (libmicrohttpd): /, the telemetry path, /debug/,
 * 404. */
#ifndef DROPMON_HTTP_H
#define DROPMON_HTTP_H

#include <microhttpd.h>

#include "collector.h"
#include "debug.h"
#include "webauth.h"
#include "webconfig.h"

struct http_server;

struct http_opts {
	const char *telemetry_path;
	unsigned int connection_timeout_s;
	unsigned int connection_limit;
	unsigned int per_ip_connection_limit;
	size_t request_memory_limit; /* bytes per connection: headers and URL must fit */
	/* --web.config.file; NULL: plain HTTP, no authentication. The server
	 * owns both from http_start or http_reconfigure on, also when they
	 * fail, and frees them when their daemons stop. */
	const struct web_config *web;
	struct webauth *auth; /* NULL when web has no users */
	struct debug *debug;  /* NULL: /debug/ answers 404 with how to enable it */
};

/* Binds and listens on "host:port", ":port" (all addresses, IPv6 and IPv4)
 * or "[v6addr]:port". Returns a socket or a negative errno (-EINVAL for an
 * address that does not parse, -EADDRINUSE, -EACCES, ...). */
int http_listen(const char *address);
/* Starts serving on the sockets (ownership passes to the server, also on
 * failure). Returns 0 or a negative errno. */
int http_start(const struct http_opts *opts, struct collector *c, const int *fds, int nfds,
	       struct http_server **out);
/* Serves new connections with new options (a reload): new daemons start on
 * the same sockets and take every new connection; the old ones are stopped
 * by a thread of their own once their connections are done, or after 5 s,
 * whichever comes first. On error the old options stay in use. */
int http_reconfigure(struct http_server *s, const struct http_opts *opts);
void http_stop(struct http_server *s); /* accepts NULL */
/* Queues resp with the configured extra headers; every response goes
 * through here. */
enum MHD_Result http_queue(struct MHD_Connection *conn, unsigned int status,
			   struct MHD_Response *resp);
/* Queues a response with a copy of body. */
enum MHD_Result http_send_text(struct MHD_Connection *conn, unsigned int status, const char *type,
			       const char *body);

#endif
