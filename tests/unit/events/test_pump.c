// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the event pump: what it publishes for each event (decoded
 * against a kallsyms fixture), in order, to snapshots and subscribers; its
 * failures named by step; and shutdown waking a waiting subscriber. The
 * thread itself reads a BPF ring buffer, which only the kernel fills: the
 * integration tests cover it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pump.h"

static struct pump *new_pump(size_t recent, size_t max_subs)
{
	struct pump_opts o = {
		.recent = recent,
		.queue = 4,
		.max_subs = max_subs,
		.max_bytes = 1 << 20,
		.kallsyms_path = FIXTURES "/ksyms/basic",
		.modules_path = FIXTURES "/no-such-file",
	};
	struct pump *p = NULL;
	char msg[128];

	assert_int_equal(pump_new(&o, &p, msg, sizeof(msg)), 0);
	assert_non_null(p);
	return p;
}

static void event(struct drop_event *ev, uint64_t seq)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = seq;
	ev->reason = 2;
	ev->location = 0xffffffff81000291ull; /* do_work+0x81 */
	ev->stack_len = 2;
	ev->stack[0] = 0xffffffff81000291ull;
	ev->stack[1] = 0x1000;
	ev->netns = 4026531840u;
	ev->ifindex = 7;
	ev->len = 60;
	memcpy(ev->comm, "nc", 3);
}

static void test_push_snapshot(void **state)
{
	struct pump *p = new_pump(2, 0);
	struct drop_event *ev = malloc(sizeof(*ev));
	struct evrecord *out = calloc(3, sizeof(*out));
	struct evhub_stats st;

	(void)state;
	assert_non_null(ev);
	assert_non_null(out);
	for (uint64_t seq = 1; seq <= 3; seq++) {
		event(ev, seq);
		pump_push(p, ev);
	}
	/* The two most recent, oldest first, decoded. */
	{
		uint64_t first, end;

		evhub_window(pump_hub(p), &first, &end);
		assert_int_equal(end - first, 2);
		assert_int_equal(evhub_get(pump_hub(p), first, &out[0]), 1);
		assert_int_equal(evhub_get(pump_hub(p), first + 1, &out[1]), 1);
	}
	assert_int_equal(out[0].time_ns, 2);
	assert_int_equal(out[1].time_ns, 3);
	assert_string_equal(out[1].reason, "2"); /* no reasons table: the number */
	assert_string_equal(out[1].function, "do_work");
	assert_int_equal(out[1].nframes, 2);
	assert_string_equal(out[1].frames[0], "do_work+0x81");
	assert_string_equal(out[1].frames[1], "0x1000");
	assert_string_equal(out[1].comm, "nc");
	assert_int_equal(out[1].netns, 4026531840u);
	assert_int_equal(out[1].ifindex, 7);
	assert_int_equal(out[1].len, 60);
	/* Wall time: the monotonic time moved by the clock offset taken at
	 * start, so after 2020 whatever the uptime. */
	assert_true(out[1].wall_ns > 1577836800ll * 1000000000ll);
	evhub_stats(pump_hub(p), &st);
	assert_int_equal(st.published, 3);
	free(out);
	free(ev);
	pump_free(p);
}

static void test_push_subscriber(void **state)
{
	struct pump *p = new_pump(8, 1);
	struct drop_event *ev = malloc(sizeof(*ev));
	struct evrecord *r = malloc(sizeof(*r));
	struct evhub_sub *sub;

	(void)state;
	assert_non_null(ev);
	assert_non_null(r);
	event(ev, 1);
	pump_push(p, ev); /* before the subscription: not seen */
	assert_int_equal(evhub_subscribe(pump_hub(p), &sub), 0);
	for (uint64_t seq = 2; seq <= 7; seq++) {
		event(ev, seq);
		pump_push(p, ev);
	}
	/* A queue of 4: the first four, then the losses counted. */
	for (uint64_t seq = 2; seq <= 5; seq++) {
		assert_int_equal(evhub_next(sub, r, 0), 1);
		assert_int_equal(r->time_ns, seq);
		assert_string_equal(r->function, "do_work");
	}
	assert_int_equal(evhub_next(sub, r, 0), 0);
	assert_int_equal(evhub_sub_lost(sub), 2);
	/* Shutdown ends the subscriber's wait at once. */
	pump_shutdown(p);
	assert_int_equal(evhub_next(sub, r, 5000), -ESHUTDOWN);
	evhub_unsubscribe(sub);
	free(r);
	free(ev);
	pump_free(p);
}

static void test_failures(void **state)
{
	struct pump_opts o = { .recent = 4,
			       .queue = 4,
			       .max_bytes = 1 << 20,
			       .kallsyms_path = FIXTURES "/nonexistent" };
	struct pump *p = NULL;
	char msg[128];

	(void)state;
	assert_int_equal(pump_new(&o, &p, msg, sizeof(msg)), -ENOENT);
	assert_null(p);
	assert_string_equal(msg,
			    "reading /proc/kallsyms for event stacks: No such file or directory");

	o.kallsyms_path = FIXTURES "/ksyms/basic";
	o.recent = 0;
	assert_int_equal(pump_new(&o, &p, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "setting up the event hub: Invalid argument");

	/* Not a ring buffer: the thread is never started, and freeing is safe. */
	o.recent = 4;
	assert_int_equal(pump_new(&o, &p, msg, sizeof(msg)), 0);
	assert_true(pump_start(p, -1, msg, sizeof(msg)) < 0);
	assert_true(strncmp(msg, "opening the event ring buffer: ", 31) == 0);
	pump_shutdown(p);
	pump_free(p);
	pump_free(NULL);
	pump_shutdown(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_snapshot),
		cmocka_unit_test(test_push_subscriber),
		cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
