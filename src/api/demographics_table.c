/*
 * demographics_table.c - building and suppressing a demographics table.
 */
#include "api/demographics_table.h"

#include <stdlib.h>
#include <string.h>

#include "domain/disclosure.h"

const struct db_statement demo_table_statements[] = {
	{ "demo_table_areas",
	  "SELECT a.code, a.name, a.kind, a.parent_code, t.count FROM demographic_totals t"
	  " JOIN areas a ON a.code = t.area_code"
	  " WHERE t.dataset_id = $1 AND t.characteristic_code = $2 ORDER BY a.code", 2 },
	{ "demo_table_categories",
	  "SELECT code, name, parent_code FROM categories WHERE characteristic_code = $1"
	  " ORDER BY sort_order, code", 1 },
	{ "demo_table_counts",
	  "SELECT area_code, category_code, count FROM demographic_counts"
	  " WHERE dataset_id = $1 AND characteristic_code = $2", 2 },
};
const size_t demo_table_nstatements = sizeof(demo_table_statements) / sizeof(demo_table_statements[0]);

long demo_table_area(const struct demo_table *t, const char *code)
{
	size_t lo = 0, hi = t->nareas;

	/* Areas are sorted by code (the statement orders them). */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->areas[mid].code, code);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

long demo_table_category(const struct demo_table *t, const char *code)
{
	for (size_t i = 0; i < t->ncats; i++)
		if (strcmp(t->cats[i].code, code) == 0)
			return (long)i;
	return -1;
}

void demo_table_release(struct demo_table *t)
{
	free(t->areas);
	free(t->cats);
	free(t->values);
	free(t->suppressed);
	PQclear(t->rows_areas);
	PQclear(t->rows_cats);
	PQclear(t->rows_counts);
	memset(t, 0, sizeof(*t));
}

/*
 * The additive structure of the table, as constraints for disclosure_apply:
 *  - in each area, the total is the sum of the top-level categories;
 *  - in each area, a parent category is the sum of its children;
 *  - for each category (and the total), an area with sub-areas in the table
 *    (the borough) is the sum of them (the wards).
 * A constraint is only stated when all of its cells are present.
 */
int demo_table_suppress(struct demo_table *t, unsigned threshold)
{
	size_t ncells = t->nareas * t->ncats;
	size_t maxc = t->nareas * t->ncats + t->ncats * t->nareas + 1;
	struct disclosure_constraint *cons = calloc(maxc, sizeof(*cons));
	size_t *parts = calloc(ncells * 3 + 1, sizeof(*parts));
	size_t ncons = 0, used = 0;
	int rc = -1;

#define CELL(a, c) ((a) * t->ncats + (c))
	if (!cons || !parts)
		goto done;
	for (size_t a = 0; a < t->nareas; a++) {
		for (size_t p = 0; p < t->ncats; p++) {
			size_t start = used;
			bool complete = t->values[CELL(a, p)] >= 0, any = false;

			for (size_t c = 1; c < t->ncats; c++) {
				bool child = p == 0 ? t->cats[c].parent_index < 0
						    : t->cats[c].parent_index == (long)p;

				if (!child)
					continue;
				any = true;
				if (t->values[CELL(a, c)] < 0)
					complete = false;
				parts[used++] = CELL(a, c);
			}
			if (!any || !complete) {
				used = start;
				continue;
			}
			cons[ncons].total = CELL(a, p);
			cons[ncons].parts = parts + start;
			cons[ncons].nparts = used - start;
			ncons++;
		}
	}
	for (size_t a = 0; a < t->nareas; a++) {
		for (size_t c = 0; c < t->ncats; c++) {
			size_t start = used;
			bool complete = t->values[CELL(a, c)] >= 0;

			for (size_t w = 0; w < t->nareas; w++) {
				if (!t->areas[w].parent || strcmp(t->areas[w].parent, t->areas[a].code) != 0)
					continue;
				if (t->values[CELL(w, c)] < 0)
					complete = false;
				parts[used++] = CELL(w, c);
			}
			if (used == start || !complete) {
				used = start;
				continue;
			}
			cons[ncons].total = CELL(a, c);
			cons[ncons].parts = parts + start;
			cons[ncons].nparts = used - start;
			ncons++;
		}
	}
#undef CELL
	{
		/* Absent cells take part in no constraint; give the pure function
		 * zeros for them and never publish them. */
		int64_t *vals = malloc((ncells + 1) * sizeof(*vals));

		if (!vals)
			goto done;
		for (size_t i = 0; i < ncells; i++)
			vals[i] = t->values[i] < 0 ? 0 : t->values[i];
		rc = disclosure_apply(vals, ncells, cons, ncons, (int)threshold, t->suppressed);
		free(vals);
	}
done:
	free(cons);
	free(parts);
	return rc;
}

