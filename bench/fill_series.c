// SPDX-License-Identifier: GPL-2.0-only
/* fill_series: adds N synthetic keys to the counter map of a running
 * `dropmon serve`, so that a scrape of that many series can be timed on the
 * real daemon. Locations are real kernel text addresses, as in production. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dropmon.h"
#include "parse.h"

/* The newest map of that name with our key and value sizes. */
static int find_map(const char *name, __u32 key_size, __u32 value_size)
{
	__u32 id = 0, best = 0;

	while (bpf_map_get_next_id(id, &id) == 0) {
		struct bpf_map_info info;
		__u32 len = sizeof(info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && strcmp(info.name, name) == 0 &&
		    info.key_size == key_size && info.value_size == value_size)
			best = id;
		close(fd);
	}
	return best ? bpf_map_get_fd_by_id(best) : -ENOENT;
}

/* Addresses of up to max text symbols of vmlinux, spread over the table. */
static size_t text_addresses(__u64 *out, size_t max)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], type, name[256];
	unsigned long long addr;
	size_t n = 0, seen = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if ((type != 't' && type != 'T') || strchr(line, '[') || !addr)
			continue;
		if (seen++ % 7 == 0)
			out[n++] = addr + 0x10;
	}
	fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	uint64_t count, first = 0;
	int ncpus = libbpf_num_possible_cpus(), fd, devfd;
	struct drop_value *values;
	__u64 *addrs;
	size_t naddrs;

	if (argc < 2 || argc > 3 || parse_u64(argv[1], 1, 1u << 24, &count) ||
	    (argc == 3 && parse_u64(argv[2], 0, 1u << 24, &first))) {
		fprintf(stderr, "Usage: fill_series N [FIRST]   (needs a running dropmon serve)\n"
				"Adds keys FIRST..FIRST+N-1 (FIRST defaults to 0).\n");
		return 2;
	}
	fd = find_map("counters", sizeof(struct drop_key), sizeof(struct drop_value));
	devfd = find_map("devices", sizeof(struct dev_key), sizeof(struct dev_info));
	if (fd < 0 || devfd < 0) {
		fprintf(stderr, "fill_series: no dropmon counter map found: is dropmon running?\n");
		return 1;
	}
	values = calloc((size_t)ncpus, sizeof(*values));
	addrs = calloc(first + count, sizeof(*addrs));
	if (!values || !addrs)
		return 1;
	naddrs = text_addresses(addrs, first + count);
	if (!naddrs) {
		fprintf(stderr, "fill_series: cannot read kernel addresses from /proc/kallsyms\n");
		return 1;
	}
	for (uint64_t i = first; i < first + count; i++) {
		struct drop_key key = {
			.location = addrs[i % naddrs],
			.reason = 2 + (__u32)(i % 50),
			.ifindex = 1 + (__u32)(i % 8),
			.netns = 4026531840u, /* as if all in one netns */
		};

		for (int c = 0; c < ncpus; c++) {
			values[c].packets = i + (__u64)c;
			values[c].bytes = (i + (__u64)c) * 60;
		}
		/* As the BPF program does when it creates a key. */
		struct dev_key dk = { .netns = key.netns, .ifindex = key.ifindex };
		struct dev_info di = {};

		snprintf(di.name, sizeof(di.name), "bench%u", key.ifindex);
		if (bpf_map_update_elem(devfd, &dk, &di, BPF_ANY) ||
		    bpf_map_update_elem(fd, &key, values, BPF_ANY)) {
			fprintf(stderr, "fill_series: update %llu: %s\n", (unsigned long long)i,
				strerror(errno));
			return 1;
		}
	}
	printf("added %llu series\n", (unsigned long long)count);
	free(addrs);
	free(values);
	close(devfd);
	close(fd);
	return 0;
}
