#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# serve --web.enable-debug on the real kernel: /debug/drops snapshots and a
# followed stream that gets every event while another follower stalls;
# /debug/pcap snapshots and timed captures with pcap filters, read back by
# tshark; 400s for bad parameters; the event metrics.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v tshark >/dev/null || fail "tshark is not installed (Debian package tshark)"

C="${TAG}c"
netns_add "$C"
NSC=$(netns_inode "$C")
start_dropmon --web.enable-debug --debug.rate=1000000 --debug.burst=100000
URL="http://127.0.0.1:$PORT"

# --- a follower gets every event while another one stalls ---------------------
# subscribers_are N: the exporter counts N clients following or capturing.
subscribers_are() { [ "$(scrape | awk '$1 == "dropmon_events_subscribers" { print $2 }')" = "$1" ]; }
# follower_has N: the follower got N SYNs of the netns, or was told it lost
# the rest.
follower_has() {
	[ $(($(grep -c " netns $NSC\$" "$TMP/follow.out" || true) +
		$(awk '/^# lost [0-9]+ events$/ { n += $3 } END { print n + 0 }' "$TMP/follow.out"))) -ge "$1" ]
}
curl -sN "$URL/debug/drops?follow=1" >"$TMP/follow.out" &
FOLLOW=$!
PIDS+=("$FOLLOW")
# The stalled one asks for the longer NDJSON form and never reads.
exec 7<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /debug/drops?follow=1&format=json HTTP/1.1\r\nHost: x\r\n\r\n' >&7
wait_for 10 subscribers_are 2 || fail "the two followers did not subscribe"
# More than the stalled client's socket buffers and queue can hold, in
# batches the follower takes in before the next one comes.
for i in 1 2 3 4 5 6; do
	ip netns exec "$C" "$DROPGEN" tcp-syn ::1 8080 --count 1000 >/dev/null
	wait_for 10 follower_has $((i * 1000)) || break
done
scrape >"$TMP/m.txt"
got=$(grep -c "flags \[S\] .* netns $NSC\$" "$TMP/follow.out" || true)
told=$(awk '/^# lost [0-9]+ events$/ { n += $3 } END { print n + 0 }' "$TMP/follow.out")
log "the follower got $got SYNs of netns $NSC and was told of $told lost events"
# Told losses count events of any netns: got + told covers every SYN.
if [ "$got" -gt 0 ] && [ $((got + told)) -ge 6000 ] && [ "$got" -le 6000 ]; then
	pass "the follower got the SYNs ($got), and was told of any it lost ($told)"
else
	fail "the follower got $got of 6000 SYNs and was told of $told lost"
fi
lost=$(value "$TMP/m.txt" 'dropmon_events_lost_total{stage="subscriber"}')
if [ "$lost" -gt 0 ]; then
	pass "the stalled follower lost $lost events, counted"
else
	fail "the stalled follower lost nothing: it did not stall, the test proves nothing"
fi
expect_eq "nothing lost in the kernel" 0 "$(value "$TMP/m.txt" 'dropmon_events_lost_total{stage="ringbuf"}')"
expect_eq "two subscribers" 2 "$(value "$TMP/m.txt" dropmon_events_subscribers)"
exec 7>&-
kill "$FOLLOW"
wait "$FOLLOW" 2>/dev/null || true

# --- snapshots -------------------------------------------------------------------
curl -fsS "$URL/debug/drops?limit=5&format=json" >"$TMP/snap.json"
expect_eq "snapshot: limit=5 NDJSON events" 5 "$(grep -c '^{"v":1,' "$TMP/snap.json")"
curl -fsS -o "$TMP/snap.pcapng" "$URL/debug/pcap?filter=ip6+and+tcp+dst+port+8080&count=3"
expect_eq "pcap snapshot: count=3 packets matching the filter" 3 \
	"$(tshark -n -r "$TMP/snap.pcapng" -Y 'tcp.dstport == 8080 && tcp.flags.syn == 1' 2>/dev/null | wc -l)"
expect_eq "pcap snapshot: nothing else" 3 "$(tshark -n -r "$TMP/snap.pcapng" 2>/dev/null | wc -l)"

