// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for evhub: the recent ring, per-subscriber queues and their
 * losses, waiting, waking and shutdown. Events carry a sequence number in
 * time_ns so order and contents can be checked exactly. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "evhub.h"

static struct evhub *new_hub(size_t recent, size_t queue, size_t max_subs)
{
	struct evhub *h = NULL;

	assert_int_equal(evhub_new(recent, queue, max_subs, 64u << 20, &h), 0);
	assert_non_null(h);
	return h;
}

static struct evhub_sub *subscribe(struct evhub *h)
{
	struct evhub_sub *s = NULL;

	assert_int_equal(evhub_subscribe(h, &s), 0);
	assert_non_null(s);
	return s;
}

/* Every field the hub keeps, different for each seq: stack depth and
 * captured length too, up to the largest. */
static void rec_fill(struct evrecord *r, uint64_t seq)
{
	memset(r, 0, sizeof(*r));
	r->time_ns = seq;
	r->cpu = (uint32_t)(seq % 64);
	snprintf(r->comm, sizeof(r->comm), "c%llu", (unsigned long long)seq);
	snprintf(r->reason, sizeof(r->reason), "R%llu", (unsigned long long)seq);
	snprintf(r->function, sizeof(r->function), "fn%llu", (unsigned long long)seq);
	r->nframes = (uint32_t)(seq % (DROPMON_STACK_DEPTH + 1));
	for (uint32_t i = 0; i < r->nframes; i++) {
		/* the longest a frame can be, now and then */
		if ((seq + i) % 7 == 0)
			memset(r->frames[i], 'x', sizeof(r->frames[i]) - 1);
		else
			snprintf(r->frames[i], sizeof(r->frames[i]), "f%llu+0x%x",
				 (unsigned long long)seq, i);
	}
	snprintf(r->dev, sizeof(r->dev), "d%llu", (unsigned long long)(seq % 1000));
	r->netns = (uint32_t)seq * 3;
	r->frame_len = 9000;
	r->caplen = (uint16_t)(seq % (sizeof(r->packet) + 1));
	for (uint16_t i = 0; i < r->caplen; i++)
		r->packet[i] = (uint8_t)(seq + i);
	/* collect's rule, now and then; a why alone, now and then. */
	if (seq % 3 == 1) {
		r->nf_rule.known = true;
		r->nf_rule.policy = seq % 2;
		r->nf_rule.handle = seq;
		snprintf(r->nf_rule.table, sizeof(r->nf_rule.table), "t%llu",
			 (unsigned long long)seq);
		memset(r->nf_rule.text, 'r', sizeof(r->nf_rule.text) - 1);
	} else if (seq % 3 == 2) {
		r->nf_rule.why = "a static string";
	}
}

/* The last max recent events, oldest first, as a snapshot reads them. */
static size_t snapshot(struct evhub *h, struct evrecord *out, size_t max)
{
	uint64_t first, end, seq;
	size_t n = 0;

	evhub_window(h, &first, &end);
	seq = end - first > max ? end - max : first;
	for (; seq < end; seq++) {
		if (evhub_get(h, seq, &out[n]) == 1)
			n++;
	}
	return n;
}

typedef void fill_fn(struct evrecord *r, uint64_t seq);

static void publish_with(struct evhub *h, fill_fn *fill, uint64_t seq)
{
	struct evrecord r;

	fill(&r, seq);
	evhub_publish(h, &r);
}

/* The whole record came through, not just its first field. */
static void assert_with(const struct evrecord *r, fill_fn *fill, uint64_t seq)
{
	struct evrecord want;

	fill(&want, seq);
	assert_int_equal(r->time_ns, seq);
	assert_memory_equal(r, &want, sizeof(want));
}

static void publish_seq(struct evhub *h, uint64_t seq)
{
	publish_with(h, rec_fill, seq);
}

