#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A counter map far too small for the drops: every drop is still counted
# (by reason only, once the map is full), and the overflow is reported.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v nft >/dev/null || skip "nftables (nft) is not installed"

# Three namespace pairs, each dropping UDP in nftables: three keys of one
# reason that nothing else on the machine produces. Without drop reasons
# (before 5.17) every drop is NOT_SPECIFIED, and the overflow series of that
# reason holds any drop of the machine: the pairs have no IPv6, whose
# neighbour discovery would add drops of their own.
N=3
for i in $(seq $N); do
	netns_add "${TAG}s$i"
	netns_add "${TAG}d$i"
	veth_pair "${TAG}s$i" vs$i 198.18.$i.1 - "${TAG}d$i" vd$i 198.18.$i.2 -
	nft_drop_udp "${TAG}d$i" 7777
done
NETFILTER_DROP=$(reason NETFILTER_DROP)

start_dropmon --bpf.map-size=2
scrape >"$TMP/before.txt"

total=0
for round in 1 2; do
	for i in $(seq $N); do
		count=$((100 * i + round))
		ip netns exec "${TAG}s$i" "$DROPGEN" udp 198.18.$i.2 7777 --count $count >/dev/null
		total=$((total + count))
	done
done

# Without reasons, NOT_SPECIFIED also holds what this kernel frees with
# kfree_skb and is no drop of ours (the scrapes' own TCP connections, a
# unix socket connect that fails): ours are those in nftables' functions,
# and the overflow series (which takes any key once the map is full).
if [ "$KERNEL_REASONS" = true ]; then
	all_nf() { sum_matching "$1" "^dropmon_drops_total\\{reason=\"$NETFILTER_DROP\","; }
else
	all_nf() { sum_matching "$1" '^dropmon_drops_total\{reason="NOT_SPECIFIED",.*function="(nf_hook_slow|nft_do_chain|)"\}'; }
fi
# Until every drop is in (a softirq may still hold the last ones), at most 5 s.
all_counted() { scrape >"$TMP/after.txt" && [ $(($(all_nf "$TMP/after.txt") - $(all_nf "$TMP/before.txt"))) -ge "$total" ]; }
wait_for 5 all_counted || true
log "the $NETFILTER_DROP series before and after:"
grep "^dropmon_drops_total{reason=\"$NETFILTER_DROP\"," "$TMP/before.txt" | sed 's/^/# before: /'
grep "^dropmon_drops_total{reason=\"$NETFILTER_DROP\"," "$TMP/after.txt" | sed 's/^/# after: /'
expect_eq "every $NETFILTER_DROP counted, attributed or not" "$total" \
	"$(($(all_nf "$TMP/after.txt") - $(all_nf "$TMP/before.txt")))"
expect_eq "map entries at capacity" 2 \
	"$(value "$TMP/after.txt" 'dropmon_bpf_map_entries{map="counters"}')"
expect_eq "map capacity" 2 "$(value "$TMP/after.txt" 'dropmon_bpf_map_max_entries{map="counters"}')"
overflow=$(value "$TMP/after.txt" dropmon_bpf_map_overflow_drops_total)
if [ "$overflow" -gt 0 ]; then
	pass "overflow counted ($overflow drops)"
else
	fail "no overflow counted with a map of 2 entries"
fi
unattributed=$(value "$TMP/after.txt" \
	"$(drops_series "$NETFILTER_DROP" "" "" "" "")")
if [ "$unattributed" -gt 0 ]; then
	pass "overflowed drops carry their reason ($unattributed)"
else
	fail "no $NETFILTER_DROP series without attribution"
fi
expect_eq "nothing uncounted" 0 "$(value "$TMP/after.txt" dropmon_bpf_uncounted_drops_total)"

stop_dropmon
finish
