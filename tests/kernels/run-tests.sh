#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs the integration tests a plan names, one by one, on the running kernel:
# in a matrix guest (guest.sh) and on the host (run.sh host) alike.
#   run-tests.sh RESULTS
# RESULTS holds `plan` (a test name a line); each test's output goes to
# RESULTS/TEST.log and a line "TEST STATUS SECONDS [WHY]" to RESULTS/results.
# DROPMON, DROPGEN, SRCDIR (and DROPMON_TIME_SCALE) come from the caller.
RES=$1
SCALE=${DROPMON_TIME_SCALE:-1}
# A test takes a minute or two under emulation; this is only the backstop.
LIMIT=$((30 * (SCALE > 4 ? SCALE : 4)))
while read -r t; do
	[ -n "$t" ] || continue
	t0=$(date +%s)
	rc=0
	if [ -f "$SRCDIR/tests/integration/$t.sh" ]; then
		timeout -k 10 "$LIMIT" bash "$SRCDIR/tests/integration/$t.sh" >"$RES/$t.log" 2>&1 </dev/null || rc=$?
	else
		echo "no such test: $t" >"$RES/$t.log"
		rc=1
	fi
	why=
	case $rc in
	0) st=pass ;;
	77) st=skip why=$(sed -n 's/^SKIP: //p' "$RES/$t.log" | head -1) ;;
	124 | 137) st=fail why="timed out after $LIMIT s" ;;
	*) st=fail why=$(grep -m1 '^FAIL' "$RES/$t.log") ;;
	esac
	echo "$t $st $(($(date +%s) - t0)) $why" >>"$RES/results"
	# A test's leftovers must not reach the next one.
	ip -all netns delete 2>/dev/null
done <"$RES/plan"
touch "$RES/done"
