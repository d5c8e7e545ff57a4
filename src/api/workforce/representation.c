/*
 * representation.c - GET /v1/workforce/representation: the workforce's
 * shares by category against the borough's residents', from a
 * demographics data set (by default the working-age one).
 */
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/demo_tables.h"
#include "api/workforce/workforce.h"
#include "domain/disclosure.h"
#include "http/request.h"
#include "http/response.h"

enum { R_ID, R_SLUG, R_TITLE, R_RELEASED, R_REFERENCE, R_OFFICIAL, R_POPULATION, R_RELEASE };

/* meta.residents.release: the family's latest demographics release, which
 * the residents' table comes from (api/kit/demo_tables.h). */
#define WF_RELEASE \
	" (SELECT json_build_object('id', r.id, 'version', r.version, 'made_at', release_made_at(r.made_at))::text" \
	"  FROM releases r WHERE r.statistic = 'demographics' AND r.key = coalesce(d.subset_of, d.slug)" \
	"  ORDER BY r.version DESC LIMIT 1)"

const struct db_statement wf_representation_statements[] = {
	{ "wf_dataset",
	  "SELECT d.id, d.slug, d.title, d.release_date::text, d.reference_date::text, d.official, d.population,"
	  WF_RELEASE " FROM datasets d WHERE d.slug = $1", 1 },
	{ "wf_dataset_latest",
	  "SELECT d.id, d.slug, d.title, d.release_date::text, d.reference_date::text, d.official,"
	  " d.population," WF_RELEASE " FROM datasets d"
	  " WHERE EXISTS (SELECT 1 FROM demographic_totals t WHERE t.dataset_id = d.id)"
	  " ORDER BY d.population = 'working_age_16_64' DESC, d.release_date DESC, d.slug LIMIT 1", 0 },
};
const size_t wf_representation_nstatements =
	sizeof(wf_representation_statements) / sizeof(wf_representation_statements[0]);

static const struct csv_column repr_csv[] = {
	{ "as_of", "/as_of" }, { "characteristic", "/characteristic" },
	{ "category", "/category/code" }, { "category_name", "/category/name" },
	{ "grades", "/grades" },
	{ "workforce_share", "/workforce_share" }, { "workforce_suppressed", "/workforce_suppressed" },
	{ "resident_share", "/resident_share" }, { "resident_suppressed", "/resident_suppressed" },
	{ "ratio", "/ratio" }, { "suppressed", "/suppressed" },
};

static const char *const repr_chars[] = {
	"sex", "ethnicity", "disability", "religion", "sexual_orientation", NULL,
};

static int query_or_respond(struct request *req, struct response *res, const char **ch,
			    const char **dataset)
{
	if (request_single_or_respond(req, res, "characteristic", ch) ||
	    request_single_or_respond(req, res, "dataset", dataset))
		return -1;
	if (!*ch) {
		problem_send_bad_parameter(res, "characteristic",
			"is required: one of sex, ethnicity, disability, religion, sexual_orientation");
		return -1;
	}
	if (wf_find_nt(repr_chars, *ch) < 0) {
		problem_send_bad_parameter(res, "characteristic",
			strcmp(*ch, "age") == 0
			? "age is not compared: the workforce age bands cannot be matched to a resident population of working age from the data sets held; use sex, ethnicity, disability, religion or sexual_orientation"
			: "must be one of sex, ethnicity, disability, religion, sexual_orientation");
		return -1;
	}
	if (*dataset && !code_is_valid(*dataset)) {
		problem_send_bad_parameter(res, "dataset", "must be a data set slug such as census-2021-demo");
		return -1;
	}
	return 0;
}

static PGresult *dataset_or_respond(struct request *req, struct response *res, const char *dataset)
{
	PGresult *ds = NULL;

	if (!request_db_or_respond(req, res) ||
	    (dataset ? api_exec_or_respond(req, res, "wf_dataset", 1, &dataset, &ds)
		     : api_exec_or_respond(req, res, "wf_dataset_latest", 0, NULL, &ds)))
		return NULL;
	if (PQntuples(ds) == 0) {
		problem_send_bad_parameter(res, "dataset", dataset
			? "there is no such data set; see /v1/demographics/datasets"
			: "no demographics data set has been loaded");
		PQclear(ds);
		return NULL;
	}
	return ds;
}

