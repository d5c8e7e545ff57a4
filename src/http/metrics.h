/*
 * metrics.h - the HTTP server's own metrics: requests by route, method and
 * status, latency per route, requests in flight, open connections.
 *
 * Every request passes through here, so the request path takes no lock and
 * allocates nothing: counters are relaxed atomics in fixed static tables,
 * and a route or (method, status) pair seen for the first time claims its
 * slot with one compare-and-swap.  Only the scrape (metrics_render) walks
 * the tables.
 *
 * Series are keyed by the route TEMPLATE, never the raw path, so their
 * number is bounded by the route table (plus "unmatched").
 */
#ifndef EQ_HTTP_METRICS_H
#define EQ_HTTP_METRICS_H

#include <microhttpd.h>
#include <stdint.h>

#include "http/router.h"
#include "util/buf.h"

/* Upper bounds of the latency histogram, in seconds (0.5 ms to 5 s). */
#define METRICS_LATENCY_BUCKETS 13
extern const double metrics_latency_le[METRICS_LATENCY_BUCKETS];

/* A request line has arrived (counted in flight until metrics_request_done). */
void metrics_request_started(void);

/*
 * A request is over.  route is a route template from the route table or a
 * fixed label such as "unmatched": a string that lives as long as the
 * process (it is kept, not copied).  method 0 is a method the service does
 * not speak; status 0 means no response was queued (the client went away).
 */
void metrics_request_done(const char *route, enum http_method method, int status,
			  double duration_ms);

/* For MHD_OPTION_NOTIFY_CONNECTION: counts connections opened and open. */
void metrics_connection_cb(void *cls, struct MHD_Connection *connection,
			   void **socket_context, enum MHD_ConnectionNotificationCode toe);

/* Append the HTTP metrics families (HELP, TYPE and samples) to out.
 * 0, or -1 when memory runs out. */
__attribute__((warn_unused_result))
int metrics_render(struct buf *out);

#endif
