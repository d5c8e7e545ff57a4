/*
 * server.c - libmicrohttpd glue and the life of one request.
 *
 * The life of a request:
 *   uri_log_cb     the request line has arrived: allocate its exchange, keep
 *                  the raw URI (we parse it ourselves, strictly), count it in
 *                  flight.
 *   access_cb #1   headers are in: check framing, what libmicrohttpd lets
 *                  through that it should not (struct refusal), and the
 *                  declared body size.
 *                  Nothing is queued on this first call: libmicrohttpd
 *                  0.9.75 then sends "Connection: close" and keep-alive is
 *                  lost (a tenfold drop in throughput measured here).
 *   access_cb #n   body bytes, collected up to EQ_MAX_BODY_BYTES.
 *   access_cb last route, the contract's query checks, and for a public
 *                  read the cache: a hit (or a 304) is queued at once.
 *                  Anything that needs PostgreSQL (a miss, a key, a write)
 *                  is suspended and queued to the database executor
 *                  (executor.h), which runs serve() on a thread of its own;
 *                  only ROUTE_INLINE routes (/healthz, /metrics, the pages)
 *                  run their handler here.
 *   access_cb      after the executor resumed the connection: queue the
 *                  answer it left in ex->res (or park a long poll).
 *   completed_cb   log line, free everything.
 * The refusals decided at #1 are conformance.c's, the sending send.c's, and
 * starting and stopping the daemon lifecycle.c's (exchange.h).
 */
#include "http/server.h"
#include "http/exchange.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db/db.h"
#include "http/auth.h"
#include "http/write.h"
#include "http/cache.h"
#include "http/contract.h"
#include "http/metrics.h"
#include "http/query.h"
#include "http/ratelimit.h"
#include "http/request.h"
#include "http/response.h"
#include "http/waitlist.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/random.h"
#include "util/sha256.h"

static double elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

/*
 * libmicrohttpd 0.9.75 (and 0.9.76) splits the query into arguments in the
 * connection's memory pool right after this callback.  When they do not fit
 * (a thousand "a=1&" in 8 KB do not) it queues a 431 and then overwrites the
 * state that would have sent it: no reply, the connection held until its
 * timeout and closed without the completion callback, so the exchange
 * leaked and stayed "in flight" (every later drain waited its full 10 s).
 * We never read the library's arguments: the query is parsed from raw_uri
 * (query.c, at most QUERY_MAX_PARAMS, a 400 beyond).  So end the library's
 * copy of it right after the '?' and it parses nothing.  The text is the
 * connection's writable read buffer, which the library documents as not yet
 * modified when this callback runs.
 */
static void hide_query_from_library(const char *uri)
{
	char *q = uri ? strchr((char *)(uintptr_t)uri, '?') : NULL;

	if (q && q[1])
		q[1] = '\0';
}

/*
 * The target as libmicrohttpd hands it over ends where the request line's
 * space before "HTTP/1.1" was (it writes a NUL there); one that ends
 * sooner was cut by a NUL the client sent, and the rest ("/healthz\0/../x")
 * would go unchecked.  The bytes after it are the request line's, in the
 * library's read buffer.
 */
static bool target_cut_by_nul(const char *uri)
{
	const char *after = uri + strlen(uri) + 1;

	return *after && *after != ' ' && strncmp(after, "HTTP/", 5) != 0;
}

static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct server *srv = cls;
	struct exchange *ex = calloc(1, sizeof(*ex));

	(void)conn;
	if (!ex) {
		hide_query_from_library(uri);
		return NULL;
	}
	ex->srv = srv;
	ex->raw_uri = strdup(uri ? uri : "");
	ex->target_nul = uri && target_cut_by_nul(uri);
	hide_query_from_library(uri);
	clock_gettime(CLOCK_MONOTONIC, &ex->started_at);
	response_init(&ex->res);
	ex->route_label = "unmatched";
	atomic_fetch_add(&srv->inflight, 1);
	metrics_request_started();
	return ex;
}

