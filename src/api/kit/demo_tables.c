/*
 * demo_tables.c - loading, suppressing and memoising demographics tables.
 */
#include "api/kit/demo_tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/kit/table_memo.h"
#include "config.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"

const struct db_statement demo_tables_statements[] = {
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
	/* The linked data sets of $1 that hold characteristic $2: the
	 * population it is a subset of (or itself) first, then that
	 * population's subsets (protection across nested populations). */
	{ "demo_table_family",
	  "SELECT d.id, d.subset_of IS NULL FROM datasets me"
	  " JOIN datasets d ON d.slug = coalesce(me.subset_of, me.slug)"
	  " OR d.subset_of = coalesce(me.subset_of, me.slug)"
	  " WHERE me.id = $1 AND EXISTS (SELECT 1 FROM demographic_totals t"
	  " WHERE t.dataset_id = d.id AND t.characteristic_code = $2)"
	  " ORDER BY d.subset_of IS NOT NULL, d.id", 2 },
	/* The latest demographics release of $1's family (migrations/0020:
	 * the key is the family's whole population). */
	{ "demo_table_release",
	  "SELECT r.cells::text FROM datasets d JOIN releases r ON r.statistic = 'demographics'"
	  " AND r.key = coalesce(d.subset_of, d.slug) WHERE d.id = $1 ORDER BY r.version DESC LIMIT 1", 1 },
};
const size_t demo_tables_nstatements = sizeof(demo_tables_statements) / sizeof(demo_tables_statements[0]);

static void loaded_free(void *v)
{
	struct demo_loaded *l = v;

	if (!l)
		return;
	demo_table_release(&l->t);
	PQclear(l->areas);
	PQclear(l->cats);
	PQclear(l->counts);
	free(l->characteristic);
	free(l);
}

static struct memo tables = MEMO_INIT(loaded_free);

static int fill(struct demo_loaded *l)
{
	struct demo_table *t = &l->t;

	if (demo_table_alloc(t, l->characteristic, (size_t)PQntuples(l->areas),
			     (size_t)PQntuples(l->cats)) != 0)
		return -1;
	for (size_t c = 1; c < t->ncats; c++)
		t->cats[c] = (struct demo_category){ PQgetvalue(l->cats, (int)c - 1, 0),
			PQgetvalue(l->cats, (int)c - 1, 1), db_get_text(l->cats, (int)c - 1, 2), -1 };
	demo_table_link_parents(t);
	for (size_t a = 0; a < t->nareas; a++) {
		t->areas[a] = (struct demo_area){ PQgetvalue(l->areas, (int)a, 0),
			PQgetvalue(l->areas, (int)a, 1), PQgetvalue(l->areas, (int)a, 2),
			db_get_text(l->areas, (int)a, 3) };
		t->values[a * t->ncats] = db_get_ll(l->areas, (int)a, 4);
	}
	for (int i = 0; i < PQntuples(l->counts); i++)
		(void)demo_table_set(t, PQgetvalue(l->counts, i, 0), PQgetvalue(l->counts, i, 1),
				     db_get_ll(l->counts, i, 2));
	return 0;
}

struct which {
	const char *dataset_id, *characteristic;
	const struct release_view *view;   /* NULL: the latest release */
};

enum db_status demo_tables_load(struct db_conn *db, const char *dataset_id, const char *characteristic,
				struct demo_loaded **out)
{
	struct demo_loaded *l = calloc(1, sizeof(*l));
	const char *p2[2] = { dataset_id, NULL };
	enum db_status st = DB_ERROR;

	*out = NULL;
	if (!l || !(l->characteristic = strdup(characteristic)))
		goto fail;
	p2[1] = l->characteristic;
	{
		/* The three in one round trip. */
		const struct db_call calls[3] = {
			{ "demo_table_areas", 2, p2, &l->areas },
			{ "demo_table_categories", 1, &p2[1], &l->cats },
			{ "demo_table_counts", 2, p2, &l->counts },
		};

		if ((st = db_exec_batch(db, calls, 3)) != DB_OK)
			goto fail;
	}
	if (fill(l) != 0) {
		st = DB_ERROR;
		goto fail;
	}
	*out = l;
	return DB_OK;
fail:
	loaded_free(l);
	return st;
}

void demo_tables_loaded_free(struct demo_loaded *l)
{
	loaded_free(l);
}

/* One data set's table, filled and not yet suppressed; NULL after responding. */
static struct demo_loaded *load(struct request *req, struct response *res, const char *dataset_id,
				const char *characteristic)
{
	struct demo_loaded *l = NULL;

	if (!request_db_or_respond(req, res) ||
	    api_status_or_respond(res, demo_tables_load(req->db, dataset_id, characteristic, &l)))
		return NULL;
	return l;
}

