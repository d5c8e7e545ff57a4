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

/* The linked problem's name: the years it spans, stable while the
 * rolling year moves within them. */
static void linked_name(char *buf, size_t n, const struct hc_linked *l)
{
	snprintf(buf, n, "%04d/%02d+%zu linked reports", l->fy_min, (l->fy_min + 1) % 100, l->nyears);
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

/*
 * The linked table: the spanned years' reports, then a slot of
 * HC_ROLLING_WIDTH cells for every rolling year that ends in them (slot 0
 * ends twelve months after they begin), each holding its true sums.  The
 * current rolling year and the ones earlier releases published (their
 * month keys in `windows`) are related to their months; an earlier one is
 * known (the public holds it), so the suppression counts it as published
 * and the read serves only the current one.  The others are absent
 * (api/kit/releases.h): isolated, never served, and a later release learns
 * nothing from them.  Keeping every slot keeps the layout, so the table
 * is compared with its earlier releases while the rolling year moves.
 */
struct linked_slots {
	int first;       /* month key slot 0 ends in */
	size_t nslots;
	bool *related;   /* nslots */
};

static void slot_sums(const struct hc_table *t, const struct hc_linked *l, int last, int64_t *out)
{
	memset(out, 0, HC_ROLLING_WIDTH * sizeof(*out));
	for (int k = last - 11; k <= last; k++) {
		int fy = k % 12 >= 3 ? k / 12 : k / 12 - 1, tc = 5 + (k % 12 + 9) % 12;
		const int64_t *r = t->years[fy - t->fy_min].reports;

		out[0] += r[hc_reports_cell(l->nwards, tc, HC_TOTAL, 0)];
		for (size_t src = 0; src < HC_NSOURCES; src++)
			out[1 + src] += r[hc_reports_cell(l->nwards, tc, HC_SOURCE, src)];
	}
}

/* The constraints of the related slots only (request-owned copy). */
static struct disclosure_constraint *related_constraints(struct request *req, const struct hc_constraints *all,
							 size_t first_rolling, const struct linked_slots *ls,
							 size_t *n)
{
	struct disclosure_constraint *out = request_alloc(req, (all->n + 1) * sizeof(*out));

	*n = 0;
	for (size_t q = 0; out && q < all->n; q++) {
		size_t c = all->items[q].total;

		if (c < first_rolling || ls->related[(c - first_rolling) / HC_ROLLING_WIDTH])
			out[(*n)++] = all->items[q];
	}
	return out;
}

static int linked_table(struct request *req, const struct hc_table *t, const json_t *known_windows,
			struct hc_constraints *lc, struct release_table *out)
{
	const struct hc_linked *cur = &t->shape;
	struct linked_slots ls = { cur->fy_min * 12 + 14, 12 * cur->nyears - 11, NULL };
	struct hc_linked all = { cur->fy_min, cur->nyears, cur->nwards, ls.first, ls.nslots };
	size_t nr = hc_reports_ncells(cur->nwards), base = cur->nyears * nr;
	size_t n = base + ls.nslots * HC_ROLLING_WIDTH, ncons = 0, k;
	int64_t *v = request_alloc(req, (n + 1) * sizeof(*v));
	bool *known = request_alloc(req, (n + 1) * sizeof(*known));
	bool *absent = request_alloc(req, (n + 1) * sizeof(*absent));
	char *name = request_alloc(req, 48);
	json_t *windows = json_array(), *w;
	struct disclosure_constraint *cons;

	*out = (struct release_table){ 0 };
	ls.related = request_alloc(req, ls.nslots * sizeof(*ls.related));
	if (!v || !known || !absent || !name || !ls.related || !windows || hc_linked_constraints(&all, lc) != 0)
		goto fail;
	memset(known, 0, n * sizeof(*known));
	memset(absent, 0, n * sizeof(*absent));
	memset(ls.related, 0, ls.nslots * sizeof(*ls.related));
	json_array_foreach(known_windows, k, w) {
		long slot = (long)json_integer_value(w) - ls.first;

		if (slot >= 0 && (size_t)slot < ls.nslots && json_integer_value(w) != cur->first_window) {
			ls.related[slot] = true;
			memset(known + base + (size_t)slot * HC_ROLLING_WIDTH, 1, HC_ROLLING_WIDTH * sizeof(*known));
			json_array_append_new(windows, json_integer(json_integer_value(w)));
		}
	}
	ls.related[cur->first_window - ls.first] = true;
	json_array_append_new(windows, json_integer(cur->first_window));
	for (size_t y = 0; y < cur->nyears; y++)
		memcpy(v + y * nr, t->years[cur->fy_min - t->fy_min + (int)y].reports, nr * sizeof(*v));
	for (size_t slot = 0; slot < ls.nslots; slot++) {
		slot_sums(t, cur, ls.first + (int)slot, v + base + slot * HC_ROLLING_WIDTH);
		memset(absent + base + slot * HC_ROLLING_WIDTH, !ls.related[slot], HC_ROLLING_WIDTH * sizeof(*absent));
	}
	if (!(cons = related_constraints(req, lc, base, &ls, &ncons)))
		goto fail;
	linked_name(name, 48, cur);
	*out = (struct release_table){ name, v, n, cons, ncons, false,
				       json_pack("{s:i, s:i, s:i, s:i, s:o}", "fy_min", cur->fy_min, "nyears",
						 (int)cur->nyears, "first_slot", ls.first, "window",
						 cur->first_window, "windows", windows), known, absent };
	return out->about ? 0 : -1;
fail:
	json_decref(windows);
	return -1;
}

static void make_from(struct request *req, struct response *res, const struct hcs_snapshot *s,
		      const char *reason, const json_t *known_windows)
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
		int lrc = linked_table(req, t, known_windows, &lc, &tables[n]);

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
							       false, NULL, NULL, NULL };
		/* The wards ride with the first year's flags, present in every release. */
		tables[n++] = (struct release_table){ names + 32, y->flags, y->nflags, fc.items, fc.n, false,
						       i == 0 ? wards : NULL, NULL, NULL };
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
	json_t *known = NULL;   /* the latest release's rolling years (NULL: none) */

	if (!body)
		return;
	if (!(req->auth.scopes & SCOPE_ADMIN) || !organisation_kind_is_council(req->auth.org_kind)) {
		problem_send(res, 403, "forbidden", "Forbidden", "Only the council makes releases.");
		goto done;
	}
	if (api_exec_or_respond(req, res, "hcs_release_activity", 0, NULL, &activity) ||
	    hcs_snapshot_get_or_respond(req, res, &ref) != 0)
		goto done;
	known = json_loads(PQgetvalue(activity, 0, 3), JSON_DECODE_ANY, NULL);
	make_from(req, res, ref.value, reason_of(req, body, activity), known);
