#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The cost of netfilter attribution on packets that are NOT dropped. Run by
# hand, as root:
#   bench/netfilter.sh [BUILD_DIR] [ROUNDS] [SECONDS]
# A UDP flood (dropgen on CPU 0) crosses a veth into a netns whose input chain
# has 10 rules, 9 that do not match and "udp dport PORT counter accept"; a
# receiver (dropgen sink on CPU 1) reads every datagram, so none is freed as
# a drop. In interleaved rounds, order rotated: nothing attached / dropmon
# serve / dropmon serve --collector.netfilter / --no-collector.netfilter
# (each when serve has that flag). Prints per mode the accepted packets/s
# (the accept rule's counter over the sender's time) and the received rate,
# with the ratio to nothing attached; checks sent = accepted = received +
# receive-buffer drops; then each dropmon mode's ns per run of each of its
# BPF programs (kernel.bpf_stats_enabled=1).
set -eu
. "$(dirname "$0")/lib.sh"

BUILD=$(cd "${1:-build}" && pwd)
ROUNDS=${2:-7}
SECS=${3:-5}
DROPMON=${DROPMON:-$BUILD/dropmon}
# DROPGEN=path: a dropgen with "sink" when BUILD_DIR is of a tree without it.
DROPGEN=${DROPGEN:-$BUILD/dropgen}
# Unique names: another run (or a test) may have its own namespaces.
SRC=dmnf_src_$$
DST=dmnf_dst_$$
UDP_PORT=7777
TX_CPU=0
RX_CPU=1
PIDS=()
TMP=$(mktemp -d /tmp/dmnf.XXXXXX)
STATS_WAS=$(cat /proc/sys/kernel/bpf_stats_enabled)

[ "$(id -u)" -eq 0 ] || { echo "run as root"; exit 1; }
for b in "$DROPMON" "$DROPGEN"; do [ -x "$b" ] || { echo "missing $b: build first"; exit 1; }; done
case "$ROUNDS$SECS" in *[!0-9]*) echo "ROUNDS and SECONDS are whole numbers"; exit 1 ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$SECS" -ge 1 ] || { echo "ROUNDS and SECONDS must be at least 1"; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs: sender on $TX_CPU, receiver on $RX_CPU"; exit 1; }
for c in nft jq curl ss; do command -v $c >/dev/null || { echo "missing $c"; exit 1; }; done

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	ip netns del $SRC 2>/dev/null || true
	ip netns del $DST 2>/dev/null || true
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS" || true
	rm -rf "$TMP"
}
trap cleanup EXIT

setup() {
	netns_pair || exit 1
	# Nine rules the flood walks past (address and port tests, TCP ones
	# failing on the protocol), then the one that accepts it.
	ip netns exec $DST nft -f - <<EOF
table inet bench {
	chain input {
		type filter hook input priority 0; policy accept;
		ip saddr 192.0.2.1 drop
		ip saddr 192.0.2.2 drop
		tcp dport 1 drop
		ip saddr 192.0.2.3 drop
		tcp dport 2 drop
		udp dport $((UDP_PORT + 1)) drop
		ip saddr 192.0.2.4 drop
		tcp dport 3 drop
		udp dport $((UDP_PORT + 2)) drop
		udp dport $UDP_PORT counter accept
	}
}
EOF
	[ "$(ip netns exec $DST nft -j list chain inet bench input | jq '[.nftables[].rule? // empty] | length')" -eq 10 ] ||
		{ echo "the chain does not have 10 rules"; exit 1; }
}

accepted_counter() {
	ip netns exec $DST nft -j list chain inet bench input |
		jq '[.nftables[].rule? // empty | .expr[] | .counter? // empty | .packets] | add'
}

# Field NAME of the Udp: lines of /proc/net/snmp in the receiver's netns.
udp_snmp() {
	ip netns exec $DST awk -v f="$1" '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1 } else print $c }' /proc/net/snmp
}

stop_dropmon() { stop_pid "$DPID"; }

