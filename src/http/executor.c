/*
 * executor.c - the database executor's queue and threads (see executor.h).
 *
 * One mutex guards the queue, and it is held across MHD_suspend_connection
 * in executor_submit, so a job is never taken (and its connection resumed)
 * before its connection is suspended, which libmicrohttpd calls undefined.
 * Resuming happens outside the lock.  The queue is a FIFO linked through
 * the jobs; every job waits the same time at most, so the oldest is at the
 * head and the watch thread looks at the head only.
 */
#include "http/executor.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "util/log.h"

struct executor {
	pthread_mutex_t lock;
	pthread_cond_t work;      /* workers: a job was queued, or stopping */
	pthread_cond_t watch;     /* the watch thread: the head changed, or stopping */
	struct executor_job *head, *tail;
	unsigned queued;
	bool stopping;
	struct executor_config cfg;
	pthread_t *workers;
	unsigned nworkers;        /* started */
	pthread_t watcher;
	bool watcher_started;
};

static struct {
	atomic_uint threads, capacity, queued, running;
	_Atomic uint64_t completed, rejected, expired;
} stats;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* With lock held. */
static struct executor_job *pop_locked(struct executor *ex)
{
	struct executor_job *job = ex->head;

	if (!job)
		return NULL;
	ex->head = job->next;
	if (!ex->head)
		ex->tail = NULL;
	job->next = NULL;
	ex->queued--;
	atomic_store(&stats.queued, ex->queued);
	return job;
}

/* Without the lock: the job is ours alone until its connection resumes. */
static void expire_and_resume(struct executor_job *job, enum executor_expiry why)
{
	struct MHD_Connection *conn = job->conn;

	if (why == EXECUTOR_WAITED_TOO_LONG)
		atomic_fetch_add(&stats.expired, 1);
	job->expire(job, why);
	MHD_resume_connection(conn);
}

static void *worker_main(void *arg)
{
	struct executor *ex = arg;

	for (;;) {
		struct executor_job *job;
		struct MHD_Connection *conn;

		pthread_mutex_lock(&ex->lock);
		while (!ex->head && !ex->stopping)
			pthread_cond_wait(&ex->work, &ex->lock);
		if (ex->stopping) {
			pthread_mutex_unlock(&ex->lock);
			return NULL;
		}
		job = pop_locked(ex);
		pthread_cond_signal(&ex->watch);
		pthread_mutex_unlock(&ex->lock);
		if (job->deadline_ns <= now_ns()) {
			expire_and_resume(job, EXECUTOR_WAITED_TOO_LONG);
			continue;
		}
		conn = job->conn;
		atomic_fetch_add(&stats.running, 1);
		job->run(job);
		atomic_fetch_sub(&stats.running, 1);
		atomic_fetch_add(&stats.completed, 1);
		MHD_resume_connection(conn);
	}
}

/* Expires what waited too long while every worker was busy. */
static void *watch_main(void *arg)
{
	struct executor *ex = arg;

	pthread_mutex_lock(&ex->lock);
	while (!ex->stopping) {
		int64_t next;
		struct timespec until;

		if (ex->head && ex->head->deadline_ns <= now_ns()) {
			struct executor_job *job = pop_locked(ex);

			pthread_mutex_unlock(&ex->lock);
			expire_and_resume(job, EXECUTOR_WAITED_TOO_LONG);
			pthread_mutex_lock(&ex->lock);
			continue;
		}
		next = ex->head ? ex->head->deadline_ns : now_ns() + 1000000000;
		until.tv_sec = (time_t)(next / 1000000000);
		until.tv_nsec = (long)(next % 1000000000);
		pthread_cond_timedwait(&ex->watch, &ex->lock, &until);
	}
	pthread_mutex_unlock(&ex->lock);
	return NULL;
}

static int conds_init(struct executor *ex)
{
	pthread_condattr_t attr;
	int rc = -1;

	if (pthread_condattr_init(&attr) != 0)
		return -1;
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&ex->watch, &attr) == 0) {
		if (pthread_cond_init(&ex->work, NULL) == 0)
			rc = 0;
		else
			pthread_cond_destroy(&ex->watch);
	}
	pthread_condattr_destroy(&attr);
	return rc;
}

