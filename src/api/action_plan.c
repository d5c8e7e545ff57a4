/*
 * action_plan.c - the council's equalities action plans, their actions and
 * every progress update.
 *
 *   GET   /v1/action-plans                      public (JSON or CSV)
 *   POST  /v1/action-plans                      manage:action-plan, idempotent
 *   GET   /v1/action-plans/{id}                 public
 *   GET   /v1/action-plans/{id}/actions         public (JSON or CSV)
 *   POST  /v1/action-plans/{id}/actions         manage:action-plan, idempotent
 *   GET   /v1/action-plans/{id}/summary         public (JSON or CSV)
 *   GET   /v1/actions/{id}                      public, with its update history
 *   PATCH /v1/actions/{id}                      manage:action-plan, If-Match
 *   POST  /v1/actions/{id}/updates              manage:action-plan, idempotent
 *
 * A plan is named by its slug, the financial year it starts in with a dash
 * ("2024-25"), or "current".  An action's status and RAG are those of its
 * latest update; updates are only ever added (a trigger refuses to change
 * one).  PATCH edits the fixed fields only and takes If-Match "v<version>".
 * The representations are SQL functions (migrations/0009), so responses,
 * the summary and the seed agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/action_plan.h"
#include "api/api.h"
#include "api/common.h"
#include "db/listener.h"
#include "domain/period.h"
#include "domain/validate.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"

#define TITLE_MAX 200
#define DESCRIPTION_MAX 2000
#define NOTE_MAX 4000
#define REASON_MAX 2000
#define MAX_INDICATORS 20

/* $1: a slug or "current". */
#define PLAN_MATCH "(p.slug = $1 OR ($1 = 'current' AND p.status = 'current'))"

static const struct db_statement statements[] = {
	{ "ap_today", "SELECT to_char(action_plan_today(), 'YYYY-MM-DD')", 0 },
	{ "ap_plan_list",
	  "SELECT action_plan_json(p)::text FROM action_plans p"
	  " WHERE ($1::text IS NULL OR p.status = $1) ORDER BY p.starts_on, p.id", 1 },
	{ "ap_plan_get",
	  "SELECT action_plan_json(p)::text, p.id FROM action_plans p WHERE " PLAN_MATCH, 1 },
	{ "ap_summary",
	  "SELECT action_plan_summary_json(p)::text FROM action_plans p WHERE " PLAN_MATCH, 1 },
	{ "ap_current_taken", "SELECT 1 FROM action_plans WHERE status = 'current'", 0 },
	{ "ap_plan_insert",
	  "INSERT INTO action_plans (slug, title, description, starts_on, ends_on, status)"
	  " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING RETURNING slug", 6 },
	/* $1 plan id; filters; $7 sort; $8 limit + 1; $9 offset. */
	{ "ap_actions",
	  "SELECT action_json(a)::text FROM actions a WHERE a.plan_id = $1"
	  "   AND ($2::text IS NULL OR a.status = $2)"
	  "   AND ($3::text IS NULL OR a.rag = $3)"
	  "   AND ($4::text IS NULL OR a.outcome = $4)"
	  "   AND ($5::text IS NULL OR a.lead = $5)"
	  "   AND ($6::boolean IS NULL OR action_is_overdue(a) = $6)"
	  " ORDER BY CASE WHEN $7 = 'due_date' THEN a.due_date END,"
	  "   action_reference_key(a.reference), a.reference, a.id"
	  " LIMIT $8 OFFSET $9", 9 },
	{ "ap_action_get",
	  "SELECT action_json(a)::text FROM actions a WHERE a.id = $1", 1 },
	{ "ap_action_updates",
	  "SELECT action_update_json(u)::text FROM action_updates u WHERE u.action_id = $1"
	  " ORDER BY u.seq", 1 },
	/* A write holds the action until it commits: concurrent PATCHes naming
	 * one version see it current once, and updates get their sequence in
	 * turn. */
	{ "ap_action_lock",
	  "SELECT action_json(a)::text, a.version, a.status, a.plan_id,"
	  " coalesce((SELECT to_char(max(u.as_of), 'YYYY-MM-DD') FROM action_updates u"
	  "           WHERE u.action_id = a.id), '')"
	  " FROM actions a WHERE a.id = $1 FOR UPDATE", 1 },
	{ "ap_action_insert",
	  "INSERT INTO actions (plan_id, reference, title, description, outcome, lead,"
	  " start_date, due_date, indicators)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[])"
	  " ON CONFLICT (plan_id, reference) DO NOTHING RETURNING id", 9 },
	{ "ap_ref_taken",
	  "SELECT 1 FROM actions WHERE plan_id = $1 AND reference = $2 AND id <> $3", 3 },
	{ "ap_action_update",
	  "UPDATE actions SET reference = $2, title = $3, description = $4, outcome = $5,"
	  " lead = $6, start_date = $7, due_date = $8, indicators = $9::text[],"
	  " version = version + 1, updated_at = now() WHERE id = $1", 9 },
	{ "ap_update_insert",
	  "WITH u AS (INSERT INTO action_updates (action_id, seq, as_of, status, rag, note, reason,"
	  "   organisation_id, key_prefix, request_id)"
	  "  SELECT $1, coalesce(max(x.seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9"
	  "  FROM action_updates x WHERE x.action_id = $1 RETURNING action_id, status, rag)"
	  " UPDATE actions a SET status = u.status, rag = u.rag, updated_at = now()"
	  " FROM u WHERE a.id = u.action_id", 9 },
	{ "ap_notify", "SELECT pg_notify('" LISTENER_CHANNEL "', 'action_plan')", 0 },
};

