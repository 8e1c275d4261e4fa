// SPDX-License-Identifier: GPL-2.0-only
/* NDJSON events: a writer with a fixed key order that allocates nothing, and
 * a strict, bounded reader on json-c for lines that may come from anyone (a
 * newer dropmon, a user's jq). json-c because it keeps the bytes >= 0x80 of
 * comm and dev as they are, valid UTF-8 or not (jansson refuses them). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json_object.h>
#include <json-c/json_object_iterator.h>
#include <json-c/json_tokener.h>

#include "evjson.h"
#include "nfnames.h"
#include "parse.h"

/* Levels of values below the line's object: 32 of containers, or 31 of
 * containers and a scalar (json-c counts scalars as a level). */
#define EVJSON_MAX_DEPTH 32
/* Objects and arrays in a line, the line's own included: json-c allocates
 * some 800 bytes for an empty object, so a line of "{}," would take 270 MB
 * per MiB. */
#define EVJSON_MAX_CONTAINERS 1024
/* Values in a line (counted by their commas): a scalar costs json-c some
 * 40 bytes, so a MiB of "0," would take 40 MB. Our writer puts 23 fields,
 * a stack of at most DROPMON_STACK_DEPTH frames, the 5 of netfilter and
 * the 5 of netfilter_rule in a line. */
#define EVJSON_MAX_VALUES 4096

static const char hexdigits[] = "0123456789abcdef";

static void put_key(struct strbuf *out, const char *key)
{
	strbuf_putc(out, ',');
	strbuf_putc(out, '"');
	strbuf_puts(out, key);
	strbuf_putc(out, '"');
	strbuf_putc(out, ':');
}

/* The string in s[0..size), which need not be NUL-terminated when full. */
static void put_string(struct strbuf *out, const char *s, size_t size)
{
	size_t n = strnlen(s, size), run = 0, i;

	strbuf_putc(out, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		strbuf_append(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			strbuf_puts(out, "\\\"");
			break;
		case '\\':
			strbuf_puts(out, "\\\\");
			break;
		case '\n':
			strbuf_puts(out, "\\n");
			break;
		case '\r':
			strbuf_puts(out, "\\r");
			break;
		case '\t':
			strbuf_puts(out, "\\t");
			break;
		case '\b':
			strbuf_puts(out, "\\b");
			break;
		case '\f':
			strbuf_puts(out, "\\f");
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hexdigits[c >> 4];
			esc[5] = hexdigits[c & 0xf];
			strbuf_append(out, esc, 6);
			break;
		}
	}
	strbuf_append(out, s + run, n - run);
	strbuf_putc(out, '"');
}

static void put_u64_field(struct strbuf *out, const char *key, uint64_t v)
{
	put_key(out, key);
	strbuf_put_u64(out, v);
}

static void put_wall_time(struct strbuf *out, int64_t wall_ns)
{
	int64_t sec = wall_ns / 1000000000, ns = wall_ns % 1000000000;
	time_t t;
	struct tm tm;

	if (ns < 0) { /* round towards minus infinity: the fraction is positive */
		ns += 1000000000;
		sec--;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm)) {
		out->err = out->err ? out->err : -EINVAL;
		return;
	}
	put_key(out, "wall_time");
	strbuf_printf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%09" PRId64 "Z\"", tm.tm_year + 1900,
		      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
}

/* The five keys in their documented order. */
static void put_netfilter(struct strbuf *out, const struct evrecord *r, const char *kind)
{
	put_key(out, "netfilter");
	strbuf_puts(out, "{\"kind\":");
	put_string(out, kind, strlen(kind));
	strbuf_puts(out, ",\"family\":");
	put_string(out, r->nf_family, sizeof(r->nf_family));
	strbuf_puts(out, ",\"table\":");
	put_string(out, r->nf_table, sizeof(r->nf_table));
	strbuf_puts(out, ",\"chain\":");
	put_string(out, r->nf_chain, sizeof(r->nf_chain));
	strbuf_puts(out, ",\"hook\":");
	put_string(out, r->nf_hook, sizeof(r->nf_hook));
	strbuf_putc(out, '}');
}

/* family, table, chain, then "policy":true or the handle, then the text
 * unless it is empty; nothing of why. */
