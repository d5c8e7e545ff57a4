/*
 * common.c - helpers shared by the resource files (see common.h).
 */
#include "api/common.h"

#include <stdio.h>
#include <string.h>

#include "http/request.h"
#include "http/response.h"

int api_if_match_required_or_respond(const struct request *req, struct response *res)
{
	if (request_header(req, "If-Match"))
		return 0;
	problem_send(res, 428, "precondition-required", "Precondition required",
		     "Send If-Match with the ETag of the version you edited, such as \"v1\".");
	return -1;
}

int api_if_match_or_respond(const struct request *req, struct response *res, const char *what,
			    long version)
{
	const char *if_match = request_header(req, "If-Match");
	char v[24];

	if (request_if_match_version(if_match, version) == 1)
		return 0;
	if (if_match && !strchr(if_match, '"') && !strchr(if_match, '*'))
		problem_sendf(res, 412, "precondition-failed", "Precondition failed",
			      "If-Match must be quoted as the ETag header gives it, such as If-Match: \"v1\" (with the quotes); the %s is at version %ld.",
			      what, version);
	else
		problem_sendf(res, 412, "precondition-failed", "Precondition failed",
			      "The %s is at version %ld; If-Match does not name it. Fetch it again and re-apply the change.",
			      what, version);
	snprintf(v, sizeof(v), "%ld", version);
	response_version_etag(res, v);
	return -1;
}

int api_status_or_respond(struct response *res, enum db_status status)
{
	switch (status) {
	case DB_OK:
		return 0;
	case DB_UNAVAILABLE:
	case DB_TIMEOUT:
		problem_send_unavailable(res);
		return -1;
	case DB_CONSTRAINT:
	case DB_ERROR:
		break;
	}
	problem_send_internal(res);
	return -1;
}

int api_exec_or_respond(struct request *req, struct response *res, const char *stmt,
			int nparams, const char *const *values, PGresult **out)
{
	/* The connection is taken on first use: a handler that forgot to ask
	 * for one gets it here rather than a NULL dereference. */
	if (!request_db_or_respond(req, res)) {
		if (out)
			*out = NULL;
		return -1;
	}
	return api_status_or_respond(res, db_exec(req->db, stmt, nparams, values, out));
}

int api_batch_or_respond(struct request *req, struct response *res, const struct db_call *calls,
			 size_t n)
{
	if (!request_db_or_respond(req, res)) {
		for (size_t i = 0; i < n; i++)
			if (calls[i].out)
				*calls[i].out = NULL;
		return -1;
	}
	return api_status_or_respond(res, db_exec_batch(req->db, calls, n));
}

int api_found_or_respond(struct request *req, struct response *res, const char *stmt,
			 const char *key, bool valid, const char *bad_form, const char *missing,
			 PGresult **out)
{
	*out = NULL;
	if (!valid) {
		problem_send(res, 404, "not-found", "Not found", bad_form);
		return -1;
	}
	if (!request_db_or_respond(req, res) || api_exec_or_respond(req, res, stmt, 1, &key, out))
		return -1;
	if (PQntuples(*out) == 0) {
		PQclear(*out);
		*out = NULL;
		problem_send(res, 404, "not-found", "Not found", missing);
		return -1;
	}
	return 0;
}

void api_record_respond(struct request *req, struct response *res, const char *stmt,
			const char *key, bool valid, const char *missing)
{
	PGresult *r = NULL;
	json_t *body;

	if (api_found_or_respond(req, res, stmt, key, valid, missing, missing, &r))
		return;
	body = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	if (body)
		response_json(res, 200, body);
	else
		problem_send_internal(res);
}

json_t *api_history_json(const PGresult *r, const char *number, const char *at,
			 const char *record)
{
	json_t *data = json_array();
	int n = PQntuples(r);

	for (int i = 0; data && i < n; i++) {
		json_t *body = json_loads(PQgetvalue(r, i, 4), 0, NULL);
		json_t *row = body ? json_pack("{s:I, s:s, s:s?, s:s, s:o}",
					       number, (json_int_t)db_get_ll(r, i, 0),
					       at, PQgetvalue(r, i, 1),
					       "key_prefix", db_get_text(r, i, 2),
					       "request_id", PQgetvalue(r, i, 3),
					       record, body) : NULL;

		if (!row || json_array_append_new(data, row)) {
			json_decref(data);
			return NULL;
		}
	}
	return data;
}

void api_history_respond(struct request *req, struct response *res, const PGresult *r,
			 const char *number, const char *at, const char *record)
{
	json_t *data = api_history_json(r, number, at, record);
	char number_at[40], at_at[40], record_at[40];
	/* CSV: a row per version, the record as it was as one JSON text. */
	const struct csv_column columns[] = {
		{ number, number_at }, { at, at_at }, { "key_prefix", "/key_prefix" },
		{ "request_id", "/request_id" }, { record, record_at },
	};

	if (!data) {
		problem_send_internal(res);
		return;
	}
	snprintf(number_at, sizeof(number_at), "/%s", number);
	snprintf(at_at, sizeof(at_at), "/%s", at);
	snprintf(record_at, sizeof(record_at), "/%s", record);
	response_list(req, res, data, json_pack("{s:i}", "count", PQntuples(r)), NULL, columns,
		      sizeof(columns) / sizeof(columns[0]));
}

int api_insert_or_respond(struct request *req, struct response *res, const char *stmt,
			  int nparams, const char *const *values, char *id, size_t idlen)
{
	PGresult *r = NULL;
	int rc = 1;

	if (api_exec_or_respond(req, res, stmt, nparams, values, &r))
		return -1;
	if (PQntuples(r) == 1) {
		snprintf(id, idlen, "%s", PQgetvalue(r, 0, 0));
		rc = 0;
	}
	PQclear(r);
	return rc;
}

int api_insert_unique_or_respond(struct request *req, struct response *res, const char *stmt,
				 int nparams, const char *const *values, char *id, size_t idlen,
				 const struct api_conflict *dup)
{
	int rc = api_insert_or_respond(req, res, stmt, nparams, values, id, idlen);

	if (rc == 1)
		api_conflict_respond(res, dup);
	return rc == 0 ? 0 : -1;
}

void api_conflict_respond(struct response *res, const struct api_conflict *c)
{
	api_conflict_send(res, c->type, c->title, c->detail, c->pointer, c->why);
}

void api_conflict_send(struct response *res, const char *type, const char *title,
		       const char *detail, const char *pointer, const char *why)
{
	problem_send_errors(res, 409, type, title, detail,
			    json_pack("[{s:s, s:s}]", "pointer", pointer, "detail", why));
}

json_t *api_period_json(const struct period *p)
{
	char label[32], start[11], end[11];

	if (period_format(p, label, sizeof(label)) < 0 ||
	    date_format(&p->start, start, sizeof(start)) < 0 ||
	    date_format(&p->end, end, sizeof(end)) < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s}", "label", label, "kind", period_kind_name(p->kind),
			 "start", start, "end", end);
}
