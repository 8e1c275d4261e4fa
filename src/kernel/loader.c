// SPDX-License-Identifier: GPL-2.0-only
/* Opens, loads and attaches the BPF object. tp_btf is probed first (direct
 * field loads, cheapest dispatch); raw_tp is the fallback for kernels
 * without BTF trampolines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dropmon.skel.h"
#include "loader.h"
#include "privs.h"
#include "log.h"

struct loader {
	struct dropmon_bpf *skel;
	struct bpf_program *prog;
	struct loader_maps maps;
	uint32_t map_size;
	bool raw_tp;
};

/* libbpf is chatty while a feature is probed; its messages only matter when
 * asked for, and our own errors say what failed. fmt is libbpf's printf
 * format (its callback type does not say so). */
__attribute__((format(printf, 2, 0))) static int libbpf_print(enum libbpf_print_level level,
							      const char *fmt, va_list ap)
{
	if (log_get_level() < LOG_DEBUG || level == LIBBPF_DEBUG)
		return 0;
	fputs("dropmon: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/* The event settings are read-only data of the program: with events off
 * the verifier drops the event path altogether. */
static int set_events(struct dropmon_bpf *skel, const struct loader_events *ev)
{
	long page = sysconf(_SC_PAGESIZE);
	int ncpus = libbpf_num_possible_cpus();
	uint32_t size = ev->enabled ? ev->ringbuf_bytes : (uint32_t)page;

	if (ncpus <= 0 || page <= 0)
		return -EINVAL;
	if (size < (uint32_t)page || (size & (size - 1)))
		return -EINVAL;
	skel->rodata->events_enabled = ev->enabled;
	if (ev->enabled && ev->rate) {
		/* Each CPU gets rate / ncpus events/s: its bucket refills at
		 * one event per cost_ns and holds at most `burst` of them. */
		uint64_t cost = 1000000000ull * (uint64_t)ncpus / ev->rate;

		skel->rodata->events_cost_ns = cost ? cost : 1;
		skel->rodata->events_burst_ns =
		    skel->rodata->events_cost_ns * (ev->burst ? ev->burst : 1);
	}
	skel->rodata->filter_netns = ev->filter_netns;
	skel->rodata->filter_ifindex = ev->filter_ifindex;
	skel->rodata->filter_reason_on = ev->filter_reason_on;
	skel->rodata->filter_reason = ev->filter_reason;
	return bpf_map__set_max_entries(skel->maps.events, size);
}

static int try_load(struct loader *l, const struct loader_opts *opts, bool raw_tp,
		    enum loader_stage *stage)
{
	struct dropmon_bpf *skel;
	int err;

	skel = dropmon_bpf__open();
	if (!skel) {
		*stage = LOADER_STAGE_OPEN;
		return -errno;
	}
	bpf_program__set_autoload(skel->progs.kfree_skb_btf, !raw_tp);
	bpf_program__set_autoload(skel->progs.kfree_skb_raw, raw_tp);
	err = bpf_map__set_max_entries(skel->maps.counters, opts->map_size);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.devices, opts->map_size);
	if (!err)
		err = set_events(skel, &opts->events);
	if (err) {
		*stage = LOADER_STAGE_OPEN;
		goto cleanup;
	}
	err = dropmon_bpf__load(skel);
	if (err) {
		*stage = LOADER_STAGE_LOAD;
		goto cleanup;
	}
	l->skel = skel;
	l->raw_tp = raw_tp;
	l->prog = raw_tp ? skel->progs.kfree_skb_raw : skel->progs.kfree_skb_btf;
	return 0;
cleanup:
	dropmon_bpf__destroy(skel);
	return err;
}

bool loader_has_caps(void)
{
	enum { CAP_SYS_ADMIN_BIT = 21, CAP_PERFMON_BIT = 38, CAP_BPF_BIT = 39 };
	uint64_t eff = privs_effective();

	return (eff >> CAP_SYS_ADMIN_BIT & 1) ||
	       ((eff >> CAP_BPF_BIT & 1) && (eff >> CAP_PERFMON_BIT & 1));
}

int loader_open(const struct loader_opts *opts, struct loader **out, enum loader_stage *stage)
{
	struct loader *l = NULL;
	struct bpf_link *link;
	int err;

	*stage = LOADER_STAGE_NONE;
	libbpf_set_print(libbpf_print);
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		err = -errno;
		*stage = LOADER_STAGE_BTF;
		return err;
	}
	if (opts->map_size < 1 || opts->map_size > LOADER_MAP_SIZE_MAX)
		return -E2BIG;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->map_size = opts->map_size;

	err = opts->force_raw_tp ? -EOPNOTSUPP : try_load(l, opts, false, stage);
	/* Without the capabilities a permission error is not a missing
	 * feature: raw_tp would fail too. With them, EACCES is the verifier
	 * refusing the tp_btf program, and the raw_tp one may pass. */
	if (err && ((err != -EPERM && err != -EACCES) || loader_has_caps())) {
		if (!opts->force_raw_tp)
			pr_info("tp_btf unavailable (%s), falling back to raw_tp\n",
				strerror(-err));
		err = try_load(l, opts, true, stage);
	}
	if (err)
		goto cleanup;

	link = bpf_program__attach(l->prog);
	if (!link) {
		err = -errno;
		*stage = LOADER_STAGE_ATTACH;
		goto cleanup;
	}
	if (l->raw_tp)
		l->skel->links.kfree_skb_raw = link;
	else
		l->skel->links.kfree_skb_btf = link;

	l->maps.counters = bpf_map__fd(l->skel->maps.counters);
	l->maps.last_key = bpf_map__fd(l->skel->maps.last_key);
	l->maps.overflow = bpf_map__fd(l->skel->maps.overflow);
	l->maps.devices = bpf_map__fd(l->skel->maps.devices);
	l->maps.stats = bpf_map__fd(l->skel->maps.stats);
	l->maps.events = bpf_map__fd(l->skel->maps.events);
	*out = l;
	return 0;
cleanup:
	loader_close(l);
	return err;
}

