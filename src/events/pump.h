/* SPDX-License-Identifier: GPL-2.0-only */
/* The event pump of `serve --web.enable-debug`: a thread reads sampled drop
 * events off the BPF ring buffer, decodes each (reason named, stack
 * symbolized) and publishes it to a hub, where snapshots and followers
 * read it. */
#ifndef DROPMON_PUMP_H
#define DROPMON_PUMP_H

#include <stddef.h>

#include "dropmon.h"
#include "evhub.h"

struct reasons;

struct pump_opts {
	size_t recent;		   /* events kept for snapshots */
	size_t queue;		   /* per-subscriber queue */
	size_t max_subs;	   /* live subscribers at once */
	size_t max_bytes;	   /* budget of the events stored (evhub_new()) */
	struct reasons *reasons;   /* to name reasons (locked lookups); not freed */
	const char *kallsyms_path; /* NULL: /proc/kallsyms */
	const char *modules_path;  /* NULL: /proc/modules */
};

struct pump;

/* The hub and the decoder (kallsyms is loaded here). Returns 0 or a
 * negative errno, with msg[msglen] saying which step failed and why. */
int pump_new(const struct pump_opts *o, struct pump **out, char *msg, size_t msglen);
/* Starts the thread on a BPF ring buffer of drop events. 0 or a negative
 * errno, msg set as above. */
int pump_start(struct pump *p, int ringbuf_fd, char *msg, size_t msglen);
/* Decodes one event and publishes it: what the thread does with each.
 * ev must have been bounded (ringbuf.c does). */
void pump_push(struct pump *p, const struct drop_event *ev);
struct evhub *pump_hub(struct pump *p);
/* Ends every subscriber's wait (before the HTTP server stops). */
void pump_shutdown(struct pump *p);
/* Stops the thread and frees the hub: after pump_shutdown() and once no
 * one uses the hub. Accepts NULL. */
void pump_free(struct pump *p);

#endif
