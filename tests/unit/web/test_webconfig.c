// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for webconfig: the exporter-toolkit web config, parsed from
 * inline YAML against PEM files in a temporary directory, every rule's error
 * with its line, and web_config_load on real files with relative paths. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "webconfig.h"
#include "testfs.h"

#define MIB (1024 * 1024)

#define CERT_PEM "-----BEGIN CERTIFICATE-----\nMIIBserver\n-----END CERTIFICATE-----\n"
#define KEY_PEM "-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n"
#define CA_PEM "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n"

/* 60 characters: "$2y$10$", 22 of salt, 31 of hash. */
#define HASH "$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze"

/* cert and key, for the rules that need TLS on. */
#define TLS_ON "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"

struct tmp {
	char dir[64];
};

static int write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return testfs_write(path, data, len);
}

/* A file of n bytes of 'A', for the size limit. */
static int write_big(const char *dir, const char *name, size_t n)
{
	char *buf = malloc(n);
	int err;

	if (!buf)
		return -ENOMEM;
	memset(buf, 'A', n);
	err = write_file(dir, name, buf, n);
	free(buf);
	return err;
}

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	char conf[128];

	if (!t)
		return -1;
	if (testfs_mkdir(t->dir, sizeof(t->dir), "webconfig")) {
		free(t);
		return -1;
	}
	*state = t;
	snprintf(conf, sizeof(conf), "%s/conf", t->dir);
	if (write_file(t->dir, "server.crt", CERT_PEM, strlen(CERT_PEM)) ||
	    write_file(t->dir, "server.key", KEY_PEM, strlen(KEY_PEM)) ||
	    write_file(t->dir, "ca.crt", CA_PEM, strlen(CA_PEM)) ||
	    write_file(t->dir, "empty.pem", "", 0) ||
	    write_file(t->dir, "nul.pem", "-----BEGIN\0", 11) ||
	    write_big(t->dir, "max.pem", MIB) || write_big(t->dir, "big.pem", MIB + 1) ||
	    mkdir(conf, 0700))
		return -1;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	int err = testfs_rmtree(t->dir);

	free(t);
	return err;
}

static const char *tmp_dir(void **state)
{
	return ((struct tmp *)*state)->dir;
}

static struct web_config *parse_ok(const char *dir, const char *yaml)
{
	struct web_config *cfg = NULL;
	char err[512] = "not written";
	int ret = web_config_parse(yaml, strlen(yaml), dir, &cfg, err, sizeof(err));

	if (ret != 0) {
		print_error("%s\nreturned %d: %s\n", yaml, ret, err);
		fail();
	}
	assert_non_null(cfg);
	assert_string_equal(err, "");
	return cfg;
}

/* Parses yaml expecting ret, with every needle (up to NULL) in the message
 * and *out left alone. */
static void check_error(const char *dir, const char *yaml, int want, ...)
{
	struct web_config untouched, *cfg = &untouched;
	char err[512];
	const char *needle, *missing = NULL;
	va_list ap;
	int ret;

	memset(err, 'Z', sizeof(err));
	ret = web_config_parse(yaml, strlen(yaml), dir, &cfg, err, sizeof(err));
	assert_ptr_equal(cfg, &untouched);
	assert_non_null(memchr(err, '\0', sizeof(err)));
	if (ret != want) {
		print_error("%s\nreturned %d, want %d: %s\n", yaml, ret, want, err);
		fail();
	}
	/* One line, as it goes into a log. */
	assert_null(strchr(err, '\n'));
	va_start(ap, want);
	while ((needle = va_arg(ap, const char *)))
		if (!strstr(err, needle) && !missing)
			missing = needle;
	va_end(ap);
	if (missing) {
		print_error("%s\nmessage \"%s\" lacks \"%s\"\n", yaml, err, missing);
		fail();
	}
}

#define expect_error(dir, yaml, ret, ...) check_error(dir, yaml, ret, __VA_ARGS__, NULL)

