// SPDX-License-Identifier: GPL-2.0-only
/* A bounded queue of records in front of a non-blocking descriptor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outbuf.h"

struct outbuf {
	int fd;		  /* written to */
	int own_fd;	  /* fd, when reopened here; else -1 */
	int shared_fd;	  /* the caller's fd, when its O_NONBLOCK was set here */
	int shared_flags; /* its status flags before that */
	bool sock;
	size_t cap;
	int err; /* sticky: the failed write's */
	/* Bytes queued: buf[start, end). */
	char *buf;
	size_t alloc, start, end;
	/* Lengths of the queued records, a ring: lens[(first + i) % lcap]. */
	uint32_t *lens;
	size_t lcap, lfirst, ln;
	size_t first_done; /* bytes of the first queued record already written */
	uint64_t written, whole_bytes;
};

/* A description of fd's pipe, FIFO or terminal of our own, non-blocking,
 * or -1. */
static int reopen_nonblocking(int fd)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

int outbuf_new(int fd, size_t cap, struct outbuf **out)
{
	struct outbuf *o;
	struct stat st;
	int flags;

	if (fd < 0 || cap == 0)
		return -EINVAL;
	if (fstat(fd, &st))
		return -errno;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->fd = fd;
	o->own_fd = -1;
	o->shared_fd = -1;
	o->cap = cap;
	if (S_ISSOCK(st.st_mode)) {
		o->sock = true;
	} else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		o->own_fd = reopen_nonblocking(fd);
		if (o->own_fd >= 0) {
			o->fd = o->own_fd;
		} else {
			/* No /proc, or a FIFO whose reader is gone (ENXIO): the
			 * shared description, restored at the end. */
			flags = fcntl(fd, F_GETFL);
			if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
				int err = -errno;

				free(o);
				return err;
			}
			o->shared_fd = fd;
			o->shared_flags = flags;
		}
	}
	/* A regular file or a block device never waits for a reader. */
	*out = o;
	return 0;
}

bool outbuf_full(const struct outbuf *o)
{
	return o->err || o->end - o->start >= o->cap;
}

static int reserve_bytes(struct outbuf *o, size_t len)
{
	size_t need, n;
	char *p;

	if (o->alloc - o->end >= len)
		return 0;
	/* Move what is queued to the front before growing. */
	if (o->start) {
		memmove(o->buf, o->buf + o->start, o->end - o->start);
		o->end -= o->start;
		o->start = 0;
		if (o->alloc - o->end >= len)
			return 0;
	}
	need = o->end + len;
	n = o->alloc ? o->alloc : 4096;
	while (n < need)
		n *= 2;
	p = realloc(o->buf, n);
	if (!p)
		return -ENOMEM;
	o->buf = p;
	o->alloc = n;
	return 0;
}

static int reserve_len(struct outbuf *o)
{
	size_t n, i;
	uint32_t *p;

	if (o->ln < o->lcap)
		return 0;
	n = o->lcap ? o->lcap * 2 : 64;
	p = malloc(n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < o->ln; i++)
		p[i] = o->lens[(o->lfirst + i) % o->lcap];
	free(o->lens);
	o->lens = p;
	o->lcap = n;
	o->lfirst = 0;
	return 0;
}

int outbuf_add(struct outbuf *o, const void *data, size_t len)
{
	if (outbuf_full(o))
		return -ENOBUFS;
	if (len == 0)
		return 0;
	if (len > UINT32_MAX)
		return -EFBIG;
	if (reserve_bytes(o, len) || reserve_len(o))
		return -ENOMEM;
	memcpy(o->buf + o->end, data, len);
	o->end += len;
	o->lens[(o->lfirst + o->ln) % o->lcap] = (uint32_t)len;
	o->ln++;
	return 0;
}

/* n more bytes went out: count the records they completed. */
static void advance(struct outbuf *o, size_t n)
{
	o->start += n;
	o->first_done += n;
	while (o->ln && o->first_done >= o->lens[o->lfirst]) {
		uint32_t len = o->lens[o->lfirst];

		o->first_done -= len;
		o->whole_bytes += len;
		o->written++;
		o->lfirst = (o->lfirst + 1) % o->lcap;
		o->ln--;
	}
	if (o->start == o->end)
		o->start = o->end = 0;
}

int outbuf_write(struct outbuf *o)
{
	while (!o->err && o->end > o->start) {
		size_t len = o->end - o->start;
		ssize_t n;

		if (o->sock)
			n = send(o->fd, o->buf + o->start, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = write(o->fd, o->buf + o->start, len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return 0;
			o->err = -errno;
			break;
		}
		if (n == 0) { /* not for a write of len > 0; never spin on it */
			o->err = -EIO;
			break;
		}
		advance(o, (size_t)n);
	}
	return o->err;
}

int outbuf_fd(const struct outbuf *o)
{
	return o->fd;
}

size_t outbuf_pending_bytes(const struct outbuf *o)
{
	return o->end - o->start;
}

uint64_t outbuf_records_written(const struct outbuf *o)
{
	return o->written;
}

uint64_t outbuf_records_pending(const struct outbuf *o)
{
	return o->ln;
}

bool outbuf_partial(const struct outbuf *o)
{
	return o->ln && o->first_done;
}

uint64_t outbuf_bytes_whole(const struct outbuf *o)
{
	return o->whole_bytes;
}

void outbuf_free(struct outbuf *o)
{
	if (!o)
		return;
	if (o->own_fd >= 0)
		close(o->own_fd);
	if (o->shared_fd >= 0)
		fcntl(o->shared_fd, F_SETFL, o->shared_flags);
	free(o->buf);
	free(o->lens);
	free(o);
}
