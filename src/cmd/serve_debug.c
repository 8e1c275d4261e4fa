// SPDX-License-Identifier: GPL-2.0-only
/* /debug/drops and /debug/pcap: sampled drop events over HTTP. The event
 * pump (events/pump.c) fills the hub; each request reads a snapshot of the
 * recent events or subscribes for live ones. A slow client
 * loses events from its own queue, never stalls the others. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "counters.h"
#include "evhub.h"
#include "evjson.h"
#include "evpcap.h"
#include "evquery.h"
#include "evrecord.h"
#include "evtext.h"
#include "expo.h"
#include "http.h"
#include "log.h"
#include "monotonic.h"
#include "netns.h"
#include "pcapng.h"
#include "pktfilter.h"
#include "pump.h"
#include "serve_debug.h"
#include "version.h"

/* Snapshots being sent at once. Each holds no events, only a place in the
 * recent ring, but filtering one reads the whole ring. */
#define MAX_SNAPSHOTS 16
/* A quiet text stream sends a newline this often (for proxies that close
 * idle connections); a client that left is noticed within a second. */
#define IDLE_NEWLINE_S 10
/* libmicrohttpd asks for at most this much at a time. */
#define BLOCK_SIZE 16384
/* On SIGTERM, how long streams get to send their last events and end. */
#define SHUTDOWN_GRACE_MS 5000

struct debug {
	struct debug_opts o;
	struct pump *pump;
	struct evhub *hub; /* the pump's */
	struct evtext_opts text;
	atomic_int snapshots; /* in progress */
	/* Responses not sent in full yet: debug_shutdown() waits for them. */
	pthread_mutex_t mu;
	pthread_cond_t idle;
	unsigned int responses;
	bool mu_ready;
};

