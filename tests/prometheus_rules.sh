#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Checks the example Prometheus configuration and the dropmon rules in
# deploy/prometheus with promtool: config syntax (which loads the rule files
# too), rule syntax, and the rule unit tests (dropmon-rules.test.yml).
# Exit 77 (skipped) without promtool; under CI=true that is a failure.
set -euo pipefail

cd "$(dirname "$0")/../deploy/prometheus"

PROMTOOL=${PROMTOOL:-promtool}
if ! command -v "$PROMTOOL" >/dev/null 2>&1; then
	if [[ "${CI:-}" == true ]]; then
		echo "FAIL: promtool not found (install the Debian package prometheus, or set PROMTOOL)" >&2
		exit 1
	fi
	echo "SKIP: promtool not found (install the Debian package prometheus, or set PROMTOOL)" >&2
	exit 77
fi

"$PROMTOOL" check config prometheus.yml
"$PROMTOOL" check rules dropmon-rules.yml
"$PROMTOOL" test rules dropmon-rules.test.yml
