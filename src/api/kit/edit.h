/*
 * edit.h - the versioned edit, written once: lock the record, check
 * If-Match, merge, validate (the resource's own rule), update, record the
 * version, read back and answer with the record and
 * its ETag "v<version>".
 *
 * A handler reads as a straight line:
 *
 *   struct edit e;
 *
 *   edit_init(&e, &report_edit, request_param(req, "id"));
 *   if (edit_id_or_respond(res, &e) || !edit_body_or_respond(req, res, &e) ||
 *       edit_lock_or_respond(req, res, &e, req->auth.org_id, EDIT_IF_MATCH_REQUIRED))
 *           goto done;
 *   merged = edit_merged_or_respond(res, &e, e.body, fields, &e.v);
 *   ... the rule (src/domain/) into e.v, then edit_valid_or_respond ...
 *   ... the resource's UPDATE with api_exec_or_respond ...
 *   edit_finish(req, res, &e, "x_version_put", 200);
 * done:
 *   edit_release(&e, res);
 *
 * The edit owns the request body and the problems found in it, so that
 * its one release is the handler's whole cleanup.
 *
 * Each step answers the problem itself and returns -1 (or NULL), so the
 * handler only jumps to its one exit.  The decisions are pure and tested
 * in src/domain/versioned_edit.h; the statements are the resource's own.
 */
#ifndef EQ_API_KIT_EDIT_H
#define EQ_API_KIT_EDIT_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "domain/validate.h"
#include "domain/versioned_edit.h"

struct request;
struct response;

/*
 * What the kit needs to know of a resource; one static const per resource.
 *
 * lock: FOR UPDATE, so that of concurrent edits naming one version exactly
 * one sees it current.  Parameters (id, scope) when scoped, else (id).
 * Columns: 0 the version, 1 the representation as JSON text (read by
 * edit_merged_or_respond only), then whatever the resource's rules need
 * (edit_column).  No row: the 404 below.
 * get: the answer.  Parameters (id, NULL) when scoped, else (id).  Columns:
 * 0 the representation as JSON text, 1 the version.
 * location: the path a new record is at, less its id ("/v1/returns/");
 * NULL when the resource answers its creates itself.
 */
struct edit_kind {
	const char *name;        /* in "The <name> is at version 3" (412) */
	/* The whole 404 detail; NULL: "There is no <name> with that id.", with
	 * " that this key may see" before the stop when scoped (edit_not_found). */
	const char *not_found;
	const char *lock;
	const char *get;
	const char *location;
	bool scoped;
	/* The form of the record's id (a slug, a code); NULL: a UUID.  An id
	 * not of its form is the 404 before any database work. */
	bool (*id_valid)(const char *id);
};

/* One edit in progress.  Start with edit_init, end with edit_release
 * (or edit_clear). */
struct edit {
	const struct edit_kind *kind;
	const char *id;          /* borrowed from the request */
	PGresult *locked;        /* the locked row, owned; NULL until locked */
	long version;            /* the version locked */
	json_t *body;            /* the request's JSON body, owned; NULL until read */
	struct validation v;     /* the problems the rules found in it */
};

void edit_init(struct edit *e, const struct edit_kind *kind, const char *id);

/* The request's JSON body into e->body (request_json_or_respond): the
 * body, borrowed from e, or NULL with the problem in res. */
__attribute__((warn_unused_result))
json_t *edit_body_or_respond(struct request *req, struct response *res, struct edit *e);

/* The 404 for a record of kind that is not there (or not visible). */
void edit_not_found(struct response *res, const struct edit_kind *kind);

/* 0 when the id is a UUID, else the 404 (no record has such an id). */
__attribute__((warn_unused_result))
int edit_id_or_respond(struct response *res, const struct edit *e);

/*
 * The id (404 unless a UUID), then If-Match by policy (428 before any
 * database work), then the lock (404 for no row: a missing record and
 * another organisation's answer alike), then If-Match against the locked
 * version (412 with the current ETag).  scope is the organisation the
 * record must belong to, NULL for any (unused unless kind->scoped).
 * 0, or -1 with the problem in res.
 */
__attribute__((warn_unused_result))
int edit_lock_or_respond(struct request *req, struct response *res, struct edit *e,
			 const char *scope, enum edit_if_match policy);

/* Column col of the locked row (valid until edit_release); NULL for SQL NULL. */
const char *edit_column(const struct edit *e, int col);

