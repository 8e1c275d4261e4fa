#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Long fuzzing runs: every libFuzzer target (or those named), one after the
# other, from its seeds (tests/fuzz/corpus/TARGET) and what earlier runs
# found (BUILD/tests/fuzz/long/TARGET, so a second run goes on from there).
#   tests/fuzz/run.sh [--build DIR] [SECONDS | -runs N] [TARGET...]
# SECONDS per target (default 600), or N executions each. The build
# directory (default build-fuzz) is configured with CC=clang and
# -DDROPMON_FUZZ=ON and built first. A crash, leak, UB report, timeout
# (10 s on one input) or more than 2 GiB of memory stops the target: the
# input is saved as BUILD/tests/fuzz/artifacts/TARGET-crash-*, and the
# script exits 1 after the others ran. Replay one with
#   BUILD/tests/fuzz/fuzz_TARGET FILE
# Each log is BUILD/tests/fuzz/long/TARGET.log; its last status line (#N
# DONE cov: ... exec/s ...) is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=build-fuzz
limit=(-max_total_time=600)
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--build)
		build=${2:?--build DIR}
		shift 2
		;;
	-runs)
		limit=(-runs="${2:?-runs N}")
		shift 2
		;;
	-runs=*)
		limit=("$1")
		shift
		;;
	[0-9]*)
		limit=(-max_total_time="$1")
		shift
		;;
	-h | --help)
		sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "run.sh: unknown option $1 (--help)" >&2
		exit 2
		;;
	*)
		targets+=("$1")
		shift
		;;
	esac
done
if [ ${#targets[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		t=${f#tests/fuzz/fuzz_}
		targets+=("${t%.c}")
	done
fi

CC=clang cmake -S . -B "$build" -DDROPMON_FUZZ=ON -DDROPMON_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz >/dev/null

# Allocation and free stacks are recorded at every malloc by default, which
# halves the speed of the json-c and libyaml targets. A report still says
# what went wrong and where; replaying the input gives the stacks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0}

out=$build/tests/fuzz
mkdir -p "$out/artifacts" "$out/long"
status=0
for t in "${targets[@]}"; do
	bin=$out/fuzz_$t
	[ -x "$bin" ] || {
		echo "run.sh: no target $t" >&2
		exit 2
	}
	dict=()
	[ -e "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	mkdir -p "$out/long/$t"
	echo "== $t: ${limit[*]}"
	rc=0
	"$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$t-" "${dict[@]}" \
		"$out/long/$t" "tests/fuzz/corpus/$t" >"$out/long/$t.log" 2>&1 || rc=$?
	grep -E '^#[0-9]+[[:space:]]+DONE' "$out/long/$t.log" | tail -1 || true
	grep -E '^stat::number_of_executed_units' "$out/long/$t.log" || true
	if [ $rc -ne 0 ]; then
		echo "$t: FAILED (exit $rc), see $out/long/$t.log:"
		grep -E 'ERROR|runtime error|fuzz_[a-z]+: |Test unit written' "$out/long/$t.log" | head -5
		status=1
	fi
done
exit $status
