#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `dropmon collect --netfilter-rules`: every NETFILTER_DROP event of a ruleset
# the test builds names the rule that dropped it (family, table, chain,
# handle and the rule's text as `nft -a list chain` prints it), or the chain
# whose policy did, or says it cannot tell (iptables-legacy); in the NDJSON,
# in `print` and in the text output, with exact counts per rule. collect's
# trace table (inet dropmon_trace) is added only while it runs: after
# SIGINT, SIGTERM or --duration every ruleset is as it was, a table left by
# a SIGKILL is removed by the next run, and a second run is refused.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v nft >/dev/null || skip "nftables (nft) is not installed"
command -v iptables-legacy >/dev/null || skip "iptables-legacy is not installed (Debian package iptables)"
command -v python3 >/dev/null || skip "python3 is not installed (reads the NDJSON)"
[ "$KERNEL_REASONS" = true ] || skip "kernel $(uname -r) has no drop reasons: NETFILTER_DROP cannot be told"

TRACE_TABLE="inet dropmon_trace"
# A table collect left in the host's netns (a failed run of this test) is
# removed on exit, unless one was there before the test began.
HOST_TRACE_BEFORE=false
nft list table $TRACE_TABLE >/dev/null 2>&1 && HOST_TRACE_BEFORE=true
nfrules_cleanup() {
	cleanup
	if [ "$HOST_TRACE_BEFORE" = false ]; then
		nft delete table $TRACE_TABLE 2>/dev/null || true
	fi
}
trap nfrules_cleanup EXIT

two_netns
# B: an inet table whose input chain jumps to a regular chain that drops
# UDP 5000 and drops 5001 itself; an ip table (later priority) whose policy
# drops what it does not accept (UDP 5004 here); iptables-legacy drops 5003;
# an ip6 table drops UDP 6000. Each chain starts with a rule that matches
# nothing, so that a rule's handle is not its position.
ip netns exec "$B" nft -f - <<'NFT'
table inet dm_filter {
	chain deny {
		udp dport 4990 accept
		udp dport 5000 drop
	}
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 4991 accept
		udp dport 5000 jump deny
		udp dport 5001 drop
	}
}
table ip dm_policy {
	chain in_policy {
		type filter hook input priority 10; policy drop;
		udp dport 5003 accept
		ip protocol icmp accept
		tcp dport 1-65535 accept
	}
}
table ip6 dm_six {
	chain in6 {
		type filter hook input priority 0; policy accept;
		udp dport 6990 accept
		udp dport 6000 drop
	}
}
NFT
ip netns exec "$B" iptables-legacy -A INPUT -p udp --dport 5003 -j DROP

# A router R between A and a netns C: R's forward chain drops UDP 5005 on
# its way from A to C. A and C have no nftables table at all.
router_netns
ip netns exec "$R" nft -f - <<'NFT'
table inet dm_router {
	chain routed {
		type filter hook forward priority 0; policy accept;
		udp dport 5995 accept
		udp dport 5005 drop
	}
}
NFT

# rule_line NS FAMILY TABLE CHAIN RULE: the line of `nft -a list chain` for
# RULE (e.g. "udp dport 5000 drop"), leading whitespace stripped, with its
# "# handle N"; exactly one such line, or the set-up fails.
rule_line() {
	local lines
	lines=$(ip netns exec "$1" nft -a list chain "$2" "$3" "$4" | grep -E "^[[:space:]]+$5 # handle [0-9]+\$" |
		sed 's/^[[:space:]]*//')
	if [ "$(printf '%s\n' "$lines" | grep -c .)" -ne 1 ]; then
		echo "FAIL: set-up: no single rule '$5' in $2 $3 chain $4 of netns $1: '$lines'" >&2
		return 1
	fi
	printf '%s\n' "$lines"
}
handle_of() { echo "${1##*# handle }"; }

