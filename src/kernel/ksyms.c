// SPDX-License-Identifier: GPL-2.0-only
/* Kernel text symbols from /proc/kallsyms: names in a chunked arena (pointers
 * stay valid as it grows), one sorted array, binary search. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "ksyms.h"
#include "log.h"
#include "parse.h"

/* KSYM_NAME_LEN is 512 since Linux 6.1 (Rust names) and module names are
 * shorter than 64 bytes, so a longer line is not kallsyms. */
#define KSYMS_LINE_SIZE 1024
/* Big enough that ~200k names need few chunks, small enough to waste little. */
#define ARENA_CHUNK_SIZE (64 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size; /* bytes in data */
	size_t used;
	char data[];
};

/* Open addressing, linear probing; addr 0 marks an empty slot (0 is never a
 * text address, and is not looked up through the memo). */
struct memo_slot {
	uint64_t addr;
	const struct ksym *sym;
};

struct ksyms {
	struct ksym *syms; /* sorted by address, one per address */
	size_t count;
	struct arena_chunk *names; /* every name, each preceded by its type letter */
	struct memo_slot *memo;
	size_t memo_cap; /* 0 or a power of two */
	size_t memo_used;
};

struct loader {
	struct ksyms *ks;
	size_t cap;	   /* entries allocated in ks->syms */
	const char **mods; /* distinct module names, in the arena */
	size_t nmods;
	size_t mods_cap;
	const char *last_mod;
	size_t malformed;
	bool saw_zero;
	bool saw_addr;
};

struct fields {
	uint64_t addr;
	char type;
	const char *name;
	size_t name_len;
	const char *mod; /* without brackets, NULL for vmlinux */
	size_t mod_len;
};

static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Returns the next whitespace-separated field of *p, or NULL at the end. */
static const char *next_field(const char **p, size_t *len)
{
	const char *s = *p, *e;

	while (*s && is_sep(*s))
		s++;
	if (!*s)
		return NULL;
	for (e = s; *e && !is_sep(*e); e++)
		;
	*len = (size_t)(e - s);
	*p = e;
	return s;
}

