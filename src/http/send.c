/*
 * send.c - turning a struct response, or a cached entry, into
 * libmicrohttpd's response: the common headers (X-Request-Id, CORS, Vary,
 * Cache-Control), the strong ETag of public data and its 304, static
 * bodies without a copy, and chunked streams (see exchange.h).
 */
#include "http/exchange.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http/cache.h"
#include "http/waitlist.h"
#include "util/log.h"
#include "util/sha256.h"

static void add_cors_headers(struct exchange *ex, struct MHD_Response *resp, bool preflight)
{
	const char *origin = request_header(&ex->req, "Origin");
	char allow[96];

	if (!origin || !config_cors_allows(ex->srv->cfg, origin))
		return;
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
	if (preflight) {
		router_allow_header(ex->match.allowed, allow, sizeof(allow));
		MHD_add_response_header(resp, "Access-Control-Allow-Methods", allow);
		MHD_add_response_header(resp, "Access-Control-Allow-Headers",
			"Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-Id");
		MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
	} else {
		MHD_add_response_header(resp, "Access-Control-Expose-Headers",
			"ETag, Link, Location, Retry-After, X-Data-Status, X-Request-Id");
	}
}

bool is_public_read(const struct exchange *ex)
{
	return ex->req.route && (ex->req.route->flags & ROUTE_PUBLIC) &&
	       (ex->req.method == HTTP_GET || ex->req.method == HTTP_HEAD);
}

