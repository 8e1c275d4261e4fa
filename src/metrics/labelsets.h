/* SPDX-License-Identifier: GPL-2.0-only */
/* The rendered label set of each drop series, kept from one scrape to the
 * next: the labels of a series almost never change, and rendering them
 * anew for every series of every scrape is most of a scrape's work. */
#ifndef DROPMON_LABELSETS_H
#define DROPMON_LABELSETS_H

#include <stddef.h>
#include <stdint.h>

/* What a series is, and the one input of its labels that can change
 * under the same identity: the device name recorded in the kernel. */
struct labelset_id {
	uint64_t func_key;
	uint32_t reason;
	uint32_t ifindex;
	uint32_t netns;
	uint32_t netns_gen; /* N of the netns label "INODE-N" (series.c) */
	char device[16];
};

struct labelsets;

/* Returns 0 or a negative errno: -ENOMEM. */
int labelsets_new(struct labelsets **out);
/* The cached label set of id (its device name included), or NULL. A hit
 * marks the entry as used in this round. *len receives its length. */
const char *labelsets_get(struct labelsets *ls, const struct labelset_id *id, size_t *len);
/* Caches a copy of set[0..len) for id, replacing any entry of the same
 * series, and marks it used. Returns the stored copy, or NULL (-ENOMEM). */
const char *labelsets_put(struct labelsets *ls, const struct labelset_id *id, const char *set,
			  size_t len);
/* Ends a round: entries neither got nor put since the previous round are
 * dropped (their series are gone). Pointers returned before stay valid
 * until this call. */
void labelsets_end_round(struct labelsets *ls);
/* Drops every entry: function or reason names may have changed. */
void labelsets_clear(struct labelsets *ls);
size_t labelsets_count(const struct labelsets *ls);
void labelsets_free(struct labelsets *ls); /* accepts NULL */

#endif
