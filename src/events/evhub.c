// SPDX-License-Identifier: GPL-2.0-only
/* Recent-event ring and bounded per-subscriber queues behind one mutex; each
 * subscriber waits on its own condition variable (CLOCK_MONOTONIC).
 *
 * An event is packed once, when published (its frames and packet take only
 * what they use: about 1 KiB for a typical drop against 6.7 KiB for a struct
 * evrecord), and shared: the ring and every queue hold a reference to the
 * same packed copy, readers take one for as long as they unpack it. The
 * bytes of all packed events alive count against one budget. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evhub.h"

/* Packing keeps the fields before frames[], those between frames[] and
 * nf_rule, nf_rule only when it is known or has a why (a byte says which:
 * serve never has one), the captured bytes and each frame's string:
 * packet[] must stay the last field for that to be the whole record. */
#define HEAD_END offsetof(struct evrecord, frames)
#define MID_START offsetof(struct evrecord, ifindex)
#define MID_END offsetof(struct evrecord, nf_rule)
_Static_assert(offsetof(struct evrecord, frames) + sizeof(((struct evrecord *)0)->frames) ==
		   offsetof(struct evrecord, ifindex),
	       "evhub packs the fields after frames[] from ifindex on");
_Static_assert(offsetof(struct evrecord, nf_rule) + sizeof(struct evrecord_nfrule) ==
		   offsetof(struct evrecord, packet),
	       "evhub packs nf_rule, when it is known, right before packet[]");
_Static_assert(offsetof(struct evrecord, packet) + DROPMON_PKT_BYTES + 8 > sizeof(struct evrecord),
	       "evhub packs packet[] as the last field of struct evrecord");

/* A packed event, shared by reference. */
struct evhub_ev {
	atomic_uint refs;
	uint32_t size; /* of this allocation, counted in the hub's bytes */
	struct evhub *hub;
	uint64_t seq;
	uint8_t data[];
};

/* A ring of cap references: the oldest at head, count of them queued. */
struct evring {
	struct evhub_ev **ev;
	size_t cap;
	size_t head;
	size_t count;
};

struct evhub_sub {
	struct evhub *hub;
	pthread_cond_t cond; /* signalled by publish and shutdown, hub->mu held */
	struct evring q;
	uint64_t lost;
};

struct evhub {
	pthread_mutex_t mu;
	struct evring recent;
	size_t queue;
	size_t max_subs;
	size_t max_bytes;
	atomic_size_t bytes; /* of packed events alive; freed outside the mutex */
	/* Slots taken, counting subscribers still allocating their queue
	 * outside the mutex; subs[] holds the connected ones (NULL: free). */
	size_t reserved;
	size_t nsubs;
	struct evhub_sub **subs;
	uint64_t published; /* also the sequence number of the last one */
	uint64_t lost;
	uint64_t over_budget;
	bool shutdown;
};

/* --- packing ----------------------------------------------------------- */

static size_t frame_len(const struct evrecord *r, uint32_t i)
{
	return strnlen(r->frames[i], sizeof(r->frames[i]) - 1);
}

static bool has_rule(const struct evrecord *r)
{
	return r->nf_rule.known || r->nf_rule.why;
}

static size_t packed_size(const struct evrecord *r)
{
	size_t n = HEAD_END + (MID_END - MID_START) + 1 + r->caplen;

	if (has_rule(r))
		n += sizeof(r->nf_rule);

	for (uint32_t i = 0; i < r->nframes; i++)
		n += frame_len(r, i) + 1;
	return n;
}

static void pack(uint8_t *p, const struct evrecord *r)
{
	memcpy(p, r, HEAD_END);
	p += HEAD_END;
	memcpy(p, (const uint8_t *)r + MID_START, MID_END - MID_START);
	p += MID_END - MID_START;
	*p++ = has_rule(r);
	if (has_rule(r)) {
		memcpy(p, &r->nf_rule, sizeof(r->nf_rule));
		p += sizeof(r->nf_rule);
	}
	memcpy(p, r->packet, r->caplen);
	p += r->caplen;
	for (uint32_t i = 0; i < r->nframes; i++) {
		size_t n = frame_len(r, i);

		memcpy(p, r->frames[i], n);
		p[n] = '\0';
		p += n + 1;
	}
}

