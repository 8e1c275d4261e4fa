#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# dropmon(8) renders without a groff warning, and names every subcommand.
set -euo pipefail
PAGE=$1
if ! command -v groff >/dev/null; then
	echo "SKIP: groff is not installed (Debian package groff-base)"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
warnings=$(groff -man -ww -z "$PAGE" 2>&1)
[ -z "$warnings" ] || { echo "FAIL: groff warnings: $warnings"; exit 1; }
text=$(groff -man -Tutf8 -P -cbou "$PAGE" 2>/dev/null)
for cmd in serve collect print pcap; do
	echo "$text" | grep -q "dropmon $cmd" || { echo "FAIL: no 'dropmon $cmd' in $PAGE"; exit 1; }
done
echo "ok: $PAGE renders cleanly"
