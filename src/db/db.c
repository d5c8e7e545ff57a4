/*
 * db.c - the connection pool and statement execution (see db.h).
 */
#include "db/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db/await.h"
#include "db/notifier.h"
#include "util/log.h"

#define MAX_STATEMENT_TABLES 32
/* How much longer than statement_timeout we wait for an answer before we
 * decide the server is not there (frozen, or the network gone) and drop the
 * connection: PostgreSQL's own timeout, and its error, come first. */
#define ANSWER_GRACE_MS 1000
/* After a refused connect, wait this long before trying again, so that a
 * dead database costs one connect attempt per interval, not per request. */
#define RECONNECT_INTERVAL_MS 200

/* A statement queued by db_defer; its values are copied into the same
 * allocation, after the struct. */
struct deferred {
	const char *stmt;
	int nparams;
	const char **values;
};

struct db_conn {
	PGconn *pg;
	bool in_use;
	bool in_tx;
	bool begin_pending;   /* db_begin said so; BEGIN goes out with the next statement */
	bool begin_after;     /* db_begin_after_next: after the next call, in its round trip */
	bool was_open;   /* has had a connection before: the next open is a reconnect */
	char sqlstate[6];
	struct deferred *queued[DB_BATCH_MAX];   /* db_defer's, oldest first */
	size_t nqueued;
	PGresult *prefetched[DB_BATCH_MAX];   /* db_begin_after_next's, for db_prefetched */
	struct deferred *finish;   /* db_commit_after_next's: after the next call, then COMMIT */
	bool ended;                /* the last call ended the transaction (db_ended) */
	enum db_status end_status;
};

