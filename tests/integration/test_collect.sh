#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `dropmon collect` on the real kernel: a TCP SYN to a closed port on
# ::1:8080 is printed with its reason, a stack through tcp_v6_rcv and the
# packet line; the netns filter keeps other drops out; under a rate limit
# every drop is accounted for (printed + over the limit + lost).
. "$(dirname "$0")/lib.sh"
require_kernel

NO_SOCKET=$(reason NO_SOCKET)
C="${TAG}c"
netns_add "$C"
NSC=$(netns_inode "$C")

# start_collect [flags...]: collect in the background, output in
# $TMP/collect.out, log in $TMP/collect.log; waits until it listens.
start_collect() {
	rm -f "$TMP/collect.log" # the last one's would answer collect_up
	"$DROPMON" collect --netns="$NSC" "$@" >"$TMP/collect.out" 2>"$TMP/collect.log" &
	COLLECT_PID=$!
	PIDS+=("$COLLECT_PID")
	wait_for 10 collect_up || true
	grep -q "collecting drop events" "$TMP/collect.log" && return 0
	echo "collect did not start:"
	cat "$TMP/collect.log"
	return 1
}

# Listening, or gone.
collect_up() { grep -q "collecting drop events" "$TMP/collect.log" || ! kill -0 "$COLLECT_PID" 2>/dev/null; }

# stop_collect: SIGINT, and the exit status must be 0.
stop_collect() {
	local rc=0
	kill -INT "$COLLECT_PID"
	wait "$COLLECT_PID" || rc=$?
	expect_eq "collect exit status after SIGINT" 0 "$rc"
}

# --- one SYN, printed in full ------------------------------------------------
start_collect
ip netns exec "$C" "$DROPGEN" tcp-syn ::1 8080 --count 1 >/dev/null
wait_for 5 lines_at_least 1 "$TMP/collect.out" " netns $NSC\$" || true
stop_collect
log "collect printed:"
sed 's/^/# | /' "$TMP/collect.out"

expect_eq "events printed" 1 "$(grep -c 'skb:kfree_skb drop' "$TMP/collect.out" || true)"
expect_eq "header: time, task, probe, reason" 1 \
	"$(grep -cE '^[0-9]+ \['"$DROP_TASK_RE"'\] [0-9]+ \[tp\] skb:kfree_skb drop \('"$NO_SOCKET"'\)$' \
		"$TMP/collect.out" || true)"
expect_eq "a stack frame in tcp_v6_rcv" 1 \
	"$(grep -cE '^    tcp_v6_rcv\+0x[0-9a-f]+$' "$TMP/collect.out" || true)"
expect_eq "tracing frames left out: the stack starts at the freeing function" 1 \
	"$(sed -n 2p "$TMP/collect.out" | grep -cE '^    (kfree_skb|kfree_skb_reason|sk_skb_reason_drop|kfree_skb_list_reason)\+0x' || true)"
expect_eq "packet line" 1 \
	"$(grep -cE "^  if 1 \(lo\) rxif 1 ::1\.[0-9]+ > ::1\.8080 .*len 40 proto TCP \(6\) flags \[S\] seq [0-9]+ win [0-9]+ netns $NSC\$" \
		"$TMP/collect.out" || true)"
expect_eq "summary" 1 \
	"$(grep -cE '1 events printed, 0 not written; 0 filtered out by --filter; in the kernel 1 sent, [0-9]+ filtered out, 0 over the rate limit, 0 lost' \
		"$TMP/collect.log" || true)"

# --- a flood over the rate limit: nothing lost silently -------------------------
start_collect --rate=20 --burst=5
noports=$(udp_noports "$C")
ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 3000 >"$TMP/flood.txt"
wait_for 10 udp_noports_reach "$C" $((noports + 3000)) || fail "the kernel saw fewer than 3000 datagrams"
stop_collect
printed=$(grep -c 'skb:kfree_skb drop' "$TMP/collect.out" || true)
summary=$(grep 'events printed' "$TMP/collect.log")
log "$summary"
sent=$(echo "$summary" | sed -n 's/.* \([0-9]*\) sent,.*/\1/p')
limited=$(echo "$summary" | sed -n 's/.* \([0-9]*\) over the rate limit.*/\1/p')
lost=$(echo "$summary" | sed -n 's/.* \([0-9]*\) lost .*/\1/p')
expect_eq "every event sent was printed" "$sent" "$printed"
expect_eq "printed + over the limit + lost = drops in the netns" 3000 $((sent + limited + lost))
# At most a full bucket per CPU and 20/s over the flood (longer under
# emulation), with a second's slack.
flood_s=$(sed -n 's/.* seconds=\([0-9]*\).*/\1/p' "$TMP/flood.txt")
if [ "$sent" -ge 5 ] && [ "$sent" -le $((5 * $(nproc) + 20 * (${flood_s:-0} + 2))) ]; then
	pass "the rate limit held: $sent sent"
