// SPDX-License-Identifier: GPL-2.0-only
/* The exporter's HTTP server. One libmicrohttpd daemon per listening socket,
 * a thread per connection, requests dispatched by a route table. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/tcp.h> /* tcpi_bytes_received, which glibc's struct lacks */
#include <microhttpd.h>

#include "http.h"
#include "log.h"
#include "monotonic.h"
#include "parse.h"
#include "webtls.h"

#define MAX_DAEMONS 16
/* How often the watchdog looks at the connections that are not in a
 * request: the header deadline holds to within this. */
#define WATCH_TICK_MS 100
/* Connections libmicrohttpd may hold beyond --web.max-connections (8 and a
 * quarter more): the ones conn_evict() closed until their threads are gone,
 * so that a flood of new connections, each closing another, leaves room
 * for the next. Beyond it libmicrohttpd refuses at once. */
#define EVICT_SPARE(limit) (8 + (size_t)(limit) / 4)

/* Where a connection is, for the header deadline and for eviction. */
enum conn_state {
	CONN_FREE,    /* an unused slot */
	CONN_WAITING, /* accepted, or sending a request: its line and headers are not all in */
	CONN_ACTIVE,  /* in a request: the handler has it */
	CONN_IDLE,    /* between requests, kept alive */
	CONN_CLOSING, /* shut down by us, until libmicrohttpd lets it go */
};

/* One accepted connection of a generation. The socket stays open until
 * libmicrohttpd's NOTIFY_CLOSED, which frees the slot under the lock: the
 * watchdog can shut it down at any time before that. */
struct http_conn {
	struct http_gen *gen;
	int fd;
	enum conn_state state;
	double since;	  /* monotonic_s() when it entered the state */
	uint64_t rx_mark; /* bytes received when its last request's headers were in */
};

/* One configuration's daemons, one per listening socket. A reload starts a
 * new generation on the same sockets before the old one stops, so a
 * connection is always served under the options it was accepted with. */
struct http_gen {
	struct http_opts opts;
	const struct http_server *server; /* its routes */
	struct MHD_Daemon *daemons[MAX_DAEMONS];
	int ndaemons;
	char priorities[128];	   /* GnuTLS's, kept for the daemons' lifetime */
	int quiesced[MAX_DAEMONS]; /* the daemons' sockets once they stop accepting */
	atomic_bool starting;	   /* libmicrohttpd's messages are then the daemon's own */
	/* Every connection of every daemon, under lock; the watchdog enforces
	 * the header deadline and sleeps on wake while there are none. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct http_conn *conns;
	size_t nslots;		    /* each daemon's libmicrohttpd limit */
	size_t nconns;		    /* slots in use */
	struct http_conn untracked; /* for a connection that found no slot */
	pthread_t watchdog;
	bool watching;
	bool stopping;
};

/* A reload leaves the old generation to a thread of its own, which lets its
 * connections finish for a moment, then stops it: the signal thread stays
 * free, whatever a connection of the old generation is doing. */
#define MAX_REAPERS 4
#define REAP_GRACE_MS 5000