done:
	hcs_snapshot_release(&ref);
	json_decref(known);
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
 * its current rolling year.  A table that does not fit the view is left
 * out (its rolling year then reads as withheld). */
static int view_linked(struct request *req, const struct release_view *v, const char *name,
		       struct hc_table *t)
{
	const json_t *about = releases_view_about(v, name);
	int fy_min = (int)json_integer_value(json_object_get(about, "fy_min"));
	int first = (int)json_integer_value(json_object_get(about, "first_slot"));
	int window = (int)json_integer_value(json_object_get(about, "window"));
	size_t nyears = (size_t)json_integer_value(json_object_get(about, "nyears"));
	size_t nr = hc_reports_ncells(t->shape.nwards), nslots = nyears ? 12 * nyears - 11 : 0;
	size_t n = nyears * nr + nslots * HC_ROLLING_WIDTH;
	int64_t *vals = request_alloc(req, (n + 1) * sizeof(*vals));
	bool *supp = request_alloc(req, (n + 1) * sizeof(*supp));

	if (!vals || !supp)
		return -1;
	if (nyears == 0 || nyears > 2 || fy_min < t->fy_min || (size_t)(fy_min - t->fy_min) + nyears > t->nyears ||
	    window < first || (size_t)(window - first) >= nslots || !releases_view_table(v, name, n, vals, supp))
		return 0;
	for (size_t y = 0; y < nyears; y++) {
		struct hc_year *out = &t->years[fy_min - t->fy_min + (int)y];

		memcpy(out->reports, vals + y * nr, nr * sizeof(*vals));
		memcpy(out->reports_supp, supp + y * nr, nr * sizeof(*supp));
	}
	t->shape = (struct hc_linked){ fy_min, nyears, t->shape.nwards, window, 1 };
	t->rolling = vals + nyears * nr + (size_t)(window - first) * HC_ROLLING_WIDTH;
	t->rolling_supp = supp + nyears * nr + (size_t)(window - first) * HC_ROLLING_WIDTH;
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

		if (strstr(name, " linked "))
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