static void test_full(void **state)
{
	const char *yaml =
	    "# dropmon's web config\n"
	    "tls_server_config:\n"
	    "  cert_file: server.crt\n"
	    "  key_file: server.key\n"
	    "  client_ca_file: ca.crt\n"
	    "  client_auth_type: RequireAndVerifyClientCert\n"
	    "  client_allowed_sans: [a.example, 10.0.0.1]\n"
	    "  min_version: TLS11\n"
	    "  max_version: TLS12\n"
	    "  prefer_server_cipher_suites: true\n"
	    "http_server_config:\n"
	    "  http2: false\n"
	    "  headers:\n"
	    "    Content-Security-Policy: \"default-src 'self'\"\n"
	    "    x-frame-options: SAMEORIGIN\n"
	    "    X-Content-Type-Options: nosniff\n"
	    "    X-XSS-PROTECTION: \"1; mode=block\"\n"
	    "    Strict-Transport-Security: max-age=31536000\n"
	    "basic_auth_users:\n"
	    "  alice: " HASH "\n"
	    "  \"bob smith\": '$2b$04$abcdefghijklmnopqrstuv./ABCDEFGHIJKLMNOPQRSTUVWXYZ012'\n";
	struct web_config *cfg = parse_ok(tmp_dir(state), yaml);

	assert_string_equal(cfg->cert_pem, CERT_PEM);
	assert_string_equal(cfg->key_pem, KEY_PEM);
	assert_string_equal(cfg->client_ca_pem, CA_PEM);
	assert_int_equal(cfg->client_auth, WEB_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_int_equal(cfg->nallowed_sans, 2);
	assert_string_equal(cfg->allowed_sans[0], "a.example");
	assert_string_equal(cfg->allowed_sans[1], "10.0.0.1");
	assert_int_equal(cfg->min_version, WEB_TLS11);
	assert_int_equal(cfg->max_version, WEB_TLS12);
	assert_int_equal(cfg->nheaders, 5);
	assert_string_equal(cfg->headers[0].name, "Content-Security-Policy");
	assert_string_equal(cfg->headers[0].value, "default-src 'self'");
	assert_string_equal(cfg->headers[1].name, "X-Frame-Options");
	assert_string_equal(cfg->headers[1].value, "SAMEORIGIN");
	assert_string_equal(cfg->headers[2].name, "X-Content-Type-Options");
	assert_string_equal(cfg->headers[2].value, "nosniff");
	assert_string_equal(cfg->headers[3].name, "X-XSS-Protection");
	assert_string_equal(cfg->headers[3].value, "1; mode=block");
	assert_string_equal(cfg->headers[4].name, "Strict-Transport-Security");
	assert_string_equal(cfg->headers[4].value, "max-age=31536000");
	assert_int_equal(cfg->nusers, 2);
	assert_string_equal(cfg->users[0].name, "alice");
	assert_string_equal(cfg->users[0].hash, HASH);
	assert_string_equal(cfg->users[1].name, "bob smith");
	assert_string_equal(cfg->users[1].hash,
			    "$2b$04$abcdefghijklmnopqrstuv./ABCDEFGHIJKLMNOPQRSTUVWXYZ012");
	web_config_free(cfg);
}

static void test_inline_pem(void **state)
{
	const char *yaml = "tls_server_config:\n"
			   "  cert: |\n"
			   "    -----BEGIN CERTIFICATE-----\n"
			   "    MIIBserver\n"
			   "    -----END CERTIFICATE-----\n"
			   "  key: |-\n"
			   "    -----BEGIN PRIVATE KEY-----\n"
			   "    MIIEkey\n"
			   "    -----END PRIVATE KEY-----\n"
			   "  client_ca: \"-----BEGIN CERTIFICATE-----\\nMIIBca\\n"
			   "-----END CERTIFICATE-----\\n\"\n"
			   "  client_auth_type: VerifyClientCertIfGiven\n";
	struct web_config *cfg = parse_ok(tmp_dir(state), yaml);

	assert_string_equal(cfg->cert_pem, CERT_PEM);
	/* |- strips the final newline. */
	assert_string_equal(cfg->key_pem,
			    "-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----");
	assert_string_equal(cfg->client_ca_pem, CA_PEM);
	assert_int_equal(cfg->client_auth, WEB_VERIFY_CLIENT_CERT_IF_GIVEN);
	web_config_free(cfg);
}

static void assert_empty_config(const struct web_config *cfg)
{
	assert_null(cfg->cert_pem);
	assert_null(cfg->key_pem);
	assert_null(cfg->client_ca_pem);
	assert_int_equal(cfg->client_auth, WEB_NO_CLIENT_CERT);
	assert_null(cfg->allowed_sans);
	assert_int_equal(cfg->nallowed_sans, 0);
	assert_int_equal(cfg->min_version, WEB_TLS12);
	assert_int_equal(cfg->max_version, WEB_TLS13);
	assert_null(cfg->headers);
	assert_int_equal(cfg->nheaders, 0);
	assert_null(cfg->users);
	assert_int_equal(cfg->nusers, 0);
}

static void test_empty(void **state)
{
	static const char *const empties[] = {
		"",
		"# nothing here yet\n\n   # still nothing\n",
		"---\n",
		"{}\n",
		"tls_server_config:\nhttp_server_config: {}\nbasic_auth_users: ~\n",
		/* Templated files leave fields empty: that is "unset", as in Go. */
		"tls_server_config:\n  cert_file: \"\"\n  key_file: ~\n  client_ca: null\n",
		"http_server_config:\n  headers:\n    X-Frame-Options: ''\n",
		"tls_server_config:\n  client_allowed_sans: []\n",
	};
	struct web_config *cfg = NULL;
	char err[64];

	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		cfg = parse_ok(tmp_dir(state), empties[i]);
		assert_empty_config(cfg);
		web_config_free(cfg);
	}
	/* No text at all. */
	cfg = NULL;
	assert_int_equal(web_config_parse(NULL, 0, NULL, &cfg, err, sizeof(err)), 0);
	assert_empty_config(cfg);
	web_config_free(cfg);
	web_config_free(NULL);
}