static void assert_rec(const struct evrecord *r, uint64_t seq)
{
	assert_with(r, rec_fill, seq);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_new_einval(void **state)
{
	struct evhub *h = NULL;

	(void)state;
	assert_int_equal(evhub_new(0, 4, 1, 1 << 20, &h), -EINVAL);
	assert_int_equal(evhub_new(4, 0, 1, 1 << 20, &h), -EINVAL);
	assert_int_equal(evhub_new(4, 4, 1, 0, &h), -EINVAL);
	assert_int_equal(evhub_new(4, SIZE_MAX / 2, 1, 1 << 20, &h), -EINVAL);
	assert_null(h);
	evhub_free(NULL);
	evhub_unsubscribe(NULL);
}

static void test_snapshot_wrap(void **state)
{
	struct evrecord *out = calloc(8, sizeof(*out));
	struct evhub *h = new_hub(4, 2, 1);
	uint64_t i;

	(void)state;
	assert_non_null(out);
	assert_non_null(h);
	assert_int_equal(snapshot(h, out, 8), 0);

	/* Before wraparound: all of them, oldest first; a smaller max keeps the newest. */
	for (i = 1; i <= 3; i++)
		publish_seq(h, i);
	assert_int_equal(snapshot(h, out, 8), 3);
	for (i = 0; i < 3; i++)
		assert_rec(&out[i], i + 1);
	assert_int_equal(snapshot(h, out, 2), 2);
	assert_rec(&out[0], 2);
	assert_rec(&out[1], 3);
	assert_int_equal(snapshot(h, out, 0), 0);

	/* Exactly full, then wrapped twice over: the last four, oldest first. */
	publish_seq(h, 4);
	assert_int_equal(snapshot(h, out, 8), 4);
	for (i = 0; i < 4; i++)
		assert_rec(&out[i], i + 1);
	for (i = 5; i <= 10; i++)
		publish_seq(h, i);
	assert_int_equal(snapshot(h, out, 8), 4);
	for (i = 0; i < 4; i++)
		assert_rec(&out[i], i + 7);
	assert_int_equal(snapshot(h, out, 3), 3);
	for (i = 0; i < 3; i++)
		assert_rec(&out[i], i + 8);
	assert_int_equal(snapshot(h, out, 1), 1);
	assert_rec(&out[0], 10);

	evhub_free(h);
	free(out);
}

static void test_drain_and_stall(void **state)
{
	const size_t queue = 8, n = 10 * queue;
	struct evhub *h = new_hub(4, queue, 2);
	struct evhub_sub *drain, *stall;
	struct evhub_stats st;
	struct evrecord r;
	uint64_t i;

	(void)state;
	assert_non_null(h);
	drain = subscribe(h);
	stall = subscribe(h);
	assert_non_null(drain);
	assert_non_null(stall);

	for (i = 1; i <= n; i++) {
		publish_seq(h, i);
		assert_int_equal(evhub_next(drain, &r, 0), 1);
		assert_rec(&r, i);
	}
	assert_int_equal(evhub_next(drain, &r, 0), 0);
	assert_int_equal(evhub_sub_lost(drain), 0);

	/* The stalled one kept the oldest events and lost every later one. */
	assert_int_equal(evhub_sub_lost(stall), n - queue);
	for (i = 1; i <= queue; i++) {
		assert_int_equal(evhub_next(stall, &r, 0), 1);
		assert_rec(&r, i);
	}
	assert_int_equal(evhub_next(stall, &r, 0), 0);

	evhub_stats(h, &st);
	assert_int_equal(st.published, n);
	assert_int_equal(st.lost, n - queue);
	assert_int_equal(st.subscribers, 2);

	/* With room again, it gets new events; losses stay counted. */
	publish_seq(h, n + 1);
	assert_int_equal(evhub_next(stall, &r, 0), 1);
	assert_rec(&r, n + 1);
	assert_int_equal(evhub_sub_lost(stall), n - queue);

	evhub_unsubscribe(drain);
	evhub_unsubscribe(stall);
	evhub_stats(h, &st);
	assert_int_equal(st.subscribers, 0);
	assert_int_equal(st.lost, n - queue);
	evhub_free(h);
}

static void test_max_subs(void **state)
{
	struct evhub *h = new_hub(1, 1, 2);
	struct evhub_sub *a, *b, *c;
	struct evhub_stats st;
	struct evrecord r;

	(void)state;
	assert_non_null(h);
	a = subscribe(h);
	b = subscribe(h);
	assert_non_null(a);
	assert_non_null(b);
	{
		struct evhub_sub *none = NULL;

		assert_int_equal(evhub_subscribe(h, &none), -EBUSY);
		assert_null(none);
	}
	evhub_stats(h, &st);
	assert_int_equal(st.subscribers, 2);

	/* A freed slot is usable again, and the new subscriber sees only
	 * events published after it joined. */
	publish_seq(h, 1);
	evhub_unsubscribe(a);
	evhub_stats(h, &st);
	assert_int_equal(st.subscribers, 1);
	c = subscribe(h);
	assert_non_null(c);
	assert_int_equal(evhub_next(c, &r, 0), 0);
	publish_seq(h, 2);
	assert_int_equal(evhub_next(c, &r, 0), 1);
	assert_rec(&r, 2);
	{
		struct evhub_sub *none = NULL;

		assert_int_equal(evhub_subscribe(h, &none), -EBUSY);
		assert_null(none);
	}

	evhub_unsubscribe(b);
	evhub_unsubscribe(c);
	evhub_free(h);

	/* No subscribers at all: snapshots only. */
	h = new_hub(1, 1, 0);
	assert_non_null(h);
	{
		struct evhub_sub *none = NULL;

		assert_int_equal(evhub_subscribe(h, &none), -EBUSY);
		assert_null(none);
	}
	publish_seq(h, 1);
	evhub_free(h);
}

static void test_next_timeout(void **state)
{
	struct evhub *h = new_hub(1, 1, 1);
	struct evhub_sub *s;
	struct evrecord r;

	(void)state;
	assert_non_null(h);
	s = subscribe(h);
	assert_non_null(s);
	assert_int_equal(evhub_next(s, &r, 0), 0);
	assert_int_equal(evhub_next(s, &r, 50), 0);
	evhub_unsubscribe(s);
	evhub_free(h);
}

struct waiter {
	struct evhub_sub *s;
	int timeout_ms;
	int ret;
	struct evrecord r;
};

static void *waiter_run(void *arg)
{
	struct waiter *w = arg;

	w->ret = evhub_next(w->s, &w->r, w->timeout_ms);
	return NULL;
}

static void test_wake_by_publish(void **state)
{
	struct evhub *h = new_hub(1, 4, 1);
	struct waiter *w = calloc(1, sizeof(*w));
	pthread_t t;

	(void)state;
	assert_non_null(h);
	assert_non_null(w);
	w->s = subscribe(h);
	assert_non_null(w->s);
	w->timeout_ms = 10000;
	w->ret = -1;
	assert_int_equal(pthread_create(&t, NULL, waiter_run, w), 0);
	sleep_ms(20); /* most likely waiting by now; correct either way */
	publish_seq(h, 42);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w->ret, 1);
	assert_rec(&w->r, 42);

	evhub_unsubscribe(w->s);
	evhub_free(h);
	free(w);
}

