#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `dropmon collect` on the real kernel: a TCP SYN to a closed port on
# ::1:8080 is printed with its reason, a stack through tcp_v6_rcv and the
# packet line; the netns filter keeps other drops out; under a rate limit
# every drop is accounted for (printed + over the limit + lost).
. "$(dirname "$0")/lib.sh"
require_kernel

C="${TAG}c"
netns_add "$C"
NSC=$(netns_inode "$C")

# start_collect [flags...]: collect in the background, output in
# $TMP/collect.out, log in $TMP/collect.log; waits until it listens.
start_collect() {
	"$DROPMON" collect --netns="$NSC" "$@" >"$TMP/collect.out" 2>"$TMP/collect.log" &
	COLLECT_PID=$!
	PIDS+=("$COLLECT_PID")
	for _ in $(seq 100); do
		grep -q "collecting drop events" "$TMP/collect.log" && return 0
		kill -0 "$COLLECT_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "collect did not start:"
	cat "$TMP/collect.log"
	return 1
}

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
for _ in $(seq 50); do
	grep -q "netns $NSC\$" "$TMP/collect.out" && break
	sleep 0.1
done
stop_collect
log "collect printed:"
sed 's/^/# | /' "$TMP/collect.out"

expect_eq "events printed" 1 "$(grep -c 'skb:kfree_skb drop' "$TMP/collect.out" || true)"
expect_eq "header: time, task, probe, reason" 1 \
	"$(grep -cE '^[0-9]+ \[dropgen\] [0-9]+ \[tp\] skb:kfree_skb drop \(NO_SOCKET\)$' \
		"$TMP/collect.out" || true)"
expect_eq "a stack frame in tcp_v6_rcv" 1 \
	"$(grep -cE '^    tcp_v6_rcv\+0x[0-9a-f]+$' "$TMP/collect.out" || true)"
expect_eq "tracing frames left out: the stack starts at the freeing function" 1 \
	"$(sed -n 2p "$TMP/collect.out" | grep -cE '^    (kfree_skb_reason|sk_skb_reason_drop|kfree_skb_list_reason)\+0x' || true)"
expect_eq "packet line" 1 \
	"$(grep -cE "^  if 1 \(lo\) rxif 1 ::1\.[0-9]+ > ::1\.8080 .*len 40 proto TCP \(6\) flags \[S\] seq [0-9]+ win [0-9]+ netns $NSC\$" \
		"$TMP/collect.out" || true)"
expect_eq "summary" 1 \
	"$(grep -cE '1 events printed; in the kernel 1 sent, [0-9]+ filtered out, 0 over the rate limit, 0 lost' \
		"$TMP/collect.log" || true)"

# --- a flood over the rate limit: nothing lost silently -------------------------
start_collect --rate=20 --burst=5
ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count 3000 >/dev/null
sleep 0.5
stop_collect
printed=$(grep -c 'skb:kfree_skb drop' "$TMP/collect.out" || true)
summary=$(grep 'events printed' "$TMP/collect.log")
log "$summary"
sent=$(echo "$summary" | sed -n 's/.* \([0-9]*\) sent,.*/\1/p')
limited=$(echo "$summary" | sed -n 's/.* \([0-9]*\) over the rate limit.*/\1/p')
lost=$(echo "$summary" | sed -n 's/.* \([0-9]*\) lost .*/\1/p')
expect_eq "every event sent was printed" "$sent" "$printed"
expect_eq "printed + over the limit + lost = drops in the netns" 3000 $((sent + limited + lost))
if [ "$sent" -ge 5 ] && [ "$sent" -le $((5 * $(nproc) + 40)) ]; then
	pass "the rate limit held: $sent sent"
else
	fail "rate limit: $sent events sent for --rate=20 --burst=5"
fi

finish
