#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# dropmon(8) renders without a groff warning, names every subcommand, and
# its OPTIONS OF <COMMAND> section names exactly the flags, long and short,
# that `dropmon <command> --help` lists; the help fits 80 columns.
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

# flags: the flags named in stdin, one a line: --long (without =ARG or a
# sentence's full stop) and -x.
flags() {
	tr -s ' \t,;()[]`"' '\n' | sed 's/=.*//; s/\.*$//' |
		grep -E -- '^-(-[a-z][a-z0-9.-]*|[a-zA-Z])$' | sort -u || true
}

total=0
for cmd in serve collect print pcap; do
	grep -q "dropmon $cmd" <<<"$text" || { echo "FAIL: no 'dropmon $cmd' in $PAGE"; exit 1; }
	help=$("$DROPMON" "$cmd" --help)
	long=$(awk 'length > 80' <<<"$help")
	[ -z "$long" ] || { echo "FAIL: dropmon $cmd --help has lines over 80 columns: $long"; exit 1; }
	# The flag column of the option lines: "  -o, --output[=FILE]  help".
	in_help=$(sed -n 's/^  \(-[^ ].*\)$/\1/p' <<<"$help" | sed 's/  .*//' | flags)
	[ -n "$in_help" ] || { echo "FAIL: no flags in dropmon $cmd --help"; exit 1; }
	usage=$(grep '^Usage:' <<<"$help" | flags)
	extra=$(comm -23 <(echo "$usage") <(echo "$in_help"))
	[ -z "$extra" ] || { echo "FAIL: the usage line of dropmon $cmd --help names" $extra; exit 1; }
	section="OPTIONS OF ${cmd^^}"
	in_page=$(awk -v s="$section" '$0 == s { on = 1; next } /^[A-Z]/ { on = 0 } on' <<<"$text" | flags)
	[ -n "$in_page" ] || { echo "FAIL: no flags in section $section of $PAGE"; exit 1; }
	missing=$(comm -23 <(echo "$in_help") <(echo "$in_page"))
	[ -z "$missing" ] || { echo "FAIL: not in $section of $PAGE:" $missing; exit 1; }
	unknown=$(comm -13 <(echo "$in_help") <(echo "$in_page"))
	[ -z "$unknown" ] || { echo "FAIL: $section of $PAGE names flags dropmon $cmd --help does not:" $unknown; exit 1; }
	total=$((total + $(echo "$in_help" | wc -l)))
done
echo "ok: $PAGE renders cleanly and documents exactly the $total flags of serve, collect, print and pcap"
