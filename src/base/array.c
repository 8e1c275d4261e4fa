// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

int array_reserve(void *arrp, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap : (first ? first : 1);
	void *arr, *p;

	if (n < *cap)
		return 0;
	while (ncap <= n) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	/* The pointer is read and written as bytes: arrp may point to any
	 * object pointer type, all of which are represented alike here. */
	memcpy(&arr, arrp, sizeof(arr));
	/* Checked here, not left to reallocarray: a sanitizer's allocator
	 * reports an overflowing request as a bug instead of failing it. */
	if (elem && ncap > SIZE_MAX / elem)
		return -ENOMEM;
	p = realloc(arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	*cap = ncap;
	return 0;
}