# What each port's drops must name. Ports (and counts) are distinct per
# rule, so that a drop named by the wrong rule shows. Per port: the netns,
# the datagrams sent, the destination, the text after "netfilter rule: " and
# the NDJSON member (keys sorted, as check_ndjson prints it; "none": no
# member); for the iptables-legacy port the text is a pattern (unknown).
PORTS="5000 5001 5003 5004 6000 5005"
declare -A NS_OF COUNT DEST TEXT JSON
L=$(rule_line "$B" inet dm_filter deny "udp dport 5000 drop")
H=$(handle_of "$L")
NS_OF[5000]=$NSB COUNT[5000]=13 DEST[5000]=198.18.0.2
TEXT[5000]="inet dm_filter chain deny handle $H: $L"
JSON[5000]="{\"chain\":\"deny\",\"family\":\"inet\",\"handle\":$H,\"table\":\"dm_filter\",\"text\":\"$L\"}"
DENY_HANDLE=$H DENY_TEXT=$L
L=$(rule_line "$B" inet dm_filter input "udp dport 5001 drop")
H=$(handle_of "$L")
NS_OF[5001]=$NSB COUNT[5001]=7 DEST[5001]=198.18.0.2
TEXT[5001]="inet dm_filter chain input handle $H: $L"
JSON[5001]="{\"chain\":\"input\",\"family\":\"inet\",\"handle\":$H,\"table\":\"dm_filter\",\"text\":\"$L\"}"
NS_OF[5003]=$NSB COUNT[5003]=5 DEST[5003]=198.18.0.2
TEXT[5003]='unknown \(.+\)'
JSON[5003]=none
NS_OF[5004]=$NSB COUNT[5004]=9 DEST[5004]=198.18.0.2
TEXT[5004]="ip dm_policy chain in_policy policy drop"
JSON[5004]='{"chain":"in_policy","family":"ip","policy":true,"table":"dm_policy"}'
L=$(rule_line "$B" ip6 dm_six in6 "udp dport 6000 drop")
H=$(handle_of "$L")
NS_OF[6000]=$NSB COUNT[6000]=6 DEST[6000]=2001:db8::2
TEXT[6000]="ip6 dm_six chain in6 handle $H: $L"
JSON[6000]="{\"chain\":\"in6\",\"family\":\"ip6\",\"handle\":$H,\"table\":\"dm_six\",\"text\":\"$L\"}"
L=$(rule_line "$R" inet dm_router routed "udp dport 5005 drop")
H=$(handle_of "$L")
NS_OF[5005]=$NSR COUNT[5005]=3 DEST[5005]=198.20.0.2
TEXT[5005]="inet dm_router chain routed handle $H: $L"
JSON[5005]="{\"chain\":\"routed\",\"family\":\"inet\",\"handle\":$H,\"table\":\"dm_router\",\"text\":\"$L\"}"
TOTAL=0
for p in $PORTS; do
	TOTAL=$((TOTAL + COUNT[$p]))
	log "port $p: ${COUNT[$p]} drops in netns ${NS_OF[$p]} must name: ${TEXT[$p]}"
done

