/* SPDX-License-Identifier: GPL-2.0-only */
/* Seconds on CLOCK_MONOTONIC, for deadlines and intervals. */
#ifndef DROPMON_MONOTONIC_H
#define DROPMON_MONOTONIC_H

#include <time.h>

static inline double monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
