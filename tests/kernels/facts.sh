#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What the running kernel offers dropmon, as the matrix reports it (and the
# README's "Supported kernels" table): the tracepoint's arguments, its drop
# reasons, and the attach mode dropmon chooses.
#   facts.sh DROPMON
DROPMON=$1
fmt=/sys/kernel/tracing/events/skb/kfree_skb/format
[ -r "$fmt" ] || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
btf=/sys/kernel/btf/vmlinux

args=$(sed -n 's/^[[:space:]]*field:[^;]* \**\([a-z_]*\);.*/\1/p' "$fmt" 2>/dev/null |
	grep -v '^common_' | tr '\n' ' ')
echo "kfree_skb fields: ${args:-unknown (no tracefs)}"
if [ -r "$btf" ] && command -v bpftool >/dev/null; then
	dump=$(bpftool btf dump file "$btf" 2>/dev/null)
	# Values of an enum in bpftool's raw dump: the lines after its ENUM line.
	enum_values() {
		echo "$dump" | awk -v e="'$1'" '
			$2 ~ /^ENUM/ && $3 == e { on = 1; next }
			on && /^\t/ { n++; next }
			on { exit }
			END { print n + 0 }'
	}
	echo "drop reasons (enum skb_drop_reason): $(enum_values skb_drop_reason)"
	echo "subsystems (enum skb_drop_reason_subsys): $(enum_values skb_drop_reason_subsys)"
else
	echo "BTF: missing"
fi
echo "kernel.unprivileged_bpf_disabled: $(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || echo '?')"

# The attach mode dropmon picks by itself.
port=
for _ in $(seq 50); do
	port=$((20000 + RANDOM % 10000))
	[ -z "$(ss -Htan "sport = :$port")" ] && break
done
"$DROPMON" serve --web.listen-address="127.0.0.1:$port" >/tmp/facts-serve.log 2>&1 &
pid=$!
mode=
for _ in $(seq 600); do
	mode=$(curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null |
		sed -n 's/^dropmon_bpf_attach_info{mode="\([a-z_]*\)"} 1$/\1/p')
	[ -n "$mode" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.5
done
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
echo "dropmon attaches with: ${mode:-nothing ($(tail -n1 /tmp/facts-serve.log))}"