struct http_server {
	struct http_route routes[HTTP_MAX_ROUTES];
	size_t nroutes;
	int fds[MAX_DAEMONS]; /* listening sockets; each daemon gets a dup */
	int nfds;
	struct http_gen *gen;
	pthread_t reapers[MAX_REAPERS];
	int nreapers;
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
		/* "[]:PORT" is no address: it must not become every address,
		 * which only ":PORT" asks for. Brackets hold IPv6 only. */
		if (hostlen == 2)
			return -EINVAL;
		address++;
		hostlen -= 2;
		hints.ai_flags |= AI_NUMERICHOST;
		hints.ai_family = AF_INET6;
	} else if (memchr(address, ':', hostlen) || memchr(address, '[', hostlen) ||
		   memchr(address, ']', hostlen)) {
		return -EINVAL; /* an IPv6 address needs brackets, and only one pair */
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
	if (gai && gai != EAI_SYSTEM && (hints.ai_flags & AI_NUMERICHOST))
		return -EINVAL; /* not an IPv6 address */
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

int http_socket_address(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	unsigned int port;
	int n;

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;

		if (!inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host)))
			return -errno;
		port = ntohs(sin6->sin6_port);
		n = snprintf(buf, len, "[%s]:%u", host, port);
	} else if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

		if (!inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)))
			return -errno;
		port = ntohs(sin->sin_port);
		n = snprintf(buf, len, "%s:%u", host, port);
	} else {
		return -EAFNOSUPPORT;
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
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
	ret = http_queue(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result http_queue(struct MHD_Connection *conn, unsigned int status,
			   struct MHD_Response *resp)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const struct http_conn *c = ci ? ci->socket_context : NULL;
	const struct http_gen *s = c ? c->gen : NULL;

	if (s && s->opts.web)
		for (size_t i = 0; i < s->opts.web->nheaders; i++)
			MHD_add_response_header(resp, s->opts.web->headers[i].name,
						s->opts.web->headers[i].value);
	return MHD_queue_response(conn, status, resp);
}

/* libmicrohttpd's messages are about single clients (a request too big, a
 * connection limit reached, a failed handshake): any client could fill the
 * log with them at the default level. fmt is libmicrohttpd's printf format. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct http_gen *g = cls;

	log_vmsg(atomic_load(&g->starting) ? LOG_WARN : LOG_DEBUG, fmt, ap);
}

/* Shuts down a connection's socket: its thread sees the end of the stream
 * and libmicrohttpd closes it. Called with the lock held, so the socket is
 * still the connection's. */
static void conn_shut(struct http_conn *c, const char *why)
{
	pr_debug("closing a connection: %s\n", why);
	shutdown(c->fd, SHUT_RDWR);
	c->state = CONN_CLOSING;
}

/* A new connection found every slot taken: makes room by closing the one
 * that has waited longest without being in a request (a client still
 * sending its headers, or idle between requests), which may be the new
 * one itself. Requests being answered are never cut. With the lock held. */
static void conn_evict(struct http_gen *g)
{
	struct http_conn *victim = NULL;

	for (size_t i = 0; i < g->nslots; i++) {
		struct http_conn *c = &g->conns[i];

		if ((c->state == CONN_WAITING || c->state == CONN_IDLE) &&
		    (!victim || c->since < victim->since))
			victim = c;
	}
	if (victim)
		conn_shut(victim, "every connection slot is taken: the longest waiting goes");
}

/* Runs when a connection is accepted, before the TLS handshake: gives it
 * a slot (for http_queue and the deadline), makes room when all are
 * taken, and sets what the handshake asks of the client. */
static void connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			      enum MHD_ConnectionNotificationCode code)
{
	struct http_gen *s = cls;
	struct http_conn *c = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (!c || c == &s->untracked)
			return;
		pthread_mutex_lock(&s->lock);
		c->state = CONN_FREE;
		c->fd = -1;
		s->nconns--;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	pthread_mutex_lock(&s->lock);
	c = &s->untracked;
	for (size_t i = 0; ci && i < s->nslots; i++) {
		if (s->conns[i].state == CONN_FREE) {
			c = &s->conns[i];
			c->fd = ci->connect_fd;
			c->state = CONN_WAITING;
			c->since = monotonic_s();
			s->nconns++;
			break;
		}
	}
	/* Each daemon's own limit is nslots; the daemons of several listening
	 * sockets share the slots, and --web.max-connections is over them all. */
	if (c == &s->untracked && ci) {
		pr_debug("closing a connection: every slot is closing\n");
		shutdown(ci->connect_fd, SHUT_RDWR);
	} else if (s->nconns > s->opts.connection_limit)
		conn_evict(s);
	if (s->nconns == 1)
		pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
	*socket_context = c;
	if (!s->opts.web || !s->opts.web->cert_pem)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci && ci->tls_session)
		webtls_session_started(s->opts.web, ci->tls_session);
}

