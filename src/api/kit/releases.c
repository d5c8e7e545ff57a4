/*
 * releases.c - making releases and resolving `release=` (see releases.h).
 */
#include "api/kit/releases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "config.h"
#include "domain/organisation.h"
#include "domain/release.h"
#include "http/auth.h"
#include "http/request.h"
#include "http/response.h"

/* Earlier releases a new one is decided with: a year of monthly releases
 * and more.  Older ones published nothing these do not repeat, unless a
 * cell changed and changed back, which the newer ones then show. */
#define PRIORS_MAX 24
/* The change log lists at most this many changed cells by name. */
#define CHANGED_MAX 500

const struct db_statement releases_statements[RELEASES_NSTATEMENTS] = {
	/* Two makes of one subject at once would both be version n + 1. */
	{ "rel_lock", "SELECT pg_advisory_xact_lock(hashtext('releases|' || $1 || '|' || $2))", 2 },
	{ "rel_priors",
	  "SELECT version, layout, cells::text FROM releases WHERE statistic = $1 AND key = $2"
	  " ORDER BY version DESC LIMIT 24", 2 },
	{ "rel_insert",
	  "INSERT INTO releases (statistic, key, version, reason, layout, cells, changes)"
	  " VALUES ($1, $2, $3::int, $4, $5, $6::jsonb, $7::jsonb) RETURNING release_json(releases, true)::text", 7 },
	{ "rel_latest",
	  "SELECT id, version, release_made_at(made_at), layout, cells::text FROM releases"
	  " WHERE statistic = $1 AND key = $2 ORDER BY version DESC LIMIT 1", 2 },
	{ "rel_pick",
	  "SELECT id, version, release_made_at(made_at), layout, cells::text FROM releases"
	  " WHERE id = $1::bigint AND statistic = $2 AND key = $3", 3 },
	/* GET /v1/releases, newest first: $1 statistic, $2 key, $3 the last
	 * row's id, $4 limit + 1. */
	{ "rel_list",
	  "SELECT release_json(r, false)::text, r.id FROM releases r"
	  " WHERE ($1::text IS NULL OR r.statistic = $1) AND ($2::text IS NULL OR r.key = $2)"
	  " AND ($3::bigint IS NULL OR r.id < $3) ORDER BY r.id DESC LIMIT $4", 4 },
	{ "rel_get", "SELECT release_json(r, true)::text FROM releases r WHERE r.id = $1::bigint", 1 },
};

/* ---- the stored form ------------------------------------------------------- */

/* absent (may be NULL): the cells listed as not published at all. */
static bool table_from(const json_t *cells, const char *name, size_t ncells, int64_t *values,
		       bool *withheld, bool *absent)
{
	const json_t *t = json_object_get(cells, name);
	const json_t *vs = json_object_get(t, "values"), *ws = json_object_get(t, "withheld"), *a;
	size_t k;

	if (json_array_size(vs) != ncells || json_array_size(ws) != ncells)
		return false;
	for (size_t i = 0; i < ncells; i++) {
		values[i] = json_integer_value(json_array_get(vs, i));
		withheld[i] = json_is_true(json_array_get(ws, i));
		if (absent)
			absent[i] = false;
	}
	json_array_foreach(absent ? json_object_get(t, "absent") : NULL, k, a)
		if ((size_t)json_integer_value(a) < ncells)
			absent[json_integer_value(a)] = true;
	return true;
}

static json_t *table_json(const int64_t *values, const bool *withheld, const bool *absent, size_t ncells)
{
	json_t *vs = json_array(), *ws = json_array(), *as = json_array();

	for (size_t i = 0; vs && ws && as && i < ncells; i++)
		if (json_array_append_new(vs, json_integer(values[i])) ||
		    json_array_append_new(ws, json_boolean(withheld[i])) ||
		    (absent && absent[i] && json_array_append_new(as, json_integer((json_int_t)i))))
			break;
	return json_pack("{s:o*, s:o*, s:o*}", "values", vs, "withheld", ws, "absent", as);
}

/* ---- making one ------------------------------------------------------------- */