static void exchange_free(struct exchange *ex)
{
	if (ex->req.db)
		db_release(ex->req.db);
	query_release(&ex->req.query);
	request_free_arena(&ex->req);
	response_release(&ex->res);
	buf_release(&ex->body);
	free(ex->cache_key);
	free(ex->raw_uri);
	free(ex);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct exchange *ex = *req_cls;

	(void)conn;
	(void)toe;
	if (!ex)
		return;
	{
		struct log_request line = {
			.request_id = ex->req.request_id[0] ? ex->req.request_id : NULL,
			.client_request_id = ex->req.client_request_id[0] ? ex->req.client_request_id : NULL,
			.method = ex->method_name,
			.route = ex->route_label,
			.client = ex->client,
			.status = ex->status,
			.duration_ms = elapsed_ms(&ex->started_at),
		};
		log_request(&line);
		metrics_request_done(ex->route_label, ex->req.method, ex->status, line.duration_ms);
	}
	exchange_free(ex);
	*req_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT;

	(void)cls;
	if (buf_vappendf(&msg, fmt, ap) == 0) {
		while (msg.len && (msg.data[msg.len - 1] == '\n'))
			msg.data[--msg.len] = '\0';
		log_event(LOG_WARN, buf_cstr(&msg), "\"source\":\"libmicrohttpd\"");
	}
	buf_release(&msg);
}

/* ---- dispatch ------------------------------------------------------------ */

static void respond_error_too_large(struct exchange *ex)
{
	char detail[160];

	snprintf(detail, sizeof(detail),
		 "The request body is larger than this service accepts (%zu bytes).",
		 ex->srv->cfg->max_body_bytes);
	problem_send(&ex->res, 413, "body-too-large", "Request body too large", detail);
}

/* Split the raw URI into a decoded path and the raw query. */
static int parse_target(struct exchange *ex)
{
	char *q = strchr(ex->raw_uri, '?');
	size_t plen = q ? (size_t)(q - ex->raw_uri) : strlen(ex->raw_uri);
	char *path;
	long n;
	struct query_error qerr;

	ex->req.raw_query = q ? q + 1 : "";
	for (const char *p = ex->raw_uri; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			problem_send(&ex->res, 400, "bad-request", "Bad request",
				     "The request target contains a space, a control character or a raw non-ASCII byte; percent-encode it.");
			return -1;
		}
	if (plen == 0 || ex->raw_uri[0] != '/') {
		problem_send(&ex->res, 400, "bad-request", "Bad request",
			     "The request target must be an absolute path such as /v1/areas.");
		return -1;
	}
	path = request_alloc(&ex->req, plen + 1);
	if (!path) {
		problem_send_internal(&ex->res);
		return -1;
	}
	n = query_decode(ex->raw_uri, plen, path, false);
	/* An encoded slash would make one segment look like two. */
	if (n < 0 || memmem(ex->raw_uri, plen, "%2F", 3) || memmem(ex->raw_uri, plen, "%2f", 3)) {
		problem_send(&ex->res, 400, "bad-request", "Bad request",
			     "The path is not valid percent-encoded UTF-8 (or encodes a '/').");
		return -1;
	}
	ex->req.path = path;
	if (query_parse(ex->req.raw_query, &ex->req.query, &qerr) != 0) {
		problem_send_bad_parameter(&ex->res, qerr.param[0] ? qerr.param : "(query)",
					   qerr.detail);
		return -1;
	}
	return 0;
}

static const char *const format_choices[] = { "json", "csv", "csv-meta", NULL };

/* Accept asks for CSV and not JSON: what decides the format of a route
 * with ROUTE_CSV, besides ?format= (choose_format). */
static bool accepts_csv_only(const struct exchange *ex)
{
	const char *accept = request_header(&ex->req, "Accept");

	return accept && strstr(accept, "text/csv") && !strstr(accept, "application/json");
}

static int choose_format(struct exchange *ex)
{
	const char *format = NULL;

	ex->req.format = FORMAT_JSON;
	ex->req.csv_meta = false;
	if (!(ex->req.route->flags & ROUTE_CSV))
		return 0;
	if (request_enum_or_respond(&ex->req, &ex->res, "format", format_choices, NULL, &format))
		return -1;
	if (format) {
		ex->req.csv_meta = strcmp(format, "csv-meta") == 0;
		ex->req.format = strcmp(format, "json") == 0 ? FORMAT_JSON : FORMAT_CSV;
		return 0;
	}
	if (accepts_csv_only(ex))
		ex->req.format = FORMAT_CSV;
	return 0;
}