int debug_start(struct loader *l, const struct debug_opts *o, struct debug **out, char *msg,
		size_t msglen)
{
	struct pump_opts po = {
		.recent = o->recent,
		.queue = o->queue,
		.max_subs = o->max_subs,
		.max_bytes = o->max_bytes,
		.reasons = o->reasons,
	};
	pthread_condattr_t attr;
	struct debug *d;
	int err;

	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(msg, msglen, "setting up the debug endpoints: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	d->o = *o;
	d->text.init_netns = netns_self_inode();
	err = -pthread_condattr_init(&attr);
	if (!err) {
		err = -pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		if (!err)
			err = -pthread_cond_init(&d->idle, &attr);
		pthread_condattr_destroy(&attr);
	}
	if (!err) {
		err = -pthread_mutex_init(&d->mu, NULL);
		if (err)
			pthread_cond_destroy(&d->idle);
	}
	if (err) {
		snprintf(msg, msglen, "setting up the debug endpoints: %s", strerror(-err));
		free(d);
		return err;
	}
	d->mu_ready = true;
	err = pump_new(&po, &d->pump, msg, msglen);
	if (!err) {
		d->hub = pump_hub(d->pump);
		err = pump_start(d->pump, loader_maps(l)->events, msg, msglen);
	}
	if (err) {
		debug_free(d);
		return err;
	}
	*out = d;
	return 0;
}

/* Sampled events (--web.enable-debug): what the kernel sent, held back and
 * lost, and what slow subscribers lost. A metric source of the scrape. */
void debug_metrics(struct expo *e, const struct counters_snapshot *snap, void *ctx)
{
	struct expo_label ringbuf = { "stage", "ringbuf" }, sub = { "stage", "subscriber" },
			  memory = { "stage", "memory" };
	struct debug *d = ctx;
	struct evhub_stats st;

	evhub_stats(d->hub, &st);
	expo_family(e, "dropmon_events_sampled", EXPO_COUNTER,
		    "Drop events the kernel sent to the debug endpoints (within the rate limit).");
	expo_sample_u64(e, NULL, 0, snap->stats[DROPMON_STAT_EVENTS_SENT]);
	expo_family(e, "dropmon_events_rate_limited", EXPO_COUNTER,
		    "Drops not sent as events because of the rate limit (--debug.rate).");
	expo_sample_u64(e, NULL, 0, snap->stats[DROPMON_STAT_EVENTS_LIMITED]);
	expo_family(e, "dropmon_events_lost", EXPO_COUNTER,
		    "Drop events lost: the kernel ring buffer was full (stage ringbuf), a "
		    "slow subscriber's queue was (stage subscriber), or --debug.memory was "
		    "(stage memory).");
	expo_sample_u64(e, &ringbuf, 1, snap->stats[DROPMON_STAT_EVENTS_LOST]);
	expo_sample_u64(e, &sub, 1, st.lost);
	expo_sample_u64(e, &memory, 1, st.over_budget);
	expo_family(e, "dropmon_events_subscribers", EXPO_GAUGE,
		    "Clients following /debug/drops or capturing /debug/pcap now.");
	expo_sample_u64(e, NULL, 0, st.subscribers);
	expo_family(e, "dropmon_events_stored_bytes", EXPO_GAUGE,
		    "Bytes of drop events the debug endpoints hold now (at most --debug.memory).");
	expo_sample_u64(e, NULL, 0, st.bytes);
}

static void responses_add(struct debug *d, int delta)
{
	pthread_mutex_lock(&d->mu);
	d->responses += (unsigned int)delta;
	if (!d->responses)
		pthread_cond_broadcast(&d->idle);
	pthread_mutex_unlock(&d->mu);
}

void debug_shutdown(struct debug *d)
{
	struct timespec deadline;

	if (!d)
		return;
	/* Live streams see the end of the hub and send their last events. */
	pump_shutdown(d->pump);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += SHUTDOWN_GRACE_MS / 1000;
	pthread_mutex_lock(&d->mu);
	while (d->responses) {
		if (pthread_cond_timedwait(&d->idle, &d->mu, &deadline) == ETIMEDOUT)
			break;
	}
	if (d->responses)
		pr_warn("%u debug responses still being sent after %d s; cutting them off\n",
			d->responses, SHUTDOWN_GRACE_MS / 1000);
	pthread_mutex_unlock(&d->mu);
}

void debug_free(struct debug *d)
{
	if (!d)
		return;
	pump_free(d->pump);
	if (d->mu_ready) {
		pthread_mutex_destroy(&d->mu);
		pthread_cond_destroy(&d->idle);
	}
	free(d);
}

/* --- requests ---------------------------------------------------------- */

static enum MHD_Result send_text(struct MHD_Connection *conn, unsigned int status, const char *msg)
{
	return http_send_text(conn, status, "text/plain; charset=utf-8", msg);
}

struct params {
	struct evquery_param p[EVQUERY_MAX_PARAMS];
	size_t n; /* all of them, also beyond the array */
};

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
				     size_t key_size, const char *value, size_t value_size)
{
	struct params *ps = cls;

	(void)kind;
	if (ps->n < EVQUERY_MAX_PARAMS)
		ps->p[ps->n] = (struct evquery_param){ key, key_size, value, value_size };
	ps->n++;
	return ps->n <= EVQUERY_MAX_PARAMS ? MHD_YES : MHD_NO;
}

/* Fills q from the query; on a bad one answers 400 and returns false (with
 * *ret set). */
static bool parse_request(struct debug *d, struct MHD_Connection *conn, enum evquery_page page,
			  struct evquery *q, enum MHD_Result *ret)
{
	struct params ps = { .n = 0 };
	char msg[512];
	int err;

	MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_param, &ps);
	err = evquery_parse(page, ps.p, ps.n, d->o.max_seconds, q, msg, sizeof(msg));
	if (err) {
		*ret = send_text(
		    conn, err == -ENOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_BAD_REQUEST,
		    msg);
		return false;
	}
	return true;
}

static bool wanted(const struct evquery *q, const struct evrecord *r)
{
	return !q->filter || pktfilter_match(q->filter, r->mac, r->packet, r->caplen, r->frame_len);
}

/* --- responses --------------------------------------------------------- */

/* One response, sent as it is made: a snapshot walks the recent events by
 * sequence number, a live one (follow=1, pcap?seconds=) takes them from its
 * subscription. Either formats at most about a block ahead of the client. */
