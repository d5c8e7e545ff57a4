/*
 * housekeeping.h - what the service deletes on its own: stored idempotent
 * answers past EQ_IDEMPOTENCY_KEEP_HOURS, and the personal fields of
 * hate-crime reports past EQ_REPORT_RETENTION_DAYS (victim and suspect
 * characteristics, police reference, free text; the counts the statistics
 * need stay).  The work is the SQL function eq_housekeeping
 * (migrations/0015); this runs it from the change listener's thread every
 * EQ_SWEEP_INTERVAL and from `equalities-api purge`.
 */
#ifndef EQ_DB_HOUSEKEEPING_H
#define EQ_DB_HOUSEKEEPING_H

#include <libpq-fe.h>
#include <stddef.h>

struct config;

struct housekeeping_result {
	long swept;    /* idempotency records deleted */
	long purged;   /* reports whose personal fields were purged */
};

/*
 * One turn on pg (a direct connection, not in a transaction), named
 * request_id in the audit trail.  0, or -1 with the server's reason in err.
 */
__attribute__((warn_unused_result))
int housekeeping_run(PGconn *pg, const struct config *cfg, const char *request_id,
		     struct housekeeping_result *out, char *err, size_t errlen);

/* A turn when cfg->sweep_interval_s have passed since the last (the first
 * call runs at once); failures are logged and retried next interval. */
void housekeeping_tick(PGconn *pg, const struct config *cfg);

#endif
