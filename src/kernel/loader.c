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

#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "dropmon.h"
#include "dropmon.skel.h"
#include "loader.h"
#include "privs.h"
#include "log.h"

/* A netfilter verdict probe: an instance of the object of its own, with
 * the maps of the main one, so that it can be loaded when its module is. */
struct nf_probe {
	struct dropmon_bpf *skel;
	enum loader_nf_state state;
	bool builtin; /* the function is in vmlinux, not a module */
};

/* The kernel's own "not supported", not in userspace headers. */
#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

struct loader {
	struct dropmon_bpf *skel;
	struct bpf_program *prog;
	struct loader_maps maps;
	uint32_t map_size;
	bool raw_tp;
	struct nf_probe nf[LOADER_NF_PROBES];
	bool nf_started; /* the first poll, at open, is done */
};

static const struct {
	const char *function;
	const char *module;
} nf_targets[LOADER_NF_PROBES] = {
	[LOADER_NF_NFT] = { "nft_do_chain", "nf_tables" },
	[LOADER_NF_IPT] = { "ipt_do_table", "ip_tables" },
	[LOADER_NF_IP6T] = { "ip6t_do_table", "ip6_tables" },
};

static int nf_setup(struct loader *l);

/* The programs of a probe: nftables' two, the others' one. */
static void nf_autoload(struct dropmon_bpf *skel, int which)
{
	bpf_program__set_autoload(skel->progs.nft_enter, which == LOADER_NF_NFT);
	bpf_program__set_autoload(skel->progs.nft_exit, which == LOADER_NF_NFT);
	bpf_program__set_autoload(skel->progs.ipt_verdict, which == LOADER_NF_IPT);
	bpf_program__set_autoload(skel->progs.ip6t_verdict, which == LOADER_NF_IP6T);
}

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
	nf_autoload(skel, -1);
	skel->rodata->nf_enabled = opts->netfilter;
	skel->rodata->nf_count_enabled = opts->netfilter && opts->netfilter_counts;
	err = bpf_map__set_max_entries(skel->maps.counters, opts->map_size);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.devices, opts->map_size);
	if (!err)
		err = set_events(skel, &opts->events);
	/* Unused without attribution: one entry, not 4096 preallocated. */
	if (!err && !(opts->netfilter && opts->netfilter_counts))
		err = bpf_map__set_max_entries(skel->maps.nf_counters, 1);
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
	l->maps.nf_counters =
	    opts->netfilter && opts->netfilter_counts ? bpf_map__fd(l->skel->maps.nf_counters) : -1;
	if (opts->netfilter) {
		err = nf_setup(l);
		if (err) {
			*stage = LOADER_STAGE_LOAD;
			goto cleanup;
		}
	}
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
	for (int i = 0; i < LOADER_NF_PROBES; i++)
		dropmon_bpf__destroy(l->nf[i].skel);
	dropmon_bpf__destroy(l->skel);
	free(l);
}