static void test_wake_by_shutdown(void **state)
{
	struct evhub *h = new_hub(1, 4, 2);
	struct waiter *w = calloc(1, sizeof(*w));
	struct evhub_sub *queued;
	struct evrecord r;
	pthread_t t;

	(void)state;
	assert_non_null(h);
	assert_non_null(w);
	w->s = subscribe(h);
	queued = subscribe(h);
	assert_non_null(w->s);
	assert_non_null(queued);
	w->timeout_ms = 10000; /* a timeout would return 0, not -ESHUTDOWN */
	w->ret = -1;
	assert_int_equal(pthread_create(&t, NULL, waiter_run, w), 0);
	sleep_ms(20);
	evhub_shutdown(h);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w->ret, -ESHUTDOWN);
	assert_int_equal(evhub_next(w->s, &r, 0), -ESHUTDOWN);
	assert_int_equal(evhub_next(w->s, &r, 50), -ESHUTDOWN);

	/* Events published after shutdown are still delivered, then -ESHUTDOWN. */
	publish_seq(h, 1);
	publish_seq(h, 2);
	assert_int_equal(evhub_next(queued, &r, 0), 1);
	assert_rec(&r, 1);
	assert_int_equal(evhub_next(queued, &r, 1000), 1);
	assert_rec(&r, 2);
	assert_int_equal(evhub_next(queued, &r, 1000), -ESHUTDOWN);

	evhub_unsubscribe(queued);
	evhub_unsubscribe(w->s);
	evhub_free(h);
	free(w);
}