static struct {
	const struct config *cfg;
	struct db_conn *conns;
	size_t n;
	pthread_mutex_t lock;
	pthread_cond_t freed;       /* on CLOCK_MONOTONIC, set up by db_pool_init */
	struct db_limits limits;
	long answer_wait_ms;        /* statement_timeout + ANSWER_GRACE_MS */
	struct timespec last_refused;
	bool refused;
	unsigned waiting;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Counters for /metrics, bumped outside the pool lock. */
static struct {
	_Atomic uint64_t acquire_timeouts, connects, reconnects, connect_failures;
	_Atomic uint64_t unavailable, timeout, constraint, other;
} counters;

static void stat_bump(_Atomic uint64_t *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static struct {
	const struct db_statement *stmts;
	size_t n;
} tables[MAX_STATEMENT_TABLES];
static size_t ntables;

/*
 * The write frame's transactions are notified after COMMIT (db/notifier.h):
 * the first tells the change-log trigger so, with BEGIN; the second reads
 * the areas the transaction changed, just before COMMIT (migrations/0022).
 */
static const struct db_statement frame_statements[] = {
	{ "db_notify_after_commit", "SELECT set_config('eq.notify', 'after_commit', true)", 0 },
	{ "db_changed_areas", "SELECT current_setting('eq.changed', true)", 0 },
};

int db_register_statements(const struct db_statement *stmts, size_t n)
{
	if (ntables >= MAX_STATEMENT_TABLES)
		return -1;
	tables[ntables].stmts = stmts;
	tables[ntables].n = n;
	ntables++;
	return 0;
}

int db_pool_init(const struct config *cfg)
{
	static bool registered;
	pthread_condattr_t attr;

	if (!registered && db_register_statements(frame_statements,
						  sizeof(frame_statements) / sizeof(frame_statements[0])) != 0)
		return -1;
	registered = true;

	pool.cfg = cfg;
	db_limits_from_config(&pool.limits, cfg);
	pool.answer_wait_ms = (long)cfg->statement_timeout_ms + ANSWER_GRACE_MS;
	/* Waits for a free connection are timed on the monotonic clock: a
	 * wall-clock step must neither cut one short nor stretch it. */
	if (pthread_condattr_init(&attr) != 0 ||
	    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&pool.freed, &attr) != 0)
		return -1;
	pthread_condattr_destroy(&attr);
	pool.n = cfg->db_pool_size;
	pool.conns = calloc(pool.n, sizeof(*pool.conns));
	return pool.conns && notifier_start(cfg) == 0 ? 0 : -1;
}

void db_pool_shutdown(void)
{
	notifier_stop();
	for (size_t i = 0; i < pool.n; i++)
		if (pool.conns[i].pg)
			PQfinish(pool.conns[i].pg);
	free(pool.conns);
	pool.conns = NULL;
	pool.n = 0;
}

static int prepare_all(PGconn *pg)
{
	for (size_t t = 0; t < ntables; t++) {
		for (size_t i = 0; i < tables[t].n; i++) {
			const struct db_statement *s = &tables[t].stmts[i];
			bool timed_out = false;
			PGresult *r = NULL;
			ExecStatusType st = PGRES_FATAL_ERROR;

			if (PQsendPrepare(pg, s->name, s->sql, s->nparams, NULL)) {
				r = db_await_result(pg, pool.answer_wait_ms, &timed_out);
				st = PQresultStatus(r);
			}
			if (st != PGRES_COMMAND_OK) {
				/* A statement that does not prepare is a bug or a
				 * schema that is not migrated, unless a lock held
				 * elsewhere kept it waiting: say which. */
				const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
				bool waited = state && (strcmp(state, "55P03") == 0 ||
							strcmp(state, "57014") == 0);
				char fields[256];

				snprintf(fields, sizeof(fields), "\"statement\":\"%s\"", s->name);
				log_event(timed_out || waited ? LOG_WARN : LOG_ERROR, timed_out
					  ? "no answer from the database while preparing statements"
					  : waited ? "timed out waiting for a lock while preparing statements"
					  : PQstatus(pg) == CONNECTION_OK
					  ? "cannot prepare statement (is the schema migrated?)"
					  : "connection lost while preparing statements", fields);
				PQclear(r);
				return -1;
			}
			PQclear(r);
		}
	}
	return 0;
}

/* (Re)open c->pg.  Called without the pool lock held. */
static int conn_open(struct db_conn *c)
{
	bool throttled;

	pthread_mutex_lock(&pool.lock);
	throttled = pool.refused && db_ms_since(&pool.last_refused) < RECONNECT_INTERVAL_MS;
	pthread_mutex_unlock(&pool.lock);
	if (throttled)
		return -1;

	if (c->pg)
		PQfinish(c->pg);
	c->in_tx = false;
	c->pg = db_connect_with_defaults(pool.cfg->database_url, &pool.limits);
	if (c->pg && PQstatus(c->pg) == CONNECTION_OK && prepare_all(c->pg) == 0) {
		stat_bump(&counters.connects);
		if (c->was_open)
			stat_bump(&counters.reconnects);
		c->was_open = true;
		pthread_mutex_lock(&pool.lock);
		if (pool.refused)
			log_event(LOG_INFO, "database connection restored", NULL);
		pool.refused = false;
		pthread_mutex_unlock(&pool.lock);
		return 0;
	}
	stat_bump(&counters.connect_failures);
	pthread_mutex_lock(&pool.lock);
	if (!pool.refused) {
		const char *msg = c->pg ? PQerrorMessage(c->pg) : "out of memory";

		log_msgf(LOG_WARN, "database unavailable: %.*s", (int)strcspn(msg, "\n"), msg);
	}
	pool.refused = true;
	clock_gettime(CLOCK_MONOTONIC, &pool.last_refused);
	pthread_mutex_unlock(&pool.lock);
	if (c->pg)
		PQfinish(c->pg);
	c->pg = NULL;
	return -1;
}

struct db_conn *db_acquire(void)
{
	struct db_conn *c = NULL;
	struct timespec deadline;
	unsigned wait_ms = pool.cfg->db_acquire_timeout_ms;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += wait_ms / 1000;
	deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		for (size_t i = 0; i < pool.n; i++) {
			/* Prefer a slot that is already connected. */
			if (!pool.conns[i].in_use && pool.conns[i].pg) {
				c = &pool.conns[i];
				break;
			}
			if (!c && !pool.conns[i].in_use)
				c = &pool.conns[i];
		}
		if (c)
			break;
		pool.waiting++;
		rc = pthread_cond_timedwait(&pool.freed, &pool.lock, &deadline);
		pool.waiting--;
		if (rc == ETIMEDOUT) {
			char fields[64];

			pthread_mutex_unlock(&pool.lock);
			stat_bump(&counters.acquire_timeouts);
			snprintf(fields, sizeof(fields), "\"waited_ms\":%u", wait_ms);
			log_event(LOG_WARN, "no database connection free within the acquire timeout", fields);
			return NULL;
		}
	}
	c->in_use = true;
	pthread_mutex_unlock(&pool.lock);

	if ((!c->pg || PQstatus(c->pg) != CONNECTION_OK) && conn_open(c) != 0) {
		db_release(c);
		return NULL;
	}
	c->sqlstate[0] = '\0';
	return c;
}