/*
 * PATCH: patch merged onto the locked representation (edit_merge_new).
 * Problems already in v are answered with the merge's own (422, or 500
 * when memory ran out).  A new object the caller owns, or NULL with the
 * problem in res.
 */
__attribute__((warn_unused_result))
json_t *edit_merged_or_respond(struct response *res, const struct edit *e, const json_t *patch,
			       const char *const *fields, struct validation *v);

/* 422 with every problem in v (taken from it), or 500 when memory ran out. */
void edit_invalid(struct response *res, struct validation *v);

/* 0 when v holds no problems, else -1 after edit_invalid. */
__attribute__((warn_unused_result))
int edit_valid_or_respond(struct response *res, struct validation *v);

/*
 * After the resource's UPDATE: version_put (NULL: none; parameters id,
 * key prefix, request id) records the new state as a version (sent with
 * the read-back, one round trip), and the record is read back and answered with status and
 * its ETag.  0, or -1 with the problem in res.
 */
__attribute__((warn_unused_result))
int edit_finish(struct request *req, struct response *res, const struct edit *e,
		const char *version_put, int status);

/*
 * A create in one statement, for a record whose id the service chooses
 * (edit_new_id).  create is the resource's
 *
 *   WITH r AS (INSERT ... ON CONFLICT DO NOTHING RETURNING <the answer's
 *              JSON>, version, ...),
 *        v AS (INSERT INTO <versions> SELECT ... FROM r)
 *   SELECT <JSON>::text, version,
 *          WRITE_ANSWER_PUBLISH("<JSON>::text", "version") FROM r
 *
 * so that the record, its first version (a create always records one) and
 * the answer (kind->get's columns) come from one statement, the JSON built
 * once, and the write frame ends with it in its round trip: the answer
 * stored under the Idempotency-Key, the audit event and COMMIT
 * (http/write.h, write_commit_with_next).  Its parameters are values as
 * given (the id among them), then the key prefix and the request id, as a
 * version row's in edit_finish.  No row is the conflict dup (409, with
 * nothing written); otherwise 201 with that JSON as the database wrote it,
 * its ETag and Location.  0, or -1 with the problem in res.
 */
struct api_conflict;
__attribute__((warn_unused_result))
int edit_create(struct request *req, struct response *res, const struct edit *e,
		const char *create, int nparams, const char *const *values,
		const struct api_conflict *dup);

/* A new random (version 4) UUID into id (37 bytes or more); 0 or -1. */
__attribute__((warn_unused_result))
int edit_new_id(char *id, size_t len);

/*
 * Answer with the record id as kind->get reads it, with status and its
 * ETag.  Status 201 is a create's answer: id is named the audit target
 * and the answer carries Location: kind->location + id.  0, or -1 with
 * the problem in res (500 when the record is not there: the caller has
 * just written it).
 */
__attribute__((warn_unused_result))
int edit_answer(struct request *req, struct response *res, const struct edit_kind *kind,
		const char *id, int status);

/*
 * GET of one record: 200 with it and its ETag as kind->get reads it with
 * (id, scope) (scope NULL: any organisation; unused unless kind->scoped),
 * or 404 (kind->not_found) when id is not a UUID or no such record is
 * visible; 503/500 for the database.
 */
void edit_read(struct request *req, struct response *res, const struct edit_kind *kind,
	       const char *id, const char *scope);

/*
 * A record's versions: the statements (parameters id, scope as kind->get)
 * and the member names api_history_respond gives them.  exists has a row
 * when the record is visible, for records that may have no version yet;
 * NULL: every record has one, so no versions is no record.
 */
struct edit_history {
	const char *exists;
	const char *versions;
	const char *number, *at, *record;   /* "version", "changed_at", "report" */
};

/*
 * GET of a record's versions: 200 with them (api_history_respond), or 404
 * (kind->not_found) when id is not a UUID or no such record is visible;
 * 503/500 for the database.
 */
void edit_versions(struct request *req, struct response *res, const struct edit_kind *kind,
		   const struct edit_history *h, const char *id, const char *scope);

/*
 * Frees the locked row and names the record the attempt was on as the
 * audit target, refused or not.  Call it last: a problem response clears
 * the target.
 */
void edit_release(struct edit *e, struct response *res);

/* Frees what the edit owns (locked row, body, problems) and names no
 * target: the end of a create, whose record is named by edit_answer once
 * it exists. */
void edit_clear(struct edit *e);

#endif