/* Events of one size whatever seq (below 10^8). */
static void fixed_fill(struct evrecord *r, uint64_t seq)
{
	memset(r, 0, sizeof(*r));
	r->time_ns = seq;
	r->nframes = 5;
	for (uint32_t i = 0; i < r->nframes; i++)
		snprintf(r->frames[i], sizeof(r->frames[i]), "frame%08llu+%u",
			 (unsigned long long)seq, i);
	r->caplen = 64;
	memset(r->packet, (int)seq, r->caplen);
}

static void publish_fixed(struct evhub *h, uint64_t seq)
{
	publish_with(h, fixed_fill, seq);
}

static void assert_fixed(const struct evrecord *r, uint64_t seq)
{
	assert_with(r, fixed_fill, seq);
}

/* Each event is stored once: a second subscriber adds no bytes. */
static size_t one_event_bytes(void)
{
	struct evhub *h = new_hub(4, 4, 2);
	struct evhub_sub *a = subscribe(h), *b;
	struct evhub_stats st;
	size_t one;

	publish_fixed(h, 1);
	evhub_stats(h, &st);
	one = st.bytes;
	b = subscribe(h);
	publish_fixed(h, 2);
	evhub_stats(h, &st);
	assert_int_equal(st.bytes, 2 * one);
	evhub_unsubscribe(a);
	evhub_unsubscribe(b);
	evhub_free(h);
	return one;
}

static void test_packed_and_shared(void **state)
{
	struct evrecord full;
	size_t one;

	(void)state;
	one = one_event_bytes();
	/* Packed: far less than the record it came from, more than nothing. */
	assert_true(one > 100);
	assert_true(one < sizeof(struct evrecord) / 2);
	/* The largest one still fits in EVHUB_EVENT_MAX. */
	rec_fill(&full, 0);
	full.nframes = DROPMON_STACK_DEPTH;
	for (uint32_t i = 0; i < full.nframes; i++)
		memset(full.frames[i], 'y', sizeof(full.frames[i]) - 1);
	full.caplen = sizeof(full.packet);
	{
		struct evhub *h = new_hub(1, 1, 0);
		struct evhub_stats st;
		struct evrecord back;

		evhub_publish(h, &full);
		evhub_stats(h, &st);
		assert_true(st.bytes <= EVHUB_EVENT_MAX);
		assert_true(st.bytes > sizeof(full.frames));
		assert_int_equal(evhub_get(h, 1, &back), 1);
		assert_memory_equal(&back, &full, sizeof(full));
		evhub_free(h);
	}
}

/* The budget: the oldest recent events make room; events a stalled
 * subscriber holds free nothing, so a new one that finds no room is lost,
 * to that subscriber too, and counted. */