void loader_close(struct loader *l)
{
	if (!l)
		return;
	dropmon_bpf__destroy(l->skel);
	free(l);
}

void loader_detach(struct loader *l)
{
	struct bpf_link **link =
	    l->raw_tp ? &l->skel->links.kfree_skb_raw : &l->skel->links.kfree_skb_btf;

	bpf_link__destroy(*link);
	*link = NULL;
}

int loader_probe_maps(const struct loader *l)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(l->maps.counters, &info, &len) ? -errno : 0;
}

const struct loader_maps *loader_maps(const struct loader *l)
{
	return &l->maps;
}

const char *loader_attach_mode(const struct loader *l)
{
	return l->raw_tp ? "raw_tp" : "tp_btf";
}

/* Per entry, measured on 6.1 and 6.18 (fdinfo memlock / max_entries): the
 * per-CPU hash's element (header, 24-byte key, pointer to the values) and
 * bucket, 96 bytes, plus its 16-byte value on each possible CPU; the device
 * hash's element and bucket, 88 bytes. */
#define COUNTER_ENTRY_BYTES 96
#define COUNTER_VALUE_BYTES 16
#define DEVICE_ENTRY_BYTES 88

int loader_possible_cpus(void)
{
	return libbpf_num_possible_cpus();
}

uint64_t loader_map_bytes(uint32_t map_size)
{
	int ncpus = libbpf_num_possible_cpus();

	if (ncpus <= 0)
		return 0;
	return (uint64_t)map_size *
	       (COUNTER_ENTRY_BYTES + DEVICE_ENTRY_BYTES + COUNTER_VALUE_BYTES * (uint64_t)ncpus);
}

uint32_t loader_map_size(const struct loader *l)
{
	return l->map_size;
}

int loader_prog_stats(const struct loader *l, struct loader_prog_stats *out)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(bpf_program__fd(l->prog), &info, &len))
		return -errno;
	out->run_cnt = info.run_cnt;
	out->run_time_ns = info.run_time_ns;
	out->recursion_misses = info.recursion_misses;
	return 0;
}
