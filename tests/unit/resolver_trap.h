/* SPDX-License-Identifier: GPL-2.0-only */
/* For tests of what libpcap looks up while compiling a filter: linking
 * resolver_trap.c defines the resolver functions libpcap imports (the
 * executable's come first for the libraries too). Each lookup of a name
 * is counted and fails; numeric addresses go to the C library, and so do
 * protocol names (getprotobyname_r, /etc/protocols, is not trapped). */
#ifndef DROPMON_RESOLVER_TRAP_H
#define DROPMON_RESOLVER_TRAP_H

/* Lookups of names since the start. */
extern int resolver_trap_lookups;

#endif
