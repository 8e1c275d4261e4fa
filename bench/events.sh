#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The cost of sampled drop events, on the real kernel. Run by hand, as root:
#   bench/events.sh [BUILD_DIR] [ROUNDS] [SECONDS] [RATE]
# 1. Drop rate of a UDP flood into an nftables drop rule in a netns (one CPU),
#    interleaved rounds: nothing attached / `collect --rate=RATE` (default
#    100 events/s, writing NDJSON to /dev/null); the ratio to nothing.
#    Then the same against `serve --web.enable-debug` (its default rate).
# 2. `collect -o FILE` with no rate limit under the same flood: events
#    written per second, and whether every drop is accounted for
#    (sent + over the limit + lost = drops seen).
set -eu

BUILD=$(cd "${1:-build}" && pwd)
ROUNDS=${2:-5}
SECS=${3:-5}
RATE=${4:-100}
DROPMON=$BUILD/dropmon
DROPGEN=$BUILD/dropgen
SRC=dmev_src
DST=dmev_dst
PIDS=()
OUT=$(mktemp -d /tmp/dmev.XXXXXX)

[ "$(id -u)" -eq 0 ] || { echo "run as root"; exit 1; }
for b in "$DROPMON" "$DROPGEN"; do [ -x "$b" ] || { echo "missing $b: build first"; exit 1; }; done

cleanup() {
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	ip netns del $SRC 2>/dev/null || true
	ip netns del $DST 2>/dev/null || true
	rm -rf "$OUT"
}
trap cleanup EXIT

ip netns add $SRC
ip netns add $DST
ip link add vsrc netns $SRC type veth peer name vdst netns $DST
ip -n $SRC addr add 198.18.0.1/24 dev vsrc
ip -n $DST addr add 198.18.0.2/24 dev vdst
for ns in $SRC $DST; do ip -n $ns link set lo up; done
ip -n $SRC link set vsrc up
ip -n $DST link set vdst up
ip netns exec $DST nft add table inet bench
ip netns exec $DST nft 'add chain inet bench input { type filter hook input priority 0; policy accept; }'
ip netns exec $DST nft add rule inet bench input udp dport 7777 drop
for _ in 1 2 3 4 5; do ip netns exec $SRC ping -c1 -W1 198.18.0.2 >/dev/null && break; sleep 0.2; done
NSDST=$(stat -L -c %i /run/netns/$DST)

flood() {
	ip netns exec $SRC "$DROPGEN" udp 198.18.0.2 7777 --duration "$SECS" --cpu 0 |
		sed -n 's/.*sent=\([0-9]*\).*rate=\([0-9]*\).*/\1 \2/p'
}

# start_collect LOG [flags...]: waits until it collects.
start_collect() {
	local log=$1
	shift
	"$DROPMON" collect --netns="$NSDST" "$@" 2>"$log" &
	CPID=$!
	PIDS+=("$CPID")
	for _ in $(seq 100); do
		grep -q "collecting drop events" "$log" && return 0
		sleep 0.1
	done
	echo "collect did not start:"
	cat "$log"
	exit 1
}

stop_collect() {
	kill -INT "$CPID"
	wait "$CPID" || true
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

echo "# kernel $(uname -r), $(nproc) CPUs, flood on CPU 0, $ROUNDS rounds x ${SECS}s"
: >"$OUT/none"
: >"$OUT/rate"
for r in $(seq "$ROUNDS"); do
	flood | awk '{ print $2 }' >>"$OUT/none"
	start_collect "$OUT/rate.log" --rate="$RATE" -o /dev/null
	flood | awk '{ print $2 }' >>"$OUT/rate"
	stop_collect
	echo "# round $r: none $(tail -n1 "$OUT/none") collect --rate=$RATE $(tail -n1 "$OUT/rate")"
done
none=$(median <"$OUT/none")
rate=$(median <"$OUT/rate")
printf '%-36s %12s %8s\n' "mode" "drops/s" "ratio"
printf '%-36s %12d %8s\n' "nothing attached" "$none" "1.000"
printf '%-36s %12d %8.3f\n' "collect --rate=$RATE (events)" "$rate" "$(awk "BEGIN { print $rate / $none }")"

# serve with the debug endpoints on, at its default rate.
: >"$OUT/none2"
: >"$OUT/serve"
for r in $(seq "$ROUNDS"); do
	flood | awk '{ print $2 }' >>"$OUT/none2"
	"$DROPMON" serve --web.listen-address=127.0.0.1:0 --web.enable-debug 2>"$OUT/serve.log" &
	SPID=$!
	PIDS+=("$SPID")
	for _ in $(seq 100); do grep -q attached "$OUT/serve.log" && break; sleep 0.1; done
	flood | awk '{ print $2 }' >>"$OUT/serve"
	kill -INT "$SPID"
	wait "$SPID" || true
	echo "# round $r: none $(tail -n1 "$OUT/none2") serve --web.enable-debug $(tail -n1 "$OUT/serve")"
done
none2=$(median <"$OUT/none2")
serve=$(median <"$OUT/serve")
printf '%-36s %12d %8.3f\n' "serve --web.enable-debug" "$serve" "$(awk "BEGIN { print $serve / $none2 }")"

# No limit: as many events as the flood makes, stacks included.
start_collect "$OUT/full.log" -o "$OUT/full.data"
read -r sent_pkts _ < <(flood)
sleep 1
stop_collect
written=$(wc -l <"$OUT/full.data")
summary=$(grep 'events stored' "$OUT/full.log")
k_sent=$(echo "$summary" | sed -n 's/.* \([0-9]*\) sent,.*/\1/p')
k_limited=$(echo "$summary" | sed -n 's/.* \([0-9]*\) over the rate limit.*/\1/p')
k_lost=$(echo "$summary" | sed -n 's/.* \([0-9]*\) lost .*/\1/p')
echo "collect -o, no limit: $written events written in ${SECS}s ($((written / SECS)) events/s) of $sent_pkts drops;" \
	"kernel: $k_sent sent, $k_lost lost (ring buffer full), $k_limited over the limit;" \
	"accounted: $((k_sent + k_lost + k_limited)) of $sent_pkts"
echo "file: $(du -h "$OUT/full.data" | cut -f1), $(head -c 300 "$OUT/full.data" | cut -c1-120)..."
