// SPDX-License-Identifier: GPL-2.0-only
/* --web.config.file: libyaml's events become a small tree, which is then
 * checked as strictly as the Go exporter-toolkit's UnmarshalStrict does. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "array.h"
#include "file.h"
#include "webconfig.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* For the configuration and each PEM file: far above any real one, low
 * enough that a wrong path (a log, a disk image) fails fast. */
#define FILE_MAX (1024 * 1024)
/* The schema nests three deep; the limit keeps the recursion bounded. */
#define MAX_DEPTH 16

#define GNUTLS_HINT "GnuTLS's defaults are used"

/* What a file that is not a regular one is, for the message. */
static const char *file_kind(mode_t mode)
{
	return S_ISDIR(mode)	? "a directory"
	       : S_ISFIFO(mode) ? "a FIFO"
	       : S_ISSOCK(mode) ? "a socket"
	       : S_ISCHR(mode)	? "a character device"
	       : S_ISBLK(mode)	? "a block device"
				: "a special file";
}

/* Reads a whole regular file of at most FILE_MAX bytes (file_read_alloc():
 * opened without blocking and checked before it is read, since a FIFO, a
 * terminal or a device would hold start-up, or the signal thread on a
 * reload, until someone writes to it). For another kind of file, -EINVAL
 * with *kind saying what it is. */
static int read_regular(const char *path, char **out, size_t *outlen, const char **kind)
{
	struct stat st;
	int err = file_read_alloc(AT_FDCWD, path, FILE_MAX, out, outlen);

	if (err == -EINVAL)
		*kind = stat(path, &st) == 0 ? file_kind(st.st_mode) : "a special file";
	return err;
}

enum node_kind { NODE_SCALAR, NODE_SEQ, NODE_MAP };

struct node {
	enum node_kind kind;
	size_t line; /* 1-based */
	/* An untagged plain scalar: only these can be null or a boolean
	 * ("true" in quotes is a string, as in YAML and Go). */
	bool plain;
	char *str; /* scalar text, NUL-terminated, without NUL inside */
	size_t len;
	struct node **kids; /* sequence items; mapping keys and values alternating */
	size_t nkids;
	size_t cap;
};

struct ctx {
	const char *path; /* the file, for messages; NULL for web_config_parse */
	const char *dir;
	const char *text; /* to tell a tab from another bad character */
	size_t len;
	char *err;
	size_t errlen;
};

struct unsupported {
	const char *key;
	const char *hint;
};

static const char *const versions[] = { "TLS10", "TLS11", "TLS12", "TLS13", NULL };

static const char *const client_auths[] = { "NoClientCert",
					    "RequestClientCert",
					    "RequireAnyClientCert",
					    "VerifyClientCertIfGiven",
					    "RequireAndVerifyClientCert",
					    NULL };

/* Indexed like client_auths. */
static const enum web_client_auth client_auth_values[] = {
	WEB_NO_CLIENT_CERT, WEB_REQUEST_CLIENT_CERT, WEB_REQUIRE_ANY_CLIENT_CERT,
	WEB_VERIFY_CLIENT_CERT_IF_GIVEN, WEB_REQUIRE_AND_VERIFY_CLIENT_CERT
};

static const char *const header_names[] = { "Content-Security-Policy",	 "X-Frame-Options",
					    "X-Content-Type-Options",	 "X-XSS-Protection",
					    "Strict-Transport-Security", NULL };

/* Writes "<path>:<line>: ", "<path>: ", "line <line>: " or nothing, then
 * the message; line 0 means none. Returns ret. */