static void drop_queued(struct db_conn *c)
{
	for (size_t i = 0; i < c->nqueued; i++)
		free(c->queued[i]);
	c->nqueued = 0;
	free(c->finish);
	c->finish = NULL;
}

static void drop_prefetched(struct db_conn *c)
{
	for (size_t i = 0; i < DB_BATCH_MAX; i++) {
		PQclear(c->prefetched[i]);
		c->prefetched[i] = NULL;
	}
}

void db_release(struct db_conn *c)
{
	if (!c)
		return;
	if (c->in_tx)
		db_rollback(c);
	drop_queued(c);
	drop_prefetched(c);
	c->ended = false;
	if (c->pg && PQstatus(c->pg) != CONNECTION_OK) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	pthread_mutex_lock(&pool.lock);
	c->in_use = false;
	pthread_cond_signal(&pool.freed);
	pthread_mutex_unlock(&pool.lock);
}

static enum db_status classify(struct db_conn *c, PGresult *r, const char *stmt)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg;
	char fields[512];

	snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state ? state : "");
	if (!c->pg || PQstatus(c->pg) != CONNECTION_OK || !state ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) {
		stat_bump(&counters.unavailable);
		return DB_UNAVAILABLE;
	}
	if (strncmp(state, "23", 2) == 0) {
		stat_bump(&counters.constraint);
		return DB_CONSTRAINT;
	}
	/* statement_timeout, lock_timeout */
	if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0) {
		stat_bump(&counters.timeout);
		snprintf(fields, sizeof(fields), "\"statement\":\"%s\",\"sqlstate\":\"%s\"", stmt, state);
		log_event(LOG_WARN, strcmp(state, "55P03") == 0 ? "lock wait timed out"
			  : "statement timed out", fields);
		return DB_TIMEOUT;
	}
	stat_bump(&counters.other);
	msg = PQresultErrorMessage(r);
	snprintf(fields, sizeof(fields), "\"statement\":\"%s\",\"sqlstate\":\"%s\"", stmt, state);
	log_msgf(LOG_ERROR, "statement %s failed: %.*s", stmt, (int)strcspn(msg, "\n"), msg);
	return DB_ERROR;
}

void db_pool_stats(struct db_pool_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&pool.lock);
	out->size = (unsigned)pool.n;
	for (size_t i = 0; i < pool.n; i++)
		out->in_use += pool.conns[i].in_use;
	out->waiting = pool.waiting;
	pthread_mutex_unlock(&pool.lock);
	out->acquire_timeouts = atomic_load(&counters.acquire_timeouts);
	out->connects = atomic_load(&counters.connects);
	out->reconnects = atomic_load(&counters.reconnects);
	out->connect_failures = atomic_load(&counters.connect_failures);
	out->errors_unavailable = atomic_load(&counters.unavailable);
	out->errors_timeout = atomic_load(&counters.timeout);
	out->errors_constraint = atomic_load(&counters.constraint);
	out->errors_other = atomic_load(&counters.other);
}

/* The server did not answer within statement_timeout and the grace: give
 * the connection up (the server rolls back what it was doing when it sees
 * it gone) and say so. */
static enum db_status no_answer(struct db_conn *c, const char *stmt)
{
	char fields[256];

	stat_bump(&counters.timeout);
	snprintf(fields, sizeof(fields), "\"statement\":\"%s\",\"waited_ms\":%ld", stmt,
		 pool.answer_wait_ms);
	log_event(LOG_WARN, "no answer from the database in time; connection dropped", fields);
	PQfinish(c->pg);
	c->pg = NULL;
	c->in_tx = false;
	snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", "");
	return DB_TIMEOUT;
}

static enum db_status run(struct db_conn *c, const char *stmt, int nparams,
			  const char *const *values, PGresult **out)
{
	PGresult *r = NULL;
	ExecStatusType st;
	enum db_status status;
	bool timed_out = false;

	if (!c->pg)
		return DB_UNAVAILABLE;
	if (PQsendQueryPrepared(c->pg, stmt, nparams, values, NULL, NULL, 0))
		r = db_await_result(c->pg, pool.answer_wait_ms, &timed_out);
	if (timed_out)
		return no_answer(c, stmt);
	st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
		if (out)
			*out = r;
		else
			PQclear(r);
		return DB_OK;
	}
	status = classify(c, r, stmt);
	PQclear(r);
	return status;
}

