// SPDX-License-Identifier: GPL-2.0-only
/* dropgen: sends packets meant to be dropped, an exact number of them or as
 * many as one core can for a while, and says how many it sent; or, as a sink,
 * receives a flood so that it is accepted, not dropped. Used by the
 * integration tests (exact counts) and the benchmarks (a flood). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"

#define BATCH 64
#define MAX_PAYLOAD 9000
/* The sink counts datagrams, it does not read them: longer ones are cut. */
#define SINK_BUF 2048
/* The sink stops this long after the last datagram: the flood is over. */
#define SINK_IDLE_S 0.5
#define SINK_RCVBUF_DEFAULT (32u << 20)

struct dg_opts {
	const char *mode; /* "udp", "tcp-syn" or "sink" */
	struct sockaddr_storage dst;
	socklen_t dstlen;
	uint64_t count;	   /* 0: until duration */
	uint64_t duration; /* seconds */
	uint64_t size;	   /* UDP payload bytes */
	uint64_t rcvbuf;   /* sink: SO_RCVBUF(FORCE) bytes */
	uint16_t port2;	   /* udp: every other packet goes to this port */
	int cpu;	   /* -1: anywhere */
};

static void usage(void)
{
	fprintf(stderr,
		"Usage: dropgen udp|tcp-syn ADDR PORT [--count N] [--duration SECONDS]\n"
		"               [--size BYTES] [--cpu N] [--alternate-port PORT2]\n"
		"       dropgen sink PORT --duration SECONDS [--cpu N] [--rcvbuf BYTES]\n"
		"  udp      UDP datagrams of --size payload bytes (default 64), sent in batches;\n"
		"           with --alternate-port, every other one goes to PORT2\n"
		"  tcp-syn  one connect() per packet: one SYN each, to a port that refuses\n"
		"  sink     receives UDP on PORT (IPv4, any address) in batches: waits up to\n"
		"           SECONDS for the first datagram, then receives for up to SECONDS\n"
		"           more, stopping 0.5 s after the last one; --rcvbuf default 32 MiB\n"
		"Prints: sent=N seconds=S rate=PPS\n"
		"        sink: received=N seconds=S rate=PPS (S: first to last datagram)\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_args(int argc, char **argv, struct dg_opts *o)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&o->dst;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&o->dst;
	uint64_t port, port2, cpu;
	bool sink, sized = false;
	int first;

	if (argc < 3)
		return -EINVAL;
	o->mode = argv[1];
	sink = strcmp(o->mode, "sink") == 0;
	if (!sink && strcmp(o->mode, "udp") != 0 && strcmp(o->mode, "tcp-syn") != 0)
		return -EINVAL;
	/* sink PORT [options]; udp|tcp-syn ADDR PORT [options] */
	first = sink ? 3 : 4;
	if (argc < first || parse_u64(argv[first - 1], 1, 65535, &port))
		return -EINVAL;
	memset(&o->dst, 0, sizeof(o->dst));
	if (sink) {
		in4->sin_family = AF_INET;
		in4->sin_addr.s_addr = htonl(INADDR_ANY);
		in4->sin_port = htons((uint16_t)port);
		o->dstlen = sizeof(*in4);
	} else if (inet_pton(AF_INET, argv[2], &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		o->dstlen = sizeof(*in4);
	} else if (inet_pton(AF_INET6, argv[2], &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		o->dstlen = sizeof(*in6);
	} else {
		return -EINVAL;
	}
	/* Every option takes a value: "--count N". */
	for (int i = first; i < argc; i += 2) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		int err = -EINVAL;

		if (strcmp(argv[i], "--count") == 0)
			err = parse_u64(val, 1, UINT64_MAX, &o->count);
		else if (strcmp(argv[i], "--duration") == 0)
			err = parse_u64(val, 1, 3600, &o->duration);
		else if (strcmp(argv[i], "--size") == 0 &&
			 (err = parse_u64(val, 0, MAX_PAYLOAD, &o->size)) == 0)
			sized = true;
		else if (strcmp(argv[i], "--cpu") == 0 &&
			 (err = parse_u64(val, 0, 1023, &cpu)) == 0)
			o->cpu = (int)cpu;
		else if (strcmp(argv[i], "--alternate-port") == 0 &&
			 (err = parse_u64(val, 1, 65535, &port2)) == 0)
			o->port2 = (uint16_t)port2;
		else if (strcmp(argv[i], "--rcvbuf") == 0)
			err = parse_u64(val, 4096, INT32_MAX / 2, &o->rcvbuf);
		if (err)
			return err;
	}
	if (!o->count && !o->duration)
		return -EINVAL;
	/* The sink's options: --duration (required), --cpu, --rcvbuf. */
	if (sink && (o->count || !o->duration || o->port2 || sized))
		return -EINVAL;
	if (!sink && o->rcvbuf)
		return -EINVAL;
	return 0;
}

static int flood_udp(const struct dg_opts *o, uint64_t *sent, uint64_t *sent_alt)
{
	static char payload[MAX_PAYLOAD];
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = payload, .iov_len = o->size };
	struct sockaddr_storage dst2 = o->dst;
	double deadline = o->duration ? now_s() + (double)o->duration : 0;
	int fd, n;

	fd = socket(o->dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (o->port2) {
		if (dst2.ss_family == AF_INET)
			((struct sockaddr_in *)&dst2)->sin_port = htons(o->port2);
		else
			((struct sockaddr_in6 *)&dst2)->sin6_port = htons(o->port2);
	}
	memset(msgs, 0, sizeof(msgs));
	/* BATCH is even, so a batch cut short by --count still alternates. */
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_name = (o->port2 && i % 2) ? (void *)&dst2 : (void *)&o->dst;
		msgs[i].msg_hdr.msg_namelen = o->dstlen;
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	*sent = 0;
	*sent_alt = 0;
	while (!o->count || *sent < o->count) {
		unsigned int want = BATCH;

		if (o->count && o->count - *sent < BATCH)
			want = (unsigned int)(o->count - *sent);
		n = sendmmsg(fd, msgs, want, 0);
		if (n < 0) {
			/* ICMP errors from earlier datagrams surface here. */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENOBUFS)
				continue;
			close(fd);
			return -errno;
		}
		*sent += (uint64_t)n;
		/* Odd indexes went to the alternate port, even or not. */
		if (o->port2)
			*sent_alt += (uint64_t)n / 2;
		if (deadline && (*sent & 0xfff) < BATCH && now_s() >= deadline)
			break;
	}
	close(fd);
	return 0;
}

static int syn_once(const struct dg_opts *o)
{
	int fd, err = 0;

	fd = socket(o->dst.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&o->dst, o->dstlen) == 0)
		err = -EISCONN; /* something listens: no drop happened */
	else if (errno != ECONNREFUSED)
		err = -errno;
	close(fd);
	return err;
}