/* The inverse of pack(): what it kept, with packet[] after caplen and the
 * frames after nframes cleared. */
static void unpack(struct evrecord *r, const struct evhub_ev *e)
{
	const uint8_t *p = e->data;

	memcpy(r, p, HEAD_END);
	p += HEAD_END;
	memcpy((uint8_t *)r + MID_START, p, MID_END - MID_START);
	p += MID_END - MID_START;
	if (*p++) {
		memcpy(&r->nf_rule, p, sizeof(r->nf_rule));
		p += sizeof(r->nf_rule);
	} else {
		memset(&r->nf_rule, 0, sizeof(r->nf_rule));
	}
	memcpy(r->packet, p, r->caplen);
	memset(r->packet + r->caplen, 0, sizeof(r->packet) - r->caplen);
	p += r->caplen;
	for (uint32_t i = 0; i < r->nframes; i++) {
		size_t n = strlen((const char *)p);

		memcpy(r->frames[i], p, n + 1);
		memset(r->frames[i] + n + 1, 0, sizeof(r->frames[i]) - n - 1);
		p += n + 1;
	}
	memset((char *)r->frames + r->nframes * sizeof(r->frames[0]), 0,
	       (DROPMON_STACK_DEPTH - r->nframes) * sizeof(r->frames[0]));
	/* The padding after packet[], so that records compare whole. */
	memset((uint8_t *)r->packet + sizeof(r->packet), 0,
	       sizeof(*r) - offsetof(struct evrecord, packet) - sizeof(r->packet));
}

static struct evhub_ev *ev_new(struct evhub *h, const struct evrecord *r)
{
	size_t size;
	struct evhub_ev *e;

	/* The decoder bounds both; a record that is not bounded is not kept. */
	if (r->nframes > DROPMON_STACK_DEPTH || r->caplen > sizeof(r->packet))
		return NULL;
	size = offsetof(struct evhub_ev, data) + packed_size(r);
	e = malloc(size);
	if (!e)
		return NULL;
	atomic_init(&e->refs, 1);
	e->size = (uint32_t)size;
	e->hub = h;
	pack(e->data, r);
	atomic_fetch_add(&h->bytes, size);
	return e;
}

static void ev_get(struct evhub_ev *e)
{
	atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
}

static void ev_put(struct evhub_ev *e)
{
	if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1)
		return;
	atomic_fetch_sub(&e->hub->bytes, e->size);
	free(e);
}

/* --- rings ------------------------------------------------------------- */

static struct evhub_ev *evring_at(const struct evring *q, size_t i)
{
	return q->ev[(q->head + i) % q->cap];
}

static struct evhub_ev *evring_pop(struct evring *q)
{
	struct evhub_ev *e = q->ev[q->head];

	q->head = (q->head + 1) % q->cap;
	q->count--;
	return e;
}

/* Appends a reference to e, or returns false when q is full. */
static bool evring_push(struct evring *q, struct evhub_ev *e)
{
	if (q->count == q->cap)
		return false;
	ev_get(e);
	q->ev[(q->head + q->count) % q->cap] = e;
	q->count++;
	return true;
}

static void evring_clear(struct evring *q)
{
	while (q->count)
		ev_put(evring_pop(q));
	free(q->ev);
	q->ev = NULL;
}

/* --- the hub ----------------------------------------------------------- */

