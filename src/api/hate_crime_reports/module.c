/*
 * module.c - record-level hate-crime reports: submit, list, read, correct,
 * withdraw, and the history of every version.  The statements and the
 * route table; the handlers are write.c and read.c (see reports.h).
 *
 *   POST  /v1/hate-crime/reports                 submit:hate-crime, idempotent
 *   GET   /v1/hate-crime/reports                 read:hate-crime (JSON or CSV)
 *   GET   /v1/hate-crime/reports/{id}            read:hate-crime
 *   GET   /v1/hate-crime/reports/{id}/versions   read:hate-crime
 *   PATCH /v1/hate-crime/reports/{id}            submit:hate-crime, If-Match
 *
 * Visibility: a council key sees every organisation's reports, any other
 * key only its own organisation's; another organisation's report is 404,
 * never 403, so a key cannot learn which ids exist.  Only the submitting
 * organisation may correct or withdraw a report.
 *
 * The representation is built by the SQL function hate_crime_report_json
 * (migrations/0003), so a response, a version row and the seed agree.
 * No names, addresses or contact details exist; the two free-text fields
 * (other_strand_reason, withdrawn_reason) are stored with the record and
 * never logged or audited: audit events carry the report id only.
 */
#include "api/api.h"
#include "api/hate_crime_reports/reports.h"
#include "db/write_frame.h"
#include "http/cache.h"

static const struct db_statement statements[] = {
	/* The reference codes a report is judged against (write.c memoises
	 * them per change of the reference data). */
	{ "hcr_wards", "SELECT code FROM areas WHERE kind = 'ward'", 0 },
	{ "hcr_characteristics", "SELECT code FROM characteristics", 0 },
	{ "hcr_categories", "SELECT characteristic_code, code FROM categories", 0 },
	/* A new report, its first version and the answer in one statement
	 * (edit_create), the JSON built once and published for the write's
	 * end, which goes out with it; no row when the organisation
	 * has a report with this submitter_reference already.  The casts:
	 * parameters of domain columns as their base types (see
	 * db/write_frame.c). */
	{ "hcr_create",
	  "WITH r AS ("
	  " INSERT INTO hate_crime_reports (organisation_id, submitter_reference, police_reference,"
	  " occurred_from, occurred_to, reported_on, location, ward_code, strands,"
	  " other_strand_reason, offence_type, channel, victim, suspect, id)"
	  " VALUES ($1, $2::text, $3::text, $4, $5, $6, $7::text, $8, $9::text[], $10::text,"
	  " $11::text, $12::text, $13::jsonb, $14::jsonb, $15::uuid)"
	  " ON CONFLICT (organisation_id, submitter_reference) DO NOTHING"
	  " RETURNING id, version, updated_at, hate_crime_report_json(hate_crime_reports) AS body),"
	  " v AS (INSERT INTO hate_crime_report_versions"
	  " (report_id, version, body, changed_at, key_prefix, request_id)"
	  " SELECT id, version, body::jsonb, updated_at, $16, $17 FROM r)"
	  " SELECT body::text, version, " WRITE_ANSWER_PUBLISH("body::text", "version") " FROM r", 17 },
	/* The current state as the newest version, written in the same
	 * transaction as the change it records. */
	{ "hcr_version_put",
	  "INSERT INTO hate_crime_report_versions (report_id, version, body, changed_at, key_prefix, request_id)"
	  " SELECT r.id, r.version, hate_crime_report_json(r)::jsonb, r.updated_at, $2, $3"
	  " FROM hate_crime_reports r WHERE r.id = $1", 3 },
	/* $2 NULL: any organisation (a council key). */
	{ "hcr_get",
	  "SELECT hate_crime_report_json(r)::text, r.version FROM hate_crime_reports r"
	  " WHERE r.id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2)", 2 },
	/* A PATCH holds the row until it commits, so that of concurrent
	 * PATCHes naming one version exactly one sees it current. */
	{ "hcr_lock",
	  "SELECT r.version, hate_crime_report_json(r)::text, r.status FROM hate_crime_reports r"
	  " WHERE r.id = $1 AND r.organisation_id = $2 FOR UPDATE", 2 },
	{ "hcr_ref_taken",
	  "SELECT 1 FROM hate_crime_reports"
	  " WHERE organisation_id = $1 AND submitter_reference = $2 AND id <> $3", 3 },
	{ "hcr_update",
	  "UPDATE hate_crime_reports SET submitter_reference = $2, police_reference = $3,"
	  " occurred_from = $4, occurred_to = $5, reported_on = $6, location = $7, ward_code = $8,"
	  " strands = $9::text[], other_strand_reason = $10, offence_type = $11, channel = $12,"
	  " victim = $13::jsonb, suspect = $14::jsonb, version = version + 1, updated_at = now()"
	  " WHERE id = $1 AND organisation_id = $15", 15 },
	{ "hcr_withdraw",
	  "UPDATE hate_crime_reports SET status = 'withdrawn', withdrawn_reason = $2,"
	  " version = version + 1, updated_at = now()"
	  " WHERE id = $1 AND organisation_id = $3", 3 },
	/* Keyset on (created_at, id); the cursor holds created_at as whole
	 * microseconds since the epoch, exact both ways. */
	{ "hcr_list",
	  "SELECT hate_crime_report_json(r)::text,"
	  " (extract(epoch FROM r.created_at) * 1000000)::bigint, r.id"
	  " FROM hate_crime_reports r"
	  " WHERE ($1::bigint IS NULL OR r.organisation_id = $1)"
	  "   AND ($2::date IS NULL OR r.occurred_from >= $2)"
	  "   AND ($3::date IS NULL OR r.occurred_from <= $3)"
	  "   AND ($4::text IS NULL OR r.ward_code = $4)"
	  "   AND ($5::text IS NULL OR $5 = ANY (r.strands))"
	  "   AND ($6::text IS NULL OR r.organisation_id = (SELECT o.id FROM organisations o WHERE o.slug = $6))"
	  "   AND ($7::text IS NULL OR r.status = $7)"
	  "   AND ($8::bigint IS NULL OR (r.created_at, r.id) >"
	  "        ('epoch'::timestamptz + $8::bigint * interval '1 microsecond', $9::uuid))"
	  " ORDER BY r.created_at, r.id LIMIT $10", 10 },
	{ "hcr_versions",
	  "SELECT v.version, to_char(v.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
	  " v.key_prefix, v.request_id, v.body::text"
	  " FROM hate_crime_report_versions v JOIN hate_crime_reports r ON r.id = v.report_id"
	  " WHERE v.report_id = $1 AND ($2::bigint IS NULL OR r.organisation_id = $2)"
	  " ORDER BY v.version", 2 },
};

