// SPDX-License-Identifier: GPL-2.0-only
/* `dropmon serve`: flags, start-up in an order that fails early and cheaply,
 * and a clean detach on SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "http.h"
#include "loader.h"
#include "log.h"
#include "parse.h"
#include "privs.h"
#include "reasons.h"
#include "scrape.h"
#include "serve_debug.h"
#include "serve_metrics.h"
#include "version.h"
#include "webauth.h"
#include "webconfig.h"
#include "webtls.h"

#define DEFAULT_LISTEN ":9612"
#define MAX_LISTEN 16
#define MAP_SIZE_MAX (1u << 24)

struct serve_config {
	const char *listen[MAX_LISTEN];
	int nlisten;
	const char *telemetry_path;
	uint32_t map_size;
	uint64_t netns_grace_s;
	bool force_raw_tp;
	bool debug;
	uint64_t debug_rate, debug_burst, debug_recent, debug_max_seconds;
	const char *web_config_file;
	uint64_t max_connections, max_connections_per_ip, connection_timeout_s, max_request_bytes;
	const char *user; /* NULL: stay root */
	uid_t uid;
	gid_t gid;
};

enum {
	OPT_LISTEN = 256,
	OPT_TELEMETRY_PATH,
	OPT_MAP_SIZE,
	OPT_NETNS_GRACE,
	OPT_LOG_LEVEL,
	OPT_RAW_TP,
	OPT_VERSION,
	OPT_DEBUG,
	OPT_DEBUG_RATE,
	OPT_DEBUG_BURST,
	OPT_DEBUG_RECENT,
	OPT_DEBUG_MAX_SECONDS,
	OPT_WEB_CONFIG,
	OPT_MAX_CONNS,
	OPT_MAX_CONNS_PER_IP,
	OPT_MAX_REQUEST_BYTES,
	OPT_CONN_TIMEOUT,
	OPT_USER,
};

static const struct option serve_options[] = {
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_TELEMETRY_PATH },
	{ "bpf.map-size", required_argument, NULL, OPT_MAP_SIZE },
	{ "bpf.force-raw-tp", no_argument, NULL, OPT_RAW_TP },
	{ "netns.grace-period", required_argument, NULL, OPT_NETNS_GRACE },
	{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "web.enable-debug", no_argument, NULL, OPT_DEBUG },
	{ "debug.rate", required_argument, NULL, OPT_DEBUG_RATE },
	{ "debug.burst", required_argument, NULL, OPT_DEBUG_BURST },
	{ "debug.recent", required_argument, NULL, OPT_DEBUG_RECENT },
	{ "debug.max-seconds", required_argument, NULL, OPT_DEBUG_MAX_SECONDS },
	{ "web.config.file", required_argument, NULL, OPT_WEB_CONFIG },
	{ "web.max-connections", required_argument, NULL, OPT_MAX_CONNS },
	{ "web.max-connections-per-ip", required_argument, NULL, OPT_MAX_CONNS_PER_IP },
	{ "web.max-request-bytes", required_argument, NULL, OPT_MAX_REQUEST_BYTES },
	{ "web.connection-timeout", required_argument, NULL, OPT_CONN_TIMEOUT },
	{ "user", required_argument, NULL, OPT_USER },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void serve_usage(FILE *f)
{
	fprintf(f,
		"Usage: dropmon serve [flags]\n"
		"Count every packet the kernel drops and serve the counts to Prometheus.\n\n"
		"Flags:\n"
		"  --web.listen-address=ADDR  address to listen on, repeatable (default %s);\n"
		"                             forms: :PORT, HOST:PORT, [IPV6]:PORT\n"
		"  --web.telemetry-path=PATH  path of the metrics (default /metrics)\n"
		"  --web.config.file=FILE     TLS, client certificates, basic auth users and\n"
		"                             extra headers, in the Prometheus exporter-toolkit\n"
		"                             format; read at start and on SIGHUP (default:\n"
		"                             none)\n"
		"  --web.max-connections=N    connections served at once (default 64)\n"
		"  --web.max-connections-per-ip=N\n"
		"                             of those, from one address (default 16)\n"
		"  --web.max-request-bytes=N  memory per connection; a request whose line\n"
		"                             and headers do not fit gets 431 (default 32768)\n"
		"  --web.connection-timeout=DUR\n"
		"                             close a connection idle this long (default 30s)\n"
		"  --user=NAME                after attaching, run as this user, keeping only\n"
		"                             CAP_SYSLOG and CAP_SYS_PTRACE (default: stay as\n"
		"                             started)\n"
		"  --bpf.map-size=N           counter map entries, one per (reason, device,\n"
		"                             netns, dropping location) (default 16384);\n"
		"                             drops beyond it are still counted, by reason only\n"
		"  --bpf.force-raw-tp         attach with raw_tp even where tp_btf works\n"
		"  --netns.grace-period=DUR   keep series of a vanished network namespace this\n"
		"                             long, e.g. 90s, 5m (default 5m)\n"
		"  --log.level=LEVEL          error, warn, info or debug (default info)\n"
		"  --web.enable-debug         sample drop events and serve them on\n"
		"                             /debug/drops and /debug/pcap (packet contents:\n"
		"                             mind who can reach the port)\n"
		"  --debug.rate=N             events/s sampled over all CPUs (default 100)\n"
		"  --debug.burst=N            events a CPU may send at once (default 10)\n"
		"  --debug.recent=N           recent events kept for snapshots (default 1000)\n"
		"  --debug.max-seconds=N      longest /debug/pcap?seconds= capture (default 60)\n"
		"  --version                  print the version and exit\n"
		"  -h, --help                 print this help and exit\n",
		DEFAULT_LISTEN);
}

