#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Slow clients (slowloris): connections that send their headers a byte at a
# time are closed by --web.header-timeout although they are never idle, and
# while more of them than --web.max-connections keep coming from several
# addresses, every scrape from another address is answered, quickly.
# dropmon listens on 127.0.0.1; loopback answers all of 127/8, so clients
# bind other source addresses: the slow ones 127.0.0.1, .3, .4, .5 and .6,
# the scraper 127.0.0.2.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v python3 >/dev/null || skip "python3 is not installed"

# slow PORT OUT DURATION INTERVAL RECONNECT SOURCE:COUNT...: COUNT
# connections from each SOURCE address, each sending a request whose headers
# never end, one byte every INTERVAL seconds (its life counted from the
# first, once connected); with RECONNECT 1 a connection
# the server closes is opened again (after 0.05 s), until DURATION seconds
# have passed. Writes "opened closed open max_life min_life" to OUT: the
# connections opened, those the server closed, those still open at the end,
# and the longest and shortest life of a closed one, in seconds.
slow() {
	python3 - "$@" <<'EOF'
import socket, sys, time, select, errno

port, out, duration, interval, reconnect = (int(sys.argv[1]), sys.argv[2],
    float(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == "1")
sources = []
for spec in sys.argv[6:]:
    addr, n = spec.split(":")
    sources += [addr] * int(n)
HEAD = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
start = time.monotonic()
conns = {}      # socket -> [source, opened, next send, bytes of HEAD sent]
pending = []    # (time, source): to open again
opened = closed = 0
lives = []

def open_one(src):
    global opened
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    opened += 1
    conns[s] = [src, time.monotonic(), time.monotonic(), 0]

def gone(s):
    global closed
    src, t0 = conns.pop(s)[:2]
    s.close()
    closed += 1
    lives.append(time.monotonic() - t0)
    if reconnect:
        pending.append((time.monotonic() + 0.05, src))

for src in sources:
    open_one(src)
while time.monotonic() - start < duration:
    now = time.monotonic()
    for t, src in [p for p in pending if p[0] <= now]:
        pending.remove((t, src))
        open_one(src)
    r, _, _ = select.select(list(conns), [], [], 0.02)
    for s in r:
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:            # the server's end of the stream, or a reset
            gone(s)
    now = time.monotonic()
    for s, c in list(conns.items()):
        if now < c[2]:
            continue
        c[2] = now + interval
        byte = HEAD[c[3]:c[3] + 1] if c[3] < len(HEAD) else b"a"
        try:
            if s.send(byte) == 1:
                if c[3] == 0:   # connected: its life starts (a SYN the full
                    c[1] = now  # accept queue dropped was sent again 1 s on)
                c[3] += 1
        except BlockingIOError:
            pass
        except OSError:
            gone(s)
with open(out, "w") as f:
    f.write("%d %d %d %.2f %.2f\n" % (opened, closed, len(conns),
        max(lives) if lives else -1, min(lives) if lives else -1))
EOF
}

field() { awk -v i="$2" '{ print $i }' "$1"; }
# le A B: A <= B, as decimals.
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# min A B
min() { echo $(($1 < $2 ? $1 : $2)); }
# The deadline and its slack are scaled under emulation, within ctest's
# 300 s for the whole test.
HT=$(min "$(scaled 2)" 10)
TICK=$(min "$(scaled 1)" 5)
start_dropmon --web.header-timeout="${HT}s"

# --- the deadline, with room to spare ------------------------------------------
# 8 connections from one address, a byte every 0.3 s: never idle for the 30 s
# inactivity timeout, all closed by the header deadline.
slow "$PORT" "$TMP/phase1" $((HT + 2 * TICK + 1)) 0.3 0 127.0.0.6:8
log "deadline: opened closed open max min = $(cat "$TMP/phase1")"
expect_eq "slow connections closed by the server" 8 "$(field "$TMP/phase1" 2)"
expect_eq "slow connections still open at the end" 0 "$(field "$TMP/phase1" 3)"
if le "$((HT - 1)).8" "$(field "$TMP/phase1" 5)" && le "$(field "$TMP/phase1" 4)" "$((HT + TICK))"; then
	pass "closed ${HT} s after they opened ($(field "$TMP/phase1" 5)-$(field "$TMP/phase1" 4) s)"
else
	fail "slow connections lived $(field "$TMP/phase1" 5)-$(field "$TMP/phase1" 4) s, want ${HT} s to $((HT + TICK)) s"
fi

# --- more slow clients than slots, from four addresses, while scraped ----------
# 25 from each of 4 addresses: the per-address limit (16) refuses 9 of each,
# the other 64 take every slot, and each one closed comes back.
DUR=$((3 * HT + 4))
slow "$PORT" "$TMP/phase2" "$DUR" 0.3 1 127.0.0.1:25 127.0.0.3:25 127.0.0.4:25 127.0.0.5:25 &
SLOW=$!
PIDS+=("$SLOW")
# Once they hold the slots: at least 64 established, by dropmon.
held() { [ "$(ss -Htn state established "dport = :$PORT" | wc -l)" -ge 64 ]; }
wait_for 5 held || fail "the slow clients did not take the slots"
BOUND=$(scaled 2)
n=0
bad=0
worst=0
t_end=$(($(date +%s) + DUR - 2))
while [ "$(date +%s)" -lt "$t_end" ]; do
	r=$(curl -s -o /dev/null --interface 127.0.0.2 -m "$((BOUND + 3))" -w '%{http_code} %{time_total}' \
		"http://127.0.0.1:$PORT/metrics" || true)
	n=$((n + 1))
	code=${r% *}
	t=${r#* }
	le "$worst" "$t" && worst=$t
	if [ "$code" != 200 ] || ! le "$t" "$BOUND"; then
		bad=$((bad + 1))
		log "scrape $n: status $code after $t s"
	fi
	sleep 0.2
done
wait "$SLOW"
log "under slow clients: opened closed open max min = $(cat "$TMP/phase2")"
log "$n scrapes from 127.0.0.2, the slowest took $worst s"
[ "$n" -ge 10 ] || fail "only $n scrapes were tried"
expect_eq "scrapes from another address not answered 200 within $BOUND s" 0 "$bad"
if le "$(field "$TMP/phase2" 4)" "$((HT + TICK))"; then
	pass "no slow connection lived past the deadline ($(field "$TMP/phase2" 4) s)"
else
	fail "a slow connection lived $(field "$TMP/phase2" 4) s, past the ${HT} s deadline"
fi
[ "$(field "$TMP/phase2" 2)" -gt 64 ] && pass "slow connections were closed and came back ($(field "$TMP/phase2" 2))" ||
	fail "only $(field "$TMP/phase2" 2) slow connections were closed"
expect_eq "still serving" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")"
stop_dropmon
finish
