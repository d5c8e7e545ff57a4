/*
 * db.h - PostgreSQL connections for the service.
 *
 * A fixed pool of libpq connections (EQ_DB_POOL_SIZE, default 8: one per
 * thread of the database executor, http/executor.h), each opened lazily, given session time limits, and with
 * every registered statement prepared once, by name.  Handlers only ever run
 * named prepared statements with parameters: no SQL is built from input.
 *
 * When PostgreSQL goes away, queries fail fast with DB_UNAVAILABLE (the
 * caller answers 503); the next acquire reconnects, so the service recovers
 * without a restart.  Reconnects are throttled so that a dead database costs
 * one refused connect per interval, not one per request.
 *
 * No request waits on the database without a bound: for a connection at
 * most EQ_DB_ACQUIRE_TIMEOUT_MS; to connect, EQ_DB_CONNECT_TIMEOUT; for a
 * lock, EQ_LOCK_TIMEOUT_MS; for a statement, EQ_STATEMENT_TIMEOUT_MS (the
 * server's statement_timeout, and on our side that plus a second, should
 * the server not answer at all: the connection is then dropped).  Each of
 * these ends in DB_TIMEOUT or DB_UNAVAILABLE, that is a 503.
 */
#ifndef EQ_DB_DB_H
#define EQ_DB_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

struct db_statement {
	const char *name;   /* unique across the service, "areas_list" */
	const char *sql;    /* $1, $2 ... parameters, all text */
	int nparams;
};

enum db_status {
	DB_OK = 0,
	DB_UNAVAILABLE = -1,   /* connection lost or refused: 503 */
	DB_ERROR = -2,         /* the statement failed: 500, logged */
	DB_CONSTRAINT = -3,    /* unique/foreign-key/check violation: caller decides */
	DB_TIMEOUT = -4,       /* statement_timeout, lock_timeout, no answer: 503 */
};

struct db_conn;

/* Add statements to prepare on every connection.  Call before db_pool_init.
 * The array must outlive the pool (static tables). */
__attribute__((warn_unused_result))
int db_register_statements(const struct db_statement *stmts, size_t n);

__attribute__((warn_unused_result))
int db_pool_init(const struct config *cfg);
void db_pool_shutdown(void);

/* For /metrics: the pool now, and counters since start. */
struct db_pool_stats {
	unsigned size;              /* EQ_DB_POOL_SIZE */
	unsigned in_use;            /* handed out to a request */
	unsigned waiting;           /* requests waiting for a free one */
	uint64_t acquire_timeouts;  /* waits that gave up (the request got 503) */
	uint64_t connects;          /* connections opened, the first ones included */
	uint64_t reconnects;        /* of those, opened again in a slot that had one */
	uint64_t connect_failures;  /* refused or failed while preparing */
	uint64_t errors_unavailable;   /* failed statements: connection lost */
	uint64_t errors_timeout;       /* statement_timeout or lock_timeout */
	uint64_t errors_constraint;    /* integrity violations (the caller decides) */
	uint64_t errors_other;         /* any other failure (a 500) */
};

void db_pool_stats(struct db_pool_stats *out);

/* A connection, waiting at most EQ_DB_ACQUIRE_TIMEOUT_MS for one to be
 * free; NULL when none could be had (database down, or every connection
 * busy for that long): the caller answers 503 with Retry-After. */
struct db_conn *db_acquire(void);
void db_release(struct db_conn *c);

/*
 * Run a registered statement.  On DB_OK *out (when out is non-NULL) holds
 * the result, which the caller PQclear()s; on failure *out is NULL and the
 * cause has been logged.  A read outside a transaction that finds its
 * connection broken is retried once on a fresh connection.
 */
__attribute__((warn_unused_result))
enum db_status db_exec(struct db_conn *c, const char *stmt, int nparams,
		       const char *const *values, PGresult **out);

/*
 * Several registered statements in one round trip (libpq pipeline mode):
 * each call's *out (when out is non-NULL) is set as db_exec would, all of
 * them NULL unless the whole batch is DB_OK.  The statements run in order;
 * after the first that fails the rest are skipped, and that failure is the
 * batch's.  Outside a transaction they share one implicit transaction.
 */
struct db_call {
	const char *stmt;
	int nparams;
	const char *const *values;
	PGresult **out;
};

#define DB_BATCH_MAX 8

__attribute__((warn_unused_result))
enum db_status db_exec_batch(struct db_conn *c, const struct db_call *calls, size_t n);

/*
 * Transactions: BEGIN / COMMIT / ROLLBACK, sent with the statements around
 * them so that they cost no round trip of their own: db_begin only notes
 * the transaction, and BEGIN goes out in one pipeline with the next
 * statement (a transaction that ran nothing sends nothing at all).
 *
 * Such a transaction is not notified by the change-log trigger: PostgreSQL
 * would hold its database-wide notification lock across the commit's WAL
 * flush, one committing transaction at a time.  The areas it changed are
 * read in the COMMIT's pipeline and, once it has committed, handed to the
 * notifier (db/notifier.h, started and stopped with the pool).
 */
