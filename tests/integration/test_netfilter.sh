#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Netfilter attribution: every NETFILTER_DROP of a ruleset the test builds is
# counted under the family, table, base chain and hook whose verdict dropped
# it (dropmon_netfilter_drops_total), exactly, and per netns the series add
# up to the NETFILTER_DROP series of dropmon_drops_total. Where the kernel
# does not let BPF programs attach to functions (fentry), which this test
# finds out on its own, every such drop must still be counted, under no
# chain, and dropmon must say that it cannot attribute them.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v nft >/dev/null || skip "nftables (nft) is not installed"
command -v iptables-legacy >/dev/null || skip "iptables-legacy is not installed (Debian package iptables)"
[ "$KERNEL_REASONS" = true ] || skip "kernel $(uname -r) has no drop reasons: NETFILTER_DROP cannot be told"

two_netns
# B: an inet table whose input chain jumps to a regular chain that drops
# UDP 5000 and drops 5001 itself; an ip table (later priority) whose policy
# drops what it does not accept; iptables-legacy drops 5003; an ip6 table
# drops UDP 6000; ip6tables-legacy (set up once dropmon runs) drops 6001.
ip netns exec "$B" nft -f - <<'NFT'
table inet dm_filter {
	chain deny {
		udp dport 5000 drop
	}
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 5000 jump deny
		udp dport 5001 drop
	}
}
table ip dm_policy {
	chain in_policy {
		type filter hook input priority 10; policy drop;
		udp dport 5003 accept
		ip protocol icmp accept
		tcp dport 1-65535 accept
	}
}
table ip6 dm_six {
	chain in6 {
		type filter hook input priority 0; policy accept;
		udp dport 6000 drop
	}
}
NFT
ip netns exec "$B" iptables-legacy -A INPUT -p udp --dport 5003 -j DROP

# A router R between A and a netns C: R's forward chain drops UDP 5005 on
# its way from A to C.
router_netns
ip netns exec "$R" nft -f - <<'NFT'
table inet dm_router {
	chain routed {
		type filter hook forward priority 0; policy accept;
		udp dport 5005 drop
	}
}
NFT

# fentry_works: whether this kernel loads a BPF program on the entry of
# nft_do_chain at all (some kernels forbid it: lockdown, no trampolines).
# Found with a program of the test's own, not by asking dropmon.
fentry_works() {
	command -v clang >/dev/null && command -v bpftool >/dev/null || return 1
	cat >"$TMP/fentry.c" <<'C'
__attribute__((section("fentry/nft_do_chain"), used)) int probe(void *ctx) { return 0; }
char _license[] __attribute__((section("license"), used)) = "GPL";
C
	clang -O2 -g -target bpf -c "$TMP/fentry.c" -o "$TMP/fentry.o" 2>/dev/null || return 1
	mkdir -p "$TMP/bpffs"
	unshare -m sh -c "mount -t bpf bpf '$TMP/bpffs' || exit 1
		bpftool prog load '$TMP/fentry.o' '$TMP/bpffs/p'" >"$TMP/fentry.log" 2>&1
}
PATH=$PATH:/usr/sbin:/sbin
if fentry_works; then
	ATTRIBUTED=true
	log "kernel $(uname -r) attaches BPF to nft_do_chain: drops must be attributed"
else
	ATTRIBUTED=false
	log "kernel $(uname -r) does not let BPF attach to nft_do_chain: drops must be counted under no chain"
	sed 's/^/#   /' "$TMP/fentry.log" | grep -i 'fail\|error\|denied\|permitted' | head -3 || true
fi

# ip6tables-legacy only once dropmon runs. Where that loads ip6_tables,
# serve (without CAP_SYS_ADMIN by then, which finding a module's BTF takes)
# cannot probe it: it must say so, and count those drops under no chain.
IP6T_LATE=false
[ -d /sys/module/ip6_tables ] || IP6T_LATE=true
start_dropmon --collector.netfilter
ip netns exec "$B" ip6tables-legacy -A INPUT -p udp --dport 6001 -j DROP
log "ip6_tables loaded after dropmon started: $IP6T_LATE"
if [ "$IP6T_LATE" = true ] && [ "$ATTRIBUTED" = true ]; then
	expect_eq "it said that ip6t_do_table is not probed" 1 \
		"$(grep -c 'ip6t_do_table is not probed: its module is not loaded' "$TMP/dropmon.log" || true)"
	said_late() { scrape >/dev/null && grep -q 'ip6_tables was loaded after dropmon gave up its privileges' "$TMP/dropmon.log"; }
	wait_for 20 said_late || fail "dropmon did not say that it cannot probe the late ip6_tables"
