/* worker.h - the outbox worker of `kring serve` and the sender lock.
 *
 * The worker is a thread with its own store connection that drains the
 * outbox every interval, so that runs uploaded through the API are sent
 * without a separate `kring notify send`. Every sender (the worker, `kring
 * notify send`, `kring notify run`) holds the sender lock while it drains:
 * a message left in state "sending" is only in doubt when no sender holds
 * the lock, so two senders never both send it. The lock is an flock() on a
 * file beside the store; the kernel drops it when its holder dies, even by
 * kill -9, so a crashed sender never blocks the next one. */
#ifndef KR_DELIVER_WORKER_H
#define KR_DELIVER_WORKER_H

#include "deliver/deliver.h"

#include <stdbool.h>
#include <stdint.h>

/* Messages tried per turn of the worker before it looks at the clock and
 * the stop flag again. */
#define DELIVER_WORKER_BATCH 50

/* Takes the sender lock at path (created with mode 0600 when missing). With
 * wait, blocks until it is free; without, returns KR_EBUSY when another
 * sender holds it. 0 with *fd set (release with deliver_lock_release), or
 * KR_EIO. */
int deliver_lock_acquire(const char *path, bool wait, int *fd);
/* Releases a lock taken by deliver_lock_acquire; fd < 0 is ignored. */
void deliver_lock_release(int fd);
/* The lock's path for a store file: "<db_path>.send-lock" into out. */
void deliver_lock_path(const char *db_path, char *out, size_t n);

struct deliver_worker;

/* Starts the worker: every interval_ms (> 0) it opens nothing new, takes the
 * sender lock without waiting (a turn is skipped while another sender holds
 * it) and drains due messages of every run, DELIVER_WORKER_BATCH at a time,
 * until none is due. It opens its own store connection on db_path. c is
 * copied. Logs what it sent, deferred and failed at info level and storage
 * failures at warn level; it never stops on them. *out is owned by the
 * caller: deliver_worker_stop(). 0, KR_EINVAL, KR_ENOMEM, KR_EIO or the
 * store's status when it cannot be opened. */
int deliver_worker_start(const char *db_path, const struct deliver_config *c, int64_t interval_ms,
			 struct deliver_worker **out);
/* Stops the worker after the message it is sending (at most one SMTP
 * transaction, c->timeout_s), closes its store and frees it. NULL is
 * allowed. */
void deliver_worker_stop(struct deliver_worker *w);
/* Asks the worker to drain now instead of at its next interval (e.g. after
 * an upload). NULL is allowed. */
void deliver_worker_wake(struct deliver_worker *w);
/* Turns the worker has run (drains attempted, also the skipped ones), for
 * tests and metrics. */
uint64_t deliver_worker_turns(struct deliver_worker *w);

#endif