static enum db_status pipeline(struct db_conn *c, const struct db_call *calls, size_t n, bool commit);

enum db_status db_exec(struct db_conn *c, const char *stmt, int nparams,
		       const char *const *values, PGresult **out)
{
	enum db_status status;

	if (out)
		*out = NULL;
	if (c->begin_pending || c->nqueued || c->finish) {
		const struct db_call call = { stmt, nparams, values, out };

		return pipeline(c, &call, 1, false);
	}
	status = run(c, stmt, nparams, values, out);
	/* An idle pooled connection may have died with a database restart;
	 * outside a transaction nothing is lost by retrying once afresh. */
	if (status == DB_UNAVAILABLE && !c->in_tx && conn_open(c) == 0)
		status = run(c, stmt, nparams, values, out);
	return status;
}

static enum db_status simple(struct db_conn *c, const char *sql)
{
	PGresult *r = NULL;
	enum db_status status = DB_OK;
	bool timed_out = false;

	if (!c->pg)
		return DB_UNAVAILABLE;
	if (PQsendQuery(c->pg, sql))
		r = db_await_result(c->pg, pool.answer_wait_ms, &timed_out);
	if (timed_out)
		return no_answer(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		status = classify(c, r, sql);
	PQclear(r);
	return status;
}

enum db_status db_begin(struct db_conn *c)
{
	c->ended = false;
	c->begin_pending = true;
	c->in_tx = true;
	return DB_OK;
}

enum db_status db_commit(struct db_conn *c)
{
	enum db_status status = DB_OK;

