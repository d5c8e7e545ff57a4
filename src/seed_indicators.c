/*
 * seed_indicators.c - load the demo indicators (see seed_indicators.h).
 */
#include "seed_indicators.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "db/listener.h"
#include "domain/csv.h"
#include "domain/period.h"
#include "util/buf.h"
#include "util/log.h"

static const char *const indicator_columns[] = {
	"code", "title", "definition", "unit", "polarity", "frequency", "outcome",
	"outcome_title", "source", "tolerance_kind", "tolerance",
};
static const char *const value_columns[] = {
	"indicator", "period", "target", "actual", "commentary", "published_on",
};

static const char indicator_sql[] =
	"INSERT INTO indicators (code, title, definition, unit, polarity, frequency, outcome,"
	" outcome_title, source, tolerance_kind, tolerance)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, round($11::numeric * 1000)::bigint)"
	" ON CONFLICT (code) DO NOTHING RETURNING code";
/* $3, $4: the period's first and last day, computed by period_parse. */
static const char value_sql[] =
	"INSERT INTO indicator_values (indicator_code, period, period_start, period_end, target,"
	" actual, commentary, published_on, created_at, updated_at)"
	" VALUES ($1, $2, $3::date, $4::date, round($5::numeric * 1000)::bigint,"
	" round($6::numeric * 1000)::bigint, $7, $8::date,"
	" coalesce($8::date, $4::date)::timestamptz, coalesce($8::date, $4::date)::timestamptz)"
	" ON CONFLICT (indicator_code, period) DO NOTHING RETURNING period";
static const char revision_sql[] =
	"INSERT INTO indicator_value_revisions (indicator_code, period, revision, target, actual,"
	" commentary, published_on, recorded_at, key_prefix, request_id)"
	" SELECT indicator_code, period, revision, target, actual, commentary, published_on,"
	" updated_at, NULL, 'seed' FROM indicator_values WHERE indicator_code = $1 AND period = $2";

/* Read a CSV file, map its header onto columns, and call row() for each
 * record with the values in column order (empty fields as NULL). */
typedef int (*row_fn)(PGconn *pg, const char *const *values, const char *where,
		      size_t *inserted, char *err, size_t errlen);

static int load_file(PGconn *pg, const char *root, const char *name,
		     const char *const *columns, size_t ncolumns, row_fn row,
		     size_t *inserted, char *err, size_t errlen)
{
	struct buf path = BUF_INIT, file = BUF_INIT;
	struct csv_reader r;
	long index[16];
	int rc = -1;

	csv_reader_init(&r, "", 0);
	if (buf_appendf(&path, "%s/data/indicators/%s", root, name) ||
	    buf_read_file(&file, buf_cstr(&path), 16 * 1024 * 1024)) {
		snprintf(err, errlen, "cannot read %s", buf_cstr(&path));
		goto done;
	}
	csv_reader_release(&r);
	csv_reader_init(&r, file.data ? file.data : "", file.len);
	if (csv_reader_next(&r) != CSV_RECORD) {
		snprintf(err, errlen, "data/indicators/%s: no header row", name);
		goto done;
	}
	for (size_t c = 0; c < ncolumns; c++) {
		index[c] = -1;
		for (size_t f = 0; f < r.nfields; f++)
			if (strcmp(csv_reader_field(&r, f), columns[c]) == 0)
				index[c] = (long)f;
		if (index[c] < 0) {
			snprintf(err, errlen, "data/indicators/%s: missing column '%s'", name, columns[c]);
			goto done;
		}
	}
	for (;;) {
		enum csv_status st = csv_reader_next(&r);
		const char *values[16];
		char where[80];

		if (st == CSV_END)
			break;
		snprintf(where, sizeof(where), "data/indicators/%s line %zu", name, r.line);
		if (st == CSV_ERROR) {
			snprintf(err, errlen, "%s: %s", where, r.error);
			goto done;
		}
		for (size_t c = 0; c < ncolumns; c++) {
			const char *v = csv_reader_field(&r, (size_t)index[c]);

			values[c] = v && *v ? v : NULL;
		}
		if (row(pg, values, where, inserted, err, errlen))
			goto done;
	}
	rc = 0;
done:
	csv_reader_release(&r);
	buf_release(&file);
	buf_release(&path);
	return rc;
}

static int indicator_row(PGconn *pg, const char *const *values, const char *where,
			 size_t *inserted, char *err, size_t errlen)
{
	PGresult *r = NULL;
	char msg[256];

	if (db_direct_exec(pg, indicator_sql, 11, values, &r, msg, sizeof(msg))) {
		snprintf(err, errlen, "%s: %s", where, msg);
		return -1;
	}
	*inserted += (size_t)PQntuples(r);
	PQclear(r);
	return 0;
}

static int value_row(PGconn *pg, const char *const *values, const char *where,
		     size_t *inserted, char *err, size_t errlen)
{
	PGresult *r = NULL;
	struct period p;
	char label[32], start[11], end[11], msg[256];
	int n;

	if (!values[1] || period_parse(values[1], &p) != 0) {
		snprintf(err, errlen, "%s: period must be such as 2024/25 Q2, 2024-04 or 2024/25", where);
		return -1;
	}
	(void)period_format(&p, label, sizeof(label));
	(void)date_format(&p.start, start, sizeof(start));
	(void)date_format(&p.end, end, sizeof(end));
	{
		const char *v[8] = { values[0], label, start, end, values[2], values[3], values[4],
				     values[5] };

		if (db_direct_exec(pg, value_sql, 8, v, &r, msg, sizeof(msg)))
			goto fail;
	}
	n = PQntuples(r);
	PQclear(r);
	if (n) {
		const char *v[2] = { values[0], label };

		if (db_direct_exec(pg, revision_sql, 2, v, NULL, msg, sizeof(msg)))
			goto fail;
		(*inserted)++;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", where, msg);
	return -1;
}

int seed_indicators(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen)
{
	size_t inserted = 0;

	if (db_direct_exec(pg, "BEGIN", 0, NULL, NULL, err, errlen))
		return -1;
	if (load_file(pg, root, "indicators.csv", indicator_columns,
		      sizeof(indicator_columns) / sizeof(indicator_columns[0]), indicator_row,
		      &inserted, err, errlen) ||
	    load_file(pg, root, "values.csv", value_columns,
		      sizeof(value_columns) / sizeof(value_columns[0]), value_row,
		      &inserted, err, errlen))
		goto rollback;
	if (inserted && db_direct_exec(pg, "SELECT pg_notify('" LISTENER_CHANNEL "', 'indicators')",
				       0, NULL, NULL, err, errlen))
		goto rollback;
	if (db_direct_exec(pg, "COMMIT", 0, NULL, NULL, err, errlen))
		goto rollback;
	log_msgf(LOG_INFO, "seed: indicators: %zu rows added", inserted);
	*changed += inserted;
	return 0;
rollback:
	db_direct_rollback(pg);
	return -1;
}
