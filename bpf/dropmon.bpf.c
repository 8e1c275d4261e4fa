// SPDX-License-Identifier: GPL-2.0-only
/* Counts every packet the kernel frees as dropped, per (reason, ifindex,
 * netns, location), on the skb:kfree_skb tracepoint. This is the hot path:
 * no stack unwinding, and no helper call at all while the key repeats. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
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

/* Netfilter attribution (see struct nf_stash): the verdict probes are in
 * their own instances of this object, loaded when their module is, with
 * these maps shared. */
const volatile bool nf_enabled = false;
/* And count them in nf_counters (serve; collect only wants the events'). */
const volatile bool nf_count_enabled = false;
/* ipt_do_table and ip6t_do_table take (priv, skb, state) since 5.19 and
 * (skb, state, table) before: set from the kernel's BTF. */
const volatile bool xt_priv_first = true;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DROPMON_NF_STASH_SLOTS);
	__type(key, __u32);
	__type(value, struct nf_stash);
} nf_stash SEC(".maps");

/* Userspace puts the all-zero key in at load: where drops go when the map
 * is full, so the total stays exact. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, DROPMON_NF_MAP_ENTRIES);
	__type(key, struct nf_key);
	__type(value, struct drop_value);
} nf_counters SEC(".maps");

/* Sampled events (dropmon collect, serve --web.enable-debug). Set before
 * load; with events_enabled false the verifier removes the whole path, so
 * counting alone pays nothing for it. */
const volatile bool events_enabled = false;
/* Token bucket per CPU, in nanoseconds of budget: an event costs
 * events_cost_ns (NSEC_PER_SEC / events per second per CPU; 0: no limit),
 * the bucket holds events_burst_ns. */
const volatile __u64 events_cost_ns = 0;
const volatile __u64 events_burst_ns = 0;
/* Filters applied before the budget is spent; 0 / false: any. */
const volatile __u32 filter_netns = 0;
const volatile __u32 filter_ifindex = 0;
const volatile bool filter_reason_on = false;
const volatile __u32 filter_reason = 0;

/* max_entries set before load: a page when events are off. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct event_bucket {
	__u64 tokens_ns;
	__u64 last_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event_bucket);
} buckets SEC(".maps");

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
	struct dev_key dk = { .netns_id = key->netns_id,
			      .netns = key->netns,
			      .ifindex = key->ifindex };
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
	    s->key.ifindex == key->ifindex && s->key.netns == key->netns &&
	    s->key.netns_id == key->netns_id) {
		s->total.packets++;
		s->total.bytes += len;
		return 0;
	}
	slot_switch(s, key, len, dev);
	return 0;
}

static __always_inline bool bucket_take(__u64 now)
{
	__u32 zero = 0;
	struct event_bucket *b;
	__u64 tokens;

	if (!events_cost_ns)
		return true;
	b = bpf_map_lookup_elem(&buckets, &zero);
	if (!b)
		return false;
	/* Starts full; per CPU, so no other CPU races on it. */
	tokens = b->last_ns ? b->tokens_ns + (now - b->last_ns) : events_burst_ns;
	if (tokens > events_burst_ns)
		tokens = events_burst_ns;
	b->last_ns = now;
	if (tokens < events_cost_ns) {
		b->tokens_ns = tokens;
		return false;
	}
	b->tokens_ns = tokens - events_cost_ns;
	return true;
}

/* Up to DROPMON_PKT_BYTES of the packet from its MAC header (an Ethernet
 * one) or else its network header, never past the linear data (skb->tail):
 * fragments and unset headers are not followed. */
static __always_inline void copy_packet(struct drop_event *ev, struct sk_buff *skb,
					struct net_device *dev)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 mac = BPF_CORE_READ(skb, mac_header);
	__u16 net = BPF_CORE_READ(skb, network_header);
	__u32 tail = BPF_CORE_READ(skb, tail);
	unsigned char *data = BPF_CORE_READ(skb, data);
	__u16 type = dev ? BPF_CORE_READ(dev, type) : 0;
	__s64 frame;
	__u32 start, n;

	/* ~0 is "not set"; Ethernet and loopback carry a 14-byte Ethernet
	 * header, anything else is taken from the network header. */
	if (mac != (__u16)~0U && net != (__u16)~0U && net >= mac + 14 &&
	    (type == 1 /* ARPHRD_ETHER */ || type == 772 /* ARPHRD_LOOPBACK */)) {
		start = mac;
		ev->flags |= DROP_EVENT_MAC;
	} else if (net != (__u16)~0U) {
		start = net;
	} else {
		return;
	}
	if (!head || start >= tail)
		return;
	n = tail - start;
	if (n > DROPMON_PKT_BYTES)
		n = DROPMON_PKT_BYTES;
	if (bpf_probe_read_kernel(ev->data, n, head + start) != 0)
		return;
	ev->caplen = n;
	frame = (__s64)ev->len + (data - head) - (__s64)start;
	ev->frame_len = frame > n ? (__u32)frame : n;
}

