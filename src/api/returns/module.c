/*
 * module.c - partner equalities returns: the council's return windows,
 * each partner's return for a window (draft, submit, review), every
 * submitted version, and the published summary of accepted returns.
 * The statements and the route table; the handlers are in the other files
 * of this folder (see returns.h).
 *
 *   POST /v1/return-windows              review:returns (council), idempotent
 *   GET  /v1/return-windows              submit:returns or review:returns
 *   GET  /v1/return-windows/{id}         submit:returns or review:returns
 *   GET  /v1/return-windows/public       public: title, dates, characteristics; no partner's state
 *   POST /v1/returns                     submit:returns (partner), idempotent
 *   GET  /v1/returns                     submit:returns or review:returns (JSON or CSV)
 *   GET  /v1/returns/{id}                submit:returns or review:returns
 *   GET  /v1/returns/{id}/versions       submit:returns or review:returns
 *   PUT  /v1/returns/{id}                submit:returns, own organisation, If-Match
 *   POST /v1/returns/{id}/submit         submit:returns, own organisation, idempotent
 *   POST /v1/returns/{id}/recall         submit:returns, own organisation, idempotent
 *   POST /v1/returns/{id}/review         review:returns (council), idempotent
 *   GET  /v1/returns/summary?window=     public, disclosure-controlled (JSON or CSV)
 *
 * Visibility: a council key with review:returns sees every return and
 * every partner's state in a window; any other key only its own
 * organisation's (another organisation's return is 404, never 403).
 */
#include "api/api.h"
#include "api/returns/returns.h"
#include "http/cache.h"

#define TS(x) "to_char(" x " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

static const struct db_statement statements[] = {
	{ "rw_insert",
	  "INSERT INTO return_windows (kind, period, open_date, due_date, age_bands, universe)"
	  " VALUES ($1, $2, $3::date, $4::date, $5, $6) ON CONFLICT (kind, period) DO NOTHING RETURNING id", 6 },
	{ "rw_get",
	  "SELECT return_window_json(w, $2::bigint, " TODAY ")::text FROM return_windows w WHERE w.id = $1", 2 },
	/* Keyset on (open_date, id): windows.c's window_query. */
	{ "rw_list",
	  "SELECT return_window_json(w, $1::bigint, " TODAY ")::text, to_char(w.open_date, 'YYYY-MM-DD'), w.id"
	  " FROM return_windows w WHERE ($2::text IS NULL OR w.kind = $2)"
	  "   AND ($3::date IS NULL OR (w.open_date, w.id) > ($3::date, $4::uuid))"
	  " ORDER BY w.open_date, w.id LIMIT $5", 5 },
	/* The public view: no partner's state.  Keyset as rw_list. */
	{ "rw_public_list",
	  "SELECT return_window_public_json(w, " TODAY ")::text, to_char(w.open_date, 'YYYY-MM-DD'), w.id"
	  " FROM return_windows w WHERE ($1::text IS NULL OR w.kind = $1)"
	  "   AND ($2::date IS NULL OR (w.open_date, w.id) > ($2::date, $3::uuid))"
	  " ORDER BY w.open_date, w.id LIMIT $4", 4 },
	{ "rw_public_total",
	  "SELECT count(*) FROM return_windows w WHERE ($1::text IS NULL OR w.kind = $1)", 1 },
	/* What a return's validation needs about its window. */
	{ "rt_window",
	  "SELECT w.kind, w.open_date <= " TODAY ", to_char(w.open_date, 'YYYY-MM-DD'), w.age_bands, w.universe"
	  " FROM return_windows w WHERE w.id = $1", 1 },
	{ "rt_existing",
	  "SELECT r.id FROM partner_returns r WHERE r.window_id = $1 AND r.organisation_id = $2", 2 },
	{ "rt_categories",
	  "SELECT characteristic_code, code, parent_code, name FROM categories"
	  " ORDER BY characteristic_code, sort_order, code", 0 },
	{ "rt_insert",
	  "INSERT INTO partner_returns (window_id, organisation_id, total, lines, adult_total, notes)"
	  " VALUES ($1, $2, $3::integer, $4::jsonb, $5::integer, $6)"
	  " ON CONFLICT (window_id, organisation_id) DO NOTHING RETURNING id", 6 },
	{ "rt_get",
	  "SELECT partner_return_json(r)::text, r.version FROM partner_returns r"
	  " WHERE r.id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2)", 2 },
	/* A change holds the row until it commits: of concurrent changes
	 * naming one version exactly one sees it current. */
	{ "rt_lock",
	  "SELECT r.version, partner_return_json(r)::text, r.status, w.kind, w.open_date <= " TODAY ", " TODAY " > w.due_date,"
	  " r.window_id, to_char(w.open_date, 'YYYY-MM-DD'), to_char(w.due_date, 'YYYY-MM-DD'),"
	  " w.age_bands, w.universe, r.late"
	  " FROM partner_returns r JOIN return_windows w ON w.id = r.window_id"
	  " WHERE r.id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2) FOR UPDATE OF r", 2 },
	{ "rt_update",
	  "UPDATE partner_returns SET total = $2::integer, lines = $3::jsonb,"
	  " adult_total = $4::integer, notes = $5,"
	  " version = version + 1, updated_at = now() WHERE id = $1", 5 },
	/* Back to a draft before review; the lateness is judged again at the
	 * next submission. */
	{ "rt_recall",
	  "UPDATE partner_returns SET status = 'draft', late = false, late_reason = NULL,"
	  " version = version + 1, updated_at = now() WHERE id = $1", 1 },
	{ "rt_submit",
	  "UPDATE partner_returns SET status = 'submitted', late = $2::boolean, late_reason = $3,"
	  " submitted_at = now(), submissions = submissions + 1, version = version + 1,"
	  " updated_at = now() WHERE id = $1", 3 },
	{ "rt_submission_put",
	  "INSERT INTO partner_return_submissions (return_id, submission, body, submitted_at, key_prefix, request_id)"
	  " SELECT r.id, r.submissions, partner_return_json(r)::jsonb, r.submitted_at, $2, $3"
	  " FROM partner_returns r WHERE r.id = $1", 3 },
	/* The window of return $1, if its summary was ever released. */
	{ "rs_released_window",
	  "SELECT r.window_id::text FROM partner_returns r WHERE r.id = $1 AND EXISTS"
	  " (SELECT 1 FROM releases l WHERE l.statistic = 'returns-summary' AND l.key = r.window_id::text)", 1 },
	{ "rt_review",
	  "UPDATE partner_returns SET status = $2, review_outcome = $2, review_note = $3,"
	  " reviewed_at = now(), version = version + 1, updated_at = now() WHERE id = $1", 3 },
	/* Keyset on (created_at in microseconds, id): returns.c's return_query. */
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
	{ "rs_window",
	  "SELECT w.kind, w.period, to_char(w.open_date, 'YYYY-MM-DD'), to_char(w.due_date, 'YYYY-MM-DD'),"
	  " w.age_bands, w.universe FROM return_windows w WHERE w.id = $1", 1 },
	{ "rs_accepted",
	  "SELECT r.total, r.lines::text, coalesce(r.adult_total, r.total) FROM partner_returns r"
	  " WHERE r.window_id = $1 AND r.status = 'accepted' ORDER BY r.id", 1 },
};

