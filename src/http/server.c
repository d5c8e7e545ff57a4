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
 *   access_cb last route, cache, handler, finish the headers, queue.
 *   completed_cb   log line, free everything.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
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

struct server {
	const struct config *cfg;
	const struct route *routes;
	size_t nroutes;
	struct MHD_Daemon *daemon;
	atomic_int inflight;
	atomic_bool draining;
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
	bool parked;          /* a long poll, suspended in the waitlist */
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

/* ---- request set-up ---------------------------------------------------- */

/*
 * Requests that libmicrohttpd 0.9.75 lets through and we refuse, answered
 * as soon as the headers are in, before any body is read, and with the
 * connection closed, so that bytes we did not read as a body are never
 * read as the next request either.
 */
struct refusal {
	int status;
	const char *type, *title, *detail;
};

static const struct refusal refuse_header_name = { 400, "bad-request", "Bad request",
	"A header name is not a token (RFC 9110 5.1): no spaces, no space before the colon, no control characters." };
static const struct refusal refuse_header_value = { 400, "bad-request", "Bad request",
	"A header value contains a control character." };
static const struct refusal refuse_method = { 400, "bad-request", "Bad request",
	"The request method is not a token (RFC 9110 9.1)." };
static const struct refusal refuse_host = { 400, "bad-request", "Bad request",
	"Host must be given once, as host[:port]." };
static const struct refusal refuse_te_http10 = { 400, "bad-request", "Bad request",
	"Transfer-Encoding is not part of HTTP/1.0; send Content-Length." };
/* Any other coding, or a list: libmicrohttpd would read the body up to the
 * end of the connection. */
static const struct refusal refuse_te = { 501, "not-implemented", "Not implemented",
	"The only Transfer-Encoding accepted is chunked, once; or send Content-Length." };
static const struct refusal refuse_expect = { 417, "expectation-failed", "Expectation failed",
	"The only expectation this service meets is Expect: 100-continue." };

struct header_walk {
	struct request_header *items;
	size_t n, cap;
	unsigned content_length_count;
	unsigned transfer_encoding_count;
	unsigned host_count;
	const struct refusal *bad;
};

/* tchar of RFC 9110 5.6.2. */
static bool is_token(const char *s)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return false;
	}
	return true;
}

/* Field values: visible characters, spaces and tabs, and obs-text. */
static bool is_field_value(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* uri-host [":" port]: reg-name, IPv4 or an IP literal; no userinfo, path,
 * spaces.  Empty is allowed (RFC 9112 3.2). */
static bool is_host(const char *s)
{
	static const char extra[] = "-._~!$&'()*+,;=:[]%";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return false;
	}
	return true;
}

static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind,
				 const char *key, const char *value)
{
	struct header_walk *w = cls;

	(void)kind;
	if (strcasecmp(key, "Content-Length") == 0)
		w->content_length_count++;
	if (strcasecmp(key, "Transfer-Encoding") == 0)
		w->transfer_encoding_count++;
	if (strcasecmp(key, "Host") == 0)
		w->host_count++;
	/* libmicrohttpd keeps "Content-Length : 5" as a header named
	 * "Content-Length " and frames no body: the bytes that follow would
	 * be read as the next request, where a proxy saw a body. */
	if (!w->bad && !is_token(key))
		w->bad = &refuse_header_name;
	if (!w->bad && value && !is_field_value(value))
		w->bad = &refuse_header_value;
	if (w->items && w->n < w->cap) {
		w->items[w->n].name = key;
		w->items[w->n].value = value ? value : "";
	}
	w->n++;
	return MHD_YES;
}

static bool request_id_is_sane(const char *id)
{
	size_t len = 0;

	for (const char *p = id; *p; p++, len++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':'))
			return false;
	}
	return len >= 1 && len <= 64;
}

static void set_request_id(struct exchange *ex)
{
	const char *given = request_header(&ex->req, "X-Request-Id");

	if (given && request_id_is_sane(given)) {
		strcpy(ex->req.request_id, given);
		return;
	}
	if (random_hex(ex->req.request_id, 16) != 0)
		strcpy(ex->req.request_id, "unavailable");
}

static void set_client(struct exchange *ex, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;

	strcpy(ex->client, "unknown");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  ex->client, sizeof(ex->client));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  ex->client, sizeof(ex->client));
}

