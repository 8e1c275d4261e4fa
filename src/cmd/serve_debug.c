// SPDX-License-Identifier: GPL-2.0-only
/* /debug/drops and /debug/pcap: sampled drop events over HTTP. The event
 * pump (events/pump.c) fills the hub; each request reads a snapshot of the
 * recent events or subscribes for live ones. A slow client
 * loses events from its own queue, never stalls the others. */
#include <errno.h>
#include <inttypes.h>
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
#include "evrecord.h"
#include "evtext.h"
#include "expo.h"
#include "http.h"
#include "log.h"
#include "monotonic.h"
#include "netns.h"
#include "parse.h"
#include "pcapng.h"
#include "pktfilter.h"
#include "pump.h"
#include "serve_debug.h"
#include "version.h"

#define DEFAULT_LIMIT 100
/* A snapshot copies every recent event (--debug.recent of ~6 KiB each):
 * only this many are taken at once, so that a burst of requests cannot
 * run the daemon out of memory. */
#define MAX_SNAPSHOTS 2
/* A timed capture is held in memory until it is sent: at most this much
 * (--debug.rate allows a million events a second for an hour). */
#define MAX_CAPTURE_BYTES (64u << 20)
/* libpcap's optimizer is not linear in the expression's length. */
#define MAX_FILTER_LEN 1024
/* A quiet stream sends a newline this often, so a client that left is
 * noticed and its subscription freed. */
#define IDLE_NEWLINE_S 10

struct debug {
	struct debug_opts o;
	struct pump *pump;
	struct evhub *hub; /* the pump's */
	struct evtext_opts text;
	atomic_int snapshots; /* in progress */
};

int debug_start(struct loader *l, const struct debug_opts *o, struct debug **out, char *msg,
		size_t msglen)
{
	struct pump_opts po = {
		.recent = o->recent,
		.queue = o->queue,
		.max_subs = o->max_subs,
		.reasons = o->reasons,
	};
	struct debug *d;
	int err;

	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(msg, msglen, "setting up the debug endpoints: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	d->o = *o;
	d->text.init_netns = netns_self_inode();
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
	struct expo_label ringbuf = { "stage", "ringbuf" }, sub = { "stage", "subscriber" };
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
		    "Drop events lost: the kernel ring buffer was full (stage ringbuf), or a "
		    "slow subscriber's queue was (stage subscriber).");
	expo_sample_u64(e, &ringbuf, 1, snap->stats[DROPMON_STAT_EVENTS_LOST]);
	expo_sample_u64(e, &sub, 1, st.lost);
	expo_family(e, "dropmon_events_subscribers", EXPO_GAUGE,
		    "Clients following /debug/drops or capturing /debug/pcap now.");
	expo_sample_u64(e, NULL, 0, st.subscribers);
}

void debug_shutdown(struct debug *d)
{
	if (d)
		pump_shutdown(d->pump);
}

void debug_free(struct debug *d)
{
	if (!d)
		return;
	pump_free(d->pump);
	free(d);
}

/* --- requests ---------------------------------------------------------- */

struct request {
	bool json;
	bool follow;
	uint64_t limit;	  /* events at most; 0: no limit */
	uint64_t seconds; /* pcap: capture new events this long; 0: the recent ones */
	struct pktfilter *filter;
};

static enum MHD_Result bad_request(struct MHD_Connection *conn, const char *msg)
{
	return http_send_text(conn, MHD_HTTP_BAD_REQUEST, "text/plain; charset=utf-8", msg);
}

/* Fills req from the query; on a bad parameter answers 400 and returns
 * false (with *ret set). */
