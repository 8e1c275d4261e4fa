#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The layers of src/ (README, "Layout") are enforced by the build: a layer's
# headers are on the include path only of the layers that link it. What the
# build cannot see is a path that walks around that, so: no #include "..."
# with a directory in it, and no module outside a layer's folder.
set -u
src=${1:?usage: layout.sh SRCDIR}/src
status=0
while IFS= read -r hit; do
	echo "layout: $hit: include a header by its name; the build decides what a layer may see" >&2
	status=1
done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' "$src" --include='*.[ch]')
for f in "$src"/*; do
	[ -d "$f" ] && continue
	echo "layout: $f: every module belongs to a layer's folder" >&2
	status=1
done
for d in "$src"/*/; do
	case $(basename "$d") in
	base | kernel | workload | metrics | events | web | cmd) ;;
	*)
		echo "layout: $d: not a layer; add it to CMakeLists.txt, README and here" >&2
		status=1
		;;
	esac
done
[ $status = 0 ] && echo "layout: every include goes by name, every module is in a layer"
exit $status