static void put_nf_rule(struct strbuf *out, const struct evrecord_nfrule *nr)
{
	put_key(out, "netfilter_rule");
	strbuf_puts(out, "{\"family\":");
	put_string(out, nr->family, sizeof(nr->family));
	strbuf_puts(out, ",\"table\":");
	put_string(out, nr->table, sizeof(nr->table));
	strbuf_puts(out, ",\"chain\":");
	put_string(out, nr->chain, sizeof(nr->chain));
	if (nr->policy)
		strbuf_puts(out, ",\"policy\":true");
	else
		put_u64_field(out, "handle", nr->handle);
	if (nr->text[0]) {
		strbuf_puts(out, ",\"text\":");
		put_string(out, nr->text, sizeof(nr->text));
	}
	strbuf_putc(out, '}');
}

int evjson_write(struct strbuf *out, const struct evrecord *r)
{
	uint32_t nframes = r->nframes < DROPMON_STACK_DEPTH ? r->nframes : DROPMON_STACK_DEPTH;
	size_t caplen = r->caplen < DROPMON_PKT_BYTES ? r->caplen : DROPMON_PKT_BYTES;
	const char *nf_kind = nfnames_kind(r->nf_kind); /* "": no verdict */
	uint32_t i;

	strbuf_puts(out, "{\"v\":");
	strbuf_put_u64(out, EVJSON_VERSION);
	put_u64_field(out, "time_ns", r->time_ns);
	if (r->wall_ns)
		put_wall_time(out, r->wall_ns);
	put_u64_field(out, "cpu", r->cpu);
	put_u64_field(out, "pid", r->pid);
	put_u64_field(out, "tgid", r->tgid);
	put_key(out, "comm");
	put_string(out, r->comm, sizeof(r->comm));
	put_key(out, "reason");
	put_string(out, r->reason, sizeof(r->reason));
	put_u64_field(out, "reason_code", r->reason_code);
	put_key(out, "location");
	strbuf_printf(out, "\"0x%" PRIx64 "\"", r->location);
	put_key(out, "function");
	put_string(out, r->function, sizeof(r->function));
	put_key(out, "stack");
	strbuf_putc(out, '[');
	for (i = 0; i < nframes; i++) {
		if (i)
			strbuf_putc(out, ',');
		put_string(out, r->frames[i], sizeof(r->frames[i]));
	}
	strbuf_putc(out, ']');
	if (nf_kind[0])
		put_netfilter(out, r, nf_kind);
	if (r->nf_rule.known)
		put_nf_rule(out, &r->nf_rule);
	put_u64_field(out, "ifindex", r->ifindex);
	put_key(out, "dev");
	put_string(out, r->dev, sizeof(r->dev));
	put_u64_field(out, "rx_ifindex", r->rx_ifindex);
	put_u64_field(out, "netns", r->netns);
	put_u64_field(out, "len", r->len);
	put_u64_field(out, "frame_len", r->frame_len);
	put_u64_field(out, "l3_proto", r->l3_proto);
	put_key(out, "packet_start");
	strbuf_puts(out, r->mac ? "\"mac\"" : "\"network\"");
	put_key(out, "packet");
	strbuf_putc(out, '"');
	if (strbuf_reserve(out, 2 * caplen) == 0) {
		for (i = 0; i < caplen; i++) {
			out->buf[out->len++] = hexdigits[r->packet[i] >> 4];
			out->buf[out->len++] = hexdigits[r->packet[i] & 0xf];
		}
		out->buf[out->len] = '\0';
	}
	strbuf_puts(out, "\"}\n");
	return out->err;
}

/* ---- parsing ---- */

enum field_kind {
	FK_VERSION,
	FK_UINT, /* unsigned integer member of off/size */
	FK_STRING,
	FK_WALL_TIME,
	FK_LOCATION,
	FK_STACK,
	FK_PACKET_START,
	FK_PACKET,
	FK_NETFILTER,
	FK_NETFILTER_RULE,
};

struct field {
	const char *name;
	enum field_kind kind;
	size_t off, size;
	const char *range, *toolong, *type, *notint, *missing;
};

#define FIELD_WHY(n)                                                                               \
	.range = "field \"" n "\" out of range", .toolong = "field \"" n "\" too long",            \
	.type = "field \"" n "\" has the wrong type",                                              \
	.notint = "field \"" n "\" is not an integer", .missing = "missing field \"" n "\""
