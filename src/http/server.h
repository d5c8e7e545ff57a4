/*
 * server.h - the HTTP server: libmicrohttpd with a pool of worker threads on
 * epoll, the request life cycle, and graceful shutdown.
 */
#ifndef EQ_HTTP_SERVER_H
#define EQ_HTTP_SERVER_H

#include <stddef.h>
#include <sys/socket.h>

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

/*
 * The same daemon (options, callbacks, request handling) without a listening
 * socket or threads of its own, for the fuzzer: the caller hands in
 * connected sockets with server_add_connection (which takes the fd) and
 * drives them with server_run_once from its own thread.  No signal handling,
 * no drain.  Returns NULL when the daemon cannot start.  cfg and routes must
 * outlive the server; server_stop closes every connection and frees it.
 */
struct server;
struct server *server_start_unlistened(const struct config *cfg, const struct route *routes,
				       size_t nroutes);
__attribute__((warn_unused_result))
int server_add_connection(struct server *srv, int fd, const struct sockaddr *addr,
			  socklen_t addrlen);
/* One non-blocking round of I/O and request processing; 0 or -1. */
int server_run_once(struct server *srv);
/* Connections still open. */
unsigned server_connections(struct server *srv);
void server_stop(struct server *srv);

#endif
