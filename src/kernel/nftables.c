// SPDX-License-Identifier: GPL-2.0-only
#include "nftables.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "monotonic.h"

/* The child: into the namespace, output to the pipe, then nft. Only
 * async-signal-safe calls between fork and exec. */
static void run_child(int netns_fd, int out_fd, const char *const *argv)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* Out of the terminal's process group: a Ctrl-C meant for collect
	 * must not stop the nft that deletes its table. */
	(void)setpgid(0, 0);
	if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET))
		_exit(126);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(out_fd, STDERR_FILENO) < 0)
		_exit(126);
	execvp("nft", (char *const *)argv);
	_exit(errno == ENOENT ? 127 : 126);
}

/* Reads the pipe until nft closes it, keeping the first NFTABLES_OUT_MAX
 * bytes; -ETIMEDOUT at the deadline. */
static int read_output(int fd, struct strbuf *out, double deadline)
{
	char buf[4096];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - monotonic_s();
		ssize_t n;
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (out->len < NFTABLES_OUT_MAX) {
			size_t keep = (size_t)n;

			if (keep > NFTABLES_OUT_MAX - out->len)
				keep = NFTABLES_OUT_MAX - out->len;
			if (strbuf_append(out, buf, keep))
				return -ENOMEM;
		}
	}
}

int nftables_run(int netns_fd, const char *const *argv, struct strbuf *out)
{
	int fds[2], status = 0, err;
	pid_t pid;

	strbuf_reset(out);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0)
		run_child(netns_fd, fds[1], argv);
	close(fds[1]);
	err = read_output(fds[0], out, monotonic_s() + NFTABLES_TIMEOUT_S);
	close(fds[0]);
	if (err)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err ? err : -errno;
	if (err)
		return err;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	if (WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WEXITSTATUS(status);
}

/* The next line of text[*pos..len), without its newline. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return false;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*n = nl ? (size_t)(nl - *line) : len - *pos;
	*pos += *n + (nl != NULL);
	return true;
}

/* Splits off the next blank-separated word of line[*pos..n). */
static bool next_word(const char *line, size_t n, size_t *pos, const char **w, size_t *wn)
{
	while (*pos < n && (line[*pos] == ' ' || line[*pos] == '\t'))
		(*pos)++;
	if (*pos >= n)
		return false;
	*w = line + *pos;
	while (*pos < n && line[*pos] != ' ' && line[*pos] != '\t')
		(*pos)++;
	*wn = (size_t)(line + *pos - *w);
	return true;
}

static bool word_is(const char *w, size_t wn, const char *s)
{
	return wn == strlen(s) && !memcmp(w, s, wn);
}

void nftables_parse_tables(const char *text, size_t len, const char *family, const char *name,
			   bool *has_it, bool *has_other)
{
	const char *line;
	size_t pos = 0, n;

	*has_it = *has_other = false;
	while (next_line(text, len, &pos, &line, &n)) {
		const char *w[3];
		size_t wn[3], at = 0, extra_n;
		const char *extra;

		if (!next_word(line, n, &at, &w[0], &wn[0]) || !word_is(w[0], wn[0], "table") ||
		    !next_word(line, n, &at, &w[1], &wn[1]) ||
		    !next_word(line, n, &at, &w[2], &wn[2]) ||
		    next_word(line, n, &at, &extra, &extra_n))
			continue;
		if (word_is(w[1], wn[1], family) && word_is(w[2], wn[2], name))
			*has_it = true;
		else
			*has_other = true;
	}
}

int nftables_find_rule(const char *text, size_t len, uint64_t handle, char *out, size_t size)
{
	static const char mark[] = "# handle ";
	char want[STRBUF_U64_SIZE];
	size_t want_n = strbuf_fmt_u64(want, handle);
	const char *line;
	size_t pos = 0, n;

	if (!size)
		return -EINVAL;
	while (next_line(text, len, &pos, &line, &n)) {
		size_t tail = sizeof(mark) - 1 + want_n, start = 0, i, k = 0;

		while (n && (line[n - 1] == ' ' || line[n - 1] == '\r'))
			n--;
		if (n <= tail || memcmp(line + n - tail, mark, sizeof(mark) - 1) ||
		    memcmp(line + n - want_n, want, want_n))
			continue;
		while (start < n && (line[start] == ' ' || line[start] == '\t'))
			start++;
		/* "chain input { # handle 1", "table ... {": not a rule. */
		if (n - tail - start >= 2 && line[n - tail - 2] == '{')
			continue;
		if (start + tail >= n)
			continue;
		for (i = start; i < n && k + 1 < size; i++)
			out[k++] = (unsigned char)line[i] < 0x20 || line[i] == 0x7f ? '?' : line[i];
		out[k] = '\0';
		return 0;
	}
	return -ENOENT;
}

bool nftables_name_ok(const char *s)
{
	size_t i;

	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; s[i]; i++) {
		char c = s[i];

		if (i >= 255)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '/'))
			return false;
	}
	return true;
}
