// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the HTTP server's routing: the route table lookup, and a
 * real server on a loopback port dispatching to handlers, refusing methods
 * and paths it has no route for. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
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

static int start_with(const struct http_opts *o, const struct http_route *routes, size_t n,
		      struct http_server **s)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = http_listen("127.0.0.1:0");

	assert_true(fd >= 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(http_start(o, routes, n, &fd, 1, s), 0);
	return ntohs(sa.sin_port);
}

static int start(const struct http_route *routes, size_t n, struct http_server **s)
{
	return start_with(&opts, routes, n, s);
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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_to(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Whether the server ended the connection (a read sees the end, or a
 * reset) within ms. */
static bool closed_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];

	while (poll(&p, 1, ms) == 1) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			return true;
	}
	return false;
}

static void test_listen_addresses(void **state)
{
	char addr[64];
	int fd;

	(void)state;
	/* Empty brackets once meant every address. */
	assert_int_equal(http_listen("[]:0"), -EINVAL);
	assert_int_equal(http_listen("[127.0.0.1]:0"), -EINVAL);
	assert_int_equal(http_listen("[[::1]]:0"), -EINVAL);
	assert_int_equal(http_listen("::1:0"), -EINVAL);
	assert_int_equal(http_listen("127.0.0.1"), -EINVAL);
	assert_int_equal(http_listen("127.0.0.1:65536"), -EINVAL);
	/* ":0": the port the kernel chose is what is reported. */
	fd = http_listen("127.0.0.1:0");
	assert_true(fd >= 0);
	assert_int_equal(http_socket_address(fd, addr, sizeof(addr)), 0);
	assert_true(strncmp(addr, "127.0.0.1:", 10) == 0);
	assert_true(strcmp(addr, "127.0.0.1:0") != 0);
	assert_int_equal(http_socket_address(fd, addr, 8), -ENOSPC);
	close(fd);
	fd = http_listen("[::1]:0");
	if (fd >= 0) { /* where IPv6 is on */
		assert_int_equal(http_socket_address(fd, addr, sizeof(addr)), 0);
		assert_true(strncmp(addr, "[::1]:", 6) == 0);
		close(fd);
	}
}

/* RFC 9112 §3.2: HTTP/1.1 needs exactly one valid Host. */
static void test_host_header(void **state)
{
	const struct http_route routes[] = { { "/metrics", false, echo, "metrics" } };
	static const struct {
		const char *req;
		int status;
	} x[] = {
		{ "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: a/b\r\nConnection: close\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9612\r\nConnection: close\r\n\r\n",
		  200 },
		{ "GET /metrics HTTP/1.1\r\nHost: [::1]:9612\r\nConnection: close\r\n\r\n", 200 },
		{ "GET /metrics HTTP/1.0\r\n\r\n", 200 },
	};
	struct http_server *s;
	struct reply r;
	int port;

	(void)state;
	port = start(routes, 1, &s);
	for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		request(port, x[i].req, &r);
		if (r.status != x[i].status)
			fail_msg("%s: got %d \"%s\", want %d", x[i].req, r.status, r.body,
				 x[i].status);
	}
	request(port, x[0].req, &r);
	assert_string_equal(r.body, "bad request: an HTTP/1.1 request needs a Host header\n");
	http_stop(s);
}

/* Query parameters cost libmicrohttpd 64 bytes each of the connection's
 * memory; when it ran out it closed the connection without an answer. */
static void get_long(int port, const char *path, char *req, size_t size, struct reply *r)
{
	int n =
	    snprintf(req, size, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);

	assert_true(n > 0 && (size_t)n < size);
	request(port, req, r);
}