static const char *const plan_statuses[] = { "draft", "current", "closed", NULL };
static const char *const statuses[] = {
	"not_started", "in_progress", "complete", "cancelled", "deferred", NULL,
};
static const char *const rags[] = { "red", "amber", "green", "not_rated", NULL };
static const char *const sorts[] = { "due_date", "reference", NULL };
static const char *const booleans[] = { "true", "false", NULL };

/* ---- shared pieces ---------------------------------------------------------- */


/* "2024-25" or "current". */
static bool plan_id_is_valid(const char *s)
{
	if (!s)
		return false;
	if (strcmp(s, "current") == 0)
		return true;
	if (strlen(s) != 7 || s[4] != '-')
		return false;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

static bool has_control_chars(const char *s, bool allow_newlines)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (allow_newlines && (c == '\n' || c == '\r' || c == '\t'))
			continue;
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

static void plan_not_found(struct response *res)
{
	problem_send(res, 404, "not-found", "Not found",
		     "There is no action plan with that id; plans are named like 2024-25, or current.");
}

static void action_not_found(struct response *res)
{
	problem_send(res, 404, "not-found", "Not found", "There is no action with that id.");
}


/* Text (1..max bytes, no control characters but line breaks in long text). */
static const char *validate_text(struct validation *v, const json_t *obj, const char *name,
				 bool required, size_t max, bool multiline)
{
	const char *s = validate_string(v, obj, "", name, required, max);
	char ptr[48];

	if (!s)
		return NULL;
	snprintf(ptr, sizeof(ptr), "/%s", name);
	if (s[0] == '\0') {
		validation_add(v, ptr, "must not be empty");
		return NULL;
	}
	if (has_control_chars(s, multiline)) {
		validation_add(v, ptr, "must not contain control characters");
		return NULL;
	}
	return s;
}

static const char *validate_code(struct validation *v, const json_t *obj, const char *name,
				 const char *example)
{
	const char *s = validate_string(v, obj, "", name, true, 64);
	char ptr[48];

	if (!s)
		return NULL;
	if (!code_is_valid(s)) {
		snprintf(ptr, sizeof(ptr), "/%s", name);
		validation_add(v, ptr, "must be a code of lower-case letters, digits, - or _ such as %s",
			       example);
		return NULL;
	}
	return s;
}

/* Today in London, for dates that may not be in the future. */
static int today_or_respond(struct request *req, struct response *res, struct date *today)
{
	PGresult *r = NULL;
	int rc;

	if (api_exec_or_respond(req, res, "ap_today", 0, NULL, &r))
		return -1;
	rc = date_parse(PQgetvalue(r, 0, 0), today);
	PQclear(r);
	if (rc != 0)
		problem_send_internal(res);
	return rc ? -1 : 0;
}

/* Load JSON text from the database and respond with it. */
static void respond_text(struct response *res, int status, const char *text)
{
	json_t *body = json_loads(text, 0, NULL);

	if (!body) {
		problem_send_internal(res);
		return;
	}
	response_json(res, status, body);
}

/* Rows of JSON text (column 0) as an array; NULL when out of memory. */
static json_t *rows_array(PGresult *r, int max)
{
	json_t *data = json_array();
	int n = PQntuples(r);

	if (!data)
		return NULL;
	for (int i = 0; i < n && i < max; i++) {
		json_t *row = json_loads(PQgetvalue(r, i, 0), 0, NULL);

		if (!row || json_array_append_new(data, row)) {
			json_decref(data);
			return NULL;
		}
	}
	return data;
}

/* ---- the summary (also for the scorecard) -------------------------------------- */

json_t *action_plan_summary_json(struct request *req, struct response *res, const char *plan)
{
	const char *p[1] = { plan ? plan : "current" };
	PGresult *r = NULL;
	json_t *out;

	if (!plan_id_is_valid(p[0])) {
		plan_not_found(res);
		return NULL;
	}
	if (!req->db && !request_db_or_respond(req, res))
		return NULL;
	if (api_exec_or_respond(req, res, "ap_summary", 1, p, &r))
		return NULL;
	if (PQntuples(r) != 1) {
		PQclear(r);
		plan_not_found(res);
		return NULL;
	}
	out = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	if (!out)
		problem_send_internal(res);
	return out;
}

static const struct csv_column summary_columns[] = {
	{ "outcome", "/outcome" },
	{ "total", "/total" },
	{ "not_started", "/by_status/not_started" },
	{ "in_progress", "/by_status/in_progress" },
	{ "complete", "/by_status/complete" },
	{ "cancelled", "/by_status/cancelled" },
	{ "deferred", "/by_status/deferred" },
	{ "red", "/by_rag/red" },
	{ "amber", "/by_rag/amber" },
	{ "green", "/by_rag/green" },
	{ "not_rated", "/by_rag/not_rated" },
	{ "overdue", "/overdue" },
	{ "complete_share", "/complete_share" },
};

static void plan_summary(struct request *req, struct response *res)
{
	json_t *s = action_plan_summary_json(req, res, request_param(req, "id"));
	json_t *rows, *overall;
	size_t i;
	json_t *o;

	if (!s)
		return;
	if (req->format != FORMAT_CSV) {
		response_json(res, 200, s);
		return;
	}
	/* CSV: one row for the whole plan (outcome empty), then one per outcome. */
	rows = json_array();
	overall = json_deep_copy(json_object_get(s, "overall"));
	if (!rows || !overall || json_array_append_new(rows, overall)) {
		json_decref(rows);
		json_decref(s);
		problem_send_internal(res);
		return;
	}
	json_array_foreach(json_object_get(s, "outcomes"), i, o)
		if (json_array_append(rows, o)) {
			json_decref(rows);
			json_decref(s);
			problem_send_internal(res);
			return;
		}
	response_list(req, res, rows, json_pack("{s:O}", "plan", json_object_get(s, "plan")), NULL,
		      summary_columns, API_COUNT(summary_columns));
	json_decref(s);
}

/* ---- plans ------------------------------------------------------------------ */

static const struct csv_column plan_columns[] = {
	{ "id", "/id" },
	{ "title", "/title" },
	{ "period", "/period/label" },
	{ "start", "/period/start" },
	{ "end", "/period/end" },
	{ "status", "/status" },
	{ "action_count", "/action_count" },
};

static void plan_list(struct request *req, struct response *res)
{
	const char *status;
	PGresult *r = NULL;
	json_t *data;

	if (request_enum_or_respond(req, res, "status", plan_statuses, NULL, &status))
		return;
	if (!request_db_or_respond(req, res))
		return;
	{
		const char *p[1] = { status };

		if (api_exec_or_respond(req, res, "ap_plan_list", 1, p, &r))
			return;
	}
	data = rows_array(r, PQntuples(r));
	PQclear(r);
	if (!data) {
		problem_send_internal(res);
		return;
	}
	response_list(req, res, data, json_pack("{s:i}", "count", (int)json_array_size(data)),
		      NULL, plan_columns, API_COUNT(plan_columns));
}

/* The plan's JSON text and database id (column 1).  0, or -1 with a 404/503. */
static int plan_lookup_or_respond(struct request *req, struct response *res, const char *id,
				  PGresult **out)
{
	const char *p[1] = { id };

	if (!plan_id_is_valid(id)) {
		plan_not_found(res);
		return -1;
	}
	if (!req->db && !request_db_or_respond(req, res))
		return -1;
	if (api_exec_or_respond(req, res, "ap_plan_get", 1, p, out))
		return -1;
	if (PQntuples(*out) != 1) {
		PQclear(*out);
		*out = NULL;
		plan_not_found(res);
		return -1;
	}
	return 0;
}

static void plan_get(struct request *req, struct response *res)
{
	PGresult *r = NULL;

	if (plan_lookup_or_respond(req, res, request_param(req, "id"), &r))
		return;
	respond_text(res, 200, PQgetvalue(r, 0, 0));
	PQclear(r);
}

static const char *const plan_fields[] = { "period", "title", "description", "years", "status", NULL };

static void plan_create(struct request *req, struct response *res)
{
	json_t *body = request_json_or_respond(req, res);
	struct validation v;
	struct period fy = { 0 };
	bool have_fy = false;
	const char *period, *title, *description, *status;
	long long years = 4;
	PGresult *r = NULL;
	char slug[16], start[11], end[16], location[64];

	validation_init(&v);
	if (!body)
		goto done;
	validate_known_fields(&v, body, "", plan_fields);
	period = validate_string(&v, body, "", "period", true, 16);
	if (period) {
		have_fy = period_parse_kinds(period, 1u << PERIOD_FINANCIAL_YEAR, &fy) == 0;
		if (!have_fy)
			validation_add(&v, "/period", "must be the financial year the plan starts in, such as 2024/25");
	}
	title = validate_text(&v, body, "title", true, TITLE_MAX, false);
	description = validate_text(&v, body, "description", false, DESCRIPTION_MAX, true);
	if (json_object_get(body, "years") &&
	    !validate_integer(&v, body, "", "years", false, 1, 10, &years))
		years = 4;
	status = validate_enum(&v, body, "", "status", false, plan_statuses);
	/* Absent or null: the default.  Any other non-choice was refused above. */
	if (!status)
		status = "draft";
	if (!validation_ok(&v)) {
		if (v.oom)
			problem_send_internal(res);
		else
			problem_send_invalid(res, validation_take_errors(&v));
		goto done;
	}
	if (strcmp(status, "current") == 0) {
		if (api_exec_or_respond(req, res, "ap_current_taken", 0, NULL, &r))
			goto done;
		if (PQntuples(r) > 0) {
			problem_send(res, 409, "current-plan-exists", "Current plan exists",
				     "Another plan is current; a new plan may be draft or closed.");
			goto done;
		}
		PQclear(r);
		r = NULL;
	}
	snprintf(slug, sizeof(slug), "%04d-%02d", (fy.fy_start_year % 10000 + 10000) % 10000,
		 ((fy.fy_start_year + 1) % 100 + 100) % 100);
	(void)date_format(&fy.start, start, sizeof(start));
	snprintf(end, sizeof(end), "%04lld-03-31", (long long)fy.fy_start_year + years);
	{
		const char *p[6] = { slug, title, description, start, end, status };

		if (api_exec_or_respond(req, res, "ap_plan_insert", 6, p, &r))
			goto done;
	}
	if (PQntuples(r) == 0) {
		json_t *errors = json_pack("[{s:s, s:s}]", "pointer", "/period",
					   "detail", "already has a plan");

		problem_send_errors(res, 409, "duplicate-action-plan", "Duplicate action plan",
				    "There is already a plan starting in that financial year.", errors);
		goto done;
	}
	PQclear(r);
	r = NULL;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", slug);
	if (api_exec_or_respond(req, res, "ap_notify", 0, NULL, NULL) ||
	    plan_lookup_or_respond(req, res, slug, &r))
		goto done;
	respond_text(res, 201, PQgetvalue(r, 0, 0));
	if (res->status == 201) {
		snprintf(location, sizeof(location), "/v1/action-plans/%s", slug);
		(void)response_header_add(res, "Location", location);
	}
done:
	PQclear(r);
	validation_release(&v);
	json_decref(body);
}

/* ---- actions: the fixed fields ------------------------------------------------ */

static const char *const action_fields[] = {
	"reference", "title", "description", "outcome", "lead", "start_date", "due_date",
	"indicators", NULL,
};

struct action_values {
	const char *reference, *title, *description, *outcome, *lead;
	char start_date[11], due_date[11];
	struct buf indicators;   /* a text[] literal */
};

static bool reference_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '-')))
			return false;
	}
	return true;
}

