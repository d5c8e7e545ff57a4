/*
 * notifier.h - the service's notifications of changed data, sent after
 * COMMIT instead of inside the writing transaction.
 *
 * A transaction that notifies holds PostgreSQL's database-wide notification
 * lock across its commit's WAL flush, so notifying writes commit one at a
 * time (migrations/0022_write_path.sql).  The write frame's
 * transactions therefore ask the change-log trigger not to notify; db.c
 * reads the areas they changed just before COMMIT and, once the COMMIT has
 * succeeded, posts them here.  One thread, on a connection of its own,
 * sends them (eq_notify_changes, without waiting for its commit to reach
 * disk: a notification holds no data), merging whatever was posted while
 * the last one was on its way.
 *
 * Nothing waits on it, and a notification lost (the process killed between
 * COMMIT and the send, or the database away) costs other instances at most
 * the listener's catch-up interval: every listener also polls the change
 * log (db/listener.h).  This instance's own cache is invalidated by the
 * write itself.
 */
#ifndef EQ_DB_NOTIFIER_H
#define EQ_DB_NOTIFIER_H

struct config;

/* Start the thread; cfg must outlive it.  -1 when it cannot start. */
__attribute__((warn_unused_result))
int notifier_start(const struct config *cfg);

/* Queue the areas of one committed transaction ("hate_crime,reference"),
 * merged with those already queued; never blocks on the database. */
void notifier_post(const char *areas);

/* Send what is queued (one attempt), then stop the thread.  Safe to call
 * when it never started. */
void notifier_stop(void);

#endif
