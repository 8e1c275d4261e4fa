/* SPDX-License-Identifier: GPL-2.0-only */
/* The drop series of a counter snapshot: rows summed by (reason, ifindex,
 * netns, function), named, and rendered as the dropmon_drops and
 * dropmon_dropped_bytes families. Owns the kernel symbols that name the
 * functions (reloaded when the set of modules changes) and the cache of
 * rendered label sets. Knows neither the BPF maps nor the clock: the caller
 * passes the snapshot and the time. */
#ifndef DROPMON_SERIES_H
#define DROPMON_SERIES_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "expo.h"

struct counters_snapshot;
struct reasons;

/* The name of a device the kernel did not record in the snapshot (a key
 * created before its name was), written into buf (IF_NAMESIZE bytes);
 * returns buf, or NULL when it cannot be known. */
typedef const char *(*series_device_fn)(uint32_t netns, uint32_t ifindex, char *buf, void *ctx);
/* N of the netns label "INODE-N" of a namespace (inode, drop_key.netns_id)
 * that reused the inode of one still shown (netns_expiry_gen()); 1: the
 * inode alone. */
typedef uint32_t (*series_netns_fn)(uint32_t netns, uint64_t netns_id, void *ctx);

struct series_opts {
	const char *kallsyms_path; /* NULL: /proc/kallsyms */
	const char *modules_path;  /* NULL: /proc/modules */
	/* Look for a change of the loaded modules at most this often. */
	double ksyms_check_s;
	/* Names of drop reasons: the caller's, not freed; required. */
	struct reasons *reasons;
	series_device_fn device_fallback; /* NULL: no fallback */
	void *device_ctx;
	series_netns_fn netns_gen; /* NULL: every label is the inode alone */
	void *netns_ctx;
};

struct series_set;

/* Loads the kernel symbols at monotonic time now. Returns 0 or a negative
 * errno: ksyms_load()'s, or -ENOMEM. */
int series_new(const struct series_opts *opts, double now, struct series_set **out);
/* When ksyms_check_s passed since the last check and the modules changed,
 * reloads the symbols and drops every cached label set (function names and
 * addresses may have moved). Returns 1 when it reloaded, 0 when not, or a
 * negative errno (the old symbols kept; logged). */
int series_refresh_ksyms(struct series_set *s, double now);
/* Aggregates the rows of snap into series and gives each its label set.
 * snap must stay as it is until series_render(). Returns the number of
 * series or a negative errno. */
ssize_t series_build(struct series_set *s, const struct counters_snapshot *snap);
/* Renders the families of the last series_build() (packets, then bytes; the
 * snapshot's overflow rows with their reason only), then ends the label set
 * cache's round: label sets of series that were not built are dropped. */
void series_render(struct series_set *s, struct expo *e);
/* Label sets in the cache, and symbols loaded: for tests and logs. */
size_t series_cached(const struct series_set *s);
size_t series_ksyms_count(const struct series_set *s);
void series_free(struct series_set *s); /* accepts NULL */

#endif
