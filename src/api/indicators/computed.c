/*
 * computed.c - indicators whose actual is computed from the published data
 * (indicators.computed_from), not typed in.
 *
 * The actual is the very figure the statistics route serves for the same
 * period, read from the same disclosure-controlled table (the memoised
 * snapshot of that route), so that a dashboard showing both can never be
 * wrong in one place: where the route withholds the figure the indicator
 * has no actual, and says so.  Manual indicators are left as they are.
 *
 *   hate_crime_reports        reports (each crime once) in the borough in
 *                             the period: /v1/hate-crime/statistics
 *   workforce_disabled_share  the share (percent) of staff declared
 *                             disabled in the snapshot taken on the
 *                             period's last day: /v1/workforce/profile
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/hate_crime_statistics/hcs.h"
#include "api/indicators/indicators.h"
#include "api/workforce/workforce.h"
#include "http/response.h"

/* prefix + label with its space written %20, as a link's query has it. */
static void query_label(const char *label, char *out, size_t size, const char *prefix)
{
	size_t n = (size_t)snprintf(out, size, "%s", prefix);

	for (; *label && n + 4 < size; label++) {
		if (*label == ' ') {
			memcpy(out + n, "%20", 3);
			n += 3;
		} else {
			out[n++] = *label;
		}
		out[n] = '\0';
	}
}

/* The reports of the period, as GET /v1/hate-crime/statistics shows them. */
static void hate_crime_point(const struct hcs_snapshot *snap, struct indicator_point *pt,
			     struct indicator_origin *o)
{
	const struct hcs_cell all = { false, -1, -1, -1, -1, -1 };
	char label[32];
	int64_t value;
	bool supp;

	(void)period_format(&pt->period, label, sizeof(label));
	query_label(label, o->from, sizeof(o->from), "/v1/hate-crime/statistics?from=");
	hcs_cell_value(snap, &pt->period, &all, &value, &supp);
	o->withheld = supp;
	pt->actual.present = !supp && strcmp(hcs_period_coverage(snap, &pt->period), "none") != 0;
	pt->actual.thousandths = pt->actual.present ? value * 1000 : 0;
}

/* The disabled share of the snapshot of the period's last day, rounded as
 * GET /v1/workforce/profile rounds it (4 places of the fraction). */
static void disabled_share_point(const struct wf_state *st, struct indicator_point *pt,
				 struct indicator_origin *o)
{
	char end[11];
	const struct wf_snap *s = NULL;
	long ch = wf_find_nt(wf_characteristics, "disability");
	double share = 0;

	(void)date_format(&pt->period.end, end, sizeof(end));
	snprintf(o->from, sizeof(o->from), "/v1/workforce/profile?as_of=%s&characteristic=disability",
		 end);
	pt->actual.present = false;
	for (size_t i = 0; i < st->nsnaps; i++)
		if (strcmp(st->snaps[i].as_of, end) == 0)
			s = &st->snaps[i];
	if (!s || ch < 0)
		return;   /* no snapshot that day: nothing to compute from */
	{
		const struct wf_table *t = &s->tables[ch];
		long c = wf_find(t->cats, t->ncats, "disabled");
		size_t k, tot;

		if (c < 0)
			return;
		k = wf_cell(&s->dims, t, s->dims.ndirs, s->dims.ngrades, (size_t)c);
		tot = wf_cell(&s->dims, t, s->dims.ndirs, s->dims.ngrades, t->ncats);
		o->withheld = !disclosure_share(t->values[k], t->supp[k], t->values[tot], t->supp[tot],
						&share);
	}
	pt->actual.present = !o->withheld;
	pt->actual.thousandths = llround(response_round(share, 4) * 100.0 * 1000.0);
}

enum source { SOURCE_MANUAL, SOURCE_HATE_CRIME, SOURCE_DISABLED_SHARE };

static enum source source_of(const struct indicator_set *s, const struct indicator *ind)
{
	const char *from = db_get_text(s->ind, ind->row, IC_COMPUTED);

	if (!from)
		return SOURCE_MANUAL;
	return strcmp(from, "hate_crime_reports") == 0 ? SOURCE_HATE_CRIME : SOURCE_DISABLED_SHARE;
}

int computed_apply_or_respond(struct request *req, struct response *res, struct indicator_set *s)
{
	struct memo_ref hc = { 0 }, wf = { 0 };
	int rc = -1;

	for (size_t i = 0; i < s->n; i++) {
		struct indicator *ind = &s->items[i];
		enum source src = source_of(s, ind);

		if ((src == SOURCE_HATE_CRIME && !hc.value && hcs_snapshot_get_or_respond(req, res, &hc)) ||
		    (src == SOURCE_DISABLED_SHARE && !wf.value && wf_state_get_or_respond(req, res, &wf)))
			goto done;
		for (size_t j = 0; src != SOURCE_MANUAL && j < ind->npoints; j++) {
			struct indicator_point *pt = (struct indicator_point *)&ind->points[j];
			struct indicator_origin *o = &s->origins[set_point_row(s, pt)];

			o->computed = true;
			if (src == SOURCE_HATE_CRIME)
				hate_crime_point(hc.value, pt, o);
			else
				disabled_share_point(wf.value, pt, o);
		}
	}
	rc = 0;
done:
	if (hc.value)
		hcs_snapshot_release(&hc);
	if (wf.value)
		wf_state_release(&wf);
	return rc;
}

json_t *computed_source_json(const struct indicator *ind, const struct indicator_point *pt)
{
	const struct indicator_origin *o = &ind->origins[pt - ind->points];

	if (!o->computed)
		return json_pack("{s:s, s:n, s:b}", "kind", "manual", "from", "withheld", 0);
	return json_pack("{s:s, s:s, s:b}", "kind", "computed", "from", o->from,
			 "withheld", o->withheld);
}