enum db_status demo_table_load(struct db_conn *db, const char *dataset_id,
			       const char *characteristic, unsigned threshold,
			       struct demo_table *t)
{
	const char *p2[2] = { dataset_id, characteristic };
	enum db_status st;
	int n;

	memset(t, 0, sizeof(*t));
	t->characteristic = characteristic;
	if ((st = db_exec(db, "demo_table_areas", 2, p2, &t->rows_areas)) != DB_OK ||
	    (st = db_exec(db, "demo_table_categories", 1, &characteristic, &t->rows_cats)) != DB_OK ||
	    (st = db_exec(db, "demo_table_counts", 2, p2, &t->rows_counts)) != DB_OK)
		return st;

	t->nareas = (size_t)PQntuples(t->rows_areas);
	t->ncats = (size_t)PQntuples(t->rows_cats) + 1;
	t->areas = calloc(t->nareas + 1, sizeof(*t->areas));
	t->cats = calloc(t->ncats, sizeof(*t->cats));
	t->values = malloc((t->nareas * t->ncats + 1) * sizeof(*t->values));
	t->suppressed = calloc(t->nareas * t->ncats + 1, sizeof(*t->suppressed));
	if (!t->areas || !t->cats || !t->values || !t->suppressed)
		return DB_ERROR;

	t->cats[0].code = DEMO_TOTAL_CODE;
	t->cats[0].name = "Total";
	t->cats[0].parent = NULL;
	t->cats[0].parent_index = -1;
	for (size_t c = 1; c < t->ncats; c++) {
		t->cats[c].code = PQgetvalue(t->rows_cats, (int)c - 1, 0);
		t->cats[c].name = PQgetvalue(t->rows_cats, (int)c - 1, 1);
		t->cats[c].parent = db_get_text(t->rows_cats, (int)c - 1, 2);
	}
	for (size_t c = 1; c < t->ncats; c++)
		t->cats[c].parent_index = t->cats[c].parent ? demo_table_category(t, t->cats[c].parent) : -1;

	for (size_t i = 0; i < t->nareas * t->ncats; i++)
		t->values[i] = -1;
	for (size_t a = 0; a < t->nareas; a++) {
		t->areas[a].code = PQgetvalue(t->rows_areas, (int)a, 0);
		t->areas[a].name = PQgetvalue(t->rows_areas, (int)a, 1);
		t->areas[a].kind = PQgetvalue(t->rows_areas, (int)a, 2);
		t->areas[a].parent = db_get_text(t->rows_areas, (int)a, 3);
		t->values[a * t->ncats] = db_get_ll(t->rows_areas, (int)a, 4);
	}
	n = PQntuples(t->rows_counts);
	for (int i = 0; i < n; i++) {
		long a = demo_table_area(t, PQgetvalue(t->rows_counts, i, 0));
		long c = demo_table_category(t, PQgetvalue(t->rows_counts, i, 1));

		if (a >= 0 && c > 0)
			t->values[(size_t)a * t->ncats + (size_t)c] = db_get_ll(t->rows_counts, i, 2);
	}
	return demo_table_suppress(t, threshold) == 0 ? DB_OK : DB_ERROR;
}
