/*
 * server.h - the HTTP server: libmicrohttpd with a pool of worker threads on
 * epoll, the request life cycle, and graceful shutdown.
 */
#ifndef EQ_HTTP_SERVER_H
#define EQ_HTTP_SERVER_H

#include <stddef.h>

#include "http/router.h"

struct config;

/*
 * Block SIGTERM and SIGINT in the calling thread, and so in every thread it
 * starts afterwards: call it before any thread exists, so that the stop
 * signals only ever reach server_run's sigwait().
 */
void server_block_signals(void);

/*
 * Serve routes until SIGTERM or SIGINT, then drain: requests already in
 * flight finish (up to a deadline), new ones get 503 with Connection: close,
 * and return 0.  Returns 1 when the
 * server cannot start (the reason is logged).  routes must outlive the call.
 */
int server_run(const struct config *cfg, const struct route *routes, size_t nroutes);

#endif