/* ---- the part that may wait on PostgreSQL ---------------------------------- */

/*
 * The checks that need the key (auth and its rate) and the body's, unless
 * the HTTP thread did them already (a public read).  0, or -1 with the
 * answer in ex->res.
 */
static int checks_or_respond(struct exchange *ex)
{
	const struct route *route = ex->req.route;

	if ((route->flags & ROUTE_WRITE) && write_prepare(&ex->req, &ex->res) != 0)
		return -1;
	if (route->scope && auth_check_or_respond(&ex->req, &ex->res, route->scope) != 0) {
		if (route->flags & ROUTE_WRITE)
			write_audit_refused(&ex->req, &ex->res);
		return -1;
	}
	if (route->scope && ratelimit_key_or_respond(&ex->req, &ex->res) != 0)
		return -1;
	if (contract_check_body_or_respond(&ex->req, &ex->res) != 0) {
		if (route->flags & ROUTE_WRITE)
			write_audit_refused(&ex->req, &ex->res);
		return -1;
	}
	return 0;
}

/*
 * Everything from the key on: on an executor thread (or the HTTP thread for
 * a ROUTE_INLINE route, or without an executor).  Leaves the answer, or a
 * long poll's wait_ms, in ex->res, and the connection back in the pool
 * before the bytes go out.
 */
static void serve(struct exchange *ex)
{
	if (!ex->checked) {
		ex->checked = true;
		if (checks_or_respond(ex) != 0)
			goto done;
	}
	if (ex->req.route->flags & ROUTE_WRITE) {
		if (write_begin_or_respond(&ex->req, &ex->res) == 0) {
			ex->req.route->handler(&ex->req, &ex->res);
			write_finish(&ex->req, &ex->res);
		}
	} else {
		ex->req.route->handler(&ex->req, &ex->res);
		if ((ex->req.route->flags & ROUTE_READ_AUDIT) && ex->res.status >= 200 &&
		    ex->res.status < 300)
			write_audit_read(&ex->req, &ex->res);
	}
done:
	if (ex->req.db) {
		db_release(ex->req.db);
		ex->req.db = NULL;
	}
}

static void job_run(struct executor_job *job)
{
	struct exchange *ex = (struct exchange *)(void *)((char *)job - offsetof(struct exchange, job));

	serve(ex);
	ex->stage = STAGE_DONE;
}

/* 503 overloaded: the executor's queue is full, or the request waited in it
 * too long; nothing ran, so any request may be retried as it is. */
static void respond_overloaded(struct exchange *ex)
{
	char detail[200];

	snprintf(detail, sizeof(detail),
		 "Too many requests are waiting for the database (at most %u, for %u ms); retry after Retry-After.",
		 ex->srv->cfg->db_queue, ex->srv->cfg->db_queue_timeout_ms);
	problem_send(&ex->res, 503, "overloaded", "Overloaded", detail);
	(void)response_header_add(&ex->res, "Retry-After", "1");
}

static void job_expire(struct executor_job *job, enum executor_expiry why)
{
	struct exchange *ex = (struct exchange *)(void *)((char *)job - offsetof(struct exchange, job));

	if (why == EXECUTOR_STOPPING) {
		problem_send(&ex->res, 503, "shutting-down", "Shutting down",
			     "This instance is stopping; retry the request, it will reach another or this one restarted.");
		(void)response_header_add(&ex->res, "Retry-After", "1");
	} else {
		respond_overloaded(ex);
	}
	ex->stage = STAGE_DONE;
}

static enum MHD_Result finish(struct exchange *ex, struct MHD_Connection *conn);

/* Hand the request to the database executor: it is suspended until its
 * answer is in ex->res, then dispatch() runs again (STAGE_DONE). */
