// SPDX-License-Identifier: GPL-2.0-only
/* Prometheus text 0.0.4 and OpenMetrics 1.0.0 writers. Which one a scrape
 * gets is the HTTP face's choice (web/negotiate.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

const char *expo_content_type(enum expo_format format)
{
	if (format == EXPO_OPENMETRICS)
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	return "text/plain; version=0.0.4; charset=utf-8";
}

void expo_init(struct expo *e, struct strbuf *out, enum expo_format format)
{
	e->out = out;
	e->format = format;
	e->type = EXPO_GAUGE;
	/* No family yet: samples are dropped until one is started. */
	e->family[0] = '\0';
}

/* [a-zA-Z_][a-zA-Z0-9_]*: the common subset of metric and label names in
 * both formats (colons are reserved for recording rules). */
static bool valid_name(const char *s)
{
	if (!s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	}
	return true;
}

/* Writes s with backslash, newline and (when `quote`) '"' backslash-escaped
 * ('\n' becomes "\\n"); runs of plain characters are copied in one append. */
static void put_escaped(struct strbuf *sb, const char *s, bool quote)
{
	const char *run = s;

	/* A byte loop beats strcspn() on label values of a few bytes. */
	for (; *s; s++) {
		if (*s != '\\' && *s != '\n' && (*s != '"' || !quote))
			continue;
		strbuf_append(sb, run, (size_t)(s - run));
		strbuf_putc(sb, '\\');
		strbuf_putc(sb, *s == '\n' ? 'n' : *s);
		run = s + 1;
	}
	strbuf_append(sb, run, (size_t)(s - run));
}

static bool is_counter_text(const struct expo *e)
{
	return e->type == EXPO_COUNTER && e->format == EXPO_TEXT;
}

int expo_family(struct expo *e, const char *name, enum expo_type type, const char *help)
{
	const char *type_name = type == EXPO_COUNTER ? "counter" : "gauge";
	const char *suffix;

	/* Invalidate first so that a rejected family's samples cannot end up
	 * under the previous family's name. */
	e->family[0] = '\0';
	if (!valid_name(name) || strlen(name) >= sizeof(e->family))
		return -EINVAL;
	if (type != EXPO_COUNTER && type != EXPO_GAUGE)
		return -EINVAL;
	strcpy(e->family, name);
	e->family_len = strlen(name);
	e->type = type;
	/* Text 0.0.4 has no family/sample distinction: metadata must name the
	 * series itself. OpenMetrics names the family without the suffix. */
	suffix = is_counter_text(e) ? "_total" : "";
	if (help && *help) {
		strbuf_printf(e->out, "# HELP %s%s ", name, suffix);
		/* A raw '"' is not an OpenMetrics normal-char, while the 0.0.4
		 * parser rejects "\\\"" in HELP: each format gets its own set. */
		put_escaped(e->out, help, e->format == EXPO_OPENMETRICS);
		strbuf_putc(e->out, '\n');
	}
	strbuf_printf(e->out, "# TYPE %s%s %s\n", name, suffix, type_name);
	return e->out->err;
}

/* Label names must be valid and distinct, or the whole exposition would be
 * rejected by the scraper; such a sample is dropped instead. */
static bool labels_ok(const struct expo_label *labels, size_t nlabels)
{
	if (nlabels && !labels)
		return false;
	for (size_t i = 0; i < nlabels; i++) {
		if (!valid_name(labels[i].name))
			return false;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(labels[i].name, labels[j].name) == 0)
				return false;
		}
	}
	return true;
}

/* Appends to a strbuf through a cursor, growing it only when the room left
 * runs out: a scrape writes tens of thousands of short strings, and neither
 * measuring each one first nor one strbuf call per piece is cheap. */
struct writer {
	struct strbuf *sb;
	char *p, *end; /* end leaves room for the terminating NUL */
};

static bool writer_room(struct writer *w, size_t n)
{
	if ((size_t)(w->end - w->p) >= n)
		return true;
	w->sb->len = (size_t)(w->p - w->sb->buf);
	if (strbuf_reserve(w->sb, n + 256))
		return false;
	w->p = w->sb->buf + w->sb->len;
	w->end = w->sb->buf + w->sb->cap - 1;
	return true;
}

static bool writer_init(struct writer *w, struct strbuf *sb)
{
	w->sb = sb;
	if (strbuf_reserve(sb, 256))
		return false;
	w->p = sb->buf + sb->len;
	w->end = sb->buf + sb->cap - 1;
	return true;
}

static void writer_finish(struct writer *w)
{
	*w->p = '\0';
	w->sb->len = (size_t)(w->p - w->sb->buf);
}

static bool writer_put(struct writer *w, const char *s, size_t n)
{
	if (!writer_room(w, n))
		return false;
	memcpy(w->p, s, n);
	w->p += n;
	return true;
}

/* Bytes that end a run of plain label-value bytes: NUL, the escaped, and
 * every non-ASCII byte, whose UTF-8 is checked. */
static const bool ends_run[256] = {
	['\0'] = true, ['\\'] = true, ['"'] = true, ['\n'] = true, [0x80 ... 0xff] = true,
};

/* Length of the valid UTF-8 sequence at s (well-formed as RFC 3629 has it:
 * no overlong forms, no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_valid(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80
			   ? 4
			   : 0;
	}
	return 0;
}

/* Label values: backslash, newline and '"' escaped; plain runs are copied
 * whole, and most values are one run. Bytes that are not UTF-8 (a device
 * or task name anyone can choose) become U+FFFD: Prometheus rejects the
 * whole scrape over one invalid label value. */
