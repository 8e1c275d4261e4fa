#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `dropmon collect` whatever its output does: into a pipe nobody reads, to
# a slow reader, to a reader that goes away, to a full disk, it stops at
# --duration or at a signal, prints its summary on stderr, and its counts
# add up (sent = printed + not written); a failed write names the file and
# the errno. Output files: never a silent overwrite, 0600; print and pcap
# refuse a directory, and pcap never leaves a partial capture.
. "$(dirname "$0")/lib.sh"
require_kernel

C="${TAG}o"
netns_add "$C"
NSC=$(netns_inode "$C")
SMALL="$TMP/small"
mkdir "$SMALL"
trap 'umount "$SMALL" 2>/dev/null || true; cleanup' EXIT

# flood N: N UDP datagrams to a closed port in $C, each a NO_SOCKET drop
# (and, without --rate, an event).
flood() { ip netns exec "$C" "$DROPGEN" udp 127.0.0.1 9 --count "$1" >/dev/null; }

# exited PID: the process is gone or a zombie (kill -0 succeeds on both).
exited() {
	local s
	s=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$s" ] || [ "$s" = Z ]
}

# start_collect OUT [flags...]: collect in $C's namespace with stdout to OUT
# (a file, FIFO or device) and stderr in $TMP/collect.log; waits until it
# collects. Sets COLLECT_PID and T0 (ns, when it started collecting).
start_collect() {
	local out=$1
	shift
	rm -f "$TMP/collect.log"
	"$DROPMON" collect --netns="$NSC" "$@" >"$out" 2>"$TMP/collect.log" &
	COLLECT_PID=$!
	PIDS+=("$COLLECT_PID")
	wait_for 10 collect_up || true
	T0=$(date +%s%N)
	grep -q "collecting drop events" "$TMP/collect.log" && return 0
	echo "collect did not start:"
	cat "$TMP/collect.log"
	return 1
}
collect_up() { grep -q "collecting drop events" "$TMP/collect.log" || exited "$COLLECT_PID"; }

# end_collect WHAT SECONDS: waits for collect to exit, by itself or after
# the caller's signal, until SECONDS (scaled) after T0; sets RC to its exit
# status and ELAPSED to the seconds from T0 to its exit (within 0.1 s). If
# it is still there, that is the failure: it is killed.
end_collect() {
	local end
	end=$((T0 + $(scaled "$2") * 1000000000))
	until exited "$COLLECT_PID" || [ "$(date +%s%N)" -ge "$end" ]; do
		sleep 0.1
	done
	ELAPSED=$(awk -v t0="$T0" -v t1="$(date +%s%N)" 'BEGIN { printf "%.1f", (t1 - t0) / 1e9 }')
	if exited "$COLLECT_PID"; then
		pass "$1: collect exited within $(scaled "$2") s (${ELAPSED}s)"
	else
		fail "$1: collect still runs ${ELAPSED}s later; killed"
		kill -KILL "$COLLECT_PID" 2>/dev/null || true
	fi
	RC=0
	wait "$COLLECT_PID" || RC=$?
	log "$1: exit status $RC; its stderr:"
	sed 's/^/# | /' "$TMP/collect.log"
}

# parse_summary WHAT: the summary on stderr, as WRITTEN, NOT_WRITTEN, SENT.
parse_summary() {
	local line
	line=$(grep -E ' events (printed|stored in [^,]*), [0-9]+ not written; ' "$TMP/collect.log" || true)
	if [ -z "$line" ]; then
		fail "$1: no summary on stderr"
		WRITTEN=0 NOT_WRITTEN=0 SENT=-1
		return 1
	fi
	WRITTEN=$(echo "$line" | sed -n 's/.*: \([0-9]*\) events .*/\1/p')
	NOT_WRITTEN=$(echo "$line" | sed -n 's/.* \([0-9]*\) not written;.*/\1/p')
	SENT=$(echo "$line" | sed -n 's/.* \([0-9]*\) sent,.*/\1/p')
}