static void test_defaults(void **state)
{
	struct web_config *cfg = parse_ok(tmp_dir(state), TLS_ON);

	assert_string_equal(cfg->cert_pem, CERT_PEM);
	assert_string_equal(cfg->key_pem, KEY_PEM);
	assert_null(cfg->client_ca_pem);
	assert_int_equal(cfg->client_auth, WEB_NO_CLIENT_CERT);
	assert_int_equal(cfg->min_version, WEB_TLS12);
	assert_int_equal(cfg->max_version, WEB_TLS13);
	assert_null(cfg->allowed_sans);
	assert_null(cfg->headers);
	assert_null(cfg->users);
	web_config_free(cfg);

	/* A client CA and no policy using it would check nothing: refused, as
	 * Go's toolkit does, whether the policy is left out or explicit. */
	check_error(tmp_dir(state), TLS_ON "  client_ca_file: ca.crt\n", -EINVAL,
		    "line 4:", "client_auth_type is NoClientCert", NULL);
	check_error(tmp_dir(state),
		    TLS_ON "  client_auth_type: NoClientCert\n  client_ca: \"-----BEGIN "
			   "CERTIFICATE-----\"\n",
		    -EINVAL, "line 5:", "no client certificate would be checked", NULL);

	/* Go's old name for RequireAnyClientCert; SANs are allowed with it. */
	cfg = parse_ok(tmp_dir(state), TLS_ON "  client_auth_type: RequireClientCert\n"
					      "  client_allowed_sans:\n"
					      "    - b.example\n");
	assert_int_equal(cfg->client_auth, WEB_REQUIRE_ANY_CLIENT_CERT);
	assert_int_equal(cfg->nallowed_sans, 1);
	assert_string_equal(cfg->allowed_sans[0], "b.example");
	web_config_free(cfg);

	cfg = parse_ok(tmp_dir(state), TLS_ON "  client_auth_type: RequestClientCert\n"
					      "  min_version: TLS13\n");
	assert_int_equal(cfg->client_auth, WEB_REQUEST_CLIENT_CERT);
	assert_int_equal(cfg->min_version, WEB_TLS13);
	assert_int_equal(cfg->max_version, WEB_TLS13);
	web_config_free(cfg);
}

static void test_unknown_keys(void **state)
{
	const char *dir = tmp_dir(state);

	expect_error(dir, "\n\nhttp_config: {}\n", -EINVAL, "line 3:", "\"http_config\"",
		     "allowed: tls_server_config, http_server_config, basic_auth_users");
	expect_error(dir, TLS_ON "  client_cert_file: x\n", -EINVAL,
		     "line 4:", "\"client_cert_file\" in tls_server_config", "client_ca_file");
	expect_error(dir, "http_server_config:\n  http3: true\n", -EINVAL, "line 2:", "\"http3\"",
		     "in http_server_config (allowed: http2, headers)");
	expect_error(dir, "http_server_config:\n  headers:\n    Server: dropmon\n", -EINVAL,
		     "line 3:", "\"Server\" cannot be set", "X-XSS-Protection");
	/* Keys that are not strings. */
	expect_error(dir, "? [a, b]\n: c\n", -EINVAL, "line 1:", "keys must be strings");
	/* A control character in a key is not printed as is. */
	expect_error(dir, "\"a\\eb\": 1\n", -EINVAL, "unknown key \"a?b\"");
}

static void test_duplicate_keys(void **state)
{
	const char *dir = tmp_dir(state);

	expect_error(dir, "basic_auth_users: {}\nhttp_server_config: {}\nbasic_auth_users: {}\n",
		     -EINVAL, "line 3:", "duplicate key \"basic_auth_users\" (first on line 1)");
	expect_error(dir, TLS_ON "  min_version: TLS12\n  min_version: TLS13\n", -EINVAL,
		     "line 5:", "duplicate key \"min_version\"");
	expect_error(dir,
		     "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
		     "    x-frame-OPTIONS: deny\n",
		     -EINVAL, "line 4:", "duplicate header X-Frame-Options (first on line 3)");
	expect_error(dir,
		     "basic_auth_users:\n  alice: " HASH "\n  bob: " HASH "\n  alice: " HASH "\n",
		     -EINVAL, "line 4:", "duplicate user \"alice\" (first on line 2)");
}

