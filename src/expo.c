// SPDX-License-Identifier: GPL-2.0-only
/* Prometheus text 0.0.4 and OpenMetrics 1.0.0 writers, and the Accept header
 * negotiation that picks between them. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expo.h"

/* q-values are kept in thousandths: RFC 9110 allows at most three decimals,
 * so integers compare exactly where doubles might not. */
#define Q_MAX 1000

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 tchar. */
static bool is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static const char *skip_ows(const char *p)
{
	while (is_ows(*p))
		p++;
	return p;
}

static const char *skip_token(const char *p)
{
	while (is_tchar(*p))
		p++;
	return p;
}

/* Returns the end of a quoted-string starting at p (on its opening quote), or
 * NULL when it is not closed. */
static const char *skip_quoted(const char *p)
{
	for (p++; *p; p++) {
		if (*p == '"')
			return p + 1;
		if (*p == '\\' && *++p == '\0')
			return NULL;
	}
	return NULL;
}

/* Moves past a malformed element to its terminating comma (or the end),
 * stepping over quoted strings so a comma inside one does not end it early. */
static const char *skip_element(const char *p)
{
	while (*p && *p != ',') {
		if (*p == '"') {
			const char *q = skip_quoted(p);

			if (!q)
				return p + strlen(p);
			p = q;
		} else {
			p++;
		}
	}
	return p;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), whole token.
 * Returns thousandths, or -1 when malformed. */
static int parse_qvalue(const char *s, const char *end)
{
	int q, scale = 100;

	if (s == end || (*s != '0' && *s != '1'))
		return -1;
	q = (*s++ - '0') * Q_MAX;
	if (s == end)
		return q;
	if (*s++ != '.' || end - s > 3)
		return -1;
	for (; s < end; s++, scale /= 10) {
		if (*s < '0' || *s > '9')
			return -1;
		q += (*s - '0') * scale;
	}
	return q > Q_MAX ? -1 : q;
}

/* Parses the parameters after a media range up to the element's end: each is
 * OWS ";" OWS [ token "=" ( token / quoted-string ) ]. *p is left on the ','
 * or NUL that ends the element. Returns the q-value in thousandths (Q_MAX
 * when absent) or -1 when anything is malformed. */
static int parse_params(const char **pp)
{
	const char *p = *pp, *name, *name_end, *val, *val_end;
	int q = Q_MAX;
	bool have_q = false;

	for (;;) {
		p = skip_ows(p);
		if (*p == ',' || *p == '\0')
			break;
		if (*p != ';')
			return -1;
		p++;
		p = skip_ows(p);
		/* RFC 9110 allows empty parameters ("a/b;;c=d"). */
		if (*p == ';' || *p == ',' || *p == '\0')
			continue;
		name = p;
		name_end = p = skip_token(p);
		if (name == name_end)
			return -1;
		/* Not strictly allowed, but some clients pad the '='. */
		p = skip_ows(p);
		if (*p != '=')
			return -1;
		p = skip_ows(p + 1);
		val = p;
		if (*p == '"') {
			p = skip_quoted(p);
			if (!p)
				return -1;
		} else {
			p = skip_token(p);
		}
		val_end = p;
		if (val == val_end)
			return -1;
		if (name_end - name == 1 && (*name == 'q' || *name == 'Q')) {
			/* A quoted or repeated weight is not a qvalue. */
			if (have_q || *val == '"')
				return -1;
			q = parse_qvalue(val, val_end);
			if (q < 0)
				return -1;
			have_q = true;
		}
	}
	*pp = p;
	return q;
}

static bool token_is(const char *s, const char *end, const char *want)
{
	size_t n = strlen(want);

	return (size_t)(end - s) == n && strncasecmp(s, want, n) == 0;
}

enum expo_format expo_negotiate(const char *accept)
{
	/* Best weight seen for each format; -1 means not offered at all. */
	int om_q = -1, text_q = -1;
	const char *p = accept;

	if (!p)
		return EXPO_TEXT;
	while (*p) {
		const char *type, *type_end, *sub, *sub_end;
		int q;

		p = skip_ows(p);
		if (*p == ',') {
			/* Empty list elements are allowed (RFC 9110, 5.6.1). */
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		type = p;
		type_end = p = skip_token(p);
		if (type == type_end || *p != '/')
			goto malformed;
		sub = ++p;
		sub_end = p = skip_token(p);
		if (sub == sub_end)
			goto malformed;
		q = parse_params(&p);
		if (q < 0)
			goto malformed;
		if (token_is(type, type_end, "application") &&
		    token_is(sub, sub_end, "openmetrics-text")) {
			if (q > om_q)
				om_q = q;
		} else if (q > text_q) {
			text_q = q;
		}
		continue;
	malformed:
		p = skip_element(p);
	}
	/* q=0 means "not acceptable"; on a tie the richer format wins. */
	if (om_q > 0 && om_q >= text_q)
		return EXPO_OPENMETRICS;
	return EXPO_TEXT;
}

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

/* Bytes that end a run of plain label-value bytes: NUL and the escaped. */
static const bool ends_run[256] = { ['\0'] = true, ['\\'] = true, ['"'] = true, ['\n'] = true };

/* Label values: backslash, newline and '"' escaped; plain runs are copied
 * whole, and most values are one run. */
static bool writer_put_escaped(struct writer *w, const char *s)
{
	for (;;) {
		const char *run = s;

		while (!ends_run[(unsigned char)*s])
			s++;
		if (!writer_put(w, run, (size_t)(s - run)))
			return false;
		if (!*s)
			return true;
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
	char digits[20]; /* UINT64_MAX has 20 */
	size_t n = 0;

	do {
		digits[sizeof(digits) - ++n] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	return writer_put(w, digits + sizeof(digits) - n, n);
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
