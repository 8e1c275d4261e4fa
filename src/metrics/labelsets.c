// SPDX-License-Identifier: GPL-2.0-only
/* Cache of rendered label sets by series identity: open addressing with
 * linear probing, rebuilt without the unused entries at the end of a round. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "labelsets.h"

struct entry {
	struct labelset_id id;
	char *set; /* NULL: empty slot */
	size_t len;
	bool used; /* got or put in this round */
};

struct labelsets {
	struct entry *slots;
	size_t cap; /* 0 or a power of two */
	size_t count;
	size_t used;
};

static bool same_series(const struct labelset_id *a, const struct labelset_id *b)
{
	return a->func_key == b->func_key && a->reason == b->reason && a->ifindex == b->ifindex &&
	       a->netns == b->netns && a->netns_gen == b->netns_gen;
}

static size_t slot_of(const struct labelset_id *id, size_t cap)
{
	uint64_t h = id->func_key ^ ((uint64_t)id->reason << 32 | id->ifindex) ^
		     ((uint64_t)id->netns << 17) ^ ((uint64_t)id->netns_gen << 49);

	h *= 0x9e3779b97f4a7c15ull; /* Fibonacci hashing spreads close keys */
	return (size_t)(h >> 32) & (cap - 1);
}

/* The slot of id's series, or the empty slot where it would go. */
static struct entry *find(const struct labelsets *ls, const struct labelset_id *id)
{
	size_t i = slot_of(id, ls->cap);

	while (ls->slots[i].set && !same_series(&ls->slots[i].id, id))
		i = (i + 1) & (ls->cap - 1);
	return &ls->slots[i];
}

int labelsets_new(struct labelsets **out)
{
	struct labelsets *ls = calloc(1, sizeof(*ls));

	if (!ls)
		return -ENOMEM;
	*out = ls;
	return 0;
}

/* Moves the entries to a table of cap slots, keeping only the used ones when
 * keep_unused is false. */
static int rehash(struct labelsets *ls, size_t cap, bool keep_unused)
{
	struct entry *old = ls->slots, *slots = calloc(cap, sizeof(*slots));
	size_t old_cap = ls->cap;

	if (!slots)
		return -ENOMEM;
	ls->slots = slots;
	ls->cap = cap;
	ls->count = 0;
	for (size_t i = 0; i < old_cap; i++) {
		if (!old[i].set)
			continue;
		if (!keep_unused && !old[i].used) {
			free(old[i].set);
			continue;
		}
		*find(ls, &old[i].id) = old[i];
		ls->count++;
	}
	free(old);
	return 0;
}

const char *labelsets_get(struct labelsets *ls, const struct labelset_id *id, size_t *len)
{
	struct entry *e;

	if (!ls->count)
		return NULL;
	e = find(ls, id);
	if (!e->set || memcmp(e->id.device, id->device, sizeof(id->device)) != 0)
		return NULL;
	if (!e->used) {
		e->used = true;
		ls->used++;
	}
	*len = e->len;
	return e->set;
}

const char *labelsets_put(struct labelsets *ls, const struct labelset_id *id, const char *set,
			  size_t len)
{
	struct entry *e;
	char *copy;

	/* Load factor at most 1/2 keeps the probe sequences short. */
	if ((ls->count + 1) * 2 > ls->cap && rehash(ls, ls->cap ? ls->cap * 2 : 64, true))
		return NULL;
	copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, set, len);
	copy[len] = '\0';
	e = find(ls, id);
	if (e->set) {
		/* The same series with another device name: replaced. */
		free(e->set);
		if (e->used)
			ls->used--;
	} else {
		ls->count++;
	}
	e->id = *id;
	e->set = copy;
	e->len = len;
	e->used = true;
	ls->used++;
	return copy;
}

void labelsets_end_round(struct labelsets *ls)
{
	/* Series vanish only with their network namespace: the rebuild is
	 * rare. If it cannot allocate, the unused entries stay a round more. */
	if (ls->used < ls->count && rehash(ls, ls->cap, false))
		return;
	for (size_t i = 0; i < ls->cap; i++)
		ls->slots[i].used = false;
	ls->used = 0;
}

void labelsets_clear(struct labelsets *ls)
{
	for (size_t i = 0; i < ls->cap; i++)
		free(ls->slots[i].set);
	free(ls->slots);
	ls->slots = NULL;
	ls->cap = 0;
	ls->count = 0;
	ls->used = 0;
}

size_t labelsets_count(const struct labelsets *ls)
{
	return ls->count;
}

void labelsets_free(struct labelsets *ls)
{
	if (!ls)
		return;
	labelsets_clear(ls);
	free(ls);
}