#define FIELD(n, k, m)                                                                             \
	{                                                                                          \
		.name = n, .kind = k, .off = offsetof(struct evrecord, m),                         \
		.size = sizeof(((struct evrecord *)0)->m), FIELD_WHY(n)                            \
	}
#define FIELD_SPECIAL(n, k)                                                                        \
	{                                                                                          \
		.name = n, .kind = k, FIELD_WHY(n)                                                 \
	}

/* Index in this table = bit in the parser's `seen` mask. */
enum {
	F_V,
	F_TIME_NS,
	F_WALL_TIME,
	F_CPU,
	F_PID,
	F_TGID,
	F_COMM,
	F_REASON,
	F_REASON_CODE,
	F_LOCATION,
	F_FUNCTION,
	F_STACK,
	F_NETFILTER,
	F_NETFILTER_RULE,
	F_IFINDEX,
	F_DEV,
	F_RX_IFINDEX,
	F_NETNS,
	F_LEN,
	F_FRAME_LEN,
	F_L3_PROTO,
	F_PACKET_START,
	F_PACKET,
	F_COUNT,
};

static const struct field fields[F_COUNT] = {
	[F_V] = FIELD_SPECIAL("v", FK_VERSION),
	[F_TIME_NS] = FIELD("time_ns", FK_UINT, time_ns),
	[F_WALL_TIME] = FIELD("wall_time", FK_WALL_TIME, wall_ns),
	[F_CPU] = FIELD("cpu", FK_UINT, cpu),
	[F_PID] = FIELD("pid", FK_UINT, pid),
	[F_TGID] = FIELD("tgid", FK_UINT, tgid),
	[F_COMM] = FIELD("comm", FK_STRING, comm),
	[F_REASON] = FIELD("reason", FK_STRING, reason),
	[F_REASON_CODE] = FIELD("reason_code", FK_UINT, reason_code),
	[F_LOCATION] = FIELD("location", FK_LOCATION, location),
	[F_FUNCTION] = FIELD("function", FK_STRING, function),
	[F_STACK] = FIELD("stack", FK_STACK, frames),
	[F_NETFILTER] = FIELD_SPECIAL("netfilter", FK_NETFILTER),
	[F_NETFILTER_RULE] = FIELD_SPECIAL("netfilter_rule", FK_NETFILTER_RULE),
	[F_IFINDEX] = FIELD("ifindex", FK_UINT, ifindex),
	[F_DEV] = FIELD("dev", FK_STRING, dev),
	[F_RX_IFINDEX] = FIELD("rx_ifindex", FK_UINT, rx_ifindex),
	[F_NETNS] = FIELD("netns", FK_UINT, netns),
	[F_LEN] = FIELD("len", FK_UINT, len),
	[F_FRAME_LEN] = FIELD("frame_len", FK_UINT, frame_len),
	[F_L3_PROTO] = FIELD("l3_proto", FK_UINT, l3_proto),
	[F_PACKET_START] = FIELD_SPECIAL("packet_start", FK_PACKET_START),
	[F_PACKET] = FIELD("packet", FK_PACKET, packet),
};

/* Longer location strings are out of range even with leading zeros. */
#define LOCATION_MAX 39

struct pctx {
	const char *why;
	bool saturated; /* the line holds an integer above UINT64_MAX */
};

static int fail(struct pctx *c, const char *why)
{
	c->why = why;
	return -EINVAL;
}

/* Not the line's fault: the reader stops instead of skipping it. */
static int oom(struct pctx *c)
{
	c->why = "out of memory";
	return -ENOMEM;
}

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* Our words for json-c's errors. */
static const char *syntax_error(enum json_tokener_error err)
{
	switch (err) {
	case json_tokener_continue:
		return "line ends inside the object";
	case json_tokener_error_depth:
		return "nesting too deep";
	case json_tokener_error_parse_eof: /* json-c stops at a NUL byte */
		return "NUL byte in the object";
	case json_tokener_error_parse_unexpected:
		return "unexpected character";
	case json_tokener_error_parse_null:
	case json_tokener_error_parse_boolean:
		return "bad value";
	case json_tokener_error_parse_number:
		return "bad number";
	case json_tokener_error_parse_array:
		return "expected ',' or ']'";
	case json_tokener_error_parse_object_key_name:
		return "expected a field name";
	case json_tokener_error_parse_object_key_sep:
		return "expected ':'";
	case json_tokener_error_parse_object_value_sep:
		return "expected ',' or '}'";
	case json_tokener_error_parse_string:
		return "bad string escape";
	case json_tokener_error_size:
		return "line too long";
	default:
		return json_tokener_error_desc(err);
	}
}