static int flood_syn(const struct dg_opts *o, uint64_t *sent)
{
	double deadline = o->duration ? now_s() + (double)o->duration : 0;
	int err;

	*sent = 0;
	while (!o->count || *sent < o->count) {
		err = syn_once(o);
		if (err)
			return err;
		(*sent)++;
		if (deadline && now_s() >= deadline)
			break;
	}
	return 0;
}

/* Root may go past net.core.rmem_max; others get what it allows. */
static int set_rcvbuf(int fd, uint64_t bytes)
{
	int val = (int)bytes;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &val, sizeof(val)) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &val, sizeof(val)))
		return -errno;
	return 0;
}

static int sink_udp(const struct dg_opts *o, uint64_t *received, double *secs)
{
	static char bufs[BATCH][SINK_BUF];
	struct mmsghdr msgs[BATCH];
	struct iovec iovs[BATCH];
	struct pollfd pfd = { .events = POLLIN };
	double start = now_s(), first = 0, last = 0, now;
	int fd, n, err = 0;

	*received = 0;
	*secs = 0;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = set_rcvbuf(fd, o->rcvbuf ? o->rcvbuf : SINK_RCVBUF_DEFAULT);
	if (err)
		goto cleanup;
	if (bind(fd, (const struct sockaddr *)&o->dst, o->dstlen)) {
		err = -errno;
		goto cleanup;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iovs[i].iov_base = bufs[i];
		iovs[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iovs[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	pfd.fd = fd;
	for (;;) {
		/* poll() bounds every wait; recvmmsg()'s own timeout is only
		 * checked after a datagram has arrived. */
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR) {
			err = -errno;
			goto cleanup;
		}
		while ((n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL)) > 0) {
			last = now_s();
			if (!*received)
				first = last;
			*received += (uint64_t)n;
			if (last - first >= (double)o->duration)
				break;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			err = -errno;
			goto cleanup;
		}
		now = now_s();
		if (!*received && now - start >= (double)o->duration) {
			err = -ETIMEDOUT;
			goto cleanup;
		}
		if (*received && (now - first >= (double)o->duration || now - last >= SINK_IDLE_S))
			break;
	}
	*secs = last - first;
cleanup:
	close(fd);
	return err;
}

static int run_sink(const struct dg_opts *o)
{
	uint64_t received = 0;
	double secs = 0;
	int err;

	err = sink_udp(o, &received, &secs);
	if (err == -ETIMEDOUT) {
		fprintf(stderr, "dropgen: no datagram on port %u within %llu s\n",
			ntohs(((const struct sockaddr_in *)&o->dst)->sin_port),
			(unsigned long long)o->duration);
		return 1;
	}
	if (err) {
		fprintf(stderr, "dropgen: sink: %s after %llu datagrams\n", strerror(-err),
			(unsigned long long)received);
		return 1;
	}
	printf("received=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)received, secs,
	       secs > 0 ? (double)received / secs : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	struct dg_opts o = { .size = 64, .cpu = -1 };
	uint64_t sent = 0, sent_alt = 0;
	double start, secs;
	int err;

	if (parse_args(argc, argv, &o)) {
		usage();
		return 2;
	}
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("dropgen: sched_setaffinity");
			return 1;
		}
	}
	if (strcmp(o.mode, "sink") == 0)
		return run_sink(&o);
	start = now_s();
	err = strcmp(o.mode, "udp") == 0 ? flood_udp(&o, &sent, &sent_alt) : flood_syn(&o, &sent);
	secs = now_s() - start;
	printf("sent=%llu seconds=%.3f rate=%.0f", (unsigned long long)sent, secs,
	       secs > 0 ? (double)sent / secs : 0.0);
	if (o.port2)
		printf(" port=%llu port2=%llu", (unsigned long long)(sent - sent_alt),
		       (unsigned long long)sent_alt);
	printf("\n");
	if (err) {
		fprintf(stderr, "dropgen: %s after %llu packets\n",
			err == -EISCONN ? "the port accepted a connection" : strerror(-err),
			(unsigned long long)sent);
		return 1;
	}
	return 0;
}
