// SPDX-License-Identifier: GPL-2.0-only
/* Counts every packet the kernel frees as dropped, per (reason, ifindex,
 * netns, location), on the skb:kfree_skb tracepoint. This is the hot path:
 * no stack unwinding, and no helper call at all while the key repeats. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#include "dropmon.h"

char LICENSE[] SEC("license") = "GPL";

#define barrier() asm volatile("" ::: "memory")
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

/* Preallocated (no BPF_F_NO_PREALLOC): an insert never allocates, and a full
 * map fails the insert instead of evicting (an LRU would lose counts).
 * max_entries is set from --bpf.map-size before load. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct drop_key);
	__type(value, struct drop_value);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct drop_slot);
} last_key SEC(".maps");

/* Drops whose key found the counter map full, per reason: totals stay exact. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DROPMON_OVERFLOW_ENTRIES);
	__type(key, __u32);
	__type(value, struct drop_value);
} overflow SEC(".maps");

/* Written only when a counter key is created: a rare path. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dev_key);
	__type(value, struct dev_info);
} devices SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROPMON_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += n;
}

static __always_inline void count_overflow(__u32 reason, __u32 len)
{
	struct drop_value zero = {}, *v;

	v = bpf_map_lookup_elem(&overflow, &reason);
	if (!v) {
		bpf_map_update_elem(&overflow, &reason, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&overflow, &reason);
		if (!v) {
			stat_add(DROPMON_STAT_OVERFLOW_FULL, 1);
			return;
		}
	}
	v->packets++;
	v->bytes += len;
	stat_add(DROPMON_STAT_MAP_FULL, 1);
}

static __always_inline void record_device(const struct drop_key *key, struct net_device *dev)
{
	struct dev_key dk = { .netns = key->netns, .ifindex = key->ifindex };
	struct dev_info di = {};

	if (!dev)
		return;
	if (bpf_probe_read_kernel_str(di.name, sizeof(di.name), dev->name) < 0)
		return;
	bpf_map_update_elem(&devices, &dk, &di, BPF_ANY);
}

/* The key changed on this CPU: write the cached key's total back, then cache
 * the new key with the total it already has in the hash. See struct
 * drop_slot for why this order and these sequence numbers. */
static __noinline void slot_switch(struct drop_slot *s, const struct drop_key *key, __u32 len,
				   struct net_device *dev)
{
	struct drop_value zero = {}, *v;
	__u64 seq = s->seq_begin + 1;

	WRITE_ONCE(s->seq_begin, seq);
	barrier();
	if (s->key.location) {
		v = bpf_map_lookup_elem(&counters, &s->key);
		/* Missing only when userspace removed the series of a netns
		 * that is gone: nothing new can be counted there. */
		if (v) {
			v->packets = s->total.packets;
			v->bytes = s->total.bytes;
		}
	}

	v = bpf_map_lookup_elem(&counters, key);
	if (!v) {
		/* EEXIST: another CPU inserted it meanwhile; the lookup finds it. */
		if (bpf_map_update_elem(&counters, key, &zero, BPF_NOEXIST) == 0)
			record_device(key, dev);
		v = bpf_map_lookup_elem(&counters, key);
	}
	if (v) {
		s->key = *key;
		s->total.packets = v->packets + 1;
		s->total.bytes = v->bytes + len;
	} else {
		__builtin_memset(&s->key, 0, sizeof(s->key));
		s->total.packets = 0;
		s->total.bytes = 0;
		count_overflow(key->reason, len);
	}
	barrier();
	WRITE_ONCE(s->seq_end, seq);
}

static __always_inline int count_drop(const struct drop_key *key, __u32 len, struct net_device *dev)
{
	__u32 zero = 0;
	struct drop_slot *s = bpf_map_lookup_elem(&last_key, &zero);

	if (!s)
		return 0;
	if (s->key.location == key->location && s->key.reason == key->reason &&
	    s->key.ifindex == key->ifindex && s->key.netns == key->netns) {
		s->total.packets++;
		s->total.bytes += len;
		return 0;
	}
	slot_switch(s, key, len, dev);
	return 0;
}

/* Kernels before 5.17 have neither the reason argument nor the enum: reading
 * ctx[2] there would fail verification, so the read is compiled out by CO-RE
 * and userspace names reason 0 NOT_SPECIFIED (it finds no enum either). */
static __always_inline __u32 read_reason(__u64 *ctx)
{
	if (!bpf_core_type_exists(enum skb_drop_reason))
		return 0;
	return (__u32)ctx[2];
}

/* On kernels where freeing a consumed skb still fires this tracepoint, the
 * reason says so: that is not a drop. */
static __always_inline bool is_consumed(__u32 reason)
{
	if (!bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED))
		return false;
	return reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED);
}

/* tp_btf: the arguments are typed, so fields are plain loads (no helper). */
SEC("tp_btf/kfree_skb")
int kfree_skb_btf(__u64 *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx[0];
	struct drop_key key = {};
	struct net_device *dev;
	struct sock *sk;

	key.reason = read_reason(ctx);
	if (is_consumed(key.reason))
		return 0;
	key.location = ctx[1];
	dev = skb->dev;
	if (dev) {
		key.ifindex = dev->ifindex;
		key.netns = dev->nd_net.net->ns.inum;
	} else {
		key.ifindex = skb->skb_iif;
		sk = skb->sk;
		if (sk)
			key.netns = sk->__sk_common.skc_net.net->ns.inum;
	}
	return count_drop(&key, skb->len, dev);
}

/* Fallback where BTF trampolines are missing: the same with probe reads. */
SEC("raw_tp/kfree_skb")
int kfree_skb_raw(__u64 *ctx)
{
	struct sk_buff *skb = (struct sk_buff *)ctx[0];
	struct drop_key key = {};
	struct net_device *dev;
	struct sock *sk;

	key.reason = read_reason(ctx);
	if (is_consumed(key.reason))
		return 0;
	key.location = ctx[1];
	dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		key.ifindex = BPF_CORE_READ(dev, ifindex);
		key.netns = BPF_CORE_READ(dev, nd_net.net, ns.inum);
	} else {
		key.ifindex = BPF_CORE_READ(skb, skb_iif);
		sk = BPF_CORE_READ(skb, sk);
		if (sk)
			key.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	}
	return count_drop(&key, BPF_CORE_READ(skb, len), dev);
}
