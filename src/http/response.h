/*
 * response.h - what a handler hands back, and the shared helpers that fill
 * it.  Handlers never format an error body or a header by hand: they call
 * response_json / response_list / problem_send*, and the server adds the
 * common headers (X-Request-Id, CORS, Cache-Control, ETag, nosniff) when it
 * turns the response into bytes.
 */
#ifndef EQ_HTTP_RESPONSE_H
#define EQ_HTTP_RESPONSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

struct request;

#define RESPONSE_MAX_HEADERS 12

struct response_header {
	char *name;   /* owned */
	char *value;  /* owned */
};

/*
 * A body made a piece at a time, after the handler has returned (an event
 * stream).  read copies up to max bytes into buf and returns how many; or
 * returns 0 with *wait_ms set: nothing yet, call again once data changes
 * or wait_ms pass; or RESPONSE_STREAM_POLL: call poll, then read again; or
 * -1: the end.  read runs on an HTTP thread and must never wait on the
 * database; poll is where the database work goes (it runs on the database
 * executor, http/executor.h).  finish frees state, once, whether or not
 * read was ever called.  None may touch the request, which may be gone.
 */
#define RESPONSE_STREAM_POLL (-2L)
struct response_stream {
	long (*read)(void *state, char *buf, size_t max, unsigned *wait_ms);
	void (*poll)(void *state);
	void (*finish)(void *state);
	void *state;
};

struct response {
	int status;                 /* 0 until a helper sets it */
	const char *content_type;   /* static string */
	struct buf body;
	struct response_header headers[RESPONSE_MAX_HEADERS];
	size_t nheaders;
	bool no_store;              /* force Cache-Control: private, no-store */
	char audit_target[80];      /* what a write acted on, for the audit event */
	const char *audit_reason;   /* the caller's stated reason (an erasure), request-owned; NULL: none */
	long records;               /* records shown (response_list sets it); -1: one record */
	/* A long poll with nothing to say yet leaves status 0 and sets this:
	 * the server parks the request (no thread held) and calls the handler
	 * again after a data change or wait_ms (see request.poll_state). */
	unsigned wait_ms;
	struct response_stream stream;   /* set by response_stream; owned */
	bool streaming;
	/* Set by response_static only: */
	const void *static_body;    /* used instead of body: static storage, never copied */
	size_t static_len;
	const char *cache_control;  /* static; replaces the server's own on a 200 or 304 */
	/* A handler tried on the HTTP thread first (ROUTE_MEMO_FRONT) runs
	 * with front_only set: it may read memoised tables that are built
	 * (api/kit/table_memo.h) but nothing that waits on PostgreSQL.  One
	 * that would sets needs_db and answers nothing (status 0); the server
	 * then runs it again, from the start, on the database executor. */
	bool front_only, needs_db;
};

/* A CSV column: its header and the JSON pointer ("/area/code") of its value
 * in each row object.  Lists declare their columns once, beside the route. */
struct csv_column {
	const char *header;
	const char *pointer;
};

void response_init(struct response *res);
void response_release(struct response *res);
/* Drop any body and headers a helper set, so that an error can replace them. */
void response_reset(struct response *res);

/* Add a header (copied).  Returns 0 or -1 (too many, out of memory). */
int response_header_add(struct response *res, const char *name, const char *value);
const char *response_header_get(const struct response *res, const char *name);

/* Location: the path fmt makes (printf-style; cut at 511 bytes, which no
 * path of ours reaches), added as response_header_add does, its failure
 * ignored as every caller did: the record is written and answered either
 * way. */
__attribute__((format(printf, 2, 3)))
void response_location(struct response *res, const char *fmt, ...);

/* ETag "v<version>" for a versioned record (version as text). */
void response_version_etag(struct response *res, const char *version);

/* Answer with a stream (copied; ownership of stream->state passes to res,
 * even when the status is replaced later). */
void response_send_stream(struct response *res, int status, const char *content_type,
			  const struct response_stream *stream);

/* Serialise body as the response (steals the reference, even on failure). */
void response_json(struct response *res, int status, json_t *body);

/* The data areas (http/cache.h DATA_*) whose figures are illustrative
 * (the demo data set), as the service last read them; any thread. */