/* Bytes the kernel has received on the connection (TCP_INFO, Linux 4.1+);
 * 0 where it cannot tell, and then an idle connection is left to the
 * inactivity timeout. */
static uint64_t conn_rx_bytes(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof(ti.tcpi_bytes_received))
		return 0;
	return ti.tcpi_bytes_received;
}

static void conn_set_state(struct MHD_Connection *conn, enum conn_state state)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct http_conn *c = ci ? ci->socket_context : NULL;

	if (!c || c == &c->gen->untracked)
		return;
	pthread_mutex_lock(&c->gen->lock);
	/* A connection already shut down stays as it is. */
	if (c->state == CONN_WAITING || c->state == CONN_IDLE || c->state == CONN_ACTIVE) {
		c->state = state;
		c->since = monotonic_s();
		/* Taken when the request's headers are in, before it is
		 * answered: a client may send its next request before
		 * libmicrohttpd says this one is done. Bytes beyond it are the
		 * next request's (or the body of this one, which only starts the
		 * deadline early). */
		if (state == CONN_ACTIVE)
			c->rx_mark = conn_rx_bytes(c->fd);
	}
	pthread_mutex_unlock(&c->gen->lock);
}

/* A request is done (answered or not): the connection waits for the next. */
static void request_completed(void *cls, struct MHD_Connection *conn, void **req_ctx,
			      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)req_ctx;
	(void)toe;
	conn_set_state(conn, CONN_IDLE);
}

/* The header deadline: a connection that has not sent a whole request line
 * and headers within header_timeout_s of opening, or of the first byte of
 * its next request, is closed, however slowly it keeps sending. (The
 * inactivity timeout is libmicrohttpd's.) */