# check_summary WHAT: the summary is on stderr and its counts add up: every
# event the kernel sent was written or counted as not written.
check_summary() {
	parse_summary "$1" || return 0
	expect_eq "$1: sent = written + not written" "$SENT" $((WRITTEN + NOT_WRITTEN))
}

# --- a pipe nobody reads: --duration holds ------------------------------------
# The reader opens the FIFO and never reads: the pipe's 64 KiB fill, then
# collect's queue, then the kernel's ring buffer.
mkfifo "$TMP/stall"
sleep 3600 <"$TMP/stall" &
PIDS+=($!)
start_collect "$TMP/stall" --duration=3s
flood 20000 &
PIDS+=($!)
# 3 s, at most a second's grace, and slack for a loaded machine.
end_collect "unread pipe, --duration=3s" 8
expect_eq "unread pipe: exit status after --duration" 0 "$RC"
check_summary "unread pipe"
if [ "$NOT_WRITTEN" -gt 0 ] && [ "$WRITTEN" -lt 200 ]; then
	pass "unread pipe: $WRITTEN events fit the pipe, $NOT_WRITTEN counted as not written"
else
	fail "unread pipe: $WRITTEN written and $NOT_WRITTEN not written into a pipe nobody read"
fi
expect_eq "unread pipe: says the output did not take them" 1 \
	"$(grep -c "standard output did not take $NOT_WRITTEN events" "$TMP/collect.log" || true)"

# --count holds too: the 500th event ends it, written or not.
mkfifo "$TMP/stall-count"
sleep 3600 <"$TMP/stall-count" &
PIDS+=($!)
start_collect "$TMP/stall-count" --count=500
flood 20000 &
PIDS+=($!)
end_collect "unread pipe, --count=500" 5
expect_eq "unread pipe, --count=500: exit status" 0 "$RC"
parse_summary "unread pipe, --count=500" || true # the kernel sent more than it took
expect_eq "unread pipe, --count=500: 500 events, written or counted as not written" 500 \
	$((WRITTEN + NOT_WRITTEN))

# --- a signal while the output is stalled ---------------------------------------
for sig in INT TERM; do
	mkfifo "$TMP/stall-$sig"
	sleep 3600 <"$TMP/stall-$sig" &
	PIDS+=($!)
	start_collect "$TMP/stall-$sig"
	noports=$(udp_noports "$C")
	flood 20000
	wait_for 10 udp_noports_reach "$C" $((noports + 20000)) || fail "the kernel saw fewer than 20000 datagrams"
	kill -"$sig" "$COLLECT_PID"
	T0=$(date +%s%N)
	end_collect "SIG$sig while stalled" 4
	expect_eq "SIG$sig while stalled: exit status" 0 "$RC"
	check_summary "SIG$sig while stalled"
	expect_eq "SIG$sig while stalled: no read error" 0 \
		"$(grep -c 'reading events' "$TMP/collect.log" || true)"
done

# --- a slow reader (64 KB/s) ----------------------------------------------------
# slow_reader: reads 6400 bytes every 0.1 s into $TMP/slow.out, until the end.
slow_reader() {
	local n
	while n=$(dd bs=6400 count=1 status=none | tee -a "$TMP/slow.out" | wc -c) && [ "$n" -gt 0 ]; do
		sleep 0.1
	done
}
mkfifo "$TMP/slow"
: >"$TMP/slow.out"
slow_reader <"$TMP/slow" &
READER=$!
PIDS+=("$READER")
start_collect "$TMP/slow" --duration=3s
flood 300000 &
FLOOD=$!
PIDS+=("$FLOOD")
end_collect "slow reader, --duration=3s" 8
wait "$FLOOD" || true
expect_eq "slow reader: exit status after --duration" 0 "$RC"
check_summary "slow reader"
wait_for 10 exited "$READER" || fail "the slow reader did not see the end of its input"
# and the start of the next one, when collect says it cut one short: an
# event's first line starts with its time, a digit.
cut=$(grep -c 'the last event there is cut short' "$TMP/collect.log" || true)
expect_eq "slow reader: it got exactly the events collect says it printed (+ $cut cut short)" \
	$((WRITTEN + cut)) "$(grep -c '^[0-9]' "$TMP/slow.out" || true)"
