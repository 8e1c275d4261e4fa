#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite on a fresh Debian 12 machine: installs what the build
# and the tests need, builds dropmon twice (plain, and ASan+UBSan), and runs
# every test in both. Kernel tests need root; under CI=true they may not skip.
set -euo pipefail
cd "$(dirname "$0")/.."

APT=(apt-get)
[ "$(id -u)" -eq 0 ] || APT=(sudo apt-get)
export DEBIAN_FRONTEND=noninteractive
"${APT[@]}" update -q >/dev/null
# shellcheck disable=SC2046
"${APT[@]}" install -y -q --no-install-recommends \
	$(grep -hv '^#' deploy/debian/build-depends tests/test-depends) >/dev/null

jobs=$(nproc)
cmake -S . -B build-asan -DDROPMON_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DDROPMON_WERROR=ON >/dev/null
cmake --build build-asan -j"$jobs"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDROPMON_WERROR=ON >/dev/null
cmake --build build -j"$jobs"

echo "== tests under ASan and UBSan =="
(cd build-asan && ctest --output-on-failure)
echo "== tests of the release build =="
(cd build && ctest --output-on-failure)
