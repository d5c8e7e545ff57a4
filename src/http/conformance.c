/*
 * conformance.c - the requests libmicrohttpd 0.9.75 lets through and we
 * refuse, and the exchange's set-up from the headers (see exchange.h).
 */
#include "http/exchange.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "http/proxy.h"
#include "util/random.h"

/*
 * Requests that libmicrohttpd 0.9.75 lets through and we refuse, answered
 * as soon as the headers are in, before any body is read, and with the
 * connection closed, so that bytes we did not read as a body are never
 * read as the next request either.
 */

/* Most are a plain 400; the detail names the rule broken. */
#define BAD_REQUEST(detail) { 400, "bad-request", "Bad request", detail }

static const struct refusal refuse_header_name = BAD_REQUEST(
	"A header name is not a token (RFC 9110 5.1): no spaces, no space before the colon, no control characters.");
static const struct refusal refuse_header_value = BAD_REQUEST(
	"A header value contains a control character.");
static const struct refusal refuse_method = BAD_REQUEST(
	"The request method is not a token (RFC 9110 9.1).");
static const struct refusal refuse_host = BAD_REQUEST(
	"Host must be given once, as host[:port].");
static const struct refusal refuse_te_http10 = BAD_REQUEST(
	"Transfer-Encoding is not part of HTTP/1.0; send Content-Length.");
/* Any other coding, or a list: libmicrohttpd would read the body up to the
 * end of the connection. */
static const struct refusal refuse_te = { 501, "not-implemented", "Not implemented",
	"The only Transfer-Encoding accepted is chunked, once; or send Content-Length." };
static const struct refusal refuse_expect = { 417, "expectation-failed", "Expectation failed",
	"The only expectation this service meets is Expect: 100-continue." };

static const struct refusal refuse_header_nul = BAD_REQUEST(
	"A header value contains a NUL byte.");
static const struct refusal refuse_target_nul = BAD_REQUEST(
	"The request target contains a NUL byte.");
/* The NULs: libmicrohttpd 0.9.75 keeps the head as C strings, so a NUL
 * cuts a value or the target short ("abc\0def" read as "abc") and what we
 * would check is not what was sent.  Its value lengths
 * (MHD_get_connection_values_n) are strlen()s too, so the NUL is found in
 * its read buffer (nul_hidden, and server.c's target_cut_by_nul). */

/* The value's own "" for a header without one (never in the buffer). */
static const char no_value[] = "";

struct header_walk {
	struct request_header *items;
	size_t n, cap;
	unsigned content_length_count;
	unsigned transfer_encoding_count;
	unsigned host_count;
	const struct refusal *bad;
};

/* Every character of s a letter, a digit or one of extra. */
static bool only_alnum_and(const char *s, const char *extra)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return false;
	}
	return true;
}

/* tchar of RFC 9110 5.6.2, at least one. */
static bool is_token(const char *s)
{
	return *s && only_alnum_and(s, "!#$%&'*+-.^_`|~");
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
	return only_alnum_and(s, "-._~!$&'()*+,;=:[]%");
}

static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind,
				 const char *key, size_t key_size,
				 const char *value, size_t value_size)
{
	struct header_walk *w = cls;

	(void)kind;
	(void)key_size;
	(void)value_size;
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
		w->items[w->n].value = value ? value : no_value;
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

/* The server's own id, always: the audit trail and the version tables
 * record it, and a client choosing it ("cli", another request's id) could
 * otherwise pass its requests off as others'.  The client's id, when sane,
 * is kept beside it (request.h). */
static void set_request_id(struct exchange *ex)
{
	const char *given = request_header(&ex->req, "X-Request-Id");

	if (given && request_id_is_sane(given))
		strcpy(ex->req.client_request_id, given);
	if (random_hex(ex->req.request_id, 16) != 0)
		strcpy(ex->req.request_id, "unavailable");
}

/* The peer's address, then (with the headers in) the client's: the peer's
 * own, or from a trusted proxy the one it forwarded (http/proxy.h). */
static void set_client(struct exchange *ex, struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info ? info->client_addr : NULL;
	char peer[INET6_ADDRSTRLEN] = "unknown";

	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  peer, sizeof(peer));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  peer, sizeof(peer));
	proxy_client_address(&ex->req, peer, ex->client, sizeof(ex->client));
}

/*
 * Did a NUL cut a header value short?  libmicrohttpd ends each line in its
 * read buffer with NULs where the CR and LF were, so the byte after the
 * value's end is a NUL, CR, LF, the start of the next header (lines ended
 * by LF alone) or a space or tab (an obs-fold).  Anything else is what
 * followed a NUL the client sent.  A NUL just before the line's end hides
 * nothing and is let be.
 */
static bool nul_hidden(const struct request_header *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *after;

		if (h[i].value == no_value)
			continue;
		after = h[i].value + strlen(h[i].value) + 1;
		if (*after && !strchr("\r\n \t", *after) && !(i + 1 < n && after == h[i + 1].name))
			return true;
	}
	return false;
}

/* First call: the headers are complete, no body has been read. */
int exchange_start(struct exchange *ex, struct MHD_Connection *conn,
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
	ex->req.client = ex->client;

	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, header_cb, &walk);
	walk.items = request_alloc(&ex->req, sizeof(*walk.items) * (walk.n + 1));
	if (!walk.items)
		return -1;
	walk.cap = walk.n;
	walk.n = 0;
	walk.content_length_count = 0;
	walk.transfer_encoding_count = 0;
	walk.host_count = 0;
	walk.bad = NULL;
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, header_cb, &walk);
	ex->req.headers = walk.items;
	ex->req.nheaders = walk.n;
	set_client(ex, conn);
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
	if (ex->target_nul)
		ex->refusal = &refuse_target_nul;
	else if (walk.bad)
		ex->refusal = walk.bad;
	else if (nul_hidden(walk.items, walk.n))
		ex->refusal = &refuse_header_nul;
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
