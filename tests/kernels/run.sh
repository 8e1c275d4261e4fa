#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel matrix: boots Debian's own kernel packages under qemu and runs
# the integration tests inside each guest, against the binaries built on
# this host (CO-RE: one BPF object for every kernel).
#
#   tests/kernels/run.sh [--all] [--build DIR] [--tests LIST] [KERNEL...]
#
# KERNEL is a name from kernels.list (5.10, 6.1, 6.12) or "host" (the
# running kernel, no VM). Without names: every kernel of kernels.list with
# the tests CI runs on it; --all: every test on every kernel and the host.
# --tests LIST (comma-separated test names) overrides the choice of tests.
#
# Per kernel, a guest: the kernel from the package (fetched with a private
# apt configuration, cached in $DROPMON_KERNEL_CACHE, default
# /var/cache/dropmon/kernels), a busybox initramfs that mounts this host's /
# read-only over 9p with a tmpfs overlay, the package's modules for
# modprobe, and guest.sh as init. KVM when it works, TCG otherwise.
# Prints pass / fail / skip per kernel and test, and the kernel's facts;
# exits 1 when anything failed (or, with CI=true, was skipped).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$HERE/../.." && pwd)
BUILD=$SRCDIR/build
CACHE=${DROPMON_KERNEL_CACHE:-/var/cache/dropmon/kernels}
MIRROR=${DROPMON_DEBIAN_MIRROR:-http://deb.debian.org}
MEM=${DROPMON_QEMU_MEM:-2048}
SMP=${DROPMON_QEMU_SMP:-$(nproc)}
# Minutes a guest may take at most, boot to power-off.
GUEST_MINUTES=${DROPMON_GUEST_MINUTES:-25}
ALL=false
ONLY_TESTS=
KERNELS=()

usage() {
	sed -n 's/^# \{0,1\}//; 4,17p' "$0"
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--all) ALL=true ;;
	--build) BUILD=$(cd "$2" && pwd); shift ;;
	--build=*) BUILD=$(cd "${1#*=}" && pwd) ;;
	--tests) ONLY_TESTS=$2; shift ;;
	--tests=*) ONLY_TESTS=${1#*=} ;;
	-h | --help) usage 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; usage 2 >&2 ;;
	*) KERNELS+=("$1") ;;
	esac
	shift
done

say() { printf 'kernels: %s\n' "$*"; }
die() { printf 'kernels: error: %s\n' "$*" >&2; exit 1; }
# What this machine lacks to run the matrix: a skip (77, as the integration
# tests), which under CI=true is a failure.
unable() {
	printf 'SKIP: kernel matrix: %s\n' "$*"
	if [ "${CI:-}" = true ]; then
		echo "CI=true: the kernel matrix must run in CI, so this skip is a failure"
		exit 1
	fi
	exit 77
}

[ "$(id -u)" -eq 0 ] || unable "needs root (the tests in the guest run as root over this host's files)"
for b in dropmon dropgen; do
	[ -x "$BUILD/$b" ] || die "$BUILD/$b is not built (cmake --build $BUILD)"
done
for c in qemu-system-x86_64 apt-get dpkg-deb depmod cpio busybox xz zstd; do
	command -v "$c" >/dev/null || [ -x "/bin/$c" ] ||
		unable "$c is missing (apt-get install $(grep -hv '^#' "$SRCDIR/tests/test-depends" | tr '\n' ' '))"
done
BUSYBOX=$(command -v busybox || echo /bin/busybox)
# A dynamically linked busybox would need the host's libc in the initramfs.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	unable "$BUSYBOX is not static (apt-get install busybox-static)"
fi