/*
 * Before json-c builds a tree of the line, its bytes are looked over for
 * what json-c 0.16 would take without a trace in the values it returns:
 *  - a \u0000 escape: object keys are C strings, so "time_ns\u0000x" would
 *    read as time_ns (a value keeps its length, but no field wants a NUL);
 *  - a positive integer above UINT64_MAX: strtoull() saturates it to
 *    UINT64_MAX and json-c drops the ERANGE. Which key it belongs to is not
 *    known here, so c->saturated makes every u64 field that reads as
 *    UINT64_MAX out of range (a wrong value never gets through; a genuine
 *    UINT64_MAX next to a huge unknown number is refused too);
 *  - more than EVJSON_MAX_CONTAINERS objects and arrays, or more than
 *    EVJSON_MAX_VALUES values: what json-c's tree of the line may cost.
 * Only strings (json-c also takes '\''-quoted keys, even when strict) and
 * numbers are told apart; in a line that is no JSON, what this finds does
 * not matter, as json-c refuses it anyway.
 */
static int scan_line(struct pctx *c, const char *p, size_t n)
{
	static const char u64_max[] = "18446744073709551615";
	const size_t u64_digits = sizeof(u64_max) - 1;
	unsigned containers = 0, values = 1;
	char quote = 0;
	size_t i = 0;

	while (i < n) {
		size_t start, first;

		if (quote) {
			if (p[i] == quote) {
				quote = 0;
			} else if (p[i] == '\\') {
				if (n - i >= 6 && memcmp(p + i + 1, "u0000", 5) == 0)
					return fail(c, "bad string escape");
				i++; /* the escaped byte cannot end the string */
			}
			i++;
			continue;
		}
		if (p[i] == '"' || p[i] == '\'') {
			quote = p[i++];
			continue;
		}
		if ((p[i] == '{' || p[i] == '[') && ++containers > EVJSON_MAX_CONTAINERS)
			return fail(c, "too many objects and arrays");
		if (p[i] == ',' && ++values > EVJSON_MAX_VALUES)
			return fail(c, "too many values");
		if (!is_digit(p[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < n && p[i] == '0')
			i++;
		first = i;
		while (i < n && is_digit(p[i]))
			i++;
		if (i < n && (p[i] == '.' || p[i] == 'e' || p[i] == 'E')) {
			while (i < n && (is_digit(p[i]) || p[i] == '.' || p[i] == 'e' ||
					 p[i] == 'E' || p[i] == '+' || p[i] == '-'))
				i++;
			continue; /* a double: json-c keeps what strtod() made of it */
		}
		if (start && p[start - 1] == '-')
			continue; /* saturates to INT64_MIN: negative all the same */
		if (i - first > u64_digits ||
		    (i - first == u64_digits && memcmp(p + first, u64_max, u64_digits) > 0))
			c->saturated = true;
	}
	return 0;
}

/* An integer in [min, max]. json-c holds one as int64_t, or as uint64_t
 * above INT64_MAX; "-0" is 0. */
static int get_uint(struct pctx *c, const struct field *f, json_object *v, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	uint64_t u;

	if (json_object_is_type(v, json_type_double))
		return fail(c, f->notint);
	if (!json_object_is_type(v, json_type_int))
		return fail(c, f->type);
	if (json_object_get_int64(v) < 0)
		return fail(c, f->range);
	u = json_object_get_uint64(v);
	if ((u == UINT64_MAX && c->saturated) || u < min || u > max)
		return fail(c, f->range);
	*out = u;
	return 0;
}

/* A string's bytes (NUL-terminated) and length; wrong is f's type error. */
static int get_string(struct pctx *c, const struct field *f, json_object *v, const char **s,
		      size_t *n)
{
	if (!json_object_is_type(v, json_type_string))
		return fail(c, f->type);
	*s = json_object_get_string(v);
	*n = (size_t)json_object_get_string_len(v);
	/* Only \u0000 makes one, and scan_line() refused it: never cut here. */
	if (memchr(*s, '\0', *n))
		return fail(c, "bad string escape");
	return 0;
}

/* A string into dst[0..size), NUL-padded so that records compare equal
 * whatever a duplicate key held; one that does not fit is an error. */
static int copy_string(struct pctx *c, const struct field *f, json_object *v, char *dst,
		       size_t size, const char *toolong)
{
	const char *s;
	size_t n;

	if (get_string(c, f, v, &s, &n))
		return -EINVAL;
	if (n >= size)
		return fail(c, toolong);
	memset(dst, 0, size);
	memcpy(dst, s, n);
	return 0;
}

/* Digits already checked by the caller. */
static int digits_value(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z", UTC, as written by put_wall_time(). */
static int parse_wall_time(const char *s, int64_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	int64_t frac = 0;
	size_t len = strlen(s), i, nfrac = 0;
	struct tm tm, check;
	time_t t;
	int64_t ns;

	if (len < sizeof(shape))
		return -EINVAL;
	for (i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !is_digit((unsigned char)s[i]) : s[i] != shape[i])
			return -EINVAL;
	i = sizeof(shape) - 1;
	if (s[i] == '.') {
		for (i++; is_digit((unsigned char)s[i]); i++, nfrac++) {
			if (nfrac == 9)
				return -EINVAL;
			frac = frac * 10 + (s[i] - '0');
		}
		if (nfrac == 0)
			return -EINVAL;
	}
	if (s[i] != 'Z' || s[i + 1] != '\0')
		return -EINVAL;
	for (; nfrac < 9; nfrac++)
		frac *= 10;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = digits_value(s, 4) - 1900;
	tm.tm_mon = digits_value(s + 5, 2) - 1;
	tm.tm_mday = digits_value(s + 8, 2);
	tm.tm_hour = digits_value(s + 11, 2);
	tm.tm_min = digits_value(s + 14, 2);
	tm.tm_sec = digits_value(s + 17, 2);
	check = tm;
	t = timegm(&check);
	/* timegm() normalizes Feb 30 into March 2: only a date it leaves alone
	 * is a real one. */
	if (check.tm_year != tm.tm_year || check.tm_mon != tm.tm_mon ||
	    check.tm_mday != tm.tm_mday || check.tm_hour != tm.tm_hour ||
	    check.tm_min != tm.tm_min || check.tm_sec != tm.tm_sec)
		return -EINVAL;
	/* Before the epoch the whole seconds alone may not fit where the sum
	 * does (INT64_MIN ns is 43.145224192 s into its second). */
	if (t < 0 && frac) {
		t++;
		frac -= 1000000000;
	}
	if (__builtin_mul_overflow((int64_t)t, (int64_t)1000000000, &ns) ||
	    __builtin_add_overflow(ns, frac, &ns))
		return -EINVAL;
	*out = ns;
	return 0;
}

static int parse_location(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
		return -EINVAL;
	for (i = 2; s[i]; i++) {
		int h = parse_hex_digit((unsigned char)s[i]);

		if (h < 0)
			return -EINVAL;
		if (v >> 60)
			return -ERANGE;
		v = v << 4 | (uint64_t)h;
	}
	*out = v;
	return 0;
}

static int read_stack(struct pctx *c, const struct field *f, json_object *v, struct evrecord *r)
{
	size_t n, i;

	memset(r->frames, 0, sizeof(r->frames));
	r->nframes = 0;
	if (!json_object_is_type(v, json_type_array))
		return fail(c, f->type);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string))
			return fail(c, f->type);
		if (i == DROPMON_STACK_DEPTH)
			return fail(c, "stack too deep");
		if (copy_string(c, f, e, r->frames[i], sizeof(r->frames[i]),
				"stack frame too long"))
			return -EINVAL;
		r->nframes++;
	}
	return 0;
}

