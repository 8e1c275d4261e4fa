#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# dropmon's cost, measured on the real kernel. Run by hand, as root:
#   bench/run.sh [BUILD_DIR] [ROUNDS] [SECONDS]
# 1. Drop rate of a UDP flood into an nftables drop rule in a netns (one core),
#    in interleaved rounds: nothing attached / dropmon serve / the bpftrace
#    one-liner; median drops/s and the ratio to nothing attached.
# 2. dropmon's ns per BPF program run (kernel.bpf_stats_enabled=1).
# 3. Scrapes of 10,000 and 20,000 series on the running daemon, and its RSS.
set -eu
. "$(dirname "$0")/lib.sh"

BUILD=$(cd "${1:-build}" && pwd)
ROUNDS=${2:-5}
SECS=${3:-5}
DROPMON=$BUILD/dropmon
DROPGEN=$BUILD/dropgen
FILL=$BUILD/fill_series
SRC=dmbench_src
DST=dmbench_dst
CPU=0
PIDS=()

[ "$(id -u)" -eq 0 ] || { echo "run as root"; exit 1; }
for b in "$DROPMON" "$DROPGEN" "$FILL"; do [ -x "$b" ] || { echo "missing $b: build first"; exit 1; }; done

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	ip netns del $SRC 2>/dev/null || true
	ip netns del $DST 2>/dev/null || true
	sysctl -qw kernel.bpf_stats_enabled=0 || true
}
trap cleanup EXIT

setup() {
	netns_pair || exit 1
	ip netns exec $DST nft -f - <<'EOF'
table inet bench {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7777 drop
	}
}
EOF
}

flood() {
	ip netns exec $SRC "$DROPGEN" udp 198.18.0.2 7777 --duration "$SECS" --cpu $CPU |
		sed -n 's/.*rate=\([0-9]*\).*/\1/p'
}

start_bpftrace() {
	bpftrace -e 'tracepoint:skb:kfree_skb { @[args->reason, args->location] = count(); }' \
		>/tmp/dmbench_bpftrace.log 2>&1 &
	BPID=$!
	PIDS+=("$BPID")
	for _ in $(seq 200); do
		grep -q Attaching /tmp/dmbench_bpftrace.log && { sleep 0.5; return 0; }
		sleep 0.1
	done
	echo "bpftrace did not attach:"
	cat /tmp/dmbench_bpftrace.log
	exit 1
}

calc() { awk "BEGIN { print $1 }"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

setup
sysctl -qw kernel.bpf_stats_enabled=0
HAVE_BPFTRACE=1
command -v bpftrace >/dev/null || HAVE_BPFTRACE=0
# bpftrace's tracepoint probes need tracefs (dropmon's tp_btf does not).
if [ $HAVE_BPFTRACE = 1 ] && [ ! -d /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing || HAVE_BPFTRACE=0
fi

echo "# kernel $(uname -r), $(nproc) CPUs, flood on CPU $CPU, $ROUNDS rounds x ${SECS}s"
: >/tmp/dmbench_none
: >/tmp/dmbench_dropmon
: >/tmp/dmbench_bpftrace
for r in $(seq "$ROUNDS"); do
	flood >>/tmp/dmbench_none
	start_dropmon /tmp/dmbench_dropmon.log
	flood >>/tmp/dmbench_dropmon
	stop_pid "$DPID"
	if [ $HAVE_BPFTRACE = 1 ]; then
		start_bpftrace
		flood >>/tmp/dmbench_bpftrace
		stop_pid "$BPID"
	fi
	echo "# round $r: none $(tail -n1 /tmp/dmbench_none)" \
		"dropmon $(tail -n1 /tmp/dmbench_dropmon)" \
		"bpftrace $(tail -n1 /tmp/dmbench_bpftrace 2>/dev/null)"
done

none=$(median </tmp/dmbench_none)
printf '%-28s %12s %8s\n' "mode" "drops/s" "ratio"
printf '%-28s %12d %8s\n' "nothing attached" "$none" "1.000"
dm=$(median </tmp/dmbench_dropmon)
printf '%-28s %12d %8.3f\n' "dropmon serve" "$dm" "$(calc "$dm / $none")"
if [ $HAVE_BPFTRACE = 1 ]; then
	bt=$(median </tmp/dmbench_bpftrace)
	printf '%-28s %12d %8.3f\n' "bpftrace one-liner" "$bt" "$(calc "$bt / $none")"
fi

# ns per run: bpf_stats costs a little itself, so it is measured on its own.
start_dropmon /tmp/dmbench_dropmon.log
sysctl -qw kernel.bpf_stats_enabled=1
flood >/dev/null
stats=$(curl -fs http://127.0.0.1:$PORT/metrics)
runs=$(echo "$stats" | awk '/^dropmon_bpf_program_runs_total/ { print $2 }')
secs=$(echo "$stats" | awk '/^dropmon_bpf_program_run_seconds_total/ { print $2 }')
sysctl -qw kernel.bpf_stats_enabled=0
printf 'dropmon BPF program: %d runs, %.1f ns per run\n' "$runs" "$(calc "$secs * 1000000000 / $runs")"

# Scrapes on the running daemon: each synthetic key makes two series
# (dropmon_drops_total and dropmon_dropped_bytes_total), so 5,000 keys are
# 10,000 series; then 10,000 keys. Plain, and gzip as Prometheus asks.
scrape_ms() {
	for _ in $(seq 21); do
		curl -fs -o /dev/null -w '%{time_total}\n' "$@" http://127.0.0.1:$PORT/metrics
	done | awk '{ printf "%d\n", $1 * 1000000 }' | median | awk '{ printf "%.2f", $1 / 1000 }'
}
for keys in 5000 10000; do
	"$FILL" 5000 $((keys - 5000)) >/dev/null
	body=$(curl -fs http://127.0.0.1:$PORT/metrics)
	series=$(echo "$body" | grep -c '^dropmon_d[a-z_]*_total{')
	plain=$(scrape_ms)
	gz=$(scrape_ms -H 'Accept-Encoding: gzip')
	inner=$(curl -fs http://127.0.0.1:$PORT/metrics | awk '/^dropmon_scrape_duration_seconds/ { print $2 * 1000 }')
	printf 'scrape of %d series (%d bytes): median %s ms over HTTP, %s ms with gzip (collect %.2f ms)\n' \
		"$series" "${#body}" "$plain" "$gz" "$inner"
done
grep -E 'VmRSS|VmHWM' /proc/"$DPID"/status | awk '{ printf "dropmon %s %.1f MiB\n", $1, $2 / 1024 }'
stop_pid "$DPID"