static enum MHD_Result submit(struct exchange *ex, struct MHD_Connection *conn)
{
	if (!ex->srv->executor) {
		serve(ex);
		return finish(ex, conn);
	}
	ex->job.run = job_run;
	ex->job.expire = job_expire;
	ex->stage = STAGE_QUEUED;
	if (executor_submit(ex->srv->executor, &ex->job, conn) == 0)
		return MHD_YES;
	ex->stage = STAGE_FRONT;
	respond_overloaded(ex);
	return send_response(ex, conn, NULL, 0);
}

/*
 * The answer is in ex->res: send it, on the HTTP thread.  Or the handler
 * has nothing to say yet (res.wait_ms): park the request until data changes
 * or the wait is over, without holding a thread, and let the handler look
 * again then.  When it cannot be parked (the service is stopping), the
 * handler runs once more with poll_final set and answers.
 */
static enum MHD_Result finish(struct exchange *ex, struct MHD_Connection *conn)
{
	ex->stage = STAGE_FRONT;
	if (ex->res.status == 0 && ex->res.wait_ms > 0) {
		if (!atomic_load(&ex->srv->draining) && waitlist_park(conn, ex->res.wait_ms)) {
			ex->stage = STAGE_PARKED;
			return MHD_YES;
		}
		ex->req.poll_final = true;
		ex->res.wait_ms = 0;
		return submit(ex, conn);
	}
	/* Only a generation seen before the handler ran may stamp the entry:
	 * a write that lands meanwhile bumps it and the entry is never hit. */
	return send_response(ex, conn, ex->cache_key, ex->cache_gen);
}

/* A parked request was resumed: run its handler again. */
static enum MHD_Result poll_resume(struct exchange *ex, struct MHD_Connection *conn)
{
	ex->stage = STAGE_FRONT;
	ex->res.wait_ms = 0;
	if (atomic_load(&ex->srv->draining))
		ex->req.poll_final = true;
	return submit(ex, conn);
}

/* A public read: answered from the cache on the HTTP thread when it can
 * be, or ex->cache_key and cache_gen set for the handler's answer.  1 when
 * answered (*rc set), 0 to go on. */
static int cached_or_continue(struct exchange *ex, struct MHD_Connection *conn, enum MHD_Result *rc)
{
	struct buf key = BUF_INIT;
	struct cached hit;
	uint64_t gen = cache_generation_for(ex->req.route->depends ? ex->req.route->depends : DATA_ALL);

	/* The key holds all a representation depends on: the path, the whole
	 * query (so ?format= too) and what Accept says about the format. */
	if (!gen || buf_append_str(&key, ex->req.path) || buf_append_char(&key, '?') ||
	    buf_append_str(&key, ex->req.raw_query) ||
	    buf_append_str(&key, (ex->req.route->flags & ROUTE_CSV) && accepts_csv_only(ex)
				 ? "#1" : "#0")) {
		buf_release(&key);
		return 0;
	}
	switch (cache_lookup(buf_cstr(&key), gen, request_header(&ex->req, "If-None-Match"), &hit)) {
	case CACHE_NOT_MODIFIED:
		buf_release(&key);
		*rc = send_not_modified(ex, conn, hit.etag, hit.len);
		return 1;
	case CACHE_HIT:
		buf_release(&key);
		*rc = send_cached(ex, conn, &hit);
		return 1;
	case CACHE_MISS:
		break;
	}
	ex->cache_key = buf_detach(&key, NULL);
	ex->cache_gen = gen;
	buf_release(&key);
	return 0;
}

/*
 * A public read whose tables are memoised (ROUTE_MEMO_FRONT) usually finds
 * them built: its handler then needs no connection, and the hand-off to the
 * executor and back (suspend, two thread switches, resume) would cost more
 * than the handler.  So it runs here first, forbidden to wait on
 * PostgreSQL (response.h front_only); when it would have to, nothing was
 * answered and it runs again on the executor.  true when answered.
 */
static bool answered_in_front(struct exchange *ex)
{
	if (!(ex->req.route->flags & ROUTE_MEMO_FRONT) || !ex->checked)
		return false;
	ex->res.front_only = true;
	ex->req.route->handler(&ex->req, &ex->res);
	ex->res.front_only = false;
	if (!ex->res.needs_db)
		return true;
	response_release(&ex->res);
	response_init(&ex->res);
	return false;
}