struct executor *executor_start(const struct executor_config *cfg)
{
	struct executor *ex = calloc(1, sizeof(*ex));

	if (!ex)
		return NULL;
	ex->cfg = *cfg;
	ex->workers = calloc(cfg->threads ? cfg->threads : 1, sizeof(*ex->workers));
	if (!ex->workers || pthread_mutex_init(&ex->lock, NULL) != 0) {
		free(ex->workers);
		free(ex);
		return NULL;
	}
	if (conds_init(ex) != 0) {
		pthread_mutex_destroy(&ex->lock);
		free(ex->workers);
		free(ex);
		return NULL;
	}
	atomic_store(&stats.threads, cfg->threads);
	atomic_store(&stats.capacity, cfg->queue);
	for (; ex->nworkers < cfg->threads; ex->nworkers++)
		if (pthread_create(&ex->workers[ex->nworkers], NULL, worker_main, ex) != 0)
			goto fail;
	if (pthread_create(&ex->watcher, NULL, watch_main, ex) != 0)
		goto fail;
	ex->watcher_started = true;
	return ex;
fail:
	executor_stop(ex);
	executor_free(ex);
	return NULL;
}

int executor_submit(struct executor *ex, struct executor_job *job, struct MHD_Connection *conn)
{
	int rc = -1;

	pthread_mutex_lock(&ex->lock);
	if (ex->stopping || ex->queued >= ex->cfg.queue) {
		atomic_fetch_add(&stats.rejected, 1);
		goto done;
	}
	job->conn = conn;
	job->deadline_ns = now_ns() + (int64_t)ex->cfg.timeout_ms * 1000000;
	job->next = NULL;
	MHD_suspend_connection(conn);
	if (ex->tail)
		ex->tail->next = job;
	else
		ex->head = job;
	ex->tail = job;
	ex->queued++;
	atomic_store(&stats.queued, ex->queued);
	pthread_cond_signal(&ex->work);
	if (ex->head == job)
		pthread_cond_signal(&ex->watch);
	rc = 0;
done:
	pthread_mutex_unlock(&ex->lock);
	return rc;
}

void executor_stop(struct executor *ex)
{
	struct executor_job *job;

	if (!ex)
		return;
	pthread_mutex_lock(&ex->lock);
	ex->stopping = true;
	pthread_cond_broadcast(&ex->work);
	pthread_cond_broadcast(&ex->watch);
	pthread_mutex_unlock(&ex->lock);
	/* A worker in a statement finishes it (bounded by the database's
	 * limits) and resumes its connection before it looks at the queue. */
	for (unsigned i = 0; i < ex->nworkers; i++)
		pthread_join(ex->workers[i], NULL);
	if (ex->watcher_started)
		pthread_join(ex->watcher, NULL);
	pthread_mutex_lock(&ex->lock);
	while ((job = pop_locked(ex)) != NULL) {
		pthread_mutex_unlock(&ex->lock);
		expire_and_resume(job, EXECUTOR_STOPPING);
		pthread_mutex_lock(&ex->lock);
	}
	pthread_mutex_unlock(&ex->lock);
	ex->nworkers = 0;
	ex->watcher_started = false;
}

void executor_free(struct executor *ex)
{
	if (!ex)
		return;
	pthread_cond_destroy(&ex->work);
	pthread_cond_destroy(&ex->watch);
	pthread_mutex_destroy(&ex->lock);
	free(ex->workers);
	free(ex);
}

void executor_stats(struct executor_stats *out)
{
	out->threads = atomic_load(&stats.threads);
	out->queue_capacity = atomic_load(&stats.capacity);
	out->queued = atomic_load(&stats.queued);
	out->running = atomic_load(&stats.running);
	out->completed = atomic_load(&stats.completed);
	out->rejected = atomic_load(&stats.rejected);
	out->expired = atomic_load(&stats.expired);
}
