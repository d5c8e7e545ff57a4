/*
 * demo_releases.c - making a data set family's demographics release (see
 * demo_releases.h).
 */
#include "api/kit/demo_releases.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/kit/demo_tables.h"
#include "api/kit/releases.h"
#include "domain/demo_table.h"
#include "util/fnv.h"

/* The layout of every problem (its name says its shape). */
#define LAYOUT "demographics:linked-problems:1"
/* A family larger than this has each member suppressed alone, as the
 * live read does (demo_tables.c). */
#define FAMILY_MAX 8

const struct db_statement demo_releases_statements[] = {
	/* Every (member, characteristic) of family $1: by characteristic,
	 * then the whole population first (demo_table_family's order). */
	{ "demo_rel_members",
	  "SELECT d.id::text, d.slug, t.characteristic_code, d.subset_of IS NULL FROM datasets d"
	  " JOIN (SELECT DISTINCT dataset_id, characteristic_code FROM demographic_totals) t"
	  " ON t.dataset_id = d.id WHERE coalesce(d.subset_of, d.slug) = $1"
	  " ORDER BY t.characteristic_code, d.subset_of IS NOT NULL, d.id", 1 },
	{ "demo_rel_families",
	  "SELECT DISTINCT coalesce(d.subset_of, d.slug) FROM datasets d"
	  " WHERE ($1::text IS NULL OR d.slug = $1)"
	  " AND EXISTS (SELECT 1 FROM demographic_totals t WHERE t.dataset_id = d.id) ORDER BY 1", 1 },
};
const size_t demo_releases_nstatements = sizeof(demo_releases_statements) / sizeof(demo_releases_statements[0]);

enum { M_ID, M_SLUG, M_CHAR, M_ROOT };

/* Everything the release's tables borrow until it is made. */
struct making {
	struct demo_loaded **loaded;    /* one per member row */
	struct demo_problem *problems;
	struct release_table *tables;
	json_t **abouts;
	char **names;
	size_t n;                       /* problems */
	unsigned threshold;             /* stored with each: a read at another knows */
};

static void making_release(struct making *m, size_t nrows)
{
	for (size_t i = 0; m->loaded && i < nrows; i++)
		demo_tables_loaded_free(m->loaded[i]);
	for (size_t i = 0; i < m->n; i++) {
		demo_problem_release(&m->problems[i]);
		json_decref(m->abouts[i]);
		free(m->names[i]);
	}
	free(m->loaded);
	free(m->problems);
	free(m->tables);
	free(m->abouts);
	free(m->names);
}

/* One member's cell order: its data set, areas and categories. */
static json_t *member_json(const PGresult *r, int row, const struct demo_table *t)
{
	json_t *areas = json_array(), *cats = json_array();

	for (size_t a = 0; areas && a < t->nareas; a++)
		json_array_append_new(areas, json_string(t->areas[a].code));
	for (size_t c = 0; cats && c < t->ncats; c++)
		json_array_append_new(cats, json_string(t->cats[c].code));
	return json_pack("{s:s, s:s, s:o*, s:o*}", "dataset", PQgetvalue(r, row, M_SLUG), "id",
			 PQgetvalue(r, row, M_ID), "areas", areas, "categories", cats);
}

/* The problem of member rows [first, first + n), loaded: its name, about
 * and table.  -1 when memory runs out. */
