/*
 * seed_returns.c - load the demo return windows and returns (see seed_returns.h).
 */
#include "seed_returns.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "seed_csv.h"

static const char *const window_columns[] = { "kind", "period", "open_date", "due_date" };
static const char window_sql[] =
	"INSERT INTO return_windows (kind, period, open_date, due_date, created_at, universe)"
	" VALUES ($1, $2, $3::date, $4::date, $3::date,"
	"         CASE $1 WHEN 'workforce' THEN 'adults' ELSE 'everyone' END)"
	" ON CONFLICT (kind, period) DO NOTHING RETURNING id";

static const char *const return_columns[] = {
	"kind", "period", "organisation", "status", "total", "lines",
	"created_at", "submitted_at", "late_reason", "review_note",
};
/* Step 1: the draft as created. */
static const char return_sql[] =
	"INSERT INTO partner_returns (window_id, organisation_id, total, lines, created_at, updated_at)"
	" SELECT w.id, o.id, $5::integer, $6::jsonb, $7::timestamptz, $7::timestamptz"
	" FROM return_windows w, organisations o"
	" WHERE w.kind = $1 AND w.period = $2 AND o.slug = $3 AND o.kind = 'partner'"
	"   AND $4::text IN ('draft', 'submitted', 'accepted', 'returned')"
	" ON CONFLICT (window_id, organisation_id) DO NOTHING RETURNING id";
static const char exists_sql[] =
	"SELECT 1 FROM return_windows w, organisations o"
	" WHERE w.kind = $1 AND w.period = $2 AND o.slug = $3 AND o.kind = 'partner'";
/* Step 2: the submission, and its copy. */
static const char submit_sql[] =
	"UPDATE partner_returns SET status = 'submitted', submitted_at = $2::timestamptz,"
	" late = $3::text IS NOT NULL, late_reason = $3, submissions = 1, version = version + 1,"
	" updated_at = $2::timestamptz WHERE id = $1";
static const char submission_sql[] =
	"INSERT INTO partner_return_submissions (return_id, submission, body, submitted_at, key_prefix, request_id)"
	" SELECT r.id, r.submissions, partner_return_json(r)::jsonb, r.submitted_at, NULL, 'seed'"
	" FROM partner_returns r WHERE r.id = $1";
/* Step 3: the review, a day after the submission. */
static const char review_sql[] =
	"UPDATE partner_returns SET status = $2, review_outcome = $2, review_note = $3,"
	" reviewed_at = submitted_at + interval '1 day', version = version + 1,"
	" updated_at = submitted_at + interval '1 day' WHERE id = $1";

static int load_return(PGconn *pg, const char *root, const char *const *v,
		       const char *where, size_t *inserted, char *err, size_t errlen)
{
	PGresult *r = NULL;
	char id[40];
	const char *status = v[3] ? v[3] : "";
	bool reviewed = strcmp(status, "accepted") == 0 || strcmp(status, "returned") == 0;

	if (!reviewed && strcmp(status, "draft") != 0 && strcmp(status, "submitted") != 0) {
		snprintf(err, errlen, "%s: status must be draft, submitted, accepted or returned", where);
		return -1;
	}
	if (seed_exec(pg, where, return_sql, 7, v, &r, err, errlen))
		return -1;
	if (PQntuples(r) == 0) {
		int found;

		PQclear(r);
		if (seed_exec(pg, where, exists_sql, 3, v, &r, err, errlen))
			return -1;
		found = PQntuples(r);
		PQclear(r);
		if (!found) {
			snprintf(err, errlen, "%s: no window %s %s or no partner %s", where,
				 v[0] ? v[0] : "", v[1] ? v[1] : "", v[2] ? v[2] : "");
			return -1;
		}
		return 0;   /* present already */
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (strcmp(status, "draft") != 0) {
		const char *p[3] = { id, v[7], v[8] };

		if (!v[7]) {
			snprintf(err, errlen, "%s: submitted_at is required unless the status is draft", where);
			return -1;
		}
		if (seed_exec(pg, where, submit_sql, 3, p, NULL, err, errlen) ||
		    seed_exec(pg, where, submission_sql, 1, p, NULL, err, errlen))
			return -1;
	}
	if (reviewed) {
		const char *p[3] = { id, status, v[9] };

		if (seed_exec(pg, where, review_sql, 3, p, NULL, err, errlen))
			return -1;
	}
	(*inserted)++;
	return 0;
}

static const struct seed_file returns_files[] = {
	{ SEED_COLUMNS("returns/windows.csv", window_columns), .sql = window_sql },
	{ SEED_COLUMNS("returns/returns.csv", return_columns), .row = load_return },
};

const struct seed_group seed_returns_files = SEED_GROUP("returns", returns_files);
