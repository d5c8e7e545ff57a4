/*
 * executor.h - the database executor: where requests that need PostgreSQL
 * run, so that the HTTP threads never wait on it.
 *
 * An HTTP thread that has a request needing the database (a cache miss, a
 * write, anything behind an API key) suspends its connection and queues a
 * job here; one of EQ_DB_POOL_SIZE executor threads (as many as the pool
 * has connections, so a job never waits for one) runs the job and resumes
 * the connection, and libmicrohttpd calls the access handler again, which
 * queues the response.  Meanwhile the HTTP thread serves everything else:
 * cached reads, 304s, /healthz, /metrics, the pages.
 *
 * The queue is bounded twice: at most EQ_DB_QUEUE jobs wait (one more is
 * refused at once: the caller answers 503 without suspending), and none
 * waits longer than EQ_DB_QUEUE_TIMEOUT_MS (a watch thread expires it,
 * even while every executor thread is held by a slow statement, so a
 * suspended connection never hangs: libmicrohttpd does not time out
 * suspended connections by itself).  A job that is running is bounded by
 * the database's own limits (db.h).
 *
 * Jobs are the caller's memory; the executor only links them.  Each job is
 * finished exactly once, by run or by expire, and its connection resumed
 * exactly once, after that call returns.
 */
#ifndef EQ_HTTP_EXECUTOR_H
#define EQ_HTTP_EXECUTOR_H

#include <stdbool.h>
#include <stdint.h>

struct MHD_Connection;
struct executor;

enum executor_expiry {
	EXECUTOR_WAITED_TOO_LONG,   /* EQ_DB_QUEUE_TIMEOUT_MS passed in the queue */
	EXECUTOR_STOPPING,          /* the executor stopped with the job queued */
};

struct executor_job {
	/* Set by the caller before executor_submit. */
	void (*run)(struct executor_job *job);   /* on an executor thread */
	/* Instead of run, on any thread, when the job is not going to run. */
	void (*expire)(struct executor_job *job, enum executor_expiry why);
	/* Set by the executor. */
	struct MHD_Connection *conn;
	int64_t deadline_ns;                     /* CLOCK_MONOTONIC */
	struct executor_job *next;
};

struct executor_config {
	unsigned threads;       /* EQ_DB_POOL_SIZE */
	unsigned queue;         /* EQ_DB_QUEUE: jobs waiting, not counting running ones */
	unsigned timeout_ms;    /* EQ_DB_QUEUE_TIMEOUT_MS */
};

/* Start the threads.  NULL when they cannot be started.  The caller owns the
 * executor and ends it with executor_stop. */
__attribute__((warn_unused_result))
struct executor *executor_start(const struct executor_config *cfg);

/*
 * From libmicrohttpd's access handler of conn (which must allow suspend and
 * resume): suspend conn and queue job.  0: queued, the access handler
 * returns MHD_YES and is called again once the job has finished.  -1: the
 * queue is full (or the executor is stopping); conn is not suspended and
 * the caller answers now (503 with Retry-After).
 */
__attribute__((warn_unused_result))
int executor_submit(struct executor *ex, struct executor_job *job, struct MHD_Connection *conn);

/* Let the running jobs finish, expire the queued ones (EXECUTOR_STOPPING),
 * resume their connections and join the threads.  Afterwards
 * executor_submit refuses every job, so an HTTP thread may still call it
 * until libmicrohttpd has stopped; then executor_free.  NULL is fine. */
void executor_stop(struct executor *ex);
void executor_free(struct executor *ex);

/* For /metrics (zeros before the first executor starts). */
struct executor_stats {
	unsigned threads, queue_capacity;
	unsigned queued;        /* waiting now */
	unsigned running;       /* on an executor thread now */
	uint64_t completed;     /* jobs run */
	uint64_t rejected;      /* refused: the queue was full */
	uint64_t expired;       /* waited longer than EQ_DB_QUEUE_TIMEOUT_MS */
};

void executor_stats(struct executor_stats *out);

#endif