	/* Not sent: the COMMIT goes now, with what the caller queued. */
	free(c->finish);
	c->finish = NULL;
	/* A transaction that ran nothing has nothing to commit. */
	if (!c->begin_pending || c->nqueued)
		status = pipeline(c, NULL, 0, true);
	c->begin_pending = false;
	c->in_tx = false;
	return status;
}

void db_rollback(struct db_conn *c)
{
	drop_queued(c);
	c->begin_after = false;
	if (c->begin_pending) {
		/* BEGIN never went out. */
		c->begin_pending = false;
	} else if (c->in_tx && c->pg && PQstatus(c->pg) == CONNECTION_OK) {
		(void)simple(c, "ROLLBACK");
	}
	c->in_tx = false;
}

const char *db_last_sqlstate(const struct db_conn *c)
{
	return c->sqlstate;
}

/* ---- pipelines (libpq pipeline mode) ------------------------------------ */

/* One query of a pipeline: a registered statement, or SQL without
 * parameters (BEGIN, COMMIT). */
struct piece {
	const char *stmt, *sql;
	int nparams;
	const char *const *values;
	PGresult **out;
	bool sync;   /* a sync point: what came before is a transaction of its own */
};

/* BEGIN and its setting, the queued and the called statements, the
 * changed areas and COMMIT. */
#define PIECES_MAX (5 + 2 * DB_BATCH_MAX)


static int send_piece(PGconn *pg, const struct piece *p)
{
	if (p->sync)
		return PQpipelineSync(pg);
	return p->sql ? PQsendQueryParams(pg, p->sql, 0, NULL, NULL, NULL, NULL, 0)
		      : PQsendQueryPrepared(pg, p->stmt, p->nparams, p->values, NULL, NULL, 0);
}

/* The connection is in a state we cannot trust (lost, or out of step with
 * its pipeline): give it up; the server rolls back what it held. */
static enum db_status drop_conn(struct db_conn *c, enum db_status status)
{
	if (status == DB_OK)
		status = DB_UNAVAILABLE;
	if (status == DB_UNAVAILABLE)
		stat_bump(&counters.unavailable);
	PQfinish(c->pg);
	c->pg = NULL;
	c->in_tx = false;
	return status;
}

/* Read the n pieces' results into res[] and the closing sync.  The first
 * failure is the status (its piece's index in *failed, n for none); false in *in_step when the connection can no
 * longer be trusted (lost, no answer, results out of step). */
static enum db_status read_pipeline(struct db_conn *c, const struct piece *p, size_t n,
				    PGresult **res, bool *in_step, bool *timed_out, size_t *failed)
{
	enum db_status status = DB_OK;
	struct timespec since;
	PGresult *r;

	*in_step = false;
	*timed_out = false;
	*failed = n;
	clock_gettime(CLOCK_MONOTONIC, &since);
	for (size_t i = 0; i < n; i++) {
		if (!(*timed_out = !db_wait_for_result(c->pg, &since, pool.answer_wait_ms)) &&
		    (r = PQgetResult(c->pg)) != NULL) {
			if (p[i].sync) {
				/* A sync's answer stands alone: no NULL after it. */
				bool synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;

				PQclear(r);
				if (synced)
					continue;
				return status == DB_OK ? DB_ERROR : status;
			}
			res[i] = r;
			if (status == DB_OK && PQresultStatus(r) != PGRES_TUPLES_OK &&
			    PQresultStatus(r) != PGRES_COMMAND_OK) {
				*failed = i;
				status = PQresultStatus(r) == PGRES_PIPELINE_ABORTED ? DB_ERROR
					: classify(c, r, p[i].sql ? p[i].sql : p[i].stmt);
			}
			/* Each query's results end with a NULL. */
			if (db_wait_for_result(c->pg, &since, pool.answer_wait_ms) &&
			    (r = PQgetResult(c->pg)) == NULL && PQstatus(c->pg) == CONNECTION_OK)
				continue;
			PQclear(r);
		}
		return status;
	}
	if (!(*timed_out = !db_wait_for_result(c->pg, &since, pool.answer_wait_ms))) {
		r = PQgetResult(c->pg);
		*in_step = PQresultStatus(r) == PGRES_PIPELINE_SYNC && PQexitPipelineMode(c->pg) == 1;
		PQclear(r);
	}
	return status;
}

/* Send the pieces in one pipeline and read every result: one round trip.
 * The index of the piece that failed into *failed (n for none). */
static enum db_status run_pipeline(struct db_conn *c, const struct piece *p, size_t n,
				   size_t *failed)
{
	PGresult *res[PIECES_MAX] = { NULL };
	enum db_status status;
	bool in_step, timed_out;
	size_t i = 0;

	*failed = 0;
	if (!c->pg)
		return DB_UNAVAILABLE;
	c->sqlstate[0] = '\0';
	if (PQenterPipelineMode(c->pg) == 1)
		for (i = 0; i < n && send_piece(c->pg, &p[i]) == 1; i++)
			;
	if (i < n || PQpipelineSync(c->pg) != 1)
		return drop_conn(c, DB_UNAVAILABLE);
	status = read_pipeline(c, p, n, res, &in_step, &timed_out, failed);
	if (timed_out)
		status = no_answer(c, p[0].sql ? p[0].sql : p[0].stmt);
	else if (!in_step)
		status = drop_conn(c, status);
	for (i = 0; i < n; i++) {
		if (status == DB_OK && p[i].out)
			*p[i].out = res[i];
		else
			PQclear(res[i]);
	}
	return status;
}

/* The calls as pieces into p, then a sync point when sync; how many. */
static size_t call_pieces(struct piece *p, const struct db_call *calls, size_t n, bool sync)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		p[k++] = (struct piece){ .stmt = calls[i].stmt, .nparams = calls[i].nparams,
					 .values = calls[i].values, .out = calls[i].out };
		if (calls[i].out)
			*calls[i].out = NULL;
	}
	if (sync)
		p[k++] = (struct piece){ .sync = true };
	return k;
}

/*
 * BEGIN if it is pending, the queued statements, the calls, and COMMIT when
 * commit, or after db_commit_after_next's statement: all in one round trip
 * (db_begin_after_next: the calls first).  Before the transaction has
 * begun nothing is lost by retrying once on a fresh connection, as db_exec
 * does; once a COMMIT went out, whether it committed is not known.
 */
static enum db_status pipeline(struct db_conn *c, const struct db_call *calls, size_t n, bool commit)
{
	struct piece p[PIECES_MAX];
	PGresult *done = NULL, *changed = NULL;
	bool opening = c->begin_pending || !c->in_tx, ending = commit || c->finish;
	enum db_status status;
	size_t k = 0, mine, failed;