/* The string members of "netfilter"; family and hook are tokens. */
struct nf_member {
	const char *key;
	size_t off, size;
	bool token;
	const char *missing, *type, *toolong, *bad;
};

#define NF_WHY(k)                                                                                  \
	.missing = "missing field \"netfilter." k "\"",                                            \
	.type = "field \"netfilter." k "\" has the wrong type",                                    \
	.toolong = "field \"netfilter." k "\" too long"
#define NF_MEMBER(k, m, tok, why)                                                                  \
	{                                                                                          \
		.key = k, .off = offsetof(struct evrecord, m),                                     \
		.size = sizeof(((struct evrecord *)0)->m), .token = tok, NF_WHY(k), .bad = why     \
	}

static const struct nf_member nf_members[] = {
	NF_MEMBER("family", nf_family, true, "bad netfilter.family"),
	NF_MEMBER("table", nf_table, false, "control character in netfilter.table"),
	NF_MEMBER("chain", nf_chain, false, "control character in netfilter.chain"),
	NF_MEMBER("hook", nf_hook, true, "bad netfilter.hook"),
};

/* What nfnames.h writes for a family or hook: a name or a number. Not the
 * names themselves, so that a newer version may name more of them. */
static bool is_token(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !is_digit((unsigned char)s[i]))
			return false;
	return true;
}