static int parse_addr(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 16)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = parse_hex_digit(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* "ADDR TYPE NAME [MODULE]"; anything else is -EINVAL. */
static int parse_line(const char *line, struct fields *f)
{
	const char *p = line, *addr, *type, *mod;
	size_t addr_len = 0, type_len = 0, mod_len = 0, extra_len = 0;

	addr = next_field(&p, &addr_len);
	type = addr ? next_field(&p, &type_len) : NULL;
	f->name = type ? next_field(&p, &f->name_len) : NULL;
	if (!f->name || type_len != 1 || parse_addr(addr, addr_len, &f->addr))
		return -EINVAL;
	mod = next_field(&p, &mod_len);
	if (mod && next_field(&p, &extra_len))
		return -EINVAL;
	if (mod && (mod_len < 3 || mod[0] != '[' || mod[mod_len - 1] != ']'))
		return -EINVAL;
	f->type = type[0];
	f->mod = mod ? mod + 1 : NULL;
	f->mod_len = mod ? mod_len - 2 : 0;
	return 0;
}

/* Stores type, s and a NUL; returns the copy of s, or NULL when out of memory.
 * The type letter before the name lets the alias rule run after sorting. */
static const char *arena_store(struct arena_chunk **head, char type, const char *s, size_t len)
{
	struct arena_chunk *c = *head;
	size_t need = len + 2;
	char *p;

	if (!c || c->size - c->used < need) {
		size_t size = need > ARENA_CHUNK_SIZE ? need : ARENA_CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->next = *head;
		c->size = size;
		c->used = 0;
		*head = c;
	}
	p = c->data + c->used;
	p[0] = type;
	memcpy(p + 1, s, len);
	p[len + 1] = '\0';
	c->used += need;
	return p + 1;
}

static bool name_eq(const char *stored, const char *s, size_t len)
{
	return strncmp(stored, s, len) == 0 && stored[len] == '\0';
}

/* Symbols of one module are consecutive, so the last match almost always hits. */
static const char *loader_module(struct loader *l, const char *mod, size_t len)
{
	const char *name;

	if (!mod)
		return "";
	if (l->last_mod && name_eq(l->last_mod, mod, len))
		return l->last_mod;
	for (size_t i = 0; i < l->nmods; i++) {
		if (name_eq(l->mods[i], mod, len)) {
			l->last_mod = l->mods[i];
			return l->last_mod;
		}
	}
	if (ARRAY_RESERVE(l->mods, l->mods_cap, l->nmods, 64))
		return NULL;
	name = arena_store(&l->ks->names, 0, mod, len);
	if (!name)
		return NULL;
	l->mods[l->nmods++] = name;
	l->last_mod = name;
	return name;
}

static int loader_line(struct loader *l, const char *line)
{
	struct ksym *s;
	struct fields f;

	if (parse_line(line, &f)) {
		l->malformed++;
		return 0;
	}
	if (f.addr == 0) {
		/* Hidden addresses (kptr_restrict) read as zero; no function lives at 0. */
		l->saw_zero = true;
		return 0;
	}
	l->saw_addr = true;
	if (f.type != 't' && f.type != 'T' && f.type != 'w' && f.type != 'W')
		return 0;
	if (ARRAY_RESERVE(l->ks->syms, l->cap, l->ks->count, 4096))
		return -ENOMEM;
	s = &l->ks->syms[l->ks->count];
	s->addr = f.addr;
	s->module = loader_module(l, f.mod, f.mod_len);
	s->name = s->module ? arena_store(&l->ks->names, f.type, f.name, f.name_len) : NULL;
	if (!s->name)
		return -ENOMEM;
	l->ks->count++;
	return 0;
}

/* Stable, so aliases keep their file order: the kernel lists vmlinux aliases
 * in its own order of preference (scripts/kallsyms), which breaks our ties. */
static void sort_stable(struct ksym *a, size_t n, struct ksym *tmp)
{
	size_t h = n / 2, i = 0, j = h, w = 0;

	if (n < 2)
		return;
	sort_stable(a, h, tmp);
	sort_stable(a + h, n - h, tmp);
	if (a[h - 1].addr <= a[h].addr)
		return;
	memcpy(tmp, a, h * sizeof(*a));
	while (i < h && j < n)
		a[w++] = a[j].addr < tmp[i].addr ? a[j++] : tmp[i++];
	while (i < h)
		a[w++] = tmp[i++];
}

/* vmlinux comes sorted and module symbols follow it unsorted, so only the
 * tail past the sorted prefix is sorted, then merged from the back. */
static int syms_sort(struct ksym *syms, size_t n)
{
	struct ksym *tail = NULL;
	size_t k = 1, i, j, w;

	while (k < n && syms[k - 1].addr <= syms[k].addr)
		k++;
	if (k >= n)
		return 0;
	tail = malloc((n - k) * sizeof(*tail));
	if (!tail)
		return -ENOMEM;
	sort_stable(syms + k, n - k, tail);
	memcpy(tail, syms + k, (n - k) * sizeof(*tail));
	i = k;
	j = n - k;
	w = n;
	while (j > 0) {
		if (i > 0 && syms[i - 1].addr > tail[j - 1].addr)
			syms[--w] = syms[--i];
		else
			syms[--w] = tail[--j];
	}
	free(tail);
	return 0;
}

/* Lower wins among aliases: global before local, "__pfx_"/"__cfi_" last. */
static int sym_rank(const struct ksym *s)
{
	char type = s->name[-1];
	int rank = type == 't' || type == 'w';

	if (strncmp(s->name, "__pfx_", 6) == 0 || strncmp(s->name, "__cfi_", 6) == 0)
		rank += 2;
	return rank;
}

/* Keeps the best alias at each address; the first one wins a tie. */
static size_t syms_dedup(struct ksym *syms, size_t n)
{
	size_t w = 0;
	int best = 0;

	for (size_t i = 0; i < n; i++) {
		int rank = sym_rank(&syms[i]);

		if (w > 0 && syms[w - 1].addr == syms[i].addr) {
			if (rank < best) {
				syms[w - 1] = syms[i];
				best = rank;
			}
			continue;
		}
		syms[w++] = syms[i];
		best = rank;
	}
	return w;
}

static int ksyms_read(const char *path, struct ksyms **out)
{
	char line[KSYMS_LINE_SIZE];
	struct loader l = { 0 };
	struct ksym *shrunk;
	FILE *f = NULL;
	int err = 0;

	l.ks = calloc(1, sizeof(*l.ks));
	if (!l.ks) {
		err = -ENOMEM;
		goto cleanup;
	}
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		pr_debug("cannot open %s: %s\n", path, strerror(-err));
		goto cleanup;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			int c;

			do
				c = getc(f);
			while (c != EOF && c != '\n');
			l.malformed++;
			continue;
		}
		err = loader_line(&l, line);
		if (err)
			goto cleanup;
	}
	if (ferror(f)) {
		err = -EIO;
		goto cleanup;
	}
	if (l.malformed)
		pr_debug("%s: skipped %zu malformed lines\n", path, l.malformed);
	/* EPERM: readable but hidden, fixable with CAP_SYSLOG; ENODATA: nothing
	 * to look up, which is no kallsyms either. */
	if (!l.saw_addr || l.ks->count == 0) {
		err = l.saw_zero && !l.saw_addr ? -EPERM : -ENODATA;
		goto cleanup;
	}
	err = syms_sort(l.ks->syms, l.ks->count);
	if (err)
		goto cleanup;
	l.ks->count = syms_dedup(l.ks->syms, l.ks->count);
	shrunk = realloc(l.ks->syms, l.ks->count * sizeof(*shrunk));
	if (shrunk)
		l.ks->syms = shrunk;
	*out = l.ks;
	l.ks = NULL;
cleanup:
	ksyms_free(l.ks);
	free(l.mods);
	if (f)
		fclose(f);
	return err;
}

