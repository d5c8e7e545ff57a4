/*
 * request.h - one HTTP request as handlers see it.
 *
 * Built by the server from libmicrohttpd's callbacks, but made of plain data
 * so that a handler can be driven from a test without a socket.  Everything
 * a request points to lives until the response has been sent.
 */
#ifndef EQ_HTTP_REQUEST_H
#define EQ_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "http/query.h"
#include "http/router.h"

struct config;
struct response;
struct db_conn;

struct request_header {
	const char *name;
	const char *value;
};

enum request_format { FORMAT_JSON = 0, FORMAT_CSV };

struct request_block;

/* Who is calling, once auth has checked the key (see http/auth.h). */
struct request_auth {
	bool authenticated;
	char org_id[24];      /* organisations.id as text, for SQL parameters */
	char org_slug[65];
	char org_kind[24];    /* council, partner, reporting_centre, police */
	char key_prefix[24];  /* a key that proved its secret; never the key itself */
	/* Refused: the prefix presented, only when it names a real key (an
	 * invented one is recorded nowhere). */
	char presented_prefix[24];
	unsigned scopes;      /* enum scope bits */
};

struct request {
	enum http_method method;
	const char *path;                 /* decoded path */
	const char *raw_query;            /* as sent, "" when none */
	const struct route *route;
	const struct route_match *match;
	struct query query;
	const struct request_header *headers;
	size_t nheaders;
	const char *body;
	size_t body_len;
	/* The JSON body, parsed and checked against the contract once by
	 * contract_check_body_or_respond; owned by the request (freed by
	 * request_free_arena).  NULL without a JSON body. */
	json_t *json;
	char request_id[65];              /* the server's own id, always */
	char client_request_id[65];       /* X-Request-Id as sent (when sane), else "" */
	const char *client;               /* peer address as text */
	enum request_format format;
	/* format=csv-meta: CSV of the response's meta (name,value rows), not
	 * of its data; format is then FORMAT_CSV, so handlers do as for CSV. */
	bool csv_meta;
	const struct config *cfg;
	struct db_conn *db;               /* acquired on demand, released by the server */
	struct request_auth auth;
	struct request_block *arena;      /* scratch memory freed with the request */
	/* A long poll (response.wait_ms): the handler's own state between its
	 * calls (NULL on the first; request_alloc it), and poll_final when the
	 * server will not park the request again, so it must answer now. */
	void *poll_state;
	bool poll_final;
};

/* Case-insensitive header lookup; NULL when absent. */
const char *request_header(const struct request *req, const char *name);

/* A path placeholder's value ("id" for "/v1/actions/{id}"). */
const char *request_param(const struct request *req, const char *name);

/* Scratch memory owned by the request (freed after the response). */
void *request_alloc(struct request *req, size_t size);
char *request_strdup(struct request *req, const char *s);
/* Frees the scratch memory and req->json. */
void request_free_arena(struct request *req);

/*
 * The "...OrRespond" helpers: each returns 0 with the value, or -1 after
 * having put the right problem into res, so a handler reads as a straight
 * line:   if (request_limit_or_respond(req, res, &limit)) return;
 */
int request_long_or_respond(struct request *req, struct response *res,
			    const char *name, long def, long min, long max, long *out);
/* One of choices (NULL-terminated), or def when absent. */
int request_enum_or_respond(struct request *req, struct response *res,
			    const char *name, const char *const *choices,
			    const char *def, const char **out);
/*
 * Every value of a parameter that may be repeated or comma-separated
 * ("area=E1,E2&area=E3").  *out points to request-owned strings; at most max
 * values (more is a 400); empty items are a 400.
 */
int request_list_or_respond(struct request *req, struct response *res,
			    const char *name, size_t max, const char ***out, size_t *n);
/* A single-valued parameter: present twice is a 400.  *out NULL when absent. */
int request_single_or_respond(struct request *req, struct response *res,
			      const char *name, const char **out);

/*
 * The body as a JSON object.  On a route of the contract this is the body
 * the pipeline already parsed and checked against the operation's schema
 * (req->json): a new reference to it, so every value has the declared type.
 * Without one (a request built by hand): 415 unless Content-Type is
 * application/json, 400 for malformed JSON (with line and column), 400 when
 * it is not an object.  The caller owns the result (json_decref).
 */
json_t *request_json_or_respond(struct request *req, struct response *res);

/*
 * The body parsed as JSON, whatever req->json holds: 415 unless Content-Type
 * is application/json, 400 for malformed JSON (with line and column) or,
 * when object, for anything but an object.  The one parse behind both the
 * contract's body check and request_json_or_respond.  The caller owns the
 * result (json_decref); NULL after the problem was put into res.
 */
json_t *request_body_json_or_respond(struct request *req, struct response *res, bool object);

/*
 * Versioned records carry ETag "v<version>".  Does an If-Match header name
 * version `current` of a record that exists?  1 when it does or is "*"
 * (RFC 9110 13.1.1: any current representation), 0 when it names other
 * versions, -1 when it names none (weak or malformed tags).
 */
int request_if_match_version(const char *header, long current);

/* A database connection for this request, or NULL after a 503 in res. */
struct db_conn *request_db_or_respond(struct request *req, struct response *res);

#endif
