/*
 * returns.c - partner equalities returns: the council's return windows,
 * each partner's return for a window (draft, submit, review), every
 * submitted version, and the published summary of accepted returns.
 *
 *   POST /v1/return-windows              review:returns (council), idempotent
 *   GET  /v1/return-windows              submit:returns or review:returns
 *   GET  /v1/return-windows/{id}         submit:returns or review:returns
 *   POST /v1/returns                     submit:returns (partner), idempotent
 *   GET  /v1/returns                     submit:returns or review:returns (JSON or CSV)
 *   GET  /v1/returns/{id}                submit:returns or review:returns
 *   GET  /v1/returns/{id}/versions       submit:returns or review:returns
 *   PUT  /v1/returns/{id}                submit:returns, own organisation, If-Match
 *   POST /v1/returns/{id}/submit         submit:returns, own organisation, idempotent
 *   POST /v1/returns/{id}/review         review:returns (council), idempotent
 *   GET  /v1/returns/summary?window=     public, disclosure-controlled (JSON or CSV)
 *
 * Visibility: a council key with review:returns sees every return and
 * every partner's state in a window; any other key only its own
 * organisation's (another organisation's return is 404, never 403).
 *
 * A return's body: {"window": id, "total": n, "lines": {characteristic:
 * {category: count}}}.  The window's kind fixes the characteristics, all
 * required (window_kinds below); any category of a characteristic is
 * accepted, but not a category together with its parent.  The counts of
 * every characteristic add up to the total.
 *
 * The summary combines accepted returns by characteristic and top-level
 * category (a child category counts towards its parent), publishes
 * nothing unless at least RETURNS_MIN_PARTNERS partners contributed (with
 * one or two, a partner could subtract its own counts and learn the
 * other's), and otherwise applies disclosure_apply over the whole table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/edit.h"
#include "config.h"
#include "db/listener.h"
#include "domain/apikey.h"
#include "domain/disclosure.h"
#include "domain/period.h"
#include "domain/validate.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"

#define RETURNS_MIN_PARTNERS 3
#define MAX_COUNT 10000000LL
#define MAX_CATEGORIES 200
#define LATE_REASON_MAX 500
#define NOTE_MAX 1000
#define TODAY "(now() AT TIME ZONE 'Europe/London')::date"
#define TS(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

/* ---- the kinds of return and their characteristics ---------------------- */

struct window_kind {
	const char *kind;
	const char *const *characteristics;   /* NULL-terminated, all required */
};

static const char *const workforce_chars[] = { "sex", "ethnicity", "disability", "age", NULL };
static const char *const service_users_chars[] = {
	"sex", "ethnicity", "disability", "age", "religion", "sexual_orientation", NULL,
};
static const struct window_kind window_kinds[] = {
	{ "workforce", workforce_chars },
	{ "service_users", service_users_chars },
};
static const char *const kind_names[] = { "workforce", "service_users", NULL };
static const char *const return_statuses[] = { "draft", "submitted", "accepted", "returned", NULL };
static const char *const outcomes[] = { "accepted", "returned", NULL };
static const char *const booleans[] = { "true", "false", NULL };

static const struct window_kind *kind_find(const char *kind)
{
	for (size_t i = 0; kind && i < API_COUNT(window_kinds); i++)
		if (strcmp(window_kinds[i].kind, kind) == 0)
			return &window_kinds[i];
	return NULL;
}