# send [PORT...]: each port's datagrams from A (all ports by default).
send() {
	local p
	[ $# -gt 0 ] || set -- $PORTS
	for p in "$@"; do
		ip netns exec "$A" "$DROPGEN" udp "${DEST[$p]}" "$p" --count "${COUNT[$p]}" >/dev/null
	done
}

# The rulesets collect must leave as it found them: the test's namespaces
# and the host's.
ALL_NS="$B $R $C $A"
snapshot() {
	local ns
	mkdir -p "$1"
	for ns in $ALL_NS; do
		ip netns exec "$ns" nft list ruleset >"$1/$ns"
	done
	nft list ruleset >"$1/host"
}
snapshot "$TMP/rules.before"
# restored WHAT: every ruleset equals the one from before the first run.
restored() {
	local f name
	rm -rf "$TMP/rules.now"
	snapshot "$TMP/rules.now"
	for f in "$TMP/rules.before"/*; do
		name=$(basename "$f")
		if cmp -s "$f" "$TMP/rules.now/$name"; then
			pass "$1: ruleset of netns $name as before"
		else
			fail "$1: ruleset of netns $name differs from before:"
			diff -u "$f" "$TMP/rules.now/$name" | sed 's/^/#   /' || true
		fi
	done
}

# exited PID: the process is gone or a zombie (kill -0 succeeds on both).
exited() {
	local s
	s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$s" ] || [ "$s" = Z ]
}
has_trace() { ip netns exec "$1" nft list table $TRACE_TABLE >/dev/null 2>&1; }
traced_in_b_and_r() { has_trace "$B" && has_trace "$R"; }
started() {
	{ grep -q "collecting drop events" "$LOG" && traced_in_b_and_r; } || exited "$COLLECT_PID"
}

# start_collect NAME [flags...]: `collect --netfilter-rules --reason
# NETFILTER_DROP` with stdout in $TMP/NAME.out and stderr in $TMP/NAME.log
# ($LOG); waits until it collects and its table is in B and R. Sets
# COLLECT_PID.
start_collect() {
	local name=$1
	shift
	LOG="$TMP/$name.log"
	"$DROPMON" collect --netfilter-rules --reason NETFILTER_DROP "$@" >"$TMP/$name.out" 2>"$LOG" &
	COLLECT_PID=$!
	PIDS+=("$COLLECT_PID")
	wait_for 10 started || true
	if exited "$COLLECT_PID"; then
		echo "FAIL: $name: collect --netfilter-rules exited at its start; its stderr:"
		sed 's/^/# | /' "$LOG"
		return 1
	fi
	if ! grep -q "collecting drop events" "$LOG" || ! traced_in_b_and_r; then
		echo "FAIL: $name: collect did not add table $TRACE_TABLE to netns $B and $R within 10 s; its stderr:"
		sed 's/^/# | /' "$LOG"
		return 1
	fi
	pass "$name: collect runs, its table $TRACE_TABLE is in netns $B and $R"
}

# stop_collect NAME SIGNAL: sends SIGNAL, waits (at most 10 s) for the exit,
# which must be status 0.
stop_collect() {
	local rc=0
	kill -"$2" "$COLLECT_PID" 2>/dev/null || fail "$1: collect had exited before SIG$2"
	wait_for 10 exited "$COLLECT_PID" || {
		fail "$1: collect still runs 10 s after SIG$2; killed"
		kill -KILL "$COLLECT_PID" 2>/dev/null || true
	}
	wait "$COLLECT_PID" || rc=$?
	expect_eq "$1: exit status after SIG$2" 0 "$rc"
	log "$1: its stderr:"
	sed 's/^/# | /' "$LOG"
}

# While collect runs: its table in B and R as the spec says, none where
# there was no nftables table (A, C); stderr names the namespaces.
check_trace_table() {
	local t ns
	t=$(ip netns exec "$B" nft list table $TRACE_TABLE)
	log "$1: its table in netns $B:"
	printf '%s\n' "$t" | sed 's/^/# | /'
	for hook in prerouting output; do
		if printf '%s\n' "$t" | grep -Eq "type [a-z]+ hook $hook priority -2147483648;"; then
			pass "$1: a chain at $hook, priority -2147483648"
		else
			fail "$1: no chain at hook $hook with priority -2147483648"
		fi
	done
	expect_eq "$1: rules 'meta nftrace set 1'" 2 "$(printf '%s\n' "$t" | grep -c 'meta nftrace set 1' || true)"
	for ns in "$A" "$C"; do
		if has_trace "$ns"; then
			fail "$1: table $TRACE_TABLE in netns $ns, which has no nftables table"
		else
			pass "$1: no table in netns $ns (no nftables table there)"
		fi
	done
	for ns in "$B" "$R"; do
		if grep -Eq "(\\b$ns\\b|\\b$(netns_inode "$ns")\\b)" "$LOG"; then
			pass "$1: stderr names netns $ns: $(grep -Em1 "(\\b$ns\\b|\\b$(netns_inode "$ns")\\b)" "$LOG")"
		else
			fail "$1: stderr does not name netns $ns (name or inode $(netns_inode "$ns")) as one it adds a table to"
		fi
	done
}

# text_events FILE: for each event of text output (collect's or print's)
# in B or R, "NETNS<TAB>DPORT<TAB>RULE", RULE the text after
# "  netfilter rule: " or "-" without such a line.
text_events() {
	awk -v nsb="$NSB" -v nsr="$NSR" '
		function flush() {
			if (have && (netns == nsb || netns == nsr))
				printf "%s\t%s\t%s\n", netns, port, rule
			have = 0
		}
		/ \[tp\] skb:kfree_skb drop \(/ { flush(); have = 1; netns = ""; port = ""; rule = "-"; next }
		/^    / { next }
		/^  netfilter rule: / { rule = substr($0, 19); next }
		/^  netfilter: / { next }
		/^  / {
			if (match($0, / netns [0-9]+/))
				netns = substr($0, RSTART + 7, RLENGTH - 7)
			if (match($0, / > [^ ]*[.:][0-9]+ /)) {
				s = substr($0, RSTART + 3, RLENGTH - 4)
				sub(/.*[.:]/, "", s)
				port = s
			}
		}
		END { flush() }' "$1"
}

# ndjson_events FILE: the same for an NDJSON file, RULE its
# "netfilter_rule" member with sorted keys, or "none".
ndjson_events() {
	python3 - "$1" "$NSB" "$NSR" <<'PY'
import json, sys

ours = {int(sys.argv[2]), int(sys.argv[3])}
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev.get("netns") not in ours:
        continue
    pkt = bytes.fromhex(ev["packet"])
    if ev.get("packet_start") == "mac":
        pkt = pkt[14:]
    if pkt[0] >> 4 == 4:
        l4 = pkt[(pkt[0] & 15) * 4:]
    else:
        l4 = pkt[40:]
    port = int.from_bytes(l4[2:4], "big")
    rule = ev.get("netfilter_rule")
    rule = "none" if rule is None else json.dumps(rule, sort_keys=True, separators=(",", ":"))
    print(f"{ev['netns']}\t{port}\t{rule}")
PY
}

# check_events WHAT KIND [PORT...]: in $TMP/events.tsv, made by text_events
# (KIND text, or print: from a stored file) or ndjson_events (KIND json),
# for each PORT (default: all of PORTS) exactly COUNT events, every one
# naming its rule. A stored event that names none has no netfilter_rule, so
# there is no why for print to show: either no line or "unknown (...)".
check_events() {
	local what=$1 kind=$2 p n named
	shift 2
	[ $# -gt 0 ] || set -- $PORTS
	for p in "$@"; do
		n=$(grep -c "^${NS_OF[$p]}	$p	" "$TMP/events.tsv" || true)
		if [ "$kind" = json ]; then
			named=$(grep -cxF "${NS_OF[$p]}	$p	${JSON[$p]}" "$TMP/events.tsv" || true)
		elif [ "$p" = 5003 ] && [ "$kind" = print ]; then
			named=$(grep -cxE "${NS_OF[$p]}	$p	(-|${TEXT[$p]})" "$TMP/events.tsv" || true)
		elif [ "$p" = 5003 ]; then
			named=$(grep -cxE "${NS_OF[$p]}	$p	${TEXT[$p]}" "$TMP/events.tsv" || true)
		else
			named=$(grep -cxF "${NS_OF[$p]}	$p	${TEXT[$p]}" "$TMP/events.tsv" || true)
		fi
		expect_eq "$what: events of port $p" "${COUNT[$p]}" "$n"
		if [ "$kind" = json ]; then
			expect_eq "$what: events of port $p with netfilter_rule ${JSON[$p]}" "${COUNT[$p]}" "$named"
		elif [ "$p" = 5003 ] && [ "$kind" = print ]; then
			expect_eq "$what: events of port $p naming no rule (no line, or 'netfilter rule: unknown (...)')" \
				"${COUNT[$p]}" "$named"
		else
			expect_eq "$what: events of port $p with 'netfilter rule: ${TEXT[$p]}'" "${COUNT[$p]}" "$named"
		fi
		if [ "$named" != "${COUNT[$p]}" ]; then
			log "$what: what port $p's events name:"
			grep "^${NS_OF[$p]}	$p	" "$TMP/events.tsv" | cut -f3 | sort | uniq -c | sed 's/^/#   /' || true
		fi
	done
}

# ndjson_count FILE: events of B and R in FILE.
ndjson_count() { grep -cE "\"netns\":($NSB|$NSR)," "$1" 2>/dev/null || true; }
ndjson_has() { [ "$(ndjson_count "$1")" -ge "$2" ]; }
text_has() { [ "$(text_events "$1" | wc -l)" -ge "$2" ]; }

# run_ndjson NAME SIGNAL: a run into NDJSON stopped with SIGNAL; every
# event checked, in the file and as print shows it; the rulesets restored.
run_ndjson() {
	local name=$1
	start_collect "$name" -o "$TMP/$name.ndjson"
	check_trace_table "$name"
	send
	wait_for 10 ndjson_has "$TMP/$name.ndjson" "$TOTAL" ||
		fail "$name: $(ndjson_count "$TMP/$name.ndjson") events of B and R within 10 s, not $TOTAL"
	[ -z "${DURING:-}" ] || "$DURING" "$name"
	stop_collect "$name" "$2"
	ndjson_events "$TMP/$name.ndjson" >"$TMP/events.tsv"
	expect_eq "$name: events of B and R stored" "$TOTAL" "$(wc -l <"$TMP/events.tsv")"
	check_events "$name NDJSON" json
	# The members exactly as the spec spells them, keys in its order.
	expect_eq "$name: NDJSON of the jump's rule spelt as the spec's" "${COUNT[5000]}" \
		"$(grep -cF "\"netfilter_rule\":{\"family\":\"inet\",\"table\":\"dm_filter\",\"chain\":\"deny\",\"handle\":$DENY_HANDLE,\"text\":\"$DENY_TEXT\"}" \
			"$TMP/$name.ndjson" || true)"
	expect_eq "$name: NDJSON of the policy spelt as the spec's" "${COUNT[5004]}" \
		"$(grep -cF '"netfilter_rule":{"family":"ip","table":"dm_policy","chain":"in_policy","policy":true}' \
			"$TMP/$name.ndjson" || true)"
	if "$DROPMON" print -i "$TMP/$name.ndjson" >"$TMP/$name.print" 2>"$TMP/$name.print.err"; then
		text_events "$TMP/$name.print" >"$TMP/events.tsv"
		check_events "$name print" print
	else
		fail "$name: dropmon print failed: $(cat "$TMP/$name.print.err")"
	fi
	restored "$name (SIG$2)"
}

# 1-4: stopped with SIGINT.
run_ndjson sigint INT

# 5 and 7: stopped with SIGTERM; while it runs, a second run is refused
# (and leaves the first one's tables), and a netns with a table that
# appears meanwhile gets collect's table within a poll (2 s), removed at
# the stop like the others.
D="${TAG}d"
second_and_late() {
	local rc=0
	timeout "$(scaled 20)" "$DROPMON" collect --netfilter-rules --duration 2s \
		>"$TMP/second.out" 2>"$TMP/second.log" || rc=$?
	expect_eq "$1: a second concurrent collect --netfilter-rules: exit status" 1 "$rc"
	if grep -Eqi 'another|already' "$TMP/second.log"; then
		pass "$1: the second run says why: $(grep -Eim1 'another|already' "$TMP/second.log")"
	else
		fail "$1: the second run does not say that another one runs; its stderr:"
		sed 's/^/# | /' "$TMP/second.log"
	fi
	if traced_in_b_and_r; then
		pass "$1: the refused run left the running one's tables"
	else
		fail "$1: after the refused run, $TRACE_TABLE is missing in netns $B or $R"
	fi
	if exited "$COLLECT_PID"; then
		fail "$1: the first run is gone after the second was refused"
	fi
	netns_add "$D"
	ip netns exec "$D" nft -f - <<'NFT'
table ip dm_late {
	chain late_in {
		type filter hook input priority 0; policy accept;
	}
}
NFT
	if wait_for 6 has_trace "$D"; then
		pass "$1: a netns with a table that appeared while collect runs gets $TRACE_TABLE"
	else
		fail "$1: netns $D, made while collect runs, has no $TRACE_TABLE 6 s later"
	fi
}
DURING=second_and_late run_ndjson sigterm TERM
if has_trace "$D"; then
	fail "sigterm: $TRACE_TABLE left in netns $D"
else
	pass "sigterm: $TRACE_TABLE removed from netns $D too"
fi
expect_eq "sigterm: netns $D keeps its own table" "table ip dm_late" \
	"$(ip netns exec "$D" nft list tables)"
ip netns del "$D"

# 5: text output (no -o): the jump, the direct rule, the policy and the
# iptables-legacy drop.
start_collect text
send 5000 5001 5003 5004
wait_for 10 text_has "$TMP/text.out" $((COUNT[5000] + COUNT[5001] + COUNT[5003] + COUNT[5004])) ||
	fail "text: $(text_events "$TMP/text.out" | wc -l) events of B and R printed within 10 s"
stop_collect text INT
text_events "$TMP/text.out" >"$TMP/events.tsv"
check_events "text output" text 5000 5001 5003 5004
restored "text (SIGINT)"

# 6: SIGKILL leaves the table; the next run removes it at its start (it
# makes a table of its own: another handle) and leaves nothing at the end.
start_collect killed
kill -KILL "$COLLECT_PID"
wait "$COLLECT_PID" 2>/dev/null || true
if has_trace "$B" && has_trace "$R"; then
	pass "SIGKILL: $TRACE_TABLE left in netns $B and $R"
else
	fail "SIGKILL: no $TRACE_TABLE left in netns $B and $R: the leftover case is not tested"
fi
table_handle_of() { ip netns exec "$B" nft -a list table $TRACE_TABLE 2>/dev/null | sed -n 's/^table inet dropmon_trace { # handle \([0-9]*\)$/\1/p'; }
OLD_HANDLE=$(table_handle_of)
log "leftover table in $B: handle '$OLD_HANDLE'"
LOG="$TMP/after_kill.log"
"$DROPMON" collect --netfilter-rules --reason NETFILTER_DROP --duration 2s \
	>"$TMP/after_kill.out" 2>"$LOG" &
COLLECT_PID=$!
PIDS+=("$COLLECT_PID")
replaced() { { [ -n "$(table_handle_of)" ] && [ "$(table_handle_of)" != "$OLD_HANDLE" ]; } || exited "$COLLECT_PID"; }
wait_for 10 replaced || true
NEW_HANDLE=$(table_handle_of)
if [ -n "$NEW_HANDLE" ] && [ -n "$OLD_HANDLE" ] && [ "$NEW_HANDLE" != "$OLD_HANDLE" ]; then
	pass "after SIGKILL: the next run replaced the leftover table (handle $OLD_HANDLE, now $NEW_HANDLE)"
else
	fail "after SIGKILL: the next run did not replace the leftover table (handle '$OLD_HANDLE', while it ran '$NEW_HANDLE')"
fi
RC=0
wait_for 15 exited "$COLLECT_PID" || {
	fail "after SIGKILL: collect --duration 2s still runs 15 s later; killed"
	kill -KILL "$COLLECT_PID" 2>/dev/null || true
}
wait "$COLLECT_PID" || RC=$?
expect_eq "after SIGKILL: exit status of collect --duration 2s" 0 "$RC"
log "after SIGKILL: its stderr:"
sed 's/^/# | /' "$LOG"
restored "after SIGKILL, a run of --duration 2s"

# --netns: only that namespace gets the table, and its drops are named.
LOG="$TMP/only_b.log"
"$DROPMON" collect --netfilter-rules --reason NETFILTER_DROP --netns="$NSB" -o "$TMP/only_b.ndjson" \
	>/dev/null 2>"$LOG" &
COLLECT_PID=$!
PIDS+=("$COLLECT_PID")
only_b_started() { { grep -q "collecting drop events" "$LOG" && has_trace "$B"; } || exited "$COLLECT_PID"; }
wait_for 10 only_b_started || true
if has_trace "$B" && ! has_trace "$R"; then
	pass "--netns=$NSB: the table is in netns $B only"
else
	fail "--netns=$NSB: the table is not in $B only (B: $(has_trace "$B" && echo yes || echo no), R: $(has_trace "$R" && echo yes || echo no))"
fi
send 5001
wait_for 20 lines_at_least "${COUNT[5001]}" "$TMP/only_b.ndjson" '"netfilter_rule"' || true
stop_collect "--netns" INT
expect_eq "--netns: events of UDP 5001 naming its rule" "${COUNT[5001]}" \
	"$(ndjson_events "$TMP/only_b.ndjson" | awk -F'\t' '$2 == 5001 && $3 != "none"' | wc -l)"
restored "after a --netns run"
finish
