// SPDX-License-Identifier: GPL-2.0-only
/* Ring buffer consumer: kernel data is checked before anyone reads it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "ringbuf.h"
#include "log.h"

struct ringbuf {
	struct ring_buffer *rb;
	ringbuf_fn fn;
	void *ctx;
	int count;	/* handled in the current poll */
	uint64_t taken; /* records read off the ring, malformed ones too */
	uint64_t malformed;
	struct drop_event ev; /* the checked copy handed out */
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct ringbuf *e = ctx;
	int err;

	e->taken++;
	if (size < sizeof(struct drop_event)) {
		/* The BPF object and this binary disagree: say it once. */
		if (!e->malformed++)
			pr_warn("ignoring a %zu-byte event record (expected %zu)\n", size,
				sizeof(struct drop_event));
		return 0;
	}
	/* A copy, with its counts bounded, so that no consumer can be led
	 * past an array by a bad length. */
	memcpy(&e->ev, data, sizeof(e->ev));
	if (e->ev.stack_len > DROPMON_STACK_DEPTH)
		e->ev.stack_len = DROPMON_STACK_DEPTH;
	if (e->ev.caplen > DROPMON_PKT_BYTES)
		e->ev.caplen = DROPMON_PKT_BYTES;
	e->ev.comm[sizeof(e->ev.comm) - 1] = '\0';
	e->ev.dev[sizeof(e->ev.dev) - 1] = '\0';
	err = e->fn(&e->ev, e->ctx);
	if (err)
		return err;
	e->count++;
	return 0;
}

int ringbuf_new(int ringbuf_fd, ringbuf_fn fn, void *ctx, struct ringbuf **out)
{
	struct ringbuf *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->fn = fn;
	e->ctx = ctx;
	e->rb = ring_buffer__new(ringbuf_fd, on_sample, e, NULL);
	if (!e->rb) {
		int err = errno ? -errno : -EINVAL;

		free(e);
		return err;
	}
	*out = e;
	return 0;
}

int ringbuf_poll(struct ringbuf *e, int timeout_ms)
{
	int err;

	e->count = 0;
	err = ring_buffer__poll(e->rb, timeout_ms);
	if (err < 0)
		return err;
	return e->count;
}

int ringbuf_consume(struct ringbuf *e)
{
	int err;

	e->count = 0;
	err = ring_buffer__consume(e->rb);
	if (err < 0)
		return err;
	return e->count;
}

int ringbuf_wait_fd(const struct ringbuf *e)
{
	return ring_buffer__epoll_fd(e->rb);
}

uint64_t ringbuf_taken(const struct ringbuf *e)
{
	return e->taken;
}

void ringbuf_free(struct ringbuf *e)
{
	if (!e)
		return;
	ring_buffer__free(e->rb);
	free(e);
}