fi
scrape >"$TMP/before.txt"

nf() { printf 'dropmon_netfilter_drops_total{netns="%s",family="%s",table="%s",chain="%s",hook="%s"}' "$NSB" "$@"; }
ndelta() { echo $(($(value "$TMP/after.txt" "$1") - $(value "$TMP/before.txt" "$1"))); }
# nf_total FILE [NETNS], drops_total FILE [NETNS]: B's unless NETNS.
nf_total() { sum_matching "$1" "^dropmon_netfilter_drops_total\\{netns=\"${2:-$NSB}\","; }
drops_total() { sum_matching "$1" "^dropmon_drops_total\\{reason=\"NETFILTER_DROP\",.*netns=\"${2:-$NSB}\","; }
TOTAL=$((17 + 19 + 23 + 29 + 31 + 13))
all_in() {
	scrape >"$TMP/after.txt"
	[ $(($(drops_total "$TMP/after.txt") - $(drops_total "$TMP/before.txt"))) -ge $TOTAL ] &&
		[ $(($(nf_total "$TMP/after.txt") - $(nf_total "$TMP/before.txt"))) -ge $TOTAL ] &&
		[ $(($(nf_total "$TMP/after.txt" "$NSR") - $(nf_total "$TMP/before.txt" "$NSR"))) -ge 11 ]
}

ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 5000 --count 17 >/dev/null
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 5001 --count 19 >/dev/null
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 5003 --count 23 >/dev/null
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 5004 --count 29 >/dev/null
ip netns exec "$A" "$DROPGEN" udp 2001:db8::2 6000 --count 31 >/dev/null
ip netns exec "$A" "$DROPGEN" udp 2001:db8::2 6001 --count 13 >/dev/null
ip netns exec "$A" "$DROPGEN" udp 198.20.0.2 5005 --count 11 >/dev/null
wait_for 5 all_in || true

expect_eq "NETFILTER_DROP drops in netns $B" $TOTAL \
	$(($(drops_total "$TMP/after.txt") - $(drops_total "$TMP/before.txt")))
expect_eq "reconciled: netfilter series of netns $B add up to its NETFILTER_DROP drops" \
	$(($(drops_total "$TMP/after.txt") - $(drops_total "$TMP/before.txt"))) \
	$(($(nf_total "$TMP/after.txt") - $(nf_total "$TMP/before.txt")))
expect_eq "NETFILTER_DROP drops in the router's netns $R" 11 \
	$(($(drops_total "$TMP/after.txt" "$NSR") - $(drops_total "$TMP/before.txt" "$NSR")))
expect_eq "reconciled in netns $R" 11 \
	$(($(nf_total "$TMP/after.txt" "$NSR") - $(nf_total "$TMP/before.txt" "$NSR")))
if [ "$ATTRIBUTED" = true ]; then
	expect_eq "probe on nft_do_chain attached" 1 \
		"$(value "$TMP/after.txt" 'dropmon_netfilter_probe_attached{function="nft_do_chain"}')"
	expect_eq "probe on ipt_do_table attached" 1 \
		"$(value "$TMP/after.txt" 'dropmon_netfilter_probe_attached{function="ipt_do_table"}')"
	expect_eq "rule drops in inet dm_filter input, one reached by a jump" $((17 + 19)) \
		"$(ndelta "$(nf inet dm_filter input input)")"
	expect_eq "policy drop of ip dm_policy in_policy" 29 \
		"$(ndelta "$(nf ip dm_policy in_policy input)")"
	expect_eq "iptables-legacy drop in ip filter INPUT" 23 \
		"$(ndelta "$(nf ip filter INPUT input)")"
	expect_eq "ip6 dm_six in6 drop" 31 "$(ndelta "$(nf ip6 dm_six in6 input)")"
	if [ "$IP6T_LATE" = true ]; then
		expect_eq "probe on ip6t_do_table attached" 0 \
			"$(value "$TMP/after.txt" 'dropmon_netfilter_probe_attached{function="ip6t_do_table"}')"
		expect_eq "ip6tables-legacy drops under no chain" 13 "$(ndelta "$(nf "" "" "" "")")"
	else
		expect_eq "probe on ip6t_do_table attached" 1 \
			"$(value "$TMP/after.txt" 'dropmon_netfilter_probe_attached{function="ip6t_do_table"}')"
		expect_eq "ip6tables-legacy drop in ip6 filter INPUT" 13 \
			"$(ndelta "$(nf ip6 filter INPUT input)")"
		expect_eq "drops under no chain" 0 "$(ndelta "$(nf "" "" "" "")")"
	fi
	expect_eq "forward chain drop in the router" 11 \
		"$(ndelta "$(NSB=$NSR nf inet dm_router routed forward)")"
