/*
 * pay_gaps.c - GET /v1/workforce/pay-gaps: mean and median hourly pay
 * gaps, bonus gaps, bonus shares and pay quartiles of a snapshot, computed
 * at import or as the employer published them.
 */
#include <string.h>

#include "api/api.h"
#include "api/workforce/workforce.h"
#include "http/request.h"
#include "http/response.h"

static const struct csv_column paygap_csv[] = {
	{ "as_of", "/as_of" }, { "characteristic", "/characteristic" }, { "measure", "/measure" },
	{ "group", "/group" }, { "reference", "/reference" }, { "quartile", "/quartile" },
	{ "value", "/value" }, { "suppressed", "/suppressed" },
	{ "previous_as_of", "/previous/as_of" }, { "previous_value", "/previous/value" },
	{ "change", "/previous/change" }, { "basis", "/basis" },
};

static const char *const gap_measures[] = {
	"mean_gap", "median_gap", "mean_bonus_gap", "median_bonus_gap",
	"bonus_share_group", "bonus_share_reference", NULL,
};

static bool json_str_is(const json_t *obj, const char *name, const char *want)
{
	const char *v = json_string_value(json_object_get(obj, name));

	return v && strcmp(v, want) == 0;
}

/* The published value of one pay-gap measure of a stored result. */
static json_t *gap_measure(const struct wf_state *st, const json_t *g, const char *measure, bool *supp)
{
	struct wf_gap_counts n = {
		json_integer_value(json_object_get(g, "n_group")),
		json_integer_value(json_object_get(g, "n_reference")),
		json_integer_value(json_object_get(g, "bonus_n_group")),
		json_integer_value(json_object_get(g, "bonus_n_reference")),
	};
	json_t *v = json_object_get(g, measure);

	*supp = false;
	/* Figures the employer has published already are served as they are. */
	if (!json_is_true(json_object_get(g, "published")))
		*supp = wf_gap_withheld(measure, &n, st->threshold);
	if (*supp || !json_is_number(v))
		return json_null();
	return json_real(response_round(json_number_value(v), 1));
}

static const json_t *find_gap(const struct wf_snap *s, const char *ch, const char *group)
{
	size_t i;
	json_t *g;

	json_array_foreach(s->pay_gaps, i, g)
		if (json_str_is(g, "characteristic", ch) && json_str_is(g, "group", group))
			return g;
	return NULL;
}

/* A snapshot's share (percent, unrounded) of category cat in quartile q
 * (1..4) of characteristic chi; false when there is none or it is withheld. */
static bool quartile_value(const struct wf_snap *s, int chi, int q, const char *cat, double *pct)
{
	const struct wf_table *t = &s->tables[chi];
	long c;

	if (s->pub_quartiles) {
		size_t i;
		json_t *e;

		json_array_foreach(s->pub_quartiles, i, e)
			if (json_str_is(e, "characteristic", wf_characteristics[chi]) &&
			    json_integer_value(json_object_get(e, "quartile")) == q &&
			    json_str_is(e, "category", cat) && json_is_number(json_object_get(e, "share"))) {
				*pct = json_number_value(json_object_get(e, "share"));
				return true;
			}
		return false;
	}
	c = wf_find(t->cats, t->ncats, cat);
	return c >= 0 && wf_quartile_share(t, q, (size_t)c, pct);
}

static const char *basis_of(const struct wf_snap *s)
{
	return strcmp(s->pay_basis, "published") == 0 ? "published" : "computed";
}

/* What the rows of a request share. */
struct gap_rows {
	const struct wf_state *st;
	const struct wf_snap *s, *prev;
	bool compare;
	json_t *data;
};

/* One quartile_share row (with the previous snapshot's when compare). */
static int quartile_row(const struct gap_rows *r, int chi, int q, const char *cat)
{
	double pct = 0, ppct = 0;
	bool ok = quartile_value(r->s, chi, q, cat, &pct);
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:n, s:i, s:o, s:b, s:s}",
		"as_of", r->s->as_of, "characteristic", wf_characteristics[chi], "measure", "quartile_share",
		"group", cat, "reference", "quartile", q,
		"value", ok ? json_real(response_round(pct, 1)) : json_null(),
		"suppressed", !ok && !r->s->pub_quartiles, "basis", basis_of(r->s));

	if (row && r->compare) {
		bool pok = r->prev && quartile_value(r->prev, chi, q, cat, &ppct);

		json_object_set_new(row, "previous", r->prev ? json_pack("{s:s, s:o, s:b, s:o}",
			"as_of", r->prev->as_of,
			"value", pok ? json_real(response_round(ppct, 1)) : json_null(),
			"suppressed", !pok && !r->prev->pub_quartiles,
			"change", ok && pok ? json_real(response_round(pct - ppct, 1)) : json_null())
			: json_null());
	}
	return !row || json_array_append_new(r->data, row) ? -1 : 0;
}

/* One measure of one gap (with the previous snapshot's when compare). */
static int gap_row(const struct gap_rows *r, const char *ch, const json_t *g, const char *measure)
{
	const char *group = json_string_value(json_object_get(g, "group"));
	bool supp;
	json_t *v = gap_measure(r->st, g, measure, &supp);
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:n, s:o, s:b, s:s}",
		"as_of", r->s->as_of, "characteristic", ch, "measure", measure, "group", group,
		"reference", json_string_value(json_object_get(g, "reference")),
		"quartile", "value", v, "suppressed", supp, "basis", basis_of(r->s));

	if (row && r->compare) {
		const json_t *pg = r->prev ? find_gap(r->prev, ch, group) : NULL;
		bool psupp = true;
		json_t *pv = pg ? gap_measure(r->st, pg, measure, &psupp) : json_null();

		json_object_set_new(row, "previous", r->prev ? json_pack("{s:s, s:O, s:b, s:o}",
			"as_of", r->prev->as_of, "value", pv, "suppressed", psupp,
			"change", json_is_number(v) && json_is_number(pv)
				? json_real(response_round(json_number_value(v) - json_number_value(pv), 1))
				: json_null()) : json_null());
		json_decref(pv);
	}
	return !row || json_array_append_new(r->data, row) ? -1 : 0;
}

