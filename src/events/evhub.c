// SPDX-License-Identifier: GPL-2.0-only
/* Recent-event ring and bounded per-subscriber queues behind one mutex; each
 * subscriber waits on its own condition variable (CLOCK_MONOTONIC). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evhub.h"

/* A ring of cap events: the oldest at head, count of them queued. */
struct evring {
	struct evrecord *ev;
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
	/* Slots taken, counting subscribers still allocating their queue
	 * outside the mutex; subs[] holds the connected ones (NULL: free). */
	size_t reserved;
	size_t nsubs;
	struct evhub_sub **subs;
	uint64_t published;
	uint64_t lost;
	bool shutdown;
};

/* Appends r; when full, the oldest is overwritten (overwrite) or r dropped. */
static bool evring_put(struct evring *q, const struct evrecord *r, bool overwrite)
{
	size_t tail;

	if (q->count == q->cap) {
		if (!overwrite)
			return false;
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	tail = (q->head + q->count) % q->cap;
	q->ev[tail] = *r;
	q->count++;
	return true;
}

int evhub_new(size_t recent, size_t queue, size_t max_subs, struct evhub **out)
{
	struct evhub *h = NULL;
	int err;

	/* Checked here so that evhub_subscribe()'s size cannot overflow. */
	if (!recent || !queue || queue > SIZE_MAX / sizeof(struct evrecord) ||
	    recent > SIZE_MAX / sizeof(struct evrecord))
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
	*out = h;
	return 0;

cleanup:
	free(h->subs);
	free(h->recent.ev);
	free(h);
	return -err;
}

void evhub_publish(struct evhub *h, const struct evrecord *r)
{
	size_t i;

	pthread_mutex_lock(&h->mu);
	h->published++;
	evring_put(&h->recent, r, true);
	for (i = 0; i < h->max_subs; i++) {
		struct evhub_sub *s = h->subs[i];

		if (!s)
			continue;
		if (evring_put(&s->q, r, false)) {
			pthread_cond_signal(&s->cond);
		} else {
			s->lost++;
			h->lost++;
		}
	}
	pthread_mutex_unlock(&h->mu);
}

size_t evhub_snapshot(struct evhub *h, struct evrecord *out, size_t max)
{
	const struct evring *q = &h->recent;
	size_t n, first, i;

	pthread_mutex_lock(&h->mu);
	n = q->count < max ? q->count : max;
	first = q->head + (q->count - n);
	for (i = 0; i < n; i++)
		out[i] = q->ev[(first + i) % q->cap];
	pthread_mutex_unlock(&h->mu);
	return n;
}

int evhub_subscribe(struct evhub *h, struct evhub_sub **out)
{
	struct evhub_sub *s = NULL;
	pthread_condattr_t attr;
	size_t i;
	int err;

	/* Reserve a slot first, then allocate (about queue * 5.6 KiB) without
	 * the mutex so the publisher does not wait for the allocator. */
	pthread_mutex_lock(&h->mu);
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
		*r = s->q.ev[s->q.head];
		s->q.head = (s->q.head + 1) % s->q.cap;
		s->q.count--;
		ret = 1;
	} else if (h->shutdown) {
		ret = -ESHUTDOWN;
	}
	pthread_mutex_unlock(&h->mu);
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
	free(s->q.ev);
	free(s);
}

void evhub_stats(struct evhub *h, struct evhub_stats *out)
{
	pthread_mutex_lock(&h->mu);
	out->published = h->published;
	out->lost = h->lost;
	out->subscribers = h->nsubs;
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
	free(h->recent.ev);
	free(h);
}