/* The slot of an skb in this CPU's stash: sk_buffs are 256-byte aligned
 * slab objects, so the bits above 8 tell them apart. */
static __always_inline __u32 nf_slot(__u64 skb)
{
	return (__u32)((skb >> 8) ^ (skb >> 12)) & (DROPMON_NF_STASH_SLOTS - 1);
}

static __always_inline __u64 read_ptr(__u64 base, __u16 off)
{
	__u64 v = 0;

	if (bpf_probe_read_kernel(&v, sizeof(v), (void *)(base + off)) < 0)
		return 0;
	return v;
}

/* nftables: the names of the base chain and its table, with the layout the
 * entry probe wrote (see struct nf_stash). */
static __noinline void nft_names(struct nf_stash *s)
{
	__u64 table = read_ptr(s->chain_ptr, s->off_chain_table), v = 0;

	s->table[0] = '\0';
	s->chain[0] = '\0';
	s->family = 0;
	s->hook = 0;
	if (bpf_probe_read_kernel_str(s->chain, sizeof(s->chain),
				      (void *)read_ptr(s->chain_ptr, s->off_chain_name)) < 0)
		s->chain[0] = '\0';
	bpf_probe_read_kernel(&s->hook, 1, (void *)(s->state_ptr + s->off_state_hook));
	s->chain_ptr = 0;
	if (!table)
		return;
	if (bpf_probe_read_kernel_str(s->table, sizeof(s->table),
				      (void *)read_ptr(table, s->off_table_name)) < 0)
		s->table[0] = '\0';
	/* Eight bytes whatever the storage's size: the shifts take the
	 * field's bits out of a u64 loaded from its first byte, and drop the
	 * rest (little-endian; the verifier cannot bound a size kept here). */
	if (bpf_probe_read_kernel(&v, sizeof(v), (void *)(table + s->off_table_family)) < 0)
		return;
	if (s->family_lshift < 64 && s->family_rshift < 64) {
		v <<= s->family_lshift;
		v >>= s->family_rshift;
	}
	s->family = (__u8)v;
}

/* The verdict stashed for this skb on this CPU, or NULL. Its names are
 * read by nf_named(), only where they are wanted. */
static __always_inline struct nf_stash *nf_find(struct sk_buff *skb)
{
	__u32 idx = nf_slot((__u64)skb);
	struct nf_stash *s = bpf_map_lookup_elem(&nf_stash, &idx);

	return s && s->skb == (__u64)skb ? s : NULL;
}

static __always_inline void nf_named(struct nf_stash *s)
{
	if (s && s->kind == DROPMON_NF_NFTABLES && s->chain_ptr)
		nft_names(s);
}

/* The slow path of a drop that events want: filters, the rate limit, then
 * a full event. Each outcome is counted, so sent + lost + limited +
 * filtered is every drop seen while events are enabled. */
static __noinline void emit_event(void *ctx, struct sk_buff *skb, const struct drop_key *key,
				  struct net_device *dev, struct nf_stash *nf)
{
	struct drop_event *ev;
	__u64 now, id;
	long n;

