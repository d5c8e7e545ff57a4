/*
 * listener.h - a thread that LISTENs for data changes.
 *
 * Every write that changes published data runs, in its own transaction,
 *     SELECT pg_notify('eq_data_changed', '<area>')
 * PostgreSQL delivers the notification on commit to every instance of the
 * service.  The listener turns it into a new cache generation.  While its
 * connection is down the cache is switched off, because a change could pass
 * unseen; it reconnects by itself.
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

__attribute__((warn_unused_result))
int listener_start(const struct config *cfg);
void listener_stop(void);

#endif