/* ---- dispatch ------------------------------------------------------------ */

/* What is refused before routing: the drain, framing, conformance, size,
 * Host, the client's rate, the method.  1 when answered (*rc set). */
static int refused_early(struct exchange *ex, struct MHD_Connection *conn, enum MHD_Result *rc)
{
	if (ex->after_drain) {
		problem_send(&ex->res, 503, "shutting-down", "Shutting down",
			     "This instance is stopping; retry the request, it will reach another or this one restarted.");
		(void)response_header_add(&ex->res, "Retry-After", "1");
		(void)response_header_add(&ex->res, MHD_HTTP_HEADER_CONNECTION, "close");
	} else if (ex->bad_framing) {
		problem_send(&ex->res, 400, "bad-request", "Bad request",
			     "The request's framing is ambiguous (Content-Length given twice, invalid, or with Transfer-Encoding).");
		(void)response_header_add(&ex->res, MHD_HTTP_HEADER_CONNECTION, "close");
	} else if (ex->refusal) {
		problem_send(&ex->res, ex->refusal->status, ex->refusal->type, ex->refusal->title,
			     ex->refusal->detail);
		(void)response_header_add(&ex->res, MHD_HTTP_HEADER_CONNECTION, "close");
	} else if (ex->body_too_large) {
		respond_error_too_large(ex);
	} else if (ex->missing_host) {
		problem_send(&ex->res, 400, "bad-request", "Bad request",
			     "Requests must carry a Host header (required since HTTP version 1.1).");
	} else if (ratelimit_client_or_respond(&ex->req, &ex->res) != 0) {
		/* Before any work, a 404 included: a crawler pays like anyone. */
	} else if (!ex->req.method) {
		/* RFC 9110 9.1: 501 for a method we do not implement anywhere
		 * (TRACE, CONNECT, PROPFIND ...), 405 for one a path does not allow. */
		problem_sendf(&ex->res, 501, "not-implemented", "Not implemented",
			      "%s is not a method this service implements (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS).",
			      ex->method_name);
	} else if (parse_target(ex) != 0) {
		/* answered */
	} else {
		return 0;
	}
	*rc = send_response(ex, conn, NULL, 0);
	return 1;
}

static enum MHD_Result dispatch(struct exchange *ex, struct MHD_Connection *conn)
{
	struct server *srv = ex->srv;
	enum router_result rr;
	char allow[96];
	enum MHD_Result rc;

	if (ex->stage == STAGE_PARKED)
		return poll_resume(ex, conn);
	if (ex->stage == STAGE_DONE)
		return finish(ex, conn);
	if (refused_early(ex, conn, &rc))
		return rc;

	rr = router_match(srv->routes, srv->nroutes, ex->req.method, ex->req.path, &ex->match);
	/* Each listener serves its own routes: /metrics says when reports
	 * arrive and how many keys fail, which is for operators only. */
	if (rr != ROUTER_NOT_FOUND &&
	    (srv->internal != (rr == ROUTER_FOUND && (ex->match.route->flags & ROUTE_INTERNAL))))
		rr = ROUTER_NOT_FOUND;
	if (rr == ROUTER_NOT_FOUND) {
		problem_sendf(&ex->res, 404, "not-found", "Not found",
			      "No resource lives at this path; /openapi.yaml lists every route.");
		return send_response(ex, conn, NULL, 0);
	}
	ex->req.match = &ex->match;
	ex->route_label = ex->match.template;
	if (ex->req.method == HTTP_OPTIONS)
		return send_options(ex, conn);
	if (rr == ROUTER_METHOD_NOT_ALLOWED) {
		router_allow_header(ex->match.allowed, allow, sizeof(allow));
		problem_sendf(&ex->res, 405, "method-not-allowed", "Method not allowed",
			      "%s is not allowed here; allowed: %s.", ex->method_name, allow);
		(void)response_header_add(&ex->res, "Allow", allow);
		return send_response(ex, conn, NULL, 0);
	}
	ex->req.route = ex->match.route;
	ex->route_label = ex->req.route->template;
	ex->req.body = ex->body.data;
	ex->req.body_len = ex->body.len;

