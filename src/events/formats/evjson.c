// SPDX-License-Identifier: GPL-2.0-only
/* NDJSON events: a writer with a fixed key order, and a strict, bounded
 * parser for lines that may come from anyone (a newer dropmon, a user's jq). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "evjson.h"
#include "parse.h"

/* How deep an unknown value may nest; the skipper recurses once per level. */
#define EVJSON_MAX_DEPTH 32

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

int evjson_write(struct strbuf *out, const struct evrecord *r)
{
	uint32_t nframes = r->nframes < DROPMON_STACK_DEPTH ? r->nframes : DROPMON_STACK_DEPTH;
	size_t caplen = r->caplen < DROPMON_PKT_BYTES ? r->caplen : DROPMON_PKT_BYTES;
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

struct pctx {
	const char *p, *end;
	const char *why;
};

static int fail(struct pctx *c, const char *why)
{
	c->why = why;
	return -EINVAL;
}

static void skip_ws(struct pctx *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int peek(const struct pctx *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

static bool eat(struct pctx *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Reads the 4 hex digits of a \u escape. */
static int read_u4(struct pctx *c, uint32_t *cp)
{
	uint32_t v = 0;
	int i;

	if (c->end - c->p < 4)
		return fail(c, "bad string escape");
	for (i = 0; i < 4; i++) {
		int h = hexval((unsigned char)c->p[i]);

		if (h < 0)
			return fail(c, "bad string escape");
		v = v << 4 | (uint32_t)h;
	}
	c->p += 4;
	*cp = v;
	return 0;
}

struct sink {
	char *dst; /* NULL: only validate */
	size_t cap, n;
	bool toolong;
};

static void sink_put(struct sink *s, unsigned char ch)
{
	if (!s->dst)
		return;
	if (s->n + 1 < s->cap)
		s->dst[s->n++] = (char)ch;
	else
		s->toolong = true;
}

static int read_unicode_escape(struct pctx *c, struct sink *s)
{
	uint32_t cp, lo;

	if (read_u4(c, &cp))
		return -EINVAL;
	/* C strings cannot hold a NUL; lone surrogates are no characters. */
	if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
		return fail(c, "bad string escape");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
			return fail(c, "bad string escape");
		c->p += 2;
		if (read_u4(c, &lo))
			return -EINVAL;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(c, "bad string escape");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp < 0x80) {
		sink_put(s, (unsigned char)cp);
	} else if (cp < 0x800) {
		sink_put(s, (unsigned char)(0xc0 | cp >> 6));
		sink_put(s, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		sink_put(s, (unsigned char)(0xe0 | cp >> 12));
		sink_put(s, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		sink_put(s, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		sink_put(s, (unsigned char)(0xf0 | cp >> 18));
		sink_put(s, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
		sink_put(s, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		sink_put(s, (unsigned char)(0x80 | (cp & 0x3f)));
	}
	return 0;
}

/* A JSON string at c->p, decoded into dst[0..cap) and NUL-terminated (dst may
 * be NULL to skip it). One that does not fit sets *toolong but is still read
 * to its end, so the caller chooses the message. */
static int read_string(struct pctx *c, char *dst, size_t cap, bool *toolong)
{
	struct sink s = { .dst = cap ? dst : NULL, .cap = cap };

	if (!eat(c, '"'))
		return fail(c, "expected a string");
	for (;;) {
		unsigned char ch;

		if (c->p >= c->end)
			return fail(c, "unterminated string");
		ch = (unsigned char)*c->p++;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return fail(c, "control byte in string");
		if (ch != '\\') {
			sink_put(&s, ch);
			continue;
		}
		if (c->p >= c->end)
			return fail(c, "unterminated string");
		ch = (unsigned char)*c->p++;
		switch (ch) {
		case '"':
		case '\\':
		case '/':
			sink_put(&s, ch);
			break;
		case 'b':
			sink_put(&s, '\b');
			break;
		case 'f':
			sink_put(&s, '\f');
			break;
		case 'n':
			sink_put(&s, '\n');
			break;
		case 'r':
			sink_put(&s, '\r');
			break;
		case 't':
			sink_put(&s, '\t');
			break;
		case 'u':
			if (read_unicode_escape(c, &s))
				return -EINVAL;
			break;
		default:
			return fail(c, "bad string escape");
		}
	}
	if (s.dst)
		s.dst[s.n] = '\0';
	if (toolong)
		*toolong = s.toolong;
	return 0;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* A JSON number at c->p. With f, it must be an integer in [min, max] and is
 * stored in *out; without, it is only checked and skipped. */
static int read_number(struct pctx *c, const struct field *f, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	const char *digits, *digits_end;
	char buf[24];
	bool neg, integer = true;
	size_t n;

	neg = eat(c, '-');
	if (!is_digit(peek(c)))
		return fail(c, f && !neg ? f->type : "bad number");
	digits = c->p;
	if (!eat(c, '0'))
		while (is_digit(peek(c)))
			c->p++;
	digits_end = c->p;
	if (eat(c, '.')) {
		integer = false;
		if (!is_digit(peek(c)))
			return fail(c, "bad number");
		while (is_digit(peek(c)))
			c->p++;
	}
	if (eat(c, 'e') || eat(c, 'E')) {
		integer = false;
		if (!eat(c, '+'))
			eat(c, '-');
		if (!is_digit(peek(c)))
			return fail(c, "bad number");
		while (is_digit(peek(c)))
			c->p++;
	}
	if (!f)
		return 0;
	if (!integer)
		return fail(c, f->notint);
	n = (size_t)(digits_end - digits);
	if (neg || n >= sizeof(buf))
		return fail(c, f->range);
	memcpy(buf, digits, n);
	buf[n] = '\0';
	if (parse_u64(buf, min, max, out))
		return fail(c, f->range);
	return 0;
}

static int skip_value(struct pctx *c, int depth);

static int skip_container(struct pctx *c, int depth, char close, bool keys)
{
	if (depth > EVJSON_MAX_DEPTH)
		return fail(c, "nesting too deep");
	c->p++;
	skip_ws(c);
	if (eat(c, close))
		return 0;
	for (;;) {
		if (keys) {
			if (peek(c) != '"')
				return fail(c, "expected a field name");
			if (read_string(c, NULL, 0, NULL))
				return -EINVAL;
			skip_ws(c);
			if (!eat(c, ':'))
				return fail(c, "expected ':'");
			skip_ws(c);
		}
		if (skip_value(c, depth + 1))
			return -EINVAL;
		skip_ws(c);
		if (eat(c, close))
			return 0;
		if (!eat(c, ','))
			return fail(c, keys ? "expected ',' or '}'" : "expected ',' or ']'");
		skip_ws(c);
	}
}

static int skip_literal(struct pctx *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return fail(c, "bad value");
	c->p += n;
	return 0;
}

/* Any JSON value, checked and thrown away. */
static int skip_value(struct pctx *c, int depth)
{
	switch (peek(c)) {
	case '"':
		return read_string(c, NULL, 0, NULL);
	case '{':
		return skip_container(c, depth, '}', true);
	case '[':
		return skip_container(c, depth, ']', false);
	case 't':
		return skip_literal(c, "true");
	case 'f':
		return skip_literal(c, "false");
	case 'n':
		return skip_literal(c, "null");
	case -1:
		return fail(c, "missing value");
	default:
		if (peek(c) == '-' || is_digit(peek(c)))
			return read_number(c, NULL, 0, 0, NULL);
		return fail(c, "bad value");
	}
}

/* A string field into a buffer of its own size; a duplicate key overwrites
 * every byte, so that records compare equal whatever came first. */
static int read_string_field(struct pctx *c, const struct field *f, char *dst, size_t size)
{
	bool toolong;

	if (peek(c) != '"')
		return fail(c, f->type);
	memset(dst, 0, size);
	if (read_string(c, dst, size, &toolong))
		return -EINVAL;
	if (toolong)
		return fail(c, f->toolong);
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
		int h = hexval((unsigned char)s[i]);

		if (h < 0)
			return -EINVAL;
		if (v >> 60)
			return -ERANGE;
		v = v << 4 | (uint64_t)h;
	}
	*out = v;
	return 0;
}

static int read_stack(struct pctx *c, const struct field *f, struct evrecord *r)
{
	bool toolong;

	memset(r->frames, 0, sizeof(r->frames));
	r->nframes = 0;
	if (!eat(c, '['))
		return fail(c, f->type);
	skip_ws(c);
	if (eat(c, ']'))
		return 0;
	for (;;) {
		if (peek(c) != '"')
			return fail(c, f->type);
		if (r->nframes == DROPMON_STACK_DEPTH)
			return fail(c, "stack too deep");
		if (read_string(c, r->frames[r->nframes], sizeof(r->frames[0]), &toolong))
			return -EINVAL;
		if (toolong)
			return fail(c, "stack frame too long");
		r->nframes++;
		skip_ws(c);
		if (eat(c, ']'))
			return 0;
		if (!eat(c, ','))
			return fail(c, "expected ',' or ']'");
		skip_ws(c);
	}
}

static int read_packet(struct pctx *c, const struct field *f, struct evrecord *r)
{
	char hex[2 * DROPMON_PKT_BYTES + 1];
	bool toolong;
	size_t n, i;

	memset(r->packet, 0, sizeof(r->packet));
	r->caplen = 0;
	if (peek(c) != '"')
		return fail(c, f->type);
	if (read_string(c, hex, sizeof(hex), &toolong))
		return -EINVAL;
	if (toolong)
		return fail(c, "packet too long");
	n = strlen(hex);
	if (n % 2)
		return fail(c, "packet is not hex");
	for (i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)hex[i]), lo = hexval((unsigned char)hex[i + 1]);

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

static int read_field(struct pctx *c, const struct field *f, struct evrecord *r)
{
	char buf[40];
	bool toolong;
	uint64_t v;
	int err;

	switch (f->kind) {
	case FK_VERSION:
		return read_number(c, f, 1, UINT64_MAX, &v);
	case FK_UINT:
		if (read_number(c, f, 0, f->size >= 8 ? UINT64_MAX : (1ULL << (8 * f->size)) - 1,
				&v))
			return -EINVAL;
		store_uint(r, f, v);
		return 0;
	case FK_STRING:
		return read_string_field(c, f, (char *)r + f->off, f->size);
	case FK_STACK:
		return read_stack(c, f, r);
	case FK_PACKET:
		return read_packet(c, f, r);
	default:
		break;
	}
	/* The rest are short strings with a syntax of their own. */
	if (peek(c) != '"')
		return fail(c, f->type);
	if (read_string(c, buf, sizeof(buf), &toolong))
		return -EINVAL;
	switch (f->kind) {
	case FK_WALL_TIME:
		if (toolong || parse_wall_time(buf, &r->wall_ns))
			return fail(c, "bad wall_time");
		return 0;
	case FK_LOCATION:
		err = toolong ? -ERANGE : parse_location(buf, &r->location);
		if (err)
			return fail(c, err == -ERANGE ? f->range : "location is not hex");
		return 0;
	case FK_PACKET_START:
		if (!toolong && strcmp(buf, "mac") == 0)
			r->mac = true;
		else if (!toolong && strcmp(buf, "network") == 0)
			r->mac = false;
		else
			return fail(c, "bad packet_start");
		return 0;
	default:
		return fail(c, f->type);
	}
}

static const struct field *field_find(const char *name, int *idx)
{
	int i;

	for (i = 0; i < F_COUNT; i++) {
		if (strcmp(fields[i].name, name) == 0) {
			*idx = i;
			return &fields[i];
		}
	}
	return NULL;
}

static int parse_object(struct pctx *c, struct evrecord *r)
{
	uint32_t seen = 0;

	skip_ws(c);
	if (!eat(c, '{'))
		return fail(c, "not a JSON object");
	skip_ws(c);
	if (!eat(c, '}')) {
		for (;;) {
			const struct field *f;
			char key[32];
			bool toolong;
			int idx = 0;

			if (peek(c) != '"')
				return fail(c, "expected a field name");
			if (read_string(c, key, sizeof(key), &toolong))
				return -EINVAL;
			f = toolong ? NULL : field_find(key, &idx);
			skip_ws(c);
			if (!eat(c, ':'))
				return fail(c, "expected ':'");
			skip_ws(c);
			if (f ? read_field(c, f, r) : skip_value(c, 1))
				return -EINVAL;
			if (f)
				seen |= 1U << idx;
			skip_ws(c);
			if (eat(c, '}'))
				break;
			if (!eat(c, ','))
				return fail(c, "expected ',' or '}'");
			skip_ws(c);
		}
	}
	skip_ws(c);
	if (c->p != c->end)
		return fail(c, "trailing garbage after the object");

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

int evjson_parse(const char *line, size_t len, struct evrecord *r, const char **why)
{
	struct pctx c = { .p = line, .end = line };

	if (line)
		c.end = line + len;
	memset(r, 0, sizeof(*r));
	if (parse_object(&c, r)) {
		memset(r, 0, sizeof(*r));
		*why = c.why;
		return -EINVAL;
	}
	return 0;
}
