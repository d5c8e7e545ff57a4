/*
 * router.h - the route table: method + path template -> handler.
 *
 * Templates are literal segments and {name} placeholders, such as
 * "/v1/actions/{id}".  A placeholder matches one non-empty segment.  When
 * several templates match a path, the one with a literal segment furthest to
 * the left wins ("/v1/returns/summary" beats "/v1/returns/{id}").  Pure: no
 * I/O, no allocation, so cmocka can test it alone.
 */
#ifndef EQ_HTTP_ROUTER_H
#define EQ_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

struct request;
struct response;

/* The methods the service speaks, each with its bit: one list, from which
 * the enum below and the names of router.c are both made. */
#define HTTP_METHODS(X) X(GET, 0) X(HEAD, 1) X(POST, 2) X(PUT, 3) X(PATCH, 4) \
	X(DELETE, 5) X(OPTIONS, 6)

/* Bits, so that a set of methods (a path's Allow) is one unsigned. */
enum http_method {
#define HTTP_METHOD_BIT(name, bit) HTTP_##name = 1u << (bit),
	HTTP_METHODS(HTTP_METHOD_BIT)
#undef HTTP_METHOD_BIT
};

/* "GET" -> HTTP_GET; 0 for methods the service does not speak (TRACE, ...). */
enum http_method http_method_parse(const char *text);
const char *http_method_name(enum http_method m);

/* A handler always leaves a response in res (see response.h). */
typedef void route_handler(struct request *req, struct response *res);
typedef route_handler *route_handler_fn;

enum route_flags {
	ROUTE_PUBLIC = 1u << 0,   /* public data: shared cache, ETag, Cache-Control: public */
	ROUTE_CSV = 1u << 1,      /* ?format=csv / Accept: text/csv supported */
	ROUTE_BODY = 1u << 2,     /* takes a request body */
	ROUTE_WRITE = 1u << 3,    /* runs in a transaction with an audit event (http/write.h) */
	ROUTE_IDEMPOTENT = 1u << 4, /* creates: honours Idempotency-Key */
	ROUTE_INLINE = 1u << 5,   /* never touches PostgreSQL: answered on the HTTP thread,
	                             not through the database executor (http/executor.h) */
	ROUTE_READ_AUDIT = 1u << 6, /* a record-level read: each answer leaves an audit event
	                               (action, route, records shown; http/write.h) */
	ROUTE_INTERNAL = 1u << 7, /* served on EQ_METRICS_LISTEN only, 404 on EQ_LISTEN */
	ROUTE_MEMO_FRONT = 1u << 8, /* a public read that needs PostgreSQL only to build its
	                               memoised tables: tried on the HTTP thread first, and
	                               answered there when they are built (response.h) */
};

struct route {
	enum http_method method;
	const char *template;
	route_handler_fn handler;
	/* Its parameters and body are api/openapi.yaml's, checked before the
	 * handler runs (http/contract.h). */
	unsigned flags;
	const char *scope;                /* API-key scope required; NULL: public */
	const char *action;               /* audit name of a write, "hate_crime_report.create" */
	unsigned depends;                 /* data areas (http/cache.h), 0 = all: what a public
	                                     read depends on, what a write changes */
};

#define ROUTER_MAX_PARAMS 4
#define ROUTER_PARAM_STORAGE 512

struct route_match {
	const struct route *route;
	const char *template;     /* the most specific template matching the path
	                             (set for FOUND and METHOD_NOT_ALLOWED), for logs */
	unsigned allowed;         /* methods that some template matching the path accepts */
	size_t nparams;
	const char *names[ROUTER_MAX_PARAMS];   /* point into the template (not NUL-terminated at '}') */
	size_t name_lens[ROUTER_MAX_PARAMS];
	const char *values[ROUTER_MAX_PARAMS];  /* NUL-terminated copies in storage */
	char storage[ROUTER_PARAM_STORAGE];
};

enum router_result { ROUTER_FOUND = 0, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

/*
 * Match a decoded path (no query string) against n routes.  HEAD matches GET
 * routes.  On ROUTER_FOUND, out->route and the parameters are set; on
 * ROUTER_METHOD_NOT_ALLOWED, out->allowed lists the methods for an Allow
 * header.  OPTIONS is never FOUND: the server answers it from out->allowed.
 */
enum router_result router_match(const struct route *routes, size_t n,
				enum http_method method, const char *path,
				struct route_match *out);

/* Value of placeholder `name` after a match, or NULL. */
const char *router_param(const struct route_match *m, const char *name);

/* Write "GET, HEAD, OPTIONS"-style text for an Allow header. */
void router_allow_header(unsigned allowed, char *buf, size_t size);

#endif
