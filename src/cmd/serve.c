// SPDX-License-Identifier: GPL-2.0-only
/* `dropmon serve`: flags, start-up in an order that fails early and cheaply,
 * and a clean detach on SIGINT/SIGTERM. */
#include <errno.h>
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
#include "opts.h"
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
#define DEFAULT_TELEMETRY_PATH "/metrics"
#define MAX_LISTEN 16
#define DEFAULT_MAP_SIZE 16384

_Static_assert(MAX_LISTEN <= OPTS_LIST_MAX, "--web.listen-address: too many for opts");

struct serve_config {
	struct opts_list listen;
	const char *telemetry_path;
	uint32_t map_size;
	uint64_t netns_grace_s;
	bool force_raw_tp;
	bool netfilter;
	bool debug;
	uint64_t debug_rate, debug_burst, debug_recent, debug_memory, debug_max_seconds;
	const char *web_config_file;
	uint64_t max_connections, max_connections_per_ip, connection_timeout_s, header_timeout_s;
	uint64_t max_request_bytes;
	const char *pod_logs_dir, *docker_root;
	const char *user; /* NULL: stay root */
	uid_t uid;
	gid_t gid;
};

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
		err = webauth_new(w->users, w->nusers, &a);
		if (err) {
			pr_err("setting up basic auth: %s\n", strerror(-err));
			web_config_free(w);
			return err;
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

/* The path goes into the landing page's HTML: see valid_path(). */
static int parse_telemetry_path(const struct opts_entry *e, const char *arg, void *cfg)
{
	if (!valid_path(arg) || strcmp(arg, "/") == 0)
		return opts_error(e, arg);
	((struct serve_config *)cfg)->telemetry_path = arg;
	return 0;
}

/* A directory dropmon reads names from: absolute, so that the service's
 * working directory does not matter, and short enough for every file name
 * below it. */
static int parse_names_dir(const struct opts_entry *e, const char *arg, void *data)
{
	struct serve_config *cfg = data;

	if (arg[0] != '/' || strlen(arg) > 1024)
		return opts_error(e, arg);
	if (strcmp(e->name, "kubernetes.pod-logs-dir") == 0)
		cfg->pod_logs_dir = arg;
	else
		cfg->docker_root = arg;
	return 0;
}

/* --collector.netfilter and --no-collector.netfilter: the last one wins. */
static int parse_netfilter(const struct opts_entry *e, const char *arg, void *data)
{
	(void)arg;
	((struct serve_config *)data)->netfilter = strncmp(e->name, "no-", 3) != 0;
	return 0;
}

static int parse_user(const struct opts_entry *e, const char *arg, void *data)
{
	struct serve_config *cfg = data;
	struct passwd *pw;

	(void)e;
	errno = 0;
	pw = getpwnam(arg);
	if (!pw) {
		pr_err("--user: no user '%s'%s%s\n", arg, errno ? ": " : "",
		       errno ? strerror(errno) : "");
		return -EINVAL;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		pr_err("--user: '%s' is root or in group root; name an unprivileged user\n", arg);
		return -EINVAL;
	}
	cfg->user = arg;
	cfg->uid = pw->pw_uid;
	cfg->gid = pw->pw_gid;
	return 0;
}

/* What the maps cost depends on the CPUs: the error says it for the value
 * asked, on this machine. */
static int parse_map_size(const struct opts_entry *e, const char *arg, void *cfg)
{
	uint64_t n;

	(void)e;
	if (parse_u64(arg, 1, UINT32_MAX, &n) == 0 && n <= LOADER_MAP_SIZE_MAX) {
		((struct serve_config *)cfg)->map_size = (uint32_t)n;
		return 0;
	}
	if (parse_u64(arg, 1, UINT64_MAX, &n) == 0)
		pr_err("--bpf.map-size must be from 1 to %u (got %s: each entry costs about 184 "
		       "bytes of kernel memory plus 16 per CPU, %.0f MiB for %s on the %d CPUs "
		       "here)\n",
		       LOADER_MAP_SIZE_MAX, arg,
		       (double)n * (184.0 + 16.0 * loader_possible_cpus()) / (1 << 20), arg,
		       loader_possible_cpus());
	else
		pr_err("--bpf.map-size must be a number from 1 to %u (got '%s')\n",
		       LOADER_MAP_SIZE_MAX, arg);
	return -EINVAL;
}

static int print_version(const struct opts_entry *e, const char *arg, void *cfg)
{
	(void)e;
	(void)arg;
	(void)cfg;
	printf("dropmon %s (revision %s)\n", DROPMON_VERSION, DROPMON_REVISION);
	return OPTS_EXIT;
}

#define SERVE(kind, member) OPTS_##kind##_AT(struct serve_config, member)

/* In the order of the help. */
static const struct opts_entry serve_flags[] = {
	{ .name = "web.listen-address",
	  SERVE(LIST, listen),
	  .arg = "ADDR",
	  .max = MAX_LISTEN,
	  .def = DEFAULT_LISTEN,
	  .help = "address to listen on, repeatable; forms: :PORT,\n"
		  "HOST:PORT, [IPV6]:PORT" },
	{ .name = "web.telemetry-path",
	  .kind = OPTS_CUSTOM,
	  .parse = parse_telemetry_path,
	  .arg = "PATH",
	  .def = DEFAULT_TELEMETRY_PATH,
	  .must = "start with / and hold only letters, digits and /_.-~",
	  .help = "path of the metrics" },
	{ .name = "web.config.file",
	  SERVE(STRING, web_config_file),
	  .arg = "FILE",
	  .help = "TLS, client certificates, basic auth users and\n"
		  "extra headers, in the Prometheus exporter-toolkit\n"
		  "format; read at start and on SIGHUP (default:\n"
		  "none)" },
	{ .name = "web.max-connections",
	  SERVE(U64, max_connections),
	  .arg = "N",
	  .min = 1,
	  .max = 10000,
	  .def = "64",
	  .help = "connections served at once; one more closes the\n"
		  "one that has waited longest outside a request\n"
		  "(sending headers, or idle): answers in progress\n"
		  "are never cut" },
	{ .name = "web.max-connections-per-ip",
	  SERVE(U64, max_connections_per_ip),
	  .arg = "N",
	  .min = 1,
	  .max = 10000,
	  .def = "16",
	  .help = "of those, from one address; more are\n"
		  "refused" },
	{ .name = "web.max-request-bytes",
	  SERVE(U64, max_request_bytes),
	  .arg = "N",
	  .min = 8192,
	  .max = 1 << 20,
	  .def = "32768",
	  .help = "memory per connection; a request whose line\n"
		  "and headers do not fit gets 431; URIs over\n"
		  "4096 bytes or 32 query parameters\n"
		  "get 414" },
	{ .name = "web.connection-timeout",
	  SERVE(DURATION, connection_timeout_s),
	  .arg = "DUR",
	  .min = 1,
	  .max = 3600,
	  .def = "30s",
	  .must = "be a duration from 1s to 1h",
	  .help = "close a connection idle this long" },
	{ .name = "web.header-timeout",
	  SERVE(DURATION, header_timeout_s),
	  .arg = "DUR",
	  .min = 1,
	  .max = 3600,
	  .def = "10s",
	  .must = "be a duration from 1s to 1h",
	  .help = "close a connection that has not sent its whole\n"
		  "request line and headers this long after it\n"
		  "opened (or after the first byte of its next\n"
		  "request), however slowly it keeps on" },
	{ .name = "user",
	  .kind = OPTS_CUSTOM,
	  .parse = parse_user,
	  .arg = "NAME",
	  .help = "after attaching, run as this user, keeping only\n"
		  "CAP_SYSLOG and CAP_SYS_PTRACE (default: stay as\n"
		  "started)" },
	{ .name = "bpf.map-size",
	  .kind = OPTS_CUSTOM,
	  .parse = parse_map_size,
	  .arg = "N",
	  .def = "16384",
	  .help = "counter map entries, one per (reason, device,\n"
		  "netns, dropping location), at most 1048576;\n"
		  "drops beyond it are still counted, by reason\n"
		  "only; each costs about 184 bytes of kernel\n"
		  "memory plus 16 per CPU: 16384 on 8 CPUs take\n"
		  "5 MiB" },
	{ .name = "bpf.force-raw-tp",
	  SERVE(FLAG, force_raw_tp),
	  .help = "attach with raw_tp even where tp_btf works" },
	{ .name = "collector.netfilter",
	  .kind = OPTS_CUSTOM,
	  .parse = parse_netfilter,
	  .help = "name the table, base chain and hook of each\n"
		  "netfilter drop: dropmon_netfilter_drops" },
	{ .name = "no-collector.netfilter",
	  .kind = OPTS_CUSTOM,
	  .parse = parse_netfilter,
	  .help = "do not probe nftables and iptables-legacy\n"
		  "verdicts (the default)" },
	{ .name = "netns.grace-period",
	  SERVE(DURATION, netns_grace_s),
	  .arg = "DUR",
	  .max = 7 * 24 * 3600,
	  .def = "5m",
	  .must = "be a duration such as 90s, 5m or 1h, at most a week",
	  .help = "keep series of a vanished network namespace this\n"
		  "long, e.g. 90s, 5m" },
	{ .name = "kubernetes.pod-logs-dir",
	  .kind = OPTS_CUSTOM,
	  .parse = parse_names_dir,
	  .arg = "DIR",
	  .def = "/var/log/pods",
	  .must = "be an absolute path of at most 1024 bytes",
	  .help = "kubelet's pod log directories, NAMESPACE_POD_UID:\n"
		  "they name the pods in dropmon_netns_info (only\n"
		  "listed, never read)" },
	{ .name = "docker.data-root",
	  .kind = OPTS_CUSTOM,
	  .parse = parse_names_dir,
	  .arg = "DIR",
	  .def = "/var/lib/docker",
	  .must = "be an absolute path of at most 1024 bytes",
	  .help = "Docker's state: containers/ID/config.v2.json\n"
		  "names Docker containers in\n"
		  "dropmon_netns_info" },
	CLI_LOG_LEVEL_FLAG,
	{ .name = "web.enable-debug",
	  SERVE(FLAG, debug),
	  .help = "sample drop events and serve them on\n"
		  "/debug/drops and /debug/pcap (packet contents:\n"
		  "mind who can reach the port)" },
	{ .name = "debug.rate",
	  SERVE(U64, debug_rate),
	  .arg = "N",
	  .min = 1,
	  .max = 1000000,
	  .def = "100",
	  .help = "events/s sampled over all CPUs" },
	{ .name = "debug.burst",
	  SERVE(U64, debug_burst),
	  .arg = "N",
	  .min = 1,
	  .max = 100000,
	  .def = "10",
	  .help = "events a CPU may send at once" },
	{ .name = "debug.recent",
	  SERVE(U64, debug_recent),
	  .arg = "N",
	  .min = 1,
	  .max = 100000,
	  .def = "1000",
	  .help = "recent events kept for snapshots, within\n"
		  "--debug.memory" },
	{ .name = "debug.memory",
	  SERVE(U64, debug_memory),
	  .arg = "MIB",
	  .min = 1,
	  .max = 1024,
	  .def = "16",
	  .help = "MiB all events held may take, recent and\n"
		  "queued (an event takes about 1 KiB, 5.7 KiB at\n"
		  "most)" },
	{ .name = "debug.max-seconds",
	  SERVE(U64, debug_max_seconds),
	  .arg = "N",
	  .min = 1,
	  .max = 3600,
	  .def = "60",
	  .help = "longest /debug/pcap?seconds= capture" },
	{ .name = "version",
	  .kind = OPTS_CUSTOM,
	  .parse = print_version,
	  .help = "print the version and exit" },
	OPTS_HELP_ENTRY,
};

static const struct opts_cmd serve_cmd = {
	.head = "Usage: dropmon serve [flags]\n"
		"Count every packet the kernel drops and serve the counts to Prometheus.\n\n"
		"Flags:\n",
	.column = 29,
	.entries = serve_flags,
	.n = sizeof(serve_flags) / sizeof(serve_flags[0]),
};

static void explain_listen_error(const char *addr, int err)
{
	if (err == -EINVAL && strncmp(addr, "[]:", 3) == 0)
		pr_err("--web.listen-address '%s': empty brackets are no address; write :PORT "
		       "for every address, or [IPV6]:PORT\n",
		       addr);
	else if (err == -EINVAL)
		pr_err("--web.listen-address '%s' is not HOST:PORT, :PORT or [IPV6]:PORT "
		       "(brackets hold an IPv6 address)\n",
		       addr);
	else if (err == -EADDRINUSE)
		pr_err("cannot listen on %s: the port is in use (another exporter?); choose "
		       "another with --web.listen-address\n",
		       addr);
	else if (err == -EADDRNOTAVAIL)
		pr_err("--web.listen-address '%s': no such local address\n", addr);
	else
		pr_err("cannot listen on %s: %s\n", addr, strerror(-err));
}

/* Probing a module loaded later needs CAP_SYS_ADMIN (to find its BTF),
 * which serve gives up: say which functions will not be attributed. */
static void say_unprobed(const struct loader *loader)
{
	for (int i = 0; i < LOADER_NF_PROBES; i++) {
		if (loader_netfilter_state(loader, i) == LOADER_NF_ABSENT)
			pr_info("%s is not probed: its module is not loaded; if it is loaded "
				"later, restart dropmon to attribute its drops to chains\n",
				loader_netfilter_function(i));
	}
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
	/* The other defaults are serve_flags'. */
	struct serve_config cfg = { .telemetry_path = DEFAULT_TELEMETRY_PATH,
				    .map_size = DEFAULT_MAP_SIZE };
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
	int fds[MAX_LISTEN], nfds = 0, err, sig, i, usage = 0;
	char bound[MAX_LISTEN][64];
	uint64_t keep;
	char msg[256];
	sigset_t sigs;

	err = opts_parse(&serve_cmd, argc, argv, &cfg);
	if (err)
		return err == OPTS_EXIT ? 0 : err == -ENOMEM ? 1 : 2;
	/* Read as started (root can read a key file only root may read), and
	 * before anything else: a bad file costs nothing. */
	if (cfg.web_config_file) {
		err = load_web(cfg.web_config_file, &web, &auth);
		if (err)
			return err == -ENOMEM ? 1 : 2;
	}
	hopts = (struct http_opts){
		.connection_timeout_s = (unsigned int)cfg.connection_timeout_s,
		.header_timeout_s = (unsigned int)cfg.header_timeout_s,
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
	for (i = 0; i < (int)cfg.listen.n; i++) {
		err = http_listen(cfg.listen.v[i]);
		if (err < 0) {
			explain_listen_error(cfg.listen.v[i], err);
			/* A flag that names no address here is a usage error. */
			usage = err == -EINVAL || err == -EADDRNOTAVAIL;
			goto cleanup;
		}
		fds[nfds++] = err;
		/* ":0" asks the kernel for a port: say which. */
		if (http_socket_address(err, bound[i], sizeof(bound[i])))
			snprintf(bound[i], sizeof(bound[i]), "%s", cfg.listen.v[i]);
	}

	lopts = (struct loader_opts){
		.map_size = cfg.map_size,
		.force_raw_tp = cfg.force_raw_tp,
		.netfilter = cfg.netfilter,
		.netfilter_counts = true,
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
	if (cfg.netfilter)
		say_unprobed(loader);
	pr_info("counter maps: %u entries, about %.1f MiB of kernel memory on %d CPUs\n",
		cfg.map_size, (double)loader_map_bytes(cfg.map_size) / (1 << 20),
		loader_possible_cpus());
	/* One table of reason names, for the scrape and the event pump. */
	err = reasons_load(NULL, NULL, &reasons);
	if (err) {
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
		.workload = { .pod_logs_dir = cfg.pod_logs_dir, .docker_root = cfg.docker_root },
	};
	err = scrape_new(loader, &sopts, &scrape, msg, sizeof(msg));
	if (err) {
		pr_err("%s\n", msg);
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
			.max_bytes = (size_t)cfg.debug_memory << 20,
			.max_seconds = (unsigned int)cfg.debug_max_seconds,
			.reasons = reasons,
		};

		err = debug_start(loader, &dopts, &debug, msg, sizeof(msg));
		if (err) {
			pr_err("%s\n", msg);
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
	for (i = 0; i < (int)cfg.listen.n; i++)
		pr_info("attached to skb:kfree_skb (%s); serving %s on %s%s\n",
			loader_attach_mode(loader), cfg.telemetry_path, bound[i],
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
	return usage ? 2 : err ? 1 : 0;
}
