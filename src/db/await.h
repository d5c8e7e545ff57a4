/*
 * await.h - waiting for PostgreSQL's answer on a connection, never without
 * a bound.  For db.c's pool (internal to src/db: handlers use db.h).
 */
#ifndef EQ_DB_AWAIT_H
#define EQ_DB_AWAIT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <time.h>

/* Milliseconds since t (CLOCK_MONOTONIC). */
long db_ms_since(const struct timespec *t);

/* Wait until a result can be read on pg without blocking, at most wait_ms
 * after since (CLOCK_MONOTONIC); false when that time ran out first.  A
 * connection that broke is ready: PQgetResult then reports it. */
bool db_wait_for_result(PGconn *pg, const struct timespec *since, long wait_ms);

/*
 * The result of what was just sent on pg, waiting at most wait_ms for it.
 * libpq's own PQexec would wait for ever on a server that accepted the
 * query and then stopped answering (a frozen host, a partition): then
 * statement_timeout, enforced by that same server, never comes.  NULL with
 * *timed_out when the wait ran out (the connection is then unusable: a
 * result is still owed on it); otherwise the first error result, or the
 * last result, as PQexec would return; the caller PQclears it.
 */
PGresult *db_await_result(PGconn *pg, long wait_ms, bool *timed_out);

#endif