struct resp {
	struct debug *d;
	struct evquery q;
	bool pcap;
	int fd; /* the client's socket: to notice it leaving */
	struct strbuf sb;
	size_t off;
	bool done; /* once sb is sent, the response ends */
	uint64_t sent;
	/* pcap */
	struct pcapng_writer *w;
	struct strbuf scratch;
	/* snapshot: the events [seq, end) */
	bool snapshot;
	uint64_t seq, end;
	/* live */
	struct evhub_sub *sub;
	double deadline;   /* monotonic_s(); 0: none */
	uint64_t reported; /* losses told to the client */
	struct evrecord rec;
};

static void format_event(struct resp *rp)
{
	if (rp->pcap) {
		if (evpcap_add(rp->w, &rp->rec, &rp->scratch) == 0)
			rp->sent++;
		return;
	}
	if (rp->q.json)
		evjson_write(&rp->sb, &rp->rec);
	else
		evtext_format(&rp->sb, &rp->rec, &rp->d->text);
	rp->sent++;
}

static bool limit_reached(const struct resp *rp)
{
	return rp->q.limit && rp->sent >= rp->q.limit;
}

/* A client that closed its end of the connection. */
static bool client_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Tells the client, in band, when its queue overflowed: a line
 * "# lost N events" in text, {"lost":N} in NDJSON (N since the last one). */
static void report_lost(struct resp *rp)
{
	uint64_t lost = evhub_sub_lost(rp->sub);

	if (lost == rp->reported || rp->pcap)
		return;
	strbuf_printf(&rp->sb,
		      rp->q.json ? "{\"lost\":%" PRIu64 "}\n" : "# lost %" PRIu64 " events\n",
		      lost - rp->reported);
	rp->reported = lost;
}

static void fill_snapshot(struct resp *rp, size_t max)
{
	while (rp->sb.len < max && rp->seq < rp->end && !limit_reached(rp)) {
		if (evhub_get(rp->d->hub, rp->seq++, &rp->rec) == 1 && wanted(&rp->q, &rp->rec))
			format_event(rp);
	}
	rp->done = rp->seq >= rp->end || limit_reached(rp);
}

/* Waits for events up to a second; returns false when the client left. */
static bool fill_live(struct resp *rp, size_t max, unsigned int *idle)
{
	int wait_ms = 1000, r;

	if (rp->deadline) {
		double left = rp->deadline - monotonic_s();

		if (left <= 0) {
			rp->done = true;
			return true;
		}
		if (left < 1)
			wait_ms = (int)(left * 1000) + 1;
	}
	r = evhub_next(rp->sub, &rp->rec, wait_ms);
	if (r == -ESHUTDOWN) {
		rp->done = true;
		return true;
	}
	if (r <= 0) {
		if (client_gone(rp->fd))
			return false;
		if (!rp->pcap && ++*idle >= IDLE_NEWLINE_S) {
			*idle = 0;
			strbuf_putc(&rp->sb, '\n');
		}
		return true;
	}
	*idle = 0;
	/* Take what is queued already in one go: one write for many events
	 * keeps a follower ahead of a burst. Losses are looked up once a
	 * batch: each look takes the hub's lock. */
	report_lost(rp);
	do {
		if (wanted(&rp->q, &rp->rec))
			format_event(rp);
	} while (rp->sb.len < max && !limit_reached(rp) && evhub_next(rp->sub, &rp->rec, 0) == 1);
	rp->done = limit_reached(rp);
	return true;
}

