#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Start-up errors a user can act on, clean detach on SIGTERM/SIGINT, the
# raw_tp fallback, and expiry of series of namespaces that are gone.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v bpftool >/dev/null || skip "bpftool is not installed"

# expect_fail WHAT STATUS MESSAGE-REGEX CMD...
expect_fail() {
	local what=$1 status=$2 re=$3 rc=0
	shift 3
	"$@" >"$TMP/out" 2>&1 || rc=$?
	if [ "$rc" -eq "$status" ] && grep -Eq "$re" "$TMP/out"; then
		pass "$what (exit $rc: $(head -n1 "$TMP/out"))"
	else
		fail "$what: exit $rc, output: $(cat "$TMP/out")"
	fi
}

our_prog_ids() { bpftool prog show | awk '/name kfree_skb_(btf|raw)/ { sub(":", "", $1); print $1 }'; }

# --- flags -------------------------------------------------------------------
expect_fail "map size 0" 2 "bpf.map-size must be" "$DROPMON" serve --bpf.map-size=0
expect_fail "map size not a number" 2 "bpf.map-size must be" "$DROPMON" serve --bpf.map-size=12x
expect_fail "bad listen address" 2 "is not HOST:PORT" "$DROPMON" serve --web.listen-address=nonsense
expect_fail "bad telemetry path" 2 "telemetry-path must" "$DROPMON" serve '--web.telemetry-path=/a"b'
expect_fail "unknown flag" 2 "Usage: dropmon serve" "$DROPMON" serve --nope
expect_fail "bad log level" 2 "log.level must be" "$DROPMON" serve --log.level=loud

# --- not privileged ----------------------------------------------------------
p=$(free_port)
expect_fail "without privileges" 1 "permission denied loading the BPF program.*CAP_BPF" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$DROPMON" serve --web.listen-address="127.0.0.1:$p"

# --- SIGTERM detaches everything ---------------------------------------------
before=$(our_prog_ids | wc -l)
start_dropmon
ids=$(comm -13 <(echo "$before" | sort) <(our_prog_ids | sort))
running=$(our_prog_ids | wc -l)
expect_eq "one program of ours attached while running" $((before + 1)) "$running"
prog_id=$(our_prog_ids | sort -n | tail -n1)
if bpftool link show | grep -q "prog $prog_id\b"; then
	pass "link to program $prog_id while running"
else
	fail "no BPF link for program $prog_id while running"
fi
expect_fail "port in use" 1 "port is in use" "$DROPMON" serve --web.listen-address="127.0.0.1:$PORT"
stop_dropmon
prog_gone() { ! bpftool prog show id "$prog_id" >/dev/null 2>&1; }
wait_for 5 prog_gone || true
if ! prog_gone; then
	fail "program $prog_id still loaded after SIGTERM"
else
	pass "program $prog_id gone after SIGTERM"
fi
if bpftool link show | grep -q "prog $prog_id\b"; then
	fail "a link to program $prog_id is left after SIGTERM"
else
	pass "no link left after SIGTERM"
fi
expect_eq "programs of ours after SIGTERM" "$before" "$(our_prog_ids | wc -l)"
: "$ids"

# --- SIGINT too --------------------------------------------------------------
start_dropmon
kill -INT "$DROPMON_PID"
rc=0
wait "$DROPMON_PID" || rc=$?
expect_eq "exit status after SIGINT" 0 "$rc"

# --- after attaching, only CAP_SYSLOG and CAP_SYS_PTRACE are left ----------
# (and CAP_BPF where the kernel checks it on every bpf() call: kept_caps)
KEPT=$(kept_caps)
start_dropmon --web.enable-debug
expect_eq "effective capabilities of every thread" "$KEPT" \
	"$(cat /proc/"$DROPMON_PID"/task/*/status | sed -n 's/^CapEff:\s*//p' | sort -u | tr '\n' ' ' | sed 's/ $//')"