static const struct db_statement statements[] = {
	{ "rw_insert",
	  "INSERT INTO return_windows (kind, period, open_date, due_date)"
	  " VALUES ($1, $2, $3::date, $4::date) ON CONFLICT (kind, period) DO NOTHING RETURNING id", 4 },
	{ "rw_get",
	  "SELECT return_window_json(w, $2::bigint, " TODAY ")::text FROM return_windows w WHERE w.id = $1", 2 },
	/* Keyset on (open_date, id); the cursor is "YYYY-MM-DD,<id>". */
	{ "rw_list",
	  "SELECT return_window_json(w, $1::bigint, " TODAY ")::text, to_char(w.open_date, 'YYYY-MM-DD'), w.id"
	  " FROM return_windows w WHERE ($2::text IS NULL OR w.kind = $2)"
	  "   AND ($3::date IS NULL OR (w.open_date, w.id) > ($3::date, $4::uuid))"
	  " ORDER BY w.open_date, w.id LIMIT $5", 5 },
	/* What a return's validation needs about its window. */
	{ "rt_window",
	  "SELECT w.kind, w.open_date <= " TODAY ", to_char(w.open_date, 'YYYY-MM-DD')"
	  " FROM return_windows w WHERE w.id = $1", 1 },
	{ "rt_categories",
	  "SELECT characteristic_code, code, parent_code, name FROM categories"
	  " ORDER BY characteristic_code, sort_order, code", 0 },
	{ "rt_insert",
	  "INSERT INTO partner_returns (window_id, organisation_id, total, lines)"
	  " VALUES ($1, $2, $3::integer, $4::jsonb)"
	  " ON CONFLICT (window_id, organisation_id) DO NOTHING RETURNING id", 4 },
	{ "rt_get",
	  "SELECT partner_return_json(r)::text, r.version FROM partner_returns r"
	  " WHERE r.id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2)", 2 },
	/* A change holds the row until it commits: of concurrent changes
	 * naming one version exactly one sees it current. */
	{ "rt_lock",
	  "SELECT r.version, partner_return_json(r)::text, r.status, w.kind, w.open_date <= " TODAY ", " TODAY " > w.due_date,"
	  " r.window_id, to_char(w.open_date, 'YYYY-MM-DD'), to_char(w.due_date, 'YYYY-MM-DD')"
	  " FROM partner_returns r JOIN return_windows w ON w.id = r.window_id"
	  " WHERE r.id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2) FOR UPDATE OF r", 2 },
	{ "rt_update",
	  "UPDATE partner_returns SET total = $2::integer, lines = $3::jsonb,"
	  " version = version + 1, updated_at = now() WHERE id = $1", 3 },
	{ "rt_submit",
	  "UPDATE partner_returns SET status = 'submitted', late = $2::boolean, late_reason = $3,"
	  " submitted_at = now(), submissions = submissions + 1, version = version + 1,"
	  " updated_at = now() WHERE id = $1", 3 },
	{ "rt_submission_put",
	  "INSERT INTO partner_return_submissions (return_id, submission, body, submitted_at, key_prefix, request_id)"
	  " SELECT r.id, r.submissions, partner_return_json(r)::jsonb, r.submitted_at, $2, $3"
	  " FROM partner_returns r WHERE r.id = $1", 3 },
	{ "rt_review",
	  "UPDATE partner_returns SET status = $2, review_outcome = $2, review_note = $3,"
	  " reviewed_at = now(), version = version + 1, updated_at = now() WHERE id = $1", 3 },
	{ "rt_list",
	  "SELECT partner_return_json(r)::text,"
	  " (extract(epoch FROM r.created_at) * 1000000)::bigint, r.id"
	  " FROM partner_returns r"
	  " WHERE ($1::bigint IS NULL OR r.organisation_id = $1)"
	  "   AND ($2::uuid IS NULL OR r.window_id = $2)"
	  "   AND ($3::text IS NULL OR r.status = $3)"
	  "   AND ($4::text IS NULL OR r.organisation_id = (SELECT o.id FROM organisations o WHERE o.slug = $4))"
	  "   AND ($5::boolean IS NULL OR r.late = $5)"
	  "   AND ($6::bigint IS NULL OR (r.created_at, r.id) >"
	  "        ('epoch'::timestamptz + $6::bigint * interval '1 microsecond', $7::uuid))"
	  " ORDER BY r.created_at, r.id LIMIT $8", 8 },
	{ "rt_versions",
	  "SELECT s.submission, " TS("s.submitted_at") ", s.key_prefix, s.request_id, s.body::text"
	  " FROM partner_return_submissions s JOIN partner_returns r ON r.id = s.return_id"
	  " WHERE s.return_id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2)"
	  " ORDER BY s.submission", 2 },
	{ "rt_exists",
	  "SELECT 1 FROM partner_returns r WHERE r.id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2)", 2 },
	{ "rt_notify", "SELECT pg_notify('" LISTENER_CHANNEL "', 'returns')", 0 },
	{ "rs_window",
	  "SELECT w.kind, w.period, to_char(w.open_date, 'YYYY-MM-DD'), to_char(w.due_date, 'YYYY-MM-DD')"
	  " FROM return_windows w WHERE w.id = $1", 1 },
	{ "rs_accepted",
	  "SELECT r.total, r.lines::text FROM partner_returns r"
	  " WHERE r.window_id = $1 AND r.status = 'accepted' ORDER BY r.id", 1 },
};

/* ---- shared pieces ---------------------------------------------------------- */


static bool is_reviewer(const struct request *req)
{
	return (req->auth.scopes & SCOPE_REVIEW_RETURNS) && strcmp(req->auth.org_kind, "council") == 0;
}

/* The organisation whose returns this key may read: NULL for a reviewer. */
static const char *visible_org(const struct request *req)
{
	return is_reviewer(req) ? NULL : req->auth.org_id;
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void not_found(struct response *res, const char *what)
{
	problem_sendf(res, 404, "not-found", "Not found",
		      "There is no %s with that id that this key may see.", what);
}


static void respond_text(struct response *res, int status, const char *text)
{
	json_error_t error;
	json_t *body = json_loads(text, 0, &error);

	if (!body) {
		problem_send_internal(res);
		return;
	}
	response_json(res, status, body);
}


/* A JSON pointer segment for a member name: ~ and / escaped, cut at 64. */
static void pointer_segment(char *out, size_t size, const char *name)
{
	size_t o = 0;

	for (size_t i = 0; name[i] && i < 64 && o + 3 < size; i++) {
		if (name[i] == '~') {
			out[o++] = '~';
			out[o++] = '0';
		} else if (name[i] == '/') {
			out[o++] = '~';
			out[o++] = '1';
		} else {
			out[o++] = name[i];
		}
	}
	out[o] = '\0';
}

static void send_validation(struct response *res, struct validation *v)
{
	if (v->oom)
		problem_send_internal(res);
	else
		problem_send_invalid(res, validation_take_errors(v));
}

/* ---- categories --------------------------------------------------------------- */

struct catalogue {
	PGresult *rows;   /* characteristic, code, parent, name */
	int n;
};

static int catalogue_load_or_respond(struct request *req, struct response *res, struct catalogue *c)
{
	c->rows = NULL;
	if (api_exec_or_respond(req, res, "rt_categories", 0, NULL, &c->rows))
		return -1;
	c->n = PQntuples(c->rows);
	return 0;
}

/* Row of (characteristic, code) or -1. */
static int catalogue_find(const struct catalogue *c, const char *ch, const char *code)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(PQgetvalue(c->rows, i, 0), ch) == 0 &&
		    strcmp(PQgetvalue(c->rows, i, 1), code) == 0)
			return i;
	return -1;
}