static void action_validate(struct validation *v, const json_t *obj, struct action_values *av)
{
	struct date start, due;
	bool have_start, have_due;
	const json_t *arr;

	validate_known_fields(v, obj, "", action_fields);
	av->reference = validate_string(v, obj, "", "reference", true, 16);
	if (av->reference && !reference_is_valid(av->reference)) {
		validation_add(v, "/reference", "must be a reference such as A3.2 (letters, digits, . and -)");
		av->reference = NULL;
	}
	av->title = validate_text(v, obj, "title", true, TITLE_MAX, false);
	av->description = validate_text(v, obj, "description", false, DESCRIPTION_MAX, true);
	av->outcome = validate_code(v, obj, "outcome", "equal-access");
	av->lead = validate_code(v, obj, "lead", "adults-and-health");
	have_start = validate_date(v, obj, "", "start_date", true, &start);
	have_due = validate_date(v, obj, "", "due_date", true, &due);
	if (have_start && have_due && date_compare(&due, &start) < 0)
		validation_add(v, "/due_date", "must not be before start_date");
	if (have_start)
		(void)date_format(&start, av->start_date, sizeof(av->start_date));
	if (have_due)
		(void)date_format(&due, av->due_date, sizeof(av->due_date));
	arr = validate_array(v, obj, "", "indicators", false, 0, MAX_INDICATORS);
	if (buf_append_char(&av->indicators, '{'))
		v->oom = true;
	if (arr) {
		size_t i;
		const json_t *item;

		json_array_foreach(arr, i, item) {
			const char *s = json_string_value(item);
			char ptr[48];

			snprintf(ptr, sizeof(ptr), "/indicators/%zu", i);
			if (!code_is_valid(s)) {
				validation_add(v, ptr, "must be an indicator code such as hate-crime-reported");
				continue;
			}
			/* An earlier item may be a non-string (refused above): skip it. */
			for (size_t k = 0; k < i; k++) {
				const char *prev = json_string_value(json_array_get(arr, k));

				if (prev && strcmp(s, prev) == 0)
					validation_add(v, ptr, "repeats %s", s);
			}
			if (buf_appendf(&av->indicators, "%s%s", i ? "," : "", s))
				v->oom = true;
		}
	}
	if (buf_append_char(&av->indicators, '}'))
		v->oom = true;
}

