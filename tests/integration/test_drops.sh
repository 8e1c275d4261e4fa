#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Real drops in namespaces of our own, counted exactly with the right labels:
# TCP SYN to a closed port over IPv4 and IPv6, UDP to a closed port, an
# nftables drop rule. Also the exposition formats, gzip, / and 404.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v nft >/dev/null || skip "nftables (nft) is not installed"

NO_SOCKET=$(reason NO_SOCKET)
NETFILTER_DROP=$(reason NETFILTER_DROP)
two_netns
# Port 7777 on B drops UDP through nftables; nothing listens anywhere.
nft_drop_udp "$B" 7777

delta() {
	echo $(($(value "$TMP/after.txt" "$1") - $(value "$TMP/before.txt" "$1")))
}

# all_counted: a scrape into after.txt has at least the test's 154 drops of
# these reasons in B (more would fail the exact checks that follow).
all_counted() {
	scrape >"$TMP/after.txt"
	[ $(($(ours_in "$TMP/after.txt") - $(ours_in "$TMP/before.txt"))) -ge 154 ]
}
ours_in() {
	if [ "$KERNEL_REASONS" = true ]; then
		sum_matching "$1" "^dropmon_drops_total\\{reason=\"(NO_SOCKET|NETFILTER_DROP)\",.*netns=\"$NSB\""
	else
		sum_matching "$1" "^dropmon_drops_total\\{reason=\"NOT_SPECIFIED\",.*netns=\"$NSB\",function=\"(tcp_v4_rcv|tcp_v6_rcv|__udp4_lib_rcv|nf_hook_slow|nft_do_chain)\""
	fi
}

# exact_counts MODE [flags...]: starts dropmon, causes the drops, and checks
# every count; dropmon keeps running for the checks that follow.
exact_counts() {
	local mode=$1
	shift
	start_dropmon "$@"
	scrape >"$TMP/before.txt"
	expect_eq "attach mode" 1 "$(value "$TMP/before.txt" "dropmon_bpf_attach_info{mode=\"$mode\"}")"

	log "causing drops in netns $B (inode $NSB), device vb (ifindex $IFB)"
	ip netns exec "$A" "$DROPGEN" tcp-syn 198.18.0.2 8080 --count 37
	ip netns exec "$A" "$DROPGEN" tcp-syn 2001:db8::2 8080 --count 23
	ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 9999 --count 41 --size 100
	ip netns exec "$A" "$DROPGEN" udp 198.18.0.2 7777 --count 53 --size 10
	# Until every drop is in (a softirq may still hold the last ones), at
	# most 5 s; then each count must be exact.
	wait_for 5 all_counted || true

	expect_eq "$mode: TCP/IPv4 SYN to a closed port" 37 \
		"$(delta "$(drops_series "$NO_SOCKET" vb "$IFB" "$NSB" tcp_v4_rcv)")"
	expect_eq "$mode: TCP/IPv6 SYN to a closed port" 23 \
		"$(delta "$(drops_series "$NO_SOCKET" vb "$IFB" "$NSB" tcp_v6_rcv)")"
	expect_eq "$mode: UDP to a closed port" 41 \
		"$(delta "$(drops_series "$NO_SOCKET" vb "$IFB" "$NSB" __udp4_lib_rcv)")"
	NF_FUNC=$(nf_function "$TMP/after.txt" "$NSB")
	expect_eq "$mode: UDP dropped by an nftables rule (in $NF_FUNC)" 53 \
		"$(delta "$(drops_series "$NETFILTER_DROP" vb "$IFB" "$NSB" "$NF_FUNC")")"
	# skb->len at the drop: IP header + UDP header + payload (the MAC header has
	# been pulled by then).
	bytes_series=$(drops_series "$NETFILTER_DROP" vb "$IFB" "$NSB" "$NF_FUNC" |
		sed 's/^dropmon_drops_total/dropmon_dropped_bytes_total/')
	expect_eq "$mode: bytes dropped by the nftables rule" $((53 * (20 + 8 + 10))) "$(delta "$bytes_series")"
	# No drop of these reasons was counted twice or under another label in B
	# (IPv6 neighbour discovery there adds drops of other reasons; without
	# reasons, of other functions).
	expect_eq "$mode: $NO_SOCKET and $NETFILTER_DROP drops in netns $B" $((37 + 23 + 41 + 53)) \
		"$(($(ours_in "$TMP/after.txt") - $(ours_in "$TMP/before.txt")))"
	expect_eq "$mode: netns info names $B" 1 \
		"$(value "$TMP/after.txt" "dropmon_netns_info{netns=\"$NSB\",name=\"$B\"}")"
}

# raw_tp, the fallback where BTF trampolines are missing, counts the same.
exact_counts raw_tp --bpf.force-raw-tp
stop_dropmon
exact_counts tp_btf

# promtool lints the 0.0.4 text format.
if command -v promtool >/dev/null; then
	if out=$(promtool check metrics <"$TMP/after.txt" 2>&1); then
		pass "promtool check metrics"
	else
		fail "promtool check metrics: $out"
	fi
else
	fail "promtool is not installed (Debian package prometheus)"
fi

headers() { curl -sS -D - -o "$TMP/body" "http://127.0.0.1:$PORT$1" "${@:2}" | tr -d '\r'; }

h=$(headers /metrics)
expect_eq "text content type" "content-type: text/plain; version=0.0.4; charset=utf-8" \
	"$(echo "$h" | grep -i '^content-type:' | tr 'A-Z' 'a-z')"
expect_eq "text TYPE line names x_total" "# TYPE dropmon_drops_total counter" \
	"$(grep '^# TYPE dropmon_drops' "$TMP/body" | head -1)"

h=$(headers /metrics -H 'Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')
expect_eq "OpenMetrics content type" \
	"content-type: application/openmetrics-text; version=1.0.0; charset=utf-8" \
	"$(echo "$h" | grep -i '^content-type:' | tr 'A-Z' 'a-z')"
expect_eq "OpenMetrics TYPE line names the family" "# TYPE dropmon_drops counter" \
	"$(grep '^# TYPE dropmon_drops ' "$TMP/body")"
expect_eq "OpenMetrics ends with # EOF" "# EOF" "$(tail -n1 "$TMP/body")"
expect_eq "OpenMetrics sample carries _total" 37 \
	"$(value "$TMP/body" "$(drops_series "$NO_SOCKET" vb "$IFB" "$NSB" tcp_v4_rcv)")"

h=$(headers /metrics -H 'Accept-Encoding: gzip')
expect_eq "gzip content encoding" "content-encoding: gzip" \
	"$(echo "$h" | grep -i '^content-encoding:' | tr 'A-Z' 'a-z')"
expect_eq "gzip body decodes to the metrics" 37 \
	"$(gzip -dc "$TMP/body" >"$TMP/unzipped" && value "$TMP/unzipped" \
		"$(drops_series "$NO_SOCKET" vb "$IFB" "$NSB" tcp_v4_rcv)")"

# Prometheus keeps its connection between scrapes.
expect_eq "connections opened for two scrapes" "1 0" \
	"$(curl -s -o /dev/null -o /dev/null -w '%{num_connects} ' \
		"http://127.0.0.1:$PORT/metrics" "http://127.0.0.1:$PORT/metrics" | sed 's/ $//')"
expect_eq "landing page links the metrics" 1 \
	"$(curl -fsS "http://127.0.0.1:$PORT/" | grep -c 'href="/metrics"')"
expect_eq "unknown path" 404 \
	"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")"
expect_eq "POST is refused" 405 \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x "http://127.0.0.1:$PORT/metrics")"

stop_dropmon
finish