int evhub_new(size_t recent, size_t queue, size_t max_subs, size_t max_bytes, struct evhub **out)
{
	struct evhub *h = NULL;
	int err;

	/* Checked here so that evhub_subscribe()'s size cannot overflow. */
	if (!recent || !queue || !max_bytes || queue > SIZE_MAX / sizeof(struct evhub_ev *) ||
	    recent > SIZE_MAX / sizeof(struct evhub_ev *))
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->recent.ev = malloc(recent * sizeof(*h->recent.ev));
	h->subs = calloc(max_subs ? max_subs : 1, sizeof(*h->subs));
	if (!h->recent.ev || !h->subs) {
		err = ENOMEM;
		goto cleanup;
	}
	err = pthread_mutex_init(&h->mu, NULL);
	if (err)
		goto cleanup;
	h->recent.cap = recent;
	h->queue = queue;
	h->max_subs = max_subs;
	h->max_bytes = max_bytes;
	atomic_init(&h->bytes, 0);
	*out = h;
	return 0;

cleanup:
	free(h->subs);
	free(h->recent.ev);
	free(h);
	return -err;
}

/* Every subscriber misses the event being published. */
static void lose_for_all(struct evhub *h)
{
	for (size_t i = 0; i < h->max_subs; i++) {
		if (h->subs[i]) {
			h->subs[i]->lost++;
			h->lost++;
		}
	}
}

void evhub_publish(struct evhub *h, const struct evrecord *r)
{
	/* Packed outside the mutex: only this thread publishes. */
	struct evhub_ev *e = ev_new(h, r);

	pthread_mutex_lock(&h->mu);
	h->published++;
	if (!e) {
		h->over_budget++;
		lose_for_all(h);
		pthread_mutex_unlock(&h->mu);
		return;
	}
	e->seq = h->published;
	/* Room in the budget: the oldest recent events go first. Those a slow
	 * subscriber still holds free nothing yet, so the ring may shrink
	 * further, never the budget grow. */
	if (h->recent.count == h->recent.cap)
		ev_put(evring_pop(&h->recent));
	while (h->recent.count && atomic_load(&h->bytes) > h->max_bytes)
		ev_put(evring_pop(&h->recent));
	if (atomic_load(&h->bytes) > h->max_bytes) {
		h->over_budget++;
		lose_for_all(h);
		pthread_mutex_unlock(&h->mu);
		ev_put(e);
		return;
	}
	evring_push(&h->recent, e);
	for (size_t i = 0; i < h->max_subs; i++) {
		struct evhub_sub *s = h->subs[i];

		if (!s)
			continue;
		if (evring_push(&s->q, e)) {
			pthread_cond_signal(&s->cond);
		} else {
			s->lost++;
			h->lost++;
		}
	}
	pthread_mutex_unlock(&h->mu);
	ev_put(e);
}

void evhub_window(struct evhub *h, uint64_t *first, uint64_t *end)
{
	pthread_mutex_lock(&h->mu);
	*end = h->published + 1;
	*first = h->recent.count ? evring_at(&h->recent, 0)->seq : *end;
	pthread_mutex_unlock(&h->mu);
}