	/* A public read needs no key: the cache is the HTTP thread's, and a
	 * hit never waits behind the database.  It is looked up before the
	 * contract's checks: an entry exists only for a path and query that
	 * passed them (and gave a 200), and they are a function of those
	 * alone, so a hit would pass them again; on a read of a small cached
	 * table they cost as much as the rest of the hit. */
	if (is_public_read(ex) && !ex->req.route->scope && ex->body.len == 0 &&
	    cached_or_continue(ex, conn, &rc))
		return rc;
	/* The contract's checks (http/contract.h): the query before the key
	 * is looked at, the body once the caller is known (serve()). */
	if (contract_check_query_or_respond(&ex->req, &ex->res) != 0 || choose_format(ex) != 0)
		return send_response(ex, conn, NULL, 0);
	if (is_public_read(ex) && !ex->req.route->scope) {
		ex->checked = true;
		if (checks_or_respond(ex) != 0)
			return send_response(ex, conn, NULL, 0);
	}
	if (ex->req.route->flags & ROUTE_INLINE) {
		serve(ex);
		return finish(ex, conn);
	}
	if (answered_in_front(ex))
		return finish(ex, conn);
	return submit(ex, conn);
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
				 const char *url, const char *method,
				 const char *version, const char *upload_data,
				 size_t *upload_data_size, void **req_cls)
{
	struct exchange *ex = *req_cls;

	(void)cls;
	(void)url;
	if (!ex)
		return MHD_NO; /* out of memory in uri_log_cb: drop the connection */

	if (!ex->headers_seen) {
		ex->headers_seen = true;
		if (exchange_start(ex, conn, method, version) != 0)
			return MHD_NO;
		/* A body we will refuse anyway: answer now and close, instead of
		 * reading (or inviting with 100 Continue) what will be thrown away. */
		if (ex->body_too_large || ex->bad_framing || ex->refusal)
			return dispatch(ex, conn);
		return MHD_YES;
	}
	if (ex->status) {
		/* Already answered (413 while the body was arriving): swallow the
		 * rest; libmicrohttpd closes the connection after the reply. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!ex->body_too_large &&
		    ex->body.len + *upload_data_size > ex->srv->cfg->max_body_bytes) {
			ex->body_too_large = true;
			buf_release(&ex->body);
		}
		if (!ex->body_too_large &&
		    buf_append(&ex->body, upload_data, *upload_data_size) != 0)
			return MHD_NO;
		*upload_data_size = 0;
		if (ex->body_too_large)
			return dispatch(ex, conn);
		return MHD_YES;
	}
	return dispatch(ex, conn);
}

/* ---- the daemon's options ---------------------------------------------------- */

/*
 * Every connection is a file descriptor.  Past the process's open-file
 * limit accept() fails, a libmicrohttpd 0.9.75 worker that meets EMFILE with
 * no connection of its own busy-waits, and the pool cannot reconnect to
 * PostgreSQL.  So raise the soft limit as far as the connection limit
 * needs (within the hard limit, as nginx and Go do), and when that is not
 * enough, serve fewer connections, saying so, rather than fail that way.
 */
static unsigned fit_connection_limit(const struct config *cfg)
{
	/* PostgreSQL connections and the listener's, an epoll and an event fd
	 * per worker, the listening socket, stdio, and room to spare. */
	rlim_t reserve = (rlim_t)cfg->db_pool_size + 2u * cfg->threads + 64;
	rlim_t want = (rlim_t)cfg->max_connections + reserve;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= want)
		return cfg->max_connections;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return cfg->max_connections;
	if (rl.rlim_cur >= want)
		return cfg->max_connections;
	want = rl.rlim_cur > reserve + 16 ? rl.rlim_cur - reserve : 16;
	log_msgf(LOG_WARN, "EQ_MAX_CONNECTIONS=%u does not fit the open-file limit (%llu): serving at most %llu connections",
		 cfg->max_connections, (unsigned long long)rl.rlim_cur, (unsigned long long)want);
	return (unsigned)want;
}

/* The daemon's options and callbacks: one list for server_run and for
 * server_start_unlistened, so that the fuzzer serves what production does. */
struct MHD_Daemon *daemon_start(struct server *srv, unsigned flags, unsigned threads)
{
	const struct config *cfg = srv->cfg;

	return MHD_start_daemon(flags, 0, NULL, NULL, access_cb, srv,
		/* First, so that every message of the library reaches our log. */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)(srv->internal ? &cfg->metrics_addr
									: &cfg->listen_addr),
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		/*
		 * EQ_MAX_CONNECTIONS, 1000 (within the open-file limit, see
		 * fit_connection_limit).  An idle connection costs 7 KiB of
		 * memory (measured: RSS with 500 idle connections), one filled
		 * to the memory limit 35 KiB: 1000 of them, 35 MiB at worst.
		 */
		MHD_OPTION_CONNECTION_LIMIT, fit_connection_limit(cfg),
		/*
		 * EQ_MAX_CONNECTIONS_PER_IP, 64: without it one address can
		 * hold every slot with idle or slow connections.  A browser
		 * opens at most 6 per host, a client library's pool ~10; 64
		 * leaves room for a small office behind one NAT address.
		 * Behind a reverse proxy every client is the proxy: set 0.
		 * Beyond it libmicrohttpd accepts and closes at once (no
		 * response), and the other addresses are served as before.
		 */
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->max_connections_per_ip,
		/*
		 * EQ_CONNECTION_TIMEOUT, 10 s (was 30): libmicrohttpd's timeout
		 * is on inactivity, so it ends idle keep-alive connections and
		 * clients that stop sending half-way through their headers or
		 * body (a trickle of a byte every few seconds is the per-address
		 * limit's business).  At 10 s, keeping all 1000 slots full of
		 * idle connections takes 100 new connections a second from at
		 * least 16 addresses; a keep-alive client idle for longer pays
		 * one new TCP handshake.  Behind a proxy, set it above the
		 * proxy's idle timeout, or the proxy may reuse a connection just
		 * as it is closed.
		 */
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->connection_timeout_s,
		/*
		 * EQ_CONNECTION_MEMORY_BYTES, 32 KiB: each connection's pool
		 * holds its request line, its headers and our response's headers
		 * (never the body, which is streamed to us in pieces).  Measured
		 * with 0.9.75: a pool of N bytes takes a request line or one
		 * header up to N - 502 bytes and about N / 95 small headers
		 * (32 KiB: 32266 bytes, 345 headers); the largest request a
		 * client of ours sends (every ward in a query, a key, a request
		 * id, browser headers and cookies) is under 8 KiB, and nginx
		 * and Node stop at 8 and 16 KiB.  A larger request gets
		 * libmicrohttpd's own 414 or 431 (its HTML, without our
		 * X-Request-Id: 0.9.75 has no hook for those) and the
		 * connection closed; one within about 500 bytes of the limit
		 * leaves no room for the answer's headers and is closed without
		 * one.  An idle connection touches 7 KiB of it, a hostile one
		 * all of it: 64 KiB only doubled what a flood can pin.
		 */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->connection_memory_bytes,
		/*
		 * Not 1: its Host check in 0.9.75 writes the 400 status line
		 * twice (a desynchronised reply); and its refusal of space
		 * before a header's colon runs only at -1, the lenient end (the
		 * test is the wrong way round in 0.9.75).  We are strict
		 * ourselves, with problem+json (exchange_start): header names
		 * must be tokens, values free of control characters, Host
		 * single and sane, the method a token, Transfer-Encoding only
		 * chunked (and not in HTTP/1.0), Expect only 100-continue, the
		 * target free of spaces and raw control or non-ASCII bytes.
		 */
		MHD_OPTION_STRICT_FOR_CLIENT, (int)0,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
		MHD_OPTION_URI_LOG_CALLBACK, uri_log_cb, srv,
		MHD_OPTION_NOTIFY_COMPLETED, completed_cb, srv,
		MHD_OPTION_NOTIFY_CONNECTION, metrics_connection_cb, NULL,
		MHD_OPTION_END);
}