# BPF programs the process holds (prog fds, and links naming their program).
prog_ids() {
	grep -hs '^prog_id:' /proc/"$1"/fdinfo/* | awk '{ print $2 }' | sort -un
}

sink_bound() { [ -n "$(ip netns exec $DST ss -Hlun "sport = :$UDP_PORT")" ]; }

# One measurement; sets RES to "received_pps received seconds counter_delta
# rcvbuf_errors_delta sent sender_seconds". The sink runs until 0.5 s after the last
# datagram (SECS + 10 bounds it), so it sees the whole flood. Not run in a
# $(...) subshell, so that the trap knows the sink's pid.
measure() {
	local c0 c1 e0 e1 spid out sent ssecs
	c0=$(accepted_counter)
	e0=$(udp_snmp RcvbufErrors)
	# 256 MiB (512 as the kernel counts): on a slow machine the sink reads
	# about as fast as the sender sends, and a burst must not overflow.
	ip netns exec $DST "$DROPGEN" sink $UDP_PORT --duration $((SECS + 10)) --cpu $RX_CPU \
		--rcvbuf $((256 << 20)) >"$TMP/sink.out" 2>&1 &
	spid=$!
	PIDS+=("$spid")
	for _ in $(seq 100); do
		sink_bound && break
		kill -0 $spid 2>/dev/null || break
		sleep 0.05
	done
	sink_bound || { echo "sink did not bind:"; cat "$TMP/sink.out"; exit 1; }
	out=$(ip netns exec $SRC "$DROPGEN" udp 198.18.0.2 $UDP_PORT --duration "$SECS" --cpu $TX_CPU)
	sent=$(echo "$out" | sed -n 's/^sent=\([0-9]*\).*/\1/p')
	ssecs=$(echo "$out" | sed -n 's/.* seconds=\([0-9.]*\).*/\1/p')
	wait $spid || { echo "sink failed:"; cat "$TMP/sink.out"; exit 1; }
	c1=$(accepted_counter)
	e1=$(udp_snmp RcvbufErrors)
	RES=$(awk -v c=$((c1 - c0)) -v e=$((e1 - e0)) -v s="$sent" -v ss="$ssecs" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print v["rate"], v["received"], v["seconds"], c, e, s, ss }' "$TMP/sink.out")
}

calc() { awk "BEGIN { print $1 }"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# The netfilter collector's switches, whichever serve has: one of the two
# modes then repeats the defaults, which shows the noise between runs of
# the same thing.
HELP=$("$DROPMON" serve --help 2>&1 || true)
MODES=(none dropmon)
if echo "$HELP" | grep -Eq '(^|[[:space:]])--collector\.netfilter([[:space:]=]|$)'; then
	MODES+=(dropmon-nf-on)
else
	echo "# dropmon serve has no --collector.netfilter: mode dropmon-nf-on skipped"
fi
if echo "$HELP" | grep -Eq '(^|[[:space:]])--no-collector\.netfilter([[:space:]=]|$)'; then
	MODES+=(dropmon-nf-off)
else
	echo "# dropmon serve has no --no-collector.netfilter: mode dropmon-nf-off skipped"
fi

# The nftables verdict probe attaches once serve has seen nf_tables loaded
# (it looks on a scrape): wait for it, bounded, and say once if it did not.
NF_WARNED=0
wait_nf_probe() {
	local body
	for _ in $(seq 50); do
		body=$(curl -fs http://127.0.0.1:$PORT/metrics || true)
		echo "$body" | grep -q '^dropmon_netfilter_probe_attached{function="nft_do_chain"} 1' && return 0
		sleep 0.1
	done
	[ $NF_WARNED = 1 ] && return 0
	NF_WARNED=1
	echo "# WARNING: --collector.netfilter, but nft_do_chain is not probed after 5 s:" \
		"$(echo "$body" | grep '^dropmon_netfilter_probe_attached' | tr '\n' ' ')"
	grep -i 'netfilter\|fentry\|fexit\|nft_do_chain' "$TMP/dropmon.log" | head -n3 | sed 's/^/#   /'
}

start_mode() {
	case $1 in
	none) ;;
	dropmon) start_dropmon "$TMP/dropmon.log" ;;
	dropmon-nf-on) start_dropmon "$TMP/dropmon.log" --collector.netfilter && wait_nf_probe ;;
	dropmon-nf-off) start_dropmon "$TMP/dropmon.log" --no-collector.netfilter ;;
	esac
}
stop_mode() { [ "$1" = none ] || stop_dropmon; }

setup
sysctl -qw kernel.bpf_stats_enabled=0
# Someone else's tracing programs would tax every mode, "none" too.
others=$(bpftool prog show -j | jq -r '.[] | select(.type == "tracing" or .type == "raw_tracepoint" or .type == "kprobe" or .type == "tracepoint") | "\(.id):\(.name)"' | tr '\n' ' ')
[ -z "$others" ] || echo "# WARNING: tracing BPF programs already loaded (in every mode): $others"

