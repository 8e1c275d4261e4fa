/* SPDX-License-Identifier: GPL-2.0-only */
/* Where decoded drop events meet their readers in `serve --web.enable-debug`:
 * keeps the most recent ones for snapshots and fans each out to live
 * subscribers through bounded queues, so a slow reader loses events (counted)
 * instead of holding up the publisher or the other readers. */
#ifndef DROPMON_EVHUB_H
#define DROPMON_EVHUB_H

#include <stddef.h>
#include <stdint.h>

#include "evrecord.h"

struct evhub;
struct evhub_sub;

/* recent: events kept for snapshots (>= 1); queue: capacity of each
 * subscriber's queue (>= 1); max_subs: subscribers at most at once (0: none,
 * snapshots only). The recent ring is allocated here, recent *
 * sizeof(struct evrecord) (about 5.6 KiB each). Returns 0 or a negative
 * errno: -EINVAL for zero sizes or sizes too large to allocate, -ENOMEM. */
int evhub_new(size_t recent, size_t queue, size_t max_subs, struct evhub **out);

/* Copies r into the recent ring (overwriting the oldest) and into every
 * subscriber's queue; a full queue drops the new event for that subscriber
 * (counted). Holds the hub's mutex while copying, never allocates and never
 * waits for a subscriber. Wakes subscribers waiting in evhub_next(). */
void evhub_publish(struct evhub *h, const struct evrecord *r);

/* Copies up to max of the most recent events, oldest first, into out;
 * returns the count. The copy is made under the hub's mutex, so the
 * publisher waits for it: keep max to what the caller will use. */
size_t evhub_snapshot(struct evhub *h, struct evrecord *out, size_t max);

/* A new live subscriber that sees events published from now on. Allocates
 * its queue, queue * sizeof(struct evrecord): queue=256 is about 1.4 MiB per
 * subscriber, so max_subs bounds the memory too. Returns 0, -EBUSY when
 * max_subs are connected, or -ENOMEM. */
int evhub_subscribe(struct evhub *h, struct evhub_sub **out);

/* Takes the oldest queued event into *r. Waits up to timeout_ms for one
 * (0: don't wait; negative: no limit). Returns 1 (got one), 0 (timeout),
 * -ESHUTDOWN once evhub_shutdown() was called and the queue is empty.
 * Only the subscriber's owner calls it, from one thread at a time. */
int evhub_next(struct evhub_sub *s, struct evrecord *r, int timeout_ms);

/* Events this subscriber lost to a full queue. */
uint64_t evhub_sub_lost(const struct evhub_sub *s);

/* Not while the owner waits in evhub_next() on s. Accepts NULL. */
void evhub_unsubscribe(struct evhub_sub *s);

struct evhub_stats {
	uint64_t published;
	uint64_t lost; /* all subscribers, ever */
	size_t subscribers;
};

void evhub_stats(struct evhub *h, struct evhub_stats *out);

/* Wakes every waiting subscriber; later evhub_next() calls return
 * -ESHUTDOWN once their queue is empty. Used before the HTTP server stops.
 * Publishing and snapshots keep working. */
void evhub_shutdown(struct evhub *h);

/* All subscribers must be gone. Accepts NULL. */
void evhub_free(struct evhub *h);

#endif