static void duplicate_reference(struct response *res)
{
	json_t *errors = json_pack("[{s:s, s:s}]", "pointer", "/reference",
				   "detail", "is already used by another action of this plan");

	problem_send_errors(res, 409, "duplicate-action-reference", "Duplicate action reference",
			    "This plan already has an action with this reference.", errors);
}

/* The action with its whole update history, oldest first. */
static json_t *action_with_history(struct request *req, struct response *res, const char *id)
{
	const char *p[1] = { id };
	PGresult *r = NULL;
	json_t *action, *updates;

	if (api_exec_or_respond(req, res, "ap_action_get", 1, p, &r))
		return NULL;
	if (PQntuples(r) != 1) {
		PQclear(r);
		action_not_found(res);
		return NULL;
	}
	action = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	r = NULL;
	if (!action) {
		problem_send_internal(res);
		return NULL;
	}
	if (api_exec_or_respond(req, res, "ap_action_updates", 1, p, &r)) {
		json_decref(action);
		return NULL;
	}
	updates = rows_array(r, PQntuples(r));
	PQclear(r);
	if (!updates || json_object_set_new(action, "updates", updates)) {
		json_decref(action);
		problem_send_internal(res);
		return NULL;
	}
	return action;
}

static void respond_action(struct request *req, struct response *res, const char *id, int status)
{
	json_t *a = action_with_history(req, res, id);
	char etag[32];

	if (!a)
		return;
	snprintf(etag, sizeof(etag), "%lld",
		 (long long)json_integer_value(json_object_get(a, "version")));
	response_json(res, status, a);
	if (res->status == status && req->method != HTTP_GET)
		response_version_etag(res, etag);
}

