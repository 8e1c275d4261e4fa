// SPDX-License-Identifier: GPL-2.0-only
/* RFC 9110 list elements with parameters: tokens, quoted strings, qvalues. */
#include <string.h>
#include <strings.h>

#include "httplist.h"

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

/* The end of the quoted-string whose opening quote is at p, or NULL when it
 * is not closed. */
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

/* Past a malformed element: to its comma (or the end), stepping over quoted
 * strings so that a comma inside one does not end the element early. */
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

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), the whole of
 * [s, end). Returns thousandths, or -1 when malformed. */
static int parse_qvalue(const char *s, const char *end)
{
	int q, scale = HTTPLIST_Q_MAX / 10;

	if (s == end || (*s != '0' && *s != '1'))
		return -1;
	q = (*s++ - '0') * HTTPLIST_Q_MAX;
	if (s == end)
		return q;
	if (*s++ != '.' || end - s > 3)
		return -1;
	for (; s < end; s++, scale /= 10) {
		if (*s < '0' || *s > '9')
			return -1;
		q += (*s - '0') * scale;
	}
	return q > HTTPLIST_Q_MAX ? -1 : q;
}

bool httplist_token_is(const char *s, const char *end, const char *want)
{
	size_t n = strlen(want);

	return (size_t)(end - s) == n && strncasecmp(s, want, n) == 0;
}

/* The parameters after the name, up to the ',' or NUL ending the element,
 * where *pp is left. Returns the weight, or -1 when anything is malformed. */
static int parse_params(const char **pp)
{
	const char *p = *pp, *name, *name_end, *val, *val_end;
	int q = HTTPLIST_Q_MAX;
	bool have_q = false;

	for (;;) {
		p = skip_ows(p);
		if (*p == ',' || *p == '\0')
			break;
		if (*p != ';')
			return -1;
		p = skip_ows(p + 1);
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
		if (httplist_token_is(name, name_end, "q")) {
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

int httplist_next(const char **pos, struct httplist_elem *e)
{
	const char *p = *pos;

	/* Empty list elements are allowed (RFC 9110, 5.6.1). */
	for (p = skip_ows(p); *p == ','; p = skip_ows(p + 1))
		;
	if (*p == '\0') {
		*pos = p;
		return 0;
	}
	e->name = p;
	e->name_end = p = skip_token(p);
	e->sub = e->sub_end = p;
	if (e->name == e->name_end)
		goto malformed;
	if (*p == '/') {
		e->sub = ++p;
		e->sub_end = p = skip_token(p);
		if (e->sub == e->sub_end)
			goto malformed;
	}
	e->q = parse_params(&p);
	if (e->q < 0)
		goto malformed;
	*pos = *p == ',' ? p + 1 : p;
	return 1;
malformed:
	p = skip_element(p);
	*pos = *p == ',' ? p + 1 : p;
	return -1;
}