/* The path goes into the landing page's HTML: accept only plain characters. */
static bool valid_path(const char *p)
{
	if (p[0] != '/' || strlen(p) > 200)
		return false;
	for (; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.-~",
			    *p))
			return false;
	return true;
}

/* Reads, checks and logs --web.config.file, and makes its authenticator.
 * Returns 0 or a negative errno, the reason logged. */
static int load_web(const char *path, struct web_config **web, struct webauth **auth)
{
	struct web_config *w = NULL;
	struct webauth *a = NULL;
	char msg[512];
	int err;

	err = web_config_load(path, &w, msg, sizeof(msg));
	if (!err)
		err = webtls_validate(w, msg, sizeof(msg));
	if (err) {
		pr_err("--web.config.file: %s%s%s\n", err == -EINVAL && w ? path : "",
		       err == -EINVAL && w ? ": " : "", msg);
		web_config_free(w);
		return err;
	}
	if (w->nusers) {
		a = webauth_new(w->users, w->nusers);
		if (!a) {
			pr_err("out of memory\n");
			web_config_free(w);
			return -ENOMEM;
		}
	}
	pr_info("web config %s: %s, %zu basic auth user%s\n", path,
		w->cert_pem ? "TLS" : "plain HTTP", w->nusers, w->nusers == 1 ? "" : "s");
	if (w->nusers && !w->cert_pem)
		pr_warn("basic auth without TLS: passwords cross the network in clear\n");
	if (w->nallowed_sans && w->client_auth == WEB_REQUIRE_ANY_CLIENT_CERT)
		pr_warn("client_allowed_sans with RequireAnyClientCert: certificates are not "
			"verified, so anyone can make one with those names; use "
			"RequireAndVerifyClientCert\n");
	*web = w;
	*auth = a;
	return 0;
}

/* SIGHUP: the web config again, for new connections. A file that does not
 * load changes nothing. */
static void reload_web(const char *path, struct http_server *server, struct http_opts *hopts)
{
	struct http_opts next = *hopts;
	struct web_config *w;
	struct webauth *a;
	int err;

	if (!path) {
		pr_info("SIGHUP: no --web.config.file to reload\n");
		return;
	}
	if (load_web(path, &w, &a)) {
		pr_err("SIGHUP: kept the web config in use\n");
		return;
	}
	next.web = w;
	next.auth = a;
	/* The server owns w and a from here on, also on failure. */
	err = http_reconfigure(server, &next);
	if (err) {
		pr_err("SIGHUP: cannot serve with the new web config (%s); kept the one in use\n",
		       strerror(-err));
		return;
	}
	*hopts = next;
	pr_info("SIGHUP: serving with the reloaded web config\n");
}