/* First call: the headers are complete, no body has been read. */
static int exchange_start(struct exchange *ex, struct MHD_Connection *conn,
			  const char *method, const char *version)
{
	struct header_walk walk = { 0 };
	const char *cl, *host, *te, *expect;
	bool http10;

	snprintf(ex->method_name, sizeof(ex->method_name), "%s", method);
	/* libmicrohttpd takes any bytes up to the space as the method; the name
	 * goes into a 405's detail and the log line, both JSON, so keep it to
	 * printable ASCII (a raw 0xff, or UTF-8 cut by the copy, made the 405
	 * a 500: found by tests/fuzz). */
	for (char *c = ex->method_name; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	ex->req.method = http_method_parse(method);
	ex->req.cfg = ex->srv->cfg;
	set_client(ex, conn);
	ex->req.client = ex->client;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, header_cb, &walk);
	walk.items = request_alloc(&ex->req, sizeof(*walk.items) * (walk.n + 1));
	if (!walk.items)
		return -1;
	walk.cap = walk.n;
	walk.n = 0;
	walk.content_length_count = 0;
	walk.transfer_encoding_count = 0;
	walk.host_count = 0;
	walk.bad = NULL;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, header_cb, &walk);
	ex->req.headers = walk.items;
	ex->req.nheaders = walk.n;
	set_request_id(ex);
	ex->after_drain = atomic_load(&ex->srv->draining);
	/* HTTP/1.1, and the 1.2 to 1.9 libmicrohttpd takes for 1.x. */
	http10 = strcmp(version, MHD_HTTP_VERSION_1_0) == 0;
	host = request_header(&ex->req, "Host");
	ex->missing_host = !http10 && host == NULL;

	/* Two framings for one body is how requests get smuggled past
	 * proxies: refuse it rather than guess which one a proxy used. */
	if (walk.content_length_count > 1 ||
	    (walk.content_length_count && walk.transfer_encoding_count))
		ex->bad_framing = true;

	te = request_header(&ex->req, "Transfer-Encoding");
	expect = request_header(&ex->req, "Expect");
	if (walk.bad)
		ex->refusal = walk.bad;
	else if (!is_token(method))
		ex->refusal = &refuse_method;
	else if (walk.host_count > 1 || (host && !is_host(host)))
		ex->refusal = &refuse_host;
	else if (te && (walk.transfer_encoding_count > 1 || strcasecmp(te, "chunked") != 0))
		ex->refusal = &refuse_te;
	else if (te && http10)
		ex->refusal = &refuse_te_http10;
	else if (expect && strcasecmp(expect, "100-continue") != 0)
		ex->refusal = &refuse_expect;

	cl = request_header(&ex->req, "Content-Length");
	if (cl) {
		long long n;
		char *end;

		errno = 0;
		n = strtoll(cl, &end, 10);
		if (errno || *end || n < 0)
			ex->bad_framing = true;
		else if ((unsigned long long)n > ex->srv->cfg->max_body_bytes)
			ex->body_too_large = true;
	}
	return 0;
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

static const char *const format_choices[] = { "json", "csv", NULL };

static int choose_format(struct exchange *ex)
{
	const char *format = NULL;
	const char *accept;

	ex->req.format = FORMAT_JSON;
	if (!(ex->req.route->flags & ROUTE_CSV))
		return 0;
	if (request_enum_or_respond(&ex->req, &ex->res, "format", format_choices, NULL, &format))
		return -1;
	if (format) {
		ex->req.format = strcmp(format, "csv") == 0 ? FORMAT_CSV : FORMAT_JSON;
		return 0;
	}
	accept = request_header(&ex->req, "Accept");
	if (accept && strstr(accept, "text/csv") && !strstr(accept, "application/json"))
		ex->req.format = FORMAT_CSV;
	return 0;
}

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
			"ETag, Link, Location, Retry-After, X-Request-Id");
	}
}

static bool is_public_read(const struct exchange *ex)
{
	return ex->req.route && (ex->req.route->flags & ROUTE_PUBLIC) &&
	       (ex->req.method == HTTP_GET || ex->req.method == HTTP_HEAD);
}