/* One category at all grades or the senior ones, against the residents. */
static json_t *row_json(const struct wf_state *st, const struct wf_snap *s, int ch, size_t c,
			bool senior, const struct demo_table *dt)
{
	const struct wf_table *t = &s->tables[ch];
	size_t g = senior ? st->ngrades + 1 : st->ngrades;
	size_t k = wf_cell(&s->dims, t, s->dims.ndirs, g, c), tot = wf_cell(&s->dims, t, s->dims.ndirs, g, t->ncats);
	double ws = 0, rs = 0;
	bool wok = disclosure_share(t->values[k], t->supp[k], t->values[tot], t->supp[tot], &ws);
	long area = demo_table_borough(dt), dc = demo_table_category(dt, t->cats[c]);
	bool rok = false, rsupp = false;

	if (area >= 0 && dc >= 0) {
		rsupp = dt->suppressed[(size_t)area * dt->ncats + (size_t)dc];
		rok = demo_table_share(dt, (size_t)area, (size_t)dc, &rs);
	}
	return json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:o, s:b, s:o, s:b, s:o, s:b}",
		"as_of", s->as_of, "characteristic", wf_characteristics[ch],
		"category", "code", t->cats[c], "name", wf_category_name(st, wf_characteristics[ch], t->cats[c]),
		"grades", senior ? "senior" : "all",
		"workforce_share", wok ? json_real(response_round(ws, 4)) : json_null(),
		"workforce_suppressed", !wok && t->supp[k],
		"resident_share", rok ? json_real(response_round(rs, 4)) : json_null(),
		"resident_suppressed", rsupp,
		"ratio", wok && rok && rs > 0 ? json_real(response_round(ws / rs, 2)) : json_null(),
		"suppressed", t->supp[k] || rsupp);
}

/* meta.residents.release (null until the family's first release). */
static json_t *release_of(const PGresult *ds)
{
	const char *text = db_get_text(ds, 0, R_RELEASE);
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;

	return j ? j : json_null();
}

static json_t *repr_meta(const struct wf_state *st, const struct wf_snap *s, const PGresult *ds,
			 size_t count)
{
	json_t *senior = json_array();
	bool working_age = strcmp(PQgetvalue(ds, 0, R_POPULATION), "working_age_16_64") == 0;

	for (size_t g = 0; g < st->ngrades; g++)
		if (st->senior[g])
			json_array_append_new(senior, json_string(st->grades[g]));
	return json_pack(
		"{s:{s:s, s:s, s:b}, s:{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:o}, s:o, s:o, s:s, s:s, s:i}",
		"workforce", "as_of", s->as_of, "source", s->source, "official", s->official,
		"residents", "dataset", PQgetvalue(ds, 0, R_SLUG), "title", PQgetvalue(ds, 0, R_TITLE),
		"release_date", PQgetvalue(ds, 0, R_RELEASED), "reference_date", PQgetvalue(ds, 0, R_REFERENCE),
		"official", strcmp(PQgetvalue(ds, 0, R_OFFICIAL), "t") == 0,
		"population", PQgetvalue(ds, 0, R_POPULATION),
		"population_description", working_age
			? "Usual residents aged 16 to 64 (working age)"
			: "All usual residents in the universe of each Census table (residents aged 16 and over for sexual orientation), of every age",
		"release", release_of(ds),
		"senior_grades", senior, "disclosure", wf_disclosure_meta(st),
		"method", "ratio = workforce share / resident share: above 1 the category is better represented in the workforce than among residents. The workforce share is of all employees (or of those at senior grades), prefer_not_to_say and not_recorded included; the resident share is of the borough's residents in the data set's population (meta.residents.population): by default the working-age data set, residents aged 16 to 64; with dataset= another data set, such as all usual residents. Categories with no resident counterpart (prefer_not_to_say, not_recorded) have no ratio. A row is suppressed when either count is.",
		"counts", "no people: each value is a share or a ratio of two shares; the workforce's are of the employees on meta.workforce.as_of (at senior grades for grades senior), the residents' of the data set's population (meta.residents.population_description).",
		"count", (int)count);
}

void wf_representation_get(struct request *req, struct response *res)
{
	struct memo_ref ref = { 0 }, dt_ref = { 0 };
	const char *ch_text = NULL, *dataset = NULL;
	struct wf_state *st;
	struct wf_snap *s;
	long si = -1;
	int ch;
	PGresult *ds = NULL;
	json_t *data = NULL;

	if (query_or_respond(req, res, &ch_text, &dataset) || wf_state_get_or_respond(req, res, &ref) != 0)
		goto done;
	st = ref.value;
	ch = (int)wf_find(wf_characteristics, WF_NCHARS, ch_text);
	if (!(s = wf_snapshot_param(req, res, st, WF_NEED_COUNTS, &si)) ||
	    !(ds = dataset_or_respond(req, res, dataset)) ||
	    demo_tables_get_or_respond(req, res, PQgetvalue(ds, 0, R_ID), ch_text, NULL, &dt_ref) != 0)
		goto done;
	data = json_array();
	for (size_t c = 0; data && c < s->tables[ch].ncats; c++)
		for (int senior = 0; senior < 2; senior++) {
			json_t *row = row_json(st, s, ch, c, senior, dt_ref.value);

			if (!row || json_array_append_new(data, row)) {
				problem_send_internal(res);
				goto done;
			}
		}
	response_list(req, res, data, repr_meta(st, s, ds, json_array_size(data)),
		      NULL, repr_csv, API_COUNT(repr_csv));
	data = NULL;
done:
	demo_tables_release(&dt_ref);
	PQclear(ds);
	json_decref(data);
	wf_state_release(&ref);
}