static void test_yaml_syntax(void **state)
{
	const char *dir = tmp_dir(state);

	expect_error(dir, "tls_server_config:\n  client_allowed_sans: [a, b\n", -EINVAL,
		     "line 3:", "did not find expected ',' or ']'", "from line 2)");
	expect_error(dir, "basic_auth_users:\n  alice: x\n bob: y\n", -EINVAL, "line 3:");
	expect_error(dir, "a: 'unterminated\n", -EINVAL, "line 2:", "quoted scalar");
	/* Tabs cannot indent YAML; say so rather than only "cannot start any token". */
	expect_error(dir, "tls_server_config:\n\tcert_file: server.crt\n", -EINVAL,
		     "line 2:", "cannot start any token", "not tabs");
	/* libyaml checks the encoding too. */
	expect_error(dir, "basic_auth_users:\n  \xff\xfe: x\n", -EINVAL, "invalid");
}

static void test_structure(void **state)
{
	const char *dir = tmp_dir(state);
	char deep[128];

	expect_error(dir, "basic_auth_users: {}\n---\nbasic_auth_users: {}\n", -EINVAL,
		     "line 2:", "second YAML document");
	expect_error(dir, "just a string\n", -EINVAL,
		     "line 1:", "top level must be a mapping, not a string");
	expect_error(dir, "\n- tls_server_config\n", -EINVAL, "line 2:", "not a list");
	expect_error(dir, "tls_server_config: &tls\n  cert_file: a\n", -EINVAL,
		     "line 1:", "anchors");
	expect_error(dir, "x: &a 1\n", -EINVAL, "anchors");
	expect_error(dir, "basic_auth_users:\n  alice: *hash\n", -EINVAL, "line 2:", "aliases");
	expect_error(dir, "tls_server_config: !!binary aGVsbG8=\n", -EINVAL, "line 1:", "tags");
	/* Wrong types. */
	expect_error(dir, "tls_server_config: [cert_file]\n", -EINVAL,
		     "line 1:", "tls_server_config must be a mapping, not a list");
	expect_error(dir, "tls_server_config:\n  cert_file: {path: a}\n  key_file: b\n", -EINVAL,
		     "line 2:", "tls_server_config.cert_file must be a string, not a mapping");
	expect_error(dir, TLS_ON "  client_allowed_sans: a.example\n", -EINVAL,
		     "line 4:", "client_allowed_sans must be a list, not a string");
	expect_error(dir, TLS_ON "  client_allowed_sans: [[a]]\n", -EINVAL,
		     "line 4:", "non-empty strings");
	expect_error(dir, TLS_ON "  client_allowed_sans: [\"a\\nb\"]\n", -EINVAL,
		     "line 4:", "control character");
	expect_error(dir, "basic_auth_users: alice\n", -EINVAL,
		     "line 1:", "basic_auth_users must be a mapping, not a string");
	expect_error(dir, "http_server_config:\n  headers: [X-Frame-Options]\n", -EINVAL,
		     "line 2:", "headers must be a mapping, not a list");
	expect_error(dir, "http_server_config:\n  headers:\n    X-Frame-Options: [deny]\n", -EINVAL,
		     "line 3:", "X-Frame-Options must be a string, not a list");
	/* The recursion is bounded. */
	memset(deep, '[', 60);
	memset(deep + 60, ']', 60);
	deep[120] = '\0';
	expect_error(dir, deep, -EINVAL, "line 1:", "nested more than");
}

static void test_nul(void **state)
{
	const char *dir = tmp_dir(state);

	expect_error(dir, "tls_server_config:\n  cert_file: \"server.crt\\0.pem\"\n", -EINVAL,
		     "line 2:", "NUL");
	expect_error(dir, "\"basic_auth_users\\0\": {}\n", -EINVAL, "line 1:", "NUL");
	/* Nor from a file: the field is a C string. */
	expect_error(dir, "tls_server_config:\n  cert_file: nul.pem\n  key_file: server.key\n",
		     -EINVAL, "line 2:", "nul.pem", "NUL");
}

