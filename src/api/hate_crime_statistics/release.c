/*
 * release.c - releases of the hate-crime statistics (api/kit/releases.h):
 * POST /v1/hate-crime/releases makes one from every canonical cell of the
 * live snapshot (hc_table), and a read's `release=` turns the live
 * snapshot into the release's view.
 *
 * The disclosure problems are handed over whole, so that cells the
 * builder gains flow into releases with no code of their own:
 * "<year> strand_flags" for every financial year, "<year> reports" for
 * every year the rolling year does not span, and "rolling-12:YYYY-MM
 * reports" for the years it spans linked by it (hc_linked: their cells,
 * then the rolling year's total and sources).  A table is compared with
 * the earlier releases' table of the same name and size only.  The
 * layout names the cell counts: a release made before the builder
 * changed is not compared cell by cell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/hate_crime_statistics/hcs.h"
#include "api/kit/releases.h"
#include "domain/organisation.h"
#include "domain/apikey.h"
#include "http/request.h"
#include "http/response.h"

#define KEY "all-years"

static void layout_of(const struct hcs_snapshot *s, char *buf, size_t n)
{
	snprintf(buf, n, "hc-table:wards=%zu:reports=%zu:flags=%zu:rolling=%d", s->nwards,
		 hc_reports_ncells(s->nwards), hc_flags_ncells(s->nwards), HC_ROLLING_WIDTH);
}

static void table_name(char *buf, size_t n, int fy, bool flags)
{
	snprintf(buf, n, "%04d/%02d %s", fy, (fy + 1) % 100, flags ? "strand_flags" : "reports");
}

/* The linked problem's name: the month its rolling year ends in. */
static void linked_name(char *buf, size_t n, int last)
{
	snprintf(buf, n, "rolling-12:%04d-%02d reports", last / 12, last % 12 + 1);
}

static bool in_shape(const struct hc_linked *l, int fy)
{
	return l->nyears && fy >= l->fy_min && (size_t)(fy - l->fy_min) < l->nyears;
}

/* ---- making one ------------------------------------------------------------- */

/* Why this release: the caller's words, else what moved since the last. */
static const char *reason_of(struct request *req, const json_t *body, const PGresult *activity)
{
	const char *given = json_string_value(json_object_get(body, "reason"));
	char *text = request_alloc(req, 600);
	long long received = db_get_ll(activity, 0, 0), withdrawn = db_get_ll(activity, 0, 1);

	if (!text)
		return "Monthly release.";
	snprintf(text, 600, "%s%s%lld report%s received, %lld report%s withdrawn %s.",
		 given ? given : "Monthly release", given ? " " : ": ", received, received == 1 ? "" : "s",
		 withdrawn, withdrawn == 1 ? "" : "s",
		 strcmp(PQgetvalue(activity, 0, 2), "t") == 0 ? "in all (the first release)"
		 : "since the previous release");
	return text;
}

/* The wards the cells are laid out by, stored with each year's reports,
 * so that a release is served by its own wards whatever the live ones
 * become. */
static json_t *wards_json(const struct hcs_snapshot *s)
{
	json_t *codes = json_array(), *names = json_array();

	for (size_t w = 0; codes && names && w < s->nwards; w++)
		if (json_array_append_new(codes, json_string(s->wards[w].code)) ||
		    json_array_append_new(names, json_string(s->wards[w].name)))
			break;
	return json_pack("{s:o*, s:o*}", "wards", codes, "ward_names", names);
}

/* The linked years' and the rolling year's cells in hc_linked order
 * (request-owned), with what a view needs to lay them out again. */
static int linked_table(struct request *req, const struct hc_table *t, struct hc_constraints *lc,
			struct release_table *out)
{
	const struct hc_linked *l = &t->shape;
	size_t nr = hc_reports_ncells(l->nwards), nroll = l->nwindows * HC_ROLLING_WIDTH;
	size_t n = l->nyears * nr + nroll;
	int64_t *v = request_alloc(req, (n + 1) * sizeof(*v));
	char *name = request_alloc(req, 48);

	*out = (struct release_table){ 0 };
	if (!v || !name || hc_linked_constraints(l, lc) != 0)
		return -1;
	for (size_t y = 0; y < l->nyears; y++)
		memcpy(v + y * nr, t->years[l->fy_min - t->fy_min + (int)y].reports, nr * sizeof(*v));
	memcpy(v + l->nyears * nr, t->rolling, nroll * sizeof(*v));
	linked_name(name, 48, l->first_window);
	*out = (struct release_table){ name, v, n, lc->items, lc->n, false,
				       json_pack("{s:i, s:i, s:i, s:i}", "fy_min", l->fy_min, "nyears",
						 (int)l->nyears, "first_window", l->first_window, "nwindows",
						 (int)l->nwindows) };
	return out->about ? 0 : -1;
}

