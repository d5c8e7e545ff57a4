/*
 * seed_action_plan.c - load the demo action plans (see seed_action_plan.h).
 */
#include "seed_action_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "db/listener.h"
#include "domain/csv.h"
#include "util/buf.h"

#define MAX_COLUMNS 9

struct seed_file {
	const char *name;
	const char *const *columns;
	size_t ncolumns;
	const char *sql;
};

static const char *const plan_columns[] = {
	"slug", "title", "description", "starts_on", "ends_on", "status",
};
static const char *const action_columns[] = {
	"plan", "reference", "title", "description", "outcome", "lead", "start_date",
	"due_date", "indicators",
};
static const char *const update_columns[] = {
	"plan", "reference", "date", "status", "rag", "note", "reason",
};

static const struct seed_file files[] = {
	{ "plans.csv", plan_columns, 6,
	  "INSERT INTO action_plans (slug, title, description, starts_on, ends_on, status)"
	  " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING" },
	/* indicators are written "a;b" in the file. */
	{ "actions.csv", action_columns, 9,
	  "INSERT INTO actions (plan_id, reference, title, description, outcome, lead,"
	  " start_date, due_date, indicators, created_at, updated_at)"
	  " SELECT p.id, $2, $3, $4, $5, $6, $7, $8, coalesce(string_to_array($9, ';'), '{}'),"
	  " $7::date + time '09:00', $7::date + time '09:00'"
	  " FROM action_plans p WHERE p.slug = $1"
	  " ON CONFLICT (plan_id, reference) DO NOTHING" },
	/* An update is the seed's when it has the seed's request id and the
	 * same date, status and RAG; the action's state follows its latest. */
	{ "updates.csv", update_columns, 7,
	  "WITH a AS (SELECT a.id FROM actions a JOIN action_plans p ON p.id = a.plan_id"
	  "           WHERE p.slug = $1 AND a.reference = $2),"
	  " u AS (INSERT INTO action_updates (action_id, seq, as_of, status, rag, note, reason,"
	  "         organisation_id, key_prefix, request_id, created_at)"
	  "       SELECT a.id, coalesce((SELECT max(x.seq) FROM action_updates x WHERE x.action_id = a.id), 0) + 1,"
	  "         $3::date, $4, $5, $6, $7, (SELECT o.id FROM organisations o WHERE o.slug = 'barnet-council'),"
	  "         NULL, 'seed', $3::date + time '12:00'"
	  "       FROM a WHERE NOT EXISTS (SELECT 1 FROM action_updates x WHERE x.action_id = a.id"
	  "         AND x.request_id = 'seed' AND x.as_of = $3::date AND x.status = $4 AND x.rag = $5)"
	  "       RETURNING action_id, status, rag, created_at)"
	  " UPDATE actions t SET status = u.status, rag = u.rag, updated_at = u.created_at"
	  " FROM u WHERE t.id = u.action_id" },
};

static int load_file(PGconn *pg, const char *root, const struct seed_file *f, size_t *changed,
		     char *err, size_t errlen)
{
	struct buf file = BUF_INIT, path = BUF_INIT;
	struct csv_reader r;
	long index[MAX_COLUMNS];
	int rc = -1;

	csv_reader_init(&r, "", 0);
	if (buf_appendf(&path, "%s/data/action-plans/%s", root, f->name) ||
	    buf_read_file(&file, buf_cstr(&path), 16 * 1024 * 1024) != 0) {
		snprintf(err, errlen, "cannot read %s", buf_cstr(&path));
		goto done;
	}
	csv_reader_release(&r);
	csv_reader_init(&r, file.data ? file.data : "", file.len);
	if (csv_reader_next(&r) != CSV_RECORD) {
		snprintf(err, errlen, "%s: no header row", buf_cstr(&path));
		goto done;
	}
	for (size_t c = 0; c < f->ncolumns; c++) {
		index[c] = -1;
		for (size_t k = 0; k < r.nfields; k++)
			if (strcmp(csv_reader_field(&r, k), f->columns[c]) == 0)
				index[c] = (long)k;
		if (index[c] < 0) {
			snprintf(err, errlen, "%s: missing column '%s'", buf_cstr(&path), f->columns[c]);
			goto done;
		}
	}
	for (;;) {
		enum csv_status st = csv_reader_next(&r);
		const char *values[MAX_COLUMNS];
		PGresult *res;
		char msg[256];

		if (st == CSV_END)
			break;
		if (st == CSV_ERROR) {
			snprintf(err, errlen, "%s line %zu: %s", buf_cstr(&path), r.line, r.error);
			goto done;
		}
		for (size_t c = 0; c < f->ncolumns; c++) {
			const char *v = csv_reader_field(&r, (size_t)index[c]);

			values[c] = v && *v ? v : NULL;
		}
		if (db_direct_exec(pg, f->sql, (int)f->ncolumns, values, &res, msg, sizeof(msg))) {
			snprintf(err, errlen, "%s line %zu: %s", buf_cstr(&path), r.line, msg);
			goto done;
		}
		*changed += (size_t)atol(PQcmdTuples(res));
		PQclear(res);
	}
	rc = 0;
done:
	csv_reader_release(&r);
	buf_release(&file);
	buf_release(&path);
	return rc;
}

int seed_action_plan(PGconn *pg, const char *root, size_t *changed, char *err, size_t errlen)
{
	size_t mine = 0;

	if (db_direct_exec(pg, "BEGIN", 0, NULL, NULL, err, errlen))
		return -1;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (load_file(pg, root, &files[i], &mine, err, errlen))
			goto fail;
	if (mine && db_direct_exec(pg, "SELECT pg_notify('" LISTENER_CHANNEL "', 'action_plan')",
				   0, NULL, NULL, err, errlen))
		goto fail;
	if (db_direct_exec(pg, "COMMIT", 0, NULL, NULL, err, errlen))
		goto fail;
	*changed += mine;
	return 0;
fail:
	db_direct_rollback(pg);
	return -1;
}