#define FAMILY_MAX 8

/*
 * The table of w, suppressed together with its linked data sets: every
 * member of a family builds the same problem, so all agree on each cell.
 * A family whose first member is not the whole population (it lacks the
 * characteristic) has nothing to link: w is suppressed alone.
 */
static void *build_live(struct request *req, struct response *res, const struct which *w)
{
	struct demo_loaded *family[FAMILY_MAX] = { NULL };
	struct demo_table *members[FAMILY_MAX];
	const char *p2[2] = { w->dataset_id, w->characteristic };
	PGresult *ids = NULL;
	struct demo_loaded *mine = NULL;
	size_t n = 0;
	bool linked;

	if (!request_db_or_respond(req, res) ||
	    api_exec_or_respond(req, res, "demo_table_family", 2, p2, &ids))
		goto done;
	linked = PQntuples(ids) > 1 && PQntuples(ids) <= FAMILY_MAX &&
		 strcmp(PQgetvalue(ids, 0, 1), "t") == 0;
	for (int i = 0; linked && i < PQntuples(ids); i++) {
		if (!(family[n] = load(req, res, PQgetvalue(ids, i, 0), w->characteristic)))
			goto done;
		members[n] = &family[n]->t;
		if (strcmp(PQgetvalue(ids, i, 0), w->dataset_id) == 0)
			mine = family[n];
		n++;
	}
	if (!mine) {
		/* Not linked (or not found among its family): alone. */
		for (size_t i = 0; i < n; i++)
			loaded_free(family[i]);
		n = 0;
		if (!(family[n] = load(req, res, w->dataset_id, w->characteristic)))
			goto done;
		members[n] = &family[n]->t;
		mine = family[n++];
	}
	if (demo_table_suppress_linked(members, n, req->cfg->suppress_below) != 0) {
		problem_send_internal(res);
		mine = NULL;
	}
done:
	for (size_t i = 0; i < n; i++)
		if (family[i] != mine)
			loaded_free(family[i]);
	PQclear(ids);
	return mine;
}

/* ---- a release's table ------------------------------------------------------ */

/* Member `id` of a stored problem's about (demo_releases.c), and the
 * index of its first cell in the problem; NULL when not a member. */
static const json_t *member_of(const json_t *about, const char *id, size_t *base)
{
	const json_t *m;
	size_t k;

	*base = 0;
	json_array_foreach(json_object_get(about, "members"), k, m) {
		size_t n = json_array_size(json_object_get(m, "areas")) * json_array_size(json_object_get(m, "categories"));

		if (strcmp(json_string_value(json_object_get(m, "id")) ? json_string_value(json_object_get(m, "id")) : "", id) == 0)
			return m;
		*base += n;
	}
	return NULL;
}

/* The cells of one member, by code, into t; a cell the release does not
 * publish at all stays absent.  -1 when memory runs out. */
static int overlay_member(struct demo_table *t, const json_t *cells, const char *name, const json_t *m,
			  size_t base)
{
	const json_t *stored = json_object_get(json_object_get(cells, name), "values");
	const json_t *areas = json_object_get(m, "areas"), *cats = json_object_get(m, "categories");
	size_t n = json_array_size(stored), nc = json_array_size(cats);
	int64_t *values = calloc(n + 1, sizeof(*values));
	bool *withheld = calloc(2 * n + 1, sizeof(*withheld)), *absent = withheld + n;
	int rc = -1;

	if (!values || !withheld || !releases_cells_table(cells, name, n, values, withheld, absent))
		goto done;
	for (size_t a = 0; a < json_array_size(areas); a++) {
		long ta = demo_table_area(t, json_string_value(json_array_get(areas, a)) ?
					  json_string_value(json_array_get(areas, a)) : "");

		for (size_t c = 0; ta >= 0 && c < nc; c++) {
			const char *code = json_string_value(json_array_get(cats, c));
			long tc = code ? demo_table_category(t, code) : -1;
			size_t cell = base + a * nc + c;

			if (tc < 0 || cell >= n || absent[cell])
				continue;
			t->values[(size_t)ta * t->ncats + (size_t)tc] = values[cell];
			t->suppressed[(size_t)ta * t->ncats + (size_t)tc] = withheld[cell];
		}
	}
	rc = 0;
done:
	free(values);
	free(withheld);
	return rc;
}

/* Before the release's cells are laid on: every cell absent. */
static void blank(struct demo_table *t)
{
	for (size_t i = 0; i < t->nareas * t->ncats; i++) {
		t->values[i] = -1;
		t->suppressed[i] = true;
	}
}

/*
 * A release decided at a lower threshold than this service's (made by a
 * CLI set otherwise): its problem's members as released, withheld more
 * at this threshold (demo_table_suppress_linked_more), so that no count
 * under the threshold the meta states is published.  mine: w's table,
 * already laid on.  0, or -1 after a problem.
 */