static int problem_add(struct making *m, const PGresult *r, int first, int n)
{
	struct demo_table *tables[FAMILY_MAX];
	struct demo_problem *p = &m->problems[m->n];
	json_t *members = json_array(), *about;
	char *text, hash[24];

	for (int i = 0; i < n; i++) {
		tables[i] = &m->loaded[first + i]->t;
		if (json_array_append_new(members, member_json(r, first + i, tables[i])))
			break;
	}
	about = json_pack("{s:s, s:i, s:o*}", "characteristic", PQgetvalue(r, first, M_CHAR), "threshold",
			  (int)m->threshold, "members", members);
	m->abouts[m->n] = about;
	if (!about || !(text = json_dumps(about, JSON_COMPACT | JSON_SORT_KEYS)))
		goto fail;
	snprintf(hash, sizeof(hash), "%016" PRIx64, fnv1a64(text, 0));
	free(text);
	/* The name's members in the problem's order; the hash its shape. */
	if (!(m->names[m->n] = malloc(strlen(PQgetvalue(r, first, M_CHAR)) + 160 * (size_t)n + 24)))
		goto fail;
	sprintf(m->names[m->n], "%s ", PQgetvalue(r, first, M_CHAR));
	for (int i = 0; i < n; i++)
		sprintf(m->names[m->n] + strlen(m->names[m->n]), "%s%.150s", i ? "+" : "", PQgetvalue(r, first + i, M_SLUG));
	sprintf(m->names[m->n] + strlen(m->names[m->n]), " #%.8s", hash);
	if (demo_problem_build(tables, (size_t)n, p) != 0)
		goto fail;
	m->tables[m->n] = (struct release_table){ m->names[m->n], p->values, p->ncells, p->cons, p->ncons,
						   false, about, NULL, p->absent };
	m->n++;
	return 0;
fail:
	m->n++;   /* what was allocated is released with the rest */
	return -1;
}

/* The problems of every characteristic: the members of one linked
 * together when the whole population has it, else each alone. */
static int problems_add(struct making *m, const PGresult *r)
{
	int rows = PQntuples(r);

	for (int i = 0; i < rows;) {
		int j = i;

		while (j < rows && strcmp(PQgetvalue(r, j, M_CHAR), PQgetvalue(r, i, M_CHAR)) == 0)
			j++;
		if (j - i > 1 && j - i <= FAMILY_MAX && strcmp(PQgetvalue(r, i, M_ROOT), "t") == 0) {
			if (problem_add(m, r, i, j - i) != 0)
				return -1;
		} else {
			for (int k = i; k < j; k++)
				if (problem_add(m, r, k, 1) != 0)
					return -1;
		}
		i = j;
	}
	return 0;
}

static enum db_status make_in(struct db_conn *db, unsigned threshold, const char *family, const char *reason,
			      bool skip_unchanged, json_t **made)
{
	const struct release_subject subject = { "demographics", family, LAYOUT };
	struct making m = { .threshold = threshold };
	PGresult *r = NULL;
	size_t rows = 0;
	enum db_status st;

	if ((st = db_exec(db, "demo_rel_members", 1, &family, &r)) != DB_OK)
		return st;
	rows = (size_t)PQntuples(r);
	m.loaded = calloc(rows + 1, sizeof(*m.loaded));
	m.problems = calloc(rows + 1, sizeof(*m.problems));
	m.tables = calloc(rows + 1, sizeof(*m.tables));
	m.abouts = calloc(rows + 1, sizeof(*m.abouts));
	m.names = calloc(rows + 1, sizeof(*m.names));
	st = DB_ERROR;
	if (!m.loaded || !m.problems || !m.tables || !m.abouts || !m.names)
		goto done;
	for (size_t i = 0; i < rows; i++)
		if ((st = demo_tables_load(db, PQgetvalue(r, (int)i, M_ID), PQgetvalue(r, (int)i, M_CHAR),
					   &m.loaded[i])) != DB_OK)
			goto done;
	st = DB_ERROR;
	if (problems_add(&m, r) != 0)
		goto done;
	st = releases_make(db, (int)threshold, &subject, reason, m.tables, m.n, skip_unchanged, made);
done:
	making_release(&m, rows);
	PQclear(r);
	return st;
}

enum db_status demo_releases_make(struct db_conn *db, unsigned threshold, const char *family,
				  const char *reason, bool skip_unchanged, json_t **made)
{
	enum db_status st;

	*made = NULL;
	if ((st = db_begin(db)) != DB_OK)
		return st;
	st = make_in(db, threshold, family, reason, skip_unchanged, made);
	if (st == DB_OK)
		st = db_commit(db);
	else
		db_rollback(db);
	if (st != DB_OK) {
		json_decref(*made);
		*made = NULL;
	}
	return st;
}

enum db_status demo_releases_families(struct db_conn *db, const char *dataset, PGresult **out)
{
	return db_exec(db, "demo_rel_families", 1, &dataset, out);
}
