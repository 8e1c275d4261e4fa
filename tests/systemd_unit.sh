#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The systemd unit passes `systemd-analyze verify`, pointed at the built
# binary, and keeps the capability sets it documents.
# Usage: systemd_unit.sh UNIT_IN DROPMON_BINARY
set -euo pipefail
UNIT_IN=$1
BIN=$(realpath "$2")
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze is not installed (Debian package systemd)"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
sed "s|@DROPMON_SBINDIR@|$(dirname "$BIN")|" "$UNIT_IN" >"$TMP/dropmon.service"
# verify loads the unit as systemd would and checks ExecStart exists; it
# only warns about unknown keys, so any output at all is a failure.
out=$(systemd-analyze verify "$TMP/dropmon.service" 2>&1) || { echo "$out"; exit 1; }
[ -z "$out" ] || { echo "FAIL: systemd-analyze verify: $out"; exit 1; }
caps="CAP_BPF CAP_PERFMON CAP_SYSLOG CAP_SYS_PTRACE"
for key in AmbientCapabilities CapabilityBoundingSet; do
	got=$(sed -n "s/^$key=//p" "$TMP/dropmon.service")
	[ "$got" = "$caps" ] || { echo "FAIL: $key=$got, expected $caps"; exit 1; }
done
grep -q '^ExecStart=.*/dropmon serve$' "$TMP/dropmon.service"
echo "ok: systemd-analyze verify passed; capabilities: $caps"