void loader_detach(struct loader *l)
{
	struct bpf_link **link =
	    l->raw_tp ? &l->skel->links.kfree_skb_raw : &l->skel->links.kfree_skb_btf;

	bpf_link__destroy(*link);
	*link = NULL;
	for (int i = 0; i < LOADER_NF_PROBES; i++) {
		if (l->nf[i].skel)
			dropmon_bpf__detach(l->nf[i].skel);
	}
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

/* Modifiers and typedefs skipped at most this many times: kernel BTF is
 * outside input, and a loop of them must not hang the start. */
#define BTF_HOPS_MAX 32

/* t with its modifiers and typedefs skipped; *type its id. NULL when there
 * are more than BTF_HOPS_MAX of them or an id is bad. */
static const struct btf_type *skip_mods(const struct btf *btf, __u32 *type)
{
	const struct btf_type *t = btf__type_by_id(btf, *type);

	for (int hops = 0; t && (btf_is_mod(t) || btf_is_typedef(t)); hops++) {
		if (hops == BTF_HOPS_MAX)
			return NULL;
		*type = t->type;
		t = btf__type_by_id(btf, *type);
	}
	return t;
}

/* The type id a pointer type points to (modifiers skipped, 0 for void), or
 * -1 when type is no pointer. */
static long pointee(const struct btf *btf, __u32 type)
{
	const struct btf_type *t = skip_mods(btf, &type);

	if (!t || !btf_is_ptr(t))
		return -1;
	type = t->type;
	if (type && !skip_mods(btf, &type))
		return -1;
	return (long)type;
}

/* ipt_do_table(priv, skb, state) since 5.19, (skb, state, table) before:
 * true when the first parameter is a void pointer. The BTF that has the
 * function is the module's, or vmlinux's when it is built in. */
static bool xt_priv_first(const struct nf_probe *p, enum loader_nf_probe which)
{
	struct btf *vmlinux = btf__load_vmlinux_btf(), *btf = vmlinux;
	bool priv_first = true;
	long id;

	if (!vmlinux)
		return true;
	if (!p->builtin)
		btf = btf__load_module_btf(nf_targets[which].module, vmlinux);
	id = btf ? btf__find_by_name_kind(btf, nf_targets[which].function, BTF_KIND_FUNC) : -1;
	if (id > 0) {
		const struct btf_type *fn = btf__type_by_id(btf, (__u32)id);
		const struct btf_type *proto = fn ? btf__type_by_id(btf, fn->type) : NULL;

		if (proto && btf_is_func_proto(proto) && btf_vlen(proto) >= 1)
			priv_first = pointee(btf, btf_params(proto)[0].type) == 0;
	}
	if (btf != vmlinux)
		btf__free(btf);
	btf__free(vmlinux);
	return priv_first;
}

/* Every map of the probe's instance is the main instance's, but its own
 * read-only data. */
static int nf_share_maps(struct loader *l, struct dropmon_bpf *skel)
{
	struct bpf_map *m;
	int err;

	bpf_object__for_each_map(m, skel->obj)
	{
		struct bpf_map *mine;

		if (bpf_map__is_internal(m))
			continue;
		mine = bpf_object__find_map_by_name(l->skel->obj, bpf_map__name(m));
		if (!mine)
			return -ENOENT;
		err = bpf_map__reuse_fd(m, bpf_map__fd(mine));
		if (err)
			return err;
	}
	return 0;
}

static int nf_attach(struct loader *l, enum loader_nf_probe which)
{
	struct nf_probe *p = &l->nf[which];
	struct dropmon_bpf *skel;
	int err;

	skel = dropmon_bpf__open();
	if (!skel)
		return -errno;
	nf_autoload(skel, which);
	bpf_program__set_autoload(skel->progs.kfree_skb_btf, false);
	bpf_program__set_autoload(skel->progs.kfree_skb_raw, false);
	err = nf_share_maps(l, skel);
	if (err)
		goto fail;
	if (which != LOADER_NF_NFT)
		skel->rodata->xt_priv_first = xt_priv_first(p, which);
	err = dropmon_bpf__load(skel);
	if (err)
		goto fail;
	/* Attaches what was loaded: this probe's programs. */
	err = dropmon_bpf__attach(skel);
	if (err)
		goto fail;
	p->skel = skel;
	return 0;
fail:
	dropmon_bpf__destroy(skel);
	return err;
}

static bool path_exists(const char *dir, const char *name)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

void loader_netfilter_poll(struct loader *l)
{
	for (int i = 0; i < LOADER_NF_PROBES; i++) {
		struct nf_probe *p = &l->nf[i];
		int err;

		if (p->state == LOADER_NF_ATTACHED)
			continue;
		if (p->state != LOADER_NF_ABSENT && p->state != LOADER_NF_NO_BTF)
			continue;
		if (!p->builtin && !path_exists("/sys/kernel/btf", nf_targets[i].module)) {
			enum loader_nf_state now = path_exists("/sys/module", nf_targets[i].module)
						       ? LOADER_NF_NO_BTF
						       : LOADER_NF_ABSENT;

			if (now == LOADER_NF_NO_BTF && p->state != now)
				pr_info("%s: module %s has no BTF; its drops are not attributed "
					"to a chain\n",
					nf_targets[i].function, nf_targets[i].module);
			p->state = now;
			continue;
		}
		err = nf_attach(l, (enum loader_nf_probe)i);
		if (err == -EPERM && l->nf_started) {
			/* Finding a module's BTF takes CAP_SYS_ADMIN, which
			 * serve does not keep. */
			pr_warn("%s was loaded after dropmon gave up its privileges: its drops are "
				"counted under no chain until dropmon is restarted\n",
				nf_targets[i].module);
			p->state = LOADER_NF_FAILED;
			continue;
		}
		if (err == -EPERM || err == -ENOTSUPP || err == -EOPNOTSUPP) {
			/* The kernel's, not the function's: none will attach.
			 * Said once, and not as a warning: collect asks for
			 * the probes on every kernel. */
			pr_info("this kernel does not allow BPF programs on function entry "
				"and exit (fentry/fexit on %s: %s): netfilter drops are counted "
				"but not attributed to a chain\n",
				nf_targets[i].function, strerror(-err));
			for (int j = 0; j < LOADER_NF_PROBES; j++)
				if (l->nf[j].state != LOADER_NF_ATTACHED)
					l->nf[j].state = LOADER_NF_FAILED;
			return;
		}
		if (err) {
			pr_warn("cannot attach to %s: %s; its drops are not attributed to a "
				"chain\n",
				nf_targets[i].function, strerror(-err));
			p->state = LOADER_NF_FAILED;
			continue;
		}
		pr_debug("attached to %s\n", nf_targets[i].function);
		p->state = LOADER_NF_ATTACHED;
	}
}

/* Which functions are built in is looked up once, in vmlinux's BTF; the
 * rest can only come with their module. The all-zero key of nf_counters
 * (drops that found it full), when there is one, is put in first. */
static int nf_setup(struct loader *l)
{
	struct btf *vmlinux;
	struct nf_key zero_key;
	size_t size = (size_t)libbpf_num_possible_cpus() * sizeof(struct drop_value);
	void *zero;
	int err = 0;

	if (l->maps.nf_counters >= 0) {
		zero = calloc(1, size);
		if (!zero)
			return -ENOMEM;
		memset(&zero_key, 0, sizeof(zero_key));
		if (bpf_map_update_elem(l->maps.nf_counters, &zero_key, zero, BPF_NOEXIST))
			err = -errno;
		free(zero);
		if (err)
			return err;
	}
	vmlinux = btf__load_vmlinux_btf();
	for (int i = 0; i < LOADER_NF_PROBES; i++) {
		l->nf[i].state = LOADER_NF_ABSENT;
		l->nf[i].builtin =
		    vmlinux &&
		    btf__find_by_name_kind(vmlinux, nf_targets[i].function, BTF_KIND_FUNC) > 0;
	}
	btf__free(vmlinux);
	loader_netfilter_poll(l);
	l->nf_started = true;
	return 0;
}

enum loader_nf_state loader_netfilter_state(const struct loader *l, enum loader_nf_probe p)
{
	return l->nf[p].state;
}

const char *loader_netfilter_function(enum loader_nf_probe p)
{
	return nf_targets[p].function;
}