static bool parse_request(struct debug *d, struct MHD_Connection *conn, bool pcap,
			  struct request *req, enum MHD_Result *ret)
{
	const char *format = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "format");
	const char *follow = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "follow");
	const char *limit =
	    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, pcap ? "count" : "limit");
	const char *seconds = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "seconds");
	const char *filter = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "filter");
	char why[256], msg[512];

	memset(req, 0, sizeof(*req));
	if (!pcap && format && strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
		snprintf(msg, sizeof(msg), "format must be text or json (got '%s')\n", format);
		*ret = bad_request(conn, msg);
		return false;
	}
	req->json = format && strcmp(format, "json") == 0;
	if (!pcap && follow && strcmp(follow, "0") != 0 && strcmp(follow, "1") != 0) {
		snprintf(msg, sizeof(msg), "follow must be 0 or 1 (got '%s')\n", follow);
		*ret = bad_request(conn, msg);
		return false;
	}
	req->follow = !pcap && follow && strcmp(follow, "1") == 0;
	req->limit = pcap || req->follow ? 0 : DEFAULT_LIMIT;
	if (limit && parse_u64(limit, 1, 1000000, &req->limit)) {
		snprintf(msg, sizeof(msg), "%s must be a number from 1 to 1000000 (got '%s')\n",
			 pcap ? "count" : "limit", limit);
		*ret = bad_request(conn, msg);
		return false;
	}
	if (pcap && seconds && parse_u64(seconds, 1, d->o.max_seconds, &req->seconds)) {
		snprintf(msg, sizeof(msg), "seconds must be a number from 1 to %u (got '%s')\n",
			 d->o.max_seconds, seconds);
		*ret = bad_request(conn, msg);
		return false;
	}
	if (filter && strlen(filter) > MAX_FILTER_LEN) {
		snprintf(msg, sizeof(msg), "filter is longer than %d bytes\n", MAX_FILTER_LEN);
		*ret = bad_request(conn, msg);
		return false;
	}
	if (filter && pktfilter_new(filter, &req->filter, why, sizeof(why))) {
		snprintf(msg, sizeof(msg), "filter '%s': %s\n", filter, why);
		*ret = bad_request(conn, msg);
		return false;
	}
	return true;
}

static bool wanted(const struct request *req, const struct evrecord *r)
{
	return !req->filter ||
	       pktfilter_match(req->filter, r->mac, r->packet, r->caplen, r->frame_len);
}

static enum MHD_Result send_buffer(struct MHD_Connection *conn, struct strbuf *body,
				   const char *type, const char *disposition)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (body->err) {
		strbuf_free(body);
		return http_send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				      "text/plain; charset=utf-8", "out of memory\n");
	}
	resp = MHD_create_response_from_buffer(body->len, body->buf ? body->buf : (void *)"",
					       body->buf ? MHD_RESPMEM_MUST_FREE
							 : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		strbuf_free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (disposition)
		MHD_add_response_header(resp, "Content-Disposition", disposition);
	ret = http_queue(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The most recent matching events, oldest first: at most req->limit.
 * -EBUSY when MAX_SNAPSHOTS are being taken already, -ENOMEM. */
static ssize_t recent_events(struct debug *d, const struct request *req, struct evrecord **out)
{
	struct evrecord *all;
	size_t n, kept = 0, first, want = d->o.recent;

	*out = NULL;
	if (atomic_fetch_add(&d->snapshots, 1) >= MAX_SNAPSHOTS) {
		atomic_fetch_sub(&d->snapshots, 1);
		return -EBUSY;
	}
	/* The copy holds the publisher up: without a filter, only what is
	 * sent. */
	if (!req->filter && req->limit && req->limit < want)
		want = req->limit;
	all = malloc(want * sizeof(*all));
	if (!all) {
		atomic_fetch_sub(&d->snapshots, 1);
		return -ENOMEM;
	}
	*out = all;
	n = evhub_snapshot(d->hub, all, want);
	for (size_t i = 0; i < n; i++) {
		if (wanted(req, &all[i]))
			all[kept++] = all[i];
	}
	first = req->limit && kept > req->limit ? kept - req->limit : 0;
	memmove(all, all + first, (kept - first) * sizeof(*all));
	return (ssize_t)(kept - first);
}

static void recent_done(struct debug *d, struct evrecord *recs)
{
	if (!recs)
		return;
	free(recs);
	atomic_fetch_sub(&d->snapshots, 1);
}

static enum MHD_Result snapshot_failed(struct MHD_Connection *conn, ssize_t err)
{
	if (err == -EBUSY)
		return http_send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				      "text/plain; charset=utf-8",
				      "too many snapshots at once; try again\n");
	return http_send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
			      "out of memory\n");
}

