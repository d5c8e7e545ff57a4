/*
 * lifecycle.c - the server's life: signals, start, drain, stop; and the
 * same daemon without a listening socket for the fuzzer (see server.h).
 */
#include "http/server.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "config.h"
#include "http/contract.h"
#include "http/exchange.h"
#include "http/executor.h"
#include "http/waitlist.h"
#include "util/log.h"

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

void server_block_signals(void)
{
	sigset_t signals;

	stop_signals(&signals);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int server_run(const struct config *cfg, const struct route *routes, size_t nroutes)
{
	struct server srv = { .cfg = cfg, .routes = routes, .nroutes = nroutes };
	struct server metrics_srv = { .cfg = cfg, .routes = routes, .nroutes = nroutes, .internal = true };
	/* ALLOW_SUSPEND_RESUME: long polls and event streams wait in the
	 * waitlist without holding a worker thread. */
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			 MHD_ALLOW_SUSPEND_RESUME;
	sigset_t signals;
	int sig = 0;
	struct timespec deadline;
	char err[256];

	if (cfg->listen_addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;

	/* Blocked everywhere already (server_block_signals); this thread
	 * alone waits for them. */
	stop_signals(&signals);
	server_block_signals();

	if (contract_bind(&contract_generated, routes, nroutes, err, sizeof(err)) != 0) {
		log_msgf(LOG_ERROR, "%s", err);
		return 1;
	}
	if (waitlist_init() != 0) {
		log_msgf(LOG_ERROR, "cannot start the waitlist timer thread");
		return 1;
	}
	srv.executor = executor_start(&(struct executor_config){
		.threads = cfg->db_pool_size, .queue = cfg->db_queue,
		.timeout_ms = cfg->db_queue_timeout_ms });
	if (!srv.executor) {
		log_msgf(LOG_ERROR, "cannot start the database executor's threads");
		waitlist_shutdown();
		return 1;
	}
	srv.daemon = daemon_start(&srv, flags, cfg->threads);
	if (!srv.daemon) {
		log_msgf(LOG_ERROR, "cannot listen on %s (in use, or not an address of this machine)",
			 cfg->listen);
		waitlist_shutdown();
		executor_stop(srv.executor);
		executor_free(srv.executor);
		return 1;
	}
	log_msgf(LOG_INFO, "listening on http://%s with %u threads and %u for the database",
		 cfg->listen, cfg->threads, cfg->db_pool_size);
	if (cfg->metrics_listen) {
		metrics_srv.daemon = daemon_start(&metrics_srv, MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
						  MHD_USE_ERROR_LOG |
						  (cfg->metrics_addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0), 1);
		if (!metrics_srv.daemon) {
			log_msgf(LOG_ERROR, "cannot listen for metrics on %s (EQ_METRICS_LISTEN; in use, or not an address of this machine; off to go without)",
				 cfg->metrics_listen);
			executor_stop(srv.executor);
			MHD_stop_daemon(srv.daemon);
			executor_free(srv.executor);
			waitlist_shutdown();
			contract_unbind();
			return 1;
		}
		log_msgf(LOG_INFO, "metrics on http://%s/metrics", cfg->metrics_listen);
	}
#ifdef EQ_FAULT_INJECTION
	/* TEST-ONLY: tests/faults checks for this line (see write.c). */
	log_msgf(LOG_WARN, "fault injection compiled in (test build); EQ_FAULT_INJECT=%s",
		 getenv("EQ_FAULT_INJECT") ? getenv("EQ_FAULT_INJECT") : "");
#endif

	while (sigwait(&signals, &sig) != 0)
		;
	log_msgf(LOG_INFO, "%s received: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");

	/*
	 * Let what is in flight finish, answering anything new with 503 and
	 * closing its connection, then stop.  Not MHD_quiesce_daemon: in
	 * 0.9.75 it races a worker's own epoll update for the listening socket
	 * and the loser aborts the process ("Failed to remove listen FD from
	 * epoll set"), seen here about once in 500 stops.
	 */
	atomic_store(&srv.draining, true);
	/* Parked long polls and streams answer now (libmicrohttpd must not
	 * stop with a suspended connection), and nothing parks again. */
	waitlist_shutdown();
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 10;
	for (;;) {
		struct timespec now, pause = { 0, 10 * 1000 * 1000 };

		if (atomic_load(&srv.inflight) == 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec) {
			log_msgf(LOG_WARN, "drain deadline passed with %d requests in flight",
				 atomic_load(&srv.inflight));
			break;
		}
		nanosleep(&pause, NULL);
	}
	/* Nothing may stay suspended when libmicrohttpd stops: what is still
	 * queued (past the deadline only) answers 503 now. */
	executor_stop(srv.executor);
	MHD_stop_daemon(srv.daemon);
	executor_free(srv.executor);
	if (metrics_srv.daemon)
		MHD_stop_daemon(metrics_srv.daemon);
	contract_unbind();
	log_event(LOG_INFO, "stopped", NULL);
	return 0;
}

/* ---- without a listening socket (the fuzzer) ------------------------------ */

struct server *server_start_unlistened(const struct config *cfg, const struct route *routes,
				       size_t nroutes)
{
	struct server *srv = calloc(1, sizeof(*srv));
	char err[256];

	if (!srv)
		return NULL;
	if (contract_bind(&contract_generated, routes, nroutes, err, sizeof(err)) != 0) {
		log_msgf(LOG_ERROR, "%s", err);
		free(srv);
		return NULL;
	}
	srv->cfg = cfg;
	srv->routes = routes;
	srv->nroutes = nroutes;
	/* No thread of its own: the caller's thread runs every callback, so a
	 * sanitizer report shows the whole request in one stack. */
	srv->daemon = daemon_start(srv, MHD_USE_NO_LISTEN_SOCKET | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0);
	if (!srv->daemon) {
		contract_unbind();
		free(srv);
		return NULL;
	}
	return srv;
}

int server_add_connection(struct server *srv, int fd, const struct sockaddr *addr,
			  socklen_t addrlen)
{
	return MHD_add_connection(srv->daemon, fd, addr, addrlen) == MHD_YES ? 0 : -1;
}

int server_run_once(struct server *srv)
{
	return MHD_run(srv->daemon) == MHD_YES ? 0 : -1;
}

unsigned server_connections(struct server *srv)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return info ? info->num_connections : 0;
}

void server_stop(struct server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->daemon);
	contract_unbind();
	free(srv);
}
