/* SPDX-License-Identifier: GPL-2.0-only */
/* Opens, loads and attaches the BPF object (tp_btf, raw_tp as fallback) and
 * hands out its maps; closing detaches everything. */
#ifndef DROPMON_LOADER_H
#define DROPMON_LOADER_H

#include <stdbool.h>
#include <stdint.h>

struct loader;

/* Sampled drop events, on top of the counters (which stay exact). */
struct loader_events {
	bool enabled;
	uint64_t rate;		/* events/s over all CPUs, split evenly; 0: no limit */
	uint64_t burst;		/* events a CPU may send at once after a quiet time */
	uint32_t ringbuf_bytes; /* a power of two, at least a page */
	uint32_t filter_netns;	/* 0: any */
	uint32_t filter_ifindex;
	bool filter_reason_on;
	uint32_t filter_reason;
};

/* --bpf.map-size's bound: 64 times the default, far more series than a
 * Prometheus should take from one exporter, and already about 216 MiB of
 * kernel memory on 2 CPUs (see loader_map_bytes). */
#define LOADER_MAP_SIZE_MAX (1u << 20)

struct loader_opts {
	uint32_t map_size; /* counter map entries, 1 to LOADER_MAP_SIZE_MAX */
	bool force_raw_tp; /* skip tp_btf (tests of the fallback) */
	/* Attribute NETFILTER_DROPs to the table and chain of their verdict:
	 * probes on nft_do_chain, ipt_do_table, ip6t_do_table (fexit), each
	 * attached once its module is loaded (loader_netfilter_poll()). */
	bool netfilter;
	/* With netfilter: also count them by chain (loader_maps.nf_counters). */
	bool netfilter_counts;
	struct loader_events events;
};

/* Where loading failed, so main() can name the cause and the fix. */
enum loader_stage {
	LOADER_STAGE_NONE,
	LOADER_STAGE_BTF,    /* no /sys/kernel/btf/vmlinux */
	LOADER_STAGE_OPEN,   /* libbpf could not open the embedded object */
	LOADER_STAGE_LOAD,   /* the kernel refused a map or the program */
	LOADER_STAGE_ATTACH, /* the tracepoint could not be attached */
};

struct loader_maps {
	int counters;
	int last_key;
	int overflow;
	int devices;
	int stats;
	int events;	 /* the ring buffer */
	int nf_counters; /* -1 without loader_opts.netfilter_counts */
};

/* The netfilter verdict probes, and where each stands. */
enum loader_nf_probe {
	LOADER_NF_NFT,	/* nft_do_chain, nf_tables */
	LOADER_NF_IPT,	/* ipt_do_table, ip_tables */
	LOADER_NF_IP6T, /* ip6t_do_table, ip6_tables */
	LOADER_NF_PROBES,
};

enum loader_nf_state {
	LOADER_NF_OFF,	    /* netfilter attribution not asked for */
	LOADER_NF_ABSENT,   /* its module is not loaded (yet) */
	LOADER_NF_ATTACHED, /* its drops are attributed */
	LOADER_NF_NO_BTF,   /* the module has no BTF: fexit cannot attach */
	LOADER_NF_FAILED,   /* the kernel refused it (logged); not tried again */
};

struct loader_prog_stats {
	uint64_t run_cnt; /* 0 unless kernel.bpf_stats_enabled */
	uint64_t run_time_ns;
	uint64_t recursion_misses; /* runs skipped because it was already running on the CPU */
};

/* Returns 0 or a negative errno; on failure *stage says where. */
int loader_open(const struct loader_opts *opts, struct loader **out, enum loader_stage *stage);
/* True when this process holds what loading and attaching needs: CAP_BPF
 * and CAP_PERFMON, or CAP_SYS_ADMIN (effective set of /proc/self/status).
 * A permission error despite them is the verifier's or a lockdown's. */
bool loader_has_caps(void);
void loader_close(struct loader *l); /* detaches; accepts NULL */
/* Detaches the program and keeps the maps: what it counted and sent stays
 * readable, and nothing more arrives. */
void loader_detach(struct loader *l);
/* One bpf() command on a map the process already holds: 0, or -EPERM on
 * kernels that check CAP_BPF on every command (before 5.19, with
 * kernel.unprivileged_bpf_disabled set) when the capability is gone. */
int loader_probe_maps(const struct loader *l);
const struct loader_maps *loader_maps(const struct loader *l);
const char *loader_attach_mode(const struct loader *l); /* "tp_btf" or "raw_tp" */
uint32_t loader_map_size(const struct loader *l);
/* The kernel memory the counter and device maps take with map_size entries
 * each on this machine, as the kernel accounts it (fdinfo's memlock): both
 * are preallocated, and the counters hold a value per possible CPU. 0 when
 * the CPUs cannot be counted. */
uint64_t loader_map_bytes(uint32_t map_size);
int loader_possible_cpus(void); /* > 0, or a negative errno */
int loader_prog_stats(const struct loader *l, struct loader_prog_stats *out);
/* Attaches each netfilter probe whose function has appeared since (its
 * module was loaded): a few stat() calls when nothing changed, so it can
 * run every few seconds. loader_netfilter_state() says how each went. */
void loader_netfilter_poll(struct loader *l);
enum loader_nf_state loader_netfilter_state(const struct loader *l, enum loader_nf_probe p);
const char *loader_netfilter_function(enum loader_nf_probe p); /* "nft_do_chain", ... */

#endif
