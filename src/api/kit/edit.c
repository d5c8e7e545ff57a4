/*
 * edit.c - the versioned edit, written once (see edit.h).
 */
#include "api/kit/edit.h"

#include <stdio.h>
#include <string.h>

#include "api/common.h"
#include "db/db.h"
#include "http/request.h"
#include "http/response.h"
#include "http/write.h"
#include "util/random.h"

/* The most values a create statement takes before the two edit_create adds. */
#define EDIT_CREATE_PARAMS_MAX 30

void edit_init(struct edit *e, const struct edit_kind *kind, const char *id)
{
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->id = id;
	validation_init(&e->v);
}

json_t *edit_body_or_respond(struct request *req, struct response *res, struct edit *e)
{
	e->body = request_json_or_respond(req, res);
	return e->body;
}

void edit_not_found(struct response *res, const struct edit_kind *kind)
{
	if (kind->not_found)
		problem_send(res, 404, "not-found", "Not found", kind->not_found);
	else
		problem_sendf(res, 404, "not-found", "Not found", "There is no %s with that id%s.",
			      kind->name, kind->scoped ? " that this key may see" : "");
}

/* Is id of the form kind's records are named by? */
static bool id_valid(const struct edit_kind *kind, const char *id)
{
	return kind->id_valid ? id && kind->id_valid(id) : uuid_is_valid(id);
}

int edit_id_or_respond(struct response *res, const struct edit *e)
{
	if (id_valid(e->kind, e->id))
		return 0;
	edit_not_found(res, e->kind);
	return -1;
}

/* The answer to a precondition that is not met: common.c words them. */
static int precondition_or_respond(const struct request *req, struct response *res,
				   const struct edit *e, enum edit_precondition p)
{
	switch (p) {
	case EDIT_PRECONDITION_MET:
		return 0;
	case EDIT_PRECONDITION_REQUIRED:
		return api_if_match_required_or_respond(req, res);
	case EDIT_PRECONDITION_FAILED:
		break;
	}
	return api_if_match_or_respond(req, res, e->kind->name, e->version);
}

int edit_lock_or_respond(struct request *req, struct response *res, struct edit *e,
			 const char *scope, enum edit_if_match policy)
{
	const char *if_match = request_header(req, "If-Match");
	const char *p[2] = { e->id, scope };

	if (edit_id_or_respond(res, e) ||
	    precondition_or_respond(req, res, e, edit_precondition_unlocked(policy, if_match != NULL)) ||
	    api_exec_or_respond(req, res, e->kind->lock, e->kind->scoped ? 2 : 1, p, &e->locked))
		return -1;
	if (PQntuples(e->locked) != 1) {
		edit_not_found(res, e->kind);
		return -1;
	}
	e->version = (long)db_get_ll(e->locked, 0, 0);
	return precondition_or_respond(req, res, e,
		edit_precondition_locked(policy, if_match != NULL,
					 if_match ? request_if_match_version(if_match, e->version) : 0));
}

const char *edit_column(const struct edit *e, int col)
{
	return db_get_text(e->locked, 0, col);
}

void edit_invalid(struct response *res, struct validation *v)
{
	if (v->oom)
		problem_send_internal(res);
	else
		problem_send_invalid(res, validation_take_errors(v));
}

int edit_valid_or_respond(struct response *res, struct validation *v)
{
	if (validation_ok(v))
		return 0;
	edit_invalid(res, v);
	return -1;
}

json_t *edit_merged_or_respond(struct response *res, const struct edit *e, const json_t *patch,
			       const char *const *fields, struct validation *v)
{
	json_t *current = json_loads(edit_column(e, 1) ? edit_column(e, 1) : "", 0, NULL);
	json_t *merged = NULL;

	if (!current) {
		problem_send_internal(res);
		return NULL;
	}
	merged = edit_merge_new(current, patch, fields, v);
	json_decref(current);
	if (!merged)
		edit_invalid(res, v);
	return merged;
}

/* The row of kind->get in r (taken) answered with status and its ETag;
 * no row is the 404 when missing_is_404, else a 500 (the caller has just
 * written it). */
static int answer_with(struct response *res, const struct edit_kind *kind, const char *id,
		       PGresult *r, int status, bool missing_is_404)
{
	json_t *body = NULL;

	if (PQntuples(r) == 1)
		body = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	else if (missing_is_404) {
		PQclear(r);
		edit_not_found(res, kind);
		return -1;
	}
	if (!body) {
		PQclear(r);
		problem_send_internal(res);
		return -1;
	}
	response_json(res, status, body);
	if (res->status == status) {   /* not after a 500 for memory */
		response_version_etag(res, PQgetvalue(r, 0, 1));
		if (status == 201 && kind->location)
			response_location(res, "%s%s", kind->location, id);
	}
	PQclear(r);
	return 0;
}