# --- a timed capture of new events ---------------------------------------------
# It ends after count= packets, or at the latest after seconds=. Drops the
# filter does not keep come first: a capture that let them in would be
# full before the UDP ones.
curl -fsS -m 90 -o "$TMP/timed.pcapng" "$URL/debug/pcap?seconds=60&count=7&filter=udp+port+9" &
CAP=$!
wait_for 10 subscribers_are 1 || fail "the capture did not subscribe"
ip netns exec "$C" "$DROPGEN" tcp-syn ::1 8080 --count 10 >/dev/null
ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 7 --size 5 >/dev/null
wait "$CAP" || fail "the timed capture failed or outlived its 60 s"
tshark -n -r "$TMP/timed.pcapng" -T fields -E separator=/s -e ip.dst -e udp.dstport -e data.data \
	-e frame.comment 2>/dev/null >"$TMP/timed.txt"
expect_eq "timed capture: the 7 UDP drops, bytes and reason" 7 \
	"$(grep -cE "^127.0.0.1 9 0000000000 drop reason $(reason NO_SOCKET); function __udp4_lib_rcv; netns $NSC; task $DROP_TASK_RE [0-9]+\$" \
		"$TMP/timed.txt" || true)"
expect_eq "timed capture: only what the filter keeps" 7 "$(wc -l <"$TMP/timed.txt")"
sed 's/^/# timed capture: /' "$TMP/timed.txt"
# With nothing to capture it ends after seconds=, a valid empty capture.
t0=$(date +%s%N)
curl -fsS -m "$(scaled 10)" -o "$TMP/empty.pcapng" "$URL/debug/pcap?seconds=1&filter=udp+port+1" || true
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$ms" -ge 1000 ] && [ "$ms" -lt $(($(scaled 3) * 1000)) ]; then
	pass "an empty capture lasts seconds=1 ($ms ms)"
else
	fail "an empty 1 s capture ended after $ms ms"
fi
expect_eq "and holds no packet" "0 0" \
	"$(tshark -n -r "$TMP/empty.pcapng" 2>/dev/null | wc -l) $(tshark -n -r "$TMP/empty.pcapng" >/dev/null 2>&1; echo $?)"

# --- bad parameters --------------------------------------------------------------
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$URL$1"; }
expect_eq "bad filter" 400 "$(code '/debug/pcap?filter=tcp+and')"
expect_eq "with libpcap's message" 1 "$(grep -c 'syntax error' "$TMP/body")"
# A name in a filter would be looked up by libpcap, from the exporter.
expect_eq "a filter naming a host" 400 "$(code '/debug/pcap?filter=host+some.name')"
expect_eq "refused as a name" 1 "$(grep -c "filter names 'some.name': the exporter does not look names up" "$TMP/body")"
expect_eq "a filter naming a port" 400 "$(code '/debug/drops?filter=tcp+port+http')"
expect_eq "a NUL in a parameter" 400 "$(code '/debug/drops?limit=1%00x')"
expect_eq "said so" 1 "$(grep -c "parameter 'limit' contains a NUL byte" "$TMP/body")"
expect_eq "an unknown parameter" 400 "$(code '/debug/drops?limt=5')"
expect_eq "a repeated parameter" 400 "$(code '/debug/drops?limit=1&limit=2')"
expect_eq "a filter over 1024 bytes" 400 "$(code "/debug/drops?filter=$(printf 'tcp+or+%.0s' $(seq 300))udp")"
expect_eq "bad follow" 400 "$(code '/debug/drops?follow=yes')"
expect_eq "bad count" 400 "$(code '/debug/pcap?count=0')"
expect_eq "seconds=0" 400 "$(code '/debug/pcap?seconds=0')"
expect_eq "seconds over the bound" 400 "$(code '/debug/pcap?seconds=100000')"
expect_eq "bad format" 400 "$(code '/debug/drops?format=xml')"
expect_eq "bad limit" 400 "$(code '/debug/drops?limit=0')"
expect_eq "unknown debug path" 404 "$(code '/debug/nope')"

promtool check metrics <"$TMP/m.txt" >/dev/null 2>&1 && pass "promtool check metrics" ||
	fail "promtool check metrics: $(promtool check metrics <"$TMP/m.txt" 2>&1)"
stop_dropmon

# --- off unless enabled --------------------------------------------------------------
start_dropmon
URL="http://127.0.0.1:$PORT"
expect_eq "debug off: 404" 404 "$(code '/debug/drops')"
expect_eq "saying how to enable it" 1 "$(grep -c -- '--web.enable-debug' "$TMP/body")"
expect_eq "no event metrics when off" 0 "$(scrape | grep -c '^dropmon_events_')"
stop_dropmon
finish