	if ((filter_netns && key->netns != filter_netns) ||
	    (filter_ifindex && key->ifindex != filter_ifindex) ||
	    (filter_reason_on && key->reason != filter_reason)) {
		stat_add(DROPMON_STAT_EVENTS_FILTERED, 1);
		return;
	}
	now = bpf_ktime_get_ns();
	if (!bucket_take(now)) {
		stat_add(DROPMON_STAT_EVENTS_LIMITED, 1);
		return;
	}
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		stat_add(DROPMON_STAT_EVENTS_LOST, 1);
		return;
	}
	ev->ts_ns = now;
	ev->location = key->location;
	n = bpf_get_stack(ctx, ev->stack, sizeof(ev->stack), 0);
	ev->stack_len = n > 0 ? (__u32)(n / sizeof(ev->stack[0])) : 0;
	ev->cpu = bpf_get_smp_processor_id();
	id = bpf_get_current_pid_tgid();
	ev->pid = (__u32)id;
	ev->tgid = (__u32)(id >> 32);
	ev->reason = key->reason;
	ev->ifindex = key->ifindex;
	ev->rx_ifindex = BPF_CORE_READ(skb, skb_iif);
	ev->netns = key->netns;
	ev->len = BPF_CORE_READ(skb, len);
	ev->flags = 0;
	ev->l3_proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	ev->caplen = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->dev[0] = '\0';
	if (dev)
		bpf_probe_read_kernel_str(ev->dev, sizeof(ev->dev), dev->name);
	nf_named(nf);
	if (nf) {
		ev->nf_kind = nf->kind;
		ev->nf_family = nf->family;
		ev->nf_hook = nf->hook;
		__builtin_memcpy(ev->nf_table, nf->table, sizeof(ev->nf_table));
		__builtin_memcpy(ev->nf_chain, nf->chain, sizeof(ev->nf_chain));
	} else {
		ev->nf_kind = DROPMON_NF_NONE;
		ev->nf_family = 0;
		ev->nf_hook = 0;
		ev->nf_table[0] = '\0';
		ev->nf_chain[0] = '\0';
	}
	copy_packet(ev, skb, dev);
	bpf_ringbuf_submit(ev, 0);
	stat_add(DROPMON_STAT_EVENTS_SENT, 1);
}

/* The kernel's enum skb_drop_reason, as much of it as we name, under a local
 * "flavour" name: libbpf matches a type and each of its enumerators to the
 * running kernel's by the name without the ___dm suffix, and fixes exists
 * and value checks at load. So the program never names the kernel's own
 * enum: it compiles against any vmlinux.h, also one of a kernel without the
 * enum (5.10) or without SKB_CONSUMED (6.1). The value here is 6.12's and
 * is replaced by the running kernel's. */
enum skb_drop_reason___dm {
	SKB_CONSUMED___dm = 1,
	SKB_DROP_REASON_NETFILTER_DROP___dm = 9,
};

/* Kernels before 5.17 have neither the reason argument nor the enum: reading
 * ctx[2] there would fail verification, so the read is compiled out by CO-RE
 * and userspace names reason 0 NOT_SPECIFIED (it finds no enum either). */
static __always_inline __u32 read_reason(__u64 *ctx)
{
	if (!bpf_core_type_exists(enum skb_drop_reason___dm))
		return 0;
	return (__u32)ctx[2];
}

/* On kernels where freeing a consumed skb still fires this tracepoint, the
 * reason says so: that is not a drop. */
static __always_inline bool is_consumed(__u32 reason)
{
	if (!bpf_core_enum_value_exists(enum skb_drop_reason___dm, SKB_CONSUMED___dm))
		return false;
	return reason == bpf_core_enum_value(enum skb_drop_reason___dm, SKB_CONSUMED___dm);
}

/* nf_hook_slow() frees a packet a hook said NF_DROP to with this reason
 * (5.18+). Before, the drop has no reason to tell it: not attributed. */
static __always_inline bool is_netfilter_drop(__u32 reason)
{
	if (!bpf_core_enum_value_exists(enum skb_drop_reason___dm,
					SKB_DROP_REASON_NETFILTER_DROP___dm))
		return false;
	return reason ==
	       bpf_core_enum_value(enum skb_drop_reason___dm, SKB_DROP_REASON_NETFILTER_DROP___dm);
}

/* Counts a NETFILTER_DROP under the chain that decided it, or under no
 * chain. */
static __noinline void nf_count(const struct drop_key *key, struct nf_stash *s, __u32 len)
{
	struct drop_value zero = {}, *v;
	struct nf_key k = {};

	k.netns_id = key->netns_id;
	k.netns = key->netns;
	nf_named(s);
	if (s) {
		k.kind = s->kind;
		k.family = s->family;
		k.hook = s->hook;
		__builtin_memcpy(k.table, s->table, sizeof(k.table));
		__builtin_memcpy(k.chain, s->chain, sizeof(k.chain));
	}
	v = bpf_map_lookup_elem(&nf_counters, &k);
	if (!v) {
		bpf_map_update_elem(&nf_counters, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&nf_counters, &k);
		if (!v) {
			__builtin_memset(&k, 0, sizeof(k));
			v = bpf_map_lookup_elem(&nf_counters, &k);
			if (!v)
				return;
		}
	}
	v->packets++;
	v->bytes += len;
}

/* One body for both entry points. With tp_btf the arguments are typed, so
 * fields are plain loads (no helper); where BTF trampolines are missing,
 * raw_tp reads the same fields with probe reads. btf is a constant in each
 * entry point, so each gets only its own kind of read: the compiled object
 * has the instructions of two hand-written bodies, stack slots aside. */