static void *watch(void *arg)
{
	struct http_gen *g = arg;
	double limit = (double)g->opts.header_timeout_s;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		struct timespec until;
		double now = monotonic_s();

		for (size_t i = 0; i < g->nslots; i++) {
			struct http_conn *c = &g->conns[i];

			/* Bytes on an idle connection: a new request has begun, and
			 * its deadline runs from now. */
			if (c->state == CONN_IDLE && c->rx_mark &&
			    conn_rx_bytes(c->fd) > c->rx_mark) {
				c->state = CONN_WAITING;
				c->since = now;
			} else if (c->state == CONN_WAITING && limit > 0 &&
				   now - c->since >= limit) {
				conn_shut(c, "its request line and headers took longer than "
					     "--web.header-timeout");
			}
		}
		if (!g->nconns) {
			pthread_cond_wait(&g->wake, &g->lock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += WATCH_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->wake, &g->lock, &until);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

static enum MHD_Result unauthorized(struct MHD_Connection *conn)
{
	static const char body[] = "unauthorized: this exporter needs a user name and password\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp =
	    MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				"Basic realm=\"dropmon\", charset=\"UTF-8\"");
	ret = http_queue(conn, MHD_HTTP_UNAUTHORIZED, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The client certificate policy, then basic auth. Returns true when the
 * request may go on; otherwise a 403 or 401 was queued into *ret. */
static bool admitted(struct http_gen *s, struct MHD_Connection *conn, enum MHD_Result *ret)
{
	const struct web_config *web = s->opts.web;
	char why[256];
	const char *value, *user, *password;
	char *buf = NULL;
	bool ok = false;

	if (!web)
		return true;
	if (web->cert_pem && web->client_auth != WEB_NO_CLIENT_CERT) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		int err = ci && ci->tls_session
			      ? webtls_check_client(web, ci->tls_session, why, sizeof(why))
			      : -EACCES;

		if (err) {
			char body[sizeof(why) + 16];

			if (!ci || !ci->tls_session)
				snprintf(why, sizeof(why), "no TLS session");
			pr_debug("refused a client: %s\n", why);
			/* The reason is about the client's own certificate. */
			snprintf(body, sizeof(body), "forbidden: %s\n", why);
			*ret = http_send_text(conn, MHD_HTTP_FORBIDDEN, "text/plain; charset=utf-8",
					      body);
			return false;
		}
	}
	if (!s->opts.auth)
		return true;
	/* Parsed here, not by libmicrohttpd, which returns C strings: a
	 * password with a NUL byte in it would be cut short and checked. */
	value = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (value) {
		size_t size = strlen(value) + 1;

		buf = malloc(size);
		if (buf && webauth_parse_basic(value, buf, size, &user, &password) == 0)
			ok = webauth_check(s->opts.auth, user, password);
		if (buf) {
			explicit_bzero(buf, size);
			free(buf);
		}
	}
	if (ok)
		return true;
	*ret = unauthorized(conn);
	return false;
}

const struct http_route *http_route_find(const struct http_route *routes, size_t nroutes,
					 const char *url)
{
	const struct http_route *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < nroutes; i++) {
		size_t len = strlen(routes[i].path);

		if (!routes[i].prefix) {
			if (strcmp(url, routes[i].path) == 0)
				return &routes[i];
		} else if (strncmp(url, routes[i].path, len) == 0 && (!best || len > best_len)) {
			best = &routes[i];
			best_len = len;
		}
	}
	return best;
}

/* The request target's bounds. libmicrohttpd 0.9.75 stores each query
 * parameter in the connection's memory (--web.max-request-bytes) at 64
 * bytes a piece, and when that runs out it closes the connection without an
 * answer: within these bounds they always fit (8192 bytes, the smallest
 * limit, leave half for the line and headers), beyond them the request gets
 * a 414 that says why. */
#define URI_MAX 4096
#define QUERY_PARAMS_MAX 32

/* The markers a request's context holds: refused by uri_seen(), or past
 * its first call. */
static const char uri_refused = 'u', request_begun = 'b';

/* Runs on the request line, before libmicrohttpd parses the query: a
 * target over the bounds gets its query cut off here (in libmicrohttpd's
 * own buffer, which it parses in place) so that nothing of it is stored,
 * and the request is marked to be refused. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
	size_t len = strlen(uri), params = 0;
	char *query = strchr(uri, '?');

	(void)cls;
	(void)conn;
	for (const char *p = query; p && *p; p++)
		params += *p == '&' || p == query;
	if (len <= URI_MAX && params <= QUERY_PARAMS_MAX)
		return NULL;
	if (query)
		query[1] = '\0';
	return (void *)&uri_refused;
}

/* RFC 9112 §3.2: an HTTP/1.1 request needs exactly one Host, and its value
 * must be a host with an optional port. */
struct host_count {
	unsigned int n;
	bool bad;
};

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct host_count *h = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) != 0)
		return MHD_YES;
	h->n++;
	for (const char *p = value; p && *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "-._~%!$&'()*+,;=:[]",
			    *p))
			h->bad = true;
	return MHD_YES;
}