echo "# kernel $(uname -r), $(nproc) CPUs, sender on CPU $TX_CPU, receiver on CPU $RX_CPU, $ROUNDS rounds x ${SECS}s, modes: ${MODES[*]}"
for m in "${MODES[@]}"; do : >"$TMP/$m"; done
n=${#MODES[@]}
for r in $(seq "$ROUNDS"); do
	msg="# round $r:"
	for k in $(seq 0 $((n - 1))); do
		m=${MODES[$(((k + r - 1) % n))]}
		start_mode "$m"
		measure
		stop_mode "$m"
		echo "$RES" >>"$TMP/$m"
		read -r pps recv _ cnt rbe sent _ <<<"$RES"
		msg="$msg $m $pps"
		# Accepted = received + receive-buffer drops; anything else is
		# a packet lost (or counted) where it should not be.
		[ "$cnt" -eq $((recv + rbe)) ] ||
			echo "# round $r $m: rule counter $cnt != received $recv + RcvbufErrors $rbe (sent $sent)"
		[ "$sent" -eq "$cnt" ] ||
			echo "# round $r $m: sent $sent, the rule counted $cnt (lost before the chain: $((sent - cnt)))"
		[ "$rbe" -eq 0 ] ||
			echo "# round $r $m: $rbe RcvbufErrors (the receiver fell behind; those are drops)"
	done
	echo "$msg"
done

# Per mode: median, min, max over the rounds, the ratio of medians to
# "none", and the spread of each round's ratio to the "none" of that round.
# $1: an awk expression over a line of RES.
summary() {
	local m med min max ratios
	for m in "${MODES[@]}"; do awk "{ print $1 }" "$TMP/$m" >"$TMP/$m.v"; done
	printf '%-16s %10s %10s %10s %7s %15s\n' mode median min max ratio "round ratios"
	for m in "${MODES[@]}"; do
		med=$(median <"$TMP/$m.v")
		min=$(sort -g "$TMP/$m.v" | head -n1)
		max=$(sort -g "$TMP/$m.v" | tail -n1)
		ratios=$(paste -d' ' "$TMP/$m.v" "$TMP/none.v" | awk '{ printf "%.3f\n", $1 / $2 }' | sort -g)
		printf '%-16s %10.0f %10.0f %10.0f %7.3f %7s-%-7s\n' "$m" "$med" "$min" "$max" \
			"$(calc "$med / $(median <"$TMP/none.v")")" "$(echo "$ratios" | head -n1)" "$(echo "$ratios" | tail -n1)"
	done
}

echo "# accepted packets/s: the accept rule's counter over the sender's time"
summary '$4 / $7'
echo "# received packets/s: the sink, first to last datagram"
summary '$1'
for m in "${MODES[@]}"; do
	awk -v m="$m" '{ r += $2; c += $4; e += $5; s += $6; if ($5) b++ }
		END { printf "# %s: sent %d, accepted %d, received %d, RcvbufErrors %d", m, s, c, r, e
		if (b) printf " (the sink fell behind in %d round(s): its rate understates)", b
		print "" }' "$TMP/$m"
done

# ns per run: bpf_stats costs a little itself, so it is measured on its own,
# one flood per dropmon mode. The programs are those whose fds (or links)
# the process holds, read at each snapshot: a probe may attach late.
snap() {
	local ids
	ids=$(prog_ids "$DPID")
	[ -n "$ids" ] || { echo "dropmon holds no BPF program"; exit 1; }
	bpftool prog show -j | jq -r --arg ids "$ids" '($ids | split("\n") | map(tonumber)) as $want |
		.[] | select(.id as $i | $want | index($i)) | "\(.id) \(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"' | sort -n
}
for m in "${MODES[@]}"; do
	[ "$m" != none ] || continue
	start_mode "$m"
	sysctl -qw kernel.bpf_stats_enabled=1
	snap >"$TMP/bpf0"
	measure
	snap >"$TMP/bpf1"
	sysctl -qw kernel.bpf_stats_enabled=0
	stop_mode "$m"
	echo "# $m: its BPF programs with bpf_stats, one ${SECS}s flood, $(echo "$RES" | awk '{ print $4 }') packets accepted"
	printf '%-6s %-24s %12s %10s\n' id program runs ns/run
	awk 'NR == FNR { c[$1] = $3; t[$1] = $4; next } { r = $3 - c[$1]; ns = $4 - t[$1]
		printf "%-6s %-24s %12d %10s\n", $1, $2, r, r ? sprintf("%.1f", ns / r) : "-" }' "$TMP/bpf0" "$TMP/bpf1"
done