expect_eq "slow reader: and all of them whole" "$WRITTEN" \
	"$(grep -c '^  if .* netns '"$NSC"'$' "$TMP/slow.out" || true)"

# --- a reader that goes away -----------------------------------------------------
mkfifo "$TMP/gone"
head -c 2000 <"$TMP/gone" >/dev/null &
PIDS+=($!)
start_collect "$TMP/gone"
flood 2000
end_collect "reader gone" 5
expect_eq "reader gone: exit status 3 (documented), not death by SIGPIPE" 3 "$RC"
expect_eq "reader gone: says so" 1 \
	"$(grep -c 'error: writing standard output: Broken pipe: its reader went away' "$TMP/collect.log" || true)"
check_summary "reader gone"

# --- a full device and a full file system ------------------------------------------
start_collect /dev/full
flood 100
end_collect "stdout on /dev/full" 5
expect_eq "/dev/full: exit status" 1 "$RC"
expect_eq "/dev/full: names standard output and the errno" 1 \
	"$(grep -c 'error: writing standard output: No space left on device' "$TMP/collect.log" || true)"
check_summary "/dev/full"

if mount -t tmpfs -o size=64k tmpfs "$SMALL"; then
	start_collect /dev/null -o "$SMALL/drops.data"
	flood 2000
	end_collect "-o on a full tmpfs" 5
	expect_eq "full tmpfs: exit status" 1 "$RC"
	expect_eq "full tmpfs: names the file and the errno" 1 \
		"$(grep -c "error: writing $SMALL/drops.data: No space left on device" "$TMP/collect.log" || true)"
	check_summary "full tmpfs"
	expect_eq "full tmpfs: the file holds the events stored" "$WRITTEN" "$(wc -l <"$SMALL/drops.data")"
	rc=0
	"$DROPMON" print -i "$SMALL/drops.data" >/dev/null 2>"$TMP/print.err" || rc=$?
	expect_eq "full tmpfs: and no partial line (print finds none corrupt)" "0 0" \
		"$rc $(grep -c 'line skipped' "$TMP/print.err" || true)"
else
	fail "cannot mount a tmpfs at $SMALL"
fi

# --- collect -o: no silent overwrite; nothing left when it cannot start --------
echo keep >"$TMP/old.data"
chmod 644 "$TMP/old.data"
rc=0
"$DROPMON" collect --netns="$NSC" --duration=1s -o "$TMP/old.data" 2>"$TMP/o.err" || rc=$?
expect_eq "collect -o EXISTING: refused" "1 keep 644" "$rc $(cat "$TMP/old.data") $(stat -c %a "$TMP/old.data")"
expect_eq "collect -o EXISTING: says --force replaces it" 1 \
	"$(grep -c "cannot write $TMP/old.data: it exists (--force replaces it)" "$TMP/o.err" || true)"
rc=0
"$DROPMON" collect --netns="$NSC" --duration=1s --force -o "$TMP/old.data" 2>"$TMP/o.err" || rc=$?
expect_eq "collect --force -o EXISTING: replaced, empty, the owner's only" "0 0 600" \
	"$rc $(stat -c '%s %a' "$TMP/old.data")"
rc=0
"$DROPMON" collect --reason=NO_SUCH_REASON -o "$TMP/never.data" 2>/dev/null || rc=$?
expect_eq "collect that cannot start: exit 2, no file left" "2 no" \
	"$rc $([ -e "$TMP/never.data" ] && echo yes || echo no)"

# --- print and pcap: their input and their output -------------------------------
start_collect /dev/null -o "$TMP/ev.data" --count=3
flood 3
end_collect "collect --count=3" 5
expect_eq "three events stored" 3 "$(wc -l <"$TMP/ev.data")"

rc=0
"$DROPMON" print -i "$TMP" >/dev/null 2>"$TMP/dir.err" || rc=$?
expect_eq "print -i DIR: exit status" 1 "$rc"
expect_eq "print -i DIR: says it is a directory, naming it" 1 \
	"$(grep -c "cannot read $TMP: it is a directory" "$TMP/dir.err" || true)"