	/* db_begin_after_next: the calls first, on their own. */
	if (c->begin_after)
		k = call_pieces(p, calls, n, true);
	if (c->begin_pending) {
		p[k++] = (struct piece){ .sql = "BEGIN" };
		p[k++] = (struct piece){ .stmt = "db_notify_after_commit" };
	}
	for (size_t i = 0; i < c->nqueued; i++)
		p[k++] = (struct piece){ .stmt = c->queued[i]->stmt, .nparams = c->queued[i]->nparams,
					 .values = c->queued[i]->values,
					 .out = c->begin_after ? &c->prefetched[i] : NULL };
	if (!c->begin_after)
		k += call_pieces(p + k, calls, n, false);
	mine = k;
	if (c->finish)
		p[k++] = (struct piece){ .stmt = c->finish->stmt, .nparams = c->finish->nparams,
					 .values = c->finish->values };
	if (ending) {
		p[k++] = (struct piece){ .stmt = "db_changed_areas", .out = &changed };
		p[k++] = (struct piece){ .sql = "COMMIT", .out = &done };
	}
	status = run_pipeline(c, p, k, &failed);
	if (status == DB_UNAVAILABLE && opening && !ending && conn_open(c) == 0)
		status = run_pipeline(c, p, k, &failed);
	/* A COMMIT of a transaction that had failed answers ROLLBACK. */
	if (status == DB_OK && done && strcmp(PQcmdStatus(done), "COMMIT") != 0)
		status = DB_ERROR;
	/* The caller's statements ran; what failed is the frame's end: for
	 * the caller, a commit that may or may not have happened. */
	if (status == DB_ERROR || status == DB_CONSTRAINT)
		status = c->finish && failed >= mine ? DB_UNAVAILABLE : status;
	if (status == DB_OK && changed && PQntuples(changed) == 1 && PQgetvalue(changed, 0, 0)[0])
		notifier_post(PQgetvalue(changed, 0, 0));
	PQclear(done);
	PQclear(changed);
	if (c->finish) {
		c->ended = true;
		c->end_status = status;
	}
	drop_queued(c);
	if (c->begin_pending)
		c->in_tx = c->pg != NULL;
	c->begin_pending = c->begin_after = false;
	if (ending)
		c->in_tx = false;
	/* A failed statement before COMMIT left the transaction open. */
	if (ending && c->pg && PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		(void)simple(c, "ROLLBACK");
	return status;
}

enum db_status db_exec_batch(struct db_conn *c, const struct db_call *calls, size_t n)
{
	if (n > DB_BATCH_MAX)
		return DB_ERROR;
	return pipeline(c, calls, n, false);
}

/* stmt and a copy of its values in one allocation; NULL when memory ran out. */
static struct deferred *deferred_new(const char *stmt, int nparams, const char *const *values)
{
	size_t size = sizeof(struct deferred) + (size_t)nparams * sizeof(char *);
	struct deferred *d;
	char *text;

	for (int i = 0; i < nparams; i++)
		size += values[i] ? strlen(values[i]) + 1 : 0;
	if (!(d = malloc(size)))
		return NULL;
	d->stmt = stmt;
	d->nparams = nparams;
	d->values = (const char **)(d + 1);
	text = (char *)(d->values + nparams);
	for (int i = 0; i < nparams; i++) {
		size_t len = values[i] ? strlen(values[i]) + 1 : 0;

		d->values[i] = values[i] ? memcpy(text, values[i], len) : NULL;
		text += len;
	}
	return d;
}

enum db_status db_defer(struct db_conn *c, const char *stmt, int nparams,
			const char *const *values)
{
	if (c->nqueued >= DB_BATCH_MAX || !(c->queued[c->nqueued] = deferred_new(stmt, nparams, values)))
		return DB_ERROR;
	c->nqueued++;
	return DB_OK;
}

enum db_status db_commit_after_next(struct db_conn *c, const char *stmt, int nparams,
				    const char *const *values)
{
	if (!c->in_tx || c->begin_after || c->finish || !(c->finish = deferred_new(stmt, nparams, values)))
		return DB_ERROR;
	return DB_OK;
}

bool db_ended(const struct db_conn *c, enum db_status *status)
{
	*status = c->end_status;
	return c->ended;
}

enum db_status db_begin_after_next(struct db_conn *c, const struct db_call *calls, size_t n)
{
	if (c->in_tx || c->begin_pending || c->nqueued || n > DB_BATCH_MAX)
		return DB_ERROR;
	drop_prefetched(c);
	for (size_t i = 0; i < n; i++)
		if (db_defer(c, calls[i].stmt, calls[i].nparams, calls[i].values) != DB_OK) {
			drop_queued(c);
			return DB_ERROR;
		}
	c->begin_pending = c->begin_after = true;
	c->in_tx = true;
	return DB_OK;
}

PGresult *db_prefetched(struct db_conn *c, size_t i)
{
	PGresult *r = i < DB_BATCH_MAX ? c->prefetched[i] : NULL;

	if (r)
		c->prefetched[i] = NULL;
	return r;
}
