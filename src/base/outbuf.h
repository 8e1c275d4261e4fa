/* SPDX-License-Identifier: GPL-2.0-only */
/* Output that never makes its writer wait: whole records queue in a bounded
 * buffer and go out as the file descriptor takes them, so that a reader
 * that is slow, stalled or gone costs records (counted), never a deadline. */
#ifndef DROPMON_OUTBUF_H
#define DROPMON_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outbuf;

/* Writes to fd (which stays the caller's) without blocking: a pipe, FIFO or
 * terminal is reopened through /proc/self/fd with O_NONBLOCK, so that the
 * open file description the shell or a pipeline shares is left as it is
 * (where that is impossible its O_NONBLOCK is set, and restored by
 * outbuf_free()); a socket is written with MSG_DONTWAIT; a regular file or
 * block device as it is. cap: bytes queued at most before outbuf_full()
 * (one record may take it past that). 0 or a negative errno. */
int outbuf_new(int fd, size_t cap, struct outbuf **out);
/* Queues one record, whole. 0; -ENOBUFS when full, or once a write failed
 * (the record is not taken: the caller counts it); -ENOMEM. */
int outbuf_add(struct outbuf *o, const void *data, size_t len);
/* Whether outbuf_add() would refuse a record. */
bool outbuf_full(const struct outbuf *o);
/* Writes what the descriptor takes now. 0 when it took all, or would block,
 * or a signal interrupted the write; else the negative errno of the failed
 * write (-EPIPE: the reader went away, -ENOSPC, ...), and every later call
 * returns it again. */
int outbuf_write(struct outbuf *o);
/* The descriptor written, to poll() for POLLOUT while bytes are pending. */
int outbuf_fd(const struct outbuf *o);
size_t outbuf_pending_bytes(const struct outbuf *o);
/* Records written out whole, and those not (yet): queued, or partly written. */
uint64_t outbuf_records_written(const struct outbuf *o);
uint64_t outbuf_records_pending(const struct outbuf *o);
/* Whether the first pending record is partly written: the reader has the
 * start of it. */
bool outbuf_partial(const struct outbuf *o);
/* Bytes written that end at a record boundary: where to cut a regular file
 * after a failed write, so that it holds no partial record. */
uint64_t outbuf_bytes_whole(const struct outbuf *o);
void outbuf_free(struct outbuf *o); /* accepts NULL */

#endif