static void format_event(struct debug *d, const struct request *req, struct strbuf *sb,
			 const struct evrecord *r)
{
	if (req->json)
		evjson_write(sb, r);
	else
		evtext_format(sb, r, &d->text);
}

/* A followed stream: events as they come, until the client leaves, the
 * limit is reached or the server stops. */
struct stream {
	struct debug *d;
	struct request req;
	struct evhub_sub *sub;
	struct strbuf sb;
	size_t off;
	uint64_t sent;
	uint64_t reported; /* losses told to the client */
	struct evrecord rec;
};

/* Tells the client, in band, when its queue overflowed: a line
 * "# lost N events" in text, {"lost":N} in NDJSON (N since the last one). */
static void report_lost(struct stream *st)
{
	uint64_t lost = evhub_sub_lost(st->sub);

	if (lost == st->reported)
		return;
	strbuf_printf(&st->sb,
		      st->req.json ? "{\"lost\":%" PRIu64 "}\n" : "# lost %" PRIu64 " events\n",
		      lost - st->reported);
	st->reported = lost;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	unsigned int idle = 0;

	(void)pos;
	for (;;) {
		int r;

		if (st->off < st->sb.len) {
			size_t n = st->sb.len - st->off < max ? st->sb.len - st->off : max;

			memcpy(buf, st->sb.buf + st->off, n);
			st->off += n;
			return (ssize_t)n;
		}
		strbuf_reset(&st->sb);
		st->off = 0;
		if (st->req.limit && st->sent >= st->req.limit)
			return MHD_CONTENT_READER_END_OF_STREAM;
		/* Thread per connection: waiting here holds up no one else. */
		r = evhub_next(st->sub, &st->rec, 1000);
		if (r == -ESHUTDOWN)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (r <= 0) {
			if (++idle >= IDLE_NEWLINE_S) {
				idle = 0;
				strbuf_putc(&st->sb, '\n');
			}
			continue;
		}
		idle = 0;
		/* Take what is queued already in one go: one write for many
		 * events keeps a follower ahead of a burst. Losses are looked
		 * up once a batch: each look takes the hub's lock. */
		report_lost(st);
		do {
			if (!wanted(&st->req, &st->rec))
				continue;
			format_event(st->d, &st->req, &st->sb, &st->rec);
			st->sent++;
		} while (st->sb.len < max && (!st->req.limit || st->sent < st->req.limit) &&
			 evhub_next(st->sub, &st->rec, 0) == 1);
		if (st->sb.err)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	evhub_unsubscribe(st->sub);
	pktfilter_free(st->req.filter);
	strbuf_free(&st->sb);
	free(st);
}

static enum MHD_Result serve_follow(struct debug *d, struct MHD_Connection *conn,
				    struct request *req)
{
	struct stream *st = calloc(1, sizeof(*st));
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int err;

	if (!st) {
		pktfilter_free(req->filter);
		return MHD_NO;
	}
	st->d = d;
	st->req = *req;
	err = evhub_subscribe(d->hub, &st->sub);
	if (err) {
		bool busy = err == -EBUSY;

		stream_free(st);
		return http_send_text(
		    conn, busy ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "text/plain; charset=utf-8",
		    busy ? "too many followers; try again later\n" : "cannot follow events\n");
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, st,
						 stream_free);
	if (!resp) {
		stream_free(st);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				req->json ? "application/x-ndjson" : "text/plain; charset=utf-8");
	ret = http_queue(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result serve_drops(struct debug *d, struct MHD_Connection *conn)
{
	struct strbuf body = STRBUF_INIT;
	struct request req;
	struct evrecord *recs;
	enum MHD_Result ret;
	ssize_t n;

	if (!parse_request(d, conn, false, &req, &ret))
		return ret;
	if (req.follow)
		return serve_follow(d, conn, &req);
	n = recent_events(d, &req, &recs);
	if (n < 0) {
		pktfilter_free(req.filter);
		return snapshot_failed(conn, n);
	}
	for (ssize_t i = 0; i < n; i++)
		format_event(d, &req, &body, &recs[i]);
	recent_done(d, recs);
	pktfilter_free(req.filter);
	return send_buffer(conn, &body,
			   req.json ? "application/x-ndjson" : "text/plain; charset=utf-8", NULL);
}

static enum MHD_Result serve_pcap(struct debug *d, struct MHD_Connection *conn)
{
	struct strbuf body = STRBUF_INIT, scratch = STRBUF_INIT;
	struct pcapng_writer *w = NULL;
	struct evrecord *recs = NULL;
	struct request req;
	enum MHD_Result ret;
	uint64_t written = 0;

	if (!parse_request(d, conn, true, &req, &ret))
		return ret;
	if (pcapng_new(&body, "dropmon " DROPMON_VERSION, &w))
		goto fail;
	if (!req.seconds) {
		ssize_t n = recent_events(d, &req, &recs);

		if (n < 0) {
			pcapng_free(w);
			strbuf_free(&body);
			pktfilter_free(req.filter);
			return snapshot_failed(conn, n);
		}
		for (ssize_t i = 0; i < n; i++)
			evpcap_add(w, &recs[i], &scratch);
	} else {
		struct evhub_sub *sub = NULL;
		int err = evhub_subscribe(d->hub, &sub);
		double end = monotonic_s() + (double)req.seconds;
		struct evrecord *r = malloc(sizeof(*r));

		if (err || !r) {
			bool busy = err == -EBUSY;

			evhub_unsubscribe(sub);
			free(r);
			if (!busy)
				goto fail;
			pcapng_free(w);
			strbuf_free(&body);
			pktfilter_free(req.filter);
			return http_send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
					      "text/plain; charset=utf-8",
					      "too many captures; try again later\n");
		}
		while ((!req.limit || written < req.limit) && body.len < MAX_CAPTURE_BYTES) {
			double left = end - monotonic_s();
			int got;

			if (left <= 0)
				break;
			got = evhub_next(sub, r, left > 1 ? 1000 : (int)(left * 1000) + 1);
			if (got < 0)
				break;
			if (got == 1 && wanted(&req, r) && evpcap_add(w, r, &scratch) == 0)
				written++;
		}
		evhub_unsubscribe(sub);
		free(r);
	}
	recent_done(d, recs);
	pcapng_free(w);
	strbuf_free(&scratch);
	pktfilter_free(req.filter);
	return send_buffer(conn, &body, "application/x-pcapng",
			   "attachment; filename=\"drops.pcapng\"");
fail:
	recent_done(d, recs);
	pcapng_free(w);
	strbuf_free(&scratch);
	strbuf_free(&body);
	pktfilter_free(req.filter);
	return http_send_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
			      "out of memory\n");
}

enum MHD_Result debug_handle(void *ctx, struct MHD_Connection *conn, const char *url)
{
	struct debug *d = ctx;

	if (strcmp(url, "/debug/drops") == 0)
		return serve_drops(d, conn);
	if (strcmp(url, "/debug/pcap") == 0)
		return serve_pcap(d, conn);
	return http_send_text(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
			      "not found: /debug/drops and /debug/pcap are here\n");
}
