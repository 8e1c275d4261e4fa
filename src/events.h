/* SPDX-License-Identifier: GPL-2.0-only */
/* Reads sampled drop events from the BPF ring buffer and hands each one,
 * checked, to a callback. */
#ifndef DROPMON_EVENTS_H
#define DROPMON_EVENTS_H

#include <stdint.h>

#include "dropmon.h"

struct events;

/* Called for each event, in the consumer's thread. A negative return (an
 * errno) stops the current events_poll(), which returns it. */
typedef int (*events_fn)(const struct drop_event *ev, void *ctx);

/* NULL with errno set on failure. */
struct events *events_new(int ringbuf_fd, events_fn fn, void *ctx);
/* Waits up to timeout_ms for events and consumes them all. Returns how many
 * were handled, or a negative errno: the callback's, or -EINTR when a
 * signal interrupted the wait. */
int events_poll(struct events *e, int timeout_ms);
/* Records read off the ring buffer so far, handled or not. */
uint64_t events_taken(const struct events *e);
void events_free(struct events *e); /* accepts NULL */

#endif
