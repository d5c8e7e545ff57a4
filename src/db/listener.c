/*
 * listener.c - LISTEN/NOTIFY to its owner's callbacks (see listener.h).
 */
#include "db/listener.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db/db.h"
#include "db/housekeeping.h"
#include "util/log.h"

static pthread_t thread;
static atomic_bool stopping;
static bool started;
static const struct config *config;
static const struct listener_callbacks *callbacks;
static atomic_bool connected;
static _Atomic uint64_t stat_connects, stat_notifications;

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static PGconn *connect_and_listen(void)
{
	struct db_limits limits;
	PGconn *pg;
	PGresult *r;

	/* The pool's limits: LISTEN is instant, and an idle connection that
	 * died silently is found by the keepalives, the cache off meanwhile. */
	db_limits_from_config(&limits, config);
	pg = db_connect_with_defaults(config->database_url, &limits);

	if (!pg || PQstatus(pg) != CONNECTION_OK) {
		PQfinish(pg);
		return NULL;
	}
	/* Named apart from the pool's connections in pg_stat_activity, so
	 * that an operator (or a test) counting the pool does not count it. */
	r = PQexec(pg, "SELECT set_config('application_name',"
		   " left(current_setting('application_name'), 48) || ' listener', false);"
		   " LISTEN " LISTENER_CHANNEL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		PQfinish(pg);
		return NULL;
	}
	PQclear(r);
	return pg;
}

/*
 * Now and then, forget changes older than a day (GET /v1/changes answers a
 * cursor older than that with a reset).  Any instance may do it; the
 * function serialises itself.  A failure is only logged: it is retried at
 * the next turn and nothing depends on it.
 */
static void prune_change_log(PGconn *pg)
{
	static time_t last;
	time_t now = time(NULL);
	PGresult *r;

	if (now - last < 600)
		return;
	last = now;
	r = PQexec(pg, "SELECT eq_prune_change_log(interval '1 day')");
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		log_event(LOG_WARN, "pruning the change log failed; will retry", NULL);
	PQclear(r);
}

/*
 * Once a second, the areas of changes committed since the last look whose
 * notification never came: the service notifies after COMMIT
 * (db/notifier.h), and a process killed between the two, or a database
 * that went away, loses one.  The change log is read by transaction id up
 * to the oldest transaction still running, as GET /v1/changes reads it
 * (migrations/0011): nothing that commits later falls below that line.  The
 * first look starts at the next id to be assigned: what committed before
 * the listener was there is no news to a cache that is only now starting.
 *
 * An area notified since the look before last is left out: whatever of it
 * committed before that notification is covered by it, and what committed
 * after (with its own notification lost) by the area's next change.  So a
 * write that was notified does not cost a second cache generation, which
 * would also send reads that every cache entry of the area answered to a
 * database that may be busy.  0 when nothing is news or the query failed.
 */
static unsigned notified_now, notified_before;   /* the listener thread's */

static unsigned catch_up(PGconn *pg)
{
	static time_t last_look;
	static char line[24];
	const char *p[1] = { line[0] ? line : NULL };
	time_t now = time(NULL);
	unsigned found = 0, news;
	PGresult *r;

	if (now == last_look)
		return 0;
	last_look = now;
	r = PQexecParams(pg, "WITH s AS (SELECT pg_current_snapshot() AS snap),"
			 " l AS (SELECT coalesce($1::bigint, pg_snapshot_xmax(snap)::text::bigint) AS since,"
			 "  pg_snapshot_xmin(snap)::text::bigint AS upto FROM s)"
			 " SELECT greatest(l.since, l.upto), c.area FROM l LEFT JOIN LATERAL"
			 " (SELECT DISTINCT area FROM change_log WHERE xid >= l.since AND xid < l.upto) c ON true",
			 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
		for (int i = 0; i < PQntuples(r); i++)
			if (!PQgetisnull(r, i, 1))
				found |= callbacks->area_mask(callbacks->ctx, PQgetvalue(r, i, 1));
		snprintf(line, sizeof(line), "%s", PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	news = found & ~(notified_now | notified_before);
	notified_before = notified_now;
	notified_now = 0;
	return news;
}

static void *listener_main(void *arg)
{
	PGconn *pg = NULL;
	long backoff = 100;

	(void)arg;
	while (!atomic_load(&stopping)) {
		struct pollfd pfd;
		PGnotify *note;
		unsigned changed = 0;

		if (!pg) {
			pg = connect_and_listen();
			if (!pg) {
				pause_ms(backoff);
				backoff = backoff < 1000 ? backoff * 2 : 1000;
				continue;
			}
			backoff = 100;
			atomic_store(&connected, true);
			atomic_fetch_add(&stat_connects, 1);
			callbacks->connected(callbacks->ctx, true);
			log_event(LOG_INFO, "change listener connected", NULL);
		}
		pfd.fd = PQsocket(pg);
		pfd.events = POLLIN;
		pfd.revents = 0;
		/* Wake at least every 250 ms to notice shutdown.  A connection
		 * that broke during a query (the pruning) has no socket left to
		 * poll, so its status is checked as well. */
		if (PQstatus(pg) == CONNECTION_OK && poll(&pfd, 1, 250) < 0)
			continue;
		if (PQstatus(pg) != CONNECTION_OK ||
		    (pfd.revents && (PQconsumeInput(pg) == 0 || PQstatus(pg) != CONNECTION_OK))) {
			callbacks->connected(callbacks->ctx, false);
			atomic_store(&connected, false);
			log_event(LOG_WARN, "change listener lost its connection; cache off until it is back", NULL);
			PQfinish(pg);
			pg = NULL;
			continue;
		}
		while ((note = PQnotifies(pg)) != NULL) {
			unsigned mask = callbacks->area_mask(callbacks->ctx, note->extra);

			changed |= mask;
			notified_now |= mask;
			atomic_fetch_add(&stat_notifications, 1);
			PQfreemem(note);
		}
		changed |= catch_up(pg);
		if (changed)
			callbacks->changed(callbacks->ctx, changed);
		prune_change_log(pg);
		housekeeping_tick(pg, config);
	}
	PQfinish(pg);
	callbacks->connected(callbacks->ctx, false);
	atomic_store(&connected, false);
	return NULL;
}

void listener_stats(struct listener_stats *out)
{
	out->connected = atomic_load(&connected);
	out->connects = atomic_load(&stat_connects);
	out->notifications = atomic_load(&stat_notifications);
}

int listener_start(const struct config *cfg, const struct listener_callbacks *cb)
{
	config = cfg;
	callbacks = cb;
	atomic_store(&stopping, false);
	if (pthread_create(&thread, NULL, listener_main, NULL) != 0)
		return -1;
	started = true;
	return 0;
}

void listener_stop(void)
{
	if (!started)
		return;
	atomic_store(&stopping, true);
	pthread_join(thread, NULL);
	started = false;
}
