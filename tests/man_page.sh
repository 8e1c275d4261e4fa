#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# dropmon(8) renders without a groff warning, names every subcommand and
# every flag `dropmon serve --help` lists.
set -euo pipefail
PAGE=$1
DROPMON=$2
if ! command -v groff >/dev/null; then
	echo "SKIP: groff is not installed (Debian package groff-base)"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
warnings=$(groff -man -ww -z "$PAGE" 2>&1)
[ -z "$warnings" ] || { echo "FAIL: groff warnings: $warnings"; exit 1; }
# No hyphenation and long lines: a flag is never broken across lines.
text=$(groff -man -rHY=0 -rLL=300n -Tutf8 -P -cbou "$PAGE" 2>/dev/null)
for cmd in serve collect print pcap; do
	grep -q "dropmon $cmd" <<<"$text" || { echo "FAIL: no 'dropmon $cmd' in $PAGE"; exit 1; }
done
flags=$("$DROPMON" serve --help | grep -oE -- '--[a-z][a-z.-]+' | sort -u)
[ -n "$flags" ] || { echo "FAIL: no flags in dropmon serve --help"; exit 1; }
for flag in $flags; do
	# The whole flag: --web.max-connections is a prefix of another one.
	grep -qE -- "${flag}([^a-z.-]|\$)" <<<"$text" || { echo "FAIL: $flag of serve is not in $PAGE"; exit 1; }
done
echo "ok: $PAGE renders cleanly and names the $(echo "$flags" | wc -l) flags of serve"