else
	fail "rate limit: $sent events sent for --rate=20 --burst=5"
fi

# --- through a veth pair: device, rx device, netns; the reason filter ----------
two_netns
nft_drop_udp "$B" 7777
NSC_TEST=$NSC
NSC=$NSB # start_collect filters on $NSC
if [ "$KERNEL_REASONS" = true ]; then
	start_collect --reason=NETFILTER_DROP
	ip netns exec "$A" "$DROPGEN" tcp-syn 198.18.0.2 8080 --count 2 >/dev/null
else
	# Before 5.17 a reason filter can name nothing but NOT_SPECIFIED, and
	# says why when asked for more.
	rc=0
	"$DROPMON" collect --reason=NETFILTER_DROP >/dev/null 2>"$TMP/reason.err" || rc=$?
	expect_eq "--reason=NETFILTER_DROP without drop reasons exits 2" 2 "$rc"
	expect_eq "saying that this kernel reports none" 1 \
		"$(grep -c 'this kernel reports no drop reasons' "$TMP/reason.err" || true)"
	start_collect --reason=NOT_SPECIFIED
fi
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 7777 --count 3 --size 10 >/dev/null
wait_for 5 lines_at_least 3 "$TMP/collect.out" 'skb:kfree_skb drop' || true
stop_collect
NSC=$NSC_TEST
nf_events=$(grep -c "skb:kfree_skb drop ($(reason NETFILTER_DROP))\$" "$TMP/collect.out" || true)
expect_eq "packet line: device, rx device, addresses, netns" 3 \
	"$(grep -cE "^  if $IFB \(vb\) rxif $IFB 198\.18\.0\.1\.[0-9]+ > 198\.18\.0\.2\.7777 ttl 64 .*len 38 proto UDP \(17\) udp len 18 netns $NSB\$" \
		"$TMP/collect.out" || true)"
if [ "$KERNEL_REASONS" = true ]; then
	expect_eq "only NETFILTER_DROP events" 3 "$nf_events"
	expect_eq "and no other event" 3 "$(grep -c 'skb:kfree_skb drop' "$TMP/collect.out" || true)"
	kfiltered=$(sed -n 's/.* sent, \([0-9]*\) filtered out, .*/\1/p' "$TMP/collect.log")
	if [ "${kfiltered:-0}" -ge 2 ]; then
		pass "the SYN drops were filtered out in the kernel ($kfiltered)"
	else
		fail "kernel filtered count: '$kfiltered'"
	fi
else
	if [ "$nf_events" -ge 3 ]; then
		pass "--reason=NOT_SPECIFIED keeps every drop ($nf_events)"
	else
		fail "--reason=NOT_SPECIFIED kept $nf_events events of the 3 UDP drops"
	fi
fi
rc=0
"$DROPMON" collect --reason=NO_SUCH_REASON >/dev/null 2>"$TMP/reason.err" || rc=$?
expect_eq "an unknown --reason exits 2" 2 "$rc"

# --- stored events: collect -o, print, pcap (read back by tshark) -------------
start_collect -o "$TMP/drops.data"
ip netns exec "$C" "$DROPGEN" tcp-syn ::1 8080 --count 3 >/dev/null
ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 2 --size 10 >/dev/null
wait_for 5 lines_at_least 5 "$TMP/drops.data" || true
stop_collect
expect_eq "events stored" 5 "$(wc -l <"$TMP/drops.data")"
expect_eq "the stored file is the owner's only (packet contents)" 600 "$(stat -c %a "$TMP/drops.data")"
expect_eq "stored as NDJSON with the documented fields" 5 \
	"$(grep -c '^{"v":1,"time_ns":[0-9]*,"wall_time":"[0-9T:.-]*Z",.*"reason":"'"$NO_SOCKET"'",.*"packet_start":"mac","packet":"[0-9a-f]*"}$' \
		"$TMP/drops.data" || true)"