static int read_nf_member(struct pctx *c, const struct nf_member *m, json_object *obj,
			  struct evrecord *r)
{
	json_object *v;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(obj, m->key, &v))
		return fail(c, m->missing);
	if (!json_object_is_type(v, json_type_string))
		return fail(c, m->type);
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (memchr(s, '\0', n)) /* as in get_string() */
		return fail(c, "bad string escape");
	if (n >= m->size)
		return fail(c, m->toolong);
	if (m->token ? !is_token(s, n) : !evrecord_nf_name_ok(s, n))
		return fail(c, m->bad);
	memset((char *)r + m->off, 0, m->size);
	memcpy((char *)r + m->off, s, n);
	return 0;
}

/* Strict, for the names reach terminals and pcapng comments: a known kind,
 * every member there, bounded and free of control characters. */
static int read_netfilter(struct pctx *c, const struct field *f, json_object *v, struct evrecord *r)
{
	json_object *kind;
	const char *s;
	uint8_t k;
	size_t i;

	if (!json_object_is_type(v, json_type_object))
		return fail(c, f->type);
	if (!json_object_object_get_ex(v, "kind", &kind))
		return fail(c, "missing field \"netfilter.kind\"");
	if (!json_object_is_type(kind, json_type_string))
		return fail(c, "field \"netfilter.kind\" has the wrong type");
	s = json_object_get_string(kind);
	for (k = DROPMON_NF_NONE + 1; k < DROPMON_NF_KIND_MAX; k++)
		if (strcmp(s, nfnames_kind(k)) == 0 &&
		    strlen(s) == (size_t)json_object_get_string_len(kind))
			break;
	if (k == DROPMON_NF_KIND_MAX)
		return fail(c, "unknown netfilter.kind");
	for (i = 0; i < sizeof(nf_members) / sizeof(nf_members[0]); i++)
		if (read_nf_member(c, &nf_members[i], v, r))
			return -EINVAL;
	r->nf_kind = k;
	return 0;
}

/* The members of "netfilter_rule", by the field machinery's messages
 * ("missing field \"netfilter_rule.table\"", ...). */
enum { NR_FAMILY, NR_TABLE, NR_CHAIN, NR_HANDLE, NR_POLICY, NR_TEXT, NR_COUNT };

#define NR_FIELD(k)                                                                                \
	{                                                                                          \
		.name = k, FIELD_WHY("netfilter_rule." k)                                          \
	}

static const struct field nr_fields[NR_COUNT] = {
	[NR_FAMILY] = NR_FIELD("family"), [NR_TABLE] = NR_FIELD("table"),
	[NR_CHAIN] = NR_FIELD("chain"),	  [NR_HANDLE] = NR_FIELD("handle"),
	[NR_POLICY] = NR_FIELD("policy"), [NR_TEXT] = NR_FIELD("text"),
};

/* A string member into dst[0..size) (zeroed): present when required,
 * bounded, not empty unless empty is NULL, then as ok() would have it (a
 * token, or a name without control characters). */
static int read_nr_string(struct pctx *c, json_object *obj, int i, bool required, char *dst,
			  size_t size, const char *empty, bool (*ok)(const char *, size_t),
			  const char *bad)
{
	const struct field *f = &nr_fields[i];
	json_object *v;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(obj, f->name, &v))
		return required ? fail(c, f->missing) : 0;
	if (get_string(c, f, v, &s, &n))
		return -EINVAL;
	if (n >= size)
		return fail(c, f->toolong);
	if (!n && empty)
		return fail(c, empty);
	if (!ok(s, n))
		return fail(c, bad);
	memcpy(dst, s, n);
	return 0;
}

