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
 * Serve routes until SIGTERM or SIGINT, then stop accepting, let in-flight
 * requests finish (up to a deadline) and return 0.  Returns 1 when the
 * server cannot start (the reason is logged).  routes must outlive the call.
 */
int server_run(const struct config *cfg, const struct route *routes, size_t nroutes);

#endif