static void test_budget(void **state)
{
	const size_t one = one_event_bytes();
	struct evhub *h = NULL;
	struct evhub_sub *s;
	struct evhub_stats st;
	struct evrecord r;
	uint64_t first, end;

	(void)state;
	assert_int_equal(evhub_new(100, 8, 1, 3 * one + one / 2, &h), 0);
	for (uint64_t k = 0; k < 10; k++)
		publish_fixed(h, k);
	evhub_stats(h, &st);
	assert_int_equal(st.recent, 3);
	assert_int_equal(st.bytes, 3 * one);
	assert_int_equal(st.over_budget, 0);
	evhub_window(h, &first, &end);
	assert_int_equal(first, 8);
	assert_int_equal(end, 11);
	assert_int_equal(evhub_get(h, 7, &r), 0); /* made room */
	assert_int_equal(evhub_get(h, 8, &r), 1);
	assert_fixed(&r, 7);

	s = subscribe(h);
	for (uint64_t k = 10; k < 13; k++)
		publish_fixed(h, k);
	/* Events 11-13 in the ring and the queue, once each. */
	evhub_stats(h, &st);
	assert_int_equal(st.bytes, 3 * one);
	/* The 14th: the ring gives up 11-13, which the queue still holds. */
	publish_fixed(h, 13);
	evhub_stats(h, &st);
	assert_int_equal(st.over_budget, 1);
	assert_int_equal(st.recent, 0);
	assert_int_equal(st.bytes, 3 * one);
	assert_int_equal(evhub_sub_lost(s), 1);
	evhub_window(h, &first, &end);
	assert_int_equal(first, end);
	for (uint64_t k = 10; k < 13; k++) {
		assert_int_equal(evhub_next(s, &r, 0), 1);
		assert_fixed(&r, k);
	}
	assert_int_equal(evhub_next(s, &r, 0), 0);
	evhub_stats(h, &st);
	assert_int_equal(st.bytes, 0); /* read, so freed */
	publish_fixed(h, 14);
	assert_int_equal(evhub_next(s, &r, 0), 1);
	assert_fixed(&r, 14);
	evhub_window(h, &first, &end);
	assert_int_equal(first, 15);
	assert_int_equal(end, 16);
	assert_int_equal(evhub_get(h, 14, &r), 0); /* never stored */
	assert_int_equal(evhub_get(h, 0, &r), 0);
	assert_int_equal(evhub_get(h, 16, &r), 0);
	evhub_unsubscribe(s);
	evhub_free(h);

	/* Not even one event fits: each is lost, none stored. */
	assert_int_equal(evhub_new(4, 4, 1, one / 2, &h), 0);
	s = subscribe(h);
	publish_fixed(h, 1);
	evhub_stats(h, &st);
	assert_int_equal(st.over_budget, 1);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(evhub_sub_lost(s), 1);
	assert_int_equal(evhub_next(s, &r, 0), 0);
	evhub_unsubscribe(s);
	evhub_free(h);
}

static void test_subscribe_after_shutdown(void **state)
{
	struct evhub *h = new_hub(1, 1, 2);
	struct evhub_sub *s = NULL;

	(void)state;
	evhub_shutdown(h);
	assert_int_equal(evhub_subscribe(h, &s), -ESHUTDOWN);
	assert_null(s);
	evhub_free(h);
}

#define STRESS_EVENTS 100000u
#define STRESS_QUEUE 64u

struct publisher {
	struct evhub *h;
	uint64_t n;
};

static void *publisher_run(void *arg)
{
	struct publisher *p = arg;
	uint64_t i;

	for (i = 1; i <= p->n; i++)
		publish_seq(p->h, i);
	return NULL;
}

/* Follows the stream slowly until shutdown; sequence numbers must grow. */
struct reader {
	struct evhub_sub *s;
	uint64_t got;
	uint64_t last;
	int out_of_order;
};

static void *reader_run(void *arg)
{
	struct reader *rd = arg;
	struct evrecord r;
	int ret;

	while ((ret = evhub_next(rd->s, &r, 100)) != -ESHUTDOWN) {
		if (ret != 1)
			continue;
		if (r.time_ns <= rd->last)
			rd->out_of_order++;
		rd->last = r.time_ns;
		if (++rd->got % 512 == 0)
			sleep_ms(1);
	}
	return NULL;
}

