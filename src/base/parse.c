// SPDX-License-Identifier: GPL-2.0-only
/* Checked parsing of numbers from outside: strtoull + errno + range checks. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* The decimal number s starts with (a digit first: no sign, no space);
 * *end is after it. 0, -EINVAL or -ERANGE. */
static int leading_u64(const char *s, unsigned long long *v, char **end)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno == ERANGE ? -ERANGE : 0;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int err = leading_u64(s, &v, &end);

	if (err)
		return err;
	if (*end != '\0')
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_duration(const char *s, uint64_t max_seconds, uint64_t *out)
{
	unsigned long long v, mult = 1;
	char *end;
	int err = leading_u64(s, &v, &end);

	if (err)
		return err;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60;
	else if (strcmp(end, "h") == 0)
		mult = 3600;
	else
		return -EINVAL;
	if (v > max_seconds / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int parse_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