/* The earlier releases' copies of one table (each one's arrays ncells long). */
struct priors {
	struct release_prior *items;
	int64_t *values;
	bool *withheld;   /* and absent, after n * ncells_json of them */
	size_t n;
	bool newest;   /* items[0] is the previous version's */
};

static void priors_release(struct priors *p)
{
	free(p->items);
	free(p->values);
	free(p->withheld);
}

static int priors_load(struct priors *p, const struct release_table *t, json_t *const *cells,
		       size_t ncells_json)
{
	size_t n = t->ncells;

	p->items = calloc(ncells_json + 1, sizeof(*p->items));
	p->values = calloc(n * ncells_json + 1, sizeof(*p->values));
	p->withheld = calloc(2 * n * ncells_json + 1, sizeof(*p->withheld));
	if (!p->items || !p->values || !p->withheld)
		return -1;
	for (size_t k = 0; k < ncells_json; k++) {
		int64_t *v = p->values + p->n * n;
		bool *w = p->withheld + p->n * n, *a = p->withheld + (ncells_json + p->n) * n;

		if (!cells[k] || !table_from(cells[k], t->name, n, v, w, a))
			continue;
		p->newest = p->newest || k == 0;
		p->items[p->n++] = (struct release_prior){ v, w, a };
	}
	return 0;
}

/* Add table t's change against the previous version to the log. */
static void log_changes(json_t *log, const struct release_table *t, const struct priors *p,
			const bool *withheld, bool *changed)
{
	struct release_changes c;
	json_t *names = json_object_get(log, "changed_cells");
	const char *members[4] = { "revised", "newly_withheld", "newly_published", "unchanged" };
	size_t counts[4];

	if (!p->newest) {
		/* New to this release: every cell is published for the first time. */
		memset(&c, 0, sizeof(c));
		for (size_t i = 0; i < t->ncells; i++)
			c.newly_published += !withheld[i];
		c.unchanged = t->ncells - c.newly_published;
		memset(changed, 0, t->ncells * sizeof(*changed));
	} else {
		release_compare(p->items[0].values, p->items[0].withheld, t->values, withheld, t->ncells,
				changed, &c);
	}
	counts[0] = c.revised;
	counts[1] = c.newly_withheld;
	counts[2] = c.newly_published;
	counts[3] = c.unchanged;
	for (int k = 0; k < 4; k++)
		json_object_set_new(log, members[k], json_integer(json_integer_value(json_object_get(log, members[k])) +
								   (json_int_t)counts[k]));
	for (size_t i = 0; i < t->ncells && json_array_size(names) < CHANGED_MAX; i++)
		if (changed[i])
			json_array_append_new(names, json_sprintf("%s#%zu", t->name, i));
}

/* Decide table t with its earlier copies; its stored form into cells and
 * its changes into log.  0, or -1 when memory runs out. */
static int decide(const struct release_table *t, json_t *const *prior_cells, size_t nprior,
		  int threshold, json_t *cells, json_t *log)
{
	struct priors p = { 0 };
	bool *withheld = calloc(t->ncells + 1, sizeof(*withheld));
	bool *changed = calloc(t->ncells + 1, sizeof(*changed));
	json_t *stored;
	int rc = -1;

	if (!withheld || !changed || priors_load(&p, t, prior_cells, nprior) != 0)
		goto done;
	if (t->withhold_all)
		memset(withheld, 1, t->ncells * sizeof(*withheld));
	else if (release_suppress(t->values, t->ncells, t->constraints, t->nconstraints, t->known, threshold,
				  p.items, p.n, withheld) != 0)
		goto done;
	for (size_t i = 0; t->absent && i < t->ncells; i++)
		withheld[i] = withheld[i] || t->absent[i];
	log_changes(log, t, &p, withheld, changed);
	stored = table_json(t->values, withheld, t->absent, t->ncells);
	if (stored && t->about)
		json_object_set(stored, "about", (json_t *)t->about);
	if (json_object_set_new(cells, t->name, stored) == 0)
		rc = 0;
done:
	priors_release(&p);
	free(withheld);
	free(changed);
	return rc;
}

/* The earlier releases of this layout, newest first (NULL for one of
 * another layout: not compared); -1 when one does not parse. */