static void test_booleans(void **state)
{
	static const char *const bad[] = { "yes", "no",	      "True",	 "FALSE", "on",
					   "1",	  "\"true\"", "'false'", "~",	  "[true]" };
	const char *dir = tmp_dir(state);
	struct web_config *cfg;
	char yaml[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "# x\nhttp_server_config:\n  http2: %s\n", bad[i]);
		expect_error(dir, yaml, -EINVAL,
			     "line 3:", "http_server_config.http2 must be true or false");
	}
	expect_error(dir, TLS_ON "  prefer_server_cipher_suites: yes\n", -EINVAL,
		     "line 4:", "prefer_server_cipher_suites must be true or false");
	cfg = parse_ok(dir, "http_server_config:\n  http2: true\n");
	web_config_free(cfg);
	cfg = parse_ok(dir, TLS_ON "  prefer_server_cipher_suites: false\n");
	web_config_free(cfg);
}

static void test_unsupported(void **state)
{
	const char *dir = tmp_dir(state);

	expect_error(dir, TLS_ON "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", -EINVAL, "line 4:",
		     "cipher_suites is not supported by dropmon; remove it (GnuTLS's defaults are "
		     "used)");
	expect_error(dir, TLS_ON "  curve_preferences: [X25519]\n", -EINVAL, "line 4:",
		     "curve_preferences is not supported by dropmon; remove it (GnuTLS's "
		     "defaults are used)");
	expect_error(dir, "rate_limit:\n  interval: 1s\n  burst: 10\n", -EINVAL, "line 1:",
		     "rate_limit is not supported by dropmon; remove it (use "
		     "--web.max-connections and --web.max-connections-per-ip)");
	/* Only where the toolkit has them: elsewhere they are unknown. */
	expect_error(dir, "cipher_suites: []\n", -EINVAL, "unknown key \"cipher_suites\"");
}

static void test_tls_rules(void **state)
{
	const char *dir = tmp_dir(state);

	expect_error(dir, "tls_server_config:\n  cert_file: server.crt\n", -EINVAL,
		     "line 2:", "cert_file and key_file (or cert and key) must be given together");
	expect_error(dir, "tls_server_config:\n  min_version: TLS13\n  key: |\n    -----BEGIN x\n",
		     -EINVAL, "line 3:", "must be given together");
	expect_error(dir, "\ntls_server_config:\n  client_auth_type: RequireAnyClientCert\n",
		     -EINVAL, "line 2:", "tls_server_config needs cert_file and key_file");
	expect_error(dir, "tls_server_config:\n  client_ca_file: ca.crt\n", -EINVAL,
		     "line 1:", "needs cert_file and key_file");
	expect_error(dir, "tls_server_config:\n  prefer_server_cipher_suites: false\n", -EINVAL,
		     "needs cert_file and key_file");
	expect_error(dir, TLS_ON "  client_auth_type: RequireAndVerifyClientCert\n", -EINVAL,
		     "line 4:", "RequireAndVerifyClientCert needs client_ca_file (or client_ca)");
	expect_error(dir, TLS_ON "  client_auth_type: VerifyClientCertIfGiven\n", -EINVAL,
		     "line 4:", "VerifyClientCertIfGiven needs client_ca_file");
	expect_error(dir,
		     TLS_ON
		     "  client_ca_file: ca.crt\n  client_auth_type: VerifyClientCertIfGiven\n"
		     "  client_allowed_sans: [a.example]\n",
		     -EINVAL, "line 6:",
		     "client_allowed_sans needs client_auth_type RequireAnyClientCert or "
		     "RequireAndVerifyClientCert");
	expect_error(dir, TLS_ON "  client_allowed_sans: [a.example]\n", -EINVAL,
		     "line 4:", "client_allowed_sans needs client_auth_type");
	expect_error(dir, TLS_ON "  client_auth_type: requireanyclientcert\n", -EINVAL,
		     "line 4:", "unknown value \"requireanyclientcert\"",
		     "valid: NoClientCert, RequestClientCert, RequireAnyClientCert, "
		     "VerifyClientCertIfGiven, RequireAndVerifyClientCert");
	expect_error(dir, TLS_ON "  min_version: TLS13\n  max_version: TLS12\n", -EINVAL,
		     "line 4:", "min_version TLS13 is above max_version TLS12");
	/* min_version left at TLS12: the line is max_version's. */
	expect_error(dir, TLS_ON "  max_version: TLS11\n", -EINVAL,
		     "line 4:", "min_version TLS12 is above max_version TLS11");
	expect_error(dir, TLS_ON "  min_version: TLS1.2\n", -EINVAL, "line 4:",
		     "min_version: unknown value \"TLS1.2\" (valid: TLS10, TLS11, TLS12, TLS13)");
	expect_error(dir, TLS_ON "  max_version: tls13\n", -EINVAL,
		     "line 4:", "max_version: unknown value");
	/* Inline and file both. */
	expect_error(dir, TLS_ON "  cert: \"-----BEGIN CERTIFICATE-----\"\n", -EINVAL,
		     "line 4:", "give cert or cert_file, not both");
	expect_error(
	    dir, TLS_ON "  client_ca_file: ca.crt\n  client_ca: \"-----BEGIN CERTIFICATE-----\"\n",
	    -EINVAL, "line 5:", "give client_ca or client_ca_file, not both");
	expect_error(dir, "tls_server_config:\n  cert: server.crt\n  key_file: server.key\n",
		     -EINVAL, "line 2:", "tls_server_config.cert is not PEM", "cert_file");
	/* An empty field is none (tests/fuzz found the first: a certificate
	 * and no key), also beside another setting or a policy needing it. */
	expect_error(dir,
		     "tls_server_config:\n  cert: |\n    -----BEGIN CERTIFICATE-----\n"
		     "    MIIBserver\n  key:\n",
		     -EINVAL, "line 2:", "must be given together");
	expect_error(
	    dir, "tls_server_config:\n  cert_file: \"\"\n  key_file: ''\n  min_version: TLS13\n",
	    -EINVAL, "line 1:", "needs cert_file and key_file");
	expect_error(dir, TLS_ON "  client_ca:\n  client_auth_type: RequireAndVerifyClientCert\n",
		     -EINVAL, "line 5:", "RequireAndVerifyClientCert needs client_ca_file");
}

