/*
 * await.c - bounded waits for PostgreSQL's answers (see await.h).
 */
#include "db/await.h"

#include <errno.h>
#include <poll.h>

long db_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

bool db_wait_for_result(PGconn *pg, const struct timespec *since, long wait_ms)
{
	while (PQisBusy(pg)) {
		long left = wait_ms - db_ms_since(since);
		struct pollfd pfd = { .fd = PQsocket(pg), .events = POLLIN };

		if (left <= 0)
			return false;
		if (pfd.fd < 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
		/* 0: the connection broke; PQgetResult then reports it. */
		if (PQconsumeInput(pg) == 0)
			break;
	}
	return true;
}

PGresult *db_await_result(PGconn *pg, long wait_ms, bool *timed_out)
{
	struct timespec since;
	PGresult *r, *kept = NULL;

	*timed_out = false;
	clock_gettime(CLOCK_MONOTONIC, &since);
	for (;;) {
		if (!db_wait_for_result(pg, &since, wait_ms)) {
			PQclear(kept);
			*timed_out = true;
			return NULL;
		}
		r = PQgetResult(pg);
		if (!r)
			return kept;
		if (!kept) {
			kept = r;
		} else if (PQresultStatus(kept) == PGRES_FATAL_ERROR) {
			PQclear(r);
		} else {
			PQclear(kept);
			kept = r;
		}
	}
}
