/* SPDX-License-Identifier: GPL-2.0-only */
/* nft(8), run in a network namespace, and what it prints: the tables there
 * and a chain's rules by handle. For collect --netfilter-rules, which adds
 * a table of its own and names the rule a trace points at. */
#ifndef DROPMON_NFTABLES_H
#define DROPMON_NFTABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* At most this much of what nft prints is kept. */
#define NFTABLES_OUT_MAX (1u << 20)
/* nft is killed after this long. */
#define NFTABLES_TIMEOUT_S 10

/* Runs nft (found in PATH) with argv[1..] (argv[0] is ignored, NULL-ended)
 * in the network namespace netns_fd (-1: this process's), its standard
 * output and error into out, cut at NFTABLES_OUT_MAX bytes. Returns nft's
 * exit status (0 to 255; 128 + N when a signal N ended it), or a negative
 * errno when it did not run: -ENOENT without nft, -ETIMEDOUT when it took
 * longer than NFTABLES_TIMEOUT_S (it is killed). */
int nftables_run(int netns_fd, const char *const *argv, struct strbuf *out);

/* From the output of `nft list tables` (lines "table FAMILY NAME"), whether
 * it lists table family/name, and whether it lists any other. Lines that are
 * not such are skipped. */
void nftables_parse_tables(const char *text, size_t len, const char *family, const char *name,
			   bool *has_it, bool *has_other);

/* From the output of `nft -a list chain ...`, the rule line that ends with
 * "# handle HANDLE" (handle >= 1), leading blanks left out, into out (cut to
 * size - 1 bytes, control characters as '?'). Returns 0, or -ENOENT when no
 * rule has that handle (the chain's own "{ # handle N" line is not a rule). */
int nftables_find_rule(const char *text, size_t len, uint64_t handle, char *out, size_t size);

/* Whether nft takes s unquoted as a table or chain name on its command line:
 * a letter first, then letters, digits and "_-./" (nft's identifiers), at
 * most 255 bytes, and not one of the words nft reads as a keyword there. A
 * name that is not is not looked up. */
bool nftables_name_ok(const char *s);

#endif