/* Strict as "netfilter" is, and stricter: its one writer is ours, so a
 * member it never writes is refused, not skipped. Either "policy":true or
 * a handle in [1, INT64_MAX] (the kernel's handles are u64 but count up
 * from 1); text optional. */
static int read_nf_rule(struct pctx *c, const struct field *f, json_object *v, struct evrecord *r)
{
	struct evrecord_nfrule *nr = &r->nf_rule;
	json_object *handle = NULL, *policy = NULL;
	bool has_handle, has_policy;
	uint64_t u;

	memset(nr, 0, sizeof(*nr));
	if (!json_object_is_type(v, json_type_object))
		return fail(c, f->type);
	/* Members it does not know are skipped, as in "netfilter": a later
	 * version may add some. */
	/* An empty family is no token: refused as "netfilter" refuses it. */
	if (read_nr_string(c, v, NR_FAMILY, true, nr->family, sizeof(nr->family), NULL, is_token,
			   "bad netfilter_rule.family") ||
	    read_nr_string(c, v, NR_TABLE, true, nr->table, sizeof(nr->table),
			   "empty netfilter_rule.table", evrecord_nf_name_ok,
			   "control character in netfilter_rule.table") ||
	    read_nr_string(c, v, NR_CHAIN, true, nr->chain, sizeof(nr->chain),
			   "empty netfilter_rule.chain", evrecord_nf_name_ok,
			   "control character in netfilter_rule.chain"))
		return -EINVAL;
	/* A JSON null is a NULL value: present all the same, of the wrong type. */
	has_handle = json_object_object_get_ex(v, "handle", &handle);
	has_policy = json_object_object_get_ex(v, "policy", &policy);
	if (has_handle && has_policy)
		return fail(c, "netfilter_rule has both a handle and policy");
	if (!has_handle && !has_policy)
		return fail(c, "netfilter_rule has neither a handle nor policy");
	if (has_policy) {
		if (!json_object_is_type(policy, json_type_boolean))
			return fail(c, nr_fields[NR_POLICY].type);
		if (!json_object_get_boolean(policy))
			return fail(c, "netfilter_rule.policy is false (only true is written)");
		nr->policy = true;
	} else {
		if (get_uint(c, &nr_fields[NR_HANDLE], handle, 1, INT64_MAX, &u))
			return -EINVAL;
		nr->handle = u;
	}
	if (read_nr_string(c, v, NR_TEXT, false, nr->text, sizeof(nr->text), NULL,
			   evrecord_nf_name_ok, "control character in netfilter_rule.text"))
		return -EINVAL;
	nr->known = true;
	return 0;
}