static int prior_cells_load(const PGresult *r, const char *layout, json_t **out, int *version)
{
	*version = PQntuples(r) ? atoi(PQgetvalue(r, 0, 0)) : 0;
	for (int i = 0; i < PQntuples(r) && i < PRIORS_MAX; i++) {
		if (strcmp(PQgetvalue(r, i, 1), layout) != 0)
			continue;
		if (!(out[i] = json_loads(PQgetvalue(r, i, 2), 0, NULL)))
			return -1;
	}
	return 0;
}

/* Does the newest earlier release (prior, of this layout) hold exactly
 * these tables with these values?  Then a new one would say nothing new. */
static bool same_as(const json_t *prior, const struct release_table *tables, size_t ntables)
{
	if (!prior || json_object_size(prior) != ntables)
		return false;
	for (size_t t = 0; t < ntables; t++) {
		const json_t *vs = json_object_get(json_object_get(prior, tables[t].name), "values");

		if (json_array_size(vs) != tables[t].ncells)
			return false;
		for (size_t i = 0; i < tables[t].ncells; i++)
			if (json_integer_value(json_array_get(vs, i)) != tables[t].values[i])
				return false;
	}
	return true;
}

/* The change log's start: every count 0, nothing named. */
static json_t *log_new(int version)
{
	return json_pack("{s:o, s:i, s:i, s:i, s:i, s:[]}",
			 "previous_version", version ? json_integer(version) : json_null(),
			 "revised", 0, "newly_withheld", 0, "newly_published", 0, "unchanged", 0, "changed_cells");
}

enum db_status releases_make(struct db_conn *db, int threshold, const struct release_subject *subject,
			     const char *reason, const struct release_table *tables, size_t ntables,
			     bool skip_unchanged, json_t **made_json)
{
	const char *p2[2] = { subject->statistic, subject->key };
	PGresult *prior = NULL, *made = NULL;
	json_t *prior_cells[PRIORS_MAX] = { NULL }, *cells = json_object(), *log = NULL;
	char *cells_text = NULL, *log_text = NULL, version_text[16];
	int version = 0;
	size_t nprior;
	enum db_status st;

	*made_json = NULL;
	if ((st = db_exec(db, "rel_lock", 2, p2, NULL)) != DB_OK || (st = db_exec(db, "rel_priors", 2, p2, &prior)) != DB_OK)
		goto done;
	st = DB_ERROR;
	if (!cells || prior_cells_load(prior, subject->layout, prior_cells, &version) != 0)
		goto done;
	if (skip_unchanged && same_as(prior_cells[0], tables, ntables)) {
		st = DB_OK;
		goto done;
	}
	nprior = (size_t)PQntuples(prior) < PRIORS_MAX ? (size_t)PQntuples(prior) : PRIORS_MAX;
	log = log_new(version);
	for (size_t t = 0; log && t < ntables; t++)
		if (decide(&tables[t], prior_cells, nprior, threshold, cells, log) != 0)
			goto done;
	snprintf(version_text, sizeof(version_text), "%d", version + 1);
	if (!log || !(cells_text = json_dumps(cells, JSON_COMPACT)) || !(log_text = json_dumps(log, JSON_COMPACT)))
		goto done;
	{
		const char *p[7] = { subject->statistic, subject->key, version_text, reason, subject->layout,
				     cells_text, log_text };

		if ((st = db_exec(db, "rel_insert", 7, p, &made)) != DB_OK)
			goto done;
	}
	st = PQntuples(made) == 1 && (*made_json = json_loads(PQgetvalue(made, 0, 0), 0, NULL)) ? DB_OK : DB_ERROR;
done:
	for (size_t i = 0; i < PRIORS_MAX; i++)
		json_decref(prior_cells[i]);
	json_decref(cells);
	json_decref(log);
	free(cells_text);
	free(log_text);
	PQclear(prior);
	PQclear(made);
	return st;
}

int releases_make_or_respond(struct request *req, struct response *res,
			     const struct release_subject *subject, const char *reason,
			     const struct release_table *tables, size_t ntables, json_t **made)
{
	if (!request_db_or_respond(req, res))
		return -1;
	return api_status_or_respond(res, releases_make(req->db, (int)req->cfg->suppress_below, subject,
							reason, tables, ntables, false, made));
}