"$DROPMON" print -i "$TMP/drops.data" >"$TMP/print.out"
expect_eq "print shows the stored SYNs" 3 \
	"$(grep -cE '^  if 1 \(lo\) rxif 1 ::1\.[0-9]+ > ::1\.8080 .*flags \[S\]' "$TMP/print.out" || true)"
expect_eq "print shows their stacks" 3 "$(grep -cE '^    tcp_v6_rcv\+0x' "$TMP/print.out" || true)"

# A corrupt line is reported with its number and skipped; the rest still comes out.
{
	head -n 2 "$TMP/drops.data"
	echo '{"v":1,"time_ns":'
	head -c 1100000 /dev/zero | tr '\0' x # over the 1 MiB a line may have
	echo
	tail -n 3 "$TMP/drops.data"
} >"$TMP/corrupt.data"
rc=0
"$DROPMON" print -i "$TMP/corrupt.data" >"$TMP/print2.out" 2>"$TMP/print2.err" || rc=$?
expect_eq "print of a corrupt file exits 1" 1 "$rc"
expect_eq "the corrupt line is named" 1 "$(grep -c 'corrupt.data:3: ' "$TMP/print2.err" || true)"
expect_eq "the overlong line is named" 1 \
	"$(grep -c 'corrupt.data:4: line too long' "$TMP/print2.err" || true)"
expect_eq "every other event is printed" 5 \
	"$(grep -c 'skb:kfree_skb drop' "$TMP/print2.out" || true)"

"$DROPMON" pcap -i "$TMP/drops.data" -o "$TMP/udp.pcapng" --filter udp 2>"$TMP/pcap.err"
log "$(cat "$TMP/pcap.err")"
if command -v tshark >/dev/null; then
	tshark -n -r "$TMP/udp.pcapng" -T fields -E separator=/s -e frame.interface_name \
		-e ip.dst -e udp.dstport -e data.data -e frame.comment 2>/dev/null >"$TMP/tshark.out"
	log "tshark read:"
	sed 's/^/# | /' "$TMP/tshark.out"
	expect_eq "the capture holds only what the filter keeps" 2 "$(wc -l <"$TMP/tshark.out")"
	expect_eq "the capture is the owner's only" 600 "$(stat -c %a "$TMP/udp.pcapng")"
	expect_eq "tshark reads the filtered packets with the bytes sent and why" 2 \
		"$(grep -cE '^lo 127.0.0.1 9 00000000000000000000 drop reason '"$NO_SOCKET"'; function __udp4_lib_rcv; netns '"$NSC"'; task '"$DROP_TASK_RE"' [0-9]+$' \
			"$TMP/tshark.out" || true)"
else
	fail "tshark is not installed (Debian package tshark)"
fi
rc=0
"$DROPMON" pcap -i "$TMP/drops.data" -o "$TMP/x.pcapng" --filter 'tcp prot 80' 2>"$TMP/bad.err" || rc=$?
expect_eq "a bad --filter exits 2" 2 "$rc"
expect_eq "with libpcap's message" 1 "$(grep -c "filter 'tcp prot 80': .*syntax error" "$TMP/bad.err" || true)"

# --- a transmit drop: the frame length from the Ethernet header ----------------
# At a receive drop skb->len leaves the Ethernet header out; at a transmit
# drop (a full qdisc, here one that holds nothing) it counts it. frame_len
# is right for both: a 10-byte UDP payload is a 52-byte frame either way.
ip netns exec "$A" tc qdisc replace dev va root pfifo limit 0
NSC=$(netns_inode "$A")
start_collect --reason="$(reason QDISC_DROP)" -o "$TMP/tx.data"
ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 7777 --count 3 --size 10 >/dev/null
wait_for 5 lines_at_least 3 "$TMP/tx.data" '"len":52,' || true
stop_collect
ip netns exec "$A" tc qdisc del dev va root
"$DROPMON" pcap -i "$TMP/tx.data" -o "$TMP/tx.pcapng" --filter 'udp port 7777' 2>/dev/null
tshark -n -r "$TMP/tx.pcapng" -T fields -E separator=/s -e frame.len -e frame.cap_len -e ip.len \
	2>/dev/null >"$TMP/tx.txt"
sed 's/^/# | /' "$TMP/tx.txt"
expect_eq "transmit drops: frame 52 bytes, all captured, IP 38" "52 52 38 52 52 38 52 52 38" \
	"$(tr '\n' ' ' <"$TMP/tx.txt" | sed 's/ $//')"
expect_eq "and in the stored file" 3 "$(grep -c '"len":52,"frame_len":52' "$TMP/tx.data" || true)"

finish