static int read_packet(struct pctx *c, const struct field *f, json_object *v, struct evrecord *r)
{
	const char *hex;
	size_t n, i;

	memset(r->packet, 0, sizeof(r->packet));
	r->caplen = 0;
	if (get_string(c, f, v, &hex, &n))
		return -EINVAL;
	if (n > 2 * DROPMON_PKT_BYTES)
		return fail(c, "packet too long");
	if (n % 2)
		return fail(c, "packet is not hex");
	for (i = 0; i < n; i += 2) {
		int hi = parse_hex_digit((unsigned char)hex[i]),
		    lo = parse_hex_digit((unsigned char)hex[i + 1]);

		if (hi < 0 || lo < 0)
			return fail(c, "packet is not hex");
		r->packet[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	r->caplen = (uint16_t)(n / 2);
	return 0;
}

static void store_uint(struct evrecord *r, const struct field *f, uint64_t v)
{
	char *p = (char *)r + f->off;
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	if (f->size == sizeof(v16))
		memcpy(p, &v16, sizeof(v16));
	else if (f->size == sizeof(v32))
		memcpy(p, &v32, sizeof(v32));
	else
		memcpy(p, &v, sizeof(v));
}

static int read_field(struct pctx *c, const struct field *f, json_object *v, struct evrecord *r)
{
	const char *s;
	uint64_t u;
	size_t n;
	int err;

	switch (f->kind) {
	case FK_VERSION:
		return get_uint(c, f, v, 1, UINT64_MAX, &u);
	case FK_UINT:
		if (get_uint(c, f, v, 0, f->size >= 8 ? UINT64_MAX : (1ULL << (8 * f->size)) - 1,
			     &u))
			return -EINVAL;
		store_uint(r, f, u);
		return 0;
	case FK_STRING:
		return copy_string(c, f, v, (char *)r + f->off, f->size, f->toolong);
	case FK_STACK:
		return read_stack(c, f, v, r);
	case FK_PACKET:
		return read_packet(c, f, v, r);
	case FK_NETFILTER:
		return read_netfilter(c, f, v, r);
	case FK_NETFILTER_RULE:
		return read_nf_rule(c, f, v, r);
	default:
		break;
	}
	/* The rest are short strings with a syntax of their own. */
	if (get_string(c, f, v, &s, &n))
		return -EINVAL;
	switch (f->kind) {
	case FK_WALL_TIME:
		if (parse_wall_time(s, &r->wall_ns))
			return fail(c, "bad wall_time");
		return 0;
	case FK_LOCATION:
		err = n > LOCATION_MAX ? -ERANGE : parse_location(s, &r->location);
		if (err)
			return fail(c, err == -ERANGE ? f->range : "location is not hex");
		return 0;
	case FK_PACKET_START:
		if (strcmp(s, "mac") == 0)
			r->mac = true;
		else if (strcmp(s, "network") == 0)
			r->mac = false;
		else
			return fail(c, "bad packet_start");
		return 0;
	default:
		return fail(c, f->type);
	}
}

static int read_object(struct pctx *c, json_object *obj, struct evrecord *r)
{
	uint32_t seen = 0;
	int i;

	/* Unknown keys are never looked at; of duplicates json-c keeps the last. */
	for (i = 0; i < F_COUNT; i++) {
		json_object *v;

		if (!json_object_object_get_ex(obj, fields[i].name, &v))
			continue;
		if (read_field(c, &fields[i], v, r))
			return -EINVAL;
		seen |= 1U << i;
	}

	if (!(seen & 1U << F_V))
		return fail(c, fields[F_V].missing);
	if (!(seen & 1U << F_TIME_NS))
		return fail(c, fields[F_TIME_NS].missing);
	if (!(seen & 1U << F_REASON)) {
		if (!(seen & 1U << F_REASON_CODE))
			return fail(c, fields[F_REASON].missing);
		snprintf(r->reason, sizeof(r->reason), "%" PRIu32, r->reason_code);
	}
	if (r->caplen && !(seen & 1U << F_PACKET_START))
		return fail(c, fields[F_PACKET_START].missing);
	/* Files from before frame_len: a packet from an Ethernet header was
	 * almost always a receive drop, whose skb->len leaves the header out. */
	if (!(seen & 1U << F_FRAME_LEN))
		r->frame_len = r->mac && r->len <= UINT32_MAX - 14 ? r->len + 14 : r->len;
	if (r->frame_len < r->caplen)
		r->frame_len = r->caplen;
	return 0;
}

/* The line as one JSON object, whitespace around it, nothing else. */
static int parse_line(struct pctx *c, const char *line, size_t len, struct evrecord *r)
{
	struct json_tokener *tok;
	json_object *obj;
	size_t i = 0, end;
	int err;

	while (i < len && is_ws(line[i]))
		i++;
	if (i == len || line[i] != '{')
		return fail(c, "not a JSON object");
	if (len > INT32_MAX)
		return fail(c, "line too long");
	if (scan_line(c, line, len))
		return -EINVAL;
	/* json-c's depth counts the object itself, and scalars as well. */
	tok = json_tokener_new_ex(EVJSON_MAX_DEPTH + 1);
	if (!tok)
		return oom(c);
	/* STRICT: no comments, no trailing commas, "-quoted values; the
	 * trailing bytes are for us to judge. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (err != json_tokener_success) {
		json_object_put(obj);
		return fail(c, syntax_error(err));
	}
	if (!obj) /* json-c 0.16 returns NULL "successfully" when newlocale() fails */
		return oom(c);
	for (i = end; i < len && is_ws(line[i]); i++)
		;
	if (i < len)
		err = fail(c, "trailing garbage after the object");
	else
		err = read_object(c, obj, r);
	json_object_put(obj);
	return err;
}

int evjson_parse(const char *line, size_t len, struct evrecord *r, const char **why)
{
	struct pctx c = { 0 };
	int err;

	memset(r, 0, sizeof(*r));
	err = parse_line(&c, line, line ? len : 0, r);
	if (err) {
		memset(r, 0, sizeof(*r));
		*why = c.why;
	}
	return err;
}