void releases_make_respond(struct request *req, struct response *res,
			   const struct release_subject *subject, const char *reason,
			   const struct release_table *tables, size_t ntables)
{
	json_t *made = NULL;

	if (releases_make_or_respond(req, res, subject, reason, tables, ntables, &made) != 0)
		return;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s/%s v%lld", subject->statistic,
		 subject->key, (long long)json_integer_value(json_object_get(made, "version")));
	response_json(res, 201, made);
}

/* ---- reading one ------------------------------------------------------------ */

/* `live`: a council key's, answered privately. */
static int live_or_respond(struct request *req, struct response *res, const char *live_scopes,
			   struct release_view *v)
{
	if (auth_check_or_respond(req, res, live_scopes) != 0)
		return -1;
	if (!organisation_kind_is_council(req->auth.org_kind)) {
		problem_send(res, 403, "forbidden", "Forbidden",
			     "Live figures are for the council's keys: leave out release= for the latest release.");
		return -1;
	}
	res->no_store = true;
	res->cache_control = "private, no-store";
	v->live = true;
	v->meta = json_null();
	return 0;
}

int releases_view_or_respond(struct request *req, struct response *res,
			     const struct release_subject *subject, const char *live_scopes,
			     struct release_view *v)
{
	const char *which = NULL;
	PGresult *r = NULL;
	int rc = -1;

	memset(v, 0, sizeof(*v));
	if (request_single_or_respond(req, res, "release", &which))
		return -1;
	if (which && strcmp(which, "live") == 0)
		return live_or_respond(req, res, live_scopes, v);
	if (!which || strcmp(which, "latest") == 0) {
		const char *p[2] = { subject->statistic, subject->key };

		if (api_exec_or_respond(req, res, "rel_latest", 2, p, &r))
			return -1;
	} else {
		const char *p[3] = { which, subject->statistic, subject->key };

		if (api_exec_or_respond(req, res, "rel_pick", 3, p, &r))
			return -1;
	}
	if (PQntuples(r) == 0 && which && strcmp(which, "latest") != 0) {
		problem_send(res, 404, "not-found", "Not found",
			     "There is no release of this statistic with that id: see /v1/releases.");
		goto done;
	}
	if (PQntuples(r) == 0) {
		/* Nothing released yet: the live table, until the first release. */
		v->live = true;
		v->meta = json_null();
		rc = 0;
		goto done;
	}
	snprintf(v->layout, sizeof(v->layout), "%s", PQgetvalue(r, 0, 3));
	v->meta = json_pack("{s:I, s:i, s:s}", "id", (json_int_t)db_get_ll(r, 0, 0),
			    "version", (int)db_get_ll(r, 0, 1), "made_at", PQgetvalue(r, 0, 2));
	v->cells = json_loads(PQgetvalue(r, 0, 4), 0, NULL);
	if (!v->meta || !v->cells) {
		problem_send_internal(res);
		releases_view_release(v);
		goto done;
	}
	rc = 0;
done:
	PQclear(r);
	return rc;
}

bool releases_view_table(const struct release_view *v, const char *name, size_t ncells,
			 int64_t *values, bool *withheld)
{
	return v->cells && table_from(v->cells, name, ncells, values, withheld, NULL);
}

bool releases_cells_table(const json_t *cells, const char *name, size_t ncells, int64_t *values,
			  bool *withheld, bool *absent)
{
	return cells && table_from(cells, name, ncells, values, withheld, absent);
}

void releases_list_respond(struct request *req, struct response *res, json_t *data, json_t *meta,
			   json_t *release, const struct csv_column *columns, size_t ncolumns)
{
	if (!data || !meta || json_object_set(meta, "release", release)) {
		json_decref(data);
		json_decref(meta);
		problem_send_internal(res);
		return;
	}
	response_list(req, res, data, meta, NULL, columns, ncolumns);
}

const json_t *releases_view_about(const struct release_view *v, const char *name)
{
	return json_object_get(json_object_get(v->cells, name), "about");
}

void releases_view_release(struct release_view *v)
{
	json_decref(v->meta);
	json_decref(v->cells);
	v->meta = v->cells = NULL;
}
