/* SPDX-License-Identifier: GPL-2.0-only */
/* The one way to grow an array: capacity doubles, sizes are checked for
 * overflow, and a failure leaves the array as it was. */
#ifndef DROPMON_ARRAY_H
#define DROPMON_ARRAY_H

#include <stddef.h>

/* Makes room for element n (so n + 1 elements) in the array *arrp of *cap
 * elements of elem bytes: when n >= *cap, the capacity doubles (starting
 * at first) until it fits. arrp is the address of the array's pointer
 * (any object pointer type). Returns 0, or -ENOMEM with *arrp and *cap
 * untouched when out of memory or when the size does not fit a size_t. */
int array_reserve(void *arrp, size_t *cap, size_t n, size_t elem, size_t first);

/* array_reserve(&arr, &cap, n, sizeof(*arr), first) */
#define ARRAY_RESERVE(arr, cap, n, first)                                                          \
	array_reserve(&(arr), &(cap), (n), sizeof(*(arr)), (first))

#endif
