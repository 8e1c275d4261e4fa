# SPDX-License-Identifier: GPL-2.0-only
# What the benchmarks share: two namespaces joined by a veth, a free port,
# dropmon serve started and stopped.
# Sourced; the caller sets DROPMON and PIDS (an array it kills on exit).

# free_port: a TCP port below the ephemeral range, where client
# connections take theirs.
free_port() {
	local p low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
	[ "$low" -gt 11000 ] || low=32768
	while :; do
		p=$((10000 + RANDOM % (low - 10000)))
		[ -z "$(ss -Htan "sport = :$p")" ] && { echo $p; return; }
	done
}

# start_dropmon LOG [flags...]: dropmon serve on a free loopback port, its
# stderr in LOG; waits up to 10 s for it to answer. Sets PORT and DPID.
start_dropmon() {
	local log=$1
	shift
	PORT=$(free_port)
	"$DROPMON" serve --web.listen-address=127.0.0.1:$PORT "$@" 2>"$log" &
	DPID=$!
	PIDS+=("$DPID")
	for _ in $(seq 100); do
		curl -fs -o /dev/null http://127.0.0.1:$PORT/metrics && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "dropmon did not start:"
	cat "$log"
	exit 1
}

# stop_pid PID: SIGINT, as an operator stops dropmon or bpftrace; SIGKILL
# if it has not exited after 5 s (bpftrace 0.17 can miss a signal that
# arrives outside its poll).
stop_pid() {
	kill -INT "$1" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# netns_pair: namespaces $SRC (vsrc 198.18.0.1) and $DST (vdst 198.18.0.2)
# joined by a veth, up; returns once a ping crosses it (1 if none in 2 s).
netns_pair() {
	ip netns add $SRC
	ip netns add $DST
	ip link add vsrc netns $SRC type veth peer name vdst netns $DST
	ip -n $SRC addr add 198.18.0.1/24 dev vsrc
	ip -n $DST addr add 198.18.0.2/24 dev vdst
	ip -n $SRC link set vsrc up
	ip -n $DST link set vdst up
	ip -n $SRC link set lo up
	ip -n $DST link set lo up
	# The first probe can be lost while the veth carrier comes up.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		ip netns exec $SRC ping -c1 -W1 198.18.0.2 >/dev/null && return 0
		sleep 0.2
	done
	echo "no ping through the veth"
	return 1
}