/* The top-level ancestor row of row i. */
static int catalogue_top(const struct catalogue *c, int i)
{
	for (int depth = 0; depth < 8 && i >= 0 && !PQgetisnull(c->rows, i, 2); depth++) {
		int p = catalogue_find(c, PQgetvalue(c->rows, i, 0), PQgetvalue(c->rows, i, 2));

		if (p < 0)
			break;
		i = p;
	}
	return i;
}

/* ---- validating a return's content ------------------------------------------ */

static const char *const create_fields[] = { "window", "total", "lines", NULL };
static const char *const put_fields[] = { "total", "lines", NULL };

/* total and lines against the kind: every problem into v. */
static void validate_content(struct validation *v, const json_t *obj, const struct window_kind *wk,
			     const struct catalogue *cat)
{
	long long total = 0;
	bool have_total = validate_integer(v, obj, "", "total", true, 0, MAX_COUNT, &total);
	const json_t *lines = validate_object(v, obj, "", "lines", true);
	const char *ch;
	json_t *counts;

	if (!lines || !wk)
		return;
	json_object_foreach((json_t *)lines, ch, counts) {
		char seg[140], ptr[160];
		bool known = false, ok = true;
		long long sum = 0;
		const char *code;
		json_t *count;

		pointer_segment(seg, sizeof(seg), ch);
		snprintf(ptr, sizeof(ptr), "/lines/%s", seg);
		for (size_t k = 0; wk->characteristics[k]; k++)
			if (strcmp(wk->characteristics[k], ch) == 0)
				known = true;
		if (!known) {
			validation_add(v, ptr, "is not a characteristic of a %s return", wk->kind);
			continue;
		}
		if (!json_is_object(counts)) {
			validation_add(v, ptr, "must be an object of category codes and counts");
			continue;
		}
		if (json_object_size(counts) > MAX_CATEGORIES) {
			validation_add(v, ptr, "has too many categories");
			continue;
		}
		json_object_foreach(counts, code, count) {
			char cseg[140], cptr[320];
			int row = catalogue_find(cat, ch, code);

			pointer_segment(cseg, sizeof(cseg), code);
			snprintf(cptr, sizeof(cptr), "%s/%s", ptr, cseg);
			if (row < 0) {
				validation_add(v, cptr, "is not a category of %s (see /v1/characteristics/%s)", ch, ch);
				ok = false;
			} else {
				/* A category and one of its ancestors would count people twice. */
				for (int a = row, depth = 0; depth < 8 && !PQgetisnull(cat->rows, a, 2); depth++) {
					const char *parent = PQgetvalue(cat->rows, a, 2);

					if (json_object_get(counts, parent)) {
						validation_add(v, cptr, "overlaps its parent category %s: give one or the other", parent);
						ok = false;
						break;
					}
					a = catalogue_find(cat, ch, parent);
					if (a < 0)
						break;
				}
			}
			if (!json_is_integer(count) || json_integer_value(count) < 0 ||
			    json_integer_value(count) > MAX_COUNT) {
				validation_add(v, cptr, "must be a whole number from 0 to %lld", MAX_COUNT);
				ok = false;
				continue;
			}
			sum += json_integer_value(count);
		}
		if (ok && have_total && sum != total)
			validation_add(v, ptr, "counts add up to %lld, not to the total %lld", sum, total);
	}
	for (size_t k = 0; wk->characteristics[k]; k++)
		if (!json_object_get(lines, wk->characteristics[k])) {
			char ptr[80];

			snprintf(ptr, sizeof(ptr), "/lines/%s", wk->characteristics[k]);
			validation_add(v, ptr, "is required in a %s return", wk->kind);
		}
}

/* ---- POST /v1/returns --------------------------------------------------------- */