/* Returns 0 to go on, 1 to exit 0 (help, version), or -EINVAL. */
static int parse_flags(int argc, char **argv, struct serve_config *cfg)
{
	uint64_t v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", serve_options, NULL)) != -1) {
		switch (opt) {
		case OPT_LISTEN:
			if (cfg->nlisten == MAX_LISTEN) {
				pr_err("at most %d --web.listen-address flags\n", MAX_LISTEN);
				return -EINVAL;
			}
			cfg->listen[cfg->nlisten++] = optarg;
			break;
		case OPT_TELEMETRY_PATH:
			if (!valid_path(optarg) || strcmp(optarg, "/") == 0) {
				pr_err("--web.telemetry-path must start with / and hold only "
				       "letters, digits and /_.-~ (got '%s')\n",
				       optarg);
				return -EINVAL;
			}
			cfg->telemetry_path = optarg;
			break;
		case OPT_MAP_SIZE:
			if (parse_u64(optarg, 1, MAP_SIZE_MAX, &v)) {
				pr_err("--bpf.map-size must be a number from 1 to %u (got '%s')\n",
				       MAP_SIZE_MAX, optarg);
				return -EINVAL;
			}
			cfg->map_size = (uint32_t)v;
			break;
		case OPT_RAW_TP:
			cfg->force_raw_tp = true;
			break;
		case OPT_NETNS_GRACE:
			if (parse_duration(optarg, 7 * 24 * 3600, &cfg->netns_grace_s)) {
				pr_err("--netns.grace-period must be a duration such as 90s, 5m "
				       "or 1h, at most a week (got '%s')\n",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_LOG_LEVEL:
			if (cli_set_log_level(optarg))
				return -EINVAL;
			break;
		case OPT_DEBUG:
			cfg->debug = true;
			break;
		case OPT_DEBUG_RATE:
		case OPT_DEBUG_BURST:
		case OPT_DEBUG_RECENT:
		case OPT_DEBUG_MAX_SECONDS: {
			static const char *const names[] = { "--debug.rate", "--debug.burst",
							     "--debug.recent",
							     "--debug.max-seconds" };
			static const uint64_t maxes[] = { 1000000, 100000, 100000, 3600 };
			uint64_t *dst[] = { &cfg->debug_rate, &cfg->debug_burst, &cfg->debug_recent,
					    &cfg->debug_max_seconds };
			int i = opt - OPT_DEBUG_RATE;

			if (parse_u64(optarg, 1, maxes[i], dst[i])) {
				pr_err("%s must be a number from 1 to %" PRIu64 " (got '%s')\n",
				       names[i], maxes[i], optarg);
				return -EINVAL;
			}
			break;
		}
		case OPT_WEB_CONFIG:
			cfg->web_config_file = optarg;
			break;
		case OPT_MAX_CONNS:
		case OPT_MAX_CONNS_PER_IP:
		case OPT_MAX_REQUEST_BYTES: {
			static const char *const names[] = { "--web.max-connections",
							     "--web.max-connections-per-ip",
							     "--web.max-request-bytes" };
			static const uint64_t mins[] = { 1, 1, 8192 };
			static const uint64_t maxes[] = { 10000, 10000, 1 << 20 };
			uint64_t *dst[] = { &cfg->max_connections, &cfg->max_connections_per_ip,
					    &cfg->max_request_bytes };
			int i = opt - OPT_MAX_CONNS;

			if (parse_u64(optarg, mins[i], maxes[i], dst[i])) {
				pr_err("%s must be a number from %" PRIu64 " to %" PRIu64
				       " (got '%s')\n",
				       names[i], mins[i], maxes[i], optarg);
				return -EINVAL;
			}
			break;
		}
		case OPT_CONN_TIMEOUT:
			if (parse_duration(optarg, 3600, &cfg->connection_timeout_s) ||
			    cfg->connection_timeout_s == 0) {
				pr_err("--web.connection-timeout must be a duration from 1s to 1h "
				       "(got '%s')\n",
				       optarg);
				return -EINVAL;
			}
			break;
		case OPT_USER: {
			struct passwd *pw;

			errno = 0;
			pw = getpwnam(optarg);
			if (!pw) {
				pr_err("--user: no user '%s'%s%s\n", optarg, errno ? ": " : "",
				       errno ? strerror(errno) : "");
				return -EINVAL;
			}
			if (pw->pw_uid == 0 || pw->pw_gid == 0) {
				pr_err("--user: '%s' is root or in group root; name an "
				       "unprivileged user\n",
				       optarg);
				return -EINVAL;
			}
			cfg->user = optarg;
			cfg->uid = pw->pw_uid;
			cfg->gid = pw->pw_gid;
			break;
		}
		case OPT_VERSION:
			printf("dropmon %s (revision %s)\n", DROPMON_VERSION, DROPMON_REVISION);
			return 1;
		case 'h':
			serve_usage(stdout);
			return 1;
		default:
			serve_usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (cfg->nlisten == 0)
		cfg->listen[cfg->nlisten++] = DEFAULT_LISTEN;
	return 0;
}

static void explain_listen_error(const char *addr, int err)
{
	if (err == -EINVAL)
		pr_err("--web.listen-address '%s' is not HOST:PORT, :PORT or [IPV6]:PORT\n", addr);
	else if (err == -EADDRINUSE)
		pr_err("cannot listen on %s: the port is in use (another exporter?); choose "
		       "another with --web.listen-address\n",
		       addr);
	else if (err == -EADDRNOTAVAIL)
		pr_err("cannot listen on %s: no such local address\n", addr);
	else
		pr_err("cannot listen on %s: %s\n", addr, strerror(-err));
}

static int probe_maps(void *loader)
{
	return loader_probe_maps(loader);
}

/* The capabilities serve keeps once attached: CAP_SYSLOG and
 * CAP_SYS_PTRACE, and CAP_BPF (CAP_SYS_ADMIN when started without it) on
 * the kernels whose every bpf() command needs it, which only trying tells:
 * before 5.19 kernel.unprivileged_bpf_disabled gates reads of maps this
 * process already holds, and Debian sets it. */
static uint64_t kept_caps(const struct loader *loader)
{
	uint64_t keep = 1ULL << PRIVS_CAP_SYSLOG | 1ULL << PRIVS_CAP_SYS_PTRACE;
	uint64_t bpf = 1ULL << PRIVS_CAP_BPF;
	int err;

	if (!(privs_effective() & bpf))
		bpf = 1ULL << PRIVS_CAP_SYS_ADMIN;
	err = privs_try_with_only(keep, probe_maps, (void *)loader);
	if (err == -EPERM && bpf == 1ULL << PRIVS_CAP_BPF) {
		pr_info("this kernel checks every bpf() call for CAP_BPF "
			"(kernel.unprivileged_bpf_disabled): keeping it to read the counters\n");
		keep |= bpf;
	} else if (err == -EPERM) {
		/* Started with CAP_SYS_ADMIN but not CAP_BPF (every kernel
		 * dropmon runs on has CAP_BPF): keeping it empties the drop. */
		pr_warn("this kernel checks every bpf() call for CAP_BPF, which dropmon was not "
			"given: keeping CAP_SYS_ADMIN instead; grant CAP_BPF to run with less\n");
		keep |= bpf;
	} else if (err) {
		pr_warn("reading the counter map: %s\n", strerror(-err));
	}
	return keep;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_config cfg = {
		.telemetry_path = "/metrics",
		.map_size = 16384,
		.netns_grace_s = 300,
		.debug_rate = 100,
		.debug_burst = 10,
		.debug_recent = 1000,
		.debug_max_seconds = 60,
		.max_connections = 64,
		.max_connections_per_ip = 16,
		.connection_timeout_s = 30,
		.max_request_bytes = 32768,
	};
	struct web_config *web = NULL;
	struct webauth *auth = NULL;
	struct debug *debug = NULL;
	struct loader_opts lopts;
	struct scrape_opts sopts;
	struct http_opts hopts;
	struct http_route routes[3];
	bool tls;
	struct loader *loader = NULL;
	struct reasons *reasons = NULL;
	struct scrape *scrape = NULL;
	struct http_server *server = NULL;
	enum loader_stage stage;
	int fds[MAX_LISTEN], nfds = 0, err, sig, i;
	uint64_t keep;
	const char *what = "";
	sigset_t sigs;

	err = parse_flags(argc, argv, &cfg);
	if (err)
		return err > 0 ? 0 : 2;
	/* Read as started (root can read a key file only root may read), and
	 * before anything else: a bad file costs nothing. */
	if (cfg.web_config_file) {
		err = load_web(cfg.web_config_file, &web, &auth);
		if (err)
			return err == -ENOMEM ? 1 : 2;
	}
	hopts = (struct http_opts){
		.connection_timeout_s = (unsigned int)cfg.connection_timeout_s,
		.connection_limit = (unsigned int)cfg.max_connections,
		.per_ip_connection_limit = (unsigned int)cfg.max_connections_per_ip,
		.request_memory_limit = (size_t)cfg.max_request_bytes,
		.web = web,
		.auth = auth,
	};

	/* Signals are taken by sigwait() below; block them before any thread
	 * exists so that no thread gets them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	/* Cheap failures first: a busy port should not cost a BPF load. */
	for (i = 0; i < cfg.nlisten; i++) {
		err = http_listen(cfg.listen[i]);
		if (err < 0) {
			explain_listen_error(cfg.listen[i], err);
			goto cleanup;
		}
		fds[nfds++] = err;
	}

	lopts = (struct loader_opts){
		.map_size = cfg.map_size,
		.force_raw_tp = cfg.force_raw_tp,
		.events = {
			.enabled = cfg.debug,
			.rate = cfg.debug_rate,
			.burst = cfg.debug_burst,
			.ringbuf_bytes = 4u << 20,
		},
	};
	err = loader_open(&lopts, &loader, &stage);
	if (err) {
		cli_explain_load_error(stage, err);
		goto cleanup;
	}
	/* One table of reason names, for the scrape and the event pump. */
	reasons = reasons_load(NULL, NULL);
	if (!reasons) {
		err = errno ? -errno : -EINVAL;
		pr_err("reading drop reasons from /sys/kernel/btf/vmlinux: %s\n", strerror(-err));
		goto cleanup;
	}
	sopts = (struct scrape_opts){
		.netns_grace_s = cfg.netns_grace_s,
		/* Between 1 s (not a /proc scan per scrape) and 5 s. */
		.netns_refresh_s = cfg.netns_grace_s < 1   ? 1
				   : cfg.netns_grace_s < 5 ? cfg.netns_grace_s
							   : 5,
		.reasons = reasons,
	};
	err = scrape_new(loader, &sopts, &scrape, &what);
	if (err) {
		if (err == -EPERM)
			pr_err("%s: kernel addresses are hidden; run as root or with CAP_SYSLOG\n",
			       what);
		else
			pr_err("%s: %s\n", what, strerror(-err));
		goto cleanup;
	}
	/* Attached, and the maps are reached through file descriptors: from
	 * here on only kallsyms reloads (CAP_SYSLOG) and netns names of other
	 * users' processes (CAP_SYS_PTRACE) need privileges. Capabilities are
	 * per thread: this comes before any thread is started. */
	keep = kept_caps(loader);
	if (cfg.user) {
		err = privs_switch_user(cfg.uid, cfg.gid, keep);
		if (err) {
			pr_err("--user %s: cannot switch to uid %u: %s\n", cfg.user,
			       (unsigned int)cfg.uid, strerror(-err));
			goto cleanup;
		}
		pr_info("running as %s (uid %u, gid %u)\n", cfg.user, (unsigned int)cfg.uid,
			(unsigned int)cfg.gid);
	} else {
		err = privs_keep_only(keep);
		if (err)
			pr_warn("cannot drop capabilities: %s\n", strerror(-err));
	}
	pr_debug("capabilities left: 0x%" PRIx64 "\n", privs_effective());
	if (cfg.debug) {
		struct debug_opts dopts = {
			.recent = cfg.debug_recent,
			.queue = 256,
			.max_subs = 8,
			.max_seconds = (unsigned int)cfg.debug_max_seconds,
			.reasons = reasons,
		};

		err = debug_start(loader, &dopts, &debug, &what);
		if (err) {
			pr_err("%s: %s\n", what, strerror(-err));
			goto cleanup;
		}
		err = scrape_add_source(scrape, debug_metrics, debug);
		if (err) {
			pr_err("adding the event metrics: %s\n", strerror(-err));
			goto cleanup;
		}
	}
	/* The path was checked to need no escaping in the landing page. */
	routes[0] = (struct http_route){ cfg.telemetry_path, false, serve_metrics, scrape };
	routes[1] = (struct http_route){ "/", false, serve_landing, (void *)cfg.telemetry_path };
	routes[2] = debug ? (struct http_route){ "/debug/", true, debug_handle, debug }
			  : (struct http_route){ "/debug/", true, serve_debug_off, NULL };
	tls = web && web->cert_pem;
	err = http_start(&hopts, routes, 3, fds, nfds, &server);
	/* The server owns the sockets, the web config and its users now. */
	nfds = 0;
	web = NULL;
	auth = NULL;
	if (err) {
		pr_err("cannot start the HTTP server: %s\n", strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < cfg.nlisten; i++)
		pr_info("attached to skb:kfree_skb (%s); serving %s on %s%s\n",
			loader_attach_mode(loader), cfg.telemetry_path, cfg.listen[i],
			tls ? " over TLS" : "");

	for (;;) {
		err = sigwait(&sigs, &sig);
		if (err == EINTR)
			continue;
		if (sig != SIGHUP)
			break;
		reload_web(cfg.web_config_file, server, &hopts);
	}
	pr_info("received %s, detaching\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	err = 0;
cleanup:
	/* Streams end first, so that stopping the server does not wait. */
	debug_shutdown(debug);
	http_stop(server);
	debug_free(debug);
	scrape_free(scrape);
	reasons_free(reasons);
	loader_close(loader);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	webauth_free(auth);
	web_config_free(web);
	return err ? 1 : 0;
}