for input in "$TMP" "$TMP/missing.data"; do
	rc=0
	"$DROPMON" pcap -i "$input" -o "$TMP/f.pcapng" 2>/dev/null || rc=$?
	expect_eq "pcap -i $(basename "$input"): exit 1, no output file" "1 no" \
		"$rc $([ -e "$TMP/f.pcapng" ] && echo yes || echo no)"
done

echo keep >"$TMP/old.pcapng"
chmod 644 "$TMP/old.pcapng"
rc=0
"$DROPMON" pcap -i "$TMP/ev.data" -o "$TMP/old.pcapng" 2>"$TMP/p.err" || rc=$?
expect_eq "pcap -o EXISTING: refused, kept as it was" "1 keep 644" \
	"$rc $(cat "$TMP/old.pcapng") $(stat -c %a "$TMP/old.pcapng")"
expect_eq "pcap -o EXISTING: says --force replaces it" 1 \
	"$(grep -c "cannot write $TMP/old.pcapng: it exists (--force replaces it)" "$TMP/p.err" || true)"
rc=0
"$DROPMON" pcap -i "$TMP/ev.data" -o "$TMP/old.pcapng" --force 2>/dev/null || rc=$?
expect_eq "pcap --force: a capture, the owner's only" "0 0a0d0d0a 600" \
	"$rc $(head -c 4 "$TMP/old.pcapng" | od -An -tx1 | tr -d ' \n') $(stat -c %a "$TMP/old.pcapng")"
rc=0
"$DROPMON" pcap -i "$TMP/ev.data" -o /dev/null 2>/dev/null || rc=$?
expect_eq "pcap -o /dev/null: written as it is" "0 yes" "$rc $([ -c /dev/null ] && echo yes)"
expect_eq "no temporary file left beside the captures" "" "$(ls -A "$TMP" | grep '^\.' || true)"

# A write that fails half-way: no capture left, not even a temporary one.
if mountpoint -q "$SMALL"; then
	rm -f "$SMALL/drops.data"
	dd if=/dev/zero of="$SMALL/fill" bs=4k status=none 2>/dev/null || true
	rc=0
	"$DROPMON" pcap -i "$TMP/ev.data" -o "$SMALL/c.pcapng" 2>"$TMP/p.err" || rc=$?
	sed 's/^/# | /' "$TMP/p.err"
	expect_eq "pcap on a full file system: exit 1, nothing left but the filler" "1 fill" \
		"$rc $(ls -A "$SMALL" | tr '\n' ' ' | sed 's/ $//')"
	expect_eq "pcap on a full file system: names the file and the errno" 1 \
		"$(grep -c "writing $SMALL/c.pcapng: No space left on device" "$TMP/p.err" || true)"
fi

# Stopped while it waits for its input: no capture left. (SIGTERM: a
# script's background job ignores SIGINT, and pcap leaves that as it is.)
mkfifo "$TMP/in"
{
	cat "$TMP/ev.data"
	exec sleep 3600 # the same pid: the cleanup ends it
} >"$TMP/in" &
PIDS+=($!)
"$DROPMON" pcap -i - -o "$TMP/int.pcapng" <"$TMP/in" 2>"$TMP/int.err" &
PCAP=$!
PIDS+=("$PCAP")
# It has read the three events once a temporary file exists and nothing
# more comes; give it the signal then.
wait_for 5 eval 'ls -A "$TMP" | grep -q "^\.int\.pcapng\."' || fail "pcap made no temporary file"
kill -TERM "$PCAP"
if ! wait_for 5 exited "$PCAP"; then
	fail "pcap still runs after SIGTERM; killed"
	kill -KILL "$PCAP"
fi
rc=0
wait "$PCAP" || rc=$?
sed 's/^/# | /' "$TMP/int.err"
expect_eq "pcap after SIGTERM: ended by it, no capture, no temporary file" "143 no " \
	"$rc $([ -e "$TMP/int.pcapng" ] && echo yes || echo no) $(ls -A "$TMP" | grep '^\.' || true)"

finish