static ssize_t resp_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct resp *rp = cls;
	unsigned int idle = 0;

	(void)pos;
	for (;;) {
		if (rp->off < rp->sb.len) {
			size_t n = rp->sb.len - rp->off < max ? rp->sb.len - rp->off : max;

			memcpy(buf, rp->sb.buf + rp->off, n);
			rp->off += n;
			return (ssize_t)n;
		}
		strbuf_reset(&rp->sb);
		rp->off = 0;
		if (rp->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		/* Thread per connection: waiting here holds up no one else. */
		if (rp->snapshot)
			fill_snapshot(rp, max);
		else if (!fill_live(rp, max, &idle))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (rp->sb.err || rp->scratch.err)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void resp_free(void *cls)
{
	struct resp *rp = cls;
	struct debug *d = rp->d;

	evhub_unsubscribe(rp->sub);
	if (rp->snapshot)
		atomic_fetch_sub(&d->snapshots, 1);
	evquery_release(&rp->q);
	pcapng_free(rp->w);
	strbuf_free(&rp->scratch);
	strbuf_free(&rp->sb);
	free(rp);
	responses_add(d, -1);
}

/* Where a snapshot starts: the first recent event, or later so that
 * [start, end) holds limit wanted ones. */
static uint64_t snapshot_start(struct resp *rp, uint64_t first, uint64_t end)
{
	uint64_t seq = end, found = 0;

	if (!rp->q.limit)
		return first;
	if (!rp->q.filter)
		return end - first > rp->q.limit ? end - rp->q.limit : first;
	while (seq > first && found < rp->q.limit) {
		seq--;
		if (evhub_get(rp->d->hub, seq, &rp->rec) == 1 && wanted(&rp->q, &rp->rec))
			found++;
	}
	return seq;
}

static enum MHD_Result serve_resp(struct debug *d, struct MHD_Connection *conn, struct evquery *q,
				  bool pcap)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct resp *rp = calloc(1, sizeof(*rp));
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int err = 0;

	if (!rp) {
		evquery_release(q);
		return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	rp->d = d;
	rp->q = *q;
	rp->pcap = pcap;
	rp->fd = ci ? ci->connect_fd : -1;
	strbuf_init(&rp->sb);
	strbuf_init(&rp->scratch);
	rp->snapshot = pcap ? !q->seconds : !q->follow;
	responses_add(d, 1);
	if (rp->snapshot) {
		uint64_t first;

		if (atomic_fetch_add(&d->snapshots, 1) >= MAX_SNAPSHOTS) {
			rp->snapshot = false; /* not counted */
			atomic_fetch_sub(&d->snapshots, 1);
			resp_free(rp);
			return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
					 "too many snapshots at once; try again\n");
		}
		rp->snapshot = true;
		evhub_window(d->hub, &first, &rp->end);
		rp->seq = snapshot_start(rp, first, rp->end);
	} else {
		err = evhub_subscribe(d->hub, &rp->sub);
		if (err) {
			resp_free(rp);
			return send_text(conn,
					 err == -ENOMEM ? MHD_HTTP_INTERNAL_SERVER_ERROR
							: MHD_HTTP_SERVICE_UNAVAILABLE,
					 err == -EBUSY ? "too many followers and captures; try "
							 "again later\n"
					 : err == -ESHUTDOWN ? "shutting down\n"
							     : "out of memory\n");
		}
		if (q->seconds)
			rp->deadline = monotonic_s() + (double)q->seconds;
	}
	if (pcap && pcapng_new(&rp->sb, "dropmon " DROPMON_VERSION, &rp->w)) {
		resp_free(rp);
		return send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, BLOCK_SIZE, resp_read, rp,
						 resp_free);
	if (!resp) {
		resp_free(rp);
		return MHD_NO;
	}
	if (pcap) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-pcapng");
		MHD_add_response_header(resp, "Content-Disposition",
					"attachment; filename=\"drops.pcapng\"");
	} else {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					q->json ? "application/x-ndjson"
						: "text/plain; charset=utf-8");
	}
	ret = http_queue(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result debug_handle(void *ctx, struct MHD_Connection *conn, const char *url)
{
	struct debug *d = ctx;
	enum MHD_Result ret;
	struct evquery q;
	bool pcap;

	if (strcmp(url, "/debug/drops") == 0)
		pcap = false;
	else if (strcmp(url, "/debug/pcap") == 0)
		pcap = true;
	else
		return send_text(conn, MHD_HTTP_NOT_FOUND,
				 "not found: /debug/drops and /debug/pcap are here\n");
	if (!parse_request(d, conn, pcap ? EVQUERY_PCAP : EVQUERY_DROPS, &q, &ret))
		return ret;
	return serve_resp(d, conn, &q, pcap);
}