__attribute__((warn_unused_result))
enum db_status db_begin(struct db_conn *c);
__attribute__((warn_unused_result))
enum db_status db_commit(struct db_conn *c);
/* Nothing to do when no transaction is open. */
void db_rollback(struct db_conn *c);

/*
 * Queue a registered statement whose result nobody reads, inside the
 * transaction, to go out with the next statement, batch or COMMIT on c (one
 * round trip for all of them).  The values are copied.  Its failure is the
 * failure of that next call (a failed COMMIT for the write frame: a 503);
 * ROLLBACK discards what is queued.  DB_ERROR when memory ran out or more
 * than DB_BATCH_MAX are queued.
 */
__attribute__((warn_unused_result))
enum db_status db_defer(struct db_conn *c, const char *stmt, int nparams,
			const char *const *values);

/*
 * A transaction that begins in the round trip of the next call on c, after
 * it: that call runs (and commits) on its own, as it would have, and then
 * BEGIN and the calls given here (copied), whose results c keeps for
 * db_prefetched.  So the write frame's first statements travel with the
 * key's look-up.  The next call's status covers them all; whatever it is,
 * the transaction is open afterwards (db_commit, db_rollback or
 * db_release ends it).  DB_ERROR when c is in a transaction already, more
 * than DB_BATCH_MAX are given, or memory ran out.
 */
__attribute__((warn_unused_result))
enum db_status db_begin_after_next(struct db_conn *c, const struct db_call *calls, size_t n);

/*
 * The next call on c (db_exec, db_exec_batch) ends its transaction: after
 * that call, in its round trip, stmt (values copied; its result unread),
 * the changed areas and COMMIT.  That call's status then covers them:
 * DB_OK is committed; a failure of the call itself is its own (the
 * transaction rolled back); a failure after it is DB_UNAVAILABLE, since
 * whether a COMMIT that went out committed is not known.  Either way the
 * transaction is over after the call (db_ended).  db_commit or
 * db_rollback before that call drops stmt unsent.  DB_ERROR when no
 * transaction is open, one end is queued already, or memory ran out.
 */
__attribute__((warn_unused_result))
enum db_status db_commit_after_next(struct db_conn *c, const char *stmt, int nparams,
				    const char *const *values);

/* Whether the last call ended the transaction as db_commit_after_next
 * asked, with that call's status in *status; false again from the next
 * db_begin or db_release. */
bool db_ended(const struct db_conn *c, enum db_status *status);

/* The result of call i of db_begin_after_next, taken: the caller PQclears
 * it.  NULL when there is none (not sent yet, failed, or taken).  Results
 * not taken are freed by db_release. */
PGresult *db_prefetched(struct db_conn *c, size_t i);

/* SQLSTATE of the last failed statement on c ("" when none). */
const char *db_last_sqlstate(const struct db_conn *c);

/* Open one connection outside the pool for the CLI (migrate, seed, import).
 * Writes a one-line reason to err on failure. */
PGconn *db_connect_direct(const char *conninfo, char *err, size_t errlen);

/*
 * Run parameterised SQL on a direct (CLI) connection.  On success *out (when
 * non-NULL) holds the result for the caller to PQclear; on failure returns -1
 * with the server's first message line in err.
 */
__attribute__((warn_unused_result))
int db_direct_exec(PGconn *pg, const char *sql, int nparams, const char *const *values,
		   PGresult **out, char *err, size_t errlen);

/* ROLLBACK on a direct connection, on a path that is already failing. */
void db_direct_rollback(PGconn *pg);

/* The time limits of a session (0: PostgreSQL's "none"). */
struct db_limits {
	unsigned connect_timeout_s;       /* libpq connect_timeout (0: 3 s) */
	unsigned statement_timeout_ms;    /* 0: no session limits at all (the CLI) */
	unsigned lock_timeout_ms;
	unsigned idle_in_transaction_ms;  /* idle_in_transaction_session_timeout */
};

/* The service's limits, from EQ_DB_CONNECT_TIMEOUT, EQ_STATEMENT_TIMEOUT_MS,
 * EQ_LOCK_TIMEOUT_MS and EQ_IDLE_IN_TRANSACTION_TIMEOUT_MS. */
void db_limits_from_config(struct db_limits *out, const struct config *cfg);

/* Connect with the service's defaults (connect_timeout, application_name,
 * TCP keepalives and tcp_user_timeout) and, when limits set a statement
 * timeout, the session timeouts, around the user's conninfo (which wins
 * where it sets the same thing).  limits NULL: the CLI's (connect timeout
 * only: a migration may take long).  Exposed for the change listener. */
PGconn *db_connect_with_defaults(const char *conninfo, const struct db_limits *limits);

/* Parse a non-negative integer column; -1 on anything else. */
long long db_get_ll(const PGresult *r, int row, int col);
/* Text of a column, NULL for SQL NULL. */
const char *db_get_text(const PGresult *r, int row, int col);

#endif
