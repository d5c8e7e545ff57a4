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
};
const size_t demo_tables_nstatements = sizeof(demo_tables_statements) / sizeof(demo_tables_statements[0]);

/* A table and the results whose strings it borrows. */
struct loaded {
	struct demo_table t;
	char *characteristic;
	PGresult *areas, *cats, *counts;
};

static void loaded_free(void *v)
{
	struct loaded *l = v;

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

static int fill(struct loaded *l)
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
};

/* One data set's table, filled and not yet suppressed; NULL after responding. */
static struct loaded *load(struct request *req, struct response *res, const char *dataset_id,
			   const char *characteristic)
{
	struct loaded *l = calloc(1, sizeof(*l));
	const char *p2[2] = { dataset_id, NULL };

	if (!l || !(l->characteristic = strdup(characteristic))) {
		problem_send_internal(res);
		goto fail;
	}
	p2[1] = l->characteristic;
	{
		/* The three in one round trip. */
		const struct db_call calls[3] = {
			{ "demo_table_areas", 2, p2, &l->areas },
			{ "demo_table_categories", 1, &p2[1], &l->cats },
			{ "demo_table_counts", 2, p2, &l->counts },
		};

		if (!request_db_or_respond(req, res) || api_batch_or_respond(req, res, calls, 3))
			goto fail;
	}
	if (fill(l) != 0) {
		problem_send_internal(res);
		goto fail;
	}
	return l;
fail:
	loaded_free(l);
	return NULL;
}

#define FAMILY_MAX 8

/*
 * The table of w, suppressed together with its linked data sets: every
 * member of a family builds the same problem, so all agree on each cell.
 * A family whose first member is not the whole population (it lacks the
 * characteristic) has nothing to link: w is suppressed alone.
 */
static void *build(struct request *req, struct response *res, void *arg)
{
	const struct which *w = arg;
	struct loaded *family[FAMILY_MAX] = { NULL };
	struct demo_table *members[FAMILY_MAX];
	const char *p2[2] = { w->dataset_id, w->characteristic };
	PGresult *ids = NULL;
	struct loaded *mine = NULL;
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

int demo_tables_get_or_respond(struct request *req, struct response *res, const char *dataset_id,
			       const char *characteristic, struct memo_ref *ref)
{
	struct which w = { dataset_id, characteristic };
	char name[MEMO_KEY_MAX];

	snprintf(name, sizeof(name), "%s|%s", dataset_id, characteristic);
	if (table_memo_get_or_respond(&tables, req, res, DATA_DEMOGRAPHICS | DATA_REFERENCE, name,
				      build, &w, ref) != 0)
		return -1;
	ref->value = &((struct loaded *)ref->value)->t;
	return 0;
}

void demo_tables_release(struct memo_ref *ref)
{
	memo_release(&tables, ref);
}
