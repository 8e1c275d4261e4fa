// SPDX-License-Identifier: GPL-2.0-only
/* The exporter's HTTP server. One libmicrohttpd daemon per listening socket,
 * a thread per connection, requests dispatched by a route table. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "log.h"
#include "parse.h"
#include "webtls.h"

#define MAX_DAEMONS 16

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
	ret = http_queue(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result http_queue(struct MHD_Connection *conn, unsigned int status,
			   struct MHD_Response *resp)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const struct http_gen *s = ci ? ci->socket_context : NULL;

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

/* Runs when a connection is accepted, before the TLS handshake: points the
 * connection at its server (for http_queue) and sets what the handshake
 * asks of the client. */
static void connection_started(void *cls, struct MHD_Connection *conn, void **socket_context,
			       enum MHD_ConnectionNotificationCode code)
{
	struct http_gen *s = cls;
	const union MHD_ConnectionInfo *ci;

	if (code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	*socket_context = s;
	if (!s->opts.web || !s->opts.web->cert_pem)
		return;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci && ci->tls_session)
		webtls_session_started(s->opts.web, ci->tls_session);
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

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_ctx)
{
	struct http_gen *s = cls;
	const struct http_route *route;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	/* Nothing, not even which methods exist, before the client is admitted. */
	if (!*req_ctx && !admitted(s, conn, &ret))
		return ret;
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
	for (int i = 0; i < g->ndaemons; i++) {
		MHD_stop_daemon(g->daemons[i]);
		if (g->quiesced[i] >= 0)
			close(g->quiesced[i]);
	}
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
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
						  opts->connection_limit, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
						  opts->per_ip_connection_limit, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT,
						  (intptr_t)opts->request_memory_limit, NULL };
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
						  (intptr_t)connection_started, g };
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
