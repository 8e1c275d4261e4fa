/* SPDX-License-Identifier: GPL-2.0-only */
/* `serve --web.enable-debug`: the event pump's hub served over HTTP as
 * /debug/drops and /debug/pcap, and the event metrics of each scrape. */
#ifndef DROPMON_DEBUG_H
#define DROPMON_DEBUG_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "loader.h"

struct counters_snapshot;
struct expo;
struct reasons;

struct debug_opts {
	size_t recent;		  /* events kept for snapshots */
	size_t queue;		  /* per-subscriber queue */
	size_t max_subs;	  /* live subscribers at once */
	size_t max_bytes;	  /* of the events held (--debug.memory) */
	unsigned int max_seconds; /* bound of /debug/pcap?seconds= */
	struct reasons *reasons;  /* to name reasons (locked lookups); not freed */
};

struct debug;

/* Starts the event pump on the loader's ring buffer (events must be
 * enabled in it). Returns 0 or a negative errno, with msg[msglen] saying
 * which step failed and why. */
int debug_start(struct loader *l, const struct debug_opts *o, struct debug **out, char *msg,
		size_t msglen);
/* The route of /debug/ (an http_handler; ctx is the debug face). */
enum MHD_Result debug_handle(void *ctx, struct MHD_Connection *conn, const char *url);
/* The event metrics (a scrape_source_fn; ctx is the debug face). */
void debug_metrics(struct expo *e, const struct counters_snapshot *snap, void *ctx);
/* Ends every stream (before the HTTP server stops). */
void debug_shutdown(struct debug *d);
/* Stops the thread; after debug_shutdown() and the HTTP server's stop. */
void debug_free(struct debug *d); /* accepts NULL */

#endif