static void make_from(struct request *req, struct response *res, const struct hcs_snapshot *s,
		      const char *reason)
{
	const struct hc_table *t = &s->table;
	json_t *wards = wards_json(s);
	struct hc_constraints rc = { 0 }, fc = { 0 }, lc = { 0 };
	json_t *linked_about = NULL;
	size_t ny = s->any ? t->nyears : 0, n = 0;
	struct release_table *tables = request_alloc(req, (2 * ny + 1) * sizeof(*tables));
	char layout[128];
	struct release_subject subject = { "hate-crime", KEY, layout };

	layout_of(s, layout, sizeof(layout));
	if (!tables || !wards || hc_reports_constraints(s->nwards, &rc) != 0 ||
	    hc_flags_constraints(s->nwards, &fc) != 0)
		goto fail;
	if (ny && t->shape.nyears) {
		int lrc = linked_table(req, t, &lc, &tables[n]);

		linked_about = (json_t *)tables[n++].about;
		if (lrc != 0)
			goto fail;
	}
	for (size_t i = 0; i < ny; i++) {
		const struct hc_year *y = &t->years[i];
		char *names = request_alloc(req, 64);

		if (!names)
			goto fail;
		table_name(names, 32, y->fy, false);
		table_name(names + 32, 32, y->fy, true);
		if (!in_shape(&t->shape, y->fy))
			tables[n++] = (struct release_table){ names, y->reports, y->nreports, rc.items, rc.n,
							       false, NULL };
		/* The wards ride with the first year's flags, present in every release. */
		tables[n++] = (struct release_table){ names + 32, y->flags, y->nflags, fc.items, fc.n, false,
						       i == 0 ? wards : NULL };
	}
	releases_make_respond(req, res, &subject, reason, tables, n);
	goto done;
fail:
	problem_send_internal(res);
done:
	json_decref(linked_about);
	json_decref(wards);
	hc_constraints_release(&rc);
	hc_constraints_release(&fc);
	hc_constraints_release(&lc);
}

void hcs_release_make(struct request *req, struct response *res)
{
	struct memo_ref ref = { 0 };
	json_t *body = request_json_or_respond(req, res);
	PGresult *activity = NULL;

	if (!body)
		return;
	if (!(req->auth.scopes & SCOPE_ADMIN) || !organisation_kind_is_council(req->auth.org_kind)) {
		problem_send(res, 403, "forbidden", "Forbidden", "Only the council makes releases.");
		goto done;
	}
	if (api_exec_or_respond(req, res, "hcs_release_activity", 0, NULL, &activity) ||
	    hcs_snapshot_get_or_respond(req, res, &ref) != 0)
		goto done;
	make_from(req, res, ref.value, reason_of(req, body, activity));
done:
	hcs_snapshot_release(&ref);
	PQclear(activity);
	json_decref(body);
}

/* ---- serving one ------------------------------------------------------------ */

/* A copy in the request's arena (the release's JSON goes before the view). */
static char *arena_strdup(struct request *req, const char *text)
{
	size_t n = strlen(text ? text : "") + 1;
	char *copy = request_alloc(req, n);

	if (copy)
		memcpy(copy, text ? text : "", n);
	return copy;
}

/* The release's wards (stored with its first year's reports). */
static int view_wards(struct request *req, const json_t *about, struct hcs_snapshot *view)
{
	const json_t *codes = json_object_get(about, "wards"), *names = json_object_get(about, "ward_names");

	view->nwards = json_array_size(codes);
	view->wards = request_alloc(req, (view->nwards + 1) * sizeof(*view->wards));
	if (!view->wards || json_array_size(names) != view->nwards)
		return -1;
	for (size_t w = 0; w < view->nwards; w++) {
		view->wards[w].code = arena_strdup(req, json_string_value(json_array_get(codes, w)));
		view->wards[w].name = arena_strdup(req, json_string_value(json_array_get(names, w)));
		if (!view->wards[w].code || !view->wards[w].name)
			return -1;
	}
	return 0;
}

/* Year fy of the view: the release's cells, or all withheld when the
 * release lacks it (its reports may come from the linked table later). */
static int view_year(struct request *req, const struct release_view *v, int fy, size_t nwards,
		     struct hc_year *out)
{
	char name[32];

