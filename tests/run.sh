#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The whole test suite on a fresh Debian 12 machine: installs what the build
# and the tests need, builds dropmon twice (plain, and ASan+UBSan), and runs
# every test in both, then the integration tests of the plain build on
# Debian's 5.10, 6.1 and 6.12 under qemu (tests/kernels). Kernel tests need
# root; under CI=true they may not skip.
# Every build fails on warnings, including three compile-only ones with the
# compilers and flags packagers use.
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
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDROPMON_WERROR=ON -DDROPMON_KERNEL_MATRIX=ON >/dev/null
cmake --build build -j"$jobs"

# Compile only: GCC at -O3 and clang warn where the builds above do not, and
# a Debian package builds with dpkg-buildflags (hardening, LTO) and no build
# type, passed the way debhelper does (CPPFLAGS inside CFLAGS).
# The -O3 one where no kernel BTF can be seen at all, as in a packager's
# chroot: the pinned bpf/vmlinux/ header is all the build reads.
without_btf() {
	if [ "$(id -u)" -eq 0 ]; then
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh "$@"
	else
		"$@"
	fi
}
without_btf cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DDROPMON_WERROR=ON >/dev/null
without_btf cmake --build build-release -j"$jobs"
CC=clang cmake -S . -B build-clang -DDROPMON_WERROR=ON >/dev/null
cmake --build build-clang -j"$jobs"
debflags() { DEB_BUILD_MAINT_OPTIONS="hardening=+all optimize=+lto" dpkg-buildflags --get "$1"; }
CFLAGS="$(debflags CFLAGS) $(debflags CPPFLAGS)" LDFLAGS="$(debflags LDFLAGS)" \
	cmake -S . -B build-dpkg -DCMAKE_BUILD_TYPE=None -DDROPMON_WERROR=ON >/dev/null
cmake --build build-dpkg -j"$jobs"
# The libFuzzer targets (tests/fuzz): clang, every library instrumented,
# so a build of its own; only the targets are built.
CC=clang cmake -S . -B build-fuzz -DDROPMON_FUZZ=ON -DDROPMON_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz

echo "== tests under ASan and UBSan =="
(cd build-asan && ctest --output-on-failure)
echo "== fuzz targets: seed corpora and short runs =="
(cd build-fuzz && ctest --output-on-failure -L fuzz)
echo "== tests of the release build =="
(cd build && ctest --output-on-failure -LE kernels)
# The release build's binaries on Debian's kernels (tests/kernels/run.sh),
# each kernel's report printed whether it passes or not.
echo "== integration tests on Debian's kernels under qemu =="
(cd build && ctest -V -L kernels)