static void return_create(struct request *req, struct response *res)
{
	json_t *body = request_json_or_respond(req, res);
	struct validation v;
	struct catalogue cat = { 0 };
	PGresult *r = NULL, *w = NULL;
	const struct window_kind *wk = NULL;
	const char *window;
	char id[40], location[64], total[24];
	char *lines = NULL;

	validation_init(&v);
	if (!body)
		goto done;
	if (strcmp(req->auth.org_kind, "partner") != 0) {
		problem_send(res, 403, "forbidden", "Forbidden",
			     "Only partner organisations submit returns; this key belongs to another kind of organisation.");
		goto done;
	}
	if (catalogue_load_or_respond(req, res, &cat))
		goto done;
	validate_known_fields(&v, body, "", create_fields);
	window = validate_string(&v, body, "", "window", true, 36);
	if (window && !uuid_is_valid(window)) {
		validation_add(&v, "/window", "must be a return window's id (see /v1/return-windows)");
		window = NULL;
	}
	if (window) {
		const char *p[1] = { window };

		if (api_exec_or_respond(req, res, "rt_window", 1, p, &w))
			goto done;
		if (PQntuples(w) != 1) {
			validation_add(&v, "/window", "is not a return window (see /v1/return-windows)");
		} else {
			wk = kind_find(PQgetvalue(w, 0, 0));
			if (strcmp(PQgetvalue(w, 0, 1), "t") != 0)
				validation_add(&v, "/window", "is not open yet: it opens on %s", PQgetvalue(w, 0, 2));
		}
	}
	validate_content(&v, body, wk, &cat);
	if (!validation_ok(&v)) {
		send_validation(res, &v);
		goto done;
	}
	snprintf(total, sizeof(total), "%lld", (long long)json_integer_value(json_object_get(body, "total")));
	lines = json_dumps(json_object_get(body, "lines"), JSON_COMPACT | JSON_SORT_KEYS);
	if (!lines) {
		problem_send_internal(res);
		goto done;
	}
	{
		const char *p[4] = { window, req->auth.org_id, total, lines };

		if (api_exec_or_respond(req, res, "rt_insert", 4, p, &r))
			goto done;
	}
	if (PQntuples(r) == 0) {
		json_t *errors = json_pack("[{s:s, s:s}]", "pointer", "/window",
					   "detail", "already has a return from this organisation");

		problem_send_errors(res, 409, "duplicate-return", "Duplicate return",
				    "This organisation already has a return for this window; change it with PUT /v1/returns/{id}.",
				    errors);
		goto done;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	{
		const char *p[2] = { id, NULL };

		if (api_exec_or_respond(req, res, "rt_get", 2, p, &r))
			goto done;
	}
	respond_text(res, 201, PQgetvalue(r, 0, 0));
	if (res->status == 201) {
		snprintf(location, sizeof(location), "/v1/returns/%s", id);
		(void)response_header_add(res, "Location", location);
		response_version_etag(res, PQgetvalue(r, 0, 1));
	}
done:
	free(lines);
	PQclear(r);
	PQclear(w);
	PQclear(cat.rows);
	validation_release(&v);
	json_decref(body);
}

/* ---- PUT, submit, review: versioned edits of the locked return ---------- */

static const struct edit_kind return_edit = {
	.name = "return",
	.not_found = "There is no return with that id that this key may see.",
	.lock = "rt_lock",
	.get = "rt_get",
	.notify = "rt_notify",
	.scoped = true,
};

/* What the rules need of the locked return (rt_lock's columns). */
struct locked {
	const char *status, *kind, *open_date, *due_date;
	bool open, past_due;
};

static struct locked locked_view(const struct edit *e)
{
	return (struct locked){
		.status = edit_column(e, 2),
		.kind = edit_column(e, 3),
		.open = strcmp(edit_column(e, 4), "t") == 0,
		.past_due = strcmp(edit_column(e, 5), "t") == 0,
		.open_date = edit_column(e, 7),
		.due_date = edit_column(e, 8),
	};
}

static bool editable(const char *status)
{
	return strcmp(status, "draft") == 0 || strcmp(status, "returned") == 0;
}

static void wrong_state(struct response *res, const char *status, const char *action)
{
	problem_sendf(res, 409, "return-state", "Return not in a state for this",
		      "The return is %s; %s.", status, action);
}

static void return_put(struct request *req, struct response *res)
{
	json_t *body = NULL;
	struct validation v;
	struct catalogue cat = { 0 };
	struct edit e;
	struct locked l;
	char total[24];
	char *lines = NULL;

	validation_init(&v);
	edit_init(&e, &return_edit, request_param(req, "id"));
	body = request_json_or_respond(req, res);
	if (!body || edit_lock_or_respond(req, res, &e, req->auth.org_id, EDIT_IF_MATCH_REQUIRED))
		goto done;
	l = locked_view(&e);
	if (!editable(l.status)) {
		wrong_state(res, l.status, "only a draft or a returned return can be changed");
		goto done;
	}
	if (catalogue_load_or_respond(req, res, &cat))
		goto done;
	validate_known_fields(&v, body, "", put_fields);
	if (!l.open)
		validation_add(&v, "", "the return's window is not open yet: it opens on %s", l.open_date);
	validate_content(&v, body, kind_find(l.kind), &cat);
	if (!validation_ok(&v)) {
		edit_invalid(res, &v);
		goto done;
	}
	snprintf(total, sizeof(total), "%lld", (long long)json_integer_value(json_object_get(body, "total")));
	lines = json_dumps(json_object_get(body, "lines"), JSON_COMPACT | JSON_SORT_KEYS);
	if (!lines) {
		problem_send_internal(res);
		goto done;
	}
	{
		const char *p[3] = { e.id, total, lines };

		if (api_exec_or_respond(req, res, "rt_update", 3, p, NULL) ||
		    edit_finish(req, res, &e, NULL, 200))
			goto done;
	}
done:
	edit_release(&e, res);
	free(lines);
	PQclear(cat.rows);
	validation_release(&v);
	json_decref(body);
}

static const char *const submit_fields[] = { "late_reason", NULL };

static void return_submit(struct request *req, struct response *res)
{
	json_t *body = NULL;
	struct validation v;
	struct edit e;
	struct locked l;
	const char *reason;

	validation_init(&v);
	edit_init(&e, &return_edit, request_param(req, "id"));
	body = request_json_or_respond(req, res);
	if (!body || edit_lock_or_respond(req, res, &e, req->auth.org_id, EDIT_IF_MATCH_OPTIONAL))
		goto done;
	l = locked_view(&e);
	if (!editable(l.status)) {
		wrong_state(res, l.status, "only a draft or a returned return can be submitted");
		goto done;
	}
	validate_known_fields(&v, body, "", submit_fields);
	reason = validate_string(&v, body, "", "late_reason", false, LATE_REASON_MAX);
	if (reason && (reason[0] == '\0' || has_control_chars(reason))) {
		validation_add(&v, "/late_reason", "must be 1 to 500 bytes of text without control characters");
		reason = NULL;
	}
	if (!l.open)
		validation_add(&v, "", "the return's window is not open yet: it opens on %s", l.open_date);
	if (l.past_due && !reason && validation_ok(&v))
		validation_add(&v, "/late_reason", "is required: the window was due on %s", l.due_date);
	if (!validation_ok(&v)) {
		edit_invalid(res, &v);
		goto done;
	}
	{
		/* On time: a reason given anyway is not kept. */
		const char *p[3] = { e.id, l.past_due ? "true" : "false", l.past_due ? reason : NULL };

		if (api_exec_or_respond(req, res, "rt_submit", 3, p, NULL) ||
		    edit_finish(req, res, &e, "rt_submission_put", 200))
			goto done;
	}
done:
	edit_release(&e, res);
	validation_release(&v);
	json_decref(body);
}

static const char *const review_fields[] = { "outcome", "note", NULL };

static void return_review(struct request *req, struct response *res)
{
	json_t *body = NULL;
	struct validation v;
	struct edit e;
	const char *outcome, *note, *status;

	validation_init(&v);
	edit_init(&e, &return_edit, request_param(req, "id"));
	body = request_json_or_respond(req, res);
	if (!body)
		goto done;
	if (!is_reviewer(req)) {
		problem_send(res, 403, "forbidden", "Forbidden", "Only the council reviews returns.");
		goto done;
	}
	if (edit_lock_or_respond(req, res, &e, NULL, EDIT_IF_MATCH_OPTIONAL))
		goto done;
	status = locked_view(&e).status;
	if (strcmp(status, "submitted") != 0) {
		wrong_state(res, status, "only a submitted return can be reviewed");
		goto done;
	}
	validate_known_fields(&v, body, "", review_fields);
	outcome = validate_enum(&v, body, "", "outcome", true, outcomes);
	note = validate_string(&v, body, "", "note", false, NOTE_MAX);
	if (note && (note[0] == '\0' || has_control_chars(note))) {
		validation_add(&v, "/note", "must be 1 to 1000 bytes of text without control characters");
		note = NULL;
	} else if (outcome && strcmp(outcome, "returned") == 0 && !note) {
		validation_add(&v, "/note", "is required when the return goes back for correction");
	}
	if (!validation_ok(&v)) {
		edit_invalid(res, &v);
		goto done;
	}
	{
		const char *p[3] = { e.id, outcome, note };

		if (api_exec_or_respond(req, res, "rt_review", 3, p, NULL) ||
		    edit_finish(req, res, &e, NULL, 200))
			goto done;
	}
done:
	edit_release(&e, res);
	validation_release(&v);
	json_decref(body);
}

/* ---- reads of returns --------------------------------------------------------- */

static const struct csv_column return_csv[] = {
	{ "id", "/id" },
	{ "window", "/window/id" },
	{ "kind", "/window/kind" },
	{ "period", "/window/period" },
	{ "organisation", "/organisation" },
	{ "status", "/status" },
	{ "total", "/total" },
	{ "late", "/late" },
	{ "submitted_at", "/submitted_at" },
	{ "review_outcome", "/review/outcome" },
	{ "version", "/version" },
	{ "created_at", "/created_at" },
	{ "updated_at", "/updated_at" },
};

/* "<a>,<b>" into two request-owned strings; b must be a uuid. */
static int split_cursor(struct request *req, const char *key, const char **a, const char **b)
{
	const char *comma = key ? strchr(key, ',') : NULL;
	char *copy;
	size_t n;

	if (!comma)
		return -1;
	n = (size_t)(comma - key);
	if (n == 0 || n > 19 || !uuid_is_valid(comma + 1))
		return -1;
	copy = request_alloc(req, n + 1);
	if (!copy)
		return -1;
	memcpy(copy, key, n);
	copy[n] = '\0';
	*a = copy;
	*b = comma + 1;
	return 0;
}

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Rows of (json text, cursor a, cursor b) into a list response. */
static void respond_rows(struct request *req, struct response *res, PGresult *r,
			 const struct page *page, const struct csv_column *cols, size_t ncols)
{
	int n = PQntuples(r);
	json_t *data = json_array();
	const char *next = NULL;

	for (int i = 0; i < n && i < page->limit; i++) {
		json_error_t error;
		json_t *row = json_loads(PQgetvalue(r, i, 0), 0, &error);

		if (!row || json_array_append_new(data, row)) {
			json_decref(data);
			problem_send_internal(res);
			return;
		}
	}
	if (n > page->limit) {
		struct buf key = BUF_INIT;
		int last = (int)page->limit - 1;

		if (buf_appendf(&key, "%s,%s", PQgetvalue(r, last, 1), PQgetvalue(r, last, 2)) == 0)
			next = request_cursor_encode(req, buf_cstr(&key));
		buf_release(&key);
		if (!next) {
			json_decref(data);
			problem_send_internal(res);
			return;
		}
	}
	response_list(req, res, data, json_pack("{s:i}", "count", (int)json_array_size(data)),
		      next, cols, ncols);
}

static void return_list(struct request *req, struct response *res)
{
	const char *window, *status, *org, *late, *micros = NULL, *after = NULL;
	struct page page;
	PGresult *r = NULL;

	if (request_single_or_respond(req, res, "window", &window) ||
	    request_enum_or_respond(req, res, "status", return_statuses, NULL, &status) ||
	    request_single_or_respond(req, res, "organisation", &org) ||
	    request_enum_or_respond(req, res, "late", booleans, NULL, &late) ||
	    request_page_or_respond(req, res, &page))
		return;
	if (window && !uuid_is_valid(window)) {
		problem_send_bad_parameter(res, "window", "must be a return window's id");
		return;
	}
	if (org && !code_is_valid(org)) {
		problem_send_bad_parameter(res, "organisation", "must be an organisation's slug such as partner-care");
		return;
	}
	if (page.after && (split_cursor(req, page.after, &micros, &after) != 0 || !all_digits(micros))) {
		problem_send_bad_parameter(res, "cursor",
			"is not a cursor this service issued; use links.next from a previous page");
		return;
	}
	if (!request_db_or_respond(req, res))
		return;
	{
		const char *p[8] = { visible_org(req), window, status, org, late, micros, after, page.fetch };

		if (api_exec_or_respond(req, res, "rt_list", 8, p, &r))
			return;
	}
	respond_rows(req, res, r, &page, return_csv, API_COUNT(return_csv));
	PQclear(r);
}

static void return_get(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	PGresult *r = NULL;
	const char *p[2] = { id, visible_org(req) };

	if (!uuid_is_valid(id)) {
		not_found(res, "return");
		return;
	}
	if (!request_db_or_respond(req, res) ||
	    api_exec_or_respond(req, res, "rt_get", 2, p, &r))
		return;
	if (PQntuples(r) != 1)
		not_found(res, "return");
	else {
		respond_text(res, 200, PQgetvalue(r, 0, 0));
		if (res->status == 200)
			response_version_etag(res, PQgetvalue(r, 0, 1));
	}
	PQclear(r);
}

static void return_versions(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	PGresult *r = NULL;
	const char *p[2] = { id, visible_org(req) };
	json_t *data;
	int n;

	if (!uuid_is_valid(id)) {
		not_found(res, "return");
		return;
	}
	if (!request_db_or_respond(req, res) ||
	    api_exec_or_respond(req, res, "rt_exists", 2, p, &r))
		return;
	n = PQntuples(r);
	PQclear(r);
	r = NULL;
	if (n != 1) {
		not_found(res, "return");
		return;
	}
	if (api_exec_or_respond(req, res, "rt_versions", 2, p, &r))
		return;
	n = PQntuples(r);
	data = api_history_json(r, "submission", "submitted_at", "return");
	PQclear(r);
	if (!data) {
		problem_send_internal(res);
		return;
	}
	response_list(req, res, data, json_pack("{s:i}", "count", n), NULL, NULL, 0);
}

/* ---- return windows ------------------------------------------------------------ */

static const char *const window_fields[] = { "kind", "period", "open_date", "due_date", NULL };

static void window_create(struct request *req, struct response *res)
{
	json_t *body = request_json_or_respond(req, res);
	struct validation v;
	struct date open, due;
	bool have_open, have_due;
	const char *kind, *period_text;
	char open_s[11], due_s[11], label[24], location[64], id[40];
	PGresult *r = NULL;

	validation_init(&v);
	if (!body)
		goto done;
	if (!is_reviewer(req)) {
		problem_send(res, 403, "forbidden", "Forbidden", "Only the council opens return windows.");
		goto done;
	}
	validate_known_fields(&v, body, "", window_fields);
	kind = validate_enum(&v, body, "", "kind", true, kind_names);
	period_text = validate_string(&v, body, "", "period", true, 20);
	label[0] = '\0';
	if (period_text) {
		struct period p;

		if (period_parse_kinds(period_text, 1u << PERIOD_FINANCIAL_YEAR | 1u << PERIOD_QUARTER, &p) != 0 ||
		    period_format(&p, label, sizeof(label)) < 0) {
			validation_add(&v, "/period", "must be a financial year such as 2024/25 or a quarter such as 2024/25 Q1");
			label[0] = '\0';
		}
	}
	have_open = validate_date(&v, body, "", "open_date", true, &open);
	have_due = validate_date(&v, body, "", "due_date", true, &due);
	if (have_open && have_due && date_compare(&due, &open) < 0)
		validation_add(&v, "/due_date", "must not be before open_date");
	if (!validation_ok(&v)) {
		send_validation(res, &v);
		goto done;
	}
	(void)date_format(&open, open_s, sizeof(open_s));
	(void)date_format(&due, due_s, sizeof(due_s));
	{
		const char *p[4] = { kind, label, open_s, due_s };

		if (api_exec_or_respond(req, res, "rw_insert", 4, p, &r))
			goto done;
	}
	if (PQntuples(r) == 0) {
		json_t *errors = json_pack("[{s:s, s:s}]", "pointer", "/period",
					   "detail", "already has a return window of this kind");

		problem_send_errors(res, 409, "duplicate-window", "Duplicate return window",
				    "A return window of this kind for this period exists already.", errors);
		goto done;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	{
		const char *p[2] = { id, NULL };

		if (api_exec_or_respond(req, res, "rt_notify", 0, NULL, NULL) ||
		    api_exec_or_respond(req, res, "rw_get", 2, p, &r))
			goto done;
	}
	respond_text(res, 201, PQgetvalue(r, 0, 0));
	if (res->status == 201) {
		snprintf(location, sizeof(location), "/v1/return-windows/%s", id);
		(void)response_header_add(res, "Location", location);
	}
done:
	PQclear(r);
	validation_release(&v);
	json_decref(body);
}

static const struct csv_column window_csv[] = {
	{ "id", "/id" },
	{ "kind", "/kind" },
	{ "period", "/period" },
	{ "open_date", "/open_date" },
	{ "due_date", "/due_date" },
	{ "state", "/state" },
	{ "created_at", "/created_at" },
};

static void window_list(struct request *req, struct response *res)
{
	const char *kind, *date = NULL, *after = NULL;
	struct page page;
	PGresult *r = NULL;
	struct date d;

	if (request_enum_or_respond(req, res, "kind", kind_names, NULL, &kind) ||
	    request_page_or_respond(req, res, &page))
		return;
	if (page.after && (split_cursor(req, page.after, &date, &after) != 0 || date_parse(date, &d) != 0)) {
		problem_send_bad_parameter(res, "cursor",
			"is not a cursor this service issued; use links.next from a previous page");
		return;
	}
	if (!request_db_or_respond(req, res))
		return;
	{
		const char *p[5] = { visible_org(req), kind, date, after, page.fetch };

		if (api_exec_or_respond(req, res, "rw_list", 5, p, &r))
			return;
	}
	respond_rows(req, res, r, &page, window_csv, API_COUNT(window_csv));
	PQclear(r);
}

static void window_get(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	const char *p[2] = { id, visible_org(req) };
	PGresult *r = NULL;

	if (!uuid_is_valid(id)) {
		not_found(res, "return window");
		return;
	}
	if (!request_db_or_respond(req, res) ||
	    api_exec_or_respond(req, res, "rw_get", 2, p, &r))
		return;
	if (PQntuples(r) != 1)
		not_found(res, "return window");
	else
		respond_text(res, 200, PQgetvalue(r, 0, 0));
	PQclear(r);
}

/* ---- GET /v1/returns/summary ------------------------------------------------- */

static const struct csv_column summary_csv[] = {
	{ "window", "/window" },
	{ "kind", "/kind" },
	{ "period", "/period" },
	{ "characteristic", "/characteristic" },
	{ "category", "/category" },
	{ "category_name", "/category_name" },
	{ "value", "/value" },
	{ "suppressed", "/suppressed" },
	{ "partners", "/partners" },
};

struct summary_cell {
	const char *characteristic, *category, *name;
	int row;   /* catalogue row; -1 for the total */
};

static void summary_get(struct request *req, struct response *res)
{
	const char *window;
	const struct window_kind *wk;
	struct catalogue cat = { 0 };
	PGresult *w = NULL, *acc = NULL;
	struct summary_cell *cells = NULL;
	struct disclosure_constraint *cons = NULL;
	size_t *parts = NULL;
	int64_t *values = NULL;
	bool *suppressed = NULL;
	size_t ncells = 0, nchars = 0, used = 0, ncons = 0;
	int partners;
	unsigned threshold = req->cfg->suppress_below;
	json_t *data = NULL, *meta;
	char rule[700];

	if (request_single_or_respond(req, res, "window", &window))
		return;
	if (!window) {
		problem_send_bad_parameter(res, "window", "is required: the id of a return window (see /v1/return-windows)");
		return;
	}
	if (!uuid_is_valid(window)) {
		problem_send_bad_parameter(res, "window", "must be a return window's id");
		return;
	}
	if (!request_db_or_respond(req, res))
		return;
	{
		const char *p[1] = { window };

		if (api_exec_or_respond(req, res, "rs_window", 1, p, &w))
			goto done;
		if (PQntuples(w) != 1) {
			not_found(res, "return window");
			goto done;
		}
		if (api_exec_or_respond(req, res, "rs_accepted", 1, p, &acc) ||
		    catalogue_load_or_respond(req, res, &cat))
			goto done;
	}
	wk = kind_find(PQgetvalue(w, 0, 0));
	if (!wk) {
		problem_send_internal(res);
		goto done;
	}
	/* Cells: the total, then each characteristic's top-level categories. */
	for (nchars = 0; wk->characteristics[nchars]; nchars++)
		;
	cells = calloc((size_t)cat.n + 1, sizeof(*cells));
	parts = calloc((size_t)cat.n + 1, sizeof(*parts));
	cons = calloc(nchars + 1, sizeof(*cons));
	values = calloc((size_t)cat.n + 1, sizeof(*values));
	suppressed = calloc((size_t)cat.n + 1, sizeof(*suppressed));
	if (!cells || !parts || !cons || !values || !suppressed) {
		problem_send_internal(res);
		goto done;
	}
	cells[ncells++] = (struct summary_cell){ NULL, "total", "Total", -1 };
	for (size_t c = 0; c < nchars; c++) {
		size_t start = used;

		for (int i = 0; i < cat.n; i++) {
			if (strcmp(PQgetvalue(cat.rows, i, 0), wk->characteristics[c]) != 0 ||
			    !PQgetisnull(cat.rows, i, 2))
				continue;
			cells[ncells] = (struct summary_cell){ wk->characteristics[c],
				PQgetvalue(cat.rows, i, 1), PQgetvalue(cat.rows, i, 3), i };
			parts[used++] = ncells++;
		}
		cons[ncons].total = 0;
		cons[ncons].parts = parts + start;
		cons[ncons].nparts = used - start;
		ncons++;
	}
	partners = PQntuples(acc);
	for (int a = 0; a < partners; a++) {
		json_t *lines = json_loads(PQgetvalue(acc, a, 1), 0, NULL);
		const char *ch;
		json_t *counts;

		values[0] += db_get_ll(acc, a, 0);
		json_object_foreach(lines, ch, counts) {
			const char *code;
			json_t *count;

			json_object_foreach(counts, code, count) {
				int top = catalogue_top(&cat, catalogue_find(&cat, ch, code));

				for (size_t k = 1; top >= 0 && k < ncells; k++)
					if (cells[k].row == top)
						values[k] += json_integer_value(count);
			}
		}
		json_decref(lines);
	}
	if (partners < RETURNS_MIN_PARTNERS) {
		for (size_t k = 0; k < ncells; k++)
			suppressed[k] = true;
	} else if (disclosure_apply(values, ncells, cons, ncons, (int)threshold, suppressed) != 0) {
		problem_send_internal(res);
		goto done;
	}
	data = json_array();
	for (size_t c = 0; c < nchars; c++) {
		for (size_t k = 0; k < ncells; k++) {
			json_t *row;

			if (k > 0 && strcmp(cells[k].characteristic, wk->characteristics[c]) != 0)
				continue;
			row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:i}",
					"window", window, "kind", wk->kind, "period", PQgetvalue(w, 0, 1),
					"characteristic", wk->characteristics[c],
					"category", cells[k].category, "category_name", cells[k].name,
					"value", suppressed[k] ? json_null() : json_integer(values[k]),
					"suppressed", suppressed[k], "partners", partners);
			if (!row || json_array_append_new(data, row)) {
				problem_send_internal(res);
				goto done;
			}
		}
	}
	snprintf(rule, sizeof(rule),
		 "Nothing is published unless at least %d partners' accepted returns contribute (with fewer, a partner could subtract its own counts and learn another's). Then counts from 1 to %u are withheld (value null, suppressed true), and further cells where needed so that no withheld count can be recovered from the total and the other categories of any characteristic. Zero is published as zero.",
		 RETURNS_MIN_PARTNERS, threshold - 1);
	meta = json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:i, s:i, s:{s:s, s:i, s:s}, s:s, s:i}",
			 "window", "id", window, "kind", wk->kind, "period", PQgetvalue(w, 0, 1),
			 "open_date", PQgetvalue(w, 0, 2), "due_date", PQgetvalue(w, 0, 3),
			 "partners_contributing", partners,
			 "minimum_partners", RETURNS_MIN_PARTNERS,
			 "disclosure", "method", "minimum contributors, then primary and secondary cell suppression",
			 "threshold", (int)threshold, "rule", rule,
			 "categories", "Accepted returns only, combined by top-level category: a return that gives sub-categories (such as asian_indian) counts towards their parent (asian). Each characteristic's categories add up to its total.",
			 "count", (int)json_array_size(data));
	response_list(req, res, data, meta, NULL, summary_csv, API_COUNT(summary_csv));
	data = NULL;
