/* SPDX-License-Identifier: GPL-2.0-only */
/* The files collect -o and pcap -o write: they hold packet contents, so
 * they are the owner's only (0600); an existing file is replaced only when
 * asked (--force); and a capture appears whole or not at all. */
#ifndef DROPMON_OUTFILE_H
#define DROPMON_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

enum outfile_flags {
	OUTFILE_FORCE = 1,  /* replace an existing regular file */
	OUTFILE_ATOMIC = 2, /* write a temporary file; outfile_commit() names it */
};

struct outfile {
	const char *path;
	char *tmp;    /* OUTFILE_ATOMIC: the name written until the commit */
	int fd;	      /* blocking; -1 when closed */
	bool created; /* path (or tmp) was created here: outfile_abort() removes it */
	bool regular;
	unsigned int flags;
};

/* Opens path for writing. A path that does not exist is created, mode 0600
 * whatever the umask, and never through a symbolic link. An existing
 * regular file is refused (-EEXIST) unless OUTFILE_FORCE, which replaces it
 * by a new 0600 file (with OUTFILE_ATOMIC, only at the commit); a FIFO or a
 * device (/dev/null) is written as it is; a directory is refused
 * (-EISDIR). A FIFO no process reads fails at once (-ENXIO) instead of
 * waiting for one. 0 or a negative errno, with msg saying what failed. */
int outfile_open(struct outfile *of, const char *path, unsigned int flags, char *msg,
		 size_t msglen);
/* Closes the file; with OUTFILE_ATOMIC gives it its name (refusing, without
 * OUTFILE_FORCE, a file that appeared there meanwhile). On failure the
 * temporary file is removed. 0 or a negative errno, with msg. */
int outfile_commit(struct outfile *of, char *msg, size_t msglen);
/* Closes the file and removes what outfile_open() created. */
void outfile_abort(struct outfile *of);

#endif
