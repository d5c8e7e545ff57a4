/*
 * waitlist.h - requests parked until data changes or a deadline passes.
 *
 * A long poll (GET /v1/changes?wait=...) or an event stream must not hold
 * one of the few worker threads while it waits.  libmicrohttpd can suspend
 * a connection: it leaves the event loop, costs no thread, and is resumed
 * from any thread.  This module keeps the parked connections and resumes
 * them when the change listener reports a write (waitlist_wake_all) or when
 * their own deadline passes (its timer thread).  A resumed request runs its
 * handler, or its stream's reader, again; it decides whether to answer or
 * to park once more.
 *
 * libmicrohttpd must not stop with a suspended connection, so the server
 * calls waitlist_shutdown before MHD_stop_daemon: every parked connection
 * is resumed and no new one is parked (waitlist_park returns false, and the
 * caller answers at once).
 */
#ifndef EQ_HTTP_WAITLIST_H
#define EQ_HTTP_WAITLIST_H

#include <stdbool.h>

struct MHD_Connection;

/* Start the timer thread.  0, or -1 when it cannot start. */
__attribute__((warn_unused_result))
int waitlist_init(void);

/* Resume every parked connection, refuse new ones, stop the timer thread. */
void waitlist_shutdown(void);

/*
 * Suspend conn until waitlist_wake_all() or timeout_ms pass.  Call it only
 * from conn's access handler or content reader (libmicrohttpd's rule), and
 * return from there without queuing a response.  false: not parked (the
 * service is stopping, or out of memory): answer now instead.
 */
bool waitlist_park(struct MHD_Connection *conn, unsigned timeout_ms);

/* Resume every parked connection: data may have changed. */
void waitlist_wake_all(void);

/* How many connections are parked now (for logs and tests). */
unsigned waitlist_count(void);

#endif
