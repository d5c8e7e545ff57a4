/*
 * seed_returns.c - load the demo return windows and returns (see seed_returns.h).
 */
#include "seed_returns.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/listener.h"
#include "domain/csv.h"
#include "util/buf.h"
#include "util/log.h"

#define MAX_FIELDS 10

static const char *const window_columns[] = { "kind", "period", "open_date", "due_date" };
static const char window_sql[] =
	"INSERT INTO return_windows (kind, period, open_date, due_date, created_at)"
	" VALUES ($1, $2, $3::date, $4::date, $3::date)"
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

struct csv_file {
	struct buf path, text;
	struct csv_reader r;
	long index[MAX_FIELDS];
};

static int open_csv(struct csv_file *f, const char *root, const char *name,
		    const char *const *columns, size_t ncolumns, char *err, size_t errlen)
{
	if (buf_appendf(&f->path, "%s/data/returns/%s", root, name) ||
	    buf_read_file(&f->text, buf_cstr(&f->path), 16 * 1024 * 1024)) {
		snprintf(err, errlen, "cannot read %s", buf_cstr(&f->path));
		return -1;
	}
	csv_reader_release(&f->r);
	csv_reader_init(&f->r, f->text.data ? f->text.data : "", f->text.len);
	if (csv_reader_next(&f->r) != CSV_RECORD) {
		snprintf(err, errlen, "data/returns/%s: no header row", name);
		return -1;
	}
	for (size_t c = 0; c < ncolumns; c++) {
		f->index[c] = -1;
		for (size_t i = 0; i < f->r.nfields; i++)
			if (strcmp(csv_reader_field(&f->r, i), columns[c]) == 0)
				f->index[c] = (long)i;
		if (f->index[c] < 0) {
			snprintf(err, errlen, "data/returns/%s: missing column '%s'", name, columns[c]);
			return -1;
		}
	}
	return 0;
}

static void close_csv(struct csv_file *f)
{
	csv_reader_release(&f->r);
	buf_release(&f->text);
	buf_release(&f->path);
}

/* The next record's fields (empty ones NULL): 1, 0 at the end, -1 on error. */
static int next_row(struct csv_file *f, const char *name, size_t ncolumns, const char **values,
		    char *where, size_t wherelen, char *err, size_t errlen)
{
	enum csv_status st = csv_reader_next(&f->r);

	if (st == CSV_END)
		return 0;
	snprintf(where, wherelen, "data/returns/%s line %zu", name, f->r.line);
	if (st == CSV_ERROR) {
		snprintf(err, errlen, "%s: %s", where, f->r.error);
		return -1;
	}
	for (size_t c = 0; c < ncolumns; c++) {
		const char *v = csv_reader_field(&f->r, (size_t)f->index[c]);

		values[c] = v && *v ? v : NULL;
	}
	return 1;
}

static int load_return(PGconn *pg, const char *const *v, const char *where,
		       size_t *inserted, char *err, size_t errlen)
{
	PGresult *r = NULL;
	char msg[256], id[40];
	const char *status = v[3] ? v[3] : "";
	bool reviewed = strcmp(status, "accepted") == 0 || strcmp(status, "returned") == 0;

	if (!reviewed && strcmp(status, "draft") != 0 && strcmp(status, "submitted") != 0) {
		snprintf(err, errlen, "%s: status must be draft, submitted, accepted or returned", where);
		return -1;
	}
	if (db_direct_exec(pg, return_sql, 7, v, &r, msg, sizeof(msg)))
		goto fail;
	if (PQntuples(r) == 0) {
		int found;

		PQclear(r);
		if (db_direct_exec(pg, exists_sql, 3, v, &r, msg, sizeof(msg)))
			goto fail;
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
		if (db_direct_exec(pg, submit_sql, 3, p, NULL, msg, sizeof(msg)) ||
		    db_direct_exec(pg, submission_sql, 1, p, NULL, msg, sizeof(msg)))
			goto fail;
	}
	if (reviewed) {
		const char *p[3] = { id, status, v[9] };

		if (db_direct_exec(pg, review_sql, 3, p, NULL, msg, sizeof(msg)))
			goto fail;
	}
	(*inserted)++;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", where, msg);
	return -1;
}

int seed_returns(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen)
{
	struct csv_file windows, returns;
	const char *values[MAX_FIELDS];
	char where[80], msg[256];
	size_t inserted = 0;
	int rc = -1, more;

	memset(&windows, 0, sizeof(windows));
	memset(&returns, 0, sizeof(returns));
	csv_reader_init(&windows.r, "", 0);
	csv_reader_init(&returns.r, "", 0);
	if (open_csv(&windows, root, "windows.csv", window_columns, 4, err, errlen) ||
	    open_csv(&returns, root, "returns.csv", return_columns, 10, err, errlen))
		goto done;
	if (db_direct_exec(pg, "BEGIN", 0, NULL, NULL, err, errlen))
		goto done;
	while ((more = next_row(&windows, "windows.csv", 4, values, where, sizeof(where), err, errlen)) > 0) {
		PGresult *r = NULL;

		if (db_direct_exec(pg, window_sql, 4, values, &r, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s: %s", where, msg);
			goto rollback;
		}
		inserted += (size_t)PQntuples(r);
		PQclear(r);
	}
	if (more < 0)
		goto rollback;
	while ((more = next_row(&returns, "returns.csv", 10, values, where, sizeof(where), err, errlen)) > 0)
		if (load_return(pg, values, where, &inserted, err, errlen))
			goto rollback;
	if (more < 0)
		goto rollback;
	if (inserted && db_direct_exec(pg, "SELECT pg_notify('" LISTENER_CHANNEL "', 'returns')",
				       0, NULL, NULL, err, errlen))
		goto rollback;
	if (db_direct_exec(pg, "COMMIT", 0, NULL, NULL, err, errlen))
		goto rollback;
	log_msgf(LOG_INFO, "seed: returns: %zu windows and returns added", inserted);
	*changed += inserted;
	rc = 0;
	goto done;
rollback:
	db_direct_rollback(pg);
done:
	close_csv(&windows);
	close_csv(&returns);
	return rc;
}