static void test_files(void **state)
{
	const char *dir = tmp_dir(state);
	struct web_config *cfg;
	char yaml[256];

	expect_error(
	    dir, TLS_ON "  client_ca_file: missing.crt\n  client_auth_type: RequireAnyClientCert\n",
	    -ENOENT, "line 4:", "tls_server_config.client_ca_file", "/missing.crt",
	    "No such file or directory");
	expect_error(dir, "tls_server_config:\n  cert_file: big.pem\n  key_file: server.key\n",
		     -EFBIG, "line 2:", "big.pem", "larger than 1 MiB");
	expect_error(dir, "tls_server_config:\n  cert_file: server.crt\n  key_file: empty.pem\n",
		     -EINVAL, "line 3:", "empty.pem", "empty");
	expect_error(dir, "tls_server_config:\n  cert_file: .\n  key_file: server.key\n", -EISDIR,
		     "line 2:", "Is a directory");
	/* Exactly the limit is fine. */
	cfg = parse_ok(dir, "tls_server_config:\n  cert_file: max.pem\n  key_file: server.key\n");
	assert_int_equal(strlen(cfg->cert_pem), MIB);
	web_config_free(cfg);
	/* Relative paths start at dir, absolute ones do not. */
	snprintf(yaml, sizeof(yaml),
		 "tls_server_config:\n  cert_file: %s/server.crt\n"
		 "  key_file: %s/server.key\n",
		 dir, dir);
	cfg = parse_ok("/nonexistent", yaml);
	assert_string_equal(cfg->cert_pem, CERT_PEM);
	assert_string_equal(cfg->key_pem, KEY_PEM);
	web_config_free(cfg);
	expect_error("/nonexistent", TLS_ON, -ENOENT, "/nonexistent/server.crt");
}

static void test_headers(void **state)
{
	static const char *const bad[] = { "\"max-age=1\\r\\nSet-Cookie: a=b\"",
					   "\"max-age=1\\nX: y\"", "\"a\\tb\"", "\"a\\x7fb\"" };
	const char *dir = tmp_dir(state);
	struct web_config *cfg;
	char yaml[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml),
			 "http_server_config:\n  headers:\n    strict-transport-security: %s\n",
			 bad[i]);
		expect_error(dir, yaml, -EINVAL,
			     "line 3:", "Strict-Transport-Security holds a control character");
	}
	expect_error(dir, "http_server_config:\n  headers:\n    X-Frame-Options: allow-from x\n",
		     -EINVAL, "line 3:", "X-Frame-Options must be deny or sameorigin",
		     "\"allow-from x\"");
	expect_error(dir, "http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff2\n",
		     -EINVAL, "line 3:", "X-Content-Type-Options must be nosniff");

	cfg = parse_ok(dir, "http_server_config:\n  headers:\n"
			    "    X-FRAME-OPTIONS: Deny\n"
			    "    Content-Security-Policy: ''\n"
			    "    x-content-type-options: NoSniff\n");
	assert_int_equal(cfg->nheaders, 2);
	assert_string_equal(cfg->headers[0].name, "X-Frame-Options");
	assert_string_equal(cfg->headers[0].value, "Deny");
	assert_string_equal(cfg->headers[1].name, "X-Content-Type-Options");
	assert_string_equal(cfg->headers[1].value, "NoSniff");
	web_config_free(cfg);
}