expect_eq "bounding set" "$KEPT" "$(sed -n 's/^CapBnd:\s*//p' /proc/"$DROPMON_PID"/status)"
expect_eq "CAP_BPF kept only where the kernel needs it, and logged" \
	"$([ "$KEPT" = 0000008400080000 ] && echo 1 || echo 0)" \
	"$(grep -c 'keeping it to read the counters' "$TMP/dropmon.log" || true)"
# The event path works with what is left: a drop's event reaches
# /debug/drops through the ring buffer and the consumer thread.
E="${TAG}e"
netns_add "$E"
NSE=$(netns_inode "$E")
ip netns exec "$E" "$DROPGEN" udp 127.0.0.1 9 --count 1 >/dev/null
event_in() { curl -fsS "http://127.0.0.1:$PORT/debug/drops" | grep -q " netns $NSE\$"; }
if wait_for 5 event_in; then
	pass "a drop's event is served with the capabilities left"
else
	fail "no event of the drop in netns $NSE on /debug/drops with the capabilities left"
fi
stop_dropmon

# --- the systemd unit's capabilities are enough, as an unprivileged user ------
# deploy/systemd/dropmon.service runs it as a dynamic user with exactly
# these; here as nobody, from a copy of the binary nobody can reach.
CAPS=$(sed -n 's/^AmbientCapabilities=//p' "$SRCDIR/deploy/systemd/dropmon.service.in" |
	tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
BINDIR="$TMP/bin"
mkdir "$BINDIR"
chmod 711 "$TMP"
chmod 755 "$BINDIR"
cp "$DROPMON" "$BINDIR/dropmon"
REAL_DROPMON=$DROPMON
K="${TAG}u"
netns_add "$K"
# The unit's RLIMIT_MEMLOCK too: kernels before 5.11 charge BPF maps to it.
MEMLOCK=$(sed -n 's/^LimitMEMLOCK=//p' "$SRCDIR/deploy/systemd/dropmon.service.in")
[ "$MEMLOCK" = infinity ] && MEMLOCK=unlimited
# as_nobody MEMLOCK: a wrapper that runs dropmon as the unit would.
# Raising a limit needs CAP_SYS_RESOURCE, which a test sandbox may lack: the
# limit is then left as it is (and said).
as_nobody() {
	local limit="prlimit --memlock=$1:$1"
	if ! $limit true 2>/dev/null; then
		log "cannot set RLIMIT_MEMLOCK to $1 here; left at $(ulimit -l) KiB" >&2
		limit=
	fi
	printf '#!/bin/sh\nexec %s setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=%s --ambient-caps=%s --bounding-set=-all,%s %s "$@"\n' \
		"$limit" "$CAPS" "$CAPS" "$CAPS" "$BINDIR/dropmon" >"$BINDIR/as-nobody-$1"
	chmod 755 "$BINDIR/as-nobody-$1"
	echo "$BINDIR/as-nobody-$1"
}
DROPMON=$(as_nobody "$MEMLOCK")
start_dropmon
ip netns exec "$K" "$DROPGEN" tcp-syn 127.0.0.1 8080 --count 5 >/dev/null
NSK=$(netns_inode "$K")
SERIES=$(drops_series "$(reason NO_SOCKET)" lo 1 "$NSK" tcp_v4_rcv)
scrape_until "$TMP/m.txt" "$SERIES" 5
expect_eq "as nobody with $CAPS: counted, with function and device" 5 "$(value "$TMP/m.txt" "$SERIES")"
expect_eq "as nobody with $CAPS: netns named" 1 \
	"$(value "$TMP/m.txt" "dropmon_netns_info{netns=\"$NSK\",name=\"$K\"}")"
stop_dropmon
# Without the unit's limit: 64 KiB, the kernel's default before 5.16.
p=$(free_port)
if ! prlimit --memlock=65536:65536 true 2>/dev/null; then
	fail "cannot lower RLIMIT_MEMLOCK to 64 KiB here"
elif kernel_at_least 5 11; then
	DROPMON=$(as_nobody 65536)
	start_dropmon
	pass "RLIMIT_MEMLOCK of 64 KiB: no matter on $(uname -r), which charges the memory cgroup"
	stop_dropmon
else
	expect_fail "RLIMIT_MEMLOCK of 64 KiB on $(uname -r)" 1 \
		"charges them to RLIMIT_MEMLOCK .*64 KiB here.*LimitMEMLOCK=infinity" \
		"$(as_nobody 65536)" serve --web.listen-address="127.0.0.1:$p"
fi
DROPMON=$REAL_DROPMON

# --- raw_tp fallback counts exactly as well -----------------------------------
two_netns
start_dropmon --bpf.force-raw-tp --netns.grace-period=1s
scrape >"$TMP/m.txt"
expect_eq "attach mode" 1 "$(value "$TMP/m.txt" 'dropmon_bpf_attach_info{mode="raw_tp"}')"
ip netns exec "$A" "$DROPGEN" tcp-syn 198.18.0.2 8080 --count 17 >/dev/null
SERIES=$(drops_series "$(reason NO_SOCKET)" vb "$IFB" "$NSB" tcp_v4_rcv)
scrape_until "$TMP/m.txt" "$SERIES" 17
expect_eq "raw_tp: TCP SYN to a closed port" 17 "$(value "$TMP/m.txt" "$SERIES")"

# --- a namespace that is gone loses its series after the grace period --------
ip netns del "$A"
ip netns del "$B"
drop_on_every_cpu
# A scrape notices the namespace is gone (within the 1 s refresh) and starts
# its grace period; one after that removes its series.
netns_series_gone() {
	scrape >"$TMP/m.txt"
	! grep -q "^dropmon_netns_info{netns=\"$NSB\"" "$TMP/m.txt"
}
wait_for 10 netns_series_gone || true
expect_eq "series of the deleted netns removed" 0 \
	"$(sum_matching "$TMP/m.txt" "^dropmon_drops_total\\{.*netns=\"$NSB\"")"
expect_eq "netns info of the deleted netns removed" 0 \
	"$(grep -c "^dropmon_netns_info{netns=\"$NSB\"" "$TMP/m.txt" || true)"
if grep -q "netns $NSB ($B) is gone" "$TMP/dropmon.log"; then
	pass "removal logged"
else
	fail "removal of netns $NSB not logged"
fi
stop_dropmon

# --- the routes serve wires into the HTTP server -------------------------------
# A telemetry path of its own: metrics there and nowhere else, the landing
# page links it, /debug/ says how to turn it on, and no method but GET/HEAD.
ready_custom() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/drops/metrics" 2>/dev/null; }
DROPMON_READY=ready_custom
start_dropmon --web.telemetry-path=/drops/metrics
status_of() { curl -s -o "$TMP/route.body" -w '%{http_code}' "$@"; }
expect_eq "metrics on the telemetry path" 200 "$(status_of "http://127.0.0.1:$PORT/drops/metrics")"
expect_eq "build info on the telemetry path" 1 "$(grep -c '^dropmon_build_info{' "$TMP/route.body")"
expect_eq "/metrics is not the telemetry path" 404 "$(status_of "http://127.0.0.1:$PORT/metrics")"
expect_eq "landing page" 200 "$(status_of "http://127.0.0.1:$PORT/")"
expect_eq "landing page links the telemetry path" 1 "$(grep -c 'href="/drops/metrics"' "$TMP/route.body")"
expect_eq "debug endpoints off" 404 "$(status_of "http://127.0.0.1:$PORT/debug/drops")"
expect_eq "and how to turn them on" 1 "$(grep -c 'with --web.enable-debug' "$TMP/route.body")"
expect_eq "POST refused" 405 "$(status_of -X POST "http://127.0.0.1:$PORT/drops/metrics")"
stop_dropmon
finish