static int raise_threshold(struct request *req, struct response *res, const struct which *w,
			   const json_t *cells, const char *name, const json_t *about, struct demo_loaded *mine)
{
	struct demo_loaded *others[FAMILY_MAX] = { NULL };
	struct demo_table *members[FAMILY_MAX];
	const json_t *m;
	size_t k, n = 0, base = 0;
	int rc = -1;

	json_array_foreach(json_object_get(about, "members"), k, m) {
		const char *id = json_string_value(json_object_get(m, "id"));
		struct demo_loaded *l = mine;

		if (n == FAMILY_MAX || !id)
			goto internal;
		if (strcmp(id, w->dataset_id) != 0) {
			if (!(l = others[n] = load(req, res, id, w->characteristic)))
				goto done;
			blank(&l->t);
			if (overlay_member(&l->t, cells, name, m, base) != 0)
				goto internal;
		}
		members[n++] = &l->t;
		base += json_array_size(json_object_get(m, "areas")) * json_array_size(json_object_get(m, "categories"));
	}
	if (demo_table_suppress_linked_more(members, n, req->cfg->suppress_below) == 0) {
		rc = 0;
		goto done;
	}
internal:
	problem_send_internal(res);
done:
	for (size_t i = 0; i < FAMILY_MAX; i++)
		loaded_free(others[i]);
	return rc;
}

/*
 * The table of w as release cells publishes it: its values and withheld
 * flags, decided when the release was made, never a live suppression.
 * The live table lends the areas' and categories' names; a cell the
 * release did not hold (a characteristic imported since) is absent.
 */
static void *build_released(struct request *req, struct response *res, const struct which *w,
			    const json_t *cells)
{
	struct demo_loaded *l = load(req, res, w->dataset_id, w->characteristic);
	const char *name;
	const json_t *table;

	if (!l)
		return NULL;
	blank(&l->t);
	json_object_foreach((json_t *)cells, name, table) {
		const json_t *about = json_object_get(table, "about"), *m;
		const char *ch = json_string_value(json_object_get(about, "characteristic"));
		size_t base;

		if (!ch || strcmp(ch, w->characteristic) != 0 || !(m = member_of(about, w->dataset_id, &base)))
			continue;
		if (overlay_member(&l->t, cells, name, m, base) != 0) {
			problem_send_internal(res);
			goto fail;
		}
		if (json_integer_value(json_object_get(about, "threshold")) < (json_int_t)req->cfg->suppress_below &&
		    raise_threshold(req, res, w, cells, name, about, l) != 0)
			goto fail;
		break;
	}
	return l;
fail:
	loaded_free(l);
	return NULL;
}

/* The latest release of the data set's family, or the live table until
 * the family's first release. */
static void *build_latest(struct request *req, struct response *res, const struct which *w)
{
	PGresult *r = NULL;
	json_t *cells;
	void *t;

	if (!request_db_or_respond(req, res) ||
	    api_exec_or_respond(req, res, "demo_table_release", 1, &w->dataset_id, &r))
		return NULL;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return build_live(req, res, w);
	}
	cells = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
	PQclear(r);
	if (!cells) {
		problem_send_internal(res);
		return NULL;
	}
	t = build_released(req, res, w, cells);
	json_decref(cells);
	return t;
}

static void *build(struct request *req, struct response *res, void *arg)
{
	const struct which *w = arg;

	if (!w->view)
		return build_latest(req, res, w);
	if (w->view->live)
		return build_live(req, res, w);
	return build_released(req, res, w, w->view->cells);
}

int demo_tables_get_or_respond(struct request *req, struct response *res, const char *dataset_id,
			       const char *characteristic, const struct release_view *view,
			       struct memo_ref *ref)
{
	struct which w = { dataset_id, characteristic, view };
	char name[MEMO_KEY_MAX], which[32];

	demo_tables_which(view, which, sizeof(which));
	snprintf(name, sizeof(name), "%s|%s|%s", dataset_id, characteristic, which);
	if (table_memo_get_or_respond(&tables, req, res, DATA_DEMOGRAPHICS | DATA_REFERENCE, name,
				      build, &w, ref) != 0)
		return -1;
	ref->value = &((struct demo_loaded *)ref->value)->t;
	return 0;
}

void demo_tables_which(const struct release_view *view, char *buf, size_t n)
{
	if (!view)
		snprintf(buf, n, "latest");
	else if (view->live)
		snprintf(buf, n, "live");
	else
		snprintf(buf, n, "r%lld", (long long)json_integer_value(json_object_get(view->meta, "id")));
}

void demo_tables_release(struct memo_ref *ref)
{
	memo_release(&tables, ref);
}