# --- what runs where --------------------------------------------------------
all_tests() {
	local t
	for t in "$SRCDIR"/tests/integration/test_*.sh; do
		t=${t##*/}
		echo "${t%.sh}"
	done
}

# kernel_line NAME: the kernels.list line of NAME
kernel_line() { awk -v n="$1" '!/^#/ && NF >= 3 && $1 == n' "$HERE/kernels.list"; }

if [ ${#KERNELS[@]} -eq 0 ]; then
	mapfile -t KERNELS < <(awk '!/^#/ && NF >= 3 { print $1 }' "$HERE/kernels.list")
	$ALL && KERNELS+=(host)
fi
for k in "${KERNELS[@]}"; do
	[ "$k" = host ] || [ -n "$(kernel_line "$k")" ] || die "unknown kernel '$k' (kernels.list has: $(awk '!/^#/ && NF >= 3 { printf "%s ", $1 }' "$HERE/kernels.list")host)"
done

# tests_for NAME: the tests to run on NAME, one per line
tests_for() {
	local list
	if [ -n "$ONLY_TESTS" ]; then
		list=$ONLY_TESTS
	elif $ALL || [ "$1" = host ]; then
		list=all
	else
		list=$(kernel_line "$1" | awk '{ print $3 }')
	fi
	if [ "$list" = all ]; then
		all_tests
	else
		echo "$list" | tr ',' '\n'
	fi
}

# --- fetching a kernel package ------------------------------------------------
# A private apt configuration per suite: the host's own apt is not touched.
apt_dir() { echo "$CACHE/apt/$1"; }

# apt_conf SUITE: APT_O, the options that point apt at that configuration.
apt_conf() {
	local d
	d=$(apt_dir "$1")
	APT_O=(-o Dir::Etc="$d/etc" -o Dir::Etc::SourceList="$d/etc/sources.list"
		-o Dir::Etc::SourceParts="$d/etc/sources.list.d" -o Dir::Etc::Parts="$d/etc/apt.conf.d"
		-o Dir::Etc::Preferences="$d/etc/preferences" -o Dir::Etc::PreferencesParts="$d/etc/preferences.d"
		-o Dir::State="$d/state" -o Dir::State::status="$d/state/status" -o Dir::Cache="$d/cache"
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64)
}

apt_for() {
	apt_conf "$1"
	shift
	apt-get -q "${APT_O[@]}" -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

apt_cache_for() {
	apt_conf "$1"
	shift
	apt-cache "${APT_O[@]}" "$@"
}

apt_setup() {
	local suite=$1 d keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	d=$(apt_dir "$suite")
	mkdir -p "$d/etc/sources.list.d" "$d/etc/apt.conf.d" "$d/etc/preferences.d" \
		"$d/state/lists/partial" "$d/cache/archives/partial"
	touch "$d/state/status"
	[ -r "$keyring" ] || unable "$keyring is missing (apt-get install debian-archive-keyring)"
	cat >"$d/etc/sources.list" <<EOF
deb [signed-by=$keyring] $MIRROR/debian $suite main
deb [signed-by=$keyring] $MIRROR/debian-security $suite-security main
EOF
	# Once a day is enough: a suite's kernel changes with security updates.
	if [ -z "$(find "$d/state/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
		apt_for "$suite" update >"$d/update.log" 2>&1 ||
			{ cat "$d/update.log" >&2; unable "apt-get update for $suite failed"; }
	fi
}

# fetch_kernel NAME SUITE: sets KDIR (extracted package: boot/, lib/modules/)
# and KVER (its uname -r).
fetch_kernel() {
	local name=$1 suite=$2 pkg ver deb
	apt_setup "$suite"
	# linux-image-amd64 depends on exactly the current ABI's image package.
	pkg=$(apt_cache_for "$suite" depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1)
	[ -n "$pkg" ] || unable "no linux-image-amd64 in $suite"
	ver=$(apt_cache_for "$suite" policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		unable "no version of $pkg in $suite"
	fi
	KDIR=${CACHE}/${pkg}_${ver}
	if [ ! -f "$KDIR/.complete" ]; then
		say "$name: fetching $pkg $ver from $suite"
		rm -rf "$KDIR" "$CACHE/debs/$suite"
		mkdir -p "$CACHE/debs/$suite" "$KDIR"
		(cd "$CACHE/debs/$suite" && apt_for "$suite" download "$pkg=$ver" >download.log 2>&1) ||
			{ cat "$CACHE/debs/$suite/download.log" >&2; unable "downloading $pkg failed"; }
		deb=$(ls "$CACHE/debs/$suite/"*.deb)
		dpkg-deb -x "$deb" "$KDIR/pkg"
		rm -f "$deb"
		# trixie installs modules under /usr/lib (merged /usr), older
		# suites under /lib: one place for both.
		mkdir -p "$KDIR/boot" "$KDIR/lib"
		mv "$KDIR"/pkg/boot/vmlinuz-* "$KDIR/boot/"
		if [ -d "$KDIR/pkg/usr/lib/modules" ]; then
			mv "$KDIR/pkg/usr/lib/modules" "$KDIR/lib/modules"
		else
			mv "$KDIR/pkg/lib/modules" "$KDIR/lib/modules"
		fi
		rm -rf "$KDIR/pkg"
		KVER=$(ls "$KDIR/lib/modules")
		depmod -b "$KDIR" "$KVER"
		echo "$pkg $ver" >"$KDIR/.complete"
	fi
	KVER=$(ls "$KDIR/lib/modules")
	KPKG="$pkg $ver"
}

# --- the initramfs -------------------------------------------------------------
# mod_closure MODDIR NAME...: the modules' files, dependencies first.
mod_closure() {
	local dir=$1
	shift
	awk -v want="$*" '
	function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
	{ sub(/:$/, "", $1); path[base($1)] = $1; n = 0
	  for (i = NF; i >= 2; i--) deps[base($1), ++n] = base($i); ndeps[base($1)] = n }
	function visit(m,   i) {
		if (m in seen) return; seen[m] = 1
		if (!(m in path)) return
		for (i = 1; i <= ndeps[m]; i++) visit(deps[m, i])
		print path[m]
	}
	END { split(want, w, " "); for (i = 1; i in w; i++) visit(w[i]) }' "$dir/modules.dep"
}

# build_initramfs: $KDIR/initramfs.gz, with busybox, init and the modules
# that reach the host's files (virtio, 9p, overlay). Built-in ones are
# simply not found in modules.dep.
build_initramfs() {
	local out=$KDIR/initramfs.gz root mods m sum want="virtio_pci 9pnet_virtio 9p overlay"
	sum=$( (cat "$HERE/initramfs-init.sh" "$BUSYBOX"; echo "$want") | sha256sum | cut -c1-16)
	[ -f "$out" ] && [ "$(cat "$KDIR/initramfs.sum" 2>/dev/null)" = "$sum" ] && return 0
	root=$(mktemp -d)
	mkdir -p "$root/bin" "$root/lib/modules" "$root/dev" "$root/proc" "$root/sys" \
		"$root/host" "$root/rw" "$root/newroot"
	cp "$BUSYBOX" "$root/bin/busybox"
	cp "$HERE/initramfs-init.sh" "$root/init"
	chmod 755 "$root/init"
	# shellcheck disable=SC2086 # a list of names
	mods=$(mod_closure "$KDIR/lib/modules/$KVER" $want)
	: >"$root/modules.order"
	for m in $mods; do
		case "$m" in
		*.xz) xz -dc "$KDIR/lib/modules/$KVER/$m" >"$root/lib/modules/$(basename "${m%.xz}")" ;;
		*.zst) zstd -qdc "$KDIR/lib/modules/$KVER/$m" >"$root/lib/modules/$(basename "${m%.zst}")" ;;
		*) cp "$KDIR/lib/modules/$KVER/$m" "$root/lib/modules/" ;;
		esac
		basename "${m%.*z*}" | sed 's/\.ko$//; s/$/.ko/' >>"$root/modules.order"
	done
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	echo "$sum" >"$KDIR/initramfs.sum"
	rm -rf "$root"
}

# --- KVM or TCG -------------------------------------------------------------------
# /dev/kvm may exist and still not run a guest (nested virtualisation without
# the MSRs qemu needs): boot the guest's kernel once and see.
ACCEL=
choose_accel() {
	[ -n "$ACCEL" ] && return 0
	ACCEL=tcg
	if [ -n "${DROPMON_QEMU_ACCEL:-}" ]; then
		ACCEL=$DROPMON_QEMU_ACCEL
	elif [ -w /dev/kvm ]; then
		# To a file: a pipe into grep would end qemu with SIGPIPE, which
		# pipefail takes for a failure.
		# In a subshell whose output goes nowhere: where KVM cannot run a
		# guest, qemu aborts, and the shell would report it.
		(timeout 20 qemu-system-x86_64 -accel kvm -cpu host -m 256 -display none -no-reboot \
			-serial "file:$OUT/kvm-probe.log" -monitor none -kernel "$KDIR/boot/vmlinuz-$KVER" \
			-append "console=ttyS0 panic=-1 rdinit=/nonexistent" || true) >/dev/null 2>&1
		grep -q 'Linux version' "$OUT/kvm-probe.log" 2>/dev/null && ACCEL=kvm
	fi
	say "qemu accelerator: $ACCEL$([ "$ACCEL" = tcg ] && echo ' (software emulation: 10-40x slower than the host)')"
}

# --- one guest ----------------------------------------------------------------------
# run_guest NAME: boots it, runs its tests; results in $OUT/NAME/.
run_guest() {
	local name=$1 suite line res t0 rc=0 attempt
	line=$(kernel_line "$name")
	suite=$(echo "$line" | awk '{ print $2 }')
	fetch_kernel "$name" "$suite"
	build_initramfs
	choose_accel
	res=$OUT/$name
	# The kernel command line carries the path: no spaces in it.
	case "$res" in *[[:space:]]*) die "the build directory's path has a space: $res" ;; esac
	rm -rf "$res"
	mkdir -p "$res"
	tests_for "$name" >"$res/plan"
	cat >"$res/env" <<EOF
SRCDIR=$SRCDIR
DROPMON=$BUILD/dropmon
DROPGEN=$BUILD/dropgen
DROPMON_DEB=${DEB:-}
MODULES=$KDIR/lib/modules
CI=${CI:-}
SCALE=$([ "$ACCEL" = tcg ] && echo 20 || echo 2)
EOF
	say "$name: booting $KPKG ($KVER) under $ACCEL, $(wc -l <"$res/plan") tests"
	t0=$(date +%s)
	# A boot that dies before the guest's init runs is retried: under TCG
	# with two vCPUs a kernel patching its own code (static keys, at boot)
	# can trip over a stale translation of it on the other vCPU (seen
	# once in a dozen boots of 6.12: "Oops: int3" in sched_clock_cpu).
	# Once the tests have begun, nothing is retried.
	for attempt in 1 2 3; do
		boot_guest "$name" "$res" || rc=$?
		[ -f "$res/kernel" ] || [ "$rc" -eq 124 ] || [ "$attempt" -eq 3 ] || {
			say "$name: boot $attempt died before the tests began; its console:"
			grep -m1 -A3 -E 'Oops|BUG|panic|initramfs:' "$res/console.log" | sed 's/^/  | /'
			mv "$res/console.log" "$res/console-boot$attempt.log"
			rc=0
			continue
		}
		break
	done
	echo $(($(date +%s) - t0)) >"$res/seconds"
	if [ "$rc" -eq 124 ]; then
		say "$name: the guest did not finish in $GUEST_MINUTES minutes"
	elif [ ! -f "$res/done" ]; then
		say "$name: the guest stopped before its tests were done (qemu status $rc); its console:"
		tail -n 40 "$res/console.log" | sed 's/^/  | /'
	fi
}

# boot_guest NAME RESULTS: one boot of the guest, until it powers off;
# prints the results as they come. Returns qemu's status (124: out of time).
boot_guest() {
	local name=$1 res=$2 cpu=max rc=0
	[ "$ACCEL" = kvm ] && cpu=host
	# The host's / read-only, the results directory read-write.
	timeout $((GUEST_MINUTES * 60)) qemu-system-x86_64 -accel "$ACCEL" -cpu "$cpu" -m "$MEM" -smp "$SMP" \
		-display none -no-reboot -monitor none -serial "file:$res/console.log" \
		-kernel "$KDIR/boot/vmlinuz-$KVER" -initrd "$KDIR/initramfs.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off dropmon.results=$res" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$res,mount_tag=results,security_model=none" \
		-device virtio-rng-pci &
	QEMU_PID=$!
	SEEN=0
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		report_new "$name" "$res"
		sleep 2
	done
	wait "$QEMU_PID" || rc=$?
	QEMU_PID=
	report_new "$name" "$res"
	return "$rc"
}

# report_new NAME RESULTS: prints the results not printed yet (SEEN lines).
report_new() {
	local n t st secs why
	[ -f "$2/results" ] || return 0
	n=$(wc -l <"$2/results")
	[ "$n" -gt "$SEEN" ] || return 0
	sed -n "$((SEEN + 1)),${n}p" "$2/results" | while read -r t st secs why; do
		say "$1: $t $st (${secs}s)${why:+: $why}"
	done
	SEEN=$n
}

# --- the host -------------------------------------------------------------------------
run_host() {
	local res=$OUT/host t0
	rm -rf "$res"
	mkdir -p "$res"
	tests_for host >"$res/plan"
	uname -r >"$res/kernel"
	"$HERE/facts.sh" "$BUILD/dropmon" >"$res/facts" 2>&1 || true
	say "host: $(uname -r), $(wc -l <"$res/plan") tests"
	t0=$(date +%s)
	DROPMON=$BUILD/dropmon DROPGEN=$BUILD/dropgen SRCDIR=$SRCDIR \
		bash "$HERE/run-tests.sh" "$res" &
	local pid=$!
	SEEN=0
	while kill -0 "$pid" 2>/dev/null; do
		report_new host "$res"
		sleep 1
	done
	wait "$pid" || true
	report_new host "$res"
	echo $(($(date +%s) - t0)) >"$res/seconds"
}

# --- main -------------------------------------------------------------------------------
OUT=$BUILD/kernels
mkdir -p "$OUT" "$CACHE"
QEMU_PID=
trap '[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null; true' EXIT

# test_deb installs a package: built here once, installed in each guest.
DEB=
if grep -qx test_deb < <(for k in "${KERNELS[@]}"; do [ "$k" = host ] || tests_for "$k"; done); then
	say "building the .deb for the guests"
	cmake -S "$SRCDIR" -B "$OUT/deb" -DCMAKE_INSTALL_PREFIX=/usr -DBUILD_TESTING=OFF \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$OUT/deb.log" 2>&1 &&
		cmake --build "$OUT/deb" -j"$(nproc)" >>"$OUT/deb.log" 2>&1 &&
		(cd "$OUT/deb" && rm -f dropmon_*.deb && cpack -G DEB >>"$OUT/deb.log" 2>&1) ||
		{ cat "$OUT/deb.log" >&2; die "building the .deb failed"; }
	DEB=$(ls "$OUT"/deb/dropmon_*.deb)
fi

T_START=$(date +%s)
for k in "${KERNELS[@]}"; do
	if [ "$k" = host ]; then
		run_host
	else
		run_guest "$k"
	fi
done

# --- the report -------------------------------------------------------------------------
status=0
echo
echo "== kernel matrix ($(($(date +%s) - T_START)) s) =="
for k in "${KERNELS[@]}"; do
	res=$OUT/$k
	kv=$(cat "$res/kernel" 2>/dev/null || echo '?')
	printf '%-5s %-28s %s s\n' "$k" "$kv" "$(cat "$res/seconds" 2>/dev/null || echo '-')"
	if [ -f "$res/facts" ]; then
		sed 's/^/      /' "$res/facts"
	fi
	while read -r t; do
		line=$(awk -v t="$t" '$1 == t' "$res/results" 2>/dev/null | tail -1)
		if [ -z "$line" ]; then
			printf '      %-22s %s\n' "$t" "not run"
			status=1
			continue
		fi
		read -r _ st secs why <<<"$line"
		printf '      %-22s %-4s %4ss %s\n' "$t" "$st" "$secs" "$why"
		case $st in
		pass) ;;
		skip) [ "${CI:-}" = true ] && status=1 ;;
		*) status=1 ;;
		esac
	done <"$res/plan"
done
if [ "$status" -ne 0 ]; then
	echo "kernel matrix: FAILED (logs: $OUT/KERNEL/TEST.log, console: $OUT/KERNEL/console.log)"
else
	echo "kernel matrix: every test passed"
fi
exit "$status"