void response_set_illustrative(unsigned areas);

/*
 * "illustrative" or "official": the status of the figures a public read
 * shows (a route with ROUTE_PUBLIC depending on a data area beyond the
 * reference data), NULL for any other request.  response_list puts it in
 * meta.status (with meta.status_note) and as a last CSV column
 * data_status; the server sends it as X-Data-Status.  Static string.
 */
const char *response_data_status(const struct request *req);

/*
 * A representation fixed at build time (a file embedded in the binary).
 * Its bytes must be in static storage: they are handed to the wire as they
 * are, never copied.  The caller computed its strong ETag once; when the
 * request's If-None-Match matches it, the response is 304 with no body.
 * A page (csp set) also gets the security headers a browser acts on.
 */
struct static_representation {
	const char *content_type;    /* static string */
	const void *data;
	size_t len;
	const char *etag;            /* "\"...\"" */
	const char *cache_control;   /* static string */
	const char *csp;             /* Content-Security-Policy of a page; NULL for other files */
};

void response_static(const struct request *req, struct response *res,
		     const struct static_representation *rep);

/* Raw bytes (copied) with a static content type. */
void response_bytes(struct response *res, int status, const char *content_type,
		    const void *data, size_t len);

/*
 * A list or statistics response: JSON {"data", "links", "meta"} or, when the
 * request asked for CSV, RFC 4180 CSV of the columns with a header row and
 * the next page in a Link header.  next_cursor NULL means last page.  Steals
 * data and meta.
 */
void response_list(const struct request *req, struct response *res,
		   json_t *data, json_t *meta, const char *next_cursor,
		   const struct csv_column *columns, size_t ncolumns);

/*
 * response_list for rows the caller rendered once and shares: data_text
 * (borrowed; NULL: none) is data as compact JSON text, an array, put into
 * the JSON body as it is, byte for byte what dumping data would give.  A
 * CSV request (or no data_text) is answered from data as response_list
 * does.  Steals data and meta.
 */
void response_list_rendered(const struct request *req, struct response *res,
			    json_t *data, const char *data_text, size_t data_len, json_t *meta,
			    const char *next_cursor, const struct csv_column *columns,
			    size_t ncolumns);

/*
 * The JSON answer of response_list_rendered, byte for byte, from text
 * alone: data_text as there, and meta as the text of its members without
 * the braces (meta_members, borrowed, with no "status" member: the
 * status members are added here as response_list adds them).  For a
 * resource that renders its meta once per change of its data; JSON only
 * (a CSV answer needs the rows as values).
 */
void response_list_text(const struct request *req, struct response *res,
			const char *data_text, size_t data_len, const char *meta_members,
			size_t meta_len, const char *next_cursor);

/* How response bodies are dumped (compact), for callers that render rows
 * ahead for response_list_rendered. */
#define RESPONSE_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))

/*
 * RFC 9457 problem details.  `type` is a short stable slug ("not-found",
 * "validation-failed") registered in http/problems.c with its status and
 * title; the body's "type" is "urn:equalities:problem:" + slug.  The
 * registry's title is the one sent (title is the fallback for a slug that
 * is not registered, which is logged as an error); detail is specific to
 * this occurrence.
 */
void problem_send(struct response *res, int status, const char *type,
		  const char *title, const char *detail);
__attribute__((format(printf, 5, 6)))
void problem_sendf(struct response *res, int status, const char *type,
		   const char *title, const char *fmt, ...);
/* With an "errors" array of {"pointer"|"parameter", "detail"} (stolen). */
void problem_send_errors(struct response *res, int status, const char *type,
			 const char *title, const char *detail, json_t *errors);

/* 400 naming a query parameter. */
void problem_send_bad_parameter(struct response *res, const char *param,
				const char *detail);
/* 503 with Retry-After: the database cannot be reached, or did not answer
 * (a connection, a lock or a statement) within its time limit. */
void problem_send_unavailable(struct response *res);
/* 500 without internals (the cause goes to the log only). */
void problem_send_internal(struct response *res);

/* 422 with every validation error (the array is stolen). */
void problem_send_invalid(struct response *res, json_t *errors);

/* Round to `places` decimal places for publication. */
double response_round(double v, int places);

#endif
