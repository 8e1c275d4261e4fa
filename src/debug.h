/* SPDX-License-Identifier: GPL-2.0-only */
/* `serve --web.enable-debug`: a consumer thread decodes sampled drop events
 * into a hub, and /debug/drops and /debug/pcap serve them over HTTP. */
#ifndef DROPMON_DEBUG_H
#define DROPMON_DEBUG_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "loader.h"

struct reasons;

struct debug_opts {
	size_t recent;		  /* events kept for snapshots */
	size_t queue;		  /* per-subscriber queue */
	size_t max_subs;	  /* live subscribers at once */
	unsigned int max_seconds; /* bound of /debug/pcap?seconds= */
	struct reasons *reasons;  /* the collector's, to name reasons; not freed */
};

struct debug_stats {
	uint64_t subscriber_lost; /* dropped by full subscriber queues */
	size_t subscribers;
};

struct debug;

/* Starts the consumer thread on the loader's ring buffer (events must be
 * enabled in it). Returns 0 or a negative errno, with *what naming the
 * step that failed. */
int debug_start(struct loader *l, const struct debug_opts *o, struct debug **out,
		const char **what);
/* Answers a GET under /debug/. */
enum MHD_Result debug_handle(struct debug *d, struct MHD_Connection *conn, const char *url);
void debug_stats(struct debug *d, struct debug_stats *out);
/* Ends every stream (before the HTTP server stops). */
void debug_shutdown(struct debug *d);
/* Stops the thread; after debug_shutdown() and the HTTP server's stop. */
void debug_free(struct debug *d); /* accepts NULL */

#endif