static const char *host_problem(struct MHD_Connection *conn, const char *version)
{
	struct host_count h = { 0 };

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_host, &h);
	if (h.n > 1)
		return "bad request: more than one Host header\n";
	if (h.bad)
		return "bad request: the Host header is not a host and port\n";
	if (h.n == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		return "bad request: an HTTP/1.1 request needs a Host header\n";
	return NULL;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_ctx)
{
	struct http_gen *s = cls;
	const struct http_route *route;
	const char *problem;
	enum MHD_Result ret;

	(void)upload_data;
	if (*req_ctx != &request_begun) {
		/* The first call: the line and headers are all in. */
		conn_set_state(conn, CONN_ACTIVE);
		problem = host_problem(conn, version);
		if (problem)
			return http_send_text(conn, MHD_HTTP_BAD_REQUEST,
					      "text/plain; charset=utf-8", problem);
		/* Nothing, not even which methods exist, before the client is
		 * admitted. */
		if (!admitted(s, conn, &ret))
			return ret;
		if (*req_ctx == &uri_refused) {
			char body[128];

			snprintf(body, sizeof(body),
				 "URI too long: at most %d bytes and %d query parameters\n",
				 URI_MAX, QUERY_PARAMS_MAX);
			return http_send_text(conn, MHD_HTTP_URI_TOO_LONG,
					      "text/plain; charset=utf-8", body);
		}
	}
	/* Refused at once, connection closed: no request body is ever read. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return http_send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				      "text/plain; charset=utf-8",
				      "only GET and HEAD are supported\n");
	/* The first call only has the headers. Answering then makes MHD close
	 * the connection (a body might follow), so every scrape would cost a
	 * new TCP connection: GET and HEAD are answered on the second call. */
	if (*req_ctx != &request_begun) {
		*req_ctx = (void *)&request_begun;
		return MHD_YES;
	}
	/* A body sent with a GET is discarded as it arrives. */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	route = http_route_find(s->server->routes, s->server->nroutes, url);
	if (route)
		return route->handler(route->ctx, conn, url);
	return http_send_text(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", "not found\n");
}

/* Stops accepting new connections; the socket stays open, shared with the
 * next generation. */
static void gen_quiesce(struct http_gen *g)
{
	for (int i = 0; i < g->ndaemons; i++)
		if (g->quiesced[i] < 0)
			g->quiesced[i] = MHD_quiesce_daemon(g->daemons[i]);
}

/* Stops the daemons, which ends their connections and waits for their
 * threads, then frees what they used. Quiescing first leaves the shared
 * listening socket alone (stopping a daemon that still listens would shut
 * it down for the next generation too); its copy is closed only after the
 * stop, as libmicrohttpd asks. */
static void gen_free(struct http_gen *g)
{
	if (!g)
		return;
	gen_quiesce(g);
	if (g->watching) {
		pthread_mutex_lock(&g->lock);
		g->stopping = true;
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
		pthread_join(g->watchdog, NULL);
	}
	/* Ends every connection; each is told closed, under the lock. */
	for (int i = 0; i < g->ndaemons; i++) {
		MHD_stop_daemon(g->daemons[i]);
		if (g->quiesced[i] >= 0)
			close(g->quiesced[i]);
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g->conns);
	webauth_free(g->opts.auth);
	web_config_free((struct web_config *)g->opts.web);
	free(g);
}

static unsigned int gen_connections(const struct http_gen *g)
{
	unsigned int n = 0;

	for (int i = 0; i < g->ndaemons; i++) {
		const union MHD_DaemonInfo *di =
		    MHD_get_daemon_info(g->daemons[i], MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

		n += di ? di->num_connections : 0;
	}
	return n;
}

static void *reap(void *arg)
{
	struct http_gen *g = arg;

	for (int waited = 0; waited < REAP_GRACE_MS && gen_connections(g); waited += 100)
		usleep(100 * 1000);
	gen_free(g);
	return NULL;
}

static int gen_start(const struct http_opts *opts, const struct http_server *server, const int *fds,
		     int nfds, struct http_gen **out)
{
	struct http_gen *g;
	bool tls = opts->web && opts->web->cert_pem;
	pthread_condattr_t ca;
	int err;

	g = calloc(1, sizeof(*g));
	if (!g) {
		webauth_free(opts->auth);
		web_config_free((struct web_config *)opts->web);
		return -ENOMEM;
	}
	g->opts = *opts;
	g->server = server;
	for (int i = 0; i < MAX_DAEMONS; i++)
		g->quiesced[i] = -1;
	atomic_init(&g->starting, true);
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &ca);
	pthread_condattr_destroy(&ca);
	g->untracked = (struct http_conn){ .gen = g, .fd = -1, .state = CONN_CLOSING };
	/* libmicrohttpd may hold a few more connections than are served: the
	 * one that just came, while those it pushed out wind down. */
	g->nslots = (size_t)opts->connection_limit + EVICT_SPARE(opts->connection_limit);
	g->conns = calloc(g->nslots, sizeof(*g->conns));
	if (!g->conns) {
		err = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < g->nslots; i++)
		g->conns[i] = (struct http_conn){ .gen = g, .fd = -1, .state = CONN_FREE };
	if (tls && webtls_priorities(opts->web, g->priorities, sizeof(g->priorities))) {
		err = -EINVAL;
		goto fail;
	}
	for (int i = 0; i < nfds; i++) {
		struct MHD_OptionItem o[16];
		struct MHD_Daemon *d;
		int n = 0, fd;

		/* libmicrohttpd closes the socket it is given on some failures
		 * to start (a bad certificate) and not on others (bad
		 * priorities, which webtls_validate rules out): it gets a copy,
		 * never closed here, so a failure leaks at most that copy. */
		fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			err = -errno;
			goto fail;
		}
		/* The logger first: it then gets the messages about the rest. */
		o[n++] =
		    (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, g };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
						  opts->connection_timeout_s, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)g->nslots,
						  NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
						  opts->per_ip_connection_limit, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT,
						  (intptr_t)opts->request_memory_limit, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
						  (intptr_t)connection_notify, g };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
						  (intptr_t)request_completed, g };
		o[n++] =
		    (struct MHD_OptionItem){ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_seen, g };
		if (tls) {
			o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
							  opts->web->cert_pem };
			o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
							  opts->web->key_pem };
			o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
							  g->priorities };
			if (opts->web->client_ca_pem)
				o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0,
								  opts->web->client_ca_pem };
		}
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
		d = MHD_start_daemon(
		    /* A thread per connection: a followed event stream waits for
		     * events without holding up scrapes. ITC: for quiescing. */
		    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			MHD_USE_ITC | MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0),
		    0, NULL, NULL, handle, g, MHD_OPTION_ARRAY, o, MHD_OPTION_END);
		if (!d) {
			err = -EIO;
			goto fail;
		}
		g->daemons[g->ndaemons++] = d;
	}
	err = -pthread_create(&g->watchdog, NULL, watch, g);
	if (err)
		goto fail;
	g->watching = true;
	atomic_store(&g->starting, false);
	*out = g;
	return 0;