/* ---- the route table ---------------------------------------------------------- */

/* Either scope: a partner reads its own, a reviewer every organisation's. */
#define READ_SCOPES "submit:returns,review:returns"

static const struct route routes[] = {
	{ .method = HTTP_POST, .template = "/v1/return-windows", .handler = window_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "review:returns",
	  .action = "return_window.create", .depends = DATA_RETURNS },
	{ .method = HTTP_GET, .template = "/v1/return-windows", .handler = window_list,
	  .flags = ROUTE_CSV, .scope = READ_SCOPES },
	{ .method = HTTP_GET, .template = "/v1/return-windows/{id}", .handler = window_get,
	  .scope = READ_SCOPES },
	{ .method = HTTP_GET, .template = "/v1/return-windows/public", .handler = window_public_list,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = DATA_RETURNS },
	{ .method = HTTP_POST, .template = "/v1/returns", .handler = return_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "submit:returns",
	  .action = "partner_return.create", .depends = DATA_RETURNS },
	{ .method = HTTP_GET, .template = "/v1/returns", .handler = return_list,
	  .flags = ROUTE_CSV | ROUTE_READ_AUDIT, .scope = READ_SCOPES, .action = "partner_return.list" },
	{ .method = HTTP_GET, .template = "/v1/returns/summary", .handler = summary_get,
	  .flags = ROUTE_PUBLIC | ROUTE_CSV, .depends = DATA_RETURNS | DATA_REFERENCE },
	{ .method = HTTP_POST, .template = "/v1/returns/summary/releases", .handler = summary_release_make,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "review:returns",
	  .action = "release.create",
	  .depends = DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/returns/{id}", .handler = return_get,
	  .flags = ROUTE_READ_AUDIT, .scope = READ_SCOPES, .action = "partner_return.read" },
	{ .method = HTTP_PUT, .template = "/v1/returns/{id}", .handler = return_put,
	  .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "submit:returns",
	  .action = "partner_return.update", .depends = DATA_RETURNS },
	{ .method = HTTP_GET, .template = "/v1/returns/{id}/versions", .handler = return_versions,
	  .flags = ROUTE_READ_AUDIT | ROUTE_CSV, .scope = READ_SCOPES,
	  .action = "partner_return.versions" },
	{ .method = HTTP_POST, .template = "/v1/returns/{id}/submit", .handler = return_submit,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "submit:returns",
	  .action = "partner_return.submit", .depends = DATA_RETURNS },
	{ .method = HTTP_POST, .template = "/v1/returns/{id}/recall", .handler = return_recall,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "submit:returns",
	  .action = "partner_return.recall", .depends = DATA_RETURNS },
	{ .method = HTTP_POST, .template = "/v1/returns/{id}/review", .handler = return_review,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "review:returns",
	  .action = "partner_return.review", .depends = DATA_RETURNS },
};

const struct api_module returns_module = {
	.name = "returns", API_ROUTES(routes), API_STATEMENTS(statements),
};
