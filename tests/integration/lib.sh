# SPDX-License-Identifier: GPL-2.0-only
# Shared by the integration tests: they load the real BPF program, build their
# own network namespaces, cause real drops and check exact counts.
# Source it; it sets `set -eu`, a cleanup trap, and these variables:
#   DROPMON DROPGEN (binaries, from ctest), TAG (unique per run),
#   DROP_TASK_RE (the task names a dropgen drop may carry).

set -eu

TAG="dm$$"
# The task an event names is whatever ran when the kernel freed the packet.
# A loopback drop is handled in the softirq of the sending system call, so
# usually dropgen, but under load the kernel defers softirqs to ksoftirqd
# (seen in CI right after a flood): both are right, nothing else is.
DROP_TASK_RE='(dropgen|ksoftirqd/[0-9]+)'
TMP=$(mktemp -d "/tmp/dropmon-test.XXXXXX")
NETNS_CREATED=()
PIDS=()
FAILURES=0

log() { printf '# %s\n' "$*"; }

# Under emulation (the kernel matrix, tests/kernels/run.sh) everything takes
# 10-40x longer: tests wait for conditions, never for a fixed time, and each
# wait's bound is multiplied by this.
TIME_SCALE=${DROPMON_TIME_SCALE:-1}

# scaled SECONDS: SECONDS times TIME_SCALE, whole seconds, at least 1.
scaled() { awk -v s="$1" -v k="$TIME_SCALE" 'BEGIN { v = s * k; printf "%d\n", v < 1 ? 1 : v + 0.999 }'; }

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds; returns 1
# once SECONDS (scaled) have passed without.
wait_for() {
	local end
	end=$(($(date +%s%N) + $(awk -v s="$1" -v k="$TIME_SCALE" 'BEGIN { printf "%.0f", s * k * 1e9 }')))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# lines_at_least N FILE [REGEX]: FILE has N lines (matching REGEX) or more.
lines_at_least() {
	[ "$(grep -cE -- "${3:-.}" "$2" 2>/dev/null || true)" -ge "$1" ]
}

# Exit 77 (ctest: skipped) when the kernel tests cannot run here; under
# CI=true a skip is a failure.
skip() {
	echo "SKIP: $*"
	if [ "${CI:-}" = "true" ]; then
		echo "CI=true: the kernel tests must run in CI, so this skip is a failure"
		exit 1
	fi
	exit 77
}

fail() {
	echo "FAIL: $*"
	FAILURES=$((FAILURES + 1))
}

pass() { echo "ok: $*"; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: expected '$2', got '$3'"; fi
}

cleanup() {
	local pid ns
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	for ns in "${NETNS_CREATED[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
# set -e stops a test at a failing set-up command; say which one.
trap 'echo "FAIL: line $LINENO: \`$BASH_COMMAND\` exited with status $?"' ERR

require_kernel() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (loads BPF, creates network namespaces)"
	[ -r /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF (/sys/kernel/btf/vmlinux)"
	command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
	command -v curl >/dev/null || skip "curl is not installed"
	[ -x "${DROPMON:-}" ] || { echo "FAIL: DROPMON is not set to the built binary"; exit 1; }
	[ -x "${DROPGEN:-}" ] || { echo "FAIL: DROPGEN is not set to the built binary"; exit 1; }
	ip netns add "${TAG}probe" 2>/dev/null || skip "cannot create network namespaces"
	ip netns del "${TAG}probe"
	kernel_facts
}

# --- what the running kernel offers ---------------------------------------------
# The same tests run on every kernel of the matrix (5.10 to the newest); a
# check that depends on the kernel asks it, never assumes the newest.
#   KERNEL_REASONS: "true" when skb:kfree_skb carries a drop reason (Linux
#     5.17 and later, with enum skb_drop_reason). Without, dropmon labels
#     every drop NOT_SPECIFIED.
kernel_facts() {
	# The enum came with the argument: its name is one of the kernel's BTF
	# strings exactly when the tracepoint has a reason.
	if LC_ALL=C grep -qaP '\x00skb_drop_reason\x00' /sys/kernel/btf/vmlinux; then
		KERNEL_REASONS=true
	else
		KERNEL_REASONS=false
		log "kernel $(uname -r): skb:kfree_skb has no reason argument; drops are NOT_SPECIFIED"
	fi
}

# reason NAME: the reason label a drop of kernel reason NAME gets here.
reason() {
	if [ "$KERNEL_REASONS" = true ]; then echo "$1"; else echo NOT_SPECIFIED; fi
}

# kept_caps: the capability mask (as /proc/PID/status prints it) `serve`
# keeps once attached: CAP_SYSLOG (34) and CAP_SYS_PTRACE (19); before 5.19,
# with kernel.unprivileged_bpf_disabled set (Debian's default), every bpf()
# command needs CAP_BPF (39), even on a map already held: then it too. This
# goes by the version, independently of serve's own probe: a vendor kernel
# that backported 5.19's change would keep less than this expects.
kept_caps() {
	if ! kernel_at_least 5 19 && [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ]; then
		echo 0000008400080000
	else
		echo 0000000400080000
	fi
}

# accepted PORT N: dropmon has accepted N connections to PORT (a connection
# the kernel has established but the server has not accepted yet has no
# process).
accepted() { [ "$(ss -Htnp state established "sport = :$1" | grep -c '"dropmon"')" -ge "$2" ]; }

# kernel_at_least MAJOR MINOR
kernel_at_least() {
	local v
	v=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
	set -- "$1" "$2" $v
	[ "$3" -gt "$1" ] || { [ "$3" -eq "$1" ] && [ "$4" -ge "$2" ]; }
}

netns_add() {
	ip netns add "$1"
	NETNS_CREATED+=("$1")
	ip -n "$1" link set lo up
}

netns_inode() { stat -L -c %i "/run/netns/$1"; }

ifindex_in() { ip -n "$1" -o link show dev "$2" | cut -d: -f1; }

# veth_pair NS_A IF_A ADDR4_A ADDR6_A NS_B IF_B ADDR4_B ADDR6_B
# Documentation/benchmark address ranges, reachable only inside the pair.
# ADDR6 "-": no IPv6 on the pair at all (no neighbour discovery, router
# solicitations or MLD reports: no drops but the test's own).
veth_pair() {
	ip link add "$2" netns "$1" type veth peer name "$6" netns "$5"
	if [ "$4" = - ]; then
		ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
		ip netns exec "$5" sysctl -qw "net.ipv6.conf.$6.disable_ipv6=1"
	fi
	ip -n "$1" addr add "$3/24" dev "$2"
	ip -n "$5" addr add "$7/24" dev "$6"
	if [ "$4" != - ]; then
		ip -n "$1" addr add "$4/64" dev "$2" nodad
		ip -n "$5" addr add "$8/64" dev "$6" nodad
	fi
	ip -n "$1" link set "$2" up
	ip -n "$5" link set "$6" up
	# Resolve neighbours now so that ARP/NDP never interleaves with counts.
	# The first probe can be lost while the veth carrier comes up.
	reach "$1" "$7"
	[ "$4" = - ] || reach "$1" "$8"
}

# reach NS ADDR: ping from NS until ADDR answers (for at most 5 s, scaled).
reach() {
	wait_for 5 ip netns exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1 && return 0
	echo "FAIL: $2 does not answer pings from netns $1"
	return 1
}

# udp_noports NS: the kernel's count of UDP datagrams NS had no socket for.
# Softirqs may run in ksoftirqd after the sender is done: once this has grown
# by N, the N datagrams have reached __udp4_lib_rcv, which counts each just
# before it answers and frees it (in the same softirq, so only a vCPU
# descheduled in between would leave the last drop still to come).
udp_noports() {
	ip netns exec "$1" awk '/^Udp: / { if (!h) { for (i = 2; i <= NF; i++) if ($i == "NoPorts") c = i; h = 1 } else print $c }' /proc/net/snmp
}

# udp_noports_reach NS N: at least N.
udp_noports_reach() { [ "$(udp_noports "$1")" -ge "$2" ]; }

# nft_drop_udp NS PORT: an nftables rule in NS drops UDP to PORT (reason
# NETFILTER_DROP).
nft_drop_udp() {
	ip netns exec "$1" nft -f - <<EOF
table inet dropmon_test {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport $2 drop
	}
}
EOF
}

# two_netns: namespaces $A and $B joined by veth va (198.18.0.1, 2001:db8::1)
# and vb (198.18.0.2, 2001:db8::2); sets NSB and IFB, the netns inode and
# ifindex of vb, where the test's drops happen.
two_netns() {
	A="${TAG}a"
	B="${TAG}b"
	netns_add "$A"
	netns_add "$B"
	veth_pair "$A" va 198.18.0.1 2001:db8::1 "$B" vb 198.18.0.2 2001:db8::2
	NSB=$(netns_inode "$B")
	IFB=$(ifindex_in "$B" vb)
}

# router_netns: after two_netns, a router $R between $A (va2 198.19.0.1,
# vr1 198.19.0.2) and a namespace $C (vr2 198.20.0.1, vc 198.20.0.2),
# forwarding, with routes both ways; sets NSR, R's netns inode.
router_netns() {
	R="${TAG}r"
	C="${TAG}c"
	netns_add "$R"
	netns_add "$C"
	veth_pair "$A" va2 198.19.0.1 - "$R" vr1 198.19.0.2 -
	veth_pair "$R" vr2 198.20.0.1 - "$C" vc 198.20.0.2 -
	ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$A" route add 198.20.0.0/24 via 198.19.0.2
	ip -n "$C" route add 198.19.0.0/24 via 198.20.0.1
	reach "$A" 198.20.0.2
	NSR=$(netns_inode "$R")
}

# drop_on_every_cpu: one drop on each CPU, in a namespace of its own. A
# gone netns loses its series only once no CPU's last drop was in it.
drop_on_every_cpu() {
	local ns="${TAG}k" cpu
	ip netns add "$ns"
	NETNS_CREATED+=("$ns")
	ip -n "$ns" link set lo up
	for cpu in $(seq 0 $(($(nproc) - 1))); do
		ip netns exec "$ns" "$DROPGEN" udp 127.0.0.1 7 --count 1 --cpu "$cpu" >/dev/null
	done
}

# free_port: a TCP port no socket uses, below the ephemeral range (where the
# kernel picks client ports, so that a connection cannot take it between
# this check and the bind).
free_port() {
	local p low
	low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range)
	[ "$low" -gt 11000 ] || low=32768
	for _ in $(seq 50); do
		p=$((10000 + RANDOM % (low - 10000)))
		if [ -z "$(ss -Htan "sport = :$p")" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# start_dropmon [flags...]: runs `dropmon serve` on a free loopback port and
# waits until it answers. Sets PORT and DROPMON_PID; its log is $TMP/dropmon.log.
# Whether the exporter answers; a test that serves TLS or asks for a
# password sets DROPMON_READY to a probe of its own.
ready_plain() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/metrics" 2>/dev/null; }
DROPMON_READY=ready_plain

start_dropmon() {
	PORT=$(free_port)
	"$DROPMON" serve --web.listen-address="127.0.0.1:$PORT" "$@" >"$TMP/dropmon.log" 2>&1 &
	DROPMON_PID=$!
	PIDS+=("$DROPMON_PID")
	wait_for 10 dropmon_up || true
	if ! kill -0 "$DROPMON_PID" 2>/dev/null; then
		echo "dropmon exited early:"
		cat "$TMP/dropmon.log"
		return 1
	fi
	"$DROPMON_READY" && return 0
	echo "dropmon did not answer on port $PORT:"
	cat "$TMP/dropmon.log"
	return 1
}

# Answering, or gone.
dropmon_up() { "$DROPMON_READY" || ! kill -0 "$DROPMON_PID" 2>/dev/null; }

# stop_dropmon: SIGTERM, and the exit status must be 0.
stop_dropmon() {
	local rc=0
	kill -TERM "$DROPMON_PID"
	wait "$DROPMON_PID" || rc=$?
	expect_eq "dropmon exit status after SIGTERM" 0 "$rc"
}

scrape() { curl -fsS "http://127.0.0.1:$PORT/metrics" "$@"; }

# scrape_until FILE SERIES N: scrapes into FILE until SERIES is at least N,
# for at most 5 s (scaled): a drop may still be in a softirq when its sender
# is done. The caller checks the exact value: one past N is a mismatch.
scrape_until() { wait_for 5 scraped_at_least "$@" || true; }
scraped_at_least() { scrape >"$1" && [ "$(value "$1" "$2")" -ge "$3" ]; }

# value FILE SERIES: the value of the exact series (name plus its full label
# set as printed), or 0 when absent.
value() {
	awk -v s="$2" 'index($0, s " ") == 1 { print $NF; found = 1 } END { if (!found) print 0 }' "$1"
}

# drops_series REASON DEVICE IFINDEX NETNS FUNCTION
drops_series() {
	printf 'dropmon_drops_total{reason="%s",device="%s",ifindex="%s",netns="%s",function="%s"}' \
		"$1" "$2" "$3" "$4" "$5"
}

# sum_matching FILE REGEX: sum of the values of lines matching REGEX.
sum_matching() {
	awk -v re="$2" '$0 ~ re { s += $NF } END { printf "%.0f\n", s }' "$1"
}

# nf_function FILE NETNS: the function label of the one NETFILTER_DROP series
# of NETNS in a scrape. The kernel drops an nftables verdict in nf_hook_slow
# up to 6.x and, on newer kernels with nftables drop reasons, already in
# nft_do_chain: either is right, anything else (or two series) is not.
# Without drop reasons (before 5.17) every drop is NOT_SPECIFIED: there only
# these two functions are looked for.
nf_function() {
	local f any='[^"]*'
	[ "$KERNEL_REASONS" = true ] || any='nf_hook_slow\|nft_do_chain'
	f=$(sed -n "s/^dropmon_drops_total{reason=\"$(reason NETFILTER_DROP)\",.*netns=\"$2\",function=\"\($any\)\"}.*/\1/p" "$1")
	case "$f" in
	nf_hook_slow | nft_do_chain) echo "$f" ;;
	*)
		fail "NETFILTER_DROP in netns $2: expected one series in nf_hook_slow or nft_do_chain, got '$f'"
		echo nf_hook_slow
		;;
	esac
}

finish() {
	if [ "$FAILURES" -gt 0 ]; then
		echo "$FAILURES check(s) failed; dropmon's log:"
		cat "$TMP/dropmon.log" 2>/dev/null || true
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
