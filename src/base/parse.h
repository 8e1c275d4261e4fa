/* SPDX-License-Identifier: GPL-2.0-only */
/* Checked parsing of numbers from outside (flags, files, headers). */
#ifndef DROPMON_PARSE_H
#define DROPMON_PARSE_H

#include <stdint.h>

/* Whole decimal string in [min, max]; returns 0, -EINVAL or -ERANGE. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A duration such as "90", "90s", "5m", "2h"; result in seconds. */
int parse_duration(const char *s, uint64_t max_seconds, uint64_t *out);
/* The value of a hexadecimal digit (either case), or -1. */
int parse_hex_digit(int c);

#endif
