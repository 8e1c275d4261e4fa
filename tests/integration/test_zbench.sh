#!/usr/bin/env bash
export PATH=$PATH:/usr/sbin:/sbin
bash "$SRCDIR/bench/netfilter.sh" "$(dirname "$DROPMON")" 15 3