__attribute__((format(printf, 4, 5))) static int fail(const struct ctx *c, size_t line, int ret,
						      const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!c->err || !c->errlen)
		return ret;
	c->err[0] = '\0';
	if (c->path && line)
		n = snprintf(c->err, c->errlen, "%s:%zu: ", c->path, line);
	else if (c->path)
		n = snprintf(c->err, c->errlen, "%s: ", c->path);
	else if (line)
		n = snprintf(c->err, c->errlen, "line %zu: ", line);
	if (n < 0)
		n = 0;
	if ((size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* s fit for a one-line message: control bytes become '?', a long s is cut.
 * Keys, user names and paths come from the file and may hold anything. */
static const char *shown(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	if (s[i] && size >= 4)
		memcpy(buf + size - 4, "...", 4);
	return buf;
}

static const char *joined(const char *const *list, char *buf, size_t size)
{
	size_t len = 0;
	int n;

	buf[0] = '\0';
	for (; *list && len < size; list++) {
		n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", *list);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	return buf;
}

static int find(const char *const *list, const char *s)
{
	for (int i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

static bool has_ctl(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

static const char *kind_name(const struct node *n)
{
	return n->kind == NODE_MAP ? "a mapping" : n->kind == NODE_SEQ ? "a list" : "a string";
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	/* Scalars include an inline private key. */
	if (n->str)
		explicit_bzero(n->str, n->len);
	free(n->str);
	free(n);
}

static int node_add(struct node *n, struct node *kid)
{
	if (ARRAY_RESERVE(n->kids, n->cap, n->nkids, 8))
		return -ENOMEM;
	n->kids[n->nkids++] = kid;
	return 0;
}

static int yaml_fail(const struct ctx *c, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "syntax error";
	size_t line = p->problem_mark.line + 1;
	const char *hint = "";

	if (p->error == YAML_MEMORY_ERROR)
		return fail(c, 0, -ENOMEM, "out of memory");
	if (p->error == YAML_READER_ERROR)
		return fail(c, 0, -EINVAL, "%s at byte %zu", problem, p->problem_offset);
	/* libyaml says "found character that cannot start any token". */
	if (p->problem_mark.index < c->len && c->text[p->problem_mark.index] == '\t')
		hint = "; YAML is indented with spaces, not tabs";
	/* As "found unexpected end of stream (while scanning a quoted scalar
	 * from line 2)": the context's line is where to look. */
	if (p->context && p->context_mark.line != p->problem_mark.line)
		return fail(c, line, -EINVAL, "%s (%s from line %zu)%s", problem, p->context,
			    p->context_mark.line + 1, hint);
	if (p->context)
		return fail(c, line, -EINVAL, "%s (%s)%s", problem, p->context, hint);
	return fail(c, line, -EINVAL, "%s%s", problem, hint);
}

static int next_event(const struct ctx *c, yaml_parser_t *p, yaml_event_t *ev)
{
	return yaml_parser_parse(p, ev) ? 0 : yaml_fail(c, p);
}

static bool tag_is(const yaml_char_t *tag, const char *want)
{
	return !tag || strcmp((const char *)tag, want) == 0;
}

/* Anchors, and tags other than YAML's own for the node's kind: nothing
 * needs them. */
static int check_props(const struct ctx *c, size_t line, const yaml_char_t *anchor,
		       const yaml_char_t *tag, const char *want, const char *shorthand)
{
	if (anchor)
		return fail(c, line, -EINVAL, "anchors (&name) are not supported");
	if (!tag_is(tag, want))
		return fail(c, line, -EINVAL, "YAML tags other than %s are not supported",
			    shorthand);
	return 0;
}

/* The node that *ev starts, with everything in it. Takes ev over. */
static int build(const struct ctx *c, yaml_parser_t *p, yaml_event_t *ev, unsigned int depth,
		 struct node **out)
{
	size_t line = ev->start_mark.line + 1;
	struct node *n = NULL, *kid = NULL;
	yaml_event_t kev;
	int err = 0;

	n = calloc(1, sizeof(*n));
	if (!n) {
		err = fail(c, 0, -ENOMEM, "out of memory");
		goto done_event;
	}
	n->line = line;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		/* Nothing needs them, and rejecting them rules out
		 * billion-laughs expansion. */
		err = fail(c, line, -EINVAL, "aliases (*name) are not supported");
		break;
	case YAML_SCALAR_EVENT:
		err = check_props(c, line, ev->data.scalar.anchor, ev->data.scalar.tag,
				  YAML_STR_TAG, "!!str");
		if (!err && memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
			err = fail(c, line, -EINVAL, "a string holds a NUL character");
		if (err)
			break;
		n->kind = NODE_SCALAR;
		n->len = ev->data.scalar.length;
		n->plain = !ev->data.scalar.tag && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		n->str = malloc(n->len + 1);
		if (!n->str) {
			err = fail(c, 0, -ENOMEM, "out of memory");
			break;
		}
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		break;
	case YAML_SEQUENCE_START_EVENT:
		n->kind = NODE_SEQ;
		err = check_props(c, line, ev->data.sequence_start.anchor,
				  ev->data.sequence_start.tag, YAML_SEQ_TAG, "!!seq");
		break;
	case YAML_MAPPING_START_EVENT:
		n->kind = NODE_MAP;
		err = check_props(c, line, ev->data.mapping_start.anchor,
				  ev->data.mapping_start.tag, YAML_MAP_TAG, "!!map");
		break;
	default:
		err = fail(c, line, -EINVAL, "unexpected YAML event %d", (int)ev->type);
		break;
	}
	if (!err && depth > MAX_DEPTH)
		err = fail(c, line, -EINVAL, "nested more than %d deep", MAX_DEPTH);
done_event:
	yaml_event_delete(ev);
	if (err)
		goto cleanup;
	while (n->kind != NODE_SCALAR) {
		err = next_event(c, p, &kev);
		if (err)
			goto cleanup;
		if (kev.type == YAML_SEQUENCE_END_EVENT || kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		err = build(c, p, &kev, depth + 1, &kid);
		if (err)
			goto cleanup;
		if (node_add(n, kid)) {
			node_free(kid);
			err = fail(c, 0, -ENOMEM, "out of memory");
			goto cleanup;
		}
	}
	*out = n;
	return 0;
cleanup:
	node_free(n);
	return err;
}

/* The one document's root, or NULL for an empty stream. */
static int load_tree(const struct ctx *c, struct node **root)
{
	struct node *n = NULL;
	yaml_parser_t p;
	yaml_event_t ev;
	int err;

	if (!yaml_parser_initialize(&p))
		return fail(c, 0, -ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)(c->len ? c->text : ""), c->len);
	err = next_event(c, &p, &ev); /* STREAM-START */
	if (err)
		goto cleanup;
	yaml_event_delete(&ev);
	err = next_event(c, &p, &ev);
	if (err)
		goto cleanup;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		goto cleanup;
	}
	yaml_event_delete(&ev); /* DOCUMENT-START */
	err = next_event(c, &p, &ev);
	if (err)
		goto cleanup;
	err = build(c, &p, &ev, 0, &n);
	if (err)
		goto cleanup;
	err = next_event(c, &p, &ev); /* DOCUMENT-END */
	if (err)
		goto cleanup;
	yaml_event_delete(&ev);
	err = next_event(c, &p, &ev);
	if (err)
		goto cleanup;
	if (ev.type != YAML_STREAM_END_EVENT)
		err = fail(c, ev.start_mark.line + 1, -EINVAL,
			   "a second YAML document; the file must hold one");
	yaml_event_delete(&ev);
cleanup:
	yaml_parser_delete(&p);
	if (err) {
		node_free(n);
		return err;
	}
	*root = n;
	return 0;
}

/* Absent, empty or null (~, null): the setting keeps its default, as an
 * empty field does in Go. */
static bool is_unset(const struct node *n)
{
	if (!n)
		return true;
	if (n->kind != NODE_SCALAR)
		return false;
	if (n->len == 0)
		return true;
	return n->plain && (strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
			    strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0);
}

/* Unset, [] or {}: nothing to act on. */
static bool is_empty(const struct node *n)
{
	return is_unset(n) || (n->kind != NODE_SCALAR && n->nkids == 0);
}

/* The key node (which == 0) or its value (which == 1), or NULL. */
static const struct node *map_find(const struct node *map, const char *key, size_t which)
{
	for (size_t i = 0; i + 1 < map->nkids; i += 2)
		if (map->kids[i]->kind == NODE_SCALAR && strcmp(map->kids[i]->str, key) == 0)
			return map->kids[i + which];
	return NULL;
}

static const struct node *map_get(const struct node *map, const char *key)
{
	return map_find(map, key, 1);
}

/* Strict: every key a string, known and given once. section is NULL for the
 * top level. */
static int check_keys(const struct ctx *c, const struct node *map, const char *section,
		      const char *const *allowed, const struct unsupported *unsup)
{
	char kb[64], list[512];

	for (size_t i = 0; i < map->nkids; i += 2) {
		const struct node *k = map->kids[i];

		if (k->kind != NODE_SCALAR)
			return fail(c, k->line, -EINVAL, "%s%skeys must be strings, not %s",
				    section ? section : "", section ? ": " : "", kind_name(k));
		for (const struct unsupported *u = unsup; u && u->key; u++)
			if (strcmp(k->str, u->key) == 0)
				return fail(c, k->line, -EINVAL,
					    "%s is not supported by dropmon; remove it (%s)",
					    u->key, u->hint);
		if (find(allowed, k->str) < 0)
			return fail(c, k->line, -EINVAL, "unknown key \"%s\"%s%s (allowed: %s)",
				    shown(k->str, kb, sizeof(kb)), section ? " in " : "",
				    section ? section : "", joined(allowed, list, sizeof(list)));
		for (size_t j = 0; j < i; j += 2)
			if (strcmp(map->kids[j]->str, k->str) == 0)
				return fail(c, k->line, -EINVAL,
					    "duplicate key \"%s\" (first on line %zu)", k->str,
					    map->kids[j]->line);
	}
	return 0;
}

/* A string setting: *out is NULL when unset. */
static int want_string(const struct ctx *c, const struct node *v, const char *what,
		       const char **out)
{
	*out = NULL;
	if (is_unset(v))
		return 0;
	if (v->kind != NODE_SCALAR)
		return fail(c, v->line, -EINVAL, "%s must be a string, not %s", what, kind_name(v));
	*out = v->str;
	return 0;
}

/* Only plain true and false: yaml.v2 would also take yes/on/True, which
 * nobody writes in these files, and a quoted "true" is a string. */
static int want_bool(const struct ctx *c, const struct node *v, const char *what, bool *out)
{
	if (!v)
		return 0;
	if (v->kind == NODE_SCALAR && v->plain && strcmp(v->str, "true") == 0)
		*out = true;
	else if (v->kind == NODE_SCALAR && v->plain && strcmp(v->str, "false") == 0)
		*out = false;
	else
		return fail(c, v->line, -EINVAL, "%s must be true or false", what);
	return 0;
}

/* A mapping section: *out is NULL when unset. */
static int want_map(const struct ctx *c, const struct node *v, const char *what,
		    const struct node **out)
{
	*out = NULL;
	if (is_unset(v))
		return 0;
	if (v->kind != NODE_MAP)
		return fail(c, v->line, -EINVAL, "%s must be a mapping, not %s", what,
			    kind_name(v));
	*out = v;
	return 0;
}

/* One of cert, key, client_ca: given inline or as a file, not both. */
struct pem_src {
	const char *name;
	const struct node *key; /* of whichever was given, for messages */
	const char *file;
	const char *inline_pem;
};

static int pem_pick(const struct ctx *c, const struct node *tls, const char *name,
		    struct pem_src *src)
{
	const struct node *fv, *iv;
	char file_key[32], what[64];
	int err;

	snprintf(file_key, sizeof(file_key), "%s_file", name);
	fv = map_get(tls, file_key);
	iv = map_get(tls, name);
	src->name = name;
	snprintf(what, sizeof(what), "tls_server_config.%s", file_key);
	err = want_string(c, fv, what, &src->file);
	if (err)
		return err;
	snprintf(what, sizeof(what), "tls_server_config.%s", name);
	err = want_string(c, iv, what, &src->inline_pem);
	if (err)
		return err;
	if (src->file && src->inline_pem)
		return fail(c, iv->line, -EINVAL, "tls_server_config: give %s or %s, not both",
			    name, file_key);
	/* A path in the inline field is an easy mistake; say so rather than
	 * leave it to GnuTLS's "base64 decoding error". */
	if (src->inline_pem && !strstr(src->inline_pem, "-----BEGIN "))
		return fail(c, iv->line, -EINVAL,
			    "tls_server_config.%s is not PEM; for a path use %s", name, file_key);
	/* An empty field ("key:") is as good as none: its key node is no
	 * source, or "cert: |..." with "key:" would pass for a pair and leave
	 * TLS with a certificate but no key. */
	src->key = src->file ? fv : src->inline_pem ? iv : NULL;
	return 0;
}

static int pem_load(const struct ctx *c, const struct pem_src *src, char **out)
{
	char *path = NULL, *text = NULL;
	const char *kind = NULL;
	char pb[256];
	size_t len = 0;
	int err = 0;

	if (src->inline_pem) {
		*out = strdup(src->inline_pem);
		return *out ? 0 : fail(c, 0, -ENOMEM, "out of memory");
	}
	if (!src->file)
		return 0;
	if (src->file[0] == '/' || !c->dir || !c->dir[0])
		path = strdup(src->file);
	else if (asprintf(&path, "%s/%s", c->dir, src->file) < 0)
		path = NULL;
	if (!path)
		return fail(c, 0, -ENOMEM, "out of memory");
	err = read_regular(path, &text, &len, &kind);
	shown(path, pb, sizeof(pb));
	if (err == -EINVAL && kind)
		err = fail(c, src->key->line, err,
			   "tls_server_config.%s_file %s: %s, not a regular file", src->name, pb,
			   kind);
	else if (err == -EFBIG)
		err = fail(c, src->key->line, err,
			   "tls_server_config.%s_file %s: larger than 1 MiB", src->name, pb);
	else if (err)
		err = fail(c, src->key->line, err, "tls_server_config.%s_file %s: %s", src->name,
			   pb, strerror(-err));
	else if (len == 0)
		err = fail(c, src->key->line, -EINVAL, "tls_server_config.%s_file %s: empty",
			   src->name, pb);
	/* The field is a C string: a NUL would cut it short (DER is not PEM). */
	else if (memchr(text, '\0', len))
		err = fail(c, src->key->line, -EINVAL,
			   "tls_server_config.%s_file %s: holds a NUL byte; PEM is wanted",
			   src->name, pb);
	if (!err) {
		*out = text;
		text = NULL;
	}
	free(text);
	free(path);
	return err;
}

static int want_choice(const struct ctx *c, const struct node *v, const char *what,
		       const char *const *list, int *out)
{
	char vb[64], lb[256];
	const char *s;
	int err, i;

	err = want_string(c, v, what, &s);
	if (err || !s)
		return err;
	i = find(list, s);
	if (i < 0)
		return fail(c, v->line, -EINVAL, "%s: unknown value \"%s\" (valid: %s)", what,
			    shown(s, vb, sizeof(vb)), joined(list, lb, sizeof(lb)));
	*out = i;
	return 0;
}

static int parse_sans(const struct ctx *c, const struct node *v, struct web_config *cfg)
{
	char sb[64];

	if (is_unset(v))
		return 0;
	if (v->kind != NODE_SEQ)
		return fail(c, v->line, -EINVAL,
			    "tls_server_config.client_allowed_sans must be a list, not %s",
			    kind_name(v));
	if (!v->nkids)
		return 0;
	cfg->allowed_sans = calloc(v->nkids, sizeof(*cfg->allowed_sans));
	if (!cfg->allowed_sans)
		return fail(c, 0, -ENOMEM, "out of memory");
	for (size_t i = 0; i < v->nkids; i++) {
		const struct node *s = v->kids[i];

		if (s->kind != NODE_SCALAR || is_unset(s))
			return fail(c, s->line, -EINVAL,
				    "tls_server_config.client_allowed_sans: items must be "
				    "non-empty strings");
		/* No certificate holds such a name; it can only be a typo. */
		if (has_ctl(s->str, s->len))
			return fail(c, s->line, -EINVAL,
				    "tls_server_config.client_allowed_sans: \"%s\" holds a "
				    "control character",
				    shown(s->str, sb, sizeof(sb)));
		cfg->allowed_sans[i] = strdup(s->str);
		if (!cfg->allowed_sans[i])
			return fail(c, 0, -ENOMEM, "out of memory");
		cfg->nallowed_sans++;
	}
	return 0;
}

static int parse_tls(const struct ctx *c, const struct node *section_key, const struct node *tls,
		     struct web_config *cfg)
{
	static const char *const allowed[] = { "cert_file",
					       "key_file",
					       "client_ca_file",
					       "cert",
					       "key",
					       "client_ca",
					       "client_auth_type",
					       "client_allowed_sans",
					       "min_version",
					       "max_version",
					       "prefer_server_cipher_suites",
					       NULL };
	static const struct unsupported unsup[] = {
		{ "cipher_suites", GNUTLS_HINT },
		{ "curve_preferences", GNUTLS_HINT },
		{ NULL, NULL },
	};
	struct pem_src cert = { 0 }, key = { 0 }, ca = { 0 };
	const struct node *auth_node = map_get(tls, "client_auth_type"), *v;
	/* Indexes into client_auths and versions: NoClientCert, TLS12, TLS13. */
	int auth = 0, vmin = 2, vmax = 3;
	bool settings = false, prefer = false;
	int err;

	err = check_keys(c, tls, "tls_server_config", allowed, unsup);
	if (err)
		return err;
	for (size_t i = 1; i < tls->nkids; i += 2)
		settings |= !is_empty(tls->kids[i]);

	err = pem_pick(c, tls, "cert", &cert);
	if (!err)
		err = pem_pick(c, tls, "key", &key);
	if (!err)
		err = pem_pick(c, tls, "client_ca", &ca);
	/* Go's toolkit still takes crypto/tls's old name for it. */
	if (!err && auth_node && auth_node->kind == NODE_SCALAR &&
	    strcmp(auth_node->str, "RequireClientCert") == 0)
		auth = find(client_auths, "RequireAnyClientCert");
	else if (!err)
		err = want_choice(c, auth_node, "tls_server_config.client_auth_type", client_auths,
				  &auth);
	if (!err)
		err = want_choice(c, map_get(tls, "min_version"), "tls_server_config.min_version",
				  versions, &vmin);
	if (!err)
		err = want_choice(c, map_get(tls, "max_version"), "tls_server_config.max_version",
				  versions, &vmax);
	if (!err)
		err = want_bool(c, map_get(tls, "prefer_server_cipher_suites"),
				"tls_server_config.prefer_server_cipher_suites", &prefer);
	if (!err)
		err = parse_sans(c, map_get(tls, "client_allowed_sans"), cfg);
	if (err)
		return err;
	cfg->client_auth = client_auth_values[auth];
	cfg->min_version = (enum web_tls_version)(WEB_TLS10 + vmin);
	cfg->max_version = (enum web_tls_version)(WEB_TLS10 + vmax);

	if (!cert.key != !key.key)
		return fail(c, (cert.key ? cert.key : key.key)->line, -EINVAL,
			    "tls_server_config: cert_file and key_file (or cert and key) must be "
			    "given together");
	if (!cert.key && settings)
		return fail(c, section_key->line, -EINVAL,
			    "tls_server_config needs cert_file and key_file (or cert and key)");
	if ((cfg->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT ||
	     cfg->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN) &&
	    !ca.key)
		return fail(c, auth_node->line, -EINVAL,
			    "tls_server_config: client_auth_type %s needs client_ca_file (or "
			    "client_ca)",
			    client_auths[auth]);
	/* As Go's toolkit: a CA with no policy that uses it is a mistake that
	 * would leave client certificates unchecked. */
	if ((ca.file || ca.inline_pem) && cfg->client_auth == WEB_NO_CLIENT_CERT)
		return fail(c, ca.key->line, -EINVAL,
			    "tls_server_config: a client CA is given but client_auth_type is "
			    "NoClientCert, so no client certificate would be checked; set "
			    "client_auth_type: RequireAndVerifyClientCert");
	if (cfg->nallowed_sans && cfg->client_auth != WEB_REQUIRE_ANY_CLIENT_CERT &&
	    cfg->client_auth != WEB_REQUIRE_AND_VERIFY_CLIENT_CERT)
		return fail(c, map_get(tls, "client_allowed_sans")->line, -EINVAL,
			    "tls_server_config: client_allowed_sans needs client_auth_type "
			    "RequireAnyClientCert or RequireAndVerifyClientCert");
	v = map_get(tls, "min_version");
	if (!v)
		v = map_get(tls, "max_version");
	if (cfg->min_version > cfg->max_version)
		return fail(c, v->line, -EINVAL,
			    "tls_server_config: min_version %s is above max_version %s",
			    versions[vmin], versions[vmax]);

	/* Files last: a mistake in the text is reported without I/O. */
	err = pem_load(c, &cert, &cfg->cert_pem);
	if (!err)
		err = pem_load(c, &key, &cfg->key_pem);
	if (!err)
		err = pem_load(c, &ca, &cfg->client_ca_pem);
	return err;
}

static int parse_headers(const struct ctx *c, const struct node *map, struct web_config *cfg)
{
	char kb[64], vb[64], list[256];
	const char *value;
	int err;

	for (size_t i = 0; i < map->nkids; i += 2) {
		const struct node *k = map->kids[i], *v = map->kids[i + 1];
		struct web_header *h;
		int idx = -1;

		if (k->kind != NODE_SCALAR)
			return fail(c, k->line, -EINVAL,
				    "http_server_config.headers: keys must be strings, not %s",
				    kind_name(k));
		for (int j = 0; header_names[j]; j++)
			if (strcasecmp(header_names[j], k->str) == 0)
				idx = j;
		if (idx < 0)
			return fail(c, k->line, -EINVAL,
				    "http_server_config.headers: header \"%s\" cannot be set "
				    "(allowed: %s)",
				    shown(k->str, kb, sizeof(kb)),
				    joined(header_names, list, sizeof(list)));
		for (size_t j = 0; j < i; j += 2)
			if (strcasecmp(map->kids[j]->str, k->str) == 0)
				return fail(c, k->line, -EINVAL,
					    "http_server_config.headers: duplicate header %s "
					    "(first on line %zu)",
					    header_names[idx], map->kids[j]->line);
		err = want_string(c, v, header_names[idx], &value);
		if (err)
			return err;
		if (!value)
			continue;
		/* A CR or LF would let the file add headers of its own. */
		if (has_ctl(value, v->len))
			return fail(c, v->line, -EINVAL,
				    "http_server_config.headers: %s holds a control character",
				    header_names[idx]);
		if (idx == 1 && strcasecmp(value, "deny") != 0 &&
		    strcasecmp(value, "sameorigin") != 0)
			return fail(c, v->line, -EINVAL,
				    "http_server_config.headers: X-Frame-Options must be deny or "
				    "sameorigin, not \"%s\"",
				    shown(value, vb, sizeof(vb)));
		if (idx == 2 && strcasecmp(value, "nosniff") != 0)
			return fail(c, v->line, -EINVAL,
				    "http_server_config.headers: X-Content-Type-Options must be "
				    "nosniff, not \"%s\"",
				    shown(value, vb, sizeof(vb)));
		if (!cfg->headers) {
			cfg->headers = calloc(ARRAY_SIZE(header_names) - 1, sizeof(*cfg->headers));
			if (!cfg->headers)
				return fail(c, 0, -ENOMEM, "out of memory");
		}
		h = &cfg->headers[cfg->nheaders];
		h->name = strdup(header_names[idx]);
		h->value = strdup(value);
		/* Counted now so that web_config_free sees a half-made one. */
		cfg->nheaders++;
		if (!h->name || !h->value)
			return fail(c, 0, -ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_http(const struct ctx *c, const struct node *http, struct web_config *cfg)
{
	static const char *const allowed[] = { "http2", "headers", NULL };
	const struct node *headers;
	bool http2 = false;
	int err;

	err = check_keys(c, http, "http_server_config", allowed, NULL);
	if (!err)
		/* We serve HTTP/1.1 either way. */
		err = want_bool(c, map_get(http, "http2"), "http_server_config.http2", &http2);
	if (!err)
		err = want_map(c, map_get(http, "headers"), "http_server_config.headers", &headers);
	if (!err && headers)
		err = parse_headers(c, headers, cfg);
	return err;
}

/* $2a$, $2b$ or $2y$, a two-digit cost, '$', then 22 characters of salt and
 * 31 of hash in bcrypt's base64. Only the shape: libxcrypt checks the rest. */
static bool is_bcrypt(const char *h, size_t len)
{
	static const char alphabet[] =
	    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	if (len != 60 || h[0] != '$' || h[1] != '2' ||
	    (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$')
		return false;
	if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	for (size_t i = 7; i < len; i++)
		if (!h[i] || !strchr(alphabet, h[i]))
			return false;
	return true;
}

static int parse_users(const struct ctx *c, const struct node *map, struct web_config *cfg)
{
	char ub[64];

	if (!map->nkids)
		return 0;
	cfg->users = calloc(map->nkids / 2, sizeof(*cfg->users));
	if (!cfg->users)
		return fail(c, 0, -ENOMEM, "out of memory");
	for (size_t i = 0; i < map->nkids; i += 2) {
		const struct node *k = map->kids[i], *v = map->kids[i + 1];
		struct web_user *u;

		if (k->kind != NODE_SCALAR || is_unset(k))
			return fail(c, k->line, -EINVAL,
				    "basic_auth_users: user names must be non-empty strings");
		/* Basic auth splits "user:password" at the first ':'. */
		if (strchr(k->str, ':') || has_ctl(k->str, k->len))
			return fail(c, k->line, -EINVAL,
				    "basic_auth_users: user name \"%s\" holds ':' or a control "
				    "character",
				    shown(k->str, ub, sizeof(ub)));
		for (size_t j = 0; j < i; j += 2)
			if (strcmp(map->kids[j]->str, k->str) == 0)
				return fail(c, k->line, -EINVAL,
					    "basic_auth_users: duplicate user \"%s\" (first on "
					    "line %zu)",
					    k->str, map->kids[j]->line);
		/* The hash itself stays out of messages: they go to logs. */
		if (v->kind != NODE_SCALAR || !is_bcrypt(v->str, v->len))
			return fail(c, v->line, -EINVAL,
				    "basic_auth_users: the password of user \"%s\" is not a bcrypt "
				    "hash ($2a$, $2b$ or $2y$, cost 04 to 31, 60 characters)",
				    k->str);
		u = &cfg->users[cfg->nusers];
		u->name = strdup(k->str);
		u->hash = strdup(v->str);
		cfg->nusers++;
		if (!u->name || !u->hash)
			return fail(c, 0, -ENOMEM, "out of memory");
	}
	return 0;
}

static int parse(const struct ctx *c, struct web_config **out)
{
	static const char *const allowed[] = { "tls_server_config", "http_server_config",
					       "basic_auth_users", NULL };
	static const struct unsupported unsup[] = {
		{ "rate_limit", "use --web.max-connections and --web.max-connections-per-ip" },
		{ NULL, NULL },
	};
	struct web_config *cfg = NULL;
	const struct node *sec, *key;
	struct node *root = NULL;
	int err;

	err = load_tree(c, &root);
	if (err)
		return err;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		err = fail(c, 0, -ENOMEM, "out of memory");
		goto cleanup;
	}
	cfg->client_auth = WEB_NO_CLIENT_CERT;
	cfg->min_version = WEB_TLS12;
	cfg->max_version = WEB_TLS13;
	/* An empty file, or one with only comments, is an empty config. */
	if (is_unset(root))
		goto cleanup;
	if (root->kind != NODE_MAP) {
		err = fail(c, root->line, -EINVAL, "the top level must be a mapping, not %s",
			   kind_name(root));
		goto cleanup;
	}
	err = check_keys(c, root, NULL, allowed, unsup);
	if (err)
		goto cleanup;
	key = map_find(root, "tls_server_config", 0);
	err = want_map(c, map_get(root, "tls_server_config"), "tls_server_config", &sec);
	if (!err && sec)
		err = parse_tls(c, key, sec, cfg);
	if (err)
		goto cleanup;
	err = want_map(c, map_get(root, "http_server_config"), "http_server_config", &sec);
	if (!err && sec)
		err = parse_http(c, sec, cfg);
	if (err)
		goto cleanup;
	err = want_map(c, map_get(root, "basic_auth_users"), "basic_auth_users", &sec);
	if (!err && sec)
		err = parse_users(c, sec, cfg);
cleanup:
	node_free(root);
	if (err) {
		web_config_free(cfg);
		return err;
	}
	*out = cfg;
	return 0;
}

int web_config_parse(const char *text, size_t len, const char *dir, struct web_config **out,
		     char *err, size_t errlen)
{
	struct ctx c = { .dir = dir, .text = text, .len = len, .err = err, .errlen = errlen };

	if (err && errlen)
		err[0] = '\0';
	if (!out || (!text && len))
		return fail(&c, 0, -EINVAL, "no text to parse");
	return parse(&c, out);
}

int web_config_load(const char *path, struct web_config **out, char *err, size_t errlen)
{
	struct ctx c = { .path = path, .err = err, .errlen = errlen };
	char *text = NULL, *dir = NULL;
	const char *slash, *kind = NULL;
	size_t len = 0;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	if (!path || !out)
		return fail(&c, 0, -EINVAL, "no file to load");
	ret = read_regular(path, &text, &len, &kind);
	if (ret == -EINVAL && kind) {
		fail(&c, 0, ret, "%s, not a regular file", kind);
		goto cleanup;
	}
	if (ret == -EFBIG) {
		fail(&c, 0, ret, "larger than 1 MiB");
		goto cleanup;
	}
	if (ret) {
		fail(&c, 0, ret, "%s", strerror(-ret));
		goto cleanup;
	}
	slash = strrchr(path, '/');
	if (!slash)
		dir = strdup(".");
	else
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir) {
		ret = fail(&c, 0, -ENOMEM, "out of memory");
		goto cleanup;
	}
	c.dir = dir;
	c.text = text;
	c.len = len;
	ret = parse(&c, out);
cleanup:
	free(dir);
	if (text)
		explicit_bzero(text, len);
	free(text);
	return ret;
}

void web_config_free(struct web_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->cert_pem);
	if (cfg->key_pem)
		explicit_bzero(cfg->key_pem, strlen(cfg->key_pem));
	free(cfg->key_pem);
	free(cfg->client_ca_pem);
	for (size_t i = 0; i < cfg->nallowed_sans; i++)
		free(cfg->allowed_sans[i]);
	free(cfg->allowed_sans);
	for (size_t i = 0; i < cfg->nheaders; i++) {
		free(cfg->headers[i].name);
		free(cfg->headers[i].value);
	}
	free(cfg->headers);
	for (size_t i = 0; i < cfg->nusers; i++) {
		free(cfg->users[i].name);
		free(cfg->users[i].hash);
	}
	free(cfg->users);
	free(cfg);
}