int ksyms_load(const char *path, struct ksyms **out)
{
	return ksyms_read(path ? path : "/proc/kallsyms", out);
}

const struct ksym *ksyms_lookup(const struct ksyms *ks, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi;

	if (!ks || ks->count == 0 || addr < ks->syms[0].addr)
		return NULL;
	/* Invariant: syms[lo].addr <= addr < syms[hi].addr, syms[count] being +inf. */
	hi = ks->count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (offset)
		*offset = addr - ks->syms[lo].addr;
	return &ks->syms[lo];
}

static size_t memo_hash(uint64_t addr, size_t cap)
{
	/* Fibonacci hashing: text addresses share their high bits. */
	return (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

static void memo_put(struct memo_slot *memo, size_t cap, uint64_t addr, const struct ksym *sym)
{
	size_t i = memo_hash(addr, cap);

	while (memo[i].addr && memo[i].addr != addr)
		i = (i + 1) & (cap - 1);
	memo[i].addr = addr;
	memo[i].sym = sym;
}

/* Keeps the load factor at most 1/2; starts over when the memo is full. */
static int memo_grow(struct ksyms *ks)
{
	size_t cap = ks->memo_cap ? ks->memo_cap * 2 : 256;
	struct memo_slot *memo;

	if (ks->memo_used >= KSYMS_MEMO_MAX) {
		memset(ks->memo, 0, ks->memo_cap * sizeof(*ks->memo));
		ks->memo_used = 0;
		return 0;
	}
	memo = calloc(cap, sizeof(*memo));
	if (!memo)
		return -ENOMEM;
	for (size_t i = 0; i < ks->memo_cap; i++) {
		if (ks->memo[i].addr)
			memo_put(memo, cap, ks->memo[i].addr, ks->memo[i].sym);
	}
	free(ks->memo);
	ks->memo = memo;
	ks->memo_cap = cap;
	return 0;
}

const struct ksym *ksyms_find(struct ksyms *ks, uint64_t addr)
{
	const struct ksym *sym;
	size_t i;

	if (!ks || !addr)
		return ksyms_lookup(ks, addr, NULL);
	if (ks->memo_cap) {
		for (i = memo_hash(addr, ks->memo_cap); ks->memo[i].addr;
		     i = (i + 1) & (ks->memo_cap - 1)) {
			if (ks->memo[i].addr == addr)
				return ks->memo[i].sym;
		}
	}
	sym = ksyms_lookup(ks, addr, NULL);
	if ((ks->memo_used + 1) * 2 > ks->memo_cap && memo_grow(ks))
		return sym;
	memo_put(ks->memo, ks->memo_cap, addr, sym);
	ks->memo_used++;
	return sym;
}

/* FNV-1a over each module's name, size and address: the columns that move
 * symbols. Not the whole line: use counts change all the time (overlayfs's
 * on a container host), and a reload costs a full parse of kallsyms. */
uint64_t ksyms_modules_hash(const char *modules_path)
{
	uint64_t h = 14695981039346656037ull;
	char line[4096];
	FILE *f = fopen(modules_path ? modules_path : "/proc/modules", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char name[256], addr[32];
		unsigned long size;
		int n = sscanf(line, "%255s %lu %*s %*s %*s %31s", name, &size, addr);

		if (n < 2)
			continue;
		for (const char *p = name; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ size) * 1099511628211ull;
		for (const char *p = n == 3 ? addr : ""; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
	}
	fclose(f);
	return h;
}

int ksyms_refresh(struct ksyms **ks, uint64_t *hash, const char *kallsyms_path,
		  const char *modules_path)
{
	uint64_t h = ksyms_modules_hash(modules_path);
	struct ksyms *fresh;
	int err;

	if (h == *hash)
		return 0;
	err = ksyms_load(kallsyms_path, &fresh);
	if (err)
		return err;
	ksyms_free(*ks);
	*ks = fresh;
	*hash = h;
	return 1;
}

int ksyms_live_load(struct ksyms_live *l, double now)
{
	l->ks = NULL;
	/* The fingerprint first: a module loaded during the read is seen at
	 * the next check. */
	l->modules_hash = ksyms_modules_hash(l->modules_path);
	l->checked_at = now;
	return ksyms_load(l->kallsyms_path, &l->ks);
}

int ksyms_live_refresh(struct ksyms_live *l, double now, double interval)
{
	if (!l->ks || now - l->checked_at < interval)
		return 0;
	l->checked_at = now;
	return ksyms_refresh(&l->ks, &l->modules_hash, l->kallsyms_path, l->modules_path);
}

void ksyms_live_free(struct ksyms_live *l)
{
	ksyms_free(l->ks);
	l->ks = NULL;
}

size_t ksyms_count(const struct ksyms *ks)
{
	return ks ? ks->count : 0;
}

void ksyms_free(struct ksyms *ks)
{
	struct arena_chunk *c, *next;

	if (!ks)
		return;
	for (c = ks->names; c; c = next) {
		next = c->next;
		free(c);
	}
	free(ks->memo);
	free(ks->syms);
	free(ks);
}
