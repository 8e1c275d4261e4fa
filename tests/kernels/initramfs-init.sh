#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-only
# PID 1 of the matrix's initramfs (busybox): loads the package's modules that
# reach the host (virtio, 9p, overlay), mounts the host's / read-only with a
# tmpfs over it, and hands over to tests/kernels/guest.sh in there.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

halt_now() {
	echo "initramfs: $*"
	while :; do
		echo o >/proc/sysrq-trigger
		sleep 10
	done
}

for m in $(cat /modules.order); do
	insmod "/lib/modules/$m" || halt_now "insmod $m failed"
done
# The results directory's path on the host is where guest.sh looks for
# its plan; it is passed on the kernel command line.
results=
for arg in $(cat /proc/cmdline); do
	case "$arg" in dropmon.results=*) results=${arg#dropmon.results=} ;; esac
done
[ -n "$results" ] || halt_now "no dropmon.results= on the command line"

# cache=loose: the host's files do not change while the guest runs.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /host ||
	halt_now "cannot mount the host's / over 9p"
mount -t tmpfs -o mode=755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	halt_now "cannot mount the overlay"
mkdir -p "/newroot$results"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results "/newroot$results" ||
	halt_now "cannot mount the results directory"
src=$(sed -n 's/^SRCDIR=//p' "/newroot$results/env")
[ -f "/newroot$src/tests/kernels/guest.sh" ] || halt_now "no $src/tests/kernels/guest.sh"
mount --move /dev /newroot/dev
umount /proc /sys
exec switch_root /newroot /bin/bash "$src/tests/kernels/guest.sh" "$results"
