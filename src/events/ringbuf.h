/* SPDX-License-Identifier: GPL-2.0-only */
/* Reads sampled drop events from the BPF ring buffer and hands each one,
 * checked, to a callback. */
#ifndef DROPMON_RINGBUF_H
#define DROPMON_RINGBUF_H

#include <stdint.h>

#include "dropmon.h"

struct ringbuf;

/* Called for each event, in the consumer's thread. A negative return (an
 * errno) stops the current ringbuf_poll(), which returns it. */
typedef int (*ringbuf_fn)(const struct drop_event *ev, void *ctx);

/* A reader of the BPF ring buffer ringbuf_fd that hands each event to fn.
 * Returns 0 or a negative errno (libbpf's). */
int ringbuf_new(int ringbuf_fd, ringbuf_fn fn, void *ctx, struct ringbuf **out);
/* Waits up to timeout_ms for events and consumes them all. Returns how many
 * were handled, or a negative errno: the callback's, or -EINTR when a
 * signal interrupted the wait. */
int ringbuf_poll(struct ringbuf *e, int timeout_ms);
/* Consumes the events there are now, without waiting; returns as
 * ringbuf_poll() does. The callback may stop it early (with an errno of its
 * choice): the event it was given is taken, the rest stay in the ring. */
int ringbuf_consume(struct ringbuf *e);
/* A descriptor that poll() reports readable (POLLIN) while events wait: to
 * wait for them together with other descriptors. */
int ringbuf_wait_fd(const struct ringbuf *e);
/* Records read off the ring buffer so far, handled or not. */
uint64_t ringbuf_taken(const struct ringbuf *e);
void ringbuf_free(struct ringbuf *e); /* accepts NULL */

#endif