static void test_long_uri(void **state)
{
	const struct http_route routes[] = { { "/metrics", false, echo, "metrics" } };
	static const struct http_opts small = {
		.connection_timeout_s = 5,
		.connection_limit = 8,
		.per_ip_connection_limit = 8,
		.request_memory_limit = 8192,
	};
	char path[8192], req[9000];
	struct http_server *s;
	struct reply r;
	size_t len;
	int port;

	(void)state;
	for (int round = 0; round < 2; round++) {
		port = start_with(round ? &small : &opts, routes, 1, &s);
		/* 447 parameters in 3.8 KB, as found. */
		len = (size_t)snprintf(path, sizeof(path), "/metrics?");
		for (int i = 0; i < 447; i++)
			len += (size_t)snprintf(path + len, sizeof(path) - len, "p%03d=xyz&", i);
		assert_true(len > 3800 && len < 4096);
		get_long(port, path, req, sizeof(req), &r);
		assert_int_equal(r.status, 414);
		assert_string_equal(r.body,
				    "URI too long: at most 4096 bytes and 32 query parameters\n");
		/* Empty ones count too: "&&&" is three records to libmicrohttpd. */
		memset(path + 9, '&', 2000);
		path[2009] = '\0';
		get_long(port, path, req, sizeof(req), &r);
		assert_int_equal(r.status, 414);
		/* 32 fit, whatever the memory limit. */
		len = (size_t)snprintf(path, sizeof(path), "/metrics?");
		for (int i = 0; i < 32; i++)
			len += (size_t)snprintf(path + len, sizeof(path) - len, "%sp%d=x",
						i ? "&" : "", i);
		get_long(port, path, req, sizeof(req), &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(r.body, "metrics /metrics\n");
		/* A long path without a query: 414 beyond 4096 bytes. */
		memset(path, 'a', 4097);
		path[0] = '/';
		path[4097] = '\0';
		snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
		request(port, req, &r);
		assert_int_equal(r.status, 414);
		http_stop(s);
	}
}

/* --web.header-timeout: a client that sends its request a byte at a time
 * is closed at the deadline, although it is never idle; a connection kept
 * alive between requests is not, and its next request has a deadline too. */
static void test_header_deadline(void **state)
{
	const struct http_route routes[] = { { "/metrics", false, echo, "metrics" } };
	static const struct http_opts o = {
		.connection_timeout_s = 30,
		.header_timeout_s = 1,
		.connection_limit = 8,
		.per_ip_connection_limit = 8,
		.request_memory_limit = 32768,
	};
	static const char slow[] = "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaa";
	static const char fast[] = "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
	char buf[4096];
	struct http_server *s;
	bool closed = false;
	double t0, t;
	int port, fd;

	(void)state;
	port = start_with(&o, routes, 1, &s);
	fd = connect_to(port);
	t0 = now_s();
	for (size_t i = 0; i < sizeof(slow) - 1 && !closed; i++) {
		if (write(fd, &slow[i], 1) != 1)
			break;
		closed = closed_within(fd, 100);
	}
	if (!closed)
		closed = closed_within(fd, 2000);
	t = now_s() - t0;
	assert_true(closed);
	if (t < 0.9 || t > 2.0)
		fail_msg("closed after %.2f s, want about 1 s", t);
	close(fd);

	/* Kept alive: idle for longer than the deadline, then asked again. */
	fd = connect_to(port);
	assert_int_equal(write(fd, fast, sizeof(fast) - 1), (ssize_t)sizeof(fast) - 1);
	assert_true(read(fd, buf, sizeof(buf)) > 0);
	assert_false(closed_within(fd, 1600));
	assert_int_equal(write(fd, fast, sizeof(fast) - 1), (ssize_t)sizeof(fast) - 1);
	assert_true(read(fd, buf, sizeof(buf)) > 0);
	assert_true(strncmp(buf, "HTTP/1.1 200", 12) == 0);
	/* The next request, begun and not finished, meets the deadline. */
	assert_int_equal(write(fd, "GET /", 5), 5);
	t0 = now_s();
	assert_true(closed_within(fd, 3000));
	t = now_s() - t0;
	if (t < 0.8 || t > 2.0)
		fail_msg("a stalled second request closed after %.2f s, want about 1 s", t);
	close(fd);
	http_stop(s);
}

/* With every slot taken, a new connection pushes out the one that has
 * waited longest outside a request, and is served. */
static void test_evict_waiting(void **state)
{
	const struct http_route routes[] = { { "/metrics", false, echo, "metrics" } };
	static const struct http_opts o = {
		.connection_timeout_s = 30,
		.connection_limit = 2,
		.per_ip_connection_limit = 8,
		.request_memory_limit = 32768,
	};
	struct http_server *s;
	struct reply r;
	int port, a, b;

	(void)state;
	port = start_with(&o, routes, 1, &s);
	a = connect_to(port);
	assert_int_equal(write(a, "GET", 3), 3);
	usleep(100 * 1000);
	b = connect_to(port);
	assert_int_equal(write(b, "GET", 3), 3);
	usleep(100 * 1000);
	get(port, "GET", "/metrics", &r);
	assert_int_equal(r.status, 200);
	assert_true(closed_within(a, 1000));
	assert_false(closed_within(b, 200));
	close(a);
	close(b);
	http_stop(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_find),	   cmocka_unit_test(test_server_dispatch),
		cmocka_unit_test(test_server_reconfigure), cmocka_unit_test(test_too_many_routes),
		cmocka_unit_test(test_listen_addresses),   cmocka_unit_test(test_host_header),
		cmocka_unit_test(test_long_uri),	   cmocka_unit_test(test_header_deadline),
		cmocka_unit_test(test_evict_waiting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