static void common_headers(struct exchange *ex, struct MHD_Response *resp, bool preflight)
{
	bool cors = ex->srv->cfg->cors_origins && ex->srv->cfg->cors_origins[0];

	MHD_add_response_header(resp, "X-Request-Id", ex->req.request_id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (is_public_read(ex))
		MHD_add_response_header(resp, "Vary", cors ? "Accept, Origin" : "Accept");
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
static enum MHD_Result send_not_modified(struct exchange *ex, struct MHD_Connection *conn,
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

/* ---- streams and long polls ------------------------------------------------ */

/* A stream outlives its exchange (libmicrohttpd may free the response after
 * the completion callback), so it carries what it needs. */
struct stream_ctx {
	struct server *srv;
	struct MHD_Connection *conn;
	struct response_stream stream;
};

static ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_ctx *sc = cls;
	unsigned wait_ms = 0;
	long n;

	(void)pos;
	n = sc->stream.read(sc->stream.state, buf, max, &wait_ms);
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
static enum MHD_Result send_response(struct exchange *ex, struct MHD_Connection *conn,
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

		/* Strong validator: the hash of the exact bytes and their type. */
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
	if (etag[0])
		MHD_add_response_header(resp, "ETag", etag);
	for (size_t i = 0; i < res->nheaders; i++)
		MHD_add_response_header(resp, res->headers[i].name, res->headers[i].value);
	cache_control(ex, resp, status);
	common_headers(ex, resp, false);
	return queue(ex, conn, resp, status);
}

/*
 * The handler has nothing to say yet (res.wait_ms): park the request until
 * data changes or the wait is over, without holding this thread, and let
 * the handler look again then.  When it cannot be parked (the service is
 * stopping), the handler runs once more with poll_final set and answers.
 */
static enum MHD_Result poll_park_or_send(struct exchange *ex, struct MHD_Connection *conn)
{
	for (;;) {
		if (ex->req.db) {
			db_release(ex->req.db);
			ex->req.db = NULL;
		}
		if (ex->res.status != 0 || ex->res.wait_ms == 0 || ex->req.poll_final)
			return send_response(ex, conn, NULL, 0);
		if (!atomic_load(&ex->srv->draining) && waitlist_park(conn, ex->res.wait_ms)) {
			ex->parked = true;
			return MHD_YES;
		}
		ex->req.poll_final = true;
		ex->res.wait_ms = 0;
		ex->req.route->handler(&ex->req, &ex->res);
	}
}

/* A parked request was resumed: run its handler again. */
static enum MHD_Result poll_resume(struct exchange *ex, struct MHD_Connection *conn)
{
	ex->parked = false;
	ex->res.wait_ms = 0;
	if (atomic_load(&ex->srv->draining))
		ex->req.poll_final = true;
	ex->req.route->handler(&ex->req, &ex->res);
	return poll_park_or_send(ex, conn);
}

static enum MHD_Result send_cached(struct exchange *ex, struct MHD_Connection *conn,
				   struct cached *hit)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(hit->len, hit->body, MHD_RESPMEM_MUST_FREE);

	if (!resp) {
		free(hit->body);
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

static enum MHD_Result send_options(struct exchange *ex, struct MHD_Connection *conn)
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

static enum MHD_Result dispatch(struct exchange *ex, struct MHD_Connection *conn)
{
	struct server *srv = ex->srv;
	enum router_result rr;
	char allow[96];
	char *cache_key = NULL;
	uint64_t gen = 0;
	enum MHD_Result rc;

	if (ex->parked)
		return poll_resume(ex, conn);
	if (ex->after_drain) {
		problem_send(&ex->res, 503, "shutting-down", "Shutting down",
			     "This instance is stopping; retry the request, it will reach another or this one restarted.");
		(void)response_header_add(&ex->res, "Retry-After", "1");
		(void)response_header_add(&ex->res, MHD_HTTP_HEADER_CONNECTION, "close");
		return send_response(ex, conn, NULL, 0);
	}
	if (ex->bad_framing) {
		problem_send(&ex->res, 400, "bad-request", "Bad request",
			     "The request's framing is ambiguous (Content-Length given twice, invalid, or with Transfer-Encoding).");
		(void)response_header_add(&ex->res, MHD_HTTP_HEADER_CONNECTION, "close");
		return send_response(ex, conn, NULL, 0);
	}
	if (ex->refusal) {
		problem_send(&ex->res, ex->refusal->status, ex->refusal->type, ex->refusal->title,
			     ex->refusal->detail);
		(void)response_header_add(&ex->res, MHD_HTTP_HEADER_CONNECTION, "close");
		return send_response(ex, conn, NULL, 0);
	}
	if (ex->body_too_large) {
		respond_error_too_large(ex);
		return send_response(ex, conn, NULL, 0);
	}
	if (ex->missing_host) {
		problem_send(&ex->res, 400, "bad-request", "Bad request",
			     "Requests must carry a Host header (required since HTTP version 1.1).");
		return send_response(ex, conn, NULL, 0);
	}
	/* Before any work, a 404 included: a crawler pays like anyone. */
	if (ratelimit_client_or_respond(&ex->req, &ex->res) != 0)
		return send_response(ex, conn, NULL, 0);
	/* RFC 9110 9.1: 501 for a method we do not implement anywhere (TRACE,
	 * CONNECT, PROPFIND ...), 405 for one a path does not allow. */
	if (!ex->req.method) {
		problem_sendf(&ex->res, 501, "not-implemented", "Not implemented",
			      "%s is not a method this service implements (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS).",
			      ex->method_name);
		return send_response(ex, conn, NULL, 0);
	}
	if (parse_target(ex) != 0)
		return send_response(ex, conn, NULL, 0);

	rr = router_match(srv->routes, srv->nroutes, ex->req.method, ex->req.path, &ex->match);
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

	/* The contract's checks (http/contract.h): the query before the key
	 * is looked at, the body once the caller is known. */
	if (contract_check_query_or_respond(&ex->req, &ex->res) != 0 || choose_format(ex) != 0)
		return send_response(ex, conn, NULL, 0);
	if (ex->req.route->scope &&
	    auth_check_or_respond(&ex->req, &ex->res, ex->req.route->scope) != 0) {
		if (ex->req.route->flags & ROUTE_WRITE)
			write_audit_refused(&ex->req, &ex->res);
		return send_response(ex, conn, NULL, 0);
	}
	if (ex->req.route->scope && ratelimit_key_or_respond(&ex->req, &ex->res) != 0)
		return send_response(ex, conn, NULL, 0);
	ex->req.body = ex->body.data;
	ex->req.body_len = ex->body.len;
	if (contract_check_body_or_respond(&ex->req, &ex->res) != 0) {
		if (ex->req.route->flags & ROUTE_WRITE)
			write_audit_refused(&ex->req, &ex->res);
		return send_response(ex, conn, NULL, 0);
	}

	if (is_public_read(ex)) {
		struct buf key = BUF_INIT;
		struct cached hit;

		gen = cache_generation_for(ex->req.route->depends ? ex->req.route->depends : DATA_ALL);
		if (gen && buf_appendf(&key, "%s?%s#%d", ex->req.path, ex->req.raw_query,
				       (int)ex->req.format) == 0) {
			switch (cache_lookup(buf_cstr(&key), gen,
					     request_header(&ex->req, "If-None-Match"), &hit)) {
			case CACHE_NOT_MODIFIED:
				buf_release(&key);
				return send_not_modified(ex, conn, hit.etag, hit.len);
			case CACHE_HIT:
				buf_release(&key);
				return send_cached(ex, conn, &hit);
			case CACHE_MISS:
				break;
			}
			cache_key = buf_detach(&key, NULL);
		}
		buf_release(&key);
	}

	if (ex->req.route->flags & ROUTE_WRITE) {
		if (write_begin_or_respond(&ex->req, &ex->res) == 0) {
			ex->req.route->handler(&ex->req, &ex->res);
			write_finish(&ex->req, &ex->res);
		}
	} else {
		ex->req.route->handler(&ex->req, &ex->res);
		if (ex->res.status == 0 && ex->res.wait_ms > 0) {
			free(cache_key);
			return poll_park_or_send(ex, conn);
		}
	}
	/* Give the connection back before the bytes go out. */
	if (ex->req.db) {
		db_release(ex->req.db);
		ex->req.db = NULL;
	}
	/* Only a generation seen before the handler ran may stamp the entry:
	 * a write that lands meanwhile bumps it and the entry is never hit. */
	rc = send_response(ex, conn, cache_key, gen);
	free(cache_key);
	return rc;
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

/* ---- life cycle ----------------------------------------------------------- */

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
static struct MHD_Daemon *daemon_start(struct server *srv, unsigned flags, unsigned threads)
{
	const struct config *cfg = srv->cfg;

	return MHD_start_daemon(flags, 0, NULL, NULL, access_cb, srv,
		/* First, so that every message of the library reaches our log. */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&cfg->listen_addr,
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

int server_run(const struct config *cfg, const struct route *routes, size_t nroutes)
{
	struct server srv = { .cfg = cfg, .routes = routes, .nroutes = nroutes };
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
	srv.daemon = daemon_start(&srv, flags, cfg->threads);
	if (!srv.daemon) {
		log_msgf(LOG_ERROR, "cannot listen on %s (in use, or not an address of this machine)",
			 cfg->listen);
		waitlist_shutdown();
		return 1;
	}
	log_msgf(LOG_INFO, "listening on http://%s with %u threads", cfg->listen, cfg->threads);
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
	MHD_stop_daemon(srv.daemon);
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
