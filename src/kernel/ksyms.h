/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel symbols from /proc/kallsyms (modules included): loaded once, sorted,
 * looked up by binary search to name the function that contains an address. */
#ifndef DROPMON_KSYMS_H
#define DROPMON_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksyms;

struct ksym {
	uint64_t addr;
	const char *name;   /* owned by the table */
	const char *module; /* "" for vmlinux, else the module name without brackets */
};

/* Loads the text symbols (types t, T, w, W) of `path`, or of /proc/kallsyms
 * when path is NULL, into *out. Returns 0 or a negative errno: -EPERM when
 * the file is readable but every address is zero (kptr_restrict, or no
 * CAP_SYSLOG), so the caller can say what to fix. */
int ksyms_load(const char *path, struct ksyms **out);

/* The symbol whose address is the greatest one <= addr, or NULL when addr is
 * below every symbol. *offset (may be NULL) receives addr - sym->addr. Among
 * aliases at one address a global name wins over a local one, and a name
 * beginning with "__pfx_" or "__cfi_" loses to any other. */
const struct ksym *ksyms_lookup(const struct ksyms *ks, uint64_t addr, uint64_t *offset);

/* ksyms_lookup() remembered per address: a scrape resolves the same few
 * drop locations every time, and a binary search over some 10^5 symbols
 * misses the cache at almost every step. The memo holds at most
 * KSYMS_MEMO_MAX addresses (it starts over when full) and lives as long as
 * the table. Returns NULL as ksyms_lookup() does, also when out of memory
 * is the reason the memo could not grow (the answer is then uncached). */
#define KSYMS_MEMO_MAX (1u << 16)
const struct ksym *ksyms_find(struct ksyms *ks, uint64_t addr);

/* A fingerprint of the loaded modules (modules_path, or /proc/modules when
 * NULL): it changes when a module is loaded or unloaded, and its symbols
 * move with it. 0 when unreadable (a kernel without modules). */
uint64_t ksyms_modules_hash(const char *modules_path);
/* Reloads *ks from kallsyms_path (NULL: /proc/kallsyms) when the modules'
 * fingerprint differs from *hash, and updates both. Returns 1 when it
 * reloaded, 0 when nothing changed, or a negative errno with the old table
 * kept. Pointers into the old table are invalid after a reload. */
int ksyms_refresh(struct ksyms **ks, uint64_t *hash, const char *kallsyms_path,
		  const char *modules_path);

/* A table kept up to date with the loaded modules, as a long-running reader
 * holds it: the caller sets the paths (not copied: they must outlive it),
 * loads it once, then refreshes it now and then from the thread that reads
 * it. */
struct ksyms_live {
	const char *kallsyms_path; /* NULL: /proc/kallsyms */
	const char *modules_path;  /* NULL: /proc/modules */
	struct ksyms *ks;	   /* NULL: not loaded */
	uint64_t modules_hash;	   /* of the modules ks was loaded with */
	double checked_at;	   /* monotonic seconds of the load or last check */
};

/* Loads l->ks at monotonic time now (l must not hold a table). Returns 0 or
 * ksyms_load()'s negative errno; l->ks is then NULL. */
int ksyms_live_load(struct ksyms_live *l, double now);
/* When interval seconds have passed since the load or the last check, checks
 * the modules and reloads l->ks if they changed (ksyms_refresh()). Returns 1
 * when it reloaded, 0 when not (not due, no change, or no table loaded), or
 * a negative errno with the old table kept; either way the next check is
 * interval from now. Pointers into the old table are invalid after a reload. */
int ksyms_live_refresh(struct ksyms_live *l, double now, double interval);
/* Frees l->ks (NULL afterwards); the paths are kept. */
void ksyms_live_free(struct ksyms_live *l);

size_t ksyms_count(const struct ksyms *ks);
void ksyms_free(struct ksyms *ks); /* accepts NULL */

#endif
