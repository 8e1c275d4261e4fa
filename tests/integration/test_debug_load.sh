#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The debug endpoints under load and at the end: hundreds of concurrent
# snapshot, capture and follow clients (some never reading) hold the
# exporter's memory within a stated bound; a capture whose client left
# frees its slot; SIGTERM during a timed capture delivers what it captured
# as a valid pcapng and ends the chunked stream; so does a followed stream.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v tshark >/dev/null || fail "tshark is not installed (Debian package tshark)"

C="${TAG}c"
netns_add "$C"
NSC=$(netns_inode "$C")
DEBUG_FLAGS=(--web.enable-debug --debug.rate=1000000 --debug.burst=100000)

subscribers_are() { [ "$(scrape | awk '$1 == "dropmon_events_subscribers" { print $2 }')" = "$1" ]; }
sampled_at_least() { [ "$(scrape | awk '$1 == "dropmon_events_sampled_total" { print $2 }')" -ge "$1" ]; }
# sent_at_least N: N events sampled, or lost in a full kernel ring buffer.
sent_at_least() {
	[ "$(scrape | awk '$1 == "dropmon_events_sampled_total" || $1 == "dropmon_events_lost_total{stage=\"ringbuf\"}" { n += $2 } END { print n + 0 }')" -ge "$1" ]
}
rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$DROPMON_PID/status"; }
# packets_in FILE: packets of the test's netns in a capture (tshark fails on
# a truncated or invalid file, and then this prints nothing).
packets_in() { tshark -n -r "$1" -T fields -e frame.comment 2>/dev/null | grep -c "netns $NSC" || true; }

# --- SIGTERM during a timed capture, and during a followed stream --------------
# The capture is sent as it is made; the server ends it on SIGTERM.
for round in 1 2 3; do
	start_dropmon "${DEBUG_FLAGS[@]}"
	URL="http://127.0.0.1:$PORT"
	curl -sS -o "$TMP/cap$round.pcapng" "$URL/debug/pcap?seconds=60" 2>"$TMP/cap$round.err" &
	CAP=$!
	curl -sSN "$URL/debug/drops?follow=1" >"$TMP/fol$round.txt" 2>"$TMP/fol$round.err" &
	FOL=$!
	wait_for 10 subscribers_are 2 || fail "round $round: the capture and the follower did not subscribe"
	ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 25 >/dev/null
	wait_for 10 sampled_at_least 25 || fail "round $round: 25 events were not sampled"
	wait_for 10 lines_at_least 25 "$TMP/fol$round.txt" "netns $NSC\$" ||
		fail "round $round: the follower did not get the 25 events"
	stop_dropmon
	rc=0
	wait "$CAP" || rc=$?
	expect_eq "round $round: the capture's curl ended cleanly ($(cat "$TMP/cap$round.err"))" 0 "$rc"
	expect_eq "round $round: the capture holds the 25 packets, as a valid pcapng" 25 \
		"$(packets_in "$TMP/cap$round.pcapng")"
	rc=0
	wait "$FOL" || rc=$?
	expect_eq "round $round: the follower's stream ended cleanly ($(cat "$TMP/fol$round.err"))" 0 "$rc"
	expect_eq "round $round: with every event" 25 "$(grep -c "netns $NSC\$" "$TMP/fol$round.txt" || true)"
done

# --- a capture whose client left frees its slot ----------------------------------
start_dropmon "${DEBUG_FLAGS[@]}"
URL="http://127.0.0.1:$PORT"
curl -sS -o /dev/null "$URL/debug/pcap?seconds=60" &
CAP=$!
wait_for 10 subscribers_are 1 || fail "the capture did not subscribe"
kill "$CAP"
wait "$CAP" 2>/dev/null || true
if wait_for 5 subscribers_are 0; then
	pass "a capture whose client left gave its slot back"
else
	fail "a capture whose client left still holds its slot"
fi
stop_dropmon

# --- memory under hundreds of clients --------------------------------------------
# The most recent events the flags allow, within the default 16 MiB of
# events; full-size packets so each event is as large as drops make them.
start_dropmon "${DEBUG_FLAGS[@]}" --debug.recent=100000 --web.max-connections=400 \
	--web.max-connections-per-ip=100
URL="http://127.0.0.1:$PORT"
ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 30000 --size 1000 >/dev/null
wait_for 30 sent_at_least 30000 || fail "30000 events were not sent"
stored=$(scrape | awk '$1 == "dropmon_events_stored_bytes" { print $2 }')
log "events stored: $stored bytes"
if [ "$stored" -gt $((8 << 20)) ] && [ "$stored" -le $((16 << 20)) ]; then
	pass "the events fill --debug.memory and stay within it ($stored bytes)"
else
	fail "events stored: $stored bytes, expected between 8 and 16 MiB"
fi
before=$(rss_kib)

# 300 clients from four addresses, all at once: snapshots of the whole ring
# as pcapng and text, timed captures and followers, and followers that never
# read (raw sockets left open). Each curl is bounded in time.
CLIENTS=()
for i in $(seq 1 300); do
	src="127.0.0.$((i % 4 + 1))"
	case $((i % 5)) in
	0) path="/debug/pcap" ;;
	1) path="/debug/drops?limit=100000" ;;
	2) path="/debug/drops?limit=100000&format=json" ;;
	3) path="/debug/pcap?seconds=3" ;;
	4) path="/debug/drops?follow=1" ;;
	esac
	curl -s -o /dev/null --interface "$src" --max-time "$(scaled 20)" "$URL$path" &
	CLIENTS+=($!)
done
for fd in 20 21 22 23 24 25 26 27; do
	eval "exec $fd<>/dev/tcp/127.0.0.1/$PORT"
	printf 'GET /debug/drops?follow=1&format=json HTTP/1.1\r\nHost: x\r\n\r\n' >&"$fd"
done
# Drops keep coming meanwhile, so followers and captures have work.
ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 20000 --size 1000 >/dev/null &
GEN=$!
peak=$before
running=1
while [ "$running" -gt 0 ]; do
	r=$(rss_kib)
	[ "$r" -le "$peak" ] || peak=$r
	running=0
	for pid in "${CLIENTS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			running=1
			break
		fi
	done
	sleep 0.2
done
wait "$GEN" || true
for pid in "${CLIENTS[@]}"; do wait "$pid" 2>/dev/null || true; done
for fd in 20 21 22 23 24 25 26 27; do eval "exec $fd>&-"; done
wait_for 10 subscribers_are 0 || fail "subscribers left behind after the clients"
after=$(rss_kib)
log "RSS: $before KiB before the clients, $peak KiB at the peak, $after KiB after"
# The bound: the events' budget (16 MiB) is in "before" already; each client
# adds its thread and a block-sized buffer. The DaemonSet's limit is 64 MiB.
if grep -q libasan < <(ldd "$DROPMON" 2>/dev/null); then
	log "an ASan build: its allocator keeps freed memory in quarantine, so RSS is not checked here"
else
	if [ "$peak" -le $((before + 24 * 1024)) ] && [ "$peak" -le $((64 * 1024)) ]; then
		pass "RSS peaked at $peak KiB with 300 clients (before: $before KiB; bound: +24 MiB and 64 MiB)"
	else
		fail "RSS peaked at $peak KiB with 300 clients (before: $before KiB)"
	fi
	if [ "$after" -le $((before + 8 * 1024)) ]; then
		pass "and came back to $after KiB"
	else
		fail "RSS stayed at $after KiB after the clients (before: $before KiB)"
	fi
fi
stop_dropmon
finish
