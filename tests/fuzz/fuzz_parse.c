// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: the number parsers of src/base/parse.c, each checked
 * against a plain reference (digits only, overflow by hand). The input's
 * first byte picks the limits from those the flags use (or bytes 1-16 as
 * raw min and max); the rest, up to a NUL, is the string. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t limits[][2] = {
	{ 0, UINT64_MAX }, { 1, UINT64_MAX }, { 0, UINT32_MAX }, { 1, 65535 },
	{ 0, 100 },	   { 1, 86400 },      { 0, 0 },		 { UINT64_MAX, UINT64_MAX },
};
#define NLIMITS (sizeof(limits) / sizeof(limits[0]))

static void die(const char *what, const char *s)
{
	fprintf(stderr, "fuzz_parse: %s: \"%s\"\n", what, s);
	abort();
}

/* The leading digits of s as a number: 0 with *n digits, -ERANGE above
 * UINT64_MAX, -EINVAL without a digit. */
static int ref_digits(const char *s, uint64_t *v, size_t *n)
{
	bool over = false;

	*v = 0;
	for (*n = 0; s[*n] >= '0' && s[*n] <= '9'; (*n)++) {
		unsigned d = (unsigned)(s[*n] - '0');

		if (*v > (UINT64_MAX - d) / 10)
			over = true;
		else
			*v = *v * 10 + d;
	}
	if (!*n)
		return -EINVAL;
	return over ? -ERANGE : 0;
}

static int ref_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	size_t n;
	uint64_t v;
	int err = ref_digits(s, &v, &n);

	if (err)
		return err;
	if (s[n])
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int ref_duration(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v, mult;
	size_t n;
	int err = ref_digits(s, &v, &n);

	if (err)
		return err;
	if (!strcmp(s + n, "") || !strcmp(s + n, "s"))
		mult = 1;
	else if (!strcmp(s + n, "m"))
		mult = 60;
	else if (!strcmp(s + n, "h"))
		mult = 3600;
	else
		return -EINVAL;
	if (v > max / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t min, max, got = 0, ref = 0;
	size_t skip = 1;
	char *s;
	int a, b;

	if (size < 1)
		return 0;
	if (data[0] < NLIMITS) {
		min = limits[data[0]][0];
		max = limits[data[0]][1];
	} else if (size >= 17) {
		memcpy(&min, data + 1, sizeof(min));
		memcpy(&max, data + 9, sizeof(max));
		skip = 17;
	} else {
		return 0;
	}
	s = malloc(size - skip + 1);
	if (!s)
		return 0;
	memcpy(s, data + skip, size - skip);
	s[size - skip] = '\0';

	a = parse_u64(s, min, max, &got);
	b = ref_u64(s, min, max, &ref);
	/* The reference reads a number too long for 64 bits as out of range
	 * before it looks at what follows; parse_u64 (strtoull) as well. */
	if (a != b || (a == 0 && got != ref))
		die("parse_u64 differs from the reference", s);
	a = parse_duration(s, max, &got);
	b = ref_duration(s, max, &ref);
	if (a != b || (a == 0 && got != ref))
		die("parse_duration differs from the reference", s);
	for (size_t i = 0; s[i]; i++) {
		int h = parse_hex_digit((unsigned char)s[i]);
		const char *hex = "0123456789abcdef0123456789ABCDEF";
		const char *at = strchr(hex, s[i]);

		if (at ? h != (int)((at - hex) % 16) : h != -1)
			die("parse_hex_digit is wrong", s);
	}
	free(s);
	return 0;
}
