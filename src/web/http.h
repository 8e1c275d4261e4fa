/* SPDX-License-Identifier: GPL-2.0-only */
/* The exporter's HTTP server (libmicrohttpd): admission (client
 * certificates, basic auth), GET and HEAD only, and a table of routes. What
 * a route serves is its handler's business: the server knows no page. */
#ifndef DROPMON_HTTP_H
#define DROPMON_HTTP_H

#include <microhttpd.h>

#include <stdbool.h>
#include <stddef.h>

#include "webauth.h"
#include "webconfig.h"

struct http_server;

/* Answers one admitted GET or HEAD request for url (the path, without the
 * query), in the connection's own thread. */
typedef enum MHD_Result (*http_handler)(void *ctx, struct MHD_Connection *conn, const char *url);

struct http_route {
	const char *path; /* "/metrics"; with prefix, "/debug/" */
	bool prefix;	  /* every path that starts with path */
	http_handler handler;
	void *ctx;
};

#define HTTP_MAX_ROUTES 16

/* The route for url: an exact path before any prefix, the longest prefix
 * of those that match; NULL when none does (the server answers 404). */
const struct http_route *http_route_find(const struct http_route *routes, size_t nroutes,
					 const char *url);

struct http_opts {
	unsigned int connection_timeout_s; /* closes a connection idle this long */
	/* Closes a connection that has not sent a whole request line and
	 * headers this long after it opened, or after the first byte of its
	 * next request; 0: never. */
	unsigned int header_timeout_s;
	/* Connections served at once. One more pushes out the connection that
	 * has waited longest outside a request (sending its headers, or idle
	 * between requests), which may be itself; requests being answered are
	 * never cut. */
	unsigned int connection_limit;
	unsigned int per_ip_connection_limit; /* one address: refused beyond */
	size_t request_memory_limit;	      /* bytes per connection: headers and URL must fit */
	/* --web.config.file; NULL: plain HTTP, no authentication. The server
	 * owns both from http_start or http_reconfigure on, also when they
	 * fail, and frees them when their daemons stop. */
	const struct web_config *web;
	struct webauth *auth; /* NULL when web has no users */
};

/* Binds and listens on "host:port", ":port" (all addresses, IPv6 and IPv4)
 * or "[v6addr]:port". Returns a socket or a negative errno (-EINVAL for an
 * address that does not parse, "[]:port" and "[v4addr]:port" included;
 * -EADDRNOTAVAIL for a host that is not here, -EADDRINUSE, -EACCES, ...). */
int http_listen(const char *address);
/* The address a socket is bound to, "127.0.0.1:9612" or "[::]:9612" (the
 * port the kernel chose for ":0"). Returns 0 or a negative errno. */
int http_socket_address(int fd, char *buf, size_t len);
/* Starts serving routes (copied; at most HTTP_MAX_ROUTES, each ctx must
 * outlive the server) on the sockets (ownership passes to the server, also
 * on failure). Returns 0 or a negative errno. */
int http_start(const struct http_opts *opts, const struct http_route *routes, size_t nroutes,
	       const int *fds, int nfds, struct http_server **out);
/* Serves new connections with new options (a reload), on the same routes: new daemons start on
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