/* Takes snapshots while the publisher runs, checking their order. */
struct snapper {
	struct evhub *h;
	pthread_mutex_t mu; /* guards stop */
	int stop;
	int bad;
	uint64_t taken;
};

static void *snapper_run(void *arg)
{
	struct snapper *sn = arg;
	struct evrecord *out = calloc(17, sizeof(*out)), *want = out + 16;
	size_t n, i;

	if (!out)
		return NULL;
	for (;;) {
		int stop;

		pthread_mutex_lock(&sn->mu);
		stop = sn->stop;
		pthread_mutex_unlock(&sn->mu);
		if (stop)
			break;
		/* Events the publisher pushes out meanwhile are skipped: the
		 * rest come in order, each whole while others are freed. */
		n = snapshot(sn->h, out, 16);
		for (i = 0; i < n; i++) {
			rec_fill(want, out[i].time_ns);
			if ((i && out[i].time_ns <= out[i - 1].time_ns) ||
			    memcmp(&out[i], want, sizeof(*want)) != 0)
				sn->bad++;
		}
		sn->taken++;
		sleep_ms(1);
	}
	free(out);
	return NULL;
}

static void test_publisher_never_blocks(void **state)
{
	struct evhub *h = new_hub(16, STRESS_QUEUE, 4);
	struct publisher p = { .h = h, .n = STRESS_EVENTS };
	struct reader rd = { 0 };
	struct snapper sn = { .h = h };
	struct evhub_sub *stalled;
	struct evhub_stats st;
	pthread_t tp, tr, ts;
	struct timespec deadline;

	(void)state;
	assert_non_null(h);
	assert_int_equal(pthread_mutex_init(&sn.mu, NULL), 0);
	stalled = subscribe(h);
	rd.s = subscribe(h);
	assert_non_null(stalled);
	assert_non_null(rd.s);

	assert_int_equal(pthread_create(&tr, NULL, reader_run, &rd), 0);
	assert_int_equal(pthread_create(&ts, NULL, snapper_run, &sn), 0);
	assert_int_equal(pthread_create(&tp, NULL, publisher_run, &p), 0);

	/* Generous: only there to turn a deadlock into a failure. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	if (pthread_timedjoin_np(tp, NULL, &deadline) != 0)
		fail_msg("publisher did not finish %u events within 10 s", STRESS_EVENTS);

	pthread_mutex_lock(&sn.mu);
	sn.stop = 1;
	pthread_mutex_unlock(&sn.mu);
	assert_int_equal(pthread_join(ts, NULL), 0);
	evhub_shutdown(h);
	assert_int_equal(pthread_join(tr, NULL), 0);

	assert_int_equal(rd.out_of_order, 0);
	assert_int_equal(sn.bad, 0);
	assert_int_equal(rd.got + evhub_sub_lost(rd.s), STRESS_EVENTS);
	assert_true(rd.got >= STRESS_QUEUE); /* nothing is lost before its queue fills */
	assert_int_equal(evhub_sub_lost(stalled), STRESS_EVENTS - STRESS_QUEUE);
	evhub_stats(h, &st);
	assert_int_equal(st.published, STRESS_EVENTS);
	assert_int_equal(st.lost, evhub_sub_lost(stalled) + evhub_sub_lost(rd.s));
	assert_int_equal(st.subscribers, 2);

	evhub_unsubscribe(rd.s);
	evhub_unsubscribe(stalled);
	evhub_free(h);
	pthread_mutex_destroy(&sn.mu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_einval),
		cmocka_unit_test(test_snapshot_wrap),
		cmocka_unit_test(test_packed_and_shared),
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_subscribe_after_shutdown),
		cmocka_unit_test(test_drain_and_stall),
		cmocka_unit_test(test_max_subs),
		cmocka_unit_test(test_next_timeout),
		cmocka_unit_test(test_wake_by_publish),
		cmocka_unit_test(test_wake_by_shutdown),
		cmocka_unit_test(test_publisher_never_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