	*out = (struct hc_year){ .fy = fy, .nwards = nwards, .nreports = hc_reports_ncells(nwards),
				 .nflags = hc_flags_ncells(nwards) };
	out->reports = request_alloc(req, (out->nreports + 1) * sizeof(*out->reports));
	out->reports_supp = request_alloc(req, (out->nreports + 1) * sizeof(*out->reports_supp));
	out->flags = request_alloc(req, (out->nflags + 1) * sizeof(*out->flags));
	out->flags_supp = request_alloc(req, (out->nflags + 1) * sizeof(*out->flags_supp));
	if (!out->reports || !out->reports_supp || !out->flags || !out->flags_supp)
		return -1;
	table_name(name, sizeof(name), fy, false);
	if (!releases_view_table(v, name, out->nreports, out->reports, out->reports_supp))
		memset(out->reports_supp, 1, out->nreports * sizeof(*out->reports_supp));
	table_name(name, sizeof(name), fy, true);
	if (!releases_view_table(v, name, out->nflags, out->flags, out->flags_supp))
		memset(out->flags_supp, 1, out->nflags * sizeof(*out->flags_supp));
	return 0;
}

/* The linked table named `name`: its years' reports over the view's, and
 * its rolling years.  A table that does not fit the view is left out (its
 * rolling year then reads as withheld). */
static int view_linked(struct request *req, const struct release_view *v, const char *name,
		       struct hc_table *t)
{
	const json_t *about = releases_view_about(v, name);
	struct hc_linked l = { (int)json_integer_value(json_object_get(about, "fy_min")),
			       (size_t)json_integer_value(json_object_get(about, "nyears")), t->shape.nwards,
			       (int)json_integer_value(json_object_get(about, "first_window")),
			       (size_t)json_integer_value(json_object_get(about, "nwindows")) };
	size_t nr = hc_reports_ncells(l.nwards), n = l.nyears * nr + l.nwindows * HC_ROLLING_WIDTH;
	int64_t *vals = request_alloc(req, (n + 1) * sizeof(*vals));
	bool *supp = request_alloc(req, (n + 1) * sizeof(*supp));

	if (!vals || !supp)
		return -1;
	if (l.nyears == 0 || l.nyears > 2 || l.nwindows > 12 || l.fy_min < t->fy_min ||
	    (size_t)(l.fy_min - t->fy_min) + l.nyears > t->nyears ||
	    !releases_view_table(v, name, n, vals, supp))
		return 0;
	for (size_t y = 0; y < l.nyears; y++) {
		struct hc_year *out = &t->years[l.fy_min - t->fy_min + (int)y];

		memcpy(out->reports, vals + y * nr, nr * sizeof(*vals));
		memcpy(out->reports_supp, supp + y * nr, nr * sizeof(*supp));
	}
	t->shape = l;
	t->rolling = vals + l.nyears * nr;
	t->rolling_supp = supp + l.nyears * nr;
	return 0;
}

/* The view of a release: its own years, wards and cells; the sources'
 * coverage and the threshold stay live's. */
static int view_of(struct request *req, const struct release_view *v, struct hcs_snapshot *view)
{
	const char *name, *linked = NULL;
	json_t *t;
	char first[32];

	view->any = false;
	json_object_foreach(v->cells, name, t) {
		int fy;

		if (strncmp(name, "rolling-12:", 11) == 0)
			linked = name;
		if (sscanf(name, "%d/", &fy) != 1)
			continue;
		view->fy_min = !view->any || fy < view->fy_min ? fy : view->fy_min;
		view->fy_max = !view->any || fy > view->fy_max ? fy : view->fy_max;
		view->any = true;
	}
	memset(&view->table, 0, sizeof(view->table));
	if (!view->any)
		return 0;
	table_name(first, sizeof(first), view->fy_min, true);
	if (view_wards(req, releases_view_about(v, first), view) != 0)
		return -1;
	view->table = (struct hc_table){ .fy_min = view->fy_min,
					 .nyears = (size_t)(view->fy_max - view->fy_min + 1),
					 .shape = { .nwards = view->nwards } };
	if (!(view->table.years = request_alloc(req, view->table.nyears * sizeof(*view->table.years))))
		return -1;
	for (int fy = view->fy_min; fy <= view->fy_max; fy++)
		if (view_year(req, v, fy, view->nwards, &view->table.years[fy - view->fy_min]) != 0)
			return -1;
	return linked ? view_linked(req, v, linked, &view->table) : 0;
}

int hcs_release_view_or_respond(struct request *req, struct response *res, const struct hcs_snapshot *live,
				struct hcs_snapshot *view, json_t **meta)
{
	static const struct release_subject subject = { "hate-crime", KEY, "" };
	struct release_view v;
	int rc = -1;

	if (releases_view_or_respond(req, res, &subject, "admin,read:hate-crime", &v) != 0)
		return -1;
	*view = *live;
	if (!v.live && view_of(req, &v, view) != 0)
		problem_send_internal(res);
	else
		rc = 0;
	if (rc == 0)
		*meta = json_incref(v.meta);
	releases_view_release(&v);
	return rc;
}
