/* test_worker.c - the sender lock (one sender at a time, released when its
 * holder dies, even by SIGKILL) and the outbox worker's life cycle: turns
 * at its interval and on a wake-up, a turn skipped while another sender
 * holds the lock, a prompt stop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "deliver/worker.h"
#include "store/store.h"
#include "util/err.h"
#include "util/log.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/banned.h"

static char dir[64];
static char db[128];
static char lock[160];

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_ERROR);
	snprintf(dir, sizeof dir, "/tmp/kring-worker-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof db, "%s/kring.db", dir);
	deliver_lock_path(db, lock, sizeof lock);
	struct store *s = NULL;
	if (store_open_sqlite(db, &s))
		return -1;
	store_close(s);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char p[200];
	static const char *const files[] = { "kring.db", "kring.db-wal", "kring.db-shm",
					     "kring.db.send-lock" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static void lock_one_at_a_time(void **state)
{
	(void)state;
	int a = -1, b = -1;
	assert_string_equal(strrchr(lock, '/'), "/kring.db.send-lock");
	assert_int_equal(deliver_lock_acquire(lock, false, &a), 0);
	assert_true(a >= 0);
	assert_int_equal(deliver_lock_acquire(lock, false, &b), KR_EBUSY);
	assert_int_equal(b, -1);
	deliver_lock_release(a);
	assert_int_equal(deliver_lock_acquire(lock, false, &b), 0);
	deliver_lock_release(b);
	deliver_lock_release(-1);
	assert_int_equal(deliver_lock_acquire("/nonexistent-dir/x.lock", false, &a), KR_EIO);
}

static void lock_released_when_holder_is_killed(void **state)
{
	(void)state;
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = -1;
		char ok = deliver_lock_acquire(lock, false, &fd) == 0 ? 'y' : 'n';
		if (write(pipefd[1], &ok, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	char got = 0;
	assert_int_equal(read(pipefd[0], &got, 1), 1);
	assert_int_equal(got, 'y');
	int fd = -1;
	assert_int_equal(deliver_lock_acquire(lock, false, &fd), KR_EBUSY);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(deliver_lock_acquire(lock, false, &fd), 0);
	deliver_lock_release(fd);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void waits_for_turns(struct deliver_worker *w, uint64_t n, long max_ms)
{
	for (long t = 0; deliver_worker_turns(w) < n && t < max_ms; t += 10)
		sleep_ms(10);
	assert_true(deliver_worker_turns(w) >= n);
}

static void worker_turns_and_stops(void **state)
{
	(void)state;
	struct deliver_config c;
	struct deliver_worker *w = NULL;
	memset(&c, 0, sizeof c);
	snprintf(c.relay_host, sizeof c.relay_host, "127.0.0.1");
	c.relay_port = 9; /* nothing is queued: never contacted */
	assert_int_equal(deliver_worker_start(db, &c, 0, &w), KR_EINVAL);
	assert_null(w);
	assert_int_equal(deliver_worker_start(NULL, &c, 100, &w), KR_EINVAL);
	/* every 50 ms */
	assert_int_equal(deliver_worker_start(db, &c, 50, &w), 0);
	waits_for_turns(w, 3, 5000);
	/* while another sender holds the lock, turns go on and are skipped */
	int fd = -1;
	assert_int_equal(deliver_lock_acquire(lock, true, &fd), 0);
	uint64_t t0 = deliver_worker_turns(w);
	waits_for_turns(w, t0 + 2, 5000);
	deliver_lock_release(fd);
	deliver_worker_stop(w);
	/* a long interval: a wake-up gives a turn at once, the stop is prompt */
	assert_int_equal(deliver_worker_start(db, &c, 3600 * 1000, &w), 0);
	sleep_ms(50);
	assert_int_equal(deliver_worker_turns(w), 0);
	deliver_worker_wake(w);
	waits_for_turns(w, 1, 5000);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	deliver_worker_stop(w);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 2);
	deliver_worker_stop(NULL);
	deliver_worker_wake(NULL);
}

static void worker_refuses_a_store_it_cannot_open(void **state)
{
	(void)state;
	struct deliver_config c;
	struct deliver_worker *w = NULL;
	memset(&c, 0, sizeof c);
	assert_int_not_equal(deliver_worker_start("/nonexistent-dir/kring.db", &c, 100, &w), 0);
	assert_null(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lock_one_at_a_time),
		cmocka_unit_test(lock_released_when_holder_is_killed),
		cmocka_unit_test(worker_turns_and_stops),
		cmocka_unit_test(worker_refuses_a_store_it_cannot_open),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