else
	expect_eq "probe on nft_do_chain attached" 0 \
		"$(value "$TMP/after.txt" 'dropmon_netfilter_probe_attached{function="nft_do_chain"}')"
	expect_eq "every drop under no chain" $TOTAL "$(ndelta "$(nf "" "" "" "")")"
	if grep -q 'nft_do_chain' "$TMP/dropmon.log"; then
		pass "dropmon says it cannot probe nft_do_chain: $(grep -m1 nft_do_chain "$TMP/dropmon.log")"
	else
		fail "dropmon's log does not say why nft_do_chain is not probed"
	fi
fi
log "dropmon with its probes: $(grep VmRSS /proc/"$DROPMON_PID"/status | tr -s ' \t' ' ')"
stop_dropmon

# collect: each NETFILTER_DROP event names its chain on a line of its own,
# in the text (stored with -o, printed again by print) and in the NDJSON.
collect_up() { grep -q "collecting drop events" "$TMP/collect.log" || ! kill -0 "$COLLECT_PID" 2>/dev/null; }
"$DROPMON" collect --netns="$NSB" --reason=NETFILTER_DROP -o "$TMP/events.ndjson" \
	>"$TMP/collect.out" 2>"$TMP/collect.log" &
COLLECT_PID=$!
PIDS+=("$COLLECT_PID")
wait_for 10 collect_up || true
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 5000 --count 3 >/dev/null
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 5004 --count 2 >/dev/null
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 5003 --count 1 >/dev/null
ip netns exec "$A" "$DROPGEN" udp 2001:db8::2 6001 --count 1 >/dev/null
events_in() { [ "$(grep -c '"reason":"NETFILTER_DROP"' "$TMP/events.ndjson" 2>/dev/null || true)" -ge 7 ]; }
wait_for 5 events_in || true
kill -INT "$COLLECT_PID"
wait "$COLLECT_PID" || true
"$DROPMON" print -i "$TMP/events.ndjson" >"$TMP/print.out" 2>&1 || fail "dropmon print failed: $(cat "$TMP/print.out")"
log "dropmon print:"
grep 'netfilter' "$TMP/print.out" | sort | uniq -c | sed 's/^/# | /'
nfline() { grep -c "^  netfilter: $1\$" "$TMP/print.out" || true; }
expect_eq "events stored" 7 "$(grep -c '"reason":"NETFILTER_DROP"' "$TMP/events.ndjson" || true)"
expect_eq "events printed again" 7 "$(grep -c 'skb:kfree_skb drop (NETFILTER_DROP)' "$TMP/print.out" || true)"
if [ "$ATTRIBUTED" = true ]; then
	expect_eq "events of the rule drop reached by a jump" 3 \
		"$(nfline 'nftables table inet dm_filter chain input hook input')"
	expect_eq "events of the policy drop" 2 "$(nfline 'nftables table ip dm_policy chain in_policy hook input')"
	expect_eq "event of the iptables-legacy drop" 1 \
		"$(nfline 'iptables-legacy table ip filter chain INPUT hook input')"
	expect_eq "event of the ip6tables-legacy drop" 1 \
		"$(nfline 'ip6tables-legacy table ip6 filter chain INPUT hook input')"
	expect_eq "NDJSON of the jump's drop" 3 \
		"$(grep -c '"netfilter":{"kind":"nftables","family":"inet","table":"dm_filter","chain":"input","hook":"input"}' "$TMP/events.ndjson" || true)"
else
	expect_eq "no event names a chain" 0 "$(grep -c 'netfilter' "$TMP/print.out" || true)"
fi

# Without the flag there is no such family (and no probe).
start_dropmon --no-collector.netfilter
scrape >"$TMP/off.txt"
expect_eq "--no-collector.netfilter: no netfilter family" 0 \
	"$(grep -c '^dropmon_netfilter' "$TMP/off.txt" || true)"
stop_dropmon
finish
