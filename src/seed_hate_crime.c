/*
 * seed_hate_crime.c - load the demo hate-crime reports (see seed_hate_crime.h).
 */
#include "seed_hate_crime.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/listener.h"
#include "domain/csv.h"
#include "util/buf.h"
#include "util/log.h"

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
	char msg[256];
	int found;

	if (db_direct_exec(pg, org_sql, 1, &slug, &r, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", where, msg);
		return -1;
	}
	found = PQntuples(r);
	PQclear(r);
	if (!found) {
		snprintf(err, errlen, "%s: unknown organisation '%s' (not in data/organisations.csv)",
			 where, slug);
		return -1;
	}
	return 0;
}

static int load_row(PGconn *pg, const char *const *values, const char *where,
		    size_t *inserted, char *err, size_t errlen)
{
	PGresult *r = NULL;
	char msg[256], id[40];
	const char *status = values[15];

	if (db_direct_exec(pg, insert_sql, INSERT_PARAMS, values, &r, msg, sizeof(msg)))
		goto fail;
	if (PQntuples(r) == 0) {
		PQclear(r);
		/* Present already, or an organisation the file names wrongly. */
		return check_organisation(pg, values[0], where, err, errlen);
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	{
		const char *p[1] = { id };

		if (db_direct_exec(pg, version_sql, 1, p, NULL, msg, sizeof(msg)))
			goto fail;
	}
	if (status && strcmp(status, "withdrawn") == 0) {
		const char *p[3] = { id, values[16], values[17] };

		if (db_direct_exec(pg, withdraw_sql, 3, p, NULL, msg, sizeof(msg)) ||
		    db_direct_exec(pg, version_sql, 1, p, NULL, msg, sizeof(msg)))
			goto fail;
	} else if (status && strcmp(status, "active") != 0) {
		snprintf(err, errlen, "%s: status must be active or withdrawn", where);
		return -1;
	}
	(*inserted)++;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", where, msg);
	return -1;
}

int seed_hate_crime(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen)
{
	struct buf path = BUF_INIT, file = BUF_INIT;
	struct csv_reader r;
	long index[NCOLUMNS];
	size_t inserted = 0;
	int rc = -1;

	csv_reader_init(&r, "", 0);
	if (buf_appendf(&path, "%s/data/hate-crime/reports.csv", root) ||
	    buf_read_file(&file, buf_cstr(&path), 64 * 1024 * 1024)) {
		snprintf(err, errlen, "cannot read %s", buf_cstr(&path));
		goto done;
	}
	csv_reader_release(&r);
	csv_reader_init(&r, file.data ? file.data : "", file.len);
	if (csv_reader_next(&r) != CSV_RECORD) {
		snprintf(err, errlen, "data/hate-crime/reports.csv: no header row");
		goto done;
	}
	for (size_t c = 0; c < NCOLUMNS; c++) {
		index[c] = -1;
		for (size_t f = 0; f < r.nfields; f++)
			if (strcmp(csv_reader_field(&r, f), columns[c]) == 0)
				index[c] = (long)f;
		if (index[c] < 0) {
			snprintf(err, errlen, "data/hate-crime/reports.csv: missing column '%s'", columns[c]);
			goto done;
		}
	}
	if (db_direct_exec(pg, "BEGIN", 0, NULL, NULL, err, errlen))
		goto done;
	for (;;) {
		enum csv_status st = csv_reader_next(&r);
		const char *values[NCOLUMNS];
		char where[64];

		if (st == CSV_END)
			break;
		snprintf(where, sizeof(where), "data/hate-crime/reports.csv line %zu", r.line);
		if (st == CSV_ERROR) {
			snprintf(err, errlen, "%s: %s", where, r.error);
			goto rollback;
		}
		for (size_t c = 0; c < NCOLUMNS; c++) {
			const char *v = csv_reader_field(&r, (size_t)index[c]);

			values[c] = v && *v ? v : NULL;
		}
		if (load_row(pg, values, where, &inserted, err, errlen))
			goto rollback;
	}
	if (inserted && db_direct_exec(pg, "SELECT pg_notify('" LISTENER_CHANNEL "', 'hate_crime')",
				       0, NULL, NULL, err, errlen))
		goto rollback;
	if (db_direct_exec(pg, "COMMIT", 0, NULL, NULL, err, errlen))
		goto rollback;
	log_msgf(LOG_INFO, "seed: hate-crime/reports.csv: %zu reports added", inserted);
	*changed += inserted;
	rc = 0;
	goto done;
rollback:
	db_direct_rollback(pg);
done:
	csv_reader_release(&r);
	buf_release(&file);
	buf_release(&path);
	return rc;
}
