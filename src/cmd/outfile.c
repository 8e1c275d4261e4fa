// SPDX-License-Identifier: GPL-2.0-only
/* Output files of collect and pcap: private, never a silent overwrite, and
 * for a capture never a partial file under the name asked for. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

/* "DIR/.NAME.XXXXXX" next to path: on the same file system, so that the
 * rename is atomic. NULL when out of memory. */
static char *temp_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) + 1 : 0;
	size_t n = strlen(path) + sizeof("/..XXXXXX");
	char *t = malloc(n);

	if (t)
		snprintf(t, n, "%.*s.%s.XXXXXX", dirlen, path, base);
	return t;
}

/* An existing FIFO, device or socket: written where it is, never replaced. */
static int open_special(struct outfile *of, char *msg, size_t msglen)
{
	int flags;

	/* O_NONBLOCK: a FIFO with no reader fails now instead of hanging. */
	of->fd = open(of->path, O_WRONLY | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (of->fd < 0) {
		int err = -errno;

		if (err == -ENXIO)
			snprintf(msg, msglen, "cannot write %s: no process reads it", of->path);
		else
			snprintf(msg, msglen, "cannot write %s: %s", of->path, strerror(-err));
		return err;
	}
	flags = fcntl(of->fd, F_GETFL);
	if (flags >= 0)
		fcntl(of->fd, F_SETFL, flags & ~O_NONBLOCK);
	return 0;
}

int outfile_open(struct outfile *of, const char *path, unsigned int flags, char *msg, size_t msglen)
{
	bool force = flags & OUTFILE_FORCE;
	struct stat st;
	bool exists;
	int err;

	memset(of, 0, sizeof(*of));
	of->fd = -1;
	of->path = path;
	of->flags = flags;
	exists = lstat(path, &st) == 0;
	if (!exists && errno != ENOENT) {
		err = -errno;
		snprintf(msg, msglen, "cannot write %s: %s", path, strerror(-err));
		return err;
	}
	if (exists && S_ISDIR(st.st_mode)) {
		snprintf(msg, msglen, "cannot write %s: it is a directory", path);
		return -EISDIR;
	}
	if (exists && S_ISLNK(st.st_mode) && !(force && (flags & OUTFILE_ATOMIC))) {
		snprintf(msg, msglen,
			 "cannot write %s: it is a symbolic link, which is not followed%s", path,
			 flags & OUTFILE_ATOMIC ? " (--force replaces the link)" : "");
		return -ELOOP;
	}
	if (exists && S_ISREG(st.st_mode) && !force) {
		snprintf(msg, msglen, "cannot write %s: it exists (--force replaces it)", path);
		return -EEXIST;
	}
	if (exists && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return open_special(of, msg, msglen);

	of->regular = true;
	if (flags & OUTFILE_ATOMIC) {
		of->tmp = temp_name(path);
		if (!of->tmp) {
			snprintf(msg, msglen, "%s", strerror(ENOMEM));
			return -ENOMEM;
		}
		/* mkostemp() creates it 0600. */
		of->fd = mkostemp(of->tmp, O_CLOEXEC);
		if (of->fd < 0) {
			err = -errno;
			snprintf(msg, msglen, "cannot create %s (written, then renamed to %s): %s",
				 of->tmp, path, strerror(-err));
			free(of->tmp);
			of->tmp = NULL;
			return err;
		}
		of->created = true;
		return 0;
	}
	if (exists) {
		/* --force: the old content goes, and so does a wider mode. */
		of->fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
		if (of->fd >= 0 && fchmod(of->fd, 0600) != 0) {
			err = -errno;
			snprintf(msg, msglen, "cannot make %s the owner's only (0600): %s", path,
				 strerror(-err));
			close(of->fd);
			of->fd = -1;
			return err;
		}
	} else {
		of->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		of->created = of->fd >= 0;
	}
	if (of->fd < 0) {
		err = -errno;
		if (err == -EEXIST)
			snprintf(msg, msglen, "cannot write %s: it exists (--force replaces it)",
				 path);
		else
			snprintf(msg, msglen, "cannot write %s: %s", path, strerror(-err));
		return err;
	}
	return 0;
}

/* tmp becomes path, unless path exists (then -EEXIST). */
static int rename_noreplace(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* A file system without RENAME_NOREPLACE: link() refuses an existing
	 * name too. */
	if (link(tmp, path) != 0)
		return -errno;
	unlink(tmp);
	return 0;
}

int outfile_commit(struct outfile *of, char *msg, size_t msglen)
{
	int err = 0;

	/* A capture renamed into place must be on disk first, or a crash can
	 * leave an empty file where the old one was. */
	if (of->fd >= 0 && of->tmp && fsync(of->fd) != 0)
		err = -errno;
	if (of->fd >= 0 && close(of->fd) != 0 && !err)
		err = -errno;
	of->fd = -1;
	if (err) {
		snprintf(msg, msglen, "writing %s: %s", of->tmp ? of->tmp : of->path,
			 strerror(-err));
		outfile_abort(of);
		return err;
	}
	if (!of->tmp)
		return 0;
	if (of->flags & OUTFILE_FORCE)
		err = rename(of->tmp, of->path) ? -errno : 0;
	else
		err = rename_noreplace(of->tmp, of->path);
	if (err) {
		if (err == -EEXIST)
			snprintf(msg, msglen,
				 "%s appeared while the capture was written: "
				 "kept as it is (--force replaces it)",
				 of->path);
		else
			snprintf(msg, msglen, "cannot rename %s to %s: %s", of->tmp, of->path,
				 strerror(-err));
		outfile_abort(of);
		return err;
	}
	free(of->tmp);
	of->tmp = NULL;
	of->created = false;
	return 0;
}

void outfile_abort(struct outfile *of)
{
	if (of->fd >= 0)
		close(of->fd);
	of->fd = -1;
	if (of->created)
		unlink(of->tmp ? of->tmp : of->path);
	of->created = false;
	free(of->tmp);
	of->tmp = NULL;
}
