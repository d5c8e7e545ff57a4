/*
 * seed_indicators.c - load the demo indicators (see seed_indicators.h).
 */
#include "seed_indicators.h"

#include <stdio.h>
#include <string.h>

#include "db/db.h"
#include "domain/period.h"
#include "seed_csv.h"

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

static int value_row(PGconn *pg, const char *root, const char *const *values,
		     const char *where, size_t *inserted, char *err, size_t errlen)
{
	PGresult *r = NULL;
	struct period p;
	char label[32], start[11], end[11];
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

		if (seed_exec(pg, where, value_sql, 8, v, &r, err, errlen))
			return -1;
	}
	n = PQntuples(r);
	PQclear(r);
	if (n) {
		const char *v[2] = { values[0], label };

		if (seed_exec(pg, where, revision_sql, 2, v, NULL, err, errlen))
			return -1;
		(*inserted)++;
	}
	return 0;
}

static const struct seed_file indicator_files[] = {
	{ SEED_COLUMNS("indicators/indicators.csv", indicator_columns), .sql = indicator_sql },
	{ SEED_COLUMNS("indicators/values.csv", value_columns), .row = value_row },
};

const struct seed_group seed_indicators_files = SEED_GROUP("indicators", indicator_files);
