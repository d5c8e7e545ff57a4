/*
 * exchange.h - what the files of the HTTP server share, and nothing else
 * includes: the server, one request's exchange, and the functions each
 * file lends the others.
 *
 *   server.c       libmicrohttpd's callbacks and options, and dispatch():
 *                  the life of one request, from its first line to its log
 *   conformance.c  what libmicrohttpd lets through and we refuse, decided
 *                  when the headers are in (exchange_start)
 *   send.c         a struct response (or a cached entry) to libmicrohttpd's
 *                  response: headers, ETag, 304, streams
 *   lifecycle.c    start, signals, drain and stop (server.h)
 *   executor.c     where requests that need PostgreSQL run (executor.h)
 */
#ifndef EQ_HTTP_EXCHANGE_H
#define EQ_HTTP_EXCHANGE_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "http/executor.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"
#include "util/buf.h"

struct config;
struct cached;

struct server {
	const struct config *cfg;
	/* The operators' listener (EQ_METRICS_LISTEN): ROUTE_INTERNAL routes
	 * only, which the public one answers 404. */
	bool internal;
	const struct route *routes;
	size_t nroutes;
	struct MHD_Daemon *daemon;
	/* Where requests that need PostgreSQL run; NULL: on the HTTP thread
	 * (the fuzzer's daemon, which has one thread and no suspend). */
	struct executor *executor;
	atomic_int inflight;
	atomic_bool draining;
};

/* A request answered as soon as its headers are in, its connection closed
 * (conformance.c). */
struct refusal {
	int status;
	const char *type, *title, *detail;
};

/* Where a request is once its headers and body are in (dispatch()). */
enum exchange_stage {
	STAGE_FRONT = 0,   /* on the HTTP thread: checks, cache, inline routes */
	STAGE_QUEUED,      /* suspended, in the database executor */
	STAGE_DONE,        /* the executor has left the answer in res */
	STAGE_PARKED,      /* a long poll, suspended in the waitlist */
};

/* One request from its first line to its log line. */
struct exchange {
	struct server *srv;
	char *raw_uri;
	struct timespec started_at;
	bool headers_seen;
	bool body_too_large;
	bool bad_framing;
	bool missing_host;
	bool after_drain;     /* arrived once the drain had begun */
	bool checked;         /* key, rate and body checks done (serve()) */
	enum exchange_stage stage;
	struct executor_job job;   /* while STAGE_QUEUED */
	char *cache_key;      /* owned; a public read's entry to fill, or NULL */
	uint64_t cache_gen;   /* the cache generation seen before the handler ran */
	bool target_nul;      /* the request target held a NUL (server.c) */
	const struct refusal *refusal;  /* a request we answer at once and close */
	struct buf body;
	struct request req;
	struct response res;
	struct route_match match;
	char method_name[16];
	char client[INET6_ADDRSTRLEN];
	const char *route_label;   /* template for logs; never the raw path */
	int status;
};

/* conformance.c.  First call of the access callback: the headers are
 * complete, no body has been read.  Fills ex->req's method, client, headers
 * and request id, and flags what dispatch() must refuse (ex->refusal,
 * bad_framing, body_too_large, missing_host).  0, or -1 out of memory. */
__attribute__((warn_unused_result))
int exchange_start(struct exchange *ex, struct MHD_Connection *conn,
		   const char *method, const char *version);

/* send.c.  Each queues its answer on conn, sets ex->status, and returns what
 * the access callback returns (MHD_NO: drop the connection). */

/* A GET or HEAD of public data: shared cache, ETag, Cache-Control: public. */
bool is_public_read(const struct exchange *ex);
/* ex->res as the answer; takes its body (no copy).  With cache_key (owned
 * by the caller), a public 200 is stored in the cache under generation gen. */
enum MHD_Result send_response(struct exchange *ex, struct MHD_Connection *conn,
			      const char *cache_key, uint64_t gen);
/* 304 for a representation of full_length bytes with this ETag. */
enum MHD_Result send_not_modified(struct exchange *ex, struct MHD_Connection *conn,
				  const char *etag, size_t full_length);
/* A cache hit; takes hit->shared and hit->link, even on failure. */
enum MHD_Result send_cached(struct exchange *ex, struct MHD_Connection *conn,
			    struct cached *hit);
/* 204 to OPTIONS, with Allow (and CORS, for a preflight). */
enum MHD_Result send_options(struct exchange *ex, struct MHD_Connection *conn);

/* server.c.  The daemon's options and callbacks, for lifecycle.c. */
struct MHD_Daemon *daemon_start(struct server *srv, unsigned flags, unsigned threads);

#endif
