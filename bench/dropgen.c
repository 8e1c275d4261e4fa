// SPDX-License-Identifier: GPL-2.0-only
/* dropgen: sends packets meant to be dropped, an exact number of them or as
 * many as one core can for a while, and says how many it sent. Used by the
 * integration tests (exact counts) and the benchmark (a flood). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

struct dg_opts {
	const char *mode; /* "udp" or "tcp-syn" */
	struct sockaddr_storage dst;
	socklen_t dstlen;
	uint64_t count;	   /* 0: until duration */
	uint64_t duration; /* seconds */
	uint64_t size;	   /* UDP payload bytes */
	uint16_t port2;	   /* udp: every other packet goes to this port */
	int cpu;	   /* -1: anywhere */
};

static void usage(void)
{
	fprintf(stderr,
		"Usage: dropgen udp|tcp-syn ADDR PORT [--count N] [--duration SECONDS]\n"
		"               [--size BYTES] [--cpu N] [--alternate-port PORT2]\n"
		"  udp      UDP datagrams of --size payload bytes (default 64), sent in batches;\n"
		"           with --alternate-port, every other one goes to PORT2\n"
		"  tcp-syn  one connect() per packet: one SYN each, to a port that refuses\n"
		"Prints: sent=N seconds=S rate=PPS\n");
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

	if (argc < 4)
		return -EINVAL;
	o->mode = argv[1];
	if (strcmp(o->mode, "udp") != 0 && strcmp(o->mode, "tcp-syn") != 0)
		return -EINVAL;
	if (parse_u64(argv[3], 1, 65535, &port))
		return -EINVAL;
	memset(&o->dst, 0, sizeof(o->dst));
	if (inet_pton(AF_INET, argv[2], &in4->sin_addr) == 1) {
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
	for (int i = 4; i < argc; i += 2) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		int err = -EINVAL;

		if (strcmp(argv[i], "--count") == 0)
			err = parse_u64(val, 1, UINT64_MAX, &o->count);
		else if (strcmp(argv[i], "--duration") == 0)
			err = parse_u64(val, 1, 3600, &o->duration);
		else if (strcmp(argv[i], "--size") == 0)
			err = parse_u64(val, 0, MAX_PAYLOAD, &o->size);
		else if (strcmp(argv[i], "--cpu") == 0 &&
			 (err = parse_u64(val, 0, 1023, &cpu)) == 0)
			o->cpu = (int)cpu;
		else if (strcmp(argv[i], "--alternate-port") == 0 &&
			 (err = parse_u64(val, 1, 65535, &port2)) == 0)
			o->port2 = (uint16_t)port2;
		if (err)
			return err;
	}
	if (!o->count && !o->duration)
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
