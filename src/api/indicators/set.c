/*
 * set.c - the indicators and their values, loaded once per request, and
 * the JSON every route of the resource shows them as.
 */
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/indicators/indicators.h"
#include "http/response.h"

void indicator_not_found(struct response *res)
{
	problem_send(res, 404, "not-found", "Not found",
		     "There is no indicator with that code (see /v1/indicators).");
}

void set_release(struct indicator_set *s)
{
	PQclear(s->ind);
	PQclear(s->val);
	free(s->items);
	free(s->points);
	free(s->origins);
	memset(s, 0, sizeof(*s));
}

struct indicator_number set_number_col(const PGresult *r, int row, int col)
{
	struct indicator_number n = { false, 0 };

	if (!PQgetisnull(r, row, col)) {
		n.present = true;
		n.thousandths = db_get_ll(r, row, col);
	}
	return n;
}

int set_point_row(const struct indicator_set *s, const struct indicator_point *pt)
{
	return (int)(pt - s->points);
}

static int points_load(struct indicator_set *s)
{
	int nv = PQntuples(s->val);

	s->points = calloc((size_t)nv + 1, sizeof(*s->points));
	s->origins = calloc((size_t)nv + 1, sizeof(*s->origins));
	if (!s->points || !s->origins)
		return -1;
	for (int i = 0; i < nv; i++) {
		struct indicator_point *x = &s->points[i];

		if (period_parse(PQgetvalue(s->val, i, VC_PERIOD), &x->period) != 0)
			return -1;
		x->target = set_number_col(s->val, i, VC_TARGET);
		x->actual = set_number_col(s->val, i, VC_ACTUAL);
	}
	s->npoints = (size_t)nv;
	return 0;
}

/* Both results are ordered by code, so the values of each indicator
 * follow on from those of the one before. */
static int items_load(struct indicator_set *s)
{
	int ni = PQntuples(s->ind);
	size_t v = 0;

	s->items = calloc((size_t)ni + 1, sizeof(*s->items));
	if (!s->items)
		return -1;
	for (int i = 0; i < ni; i++) {
		struct indicator *ind = &s->items[i];

		ind->row = i;
		ind->code = PQgetvalue(s->ind, i, IC_CODE);
		ind->polarity = indicator_polarity_parse(PQgetvalue(s->ind, i, IC_POLARITY));
		ind->tolerance.kind = indicator_tolerance_kind_parse(PQgetvalue(s->ind, i, IC_TOL_KIND));
		ind->tolerance.amount = db_get_ll(s->ind, i, IC_TOL);
		while (v < s->npoints && strcmp(PQgetvalue(s->val, (int)v, VC_CODE), ind->code) < 0)
			v++;
		ind->points = &s->points[v];
		ind->origins = &s->origins[v];
		while (v < s->npoints && strcmp(PQgetvalue(s->val, (int)v, VC_CODE), ind->code) == 0) {
			ind->npoints++;
			v++;
		}
	}
	s->n = (size_t)ni;
	return 0;
}

int set_load_or_respond(struct request *req, struct response *res, const char *code,
			struct indicator_set *s)
{
	const char *p[1] = { code };

	memset(s, 0, sizeof(*s));
	if (api_exec_or_respond(req, res, "ind_all", 1, p, &s->ind) ||
	    api_exec_or_respond(req, res, "ind_values", 1, p, &s->val)) {
		set_release(s);
		return -1;
	}
	if (points_load(s) || items_load(s)) {
		set_release(s);
		problem_send_internal(res);
		return -1;
	}
	if (computed_apply_or_respond(req, res, s)) {
		set_release(s);
		return -1;
	}
	return 0;
}

