// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: --web.config.file. Each input is written to web.yml in
 * a fixture directory of its own (made once per process, with a certificate,
 * a key and a CA in it) and loaded with web_config_load().
 *
 * The file may name other files (cert_file, key_file, client_ca_file), and
 * webconfig.c opens whatever it names, relative to the file's directory or
 * absolute. A fuzzer would soon spell /dev/stdin or a FIFO (a hang), or
 * any file on the machine. No textual check of the input can stop that
 * (YAML has escapes: "\x2f", "\u002e"), so the harness stands where the
 * path is final: it is linked with -Wl,--wrap=file_read_alloc, so the only
 * function webconfig.c reads files with (and libyaml gets the text, never a
 * file) comes here first. A path is let through only when it is the
 * fixture directory, a '/', and a relative rest without a ".." component;
 * everything else fails with -EACCES as a missing file would. The directory
 * holds only regular files the harness made (no links, no subdirectories),
 * so what is let through stays inside it. webconfig.c never writes a file.
 *
 * On success the configuration must hold together (cert with key, versions
 * in order, canonical header names, bcrypt-shaped hashes); on failure the
 * message must be one non-empty line without control characters (it names
 * keys and paths taken from the file). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "webauth.h"
#include "webconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int __real_file_read_alloc(int dfd, const char *path, size_t max, char **out, size_t *outlen);
int __wrap_file_read_alloc(int dfd, const char *path, size_t max, char **out, size_t *outlen);

#define PEM_CERT "-----BEGIN CERTIFICATE-----\nMIIBserver\n-----END CERTIFICATE-----\n"
#define PEM_KEY "-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n"
#define PEM_CA "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n"

static char dir[64];
static char config[96];
static const char *const files[] = { "web.yml", "server.crt", "server.key", "ca.crt", NULL };

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_webconfig: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

/* Inside the fixture directory: "<dir>/" and a relative path in which no
 * component is "..". */
static bool confined(int dfd, const char *path)
{
	size_t n = strlen(dir);
	const char *c;

	if (dfd != AT_FDCWD || strncmp(path, dir, n) != 0 || path[n] != '/')
		return false;
	for (c = path + n + 1; *c; c += strcspn(c, "/"), c += *c == '/') {
		if (*c == '/')
			return false; /* "//", as good as a second root */
		if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return false;
	}
	return true;
}

int __wrap_file_read_alloc(int dfd, const char *path, size_t max, char **out, size_t *outlen)
{
	if (!confined(dfd, path))
		return -EACCES;
	return __real_file_read_alloc(dfd, path, max, out, outlen);
}

static void put_file(const char *name, const void *text, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		die("cannot write the fixture", path);
	if (len && write(fd, text, len) != (ssize_t)len)
		die("cannot write the fixture", path);
	close(fd);
}

static void remove_fixture(void)
{
	char path[128];

	for (int i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	(void)argc;
	(void)argv;
	/* tmpfs when there is one: a write and a read per input are most of
	 * the time on a disk. A short base keeps every path in the buffers. */
	if (!tmp || !*tmp || strlen(tmp) > 32)
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz_webconfig.XXXXXX", tmp);
	if (!mkdtemp(dir))
		die("mkdtemp failed", dir);
	atexit(remove_fixture);
	snprintf(config, sizeof(config), "%s/web.yml", dir);
	put_file("server.crt", PEM_CERT, strlen(PEM_CERT));
	put_file("server.key", PEM_KEY, strlen(PEM_KEY));
	put_file("ca.crt", PEM_CA, strlen(PEM_CA));
	return 0;
}

static void check_config(const struct web_config *cfg)
{
	if (!cfg->cert_pem != !cfg->key_pem)
		die("a certificate without a key or a key without one", NULL);
	if ((cfg->client_ca_pem || cfg->client_auth != WEB_NO_CLIENT_CERT || cfg->nallowed_sans) &&
	    !cfg->cert_pem)
		die("client certificate settings without TLS", NULL);
	if ((cfg->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT ||
	     cfg->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN) &&
	    !cfg->client_ca_pem)
		die("client certificates to verify without a CA", NULL);
	if (cfg->min_version < WEB_TLS10 || cfg->max_version > WEB_TLS13 ||
	    cfg->min_version > cfg->max_version)
		die("TLS versions out of order", NULL);
	if (!cfg->nallowed_sans != !cfg->allowed_sans)
		die("client_allowed_sans count and list disagree", NULL);
	for (size_t i = 0; i < cfg->nheaders; i++)
		if (!cfg->headers[i].name || !cfg->headers[i].value ||
		    strchr(cfg->headers[i].value, '\n') || strchr(cfg->headers[i].value, '\r'))
			die("a header that would split the response", cfg->headers[i].name);
	for (size_t i = 0; i < cfg->nusers; i++) {
		if (!cfg->users[i].name[0] || strchr(cfg->users[i].name, ':'))
			die("a user name basic auth cannot send", cfg->users[i].name);
		if (!webauth_hash_valid(cfg->users[i].hash))
			die("a hash webauth will not check", cfg->users[i].name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_config *cfg = NULL;
	char msg[512];
	int err;

	put_file("web.yml", data, size);
	memset(msg, 'x', sizeof(msg));
	err = web_config_load(config, &cfg, msg, sizeof(msg));
	if (err) {
		size_t n = strnlen(msg, sizeof(msg));

		if (cfg)
			die("a configuration despite an error", NULL);
		if (n == sizeof(msg) || n == 0)
			die("the message is empty or not terminated", NULL);
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
				die("a control character in the message", msg);
		return 0;
	}
	if (!cfg)
		die("no configuration and no error", NULL);
	check_config(cfg);
	web_config_free(cfg);
	return 0;
}
