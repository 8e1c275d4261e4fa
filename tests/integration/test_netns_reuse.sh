#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Network namespaces created one after another get the same inode (the
# kernel reuses a freed one at once): their drops must stay apart. Three
# namespaces with one inode, exact drops in each, one scrape within the grace
# period: three series, labelled INODE, INODE-2, INODE-3, each with its own
# dropmon_netns_info; after the grace period the two gone namespaces lose
# their series while the live one, with the same inode, keeps its own.
. "$(dirname "$0")/lib.sh"
require_kernel

NO_SOCKET=$(reason NO_SOCKET)
# Long enough for the checks within it (a second on the host, under a
# minute under emulation), short enough not to make the kernel matrix wait
# long for the expiry at the end. The namespace table's refresh is 5 s.
GRACE_S=8
GRACE=$(scaled $GRACE_S)
start_dropmon --netns.grace-period="${GRACE}s"

# UDP to a closed port on the namespace's loopback: NO_SOCKET drops in
# __udp4_lib_rcv on lo (ifindex 1), counted by the kernel as NoPorts.
lo_series() { drops_series "$NO_SOCKET" lo 1 "$1" __udp4_lib_rcv; }
drops_in() {
	local ns=$1 n=$2 before
	before=$(udp_noports "$ns")
	ip netns exec "$ns" "$DROPGEN" udp 127.0.0.1 9 --count "$n" >/dev/null
	wait_for 5 udp_noports_reach "$ns" $((before + n)) ||
		fail "netns $ns: the kernel counted $(($(udp_noports "$ns") - before)) of $n NoPorts"
}

# new_netns_with NAME INODE: creates NAME, retrying (the old namespace is
# freed by a kernel worker, not by `ip netns del` itself) until the kernel
# gives it INODE, for at most 10 s (scaled). Returns 1 if it never did.
try_netns() {
	ip netns del "$1" 2>/dev/null || true
	ip netns add "$1"
	[ "$(netns_inode "$1")" = "$2" ]
}
new_netns_with() {
	NETNS_CREATED+=("$1")
	wait_for 10 try_netns "$1" "$2" || return 1
	ip -n "$1" link set lo up
}

N1=37
N2=23
N3=11
R1="${TAG}r1"
R2="${TAG}r2"
R3="${TAG}r3"

netns_add "$R1"
INO=$(netns_inode "$R1")
log "netns $R1 has inode $INO"
drops_in "$R1" $N1
scrape_until "$TMP/m1.txt" "$(lo_series "$INO")" $N1
expect_eq "$R1: drops while alive" $N1 "$(value "$TMP/m1.txt" "$(lo_series "$INO")")"
ip netns del "$R1"

if ! new_netns_with "$R2" "$INO"; then
	# Without reuse there is nothing to tell apart: say so loudly, never
	# pass as if it had been checked.
	log "the kernel did not give inode $INO again (got $(netns_inode "$R2"))"
	stop_dropmon
	[ "$FAILURES" -eq 0 ] || finish
	skip "kernel $(uname -r) did not reuse netns inode $INO within $(scaled 10) s"
fi
log "netns $R2 has inode $(netns_inode "$R2"): reused"
drops_in "$R2" $N2
# A scrape while it lives names it (and orders it before R3: namespaces
# first seen by one scrape are ordered by their kernel identity, which
# says nothing of their age on 5.10).
scrape_until "$TMP/m2.txt" "$(lo_series "$INO-2")" $N2
expect_eq "$R2: drops while alive" $N2 "$(value "$TMP/m2.txt" "$(lo_series "$INO-2")")"
expect_eq "$R1: unchanged while $R2 lives" $N1 "$(value "$TMP/m2.txt" "$(lo_series "$INO")")"
ip netns del "$R2"
new_netns_with "$R3" "$INO" || fail "$R3 did not get inode $INO again (got $(netns_inode "$R3"))"
log "netns $R3 has inode $(netns_inode "$R3")"
drops_in "$R3" $N3

# Within the grace period of R1 and R2.
scrape_until "$TMP/m.txt" "$(lo_series "$INO-3")" $N3
expect_eq "$R1: its own series, after $R2 and $R3 took its inode" $N1 \
	"$(value "$TMP/m.txt" "$(lo_series "$INO")")"
expect_eq "$R2: a series of its own, labelled $INO-2" $N2 \
	"$(value "$TMP/m.txt" "$(lo_series "$INO-2")")"
expect_eq "$R3: a series of its own, labelled $INO-3" $N3 \
	"$(value "$TMP/m.txt" "$(lo_series "$INO-3")")"
expect_eq "series of lo's UDP drops with inode $INO" 3 \
	"$(grep -cE "^dropmon_drops_total\\{reason=\"$NO_SOCKET\",device=\"lo\",ifindex=\"1\",netns=\"$INO(-[0-9]+)?\",function=\"__udp4_lib_rcv\"\\}" "$TMP/m.txt" || true)"
for i in 1 2 3; do
	label=$INO
	[ $i = 1 ] || label=$INO-$i
	expect_eq "netns info of $TAG""r$i" 1 \
		"$(value "$TMP/m.txt" "dropmon_netns_info{netns=\"$label\",name=\"${TAG}r$i\"}")"
done
expect_eq "netns info samples of inode $INO" 3 \
	"$(grep -cE "^dropmon_netns_info\\{netns=\"$INO(-[0-9]+)?\"" "$TMP/m.txt" || true)"

# After the grace period R1's and R2's series go; R3's stay, under the same
# label (a label never moves to another namespace while one is shown).
drop_on_every_cpu
gone_ones_removed() {
	scrape >"$TMP/m.txt"
	! grep -qE "^dropmon_netns_info\\{netns=\"$INO(-2)?\"" "$TMP/m.txt"
}
# The grace period, a removal postponed once (-EBUSY, retried after the 5 s
# refresh), and slack.
wait_for $((GRACE_S + 5 + 10)) gone_ones_removed || fail "series of $R1 and $R2 still there after the grace period"
expect_eq "$R1's and $R2's series removed" 0 \
	"$(grep -cE "^dropmon_(drops|dropped_bytes)_total\\{.*netns=\"$INO(-2)?\"" "$TMP/m.txt" || true)"
expect_eq "$R3 keeps its series" $N3 "$(value "$TMP/m.txt" "$(lo_series "$INO-3")")"
expect_eq "$R3 keeps its netns info" 1 \
	"$(value "$TMP/m.txt" "dropmon_netns_info{netns=\"$INO-3\",name=\"$R3\"}")"
stop_dropmon
finish
