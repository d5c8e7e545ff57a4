/*
 * common.h - small helpers shared by the resource files.
 */
#ifndef EQ_API_COMMON_H
#define EQ_API_COMMON_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "db/db.h"
#include "domain/codes.h"   /* area_code_is_valid, uuid_is_valid, code_is_valid */
#include "domain/period.h"

struct request;
struct response;

/* Run a statement on the request's connection (taken from the pool on
 * first use); on failure put the right problem (503 for an unreachable
 * database or a timeout, 500 otherwise) in res and return -1. */
int api_exec_or_respond(struct request *req, struct response *res, const char *stmt,
			int nparams, const char *const *values, PGresult **out);

/* A statement's status as the answer: 0 for DB_OK, else -1 with the
 * problem in res (503 for an unreachable database or a timeout, else 500). */
int api_status_or_respond(struct response *res, enum db_status status);

/* The same for several statements in one round trip (db_exec_batch). */
int api_batch_or_respond(struct request *req, struct response *res, const struct db_call *calls,
			 size_t n);

/*
 * The rows stmt finds for key (a path parameter, the statement's one
 * parameter) in *out, at least one; the caller PQclears it.  0, or -1 with
 * a 404 in res when the key is not of its form (valid false: bad_form, the
 * database not asked) or stmt finds nothing (missing), or with a 5xx.
 */
__attribute__((warn_unused_result))
int api_found_or_respond(struct request *req, struct response *res, const char *stmt,
			 const char *key, bool valid, const char *bad_form, const char *missing,
			 PGresult **out);

/*
 * GET of one public record: 200 with the JSON text column 0 of stmt's row
 * for key (api_found_or_respond: 404 with missing when key is not of its
 * form, valid false, or stmt finds nothing), or the problem.
 */
void api_record_respond(struct request *req, struct response *res, const char *stmt,
			const char *key, bool valid, const char *missing);

/*
 * The rows of a record's history as JSON objects, from a result whose
 * columns are: number, timestamp, key prefix (may be NULL), request id, and
 * the record as it was (JSON text).  names gives the member names of the
 * number, the timestamp and the record ("version", "changed_at", "report").
 * A new array, or NULL when a stored record does not parse or memory runs out.
 */
json_t *api_history_json(const PGresult *r, const char *number, const char *at,
			 const char *record);

/* Answers with those rows (api_history_json) as a list with meta.count
 * (CSV on a ROUTE_CSV route: a row per version, the record as JSON text),
 * or 500.  r stays the caller's. */
void api_history_respond(struct request *req, struct response *res, const PGresult *r,
			 const char *number, const char *at, const char *record);

/* 409 naming the member that conflicts: type, title and detail as
 * problem_send, with errors [{"pointer": pointer, "detail": why}]. */
void api_conflict_send(struct response *res, const char *type, const char *title,
		       const char *detail, const char *pointer, const char *why);

/*
 * Runs an INSERT ... ON CONFLICT DO NOTHING RETURNING id: 0 with the new
 * id in id (idlen bytes), 1 when it conflicted and nothing was inserted
 * (the caller answers its 409), -1 with the problem in res.
 */
__attribute__((warn_unused_result))
int api_insert_or_respond(struct request *req, struct response *res, const char *stmt,
			  int nparams, const char *const *values, char *id, size_t idlen);

/* The 409 of a create that met a record with the same key: what
 * api_conflict_send says, one static const beside the statement. */
struct api_conflict {
	const char *type, *title, *detail, *pointer, *why;
};

/* api_conflict_send of c. */
void api_conflict_respond(struct response *res, const struct api_conflict *c);

/* api_insert_or_respond answering a conflict with dup: 0 with the new id
 * in id, or -1 with the problem (409, 500, 503) in res. */
__attribute__((warn_unused_result))
int api_insert_unique_or_respond(struct request *req, struct response *res, const char *stmt,
				 int nparams, const char *const *values, char *id, size_t idlen,
				 const struct api_conflict *dup);

/*
 * An edit of a versioned record (ETag "v<version>") must say which version
 * it was made on.  api_if_match_required_or_respond: 0 when If-Match is
 * present, else 428 and -1 (checked before the record is locked).
 * api_if_match_or_respond: 0 when If-Match names version, else 412 naming
 * what ("report") and its current version, with the current ETag, and -1.
 */
int api_if_match_required_or_respond(const struct request *req, struct response *res);
int api_if_match_or_respond(const struct request *req, struct response *res, const char *what,
			    long version);

/* A period as the API shows it: {"label", "kind", "start", "end"}.  A new
 * reference, or NULL when memory runs out. */
json_t *api_period_json(const struct period *p);

#endif
