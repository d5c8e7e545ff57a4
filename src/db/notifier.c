/*
 * notifier.c - notifications of changed data after COMMIT (see notifier.h).
 */
#include "db/notifier.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db/db.h"
#include "util/log.h"

/* Distinct areas queued at once; more (which no schema has) are sent as
 * one name no listener knows, which it takes for "everything changed". */
#define MAX_AREAS 16
#define AREA_LEN 48
#define EVERYTHING "*"
/* At most one notification per this interval while writes keep coming:
 * every notification wakes every instance's listener, which starts a new
 * cache generation; a write's own instance has invalidated already. */
#define MIN_GAP_MS 200

static struct {
	pthread_mutex_t lock;
	pthread_cond_t posted;
	pthread_t thread;
	bool started, stopping;
	const struct config *cfg;
	char areas[MAX_AREAS][AREA_LEN];
	unsigned n;
	bool overflow;
} q = { .lock = PTHREAD_MUTEX_INITIALIZER, .posted = PTHREAD_COND_INITIALIZER };

/* One name into the queue, unless it is there already.  Lock held. */
static void queue_one(const char *name, size_t len)
{
	if (len == 0)
		return;
	for (unsigned i = 0; i < q.n; i++)
		if (strncmp(q.areas[i], name, len) == 0 && q.areas[i][len] == '\0')
			return;
	if (q.n == MAX_AREAS || len >= AREA_LEN) {
		q.overflow = true;
		return;
	}
	memcpy(q.areas[q.n], name, len);
	q.areas[q.n++][len] = '\0';
}

void notifier_post(const char *areas)
{
	pthread_mutex_lock(&q.lock);
	if (q.started) {
		for (const char *s = areas; *s; ) {
			size_t len = strcspn(s, ",");

			queue_one(s, len);
			s += len + (s[len] == ',');
		}
		pthread_cond_signal(&q.posted);
	}
	pthread_mutex_unlock(&q.lock);
}

/* The queue as "a,b,c" into out, emptied.  Lock held. */
static void queue_take(char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	if (q.overflow)
		q.n = 0;
	for (unsigned i = 0; i < q.n; i++) {
		size_t len = strlen(q.areas[i]);

		if (used + len + 2 > size)
			break;
		if (used)
			out[used++] = ',';
		memcpy(out + used, q.areas[i], len + 1);
		used += len;
	}
	if (q.overflow)
		memcpy(out, EVERYTHING, sizeof(EVERYTHING));
	q.n = 0;
	q.overflow = false;
}

/* Send one notification, on *pg, (re)connecting once when it is not
 * there or has broken.  A failure is logged and dropped: the listeners'
 * polling of the change log stands in for it. */
static void send_areas(PGconn **pg, const char *areas)
{
	const char *p[1] = { areas };

	for (int attempt = 0; attempt < 2; attempt++) {
		PGresult *r;
		bool ok;

		if (!*pg || PQstatus(*pg) != CONNECTION_OK) {
			struct db_limits limits;

			PQfinish(*pg);
			db_limits_from_config(&limits, q.cfg);
			*pg = db_connect_with_defaults(q.cfg->database_url, &limits);
			if (!*pg || PQstatus(*pg) != CONNECTION_OK)
				continue;
			/* Apart from the pool's connections in pg_stat_activity,
			 * as the listener is: whoever counts the pool must not
			 * count it. */
			PQclear(PQexec(*pg, "SELECT set_config('application_name',"
				       " left(current_setting('application_name'), 48) || ' notifier', false)"));
		}
		r = PQexecParams(*pg, "SELECT eq_notify_changes($1)", 1, NULL, p, NULL, NULL, 0);
		ok = PQresultStatus(r) == PGRES_TUPLES_OK;
		PQclear(r);
		if (ok)
			return;
	}
	log_event(LOG_WARN, "could not notify a change; other instances catch up from the change log", NULL);
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static void *notifier_main(void *arg)
{
	PGconn *pg = NULL;
	char areas[MAX_AREAS * AREA_LEN];
	struct timespec last = { 0, 0 };
	bool stop = false;

	(void)arg;
	while (!stop) {
		long gap;

		pthread_mutex_lock(&q.lock);
		while (!q.stopping && q.n == 0 && !q.overflow)
			pthread_cond_wait(&q.posted, &q.lock);
		gap = MIN_GAP_MS - ms_since(&last);
		if (!q.stopping && gap > 0) {
			/* More posts merge into this one meanwhile. */
			struct timespec pause = { 0, gap * 1000000L };

			pthread_mutex_unlock(&q.lock);
			nanosleep(&pause, NULL);
			pthread_mutex_lock(&q.lock);
		}
		stop = q.stopping;
		queue_take(areas, sizeof(areas));
		pthread_mutex_unlock(&q.lock);
		if (areas[0])
			send_areas(&pg, areas);
		clock_gettime(CLOCK_MONOTONIC, &last);
	}
	PQfinish(pg);
	return NULL;
}

int notifier_start(const struct config *cfg)
{
	int rc = 0;

	pthread_mutex_lock(&q.lock);
	q.cfg = cfg;
	q.stopping = false;
	q.n = 0;
	q.overflow = false;
	if (!q.started && pthread_create(&q.thread, NULL, notifier_main, NULL) != 0)
		rc = -1;
	else
		q.started = true;
	pthread_mutex_unlock(&q.lock);
	return rc;
}

void notifier_stop(void)
{
	pthread_mutex_lock(&q.lock);
	if (!q.started) {
		pthread_mutex_unlock(&q.lock);
		return;
	}
	q.stopping = true;
	pthread_cond_signal(&q.posted);
	pthread_mutex_unlock(&q.lock);
	pthread_join(q.thread, NULL);
	pthread_mutex_lock(&q.lock);
	q.started = false;
	pthread_mutex_unlock(&q.lock);
}
