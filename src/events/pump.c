// SPDX-License-Identifier: GPL-2.0-only
/* One consumer thread between the ring buffer and the hub. The decoder's
 * kallsyms table is this thread's own: the scrape has another. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evrecord.h"
#include "ksyms.h"
#include "log.h"
#include "monotonic.h"
#include "pump.h"
#include "ringbuf.h"

/* How long a poll waits: also how soon the thread sees pump_free(). */
#define POLL_MS 200

struct pump {
	struct evhub *hub;
	struct ringbuf *ring;
	struct evrecord_decoder dec;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	struct evrecord rec; /* the thread's */
};

void pump_push(struct pump *p, const struct drop_event *ev)
{
	evrecord_decode(&p->rec, ev, &p->dec);
	evhub_publish(p->hub, &p->rec);
}

static int on_event(const struct drop_event *ev, void *ctx)
{
	pump_push(ctx, ev);
	return 0;
}

static void *consume(void *arg)
{
	struct pump *p = arg;

	while (!atomic_load(&p->stop)) {
		int n = ringbuf_poll(p->ring, POLL_MS);

		evrecord_decoder_refresh(&p->dec, (uint64_t)monotonic_s());
		if (n < 0 && n != -EINTR) {
			pr_warn("reading drop events: %s\n", strerror(-n));
			break;
		}
	}
	return NULL;
}

int pump_new(const struct pump_opts *o, struct pump **out, char *msg, size_t msglen)
{
	const char *step = "setting up the event pump";
	struct pump *p;
	int err = -ENOMEM;

	p = calloc(1, sizeof(*p));
	if (!p)
		goto fail;
	p->dec.mono_to_real_ns = evrecord_clock_offset();
	p->dec.reasons = o->reasons;
	p->dec.syms.kallsyms_path = o->kallsyms_path;
	p->dec.syms.modules_path = o->modules_path;
	step = "reading /proc/kallsyms for event stacks";
	err = evrecord_decoder_load_ksyms(&p->dec);
	if (err)
		goto fail;
	step = "setting up the event hub";
	err = evhub_new(o->recent, o->queue, o->max_subs, o->max_bytes, &p->hub);
	if (err)
		goto fail;
	*out = p;
	return 0;
fail:
	pump_free(p);
	snprintf(msg, msglen, "%s: %s", step, strerror(-err));
	return err;
}

int pump_start(struct pump *p, int ringbuf_fd, char *msg, size_t msglen)
{
	const char *step = "opening the event ring buffer";
	int err;

	err = ringbuf_new(ringbuf_fd, on_event, p, &p->ring);
	if (!err) {
		step = "starting the event thread";
		err = -pthread_create(&p->thread, NULL, consume, p);
	}
	if (err) {
		snprintf(msg, msglen, "%s: %s", step, strerror(-err));
		return err;
	}
	p->thread_started = true;
	return 0;
}

struct evhub *pump_hub(struct pump *p)
{
	return p->hub;
}

void pump_shutdown(struct pump *p)
{
	if (p)
		evhub_shutdown(p->hub);
}

void pump_free(struct pump *p)
{
	if (!p)
		return;
	atomic_store(&p->stop, true);
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	ringbuf_free(p->ring);
	evhub_free(p->hub);
	ksyms_live_free(&p->dec.syms);
	free(p);
}
