/* worker.c - the outbox worker thread and the sender lock (worker.h). */
#include "deliver/worker.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/err.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"

int deliver_lock_acquire(const char *path, bool wait, int *fd)
{
	*fd = -1;
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return KR_EIO;
	int rc;
	do {
		rc = flock(f, LOCK_EX | (wait ? 0 : LOCK_NB));
	} while (rc != 0 && errno == EINTR);
	if (rc != 0) {
		int e = errno;
		close(f);
		return e == EWOULDBLOCK ? KR_EBUSY : KR_EIO;
	}
	*fd = f;
	return 0;
}

void deliver_lock_release(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}

void deliver_lock_path(const char *db_path, char *out, size_t n)
{
	snprintf(out, n, "%s.send-lock", db_path);
}

struct deliver_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;   /* under mu */
	bool woken;  /* under mu */
	uint64_t turns; /* under mu */
	int64_t interval_ms;
	struct store *store;
	struct deliver_config cfg;
	char lock_path[1100];
};

/* Waits until the interval passed, a wake-up or the stop; true to go on. */
static bool wait_turn(struct deliver_worker *w)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(w->interval_ms / 1000);
	until.tv_nsec += (long)(w->interval_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while (!w->stop && !w->woken) {
		if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
			break;
	}
	w->woken = false;
	bool go = !w->stop;
	pthread_mutex_unlock(&w->mu);
	return go;
}

static bool stopping(struct deliver_worker *w)
{
	pthread_mutex_lock(&w->mu);
	bool s = w->stop;
	pthread_mutex_unlock(&w->mu);
	return s;
}

/* One turn: drains under the sender lock, batch by batch, until nothing is
 * due or the worker is stopped. */
static void turn(struct deliver_worker *w)
{
	int fd = -1;
	int r = deliver_lock_acquire(w->lock_path, false, &fd);
	if (r) {
		if (r != KR_EBUSY)
			log_warn("notify worker: cannot take the sender lock %s", w->lock_path);
		return; /* another sender is at work: its turn */
	}
	struct deliver_send_stats total;
	memset(&total, 0, sizeof total);
	for (;;) {
		struct deliver_send_stats st;
		char err[256] = "";
		memset(&st, 0, sizeof st);
		r = deliver_outbox_drain(w->store, &w->cfg, 0, false, DELIVER_WORKER_BATCH, NULL, NULL,
					 &st, err, sizeof err);
		total.sent += st.sent;
		total.deferred += st.deferred;
		total.failed += st.failed;
		total.resent_in_doubt += st.resent_in_doubt;
		if (r) {
			log_warn("notify worker: %s", err[0] ? err : kr_strerror(r));
			break;
		}
		/* a batch that did not fill up means nothing more is due */
		if (st.sent + st.deferred + st.failed < DELIVER_WORKER_BATCH || stopping(w))
			break;
	}
	deliver_lock_release(fd);
	if (total.sent || total.deferred || total.failed)
		log_info("notify worker: sent %lld, deferred %lld, failed %lld (%lld in doubt sent "
			 "again)",
			 (long long)total.sent, (long long)total.deferred, (long long)total.failed,
			 (long long)total.resent_in_doubt);
}

static void *worker_main(void *arg)
{
	struct deliver_worker *w = arg;
	while (wait_turn(w)) {
		turn(w);
		pthread_mutex_lock(&w->mu);
		w->turns++;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

int deliver_worker_start(const char *db_path, const struct deliver_config *c, int64_t interval_ms,
			 struct deliver_worker **out)
{
	*out = NULL;
	if (!db_path || !c || interval_ms <= 0)
		return KR_EINVAL;
	struct deliver_worker *w = kr_calloc(1, sizeof *w);
	if (!w)
		return KR_ENOMEM;
	w->interval_ms = interval_ms;
	w->cfg = *c;
	deliver_lock_path(db_path, w->lock_path, sizeof w->lock_path);
	int r = store_open_sqlite(db_path, &w->store);
	if (r) {
		kr_free(w);
		return r;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&w->mu, NULL);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		store_close(w->store);
		kr_free(w);
		return KR_EIO;
	}
	*out = w;
	return 0;
}

void deliver_worker_stop(struct deliver_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	store_close(w->store);
	kr_free(w);
}

void deliver_worker_wake(struct deliver_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->woken = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

uint64_t deliver_worker_turns(struct deliver_worker *w)
{
	pthread_mutex_lock(&w->mu);
	uint64_t n = w->turns;
	pthread_mutex_unlock(&w->mu);
	return n;
}
