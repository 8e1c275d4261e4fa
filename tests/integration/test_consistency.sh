#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The per-CPU last-key cache under the worst case: every packet switches the
# key (two drop reasons alternating) while scrapes run on another CPU. No
# scrape may see a counter go backwards (Prometheus would take it for a
# reset), and the final counts must be exact (nothing counted twice or lost).
. "$(dirname "$0")/lib.sh"
require_kernel
command -v nft >/dev/null || skip "nftables (nft) is not installed"
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs: the flood and the scrapes on different ones"

two_netns
nft_drop_udp "$B" 7777

start_dropmon
# One packet first, to learn where this kernel drops an nftables verdict.
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 7777 --count 1 >/dev/null
scrape >"$TMP/warmup.txt"
NF=$(drops_series "$(reason NETFILTER_DROP)" vb "$IFB" "$NSB" "$(nf_function "$TMP/warmup.txt" "$NSB")")
NS=$(drops_series "$(reason NO_SOCKET)" vb "$IFB" "$NSB" __udp4_lib_rcv)

ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 7777 --alternate-port 9999 --count 600000 \
	--cpu 0 >"$TMP/flood.txt" &
FLOOD=$!
PIDS+=("$FLOOD")
scrapes=0
while kill -0 "$FLOOD" 2>/dev/null; do
	scrape >"$TMP/s.txt"
	echo "$(value "$TMP/s.txt" "$NF") $(value "$TMP/s.txt" "$NS")" >>"$TMP/series.txt"
	scrapes=$((scrapes + 1))
done
wait "$FLOOD"
# The last datagrams may still be in a softirq when the sender is done.
to_nf=$(sed -n 's/.* port=\([0-9]*\).*/\1/p' "$TMP/flood.txt")
to_ns=$(sed -n 's/.* port2=\([0-9]*\).*/\1/p' "$TMP/flood.txt")
wait_for 10 udp_noports_reach "$B" "$to_ns" || true
scrape >"$TMP/final.txt"
echo "$(value "$TMP/final.txt" "$NF") $(value "$TMP/final.txt" "$NS")" >>"$TMP/series.txt"
log "$(cat "$TMP/flood.txt"); $scrapes scrapes during the flood"

if [ "$scrapes" -ge 5 ]; then
	pass "$scrapes scrapes ran during the flood"
else
	fail "only $scrapes scrapes ran during the flood: the test proves nothing"
fi
backwards=$(awk 'NR > 1 && ($1 < a || $2 < b) { n++; print "went back: " a " " b " -> " $1 " " $2 > "/dev/stderr" }
	{ a = $1; b = $2 } END { print n + 0 }' "$TMP/series.txt")
expect_eq "scrapes where a counter went backwards" 0 "$backwards"
moving=$(awk 'NR > 1 && $1 > a { n++ } { a = $1 } END { print n + 0 }' "$TMP/series.txt")
if [ "$moving" -ge 3 ]; then
	pass "counters grew between scrapes $moving times"
else
	fail "counters grew between scrapes only $moving times: scrapes did not overlap the flood"
fi
expect_eq "final $(reason NETFILTER_DROP) count (nftables)" "$((to_nf + 1))" "$(value "$TMP/final.txt" "$NF")"
expect_eq "final $(reason NO_SOCKET) count (no socket)" "$to_ns" "$(value "$TMP/final.txt" "$NS")"

stop_dropmon
finish