fail:
	gen_free(g);
	return err;
}

int http_start(const struct http_opts *opts, const struct http_route *routes, size_t nroutes,
	       const int *fds, int nfds, struct http_server **out)
{
	struct http_server *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s || nfds > MAX_DAEMONS || nroutes > HTTP_MAX_ROUTES) {
		err = s ? -E2BIG : -ENOMEM;
		free(s);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		webauth_free(opts->auth);
		web_config_free((struct web_config *)opts->web);
		return err;
	}
	memcpy(s->routes, routes, nroutes * sizeof(*routes));
	s->nroutes = nroutes;
	memcpy(s->fds, fds, (size_t)nfds * sizeof(*fds));
	s->nfds = nfds;
	err = gen_start(opts, s, s->fds, s->nfds, &s->gen);
	if (err) {
		http_stop(s);
		return err;
	}
	*out = s;
	return 0;
}

/* Joins the reapers that are done, and the oldest when all are busy. */
static void reap_finished(struct http_server *s, bool make_room)
{
	for (int i = 0; i < s->nreapers;) {
		if (pthread_tryjoin_np(s->reapers[i], NULL) == 0 ||
		    (make_room && i == 0 && s->nreapers == MAX_REAPERS &&
		     pthread_join(s->reapers[i], NULL) == 0)) {
			memmove(&s->reapers[i], &s->reapers[i + 1],
				(size_t)(s->nreapers - i - 1) * sizeof(s->reapers[0]));
			s->nreapers--;
			continue;
		}
		i++;
	}
}

int http_reconfigure(struct http_server *s, const struct http_opts *opts)
{
	struct http_gen *g = NULL, *old = s->gen;
	int err;

	err = gen_start(opts, s, s->fds, s->nfds, &g);
	if (err)
		return err;
	/* From here on only the new generation accepts. */
	gen_quiesce(old);
	s->gen = g;
	reap_finished(s, true);
	if (pthread_create(&s->reapers[s->nreapers], NULL, reap, old) == 0)
		s->nreapers++;
	else
		gen_free(old);
	return 0;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	gen_free(s->gen);
	while (s->nreapers)
		pthread_join(s->reapers[--s->nreapers], NULL);
	for (int i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	free(s);
}