/* ---- the route table ---------------------------------------------------------- */

static const struct route routes[] = {
	{ .method = HTTP_POST, .template = "/v1/hate-crime/reports", .handler = report_create,
	  .flags = ROUTE_WRITE | ROUTE_IDEMPOTENT | ROUTE_BODY, .scope = "submit:hate-crime",
	  .action = "hate_crime_report.create", .depends = DATA_HATE_CRIME },
	{ .method = HTTP_GET, .template = "/v1/hate-crime/reports", .handler = report_list,
	  .flags = ROUTE_CSV | ROUTE_READ_AUDIT, .scope = "read:hate-crime",
	  .action = "hate_crime_report.list" },
	{ .method = HTTP_GET, .template = "/v1/hate-crime/reports/{id}", .handler = report_get,
	  .flags = ROUTE_READ_AUDIT, .scope = "read:hate-crime", .action = "hate_crime_report.read" },
	{ .method = HTTP_PATCH, .template = "/v1/hate-crime/reports/{id}", .handler = report_patch,
	  .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "submit:hate-crime",
	  .action = "hate_crime_report.update", .depends = DATA_HATE_CRIME },
	{ .method = HTTP_GET, .template = "/v1/hate-crime/reports/{id}/versions",
	  .handler = report_versions, .flags = ROUTE_READ_AUDIT | ROUTE_CSV, .scope = "read:hate-crime",
	  .action = "hate_crime_report.versions" },
};

const struct api_module hate_crime_reports_module = {
	.name = "hate_crime_reports", API_ROUTES(routes), API_STATEMENTS(statements),
};