int evhub_get(struct evhub *h, uint64_t seq, struct evrecord *r)
{
	struct evhub_ev *e = NULL;
	const struct evring *q = &h->recent;

	pthread_mutex_lock(&h->mu);
	/* Sequence numbers in the ring are increasing, not contiguous: an event
	 * over the budget was never in it. */
	if (q->count && seq >= evring_at(q, 0)->seq && seq <= evring_at(q, q->count - 1)->seq) {
		size_t lo = 0, hi = q->count - 1;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (evring_at(q, mid)->seq < seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (evring_at(q, lo)->seq == seq) {
			e = evring_at(q, lo);
			ev_get(e);
		}
	}
	pthread_mutex_unlock(&h->mu);
	if (!e)
		return 0;
	unpack(r, e);
	ev_put(e);
	return 1;
}

int evhub_subscribe(struct evhub *h, struct evhub_sub **out)
{
	struct evhub_sub *s = NULL;
	pthread_condattr_t attr;
	size_t i;
	int err;

	/* Reserve a slot first, then allocate without the mutex so the
	 * publisher does not wait for the allocator. */
	pthread_mutex_lock(&h->mu);
	if (h->shutdown) {
		pthread_mutex_unlock(&h->mu);
		return -ESHUTDOWN;
	}
	if (h->reserved == h->max_subs) {
		pthread_mutex_unlock(&h->mu);
		return -EBUSY;
	}
	h->reserved++;
	pthread_mutex_unlock(&h->mu);

	s = calloc(1, sizeof(*s));
	if (!s) {
		err = ENOMEM;
		goto cleanup;
	}
	s->q.ev = malloc(h->queue * sizeof(*s->q.ev));
	if (!s->q.ev) {
		err = ENOMEM;
		goto cleanup;
	}
	s->q.cap = h->queue;
	s->hub = h;
	err = pthread_condattr_init(&attr);
	if (err)
		goto cleanup;
	err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(&s->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (err)
		goto cleanup;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->max_subs; i++) {
		if (!h->subs[i]) {
			h->subs[i] = s;
			break;
		}
	}
	h->nsubs++;
	pthread_mutex_unlock(&h->mu);
	*out = s;
	return 0;

cleanup:
	if (s)
		free(s->q.ev);
	free(s);
	pthread_mutex_lock(&h->mu);
	h->reserved--;
	pthread_mutex_unlock(&h->mu);
	return -err;
}

/* The absolute CLOCK_MONOTONIC time timeout_ms from now. */
static struct timespec deadline_after(int timeout_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int evhub_next(struct evhub_sub *s, struct evrecord *r, int timeout_ms)
{
	struct evhub *h = s->hub;
	struct timespec deadline = { 0 };
	struct evhub_ev *e = NULL;
	int ret = 0;

	if (timeout_ms > 0)
		deadline = deadline_after(timeout_ms);

	pthread_mutex_lock(&h->mu);
	/* Loops over spurious wake-ups; a timeout looks at the queue once more. */
	while (!s->q.count && !h->shutdown && timeout_ms) {
		int err;

		if (timeout_ms < 0) {
			pthread_cond_wait(&s->cond, &h->mu);
			continue;
		}
		err = pthread_cond_timedwait(&s->cond, &h->mu, &deadline);
		if (err == ETIMEDOUT)
			break;
	}
	if (s->q.count) {
		e = evring_pop(&s->q);
		ret = 1;
	} else if (h->shutdown) {
		ret = -ESHUTDOWN;
	}
	pthread_mutex_unlock(&h->mu);
	if (e) {
		unpack(r, e);
		ev_put(e);
	}
	return ret;
}

uint64_t evhub_sub_lost(const struct evhub_sub *s)
{
	uint64_t lost;

	pthread_mutex_lock(&s->hub->mu);
	lost = s->lost;
	pthread_mutex_unlock(&s->hub->mu);
	return lost;
}

void evhub_unsubscribe(struct evhub_sub *s)
{
	struct evhub *h;
	size_t i;

	if (!s)
		return;
	h = s->hub;
	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->max_subs; i++) {
		if (h->subs[i] == s) {
			h->subs[i] = NULL;
			break;
		}
	}
	h->nsubs--;
	h->reserved--;
	pthread_mutex_unlock(&h->mu);

	pthread_cond_destroy(&s->cond);
	evring_clear(&s->q);
	free(s);
}

void evhub_stats(struct evhub *h, struct evhub_stats *out)
{
	pthread_mutex_lock(&h->mu);
	out->published = h->published;
	out->lost = h->lost;
	out->over_budget = h->over_budget;
	out->subscribers = h->nsubs;
	out->recent = h->recent.count;
	out->bytes = atomic_load(&h->bytes);
	pthread_mutex_unlock(&h->mu);
}

void evhub_shutdown(struct evhub *h)
{
	size_t i;

	pthread_mutex_lock(&h->mu);
	h->shutdown = true;
	for (i = 0; i < h->max_subs; i++) {
		if (h->subs[i])
			pthread_cond_broadcast(&h->subs[i]->cond);
	}
	pthread_mutex_unlock(&h->mu);
}

void evhub_free(struct evhub *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->mu);
	free(h->subs);
	evring_clear(&h->recent);
	free(h);
}