static void test_users(void **state)
{
	/* Each is HASH with one thing wrong. */
	static const char *const bad[] = {
		"$2x$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze",	 /* prefix */
		"$1$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPzee",	 /* prefix */
		"$2y$03$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze",	 /* cost */
		"$2y$32$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze",	 /* cost */
		"$2y$1a$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze",	 /* cost */
		"$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPz",	 /* 59 */
		"$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPzee", /* 61 */
		"$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC+42V2pdJlUprsJPze",	 /* '+' */
		"$2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPz=",	 /* '=' */
		"$2y$10-mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze",	 /* '$' */
		"hunter2",
	};
	const char *dir = tmp_dir(state);
	struct web_config *cfg;
	char yaml[256], err[512];
	int ret;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), "basic_auth_users:\n  alice: " HASH "\n  bob: '%s'\n",
			 bad[i]);
		expect_error(dir, yaml, -EINVAL, "line 3:", "user \"bob\" is not a bcrypt hash");
		/* The message never shows the hash. */
		cfg = NULL;
		ret = web_config_parse(yaml, strlen(yaml), dir, &cfg, err, sizeof(err));
		assert_int_equal(ret, -EINVAL);
		assert_null(strstr(err, bad[i]));
		assert_null(strstr(err, "mDwo"));
	}
	expect_error(dir, "basic_auth_users:\n  alice: [" HASH "]\n", -EINVAL,
		     "line 2:", "not a bcrypt hash");
	expect_error(dir, "basic_auth_users:\n  alice:\n", -EINVAL, "line 2:", "not a bcrypt hash");
	expect_error(dir, "basic_auth_users:\n  \"al:ice\": " HASH "\n", -EINVAL,
		     "line 2:", "\"al:ice\" holds ':'");
	expect_error(dir, "basic_auth_users:\n  \"al\\nice\": " HASH "\n", -EINVAL,
		     "line 2:", "\"al?ice\" holds ':' or a control character");
	expect_error(dir, "basic_auth_users:\n  \"\": " HASH "\n", -EINVAL,
		     "line 2:", "user names must be non-empty");
	expect_error(dir, "basic_auth_users:\n  ? [a]\n  : " HASH "\n", -EINVAL,
		     "line 2:", "user names must be non-empty strings");

	/* The bounds of the cost, and each prefix. */
	cfg = parse_ok(dir, "basic_auth_users:\n"
			    "  a: $2a$04$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze\n"
			    "  b: $2b$31$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze\n"
			    "  1234: " HASH "\n");
	assert_int_equal(cfg->nusers, 3);
	assert_string_equal(cfg->users[0].name, "a");
	assert_string_equal(cfg->users[1].hash,
			    "$2b$31$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze");
	assert_string_equal(cfg->users[2].name, "1234");
	web_config_free(cfg);
}

static void test_small_errlen(void **state)
{
	const char *yaml = "\n\n\nhttp_config: {}\n";
	struct web_config *cfg = NULL;
	char err[32];

	(void)state;
	memset(err, 'Z', sizeof(err));
	assert_int_equal(web_config_parse(yaml, strlen(yaml), NULL, &cfg, err, 8), -EINVAL);
	assert_string_equal(err, "line 4:");
	for (size_t i = 8; i < sizeof(err); i++)
		assert_int_equal(err[i], 'Z');

	memset(err, 'Z', sizeof(err));
	assert_int_equal(web_config_parse(yaml, strlen(yaml), NULL, &cfg, err, 1), -EINVAL);
	assert_int_equal(err[0], '\0');
	assert_int_equal(err[1], 'Z');

	/* Nowhere to write. */
	memset(err, 'Z', sizeof(err));
	assert_int_equal(web_config_parse(yaml, strlen(yaml), NULL, &cfg, err, 0), -EINVAL);
	assert_int_equal(err[0], 'Z');
	assert_int_equal(web_config_parse(yaml, strlen(yaml), NULL, &cfg, NULL, 0), -EINVAL);
	assert_null(cfg);

	/* A path longer than errlen, in web_config_load. */
	memset(err, 'Z', sizeof(err));
	assert_int_equal(web_config_load("/nonexistent/directory/web.yml", &cfg, err, 8), -ENOENT);
	assert_string_equal(err, "/nonexi");
	assert_int_equal(err[8], 'Z');
	assert_null(cfg);
}

