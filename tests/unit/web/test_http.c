// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the HTTP server's routing: the route table lookup, and a
 * real server on a loopback port dispatching to handlers, refusing methods
 * and paths it has no route for. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"

static enum MHD_Result echo(void *ctx, struct MHD_Connection *conn, const char *url)
{
	char body[256];

	snprintf(body, sizeof(body), "%s %s\n", (const char *)ctx, url);
	return http_send_text(conn, MHD_HTTP_OK, "text/plain", body);
}

static void test_route_find(void **state)
{
	static const struct http_route routes[] = {
		{ "/debug/", true, echo, "debug" },	  { "/metrics", false, echo, "metrics" },
		{ "/", false, echo, "landing" },	  { "/debug/pcap/", true, echo, "pcap" },
		{ "/debug/drops", false, echo, "drops" },
	};
	size_t n = sizeof(routes) / sizeof(routes[0]);

	(void)state;
	assert_ptr_equal(http_route_find(routes, n, "/metrics"), &routes[1]);
	assert_ptr_equal(http_route_find(routes, n, "/"), &routes[2]);
	/* Exact paths match only themselves. */
	assert_null(http_route_find(routes, n, "/metrics/"));
	assert_null(http_route_find(routes, n, "/metricsx"));
	assert_null(http_route_find(routes, n, "/x"));
	assert_null(http_route_find(routes, n, ""));
	/* An exact path wins over a prefix listed before it. */
	assert_ptr_equal(http_route_find(routes, n, "/debug/drops"), &routes[4]);
	/* Else the longest prefix, wherever it is in the table. */
	assert_ptr_equal(http_route_find(routes, n, "/debug/pcap/x"), &routes[3]);
	assert_ptr_equal(http_route_find(routes, n, "/debug/pcap"), &routes[0]);
	assert_ptr_equal(http_route_find(routes, n, "/debug/"), &routes[0]);
	assert_null(http_route_find(routes, n, "/debug"));
	assert_null(http_route_find(routes, 0, "/metrics"));

	/* The longest prefix also when it comes first. */
	static const struct http_route nested[] = {
		{ "/a/b/", true, echo, "ab" },
		{ "/a/", true, echo, "a" },
	};
	assert_ptr_equal(http_route_find(nested, 2, "/a/b/c"), &nested[0]);
	assert_ptr_equal(http_route_find(nested, 2, "/a/c"), &nested[1]);
}

struct reply {
	int status;
	char head[4096];
	char body[4096];
};

/* One request on a new connection; the whole reply read until the server
 * closes it. */
static void request(int port, const char *req, struct reply *r)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	char *end;
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	memset(r, 0, sizeof(*r));
	assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &r->status), 1);
	end = strstr(buf, "\r\n\r\n");
	assert_non_null(end);
	*end = '\0';
	snprintf(r->head, sizeof(r->head), "%s", buf);
	snprintf(r->body, sizeof(r->body), "%s", end + 4);
}

static void get(int port, const char *method, const char *path, struct reply *r)
{
	char req[512];

	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
		 method, path);
	request(port, req, r);
}

static const struct http_opts opts = {
	.connection_timeout_s = 5,
	.connection_limit = 8,
	.per_ip_connection_limit = 8,
	.request_memory_limit = 32768,
};

static int start(const struct http_route *routes, size_t n, struct http_server **s)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = http_listen("127.0.0.1:0");

	assert_true(fd >= 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(http_start(&opts, routes, n, &fd, 1, s), 0);
	return ntohs(sa.sin_port);
}

/* One request and the reply it must get (body NULL: not checked). */
struct exchange {
	const char *method, *path;
	int status;
	const char *body;
};

static void expect_replies(int port, const struct exchange *x, size_t n)
{
	struct reply r;

	for (size_t i = 0; i < n; i++) {
		get(port, x[i].method, x[i].path, &r);
		if (r.status != x[i].status || (x[i].body && strcmp(r.body, x[i].body) != 0))
			fail_msg("%s %s: got %d \"%s\", want %d \"%s\"", x[i].method, x[i].path,
				 r.status, r.body, x[i].status, x[i].body ? x[i].body : "(any)");
	}
}

static void test_server_dispatch(void **state)
{
	const struct http_route routes[] = {
		{ "/metrics", false, echo, "metrics" },
		{ "/", false, echo, "landing" },
		{ "/debug/", true, echo, "debug" },
	};
	static const struct exchange x[] = {
		{ "GET", "/metrics", 200, "metrics /metrics\n" },
		{ "GET", "/", 200, "landing /\n" },
		/* The handler gets the path without the query. */
		{ "GET", "/debug/drops?format=json&limit=3", 200, "debug /debug/drops\n" },
		/* No route: 404, from the server itself. */
		{ "GET", "/metricsx", 404, "not found\n" },
		{ "GET", "/debug", 404, NULL },
		/* HEAD gets the headers of a GET and no body. */
		{ "HEAD", "/metrics", 200, "" },
		/* Other methods never reach a handler, whatever the path. */
		{ "POST", "/metrics", 405, "only GET and HEAD are supported\n" },
		{ "DELETE", "/nothing", 405, NULL },
	};
	struct http_server *s;

	(void)state;
	expect_replies(start(routes, 3, &s), x, sizeof(x) / sizeof(x[0]));
	http_stop(s);
}

/* A reload serves the same routes with the new options. */
static void test_server_reconfigure(void **state)
{
	const struct http_route routes[] = { { "/metrics", false, echo, "metrics" } };
	static const struct exchange x[] = {
		{ "GET", "/metrics", 200, "metrics /metrics\n" },
		{ "GET", "/", 404, NULL },
	};
	struct http_server *s;
	int port;

	(void)state;
	port = start(routes, 1, &s);
	assert_int_equal(http_reconfigure(s, &opts), 0);
	expect_replies(port, x, sizeof(x) / sizeof(x[0]));
	http_stop(s);
}

static void test_too_many_routes(void **state)
{
	struct http_route routes[HTTP_MAX_ROUTES + 1];
	struct http_server *s = NULL;
	int fd = http_listen("127.0.0.1:0");

	(void)state;
	for (size_t i = 0; i < HTTP_MAX_ROUTES + 1; i++)
		routes[i] = (struct http_route){ "/", false, echo, "x" };
	assert_true(fd >= 0);
	assert_int_equal(http_start(&opts, routes, HTTP_MAX_ROUTES + 1, &fd, 1, &s), -E2BIG);
	assert_null(s);
	/* The socket was the server's, and is closed. */
	errno = 0;
	assert_int_equal(close(fd), -1);
	assert_int_equal(errno, EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_find),
		cmocka_unit_test(test_server_dispatch),
		cmocka_unit_test(test_server_reconfigure),
		cmocka_unit_test(test_too_many_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
