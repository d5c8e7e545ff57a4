/*
 * seed_hate_crime.c - load the demo hate-crime reports (see seed_hate_crime.h).
 */
#include "seed_hate_crime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "seed_csv.h"

static const char *const columns[] = {
	"organisation", "submitter_reference", "police_reference", "occurred_from",
	"occurred_to", "reported_on", "location", "ward_code", "strands",
	"other_strand_reason", "offence_type", "channel", "victim", "suspect",
	"created_at", "status", "withdrawn_reason", "withdrawn_at",
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))
#define INSERT_PARAMS 15   /* the columns up to created_at */

/* strands are written "race;religion" in the file. */
static const char insert_sql[] =
	"INSERT INTO hate_crime_reports (organisation_id, submitter_reference, police_reference,"
	" occurred_from, occurred_to, reported_on, location, ward_code, strands,"
	" other_strand_reason, offence_type, channel, victim, suspect, created_at, updated_at)"
	" SELECT o.id, $2, $3, $4::date, coalesce($5::date, $4::date), $6::date, $7, $8,"
	" string_to_array($9, ';'), $10, $11, $12, coalesce($13, '[]')::jsonb,"
	" coalesce($14, '[]')::jsonb, $15::timestamptz, $15::timestamptz"
	" FROM organisations o WHERE o.slug = $1"
	" ON CONFLICT (organisation_id, submitter_reference) DO NOTHING RETURNING id";
static const char org_sql[] = "SELECT 1 FROM organisations WHERE slug = $1";
static const char version_sql[] =
	"INSERT INTO hate_crime_report_versions (report_id, version, body, changed_at, key_prefix, request_id)"
	" SELECT r.id, r.version, hate_crime_report_json(r)::jsonb, r.updated_at, NULL, 'seed'"
	" FROM hate_crime_reports r WHERE r.id = $1";
static const char withdraw_sql[] =
	"UPDATE hate_crime_reports SET status = 'withdrawn', withdrawn_reason = $2,"
	" version = version + 1, updated_at = $3::timestamptz WHERE id = $1";

static int check_organisation(PGconn *pg, const char *slug, const char *where,
			      char *err, size_t errlen)
{
	PGresult *r = NULL;
	int found;

	if (seed_exec(pg, where, org_sql, 1, &slug, &r, err, errlen))
		return -1;
	found = PQntuples(r);
	PQclear(r);
	if (!found) {
		snprintf(err, errlen, "%s: unknown organisation '%s' (not in data/organisations.csv)",
			 where, slug);
		return -1;
	}
	return 0;
}

static int load_row(PGconn *pg, const char *root, const char *const *values,
		    const char *where, size_t *inserted, char *err, size_t errlen)
{
	PGresult *r = NULL;
	char id[40];
	const char *status = values[15];

	if (seed_exec(pg, where, insert_sql, INSERT_PARAMS, values, &r, err, errlen))
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		/* Present already, or an organisation the file names wrongly. */
		return check_organisation(pg, values[0], where, err, errlen);
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	{
		const char *p[1] = { id };

		if (seed_exec(pg, where, version_sql, 1, p, NULL, err, errlen))
			return -1;
	}
	if (status && strcmp(status, "withdrawn") == 0) {
		const char *p[3] = { id, values[16], values[17] };

		if (seed_exec(pg, where, withdraw_sql, 3, p, NULL, err, errlen) ||
		    seed_exec(pg, where, version_sql, 1, p, NULL, err, errlen))
			return -1;
	} else if (status && strcmp(status, "active") != 0) {
		snprintf(err, errlen, "%s: status must be active or withdrawn", where);
		return -1;
	}
	(*inserted)++;
	return 0;
}

static const struct seed_file files[] = {
	{ "hate-crime/reports.csv", columns, NCOLUMNS, .row = load_row },
};

/* The demo sources delivered every month from their first demo report's
 * to their last's, months without reports included: coverage is what was
 * delivered (migrations/0015), so the demo declares it.  Only the seed's
 * own reports count (their versions say 'seed'), so that seeding again
 * declares nothing for reports that came through the API. */
static const char deliveries_sql[] =
	"INSERT INTO hate_crime_deliveries (organisation_id, month, key_prefix, request_id)"
	" SELECT s.organisation_id, m::date, NULL, 'seed'"
	" FROM (SELECT organisation_id, date_trunc('month', min(occurred_from)) AS first,"
	"              date_trunc('month', max(occurred_from)) AS last"
	"       FROM hate_crime_reports r WHERE EXISTS (SELECT 1 FROM hate_crime_report_versions v"
	"         WHERE v.report_id = r.id AND v.request_id = 'seed')"
	"       GROUP BY organisation_id) s,"
	"      generate_series(s.first, s.last, interval '1 month') AS m"
	" ON CONFLICT (organisation_id, month) DO NOTHING";

int seed_hate_crime(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen)
{
	PGresult *r = NULL;

	if (seed_csv_load_all(pg, root, "hate_crime", files, 1, changed, err, errlen) ||
	    seed_exec(pg, "hate-crime deliveries", deliveries_sql, 0, NULL, &r, err, errlen))
		return -1;
	*changed += (size_t)strtoul(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return 0;
}
