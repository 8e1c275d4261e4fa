// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: what collect --netfilter-rules reads from outside.
 * The first byte picks the parser, the rest is its input:
 *   0  a buffer of netlink messages from the nftables trace, walked as
 *      nftrace.c walks a recv() (nftrace_handle_buf),
 *      then taken by an event whose packet is the buffer's last 64 bytes
 *   1  the output of `nft list tables` (nftables_parse_tables)
 *   2  the output of `nft -a list chain`, the handle its first 8 bytes
 *      (nftables_find_rule)
 * A verdict taken must have terminated names without control characters. */
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nftables.h"
#include "nftrace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
	fprintf(stderr, "fuzz_nftrace: %s\n", what);
	abort();
}

static void check_name(const char *s)
{
	size_t n = strnlen(s, NFTRACE_NAMSIZ);

	if (n == NFTRACE_NAMSIZ)
		die("a name without its NUL");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			die("a control character in a name");
}

static struct nftrace *trace(void)
{
	static struct nftrace *t;
	char path[64];
	int holder;

	if (t)
		return t;
	snprintf(path, sizeof(path), "/tmp/fuzz_nftrace.%d.lock", (int)getpid());
	if (nftrace_open(path, &t, &holder))
		die("nftrace_open");
	return t;
}

static void messages(const uint8_t *data, size_t size)
{
	struct nftrace *t = trace();
	struct nftrace_verdict v;
	/* Aligned, as recv() into malloc'd memory is. */
	void *buf = malloc(size ? size : 1);

	if (!buf)
		die("malloc");
	memcpy(buf, data, size);
	nftrace_handle_buf(t, 7, buf, size);
	if (size >= 64 && nftrace_take(t, 7, data + size - 64, 64, &v) == 0) {
		check_name(v.table);
		check_name(v.chain);
		if (v.nh_len > NFTRACE_NH || v.th_len > NFTRACE_TH)
			die("a header longer than kept");
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[128];
	bool it, other;
	uint64_t handle = 0;
	char *copy;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		messages(data + 1, size - 1);
		break;
	case 1:
		copy = malloc(size - 1 ? size - 1 : 1);
		if (!copy)
			die("malloc");
		memcpy(copy, data + 1, size - 1);
		nftables_parse_tables(copy, size - 1, "inet", "dropmon_trace", &it, &other);
		free(copy);
		break;
	default:
		if (size < 9)
			return 0;
		memcpy(&handle, data + 1, 8);
		copy = malloc(size - 9 ? size - 9 : 1);
		if (!copy)
			die("malloc");
		memcpy(copy, data + 9, size - 9);
		if (nftables_find_rule(copy, size - 9, handle, out, sizeof(out)) == 0) {
			if (strnlen(out, sizeof(out)) == sizeof(out))
				die("a rule text without its NUL");
			for (size_t i = 0; out[i]; i++)
				if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
					die("a control character in a rule text");
		}
		free(copy);
		break;
	}
	return 0;
}