/* Quartiles: each category's share of each quarter of the pay ranking,
 * as published or from the counted table. */
static int quartile_rows(const struct gap_rows *r, int chi)
{
	const struct wf_table *t = &r->s->tables[chi];
	size_t i;
	json_t *e;

	if (r->s->pub_quartiles) {
		json_array_foreach(r->s->pub_quartiles, i, e) {
			const char *cat = json_string_value(json_object_get(e, "category"));

			if (cat && json_str_is(e, "characteristic", wf_characteristics[chi]) &&
			    quartile_row(r, chi, (int)json_integer_value(json_object_get(e, "quartile")), cat) != 0)
				return -1;
		}
		return 0;
	}
	for (int q = 1; t->has_quartiles && q <= 4; q++)
		for (size_t c = 0; c < t->ncats; c++)
			if (quartile_row(r, chi, q, t->cats[c]) != 0)
				return -1;
	return 0;
}

static int characteristic_rows(const struct gap_rows *r, int chi)
{
	const char *ch = wf_characteristics[chi];
	size_t i;
	json_t *g;

	json_array_foreach(r->s->pay_gaps, i, g) {
		if (!json_str_is(g, "characteristic", ch))
			continue;
		for (size_t m = 0; gap_measures[m]; m++)
			if (gap_row(r, ch, g, gap_measures[m]) != 0)
				return -1;
	}
	return quartile_rows(r, chi);
}

static json_t *paygaps_meta(const struct wf_state *st, const struct wf_snap *s, size_t count)
{
	return json_pack("{s:o, s:o, s:s, s:s, s:O, s:s, s:s, s:s, s:s, s:s, s:i}",
		"snapshot", wf_snapshot_ref(s), "disclosure", wf_disclosure_meta(st),
		"pay_basis", s->pay_basis, "basis", basis_of(s),
		"publication", s->publication ? s->publication : json_null(),
		"method", "As the Equality Act 2010 (Gender Pay Gap Information) Regulations 2017 define them, for each group against the reference group (male; white; not disabled): mean and median gaps are (reference - group) / reference x 100 of hourly pay; bonus gaps the same over the employees paid a bonus in the 12 months to as_of; bonus shares the percentage of each group paid one. Employees whose answer is prefer_not_to_say or not_recorded are left out of the gaps. minoritised compares every other ethnic group together with white. Values are percentages to one decimal place.",
		"quartiles", "Every employee is ranked by hourly pay and cut into four sections of (so far as possible) equal size, section j holding ranks floor((j-1)N/4)+1 to floor(jN/4); within a run of equal pay the groups are interleaved in proportion to their size, so employees on the same pay who straddle a boundary are spread as evenly as possible across the sections. quartile_share is the percentage of the section in the category (1 = lower, 4 = upper).",
		"withheld", "A gap is withheld when either group has fewer than the disclosure threshold of people; a bonus gap when either has fewer bonus recipients; a bonus share when the recipients or the others in the group are 1 to threshold-1; a quartile share when its count is withheld by cell suppression.",
		"source", strcmp(s->pay_basis, "published") == 0
			? "Published figures, loaded as the employer published them (meta.publication names the publication): not computed here, and not disclosure-controlled here, since they are public already. method, quartiles and withheld describe the figures computed from employee rows."
			: "Computed at import from hourly pay in the employee rows, which are never stored or published.",
		"counts", "no people: each value is a percentage (a gap in hourly or bonus pay, the share of a group paid a bonus, or the share of a pay quartile in a category), over the employees on the snapshot date (meta.snapshot.as_of).",
		"count", (int)count);
}

void wf_paygaps_get(struct request *req, struct response *res)
{
	static const char *const pay_chars[] = { "sex", "ethnicity", "disability", NULL };
	struct memo_ref ref = { 0 };
	struct gap_rows r = { 0 };
	struct wf_state *st;
	long si = -1;
	int chars[WF_NCHARS];
	size_t nchars;
	const char *compare = NULL;

	if (request_enum_or_respond(req, res, "compare", wf_compare_choices, NULL, &compare) ||
	    wf_characteristics_param(req, res, pay_chars, chars, &nchars) ||
	    wf_state_get_or_respond(req, res, &ref) != 0)
		goto done;
	st = ref.value;
	if (!(r.s = wf_snapshot_param(req, res, st, WF_NEED_PAY, &si)))
		goto done;
	r = (struct gap_rows){ st, r.s, compare && si > 0 ? &st->snaps[si - 1] : NULL, compare != NULL,
			       json_array() };
	for (size_t ci = 0; ci < nchars; ci++)
		if (!r.data || characteristic_rows(&r, chars[ci]) != 0) {
			problem_send_internal(res);
			goto done;
		}
	response_list(req, res, r.data, paygaps_meta(st, r.s, json_array_size(r.data)),
		      NULL, paygap_csv, API_COUNT(paygap_csv));
	r.data = NULL;
done:
	json_decref(r.data);
	wf_state_release(&ref);
}