static void action_get(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");

	if (!uuid_is_valid(id)) {
		action_not_found(res);
		return;
	}
	if (!request_db_or_respond(req, res))
		return;
	respond_action(req, res, id, 200);
}

static void action_create(struct request *req, struct response *res)
{
	json_t *body = request_json_or_respond(req, res);
	struct validation v;
	struct action_values av = { .indicators = BUF_INIT };
	PGresult *r = NULL;
	char plan_id[24], id[40], location[64];

	validation_init(&v);
	if (!body)
		goto done;
	if (plan_lookup_or_respond(req, res, request_param(req, "id"), &r))
		goto done;
	snprintf(plan_id, sizeof(plan_id), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	r = NULL;
	action_validate(&v, body, &av);
	if (!validation_ok(&v)) {
		if (v.oom)
			problem_send_internal(res);
		else
			problem_send_invalid(res, validation_take_errors(&v));
		goto done;
	}
	{
		const char *p[9] = {
			plan_id, av.reference, av.title, av.description, av.outcome, av.lead,
			av.start_date, av.due_date, buf_cstr(&av.indicators),
		};

		if (api_exec_or_respond(req, res, "ap_action_insert", 9, p, &r))
			goto done;
	}
	if (PQntuples(r) == 0) {
		duplicate_reference(res);
		goto done;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	if (api_exec_or_respond(req, res, "ap_notify", 0, NULL, NULL))
		goto done;
	respond_action(req, res, id, 201);
	if (res->status == 201) {
		snprintf(location, sizeof(location), "/v1/actions/%s", id);
		(void)response_header_add(res, "Location", location);
	}
done:
	PQclear(r);
	buf_release(&av.indicators);
	validation_release(&v);
	json_decref(body);
}

/* ---- GET /v1/action-plans/{id}/actions ------------------------------------------ */

static const struct csv_column action_columns[] = {
	{ "id", "/id" },
	{ "plan", "/plan" },
	{ "reference", "/reference" },
	{ "title", "/title" },
	{ "outcome", "/outcome" },
	{ "lead", "/lead" },
	{ "start_date", "/start_date" },
	{ "due_date", "/due_date" },
	{ "status", "/status" },
	{ "rag", "/rag" },
	{ "overdue", "/overdue" },
	{ "indicators", "/indicators" },
	{ "version", "/version" },
};

static void action_list(struct request *req, struct response *res)
{
	const char *status, *rag, *outcome, *lead, *overdue, *sort;
	struct page page;
	PGresult *r = NULL;
	json_t *data;
	const char *next = NULL;
	char plan_id[24], offset[24] = "0", next_key[48];
	long off = 0;

	if (request_enum_or_respond(req, res, "status", statuses, NULL, &status) ||
	    request_enum_or_respond(req, res, "rag", rags, NULL, &rag) ||
	    request_single_or_respond(req, res, "outcome", &outcome) ||
	    request_single_or_respond(req, res, "lead", &lead) ||
	    request_enum_or_respond(req, res, "overdue", booleans, NULL, &overdue) ||
	    request_enum_or_respond(req, res, "sort", sorts, "due_date", &sort) ||
	    request_page_or_respond(req, res, &page))
		return;
	if (outcome && !code_is_valid(outcome)) {
		problem_send_bad_parameter(res, "outcome", "must be an outcome code such as equal-access");
		return;
	}
	if (lead && !code_is_valid(lead)) {
		problem_send_bad_parameter(res, "lead", "must be a directorate code such as adults-and-health");
		return;
	}
	if (page.after) {
		char *end;

		off = strtol(page.after, &end, 10);
		if (*end || off < 0 || off > 1000000 || end == page.after) {
			problem_send_bad_parameter(res, "cursor",
				"is not a cursor this service issued; use links.next from a previous page");
			return;
		}
		snprintf(offset, sizeof(offset), "%ld", off);
	}
	if (plan_lookup_or_respond(req, res, request_param(req, "id"), &r))
		return;
	snprintf(plan_id, sizeof(plan_id), "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	r = NULL;
	{
		const char *p[9] = { plan_id, status, rag, outcome, lead, overdue, sort, page.fetch, offset };

		if (api_exec_or_respond(req, res, "ap_actions", 9, p, &r))
			return;
	}
	data = rows_array(r, (int)page.limit);
	if (data && PQntuples(r) > page.limit) {
		snprintf(next_key, sizeof(next_key), "%ld", off + page.limit);
		next = request_cursor_encode(req, next_key);
		if (!next) {
			json_decref(data);
			data = NULL;
		}
	}
	PQclear(r);
	if (!data) {
		problem_send_internal(res);
		return;
	}
	response_list(req, res, data, json_pack("{s:i, s:s}", "count", (int)json_array_size(data),
						"sort", sort),
		      next, action_columns, API_COUNT(action_columns));
}

/* ---- PATCH /v1/actions/{id} ---------------------------------------------------- */


static void action_patch(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	json_t *patch = NULL, *current = NULL, *merged = NULL;
	struct validation v;
	struct action_values av = { .indicators = BUF_INIT };
	PGresult *r = NULL;
	char plan_id[24];
	long version;

	validation_init(&v);
	if (!uuid_is_valid(id)) {
		action_not_found(res);
		goto done;
	}
	patch = request_json_or_respond(req, res);
	if (!patch)
		goto done;
	if (api_if_match_required_or_respond(req, res))
		goto done;
	{
		const char *p[1] = { id };

		if (api_exec_or_respond(req, res, "ap_action_lock", 1, p, &r))
			goto done;
	}
	if (PQntuples(r) != 1) {
		action_not_found(res);
		goto done;
	}
	version = (long)db_get_ll(r, 0, 1);
	if (api_if_match_or_respond(req, res, "action", version))
		goto done;
	snprintf(plan_id, sizeof(plan_id), "%s", PQgetvalue(r, 0, 3));
	current = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	r = NULL;
	if (!current) {
		problem_send_internal(res);
		goto done;
	}
	validate_known_fields(&v, patch, "", action_fields);
	if (json_object_size(patch) == 0) {
		validation_add(&v, "", "must change at least one field");
		problem_send_invalid(res, validation_take_errors(&v));
		goto done;
	}
	merged = validate_merge(current, patch, action_fields);
	if (!merged) {
		problem_send_internal(res);
		goto done;
	}
	action_validate(&v, merged, &av);
	if (!validation_ok(&v)) {
		if (v.oom)
			problem_send_internal(res);
		else
			problem_send_invalid(res, validation_take_errors(&v));
		goto done;
	}
	{
		const char *p[3] = { plan_id, av.reference, id };

		if (api_exec_or_respond(req, res, "ap_ref_taken", 3, p, &r))
			goto done;
		if (PQntuples(r) > 0) {
			duplicate_reference(res);
			goto done;
		}
		PQclear(r);
		r = NULL;
	}
	{
		const char *p[9] = {
			id, av.reference, av.title, av.description, av.outcome, av.lead,
			av.start_date, av.due_date, buf_cstr(&av.indicators),
		};

		if (api_exec_or_respond(req, res, "ap_action_update", 9, p, NULL) ||
		    api_exec_or_respond(req, res, "ap_notify", 0, NULL, NULL))
			goto done;
	}
	respond_action(req, res, id, 200);
done:
	if (uuid_is_valid(id))
		snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	PQclear(r);
	buf_release(&av.indicators);
	validation_release(&v);
	json_decref(patch);
	json_decref(current);
	json_decref(merged);
}

/* ---- POST /v1/actions/{id}/updates ---------------------------------------------- */

static bool absent(const json_t *obj, const char *name)
{
	const json_t *m = json_object_get(obj, name);

	return !m || json_is_null(m);
}

static const char *const update_fields[] = { "date", "status", "rag", "note", "reason", NULL };

static void update_create(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	json_t *body = NULL;
	struct validation v;
	PGresult *r = NULL;
	struct date today, when, last;
	bool have_when, have_last = false;
	const char *status, *rag, *note, *reason, *was;
	char date_text[11], location[64];

	validation_init(&v);
	if (!uuid_is_valid(id)) {
		action_not_found(res);
		goto done;
	}
	body = request_json_or_respond(req, res);
	if (!body)
		goto done;
	if (today_or_respond(req, res, &today))
		goto done;
	{
		const char *p[1] = { id };

		if (api_exec_or_respond(req, res, "ap_action_lock", 1, p, &r))
			goto done;
	}
	if (PQntuples(r) != 1) {
		action_not_found(res);
		goto done;
	}
	was = PQgetvalue(r, 0, 2);
	if (PQgetvalue(r, 0, 4)[0])
		have_last = date_parse(PQgetvalue(r, 0, 4), &last) == 0;

	validate_known_fields(&v, body, "", update_fields);
	have_when = validate_date(&v, body, "", "date", false, &when);
	/* null is absent: otherwise `when` would be sent unset to PostgreSQL. */
	if (!have_when && absent(body, "date"))
		when = today, have_when = true;
	if (have_when && date_compare(&when, &today) > 0)
		validation_add(&v, "/date", "must not be in the future");
	else if (have_when && have_last && date_compare(&when, &last) < 0)
		validation_add(&v, "/date", "must not be before the action's latest update");
	status = validate_enum(&v, body, "", "status", true, statuses);
	rag = validate_enum(&v, body, "", "rag", true, rags);
	note = validate_text(&v, body, "note", false, NOTE_MAX, true);
	reason = validate_text(&v, body, "reason", false, REASON_MAX, true);
	if (status && strcmp(status, "complete") == 0 && !note && absent(body, "note"))
		validation_add(&v, "/note", "is required to complete an action: say what was done");
	if (status && strcmp(was, "complete") == 0 && strcmp(status, "complete") != 0 &&
	    !reason && absent(body, "reason"))
		validation_add(&v, "/reason", "is required to move a complete action back to %s", status);
	if (!validation_ok(&v)) {
		if (v.oom)
			problem_send_internal(res);
		else
			problem_send_invalid(res, validation_take_errors(&v));
		goto done;
	}
	PQclear(r);
	r = NULL;
	(void)date_format(&when, date_text, sizeof(date_text));
	{
		const char *p[9] = {
			id, date_text, status, rag, note, reason, req->auth.org_id,
			req->auth.key_prefix, req->request_id,
		};

		if (api_exec_or_respond(req, res, "ap_update_insert", 9, p, NULL) ||
		    api_exec_or_respond(req, res, "ap_notify", 0, NULL, NULL))
			goto done;
	}
	respond_action(req, res, id, 201);
	if (res->status == 201) {
		snprintf(location, sizeof(location), "/v1/actions/%s", id);
		(void)response_header_add(res, "Location", location);
	}
done:
	if (uuid_is_valid(id))
		snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	PQclear(r);
	validation_release(&v);
	json_decref(body);
}

/* ---- the route table ---------------------------------------------------------- */

static const char *const plan_list_params[] = { "status", NULL };
static const char *const action_list_params[] = {
	"status", "rag", "outcome", "lead", "overdue", "sort", "limit", "cursor", NULL,
};

#define AP_DEPENDS (DATA_ACTION_PLAN | DATA_REFERENCE)

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/action-plans", .handler = plan_list,
	  .query_params = plan_list_params, .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = AP_DEPENDS },
	{ .method = HTTP_POST, .template = "/v1/action-plans", .handler = plan_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "manage:action-plan",
	  .action = "action_plan.create", .depends = DATA_ACTION_PLAN },
	{ .method = HTTP_GET, .template = "/v1/action-plans/{id}", .handler = plan_get,
	  .flags = ROUTE_PUBLIC, .depends = AP_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/action-plans/{id}/actions", .handler = action_list,
	  .query_params = action_list_params, .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = AP_DEPENDS },
	{ .method = HTTP_POST, .template = "/v1/action-plans/{id}/actions", .handler = action_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "manage:action-plan",
	  .action = "action.create", .depends = DATA_ACTION_PLAN },
	{ .method = HTTP_GET, .template = "/v1/action-plans/{id}/summary", .handler = plan_summary,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = AP_DEPENDS },
	{ .method = HTTP_GET, .template = "/v1/actions/{id}", .handler = action_get,
	  .flags = ROUTE_PUBLIC, .depends = AP_DEPENDS },
	{ .method = HTTP_PATCH, .template = "/v1/actions/{id}", .handler = action_patch,
	  .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "manage:action-plan",
	  .action = "action.update", .depends = DATA_ACTION_PLAN },
	{ .method = HTTP_POST, .template = "/v1/actions/{id}/updates", .handler = update_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "manage:action-plan",
	  .action = "action.progress_update", .depends = DATA_ACTION_PLAN },
};

const struct api_module action_plan_module = {
	.name = "action_plan",
	.routes = routes,
	.nroutes = API_COUNT(routes),
	.statements = statements,
	.nstatements = API_COUNT(statements),
};