static void common_headers(struct exchange *ex, struct MHD_Response *resp, bool preflight)
{
	bool cors = ex->srv->cfg->cors_origins && ex->srv->cfg->cors_origins[0];

	/* The client's own id echoed when it sent a sane one (its logs know
	 * it); the server's id is in our log line and audit rows beside it. */
	MHD_add_response_header(resp, "X-Request-Id", ex->req.client_request_id[0]
				? ex->req.client_request_id : ex->req.request_id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (is_public_read(ex))
		MHD_add_response_header(resp, "Vary", cors ? "Accept, Origin" : "Accept");
	if (is_public_read(ex) && response_data_status(&ex->req))
		MHD_add_response_header(resp, "X-Data-Status", response_data_status(&ex->req));
	else if (cors)
		MHD_add_response_header(resp, "Vary", "Origin");
	add_cors_headers(ex, resp, preflight);
}

static void cache_control(struct exchange *ex, struct MHD_Response *resp, int status)
{
	char value[64];

	if (ex->res.cache_control && (status == 200 || status == 304)) {
		MHD_add_response_header(resp, "Cache-Control", ex->res.cache_control);
	} else if (is_public_read(ex) && (status == 200 || status == 304) && !ex->res.no_store) {
		/* 0 (the default): every read revalidates with its ETag, so a
		 * dashboard's plain fetch() sees a change at once and an
		 * unchanged answer costs a 304. */
		if (ex->srv->cfg->cache_max_age_s == 0)
			snprintf(value, sizeof(value), "public, no-cache");
		else
			snprintf(value, sizeof(value), "public, max-age=%u", ex->srv->cfg->cache_max_age_s);
		MHD_add_response_header(resp, "Cache-Control", value);
	} else if (ex->req.route && ex->req.route->scope) {
		MHD_add_response_header(resp, "Cache-Control", "private, no-store");
	} else {
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	}
}

static enum MHD_Result queue(struct exchange *ex, struct MHD_Connection *conn,
			     struct MHD_Response *resp, int status)
{
	enum MHD_Result rc;

	if (!resp)
		return MHD_NO;
	ex->status = status;
	rc = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* Never called: libmicrohttpd sends no body with a 304. */
static ssize_t no_body_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

/*
 * A 304 has no body, yet an empty response would be labelled
 * "Content-Length: 0", which RFC 9110 forbids unless the representation
 * really is empty.  A response of the full size whose body is never read
 * makes libmicrohttpd state the length the 200 would have had.
 */
enum MHD_Result send_not_modified(struct exchange *ex, struct MHD_Connection *conn,
					 const char *etag, size_t full_length)
{
	struct MHD_Response *resp =
		MHD_create_response_from_callback(full_length, 1024, no_body_reader, NULL, NULL);

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "ETag", etag);
	cache_control(ex, resp, 304);
	common_headers(ex, resp, false);
	return queue(ex, conn, resp, 304);
}

/* ---- streams ---------------------------------------------------------------- */

/* A stream outlives its exchange (libmicrohttpd may free the response after
 * the completion callback), so it carries what it needs. */
struct stream_ctx {
	struct server *srv;
	struct MHD_Connection *conn;
	struct response_stream stream;
	struct executor_job job;   /* a poll on the database executor */
	bool ended;                /* the poll could not be run: end the stream */
};

static void stream_poll_run(struct executor_job *job)
{
	struct stream_ctx *sc = (struct stream_ctx *)(void *)((char *)job - offsetof(struct stream_ctx, job));

	sc->stream.poll(sc->stream.state);
}

/* The client reconnects and resumes from its last event: nothing is lost. */
static void stream_poll_expire(struct executor_job *job, enum executor_expiry why)
{
	struct stream_ctx *sc = (struct stream_ctx *)(void *)((char *)job - offsetof(struct stream_ctx, job));

	(void)why;
	sc->ended = true;
}

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_ctx *sc = cls;
	unsigned wait_ms = 0;
	long n;

	(void)pos;
	if (sc->ended)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = sc->stream.read(sc->stream.state, buf, max, &wait_ms);
	if (n == RESPONSE_STREAM_POLL) {
		/* The database work goes to the executor, the connection
		 * suspended meanwhile; resumed, this reader is called again. */
		if (sc->srv->executor) {
			sc->job.run = stream_poll_run;
			sc->job.expire = stream_poll_expire;
			if (executor_submit(sc->srv->executor, &sc->job, sc->conn) == 0)
				return 0;
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		sc->stream.poll(sc->stream.state);
		n = sc->stream.read(sc->stream.state, buf, max, &wait_ms);
	}
	if (n > 0)
		return (ssize_t)n;
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* Nothing to send: returning 0 without suspending would make the
	 * worker spin on this connection. */
	if (!atomic_load(&sc->srv->draining) && waitlist_park(sc->conn, wait_ms ? wait_ms : 1))
		return 0;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

static void stream_free(void *cls)
{
	struct stream_ctx *sc = cls;

	sc->stream.finish(sc->stream.state);
	free(sc);
}

/* A chunked response reading ex->res's stream, which it takes over. */
static struct MHD_Response *stream_response(struct exchange *ex, struct MHD_Connection *conn)
{
	struct stream_ctx *sc = calloc(1, sizeof(*sc));
	struct MHD_Response *resp;

	if (!sc)
		return NULL;
	sc->srv = ex->srv;
	sc->conn = conn;
	sc->stream = ex->res.stream;
	ex->res.streaming = false;   /* ours now, freed by stream_free */
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_reader, sc,
						 stream_free);
	if (!resp)
		stream_free(sc);
	return resp;
}

/* Build the wire response from ex->res; take the body (no copy). */
enum MHD_Result send_response(struct exchange *ex, struct MHD_Connection *conn,
				     const char *cache_key, uint64_t gen)
{
	struct response *res = &ex->res;
	struct MHD_Response *resp;
	char etag[CACHE_ETAG_LEN] = "";
	char *body;
	size_t len;
	int status = res->status ? res->status : 500;

	if (res->status == 0) {
		log_event(LOG_ERROR, "handler left no response", NULL);
		problem_send_internal(res);
		status = 500;
	}
	/* response_static found the client's copy current. */
	if (status == 304)
		return send_not_modified(ex, conn, response_header_get(res, "ETag"),
					 res->static_body ? res->static_len : res->body.len);
	/* A static representation brought its own ETag (response_static). */
	if (is_public_read(ex) && status == 200 && !res->no_store && !res->static_body) {
		char hex[33];
		struct sha256 h;
		unsigned char digest[SHA256_DIGEST_LEN];
		static const char digits[] = "0123456789abcdef";

		/* Strong validator: the hash of the exact bytes and their type,
		 * unless the handler named the version (response_version_etag):
		 * one ETag, the one an If-Match names. */
		sha256_init(&h);
		sha256_update(&h, res->content_type, strlen(res->content_type));
		sha256_update(&h, "\n", 1);
		sha256_update(&h, res->body.data ? res->body.data : "", res->body.len);
		sha256_final(&h, digest);
		for (int i = 0; i < 16; i++) {
			hex[i * 2] = digits[digest[i] >> 4];
			hex[i * 2 + 1] = digits[digest[i] & 15];
		}
		hex[32] = '\0';
		if (response_header_get(res, "ETag"))
			snprintf(etag, sizeof(etag), "%s", response_header_get(res, "ETag"));
		else
			snprintf(etag, sizeof(etag), "\"%s\"", hex);
		if (cache_key)
			cache_store(cache_key, gen, buf_cstr(&res->body), res->body.len,
				    res->content_type, etag, response_header_get(res, "Link"));
		if (cache_etag_matches(request_header(&ex->req, "If-None-Match"), etag))
			return send_not_modified(ex, conn, etag, res->body.len);
	}

	if (res->streaming) {
		resp = stream_response(ex, conn);
		if (!resp)
			return MHD_NO;
	} else if (res->static_body) {
		/* Static storage that outlives the response: no copy. */
		resp = MHD_create_response_from_buffer(res->static_len, (void *)res->static_body,
						       MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
	} else {
		body = buf_detach(&res->body, &len);
		if (!body)
			return MHD_NO;
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!resp) {
			free(body);
			return MHD_NO;
		}
	}
	if (res->content_type)
		MHD_add_response_header(resp, "Content-Type", res->content_type);
	if (etag[0] && !response_header_get(res, "ETag"))
		MHD_add_response_header(resp, "ETag", etag);
	for (size_t i = 0; i < res->nheaders; i++)
		MHD_add_response_header(resp, res->headers[i].name, res->headers[i].value);
	cache_control(ex, resp, status);
	common_headers(ex, resp, false);
	return queue(ex, conn, resp, status);
}

static void cache_body_done(void *cls)
{
	cache_body_release(cls);
}

enum MHD_Result send_cached(struct exchange *ex, struct MHD_Connection *conn,
				   struct cached *hit)
{
	/* The stored bytes themselves, released when libmicrohttpd is done. */
	struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback_cls(
		hit->len, (void *)(uintptr_t)hit->body, cache_body_done, hit->shared);

	if (!resp) {
		cache_body_release(hit->shared);
		free(hit->link);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", hit->content_type);
	MHD_add_response_header(resp, "ETag", hit->etag);
	if (hit->link)
		MHD_add_response_header(resp, "Link", hit->link);
	free(hit->link);
	cache_control(ex, resp, 200);
	common_headers(ex, resp, false);
	return queue(ex, conn, resp, 200);
}

enum MHD_Result send_options(struct exchange *ex, struct MHD_Connection *conn)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	char allow[96];

	if (!resp)
		return MHD_NO;
	router_allow_header(ex->match.allowed, allow, sizeof(allow));
	MHD_add_response_header(resp, "Allow", allow);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	common_headers(ex, resp, request_header(&ex->req, "Access-Control-Request-Method") != NULL);
	return queue(ex, conn, resp, 204);
}