enum indicator_rag set_point_rag(const struct indicator *ind, const struct indicator_point *pt)
{
	return indicator_rag_compute(ind->polarity, &ind->tolerance, pt->target, pt->actual);
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *number_json(struct indicator_number n)
{
	return n.present ? json_real((double)n.thousandths / 1000.0) : json_null();
}

json_t *set_text_json(const PGresult *r, int row, int col)
{
	const char *t = db_get_text(r, row, col);

	return t ? json_string(t) : json_null();
}

static json_t *rag_json(enum indicator_rag rag)
{
	const char *name = indicator_rag_name(rag);

	return name ? json_string(name) : json_null();
}

/* A comparison with an earlier period: its label, its actual, and the
 * direction of travel from it. */
static json_t *comparison_json(const struct indicator *ind, const struct indicator_point *pt,
			       const struct period *earlier_period, enum indicator_direction *dir)
{
	const struct indicator_point *earlier =
		indicator_point_find(ind->points, ind->npoints, earlier_period);
	struct indicator_number none = { false, 0 };
	char label[32];

	*dir = indicator_direction_compute(ind->polarity, earlier ? earlier->actual : none,
					   pt->actual);
	if (period_format(earlier_period, label, sizeof(label)) < 0)
		return NULL;
	return json_pack("{s:s, s:o}", "period", label,
			 "actual", number_json(earlier ? earlier->actual : none));
}

json_t *set_value_core_json(const struct indicator *ind, const struct indicator_point *pt)
{
	struct period prev, year;
	enum indicator_direction dprev, dyear;
	json_t *cprev, *cyear;

	period_previous(&pt->period, &prev);
	period_year_earlier(&pt->period, &year);
	cprev = comparison_json(ind, pt, &prev, &dprev);
	cyear = comparison_json(ind, pt, &year, &dyear);
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:{s:s, s:s}, s:{s:o, s:o}}",
			 "period", api_period_json(&pt->period),
			 "target", number_json(pt->target),
			 "actual", number_json(pt->actual),
			 "actual_source", computed_source_json(ind, pt),
			 "rag", rag_json(set_point_rag(ind, pt)),
			 "direction",
			 "previous_period", indicator_direction_name(dprev),
			 "year_earlier", indicator_direction_name(dyear),
			 "compared_with", "previous_period", cprev, "year_earlier", cyear);
}

/* The earlier revisions of the value for period label, newest first. */
static json_t *revisions_json(const PGresult *rev, const char *label)
{
	json_t *history = json_array();

	for (int i = 0; rev && history && i < PQntuples(rev); i++) {
		if (strcmp(PQgetvalue(rev, i, 0), label) != 0)
			continue;
		if (json_array_append_new(history, json_pack("{s:I, s:o, s:o, s:o, s:o, s:s}",
				"revision", (json_int_t)db_get_ll(rev, i, 1),
				"target", number_json(set_number_col(rev, i, 2)),
				"actual", number_json(set_number_col(rev, i, 3)),
				"commentary", set_text_json(rev, i, 4),
				"published_on", set_text_json(rev, i, 5),
				"recorded_at", PQgetvalue(rev, i, 6)))) {
			json_decref(history);
			history = NULL;
		}
	}
	return history;
}

json_t *set_value_json(const struct indicator_set *s, const struct indicator *ind,
		       const struct indicator_point *pt, const PGresult *rev)
{
	int row = set_point_row(s, pt);
	json_t *o = set_value_core_json(ind, pt), *history;
	long long revision = db_get_ll(s->val, row, VC_REVISION);
	const char *updated = PQgetvalue(s->val, row, VC_UPDATED);

	if (!o)
		return NULL;
	history = revisions_json(rev, PQgetvalue(s->val, row, VC_PERIOD));
	if (!history ||
	    json_object_set_new(o, "commentary", set_text_json(s->val, row, VC_COMMENTARY)) ||
	    json_object_set_new(o, "published_on", set_text_json(s->val, row, VC_PUBLISHED)) ||
	    json_object_set_new(o, "revision", json_integer((json_int_t)revision)) ||
	    json_object_set_new(o, "revised", json_boolean(revision > 1)) ||
	    json_object_set_new(o, "revised_at", revision > 1 ? json_string(updated) : json_null()) ||
	    json_object_set_new(o, "updated_at", json_string(updated)) ||
	    json_object_set_new(o, "revisions", history)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *set_indicator_json(const struct indicator_set *s, const struct indicator *ind)
{
	const PGresult *r = s->ind;
	int i = ind->row;
	const struct indicator_point *latest = indicator_point_latest(ind->points, ind->npoints);
	json_t *tol = json_pack("{s:s, s:o}", "kind", PQgetvalue(r, i, IC_TOL_KIND),
				"value", json_real((double)ind->tolerance.amount / 1000.0));

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}",
			 "code", ind->code,
			 "title", PQgetvalue(r, i, IC_TITLE),
			 "definition", PQgetvalue(r, i, IC_DEFINITION),
			 "unit", PQgetvalue(r, i, IC_UNIT),
			 "polarity", PQgetvalue(r, i, IC_POLARITY),
			 "frequency", PQgetvalue(r, i, IC_FREQUENCY),
			 "outcome", PQgetvalue(r, i, IC_OUTCOME),
			 "outcome_title", PQgetvalue(r, i, IC_OUTCOME_TITLE),
			 "source", PQgetvalue(r, i, IC_SOURCE),
			 "tolerance", tol,
			 "latest", latest ? set_value_core_json(ind, latest) : json_null());
}