static bool writer_put_escaped(struct writer *w, const char *s)
{
	for (;;) {
		const char *run = s;
		size_t n;

		while (!ends_run[(unsigned char)*s])
			s++;
		if (!writer_put(w, run, (size_t)(s - run)))
			return false;
		if (!*s)
			return true;
		if ((unsigned char)*s >= 0x80) {
			/* A NUL ends the checks above: no read past the end. */
			n = utf8_valid((const unsigned char *)s);
			if (!writer_put(w, n ? s : "\xef\xbf\xbd", n ? n : 3))
				return false;
			s += n ? n : 1;
			continue;
		}
		if (!writer_room(w, 2))
			return false;
		*w->p++ = '\\';
		*w->p++ = *s == '\n' ? 'n' : *s;
		s++;
	}
}

/* Label names were validated: plain bytes. */
static bool writer_put_name(struct writer *w, const char *s)
{
	for (; *s; s++) {
		if (w->p == w->end && !writer_room(w, 1))
			return false;
		*w->p++ = *s;
	}
	return true;
}

/* "{labels}", nothing when there are none. */
static bool writer_put_labels(struct writer *w, const struct expo_label *labels, size_t nlabels)
{
	if (!nlabels)
		return true;
	if (!writer_put(w, "{", 1))
		return false;
	for (size_t i = 0; i < nlabels; i++) {
		if ((i && !writer_put(w, ",", 1)) || !writer_put_name(w, labels[i].name) ||
		    !writer_put(w, "=\"", 2))
			return false;
		/* A missing value is written like an empty one. */
		if (labels[i].value && !writer_put_escaped(w, labels[i].value))
			return false;
		if (!writer_put(w, "\"", 1))
			return false;
	}
	return writer_put(w, "}", 1);
}

int expo_labels_render(struct strbuf *out, const struct expo_label *labels, size_t nlabels)
{
	size_t start = out->len;
	struct writer w;

	if (!labels_ok(labels, nlabels))
		return -EINVAL;
	if (!writer_init(&w, out))
		return out->err;
	/* On an allocation failure, out keeps its sticky error and the
	 * partial label set is cut off again. */
	if (!writer_put_labels(&w, labels, nlabels)) {
		out->len = start;
		out->buf[start] = '\0';
		return out->err;
	}
	writer_finish(&w);
	return 0;
}

/* "name[_total]" of the current family. */
static bool writer_put_family(struct writer *w, const struct expo *e)
{
	if (!writer_put(w, e->family, e->family_len))
		return false;
	return e->type != EXPO_COUNTER || writer_put(w, "_total", 6);
}

static bool writer_put_u64(struct writer *w, uint64_t value)
{
	char digits[STRBUF_U64_SIZE];
	size_t n = strbuf_fmt_u64(digits, value);

	return writer_put(w, digits, n);
}

/* On failure the strbuf keeps its sticky error and its old length. */
static void put_sample(struct expo *e, const struct expo_label *labels, size_t nlabels,
		       const char *labelset, size_t len, uint64_t value)
{
	size_t start = e->out->len;
	struct writer w;

	if (!writer_init(&w, e->out))
		return;
	if (writer_put_family(&w, e) &&
	    (labelset ? writer_put(&w, labelset, len) : writer_put_labels(&w, labels, nlabels)) &&
	    writer_put(&w, " ", 1) && writer_put_u64(&w, value) && writer_put(&w, "\n", 1)) {
		writer_finish(&w);
		return;
	}
	e->out->len = start;
	e->out->buf[start] = '\0';
}

void expo_sample_u64_rendered(struct expo *e, const char *labelset, size_t len, uint64_t value)
{
	if (e->family[0])
		put_sample(e, NULL, 0, labelset ? labelset : "", labelset ? len : 0, value);
}

/* Writes "name[_total][{labels}] " and returns true, or nothing and false
 * when the sample must be skipped. */
static bool put_series(struct expo *e, const struct expo_label *labels, size_t nlabels)
{
	size_t start = e->out->len;
	struct writer w;

	if (!e->family[0] || !labels_ok(labels, nlabels) || !writer_init(&w, e->out))
		return false;
	if (writer_put_family(&w, e) && writer_put_labels(&w, labels, nlabels) &&
	    writer_put(&w, " ", 1)) {
		writer_finish(&w);
		return true;
	}
	e->out->len = start;
	e->out->buf[start] = '\0';
	return false;
}

void expo_sample_u64(struct expo *e, const struct expo_label *labels, size_t nlabels,
		     uint64_t value)
{
	if (e->family[0] && labels_ok(labels, nlabels))
		put_sample(e, labels, nlabels, NULL, 0, value);
}

/* Shortest of %.15g..%.17g that strtod reads back bit-exact; %.17g always
 * does for an IEEE double. */
static void format_double(char *buf, size_t size, double v)
{
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (int prec = 15; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, size, "%.17g", v);
}

void expo_sample_double(struct expo *e, const struct expo_label *labels, size_t nlabels,
			double value)
{
	/* "-1.2345678901234567e-308" is 24 characters. */
	char num[32];

	if (!put_series(e, labels, nlabels))
		return;
	format_double(num, sizeof(num), value);
	strbuf_puts(e->out, num);
	strbuf_putc(e->out, '\n');
}

void expo_finish(struct expo *e)
{
	if (e->format == EXPO_OPENMETRICS)
		strbuf_puts(e->out, "# EOF\n");
}
