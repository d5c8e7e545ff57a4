/*
 * listener.h - a thread that LISTENs for data changes.
 *
 * Every write that changes published data is notified on
 *     pg_notify('eq_data_changed', '<area>')
 * by the change-log trigger in its own transaction, or, for the service's
 * own writes, just after their COMMIT (db/notifier.h).  PostgreSQL delivers
 * it to every instance of the service.  A notification can be lost (a
 * process killed between a COMMIT and its notification), so the listener
 * also reads the change log once a second and reports the areas changed
 * since it last looked.  The listener hands each wake's changes to its
 * owner's callbacks (the server turns them into a new cache generation and wakes
 * parked long polls), and says when its connection comes and goes: while it
 * is down a change could pass unseen.  It reconnects by itself.  It knows
 * nothing of what the callbacks do: db/ calls nothing above itself.
 */
#ifndef EQ_DB_LISTENER_H
#define EQ_DB_LISTENER_H

#include <stdbool.h>
#include <stdint.h>

struct config;

#define LISTENER_CHANNEL "eq_data_changed"

/* For /metrics. */
struct listener_stats {
	bool connected;           /* LISTENing now (the cache is on only then) */
	uint64_t connects;        /* connections made, the first one included */
	uint64_t notifications;   /* NOTIFYs received */
};

void listener_stats(struct listener_stats *out);

/*
 * What the listener reports, each called on its own thread.  Every member
 * must be set; ctx is passed back as it is and must outlive the listener.
 *   connected   the connection is up and LISTENing (true), or lost (false;
 *               also once at stop)
 *   area_mask   the bit set of one notification's payload ("demographics")
 *   changed     the union of the masks of one wake's notifications (never 0)
 */
struct listener_callbacks {
	void *ctx;
	void (*connected)(void *ctx, bool up);
	unsigned (*area_mask)(void *ctx, const char *payload);
	void (*changed)(void *ctx, unsigned areas);
};

/* Start the thread; cfg and cb must outlive it (listener_stop). */
__attribute__((warn_unused_result))
int listener_start(const struct config *cfg, const struct listener_callbacks *cb);
void listener_stop(void);

#endif
