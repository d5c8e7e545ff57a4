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

struct response {
	int status;                 /* 0 until a helper sets it */
	const char *content_type;   /* static string */
	struct buf body;
	struct response_header headers[RESPONSE_MAX_HEADERS];
	size_t nheaders;
	bool no_store;              /* force Cache-Control: private, no-store */
	char audit_target[80];      /* what a write acted on, for the audit event */
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

/* ETag "v<version>" for a versioned record (version as text). */
void response_version_etag(struct response *res, const char *version);

/* Serialise body as the response (steals the reference, even on failure). */
void response_json(struct response *res, int status, json_t *body);

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
 * RFC 9457 problem details.  `type` is a short stable slug ("not-found",
 * "validation-failed"); the body's "type" is "urn:equalities:problem:" +
 * slug.  title is short and stable, detail specific to this occurrence.
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
