#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The .deb: built with CPack for prefix /usr, installed with dpkg, it puts
# the binary, the unit and the man page in place, declares its library
# dependencies, and runs; then it is removed again.
. "$(dirname "$0")/lib.sh"
require_kernel
command -v dpkg >/dev/null || skip "not a Debian system (no dpkg)"
command -v cpack >/dev/null || skip "cpack is not installed"
if dpkg -s dropmon >/dev/null 2>&1; then
	skip "a dropmon package is installed already: not touching it"
fi
remove_package() { dpkg -r dropmon >/dev/null 2>&1 || true; }
trap 'remove_package; cleanup' EXIT

# The kernel matrix builds the package once on the host and installs it in
# each guest (DROPMON_DEB): building under emulation would take minutes.
if [ -n "${DROPMON_DEB:-}" ]; then
	DEB=$DROPMON_DEB
else
	log "building the package (prefix /usr)"
	cmake -S "$SRCDIR" -B "$TMP/deb" -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$TMP/deb.log" 2>&1
	cmake --build "$TMP/deb" -j"$(nproc)" >>"$TMP/deb.log" 2>&1
	(cd "$TMP/deb" && cpack -G DEB >>"$TMP/deb.log" 2>&1)
	DEB=$(ls "$TMP"/deb/dropmon_*.deb)
fi
log "$(basename "$DEB")"
depends=$(dpkg-deb -f "$DEB" Depends)
log "Depends: $depends"
for lib in libbpf1 libdeflate0 libmicrohttpd12 libpcap0.8; do
	case "$depends" in
	*"$lib"*) pass "depends on $lib" ;;
	*) fail "Depends lacks $lib: $depends" ;;
	esac
done

dpkg -i "$DEB" >"$TMP/dpkg.log" 2>&1 || { cat "$TMP/dpkg.log"; fail "dpkg -i failed"; }
expect_eq "binary installed" "dropmon 0.1.0" "$(/usr/sbin/dropmon --version | cut -d' ' -f1-2)"
expect_eq "unit installed, pointing at it" "ExecStart=/usr/sbin/dropmon serve" \
	"$(grep '^ExecStart=' /usr/lib/systemd/system/dropmon.service)"
[ -f /usr/share/man/man8/dropmon.8 ] && pass "man page installed" || fail "no man page"

DROPMON=/usr/sbin/dropmon
start_dropmon
expect_eq "the installed dropmon serves metrics" 1 \
	"$(scrape | grep -c '^dropmon_build_info{version="0.1.0"')"
stop_dropmon
remove_package
[ ! -e /usr/sbin/dropmon ] && pass "dpkg -r removes it" || fail "/usr/sbin/dropmon left after dpkg -r"
finish
