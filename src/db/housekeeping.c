/*
 * housekeeping.c - the periodic sweep and retention purge (see housekeeping.h).
 */
#include "db/housekeeping.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "db/db.h"
#include "util/log.h"

int housekeeping_run(PGconn *pg, const struct config *cfg, const char *request_id,
		     struct housekeeping_result *out, char *err, size_t errlen)
{
	char hours[16], days[16];
	const char *p[3] = { hours, days, request_id };
	PGresult *r = NULL;

	snprintf(hours, sizeof(hours), "%u", cfg->idempotency_keep_hours);
	snprintf(days, sizeof(days), "%u", cfg->report_retention_days);
	out->swept = out->purged = 0;
	if (db_direct_exec(pg, "SELECT swept, purged FROM eq_housekeeping($1::int, $2::int, $3)",
			   3, p, &r, err, errlen) != 0)
		return -1;
	out->swept = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	out->purged = strtol(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	return 0;
}

void housekeeping_tick(PGconn *pg, const struct config *cfg)
{
	static time_t last;
	time_t now = time(NULL);
	struct housekeeping_result done;
	char err[256], msg[128];

	if (last && now - last < (time_t)cfg->sweep_interval_s)
		return;
	last = now;
	if (housekeeping_run(pg, cfg, "housekeeping", &done, err, sizeof(err)) != 0) {
		log_event(LOG_WARN, "housekeeping failed; will retry", NULL);
		return;
	}
	if (done.swept || done.purged) {
		snprintf(msg, sizeof(msg), "housekeeping: %ld idempotency records swept, %ld reports purged",
			 done.swept, done.purged);
		log_event(LOG_INFO, msg, NULL);
	}
}