#define SKB_READ(btf, p, field) ((btf) ? (p)->field : BPF_CORE_READ(p, field))

/* struct net as far as the namespace's identity goes, under local flavour
 * names. net_cookie is a u64 set at netns setup since 5.12; 5.7-5.11 have
 * an atomic64_t there instead, generated lazily (0 unless something asked
 * for it, and nothing does on the drop path), which CO-RE does not match
 * with a u64: there the field "does not exist" and hash_mix (5.2+), a
 * random u32 set at setup, tells namespaces that share an inode apart. */
struct net___dm {
	u64 net_cookie;
} __attribute__((preserve_access_index));

struct net___dm_mix {
	u32 hash_mix;
} __attribute__((preserve_access_index));

/* One more load per drop (the struct net is already in a register for the
 * inode); CO-RE fixes at load which one, the other branch is dead code. */
static __always_inline void read_netns(struct net *net, bool btf, struct drop_key *key)
{
	key->netns = btf ? net->ns.inum : BPF_CORE_READ(net, ns.inum);
	if (bpf_core_field_exists(struct net___dm, net_cookie))
		key->netns_id = btf ? ((struct net___dm *)net)->net_cookie
				    : BPF_CORE_READ((struct net___dm *)net, net_cookie);
	else if (bpf_core_field_exists(struct net___dm_mix, hash_mix))
		key->netns_id = btf ? ((struct net___dm_mix *)net)->hash_mix
				    : BPF_CORE_READ((struct net___dm_mix *)net, hash_mix);
}

static __always_inline void dev_netns(struct net_device *dev, bool btf, struct drop_key *key)
{
	read_netns(btf ? dev->nd_net.net : BPF_CORE_READ(dev, nd_net.net), btf, key);
}

static __always_inline void sk_netns(struct sock *sk, bool btf, struct drop_key *key)
{
	read_netns(btf ? sk->__sk_common.skc_net.net : BPF_CORE_READ(sk, __sk_common.skc_net.net),
		   btf, key);
}

static __always_inline int on_kfree_skb(__u64 *ctx, bool btf)
{
	struct sk_buff *skb = (struct sk_buff *)ctx[0];
	struct nf_stash *nf = NULL;
	struct drop_key key = {};
	struct net_device *dev;
	struct sock *sk;
	__u32 len;

	key.reason = read_reason(ctx);
	if (is_consumed(key.reason))
		return 0;
	key.location = ctx[1];
	dev = SKB_READ(btf, skb, dev);
	if (dev) {
		key.ifindex = SKB_READ(btf, dev, ifindex);
		dev_netns(dev, btf, &key);
	} else {
		key.ifindex = SKB_READ(btf, skb, skb_iif);
		sk = SKB_READ(btf, skb, sk);
		if (sk)
			sk_netns(sk, btf, &key);
	}
	if (nf_enabled && is_netfilter_drop(key.reason))
		nf = nf_find(skb);
	if (events_enabled)
		emit_event(ctx, skb, &key, dev, nf);
	len = SKB_READ(btf, skb, len);
	if (nf_count_enabled && is_netfilter_drop(key.reason))
		nf_count(&key, nf, len);
	/* Taken: a later skb at this address must not find it. */
	if (nf)
		nf->skb = 0;
	return count_drop(&key, len, dev);
}

SEC("tp_btf/kfree_skb")
int kfree_skb_btf(__u64 *ctx)
{
	return on_kfree_skb(ctx, true);
}

SEC("raw_tp/kfree_skb")
int kfree_skb_raw(__u64 *ctx)
{
	return on_kfree_skb(ctx, false);
}

/* The verdict probes. Each is loaded in an instance of its own once its
 * function's module is there (nf_tables, ip_tables, ip6_tables). Every
 * packet through an nftables base chain pays both nft programs (a slot and
 * a few stores, then a compare); through an x_tables table, a compare.
 * Local flavours of the kernel's structs, relocated by CO-RE against the
 * module's BTF. */
#define NF_DROP 0
#define NF_VERDICT_MASK 0xffu

struct nf_hook_state___dm {
	u8 hook;
} __attribute__((preserve_access_index));

/* 6.x: the hook state is a member of its own. */
struct nft_pktinfo___dm {
	struct sk_buff *skb;
	const struct nf_hook_state___dm *state;
} __attribute__((preserve_access_index));

/* Before (5.10): it is in the embedded xt_action_param. */
struct xt_action_param___dm {
	const struct nf_hook_state___dm *state;
} __attribute__((preserve_access_index));

