#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# PID 1 of a matrix guest, run by the initramfs on the host's files (a tmpfs
# overlay over them): mounts what a booted system has, makes the kernel
# package's modules loadable, runs the planned integration tests one by one
# and powers off. Everything it learns goes to the results directory:
#   kernel, facts, and what run-tests.sh writes (results, TEST.log, done)
RES=$1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
}
trap poweroff_now EXIT

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs -o mode=755 tmpfs /run
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null

# shellcheck source=/dev/null
. "$RES/env"
# A tmpfs of its own for /tmp, unless the checkout is there: it would hide
# it (the overlay's /tmp is writable too, only slower).
case "$SRCDIR/ $RES/ $DROPMON" in
*/tmp/*) ;;
*) mount -t tmpfs -o mode=1777 tmpfs /tmp ;;
esac
export SRCDIR DROPMON DROPGEN CI
[ -n "$DROPMON_DEB" ] && export DROPMON_DEB
# Waits in the tests are bounded by a timeout times this factor.
export DROPMON_TIME_SCALE=$SCALE

# The package's modules, for modprobe and the kernel's own module requests.
mkdir -p /lib/modules
mount --bind "$MODULES" /lib/modules
echo /sbin/modprobe >/proc/sys/kernel/modprobe
for m in virtio_rng veth nf_tables nft_reject_inet sch_netem; do
	modprobe "$m" 2>/dev/null
done
hostname "matrix-$(uname -r)"
ip link set lo up
uname -r >"$RES/kernel"
echo "guest: $(uname -r) up after $(cut -d' ' -f1 /proc/uptime) s"

bash "$SRCDIR/tests/kernels/facts.sh" "$DROPMON" >"$RES/facts" 2>&1

bash "$SRCDIR/tests/kernels/run-tests.sh" "$RES"
