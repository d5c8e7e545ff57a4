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
	bool **known;                   /* per problem, NULL: none known */
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
		free(m->known[i]);
	}
	{
		void *arrays[] = { m->known, m->loaded, m->problems, m->tables, m->abouts, m->names };

		for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
			free(arrays[i]);
	}
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

/* ---- what an earlier release of another shape published ---------------- */

/* Index of code in a JSON array of strings, or -1. */
static long index_of(const json_t *codes, const char *code)
{
	for (size_t i = 0; i < json_array_size(codes); i++)
		if (strcmp(json_string_value(json_array_get(codes, i)) ? json_string_value(json_array_get(codes, i)) : "", code) == 0)
			return (long)i;
	return -1;
}

/* The cells of member `mem` (from cell base of the new problem) that old
 * problem `old` (its member `om` from cell obase) published with the same
 * value: known, whatever the new release says. */
static void known_member(bool *known, const struct release_table *t, const json_t *mem, size_t base,
			 const int64_t *ov, const bool *ow, const bool *oa, size_t on, const json_t *om, size_t obase)
{
	const json_t *areas = json_object_get(mem, "areas"), *cats = json_object_get(mem, "categories");
	size_t nc = json_array_size(cats), onc = json_array_size(json_object_get(om, "categories"));

	for (size_t a = 0; a < json_array_size(areas); a++) {
		long oa_i = index_of(json_object_get(om, "areas"), json_string_value(json_array_get(areas, a)));

		for (size_t c = 0; oa_i >= 0 && c < nc; c++) {
			long oc = index_of(json_object_get(om, "categories"), json_string_value(json_array_get(cats, c)));
			size_t cell = base + a * nc + c, ocell = obase + (size_t)oa_i * onc + (size_t)oc;

			if (oc >= 0 && cell < t->ncells && ocell < on && !oa[ocell] && !ow[ocell] &&
			    !t->absent[cell] && ov[ocell] == t->values[cell])
				known[cell] = true;
		}
	}
}

/* Old problem `name` of prior cells, laid over new problem k by member. */
static int known_from(struct making *m, size_t k, const json_t *prior, const char *name, const json_t *oabout)
{
	const json_t *vs = json_object_get(json_object_get(prior, name), "values"), *mem, *om;
	size_t on = json_array_size(vs), i, base = 0;
	int64_t *ov = calloc(on + 1, sizeof(*ov));
	bool *ow = calloc(2 * on + 1, sizeof(*ow));
	int rc = -1;

	if (!ov || !ow || !releases_cells_table(prior, name, on, ov, ow, ow + on))
		goto done;
	json_array_foreach(json_object_get(m->abouts[k], "members"), i, mem) {
		size_t j, obase = 0;

		json_array_foreach(json_object_get(oabout, "members"), j, om) {
			if (json_equal(json_object_get(om, "id"), json_object_get(mem, "id")))
				known_member(m->known[k], &m->tables[k], mem, base, ov, ow, ow + on, on, om, obase);
			obase += json_array_size(json_object_get(om, "areas")) *
				 json_array_size(json_object_get(om, "categories"));
		}
		base += json_array_size(json_object_get(mem, "areas")) * json_array_size(json_object_get(mem, "categories"));
	}
	rc = 0;
done:
	free(ov);
	free(ow);
	return rc;
}

/*
 * A problem whose shape is new (a member imported since, a characteristic
 * linked for the first time) is compared with no earlier release by the
 * releases kit.  But the latest release published some of its cells
 * already, under another shape: those whose values are unchanged are
 * known (domain/release.h), so that this release is decided around them.
 */
static enum db_status known_add(struct db_conn *db, const char *family, struct making *m)
{
	const char *p2[2] = { "demographics", family };
	PGresult *r = NULL;
	json_t *prior = NULL;
	enum db_status st;

	if ((st = db_exec(db, "rel_latest", 2, p2, &r)) != DB_OK)
		return st;
	st = DB_ERROR;
	if (PQntuples(r) == 0 || strcmp(PQgetvalue(r, 0, 3), LAYOUT) != 0) {
		st = DB_OK;
		goto done;
	}
	if (!(prior = json_loads(PQgetvalue(r, 0, 4), 0, NULL)))
		goto done;
	for (size_t k = 0; k < m->n; k++) {
		const char *name, *ch = json_string_value(json_object_get(m->abouts[k], "characteristic"));
		const json_t *old;

		if (json_object_get(prior, m->names[k]))
			continue;   /* the same shape: the kit decides it jointly */
		if (!(m->known[k] = calloc(m->tables[k].ncells + 1, sizeof(bool))))
			goto done;
		json_object_foreach(prior, name, old) {
			const json_t *oabout = json_object_get(old, "about");

			if (json_equal(json_object_get(oabout, "characteristic"), json_object_get(m->abouts[k], "characteristic")) &&
			    ch && known_from(m, k, prior, name, oabout) != 0)
				goto done;
		}
		m->tables[k].known = m->known[k];
	}
	st = DB_OK;
done:
	json_decref(prior);
	PQclear(r);
	return st;
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
	m.known = calloc(rows + 1, sizeof(*m.known));
	st = DB_ERROR;
	if (!m.loaded || !m.problems || !m.tables || !m.abouts || !m.names || !m.known)
		goto done;
	for (size_t i = 0; i < rows; i++)
		if ((st = demo_tables_load(db, PQgetvalue(r, (int)i, M_ID), PQgetvalue(r, (int)i, M_CHAR),
					   &m.loaded[i])) != DB_OK)
			goto done;
	st = DB_ERROR;
	if (problems_add(&m, r) != 0 || (st = known_add(db, family, &m)) != DB_OK)
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