struct nft_pktinfo___dm_xt {
	struct xt_action_param___dm xt;
} __attribute__((preserve_access_index));

struct nft_table___dm {
	u16 family : 6;
	char *name;
} __attribute__((preserve_access_index));

struct nft_chain___dm {
	struct nft_table___dm *table;
	char *name;
} __attribute__((preserve_access_index));

struct xt_table___dm {
	u8 af;
	const char name[32];
} __attribute__((preserve_access_index));

static __always_inline struct nf_stash *nf_stash_slot(__u64 skb)
{
	__u32 idx = nf_slot(skb);

	return bpf_map_lookup_elem(&nf_stash, &idx);
}

/* nft_do_chain(pkt, basechain) runs the base chain of a hook (and the
 * chains it jumps to): its entry is where the chain is known. Per packet
 * through a table: the slot, two loads and a few stores, no helper. */
SEC("fentry/nft_do_chain")
int nft_enter(__u64 *ctx)
{
	struct nft_pktinfo___dm *pkt = (void *)ctx[0];
	struct nf_stash *s;
	__u64 skb;

	skb = (__u64)pkt->skb;
	s = nf_stash_slot(skb);
	if (!s)
		return 0;
	s->skb = skb;
	s->chain_ptr = ctx[1];
	if (bpf_core_field_exists(pkt->state))
		s->state_ptr = (__u64)pkt->state;
	else
		s->state_ptr = (__u64)((struct nft_pktinfo___dm_xt *)pkt)->xt.state;
	s->off_chain_table = bpf_core_field_offset(struct nft_chain___dm, table);
	s->off_chain_name = bpf_core_field_offset(struct nft_chain___dm, name);
	s->off_table_name = bpf_core_field_offset(struct nft_table___dm, name);
	s->off_state_hook = bpf_core_field_offset(struct nf_hook_state___dm, hook);
	s->off_table_family = bpf_core_field_offset(struct nft_table___dm, family);
	s->family_lshift = __builtin_preserve_field_info(((struct nft_table___dm *)0)->family,
							 BPF_FIELD_LSHIFT_U64);
	s->family_rshift = __builtin_preserve_field_info(((struct nft_table___dm *)0)->family,
							 BPF_FIELD_RSHIFT_U64);
	s->kind = DROPMON_NF_NFTABLES;
	return 0;
}

/* Before 6.x a dropped packet is freed after the return: the slot stays for
 * that drop. Any other verdict clears it, so that a later drop of the same
 * skb (conntrack, another hook) is not put on this chain. */
SEC("fexit/nft_do_chain")
int nft_exit(__u64 *ctx)
{
	struct nft_pktinfo___dm *pkt = (void *)ctx[0];
	struct nf_stash *s;
	__u64 skb;

	if (((__u32)ctx[2] & NF_VERDICT_MASK) == NF_DROP)
		return 0;
	skb = (__u64)pkt->skb;
	s = nf_stash_slot(skb);
	if (s && s->skb == skb)
		s->skb = 0;
	return 0;
}

static __always_inline int xt_verdict(__u64 *ctx, __u8 kind)
{
	const struct nf_hook_state___dm *state;
	struct xt_table___dm *table;
	struct nf_stash *s;
	__u64 skb, a0, a1, a2;

	if (((__u32)ctx[3] & NF_VERDICT_MASK) != NF_DROP)
		return 0;
	/* Each argument read at its constant offset (the verifier refuses a
	 * computed one), then chosen. */
	a0 = ctx[0];
	a1 = ctx[1];
	a2 = ctx[2];
	barrier();
	if (xt_priv_first) {
		table = (void *)a0;
		skb = a1;
		state = (void *)a2;
	} else {
		skb = a0;
		state = (void *)a1;
		table = (void *)a2;
	}
	s = nf_stash_slot(skb);
	if (!s)
		return 0;
	s->skb = skb;
	s->chain_ptr = 0;
	s->kind = kind;
	s->family = BPF_CORE_READ(table, af);
	s->hook = BPF_CORE_READ(state, hook);
	if (BPF_CORE_READ_STR_INTO(&s->table, table, name) < 0)
		s->table[0] = '\0';
	s->chain[0] = '\0';
	return 0;
}

SEC("fexit/ipt_do_table")
int ipt_verdict(__u64 *ctx)
{
	return xt_verdict(ctx, DROPMON_NF_IPTABLES);
}

SEC("fexit/ip6t_do_table")
int ip6t_verdict(__u64 *ctx)
{
	return xt_verdict(ctx, DROPMON_NF_IP6TABLES);
}
