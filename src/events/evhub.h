/* SPDX-License-Identifier: GPL-2.0-only */
/* Where decoded drop events meet their readers in `serve --web.enable-debug`:
 * keeps the most recent ones for snapshots and fans each out to live
 * subscribers through bounded queues, so a slow reader loses events (counted)
 * instead of holding up the publisher or the other readers.
 *
 * Each event is stored once, packed (what its stack and packet use: about
 * 1 KiB for a typical drop, EVHUB_EVENT_MAX at most), and shared by the
 * recent ring and every queue. All stored events together stay within a
 * budget of bytes: the oldest recent ones make room for a new one, and an
 * event that finds no room is lost to every subscriber (counted). */
#ifndef DROPMON_EVHUB_H
#define DROPMON_EVHUB_H

#include <stddef.h>
#include <stdint.h>

#include "evrecord.h"

/* The most a stored event takes: every frame and packet byte used. */
#define EVHUB_EVENT_MAX (sizeof(struct evrecord) + 64)

struct evhub;
struct evhub_sub;

/* recent: events kept for snapshots (>= 1); queue: capacity of each
 * subscriber's queue (>= 1); max_subs: subscribers at most at once (0: none,
 * snapshots only); max_bytes: the budget of all stored events (>= 1; the
 * hub holds at most max_bytes plus one event, and one more per reader
 * unpacking one). The ring and queues are arrays of pointers. Returns 0 or
 * a negative errno: -EINVAL for zero sizes or sizes too large to allocate,
 * -ENOMEM. */
int evhub_new(size_t recent, size_t queue, size_t max_subs, size_t max_bytes, struct evhub **out);

/* Stores r (the oldest recent event goes when the ring is full or the
 * budget needs it) and queues it for every subscriber; a full queue drops
 * it for that subscriber (counted). Only one thread publishes. Never waits
 * for a subscriber. Wakes subscribers waiting in evhub_next(). */
void evhub_publish(struct evhub *h, const struct evrecord *r);

/* Snapshots by sequence number: each published event has the next one
 * (from 1). The recent events now are [*first, *end) (the range may have
 * gaps: events over the budget were never stored); *first == *end when
 * there are none. */
void evhub_window(struct evhub *h, uint64_t *first, uint64_t *end);
/* Copies event seq into *r while it is still recent: 1, else 0 (gone, or
 * never stored). Holds the hub's mutex only to find it. */
int evhub_get(struct evhub *h, uint64_t seq, struct evrecord *r);

/* A new live subscriber that sees events published from now on. Allocates
 * its queue (queue pointers). Returns 0, -EBUSY when max_subs are
 * connected, -ESHUTDOWN after evhub_shutdown(), or -ENOMEM. */
int evhub_subscribe(struct evhub *h, struct evhub_sub **out);

/* Takes the oldest queued event into *r. Waits up to timeout_ms for one
 * (0: don't wait; negative: no limit). Returns 1 (got one), 0 (timeout),
 * -ESHUTDOWN once evhub_shutdown() was called and the queue is empty.
 * Only the subscriber's owner calls it, from one thread at a time. */
int evhub_next(struct evhub_sub *s, struct evrecord *r, int timeout_ms);

/* Events this subscriber lost to a full queue or the budget. */
uint64_t evhub_sub_lost(const struct evhub_sub *s);

/* Not while the owner waits in evhub_next() on s. Accepts NULL. */
void evhub_unsubscribe(struct evhub_sub *s);

struct evhub_stats {
	uint64_t published;
	uint64_t lost;	      /* by subscribers, ever (the budget's included) */
	uint64_t over_budget; /* events not stored: no room in the budget */
	size_t subscribers;
	size_t recent; /* events in the ring now */
	size_t bytes;  /* of stored events now */
};

void evhub_stats(struct evhub *h, struct evhub_stats *out);

/* Wakes every waiting subscriber; later evhub_next() calls return
 * -ESHUTDOWN once their queue is empty, and evhub_subscribe() fails.
 * Used before the HTTP server stops. Publishing and snapshots keep
 * working. */
void evhub_shutdown(struct evhub *h);

/* All subscribers must be gone. Accepts NULL. */
void evhub_free(struct evhub *h);

#endif