done:
	json_decref(data);
	free(cells);
	free(parts);
	free(cons);
	free(values);
	free(suppressed);
	PQclear(w);
	PQclear(acc);
	PQclear(cat.rows);
}

/* ---- the route table ---------------------------------------------------------- */

/* Either scope: a partner reads its own, a reviewer every organisation's. */
#define READ_SCOPES "submit:returns,review:returns"

static const char *const list_params[] = {
	"window", "status", "organisation", "late", "limit", "cursor", NULL,
};
static const char *const window_params[] = { "kind", "limit", "cursor", NULL };
static const char *const summary_params[] = { "window", NULL };

static const struct route routes[] = {
	{ .method = HTTP_POST, .template = "/v1/return-windows", .handler = window_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "review:returns",
	  .action = "return_window.create", .depends = DATA_RETURNS },
	{ .method = HTTP_GET, .template = "/v1/return-windows", .handler = window_list,
	  .query_params = window_params, .flags = ROUTE_CSV, .scope = READ_SCOPES },
	{ .method = HTTP_GET, .template = "/v1/return-windows/{id}", .handler = window_get,
	  .scope = READ_SCOPES },
	{ .method = HTTP_POST, .template = "/v1/returns", .handler = return_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "submit:returns",
	  .action = "partner_return.create", .depends = DATA_RETURNS },
	{ .method = HTTP_GET, .template = "/v1/returns", .handler = return_list,
	  .query_params = list_params, .flags = ROUTE_CSV, .scope = READ_SCOPES },
	{ .method = HTTP_GET, .template = "/v1/returns/summary", .handler = summary_get,
	  .query_params = summary_params, .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = DATA_RETURNS | DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/returns/{id}", .handler = return_get,
	  .scope = READ_SCOPES },
	{ .method = HTTP_PUT, .template = "/v1/returns/{id}", .handler = return_put,
	  .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "submit:returns",
	  .action = "partner_return.update", .depends = DATA_RETURNS },
	{ .method = HTTP_GET, .template = "/v1/returns/{id}/versions", .handler = return_versions,
	  .scope = READ_SCOPES },
	{ .method = HTTP_POST, .template = "/v1/returns/{id}/submit", .handler = return_submit,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "submit:returns",
	  .action = "partner_return.submit", .depends = DATA_RETURNS },
	{ .method = HTTP_POST, .template = "/v1/returns/{id}/review", .handler = return_review,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "review:returns",
	  .action = "partner_return.review", .depends = DATA_RETURNS },
};

const struct api_module returns_module = {
	.name = "returns",
	.routes = routes,
	.nroutes = API_COUNT(routes),
	.statements = statements,
	.nstatements = API_COUNT(statements),
};