static void write_conf(const char *dir, const char *name, const char *yaml, char *path, size_t size)
{
	char sub[128];

	snprintf(sub, sizeof(sub), "%s/conf", dir);
	assert_int_equal(write_file(sub, name, yaml, strlen(yaml)), 0);
	snprintf(path, size, "%s/%s", sub, name);
}

static void test_load(void **state)
{
	const char *dir = tmp_dir(state);
	struct web_config *cfg = NULL, untouched;
	char path[256], err[512], want[512];
	int cwd;

	/* Relative to the file's directory, not to the working directory. */
	write_conf(dir, "web.yml",
		   "tls_server_config:\n  cert_file: ../server.crt\n  key_file: ../server.key\n"
		   "basic_auth_users:\n  alice: " HASH "\n",
		   path, sizeof(path));
	assert_int_equal(web_config_load(path, &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->cert_pem, CERT_PEM);
	assert_string_equal(cfg->key_pem, KEY_PEM);
	assert_int_equal(cfg->nusers, 1);
	web_config_free(cfg);

	/* A bare file name: its directory is the working one. */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cwd >= 0);
	snprintf(path, sizeof(path), "%s/conf", dir);
	assert_int_equal(chdir(path), 0);
	cfg = NULL;
	assert_int_equal(web_config_load("web.yml", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg->key_pem, KEY_PEM);
	web_config_free(cfg);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);

	/* Errors are "<path>:<line>: <problem>". */
	write_conf(dir, "bad.yml", "# comment\nbasic_auth_users:\n  alice: x\n", path,
		   sizeof(path));
	cfg = &untouched;
	assert_int_equal(web_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	assert_ptr_equal(cfg, &untouched);
	snprintf(want, sizeof(want), "%s:3: basic_auth_users: the password of user \"alice\"",
		 path);
	assert_true(strncmp(err, want, strlen(want)) == 0);

	write_conf(dir, "nocert.yml",
		   "tls_server_config:\n  cert_file: nope.crt\n"
		   "  key_file: ../server.key\n",
		   path, sizeof(path));
	assert_int_equal(web_config_load(path, &cfg, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s:2: tls_server_config.cert_file %s/conf/nope.crt: ", path,
		 dir);
	assert_true(strncmp(err, want, strlen(want)) == 0);

	/* The file itself: missing, too big, empty. */
	snprintf(path, sizeof(path), "%s/conf/missing.yml", dir);
	assert_int_equal(web_config_load(path, &cfg, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
	snprintf(path, sizeof(path), "%s/big.pem", dir);
	assert_int_equal(web_config_load(path, &cfg, err, sizeof(err)), -EFBIG);
	snprintf(want, sizeof(want), "%s: larger than 1 MiB", path);
	assert_string_equal(err, want);
	assert_ptr_equal(cfg, &untouched);
	snprintf(path, sizeof(path), "%s/empty.pem", dir);
	cfg = NULL;
	assert_int_equal(web_config_load(path, &cfg, err, sizeof(err)), 0);
	assert_empty_config(cfg);
	web_config_free(cfg);
}

/* A FIFO (or a device) is refused at once, as the file and as a PEM file:
 * reading one would wait for a writer, holding start-up or the reload. The
 * alarm ends the test if a read blocks. */
static void test_special_files(void **state)
{
	const char *dir = tmp_dir(state);
	struct web_config *cfg = NULL;
	char path[256], err[512], want[600];

	snprintf(path, sizeof(path), "%s/fifo.yml", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(10);
	assert_int_equal(web_config_load(path, &cfg, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s: a FIFO, not a regular file", path);
	assert_string_equal(err, want);
	assert_null(cfg);
	assert_int_equal(web_config_load("/dev/zero", &cfg, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "/dev/zero: a character device, not a regular file");
	expect_error(dir, "tls_server_config:\n  cert_file: fifo.yml\n  key_file: server.key\n",
		     -EINVAL, "line 2:", "cert_file", "fifo.yml: a FIFO, not a regular file");
	alarm(0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),	     cmocka_unit_test(test_inline_pem),
		cmocka_unit_test(test_empty),	     cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_unknown_keys), cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_yaml_syntax),  cmocka_unit_test(test_structure),
		cmocka_unit_test(test_nul),	     cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_unsupported),  cmocka_unit_test(test_tls_rules),
		cmocka_unit_test(test_files),	     cmocka_unit_test(test_headers),
		cmocka_unit_test(test_users),	     cmocka_unit_test(test_small_errlen),
		cmocka_unit_test(test_load),	     cmocka_unit_test(test_special_files),
	};

	return cmocka_run_group_tests(tests, tmp_setup, tmp_teardown);
}