/* kind->get for (id, scope) answered as answer_with does. */
static int answer(struct request *req, struct response *res, const struct edit_kind *kind,
		  const char *id, const char *scope, int status, bool missing_is_404)
{
	const char *p[2] = { id, scope };
	PGresult *r = NULL;

	/* A create: the record now exists (a problem below clears it again). */
	if (status == 201)
		snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	if (api_exec_or_respond(req, res, kind->get, kind->scoped ? 2 : 1, p, &r))
		return -1;
	return answer_with(res, kind, id, r, status, missing_is_404);
}

int edit_new_id(char *id, size_t len)
{
	unsigned char b[16];

	if (len < 37 || random_bytes(b, sizeof(b)) != 0)
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 9562 variant */
	snprintf(id, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return 0;
}

/* The created row of r (taken) answered 201 with its JSON as the database
 * wrote it, which is byte for byte the answer the frame stored under the
 * Idempotency-Key, and with its ETag and location (NULL: none). */
static int answer_created(struct response *res, PGresult *r, const char *location)
{
	response_bytes(res, 201, "application/json", PQgetvalue(r, 0, 0),
		       (size_t)PQgetlength(r, 0, 0));
	if (res->status == 201) {   /* not after a 500 for memory */
		response_version_etag(res, PQgetvalue(r, 0, 1));
		if (location)
			(void)response_header_add(res, "Location", location);
	}
	PQclear(r);
	return res->status == 201 ? 0 : -1;
}

int edit_create(struct request *req, struct response *res, const struct edit *e,
		const char *create, int nparams, const char *const *values,
		const struct api_conflict *dup)
{
	const char *p[EDIT_CREATE_PARAMS_MAX + 2];
	char location[256];
	const struct write_answer a = { 201, e->kind->location ? location : NULL, e->id };
	PGresult *r = NULL;

	if (nparams > EDIT_CREATE_PARAMS_MAX) {
		problem_send_internal(res);
		return -1;
	}
	memcpy(p, values, (size_t)nparams * sizeof(*p));
	p[nparams] = req->auth.key_prefix;
	p[nparams + 1] = req->request_id;
	snprintf(location, sizeof(location), "%s%s", e->kind->location ? e->kind->location : "", e->id);
	/* The write's whole end goes out with the create: one round trip. */
	write_commit_with_next(req, res, &a);
	if (api_exec_or_respond(req, res, create, nparams + 2, p, &r))
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		api_conflict_respond(res, dup);
		return -1;
	}
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", e->id);
	return answer_created(res, r, a.location);
}

int edit_answer(struct request *req, struct response *res, const struct edit_kind *kind,
		const char *id, int status)
{
	return answer(req, res, kind, id, NULL, status, false);
}

void edit_read(struct request *req, struct response *res, const struct edit_kind *kind,
	       const char *id, const char *scope)
{
	if (!id_valid(kind, id)) {
		edit_not_found(res, kind);
		return;
	}
	if (request_db_or_respond(req, res))
		(void)answer(req, res, kind, id, scope, 200, true);
}

void edit_versions(struct request *req, struct response *res, const struct edit_kind *kind,
		   const struct edit_history *h, const char *id, const char *scope)
{
	const char *p[2] = { id, scope };
	int np = kind->scoped ? 2 : 1;
	PGresult *r = NULL;
	bool visible;

	if (!id_valid(kind, id)) {
		edit_not_found(res, kind);
		return;
	}
	if (!request_db_or_respond(req, res))
		return;
	if (h->exists) {
		if (api_exec_or_respond(req, res, h->exists, np, p, &r))
			return;
		visible = PQntuples(r) == 1;
		PQclear(r);
		r = NULL;
		if (!visible) {
			edit_not_found(res, kind);
			return;
		}
	}
	if (api_exec_or_respond(req, res, h->versions, np, p, &r))
		return;
	if (!h->exists && PQntuples(r) == 0)
		edit_not_found(res, kind);
	else
		api_history_respond(req, res, r, h->number, h->at, h->record);
	PQclear(r);
}

int edit_finish(struct request *req, struct response *res, const struct edit *e,
		const char *version_put, int status)
{
	const char *p[3] = { e->id, req->auth.key_prefix, req->request_id };

	/* The version row goes out with the read of the answer (one round
	 * trip); the change log's triggers (migrations/0011) tell every
	 * instance. */
	if (version_put && db_defer(req->db, version_put, 3, p) != DB_OK) {
		problem_send_internal(res);
		return -1;
	}
	return edit_answer(req, res, e->kind, e->id, status);
}

void edit_clear(struct edit *e)
{
	PQclear(e->locked);
	e->locked = NULL;
	json_decref(e->body);
	e->body = NULL;
	validation_release(&e->v);
}

void edit_release(struct edit *e, struct response *res)
{
	edit_clear(e);
	if (id_valid(e->kind, e->id))
		snprintf(res->audit_target, sizeof(res->audit_target), "%s", e->id);
}
