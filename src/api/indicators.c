/*
 * indicators.c - the council's performance indicators, their values per
 * period, and the quarterly scorecard.
 *
 *   GET /v1/indicators                                public (JSON or CSV)
 *   GET /v1/indicators/{code}                         public
 *   GET /v1/indicators/{code}/values                  public (JSON or CSV)
 *   PUT /v1/indicators/{code}/values/{period}         manage:indicators (a month)
 *   PUT /v1/indicators/{code}/values/{year}/{period}  manage:indicators
 *                                                     ("2024/25 Q2" spans two segments)
 *   GET /v1/scorecard?period=2024/25 Q2               public
 *
 * Numbers are integers in thousandths of the unit everywhere below the
 * JSON (see domain/indicator_rag.h): a body's 72.5 is checked to have at
 * most three decimal places and stored as 72500, so that the RAG the
 * service computes is exact at every tolerance boundary.
 *
 * RAG and direction of travel are never stored: every read computes them
 * from the stored targets, actuals, polarity and tolerance, so they can
 * never disagree with the numbers.  A value that is replaced keeps every
 * earlier revision (indicator_value_revisions), shown as `revisions` with
 * `revised` and `revised_at`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/action_plan.h"
#include "api/api.h"
#include "api/common.h"
#include "db/listener.h"
#include "domain/indicator_rag.h"
#include "domain/period.h"
#include "domain/validate.h"
#include "http/cache.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"

#define COMMENTARY_MAX 2000

#define TS_UTC(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

static const struct db_statement statements[] = {
	{ "ind_all",
	  "SELECT code, title, definition, unit, polarity, frequency, outcome, outcome_title,"
	  " source, tolerance_kind, tolerance FROM indicators"
	  " WHERE ($1::text IS NULL OR code = $1) ORDER BY code", 1 },
	/* Every value (of one indicator, or of all), oldest first. */
	{ "ind_values",
	  "SELECT indicator_code, period, target, actual, commentary,"
	  " to_char(published_on, 'YYYY-MM-DD'), revision, " TS_UTC("updated_at")
	  " FROM indicator_values WHERE ($1::text IS NULL OR indicator_code = $1)"
	  " ORDER BY indicator_code, period_start", 1 },
	/* The earlier revisions of one indicator's values. */
	{ "ind_revisions",
	  "SELECT r.period, r.revision, r.target, r.actual, r.commentary,"
	  " to_char(r.published_on, 'YYYY-MM-DD'), " TS_UTC("r.recorded_at")
	  " FROM indicator_value_revisions r JOIN indicator_values v"
	  "   ON v.indicator_code = r.indicator_code AND v.period = r.period"
	  " WHERE r.indicator_code = $1 AND r.revision < v.revision"
	  " ORDER BY r.period, r.revision DESC", 1 },
	{ "ind_frequency",
	  "SELECT frequency FROM indicators WHERE code = $1", 1 },
	/* A PUT holds the value until it commits, so that of concurrent PUTs
	 * naming one revision exactly one sees it current. */
	{ "ind_value_lock",
	  "SELECT revision, target, actual, commentary, to_char(published_on, 'YYYY-MM-DD')"
	  " FROM indicator_values WHERE indicator_code = $1 AND period = $2 FOR UPDATE", 2 },
	{ "ind_value_insert",
	  "INSERT INTO indicator_values (indicator_code, period, period_start, period_end,"
	  " target, actual, commentary, published_on)"
	  " VALUES ($1, $2, $3::date, $4::date, $5::bigint, $6::bigint, $7, $8::date)"
	  " ON CONFLICT (indicator_code, period) DO NOTHING RETURNING revision", 8 },
	{ "ind_value_update",
	  "UPDATE indicator_values SET target = $3::bigint, actual = $4::bigint, commentary = $5,"
	  " published_on = $6::date, revision = revision + 1, updated_at = now()"
	  " WHERE indicator_code = $1 AND period = $2 RETURNING revision", 6 },
	{ "ind_revision_put",
	  "INSERT INTO indicator_value_revisions (indicator_code, period, revision, target, actual,"
	  " commentary, published_on, recorded_at, key_prefix, request_id)"
	  " SELECT indicator_code, period, revision, target, actual, commentary, published_on,"
	  " updated_at, $3, $4 FROM indicator_values WHERE indicator_code = $1 AND period = $2", 4 },
	{ "ind_notify",
	  "SELECT pg_notify('" LISTENER_CHANNEL "', 'indicators')", 0 },
};

/* ---- the data, loaded once per request ------------------------------------------ */

enum { IC_CODE, IC_TITLE, IC_DEFINITION, IC_UNIT, IC_POLARITY, IC_FREQUENCY, IC_OUTCOME,
       IC_OUTCOME_TITLE, IC_SOURCE, IC_TOL_KIND, IC_TOL };
enum { VC_CODE, VC_PERIOD, VC_TARGET, VC_ACTUAL, VC_COMMENTARY, VC_PUBLISHED, VC_REVISION,
       VC_UPDATED };

struct value {
	int row;
	struct period period;
	struct indicator_number target, actual;
};

struct indicator {
	int row;
	const char *code;
	enum indicator_polarity polarity;
	struct indicator_tolerance tolerance;
	struct value *values;   /* oldest first, into set.values */
	size_t nvalues;
};

struct indicator_set {
	PGresult *ind, *val;
	struct indicator *items;
	size_t n;
	struct value *values;
	size_t nvalues;
};

static void set_release(struct indicator_set *s)
{
	PQclear(s->ind);
	PQclear(s->val);
	free(s->items);
	free(s->values);
	memset(s, 0, sizeof(*s));
}

static struct indicator_number number_col(const PGresult *r, int row, int col)
{
	struct indicator_number n = { false, 0 };

	if (!PQgetisnull(r, row, col)) {
		n.present = true;
		n.thousandths = db_get_ll(r, row, col);
	}
	return n;
}

/* Load the indicators (all, or code) and their values.  0 (the caller
 * releases s), or -1 with the problem in res and nothing left to release. */
static int set_load_or_respond(struct request *req, struct response *res, const char *code,
			       struct indicator_set *s)
{
	const char *p[1] = { code };
	int ni, nv;
	size_t v = 0;

	memset(s, 0, sizeof(*s));
	if (api_exec_or_respond(req, res, "ind_all", 1, p, &s->ind) ||
	    api_exec_or_respond(req, res, "ind_values", 1, p, &s->val)) {
		set_release(s);
		return -1;
	}
	ni = PQntuples(s->ind);
	nv = PQntuples(s->val);
	s->items = calloc((size_t)ni + 1, sizeof(*s->items));
	s->values = calloc((size_t)nv + 1, sizeof(*s->values));
	if (!s->items || !s->values)
		goto internal;
	for (int i = 0; i < nv; i++) {
		struct value *x = &s->values[i];

		x->row = i;
		if (period_parse(PQgetvalue(s->val, i, VC_PERIOD), &x->period) != 0)
			goto internal;
		x->target = number_col(s->val, i, VC_TARGET);
		x->actual = number_col(s->val, i, VC_ACTUAL);
	}
	s->nvalues = (size_t)nv;
	/* Both are ordered by code, so the values of each indicator follow on. */
	for (int i = 0; i < ni; i++) {
		struct indicator *ind = &s->items[i];

		ind->row = i;
		ind->code = PQgetvalue(s->ind, i, IC_CODE);
		ind->polarity = indicator_polarity_parse(PQgetvalue(s->ind, i, IC_POLARITY));
		ind->tolerance.kind = indicator_tolerance_kind_parse(PQgetvalue(s->ind, i, IC_TOL_KIND));
		ind->tolerance.amount = db_get_ll(s->ind, i, IC_TOL);
		while (v < s->nvalues && strcmp(PQgetvalue(s->val, (int)v, VC_CODE), ind->code) < 0)
			v++;
		ind->values = &s->values[v];
		while (v < s->nvalues && strcmp(PQgetvalue(s->val, (int)v, VC_CODE), ind->code) == 0) {
			ind->nvalues++;
			v++;
		}
	}
	s->n = (size_t)ni;
	return 0;
internal:
	set_release(s);
	problem_send_internal(res);
	return -1;
}

static const struct value *find_value(const struct indicator *ind, const struct period *p)
{
	for (size_t i = 0; i < ind->nvalues; i++) {
		const struct period *q = &ind->values[i].period;

		if (q->kind == p->kind && date_compare(&q->start, &p->start) == 0)
			return &ind->values[i];
	}
	return NULL;
}

/* The newest value with an actual, or NULL. */
static const struct value *latest_value(const struct indicator *ind)
{
	for (size_t i = ind->nvalues; i > 0; i--)
		if (ind->values[i - 1].actual.present)
			return &ind->values[i - 1];
	return NULL;
}

static enum indicator_rag value_rag(const struct indicator *ind, const struct value *v)
{
	return indicator_rag_compute(ind->polarity, &ind->tolerance, v->target, v->actual);
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *number_json(struct indicator_number n)
{
	return n.present ? json_real((double)n.thousandths / 1000.0) : json_null();
}

static json_t *text_or_null(const PGresult *r, int row, int col)
{
	const char *t = db_get_text(r, row, col);

	return t ? json_string(t) : json_null();
}

static const char *const kind_names[] = { "", "month", "quarter", "financial_year" };

static json_t *period_json(const struct period *p)
{
	char label[32], start[11], end[11];

	if (period_format(p, label, sizeof(label)) < 0 ||
	    date_format(&p->start, start, sizeof(start)) < 0 ||
	    date_format(&p->end, end, sizeof(end)) < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s}", "label", label, "kind", kind_names[p->kind],
			 "start", start, "end", end);
}

static json_t *rag_json(enum indicator_rag rag)
{
	const char *name = indicator_rag_name(rag);

	return name ? json_string(name) : json_null();
}

/* A comparison with an earlier period: its label, its actual, and the
 * direction of travel from it. */
static json_t *comparison_json(const struct indicator *ind, const struct value *v,
			       const struct period *earlier_period, enum indicator_direction *dir)
{
	const struct value *earlier = find_value(ind, earlier_period);
	struct indicator_number none = { false, 0 };
	char label[32];

	*dir = indicator_direction_compute(ind->polarity, earlier ? earlier->actual : none, v->actual);
	if (period_format(earlier_period, label, sizeof(label)) < 0)
		return NULL;
	return json_pack("{s:s, s:o}", "period", label,
			 "actual", number_json(earlier ? earlier->actual : none));
}

/* What every representation of a value shares: period, target, actual,
 * RAG, direction of travel and what it was compared with. */
static json_t *value_core_json(const struct indicator *ind, const struct value *v)
{
	struct period prev, year;
	enum indicator_direction dprev, dyear;
	json_t *cprev, *cyear;

	period_previous(&v->period, &prev);
	period_year_earlier(&v->period, &year);
	cprev = comparison_json(ind, v, &prev, &dprev);
	cyear = comparison_json(ind, v, &year, &dyear);
	return json_pack("{s:o, s:o, s:o, s:o, s:{s:s, s:s}, s:{s:o, s:o}}",
			 "period", period_json(&v->period),
			 "target", number_json(v->target),
			 "actual", number_json(v->actual),
			 "rag", rag_json(value_rag(ind, v)),
			 "direction",
			 "previous_period", indicator_direction_name(dprev),
			 "year_earlier", indicator_direction_name(dyear),
			 "compared_with", "previous_period", cprev, "year_earlier", cyear);
}

/* A value as GET .../values shows it: the core, commentary, publication
 * and its revisions (rev: ind_revisions of the indicator, or NULL). */
static json_t *value_json(const struct indicator_set *s, const struct indicator *ind,
			  const struct value *v, const PGresult *rev)
{
	json_t *o = value_core_json(ind, v), *history;
	long long revision = db_get_ll(s->val, v->row, VC_REVISION);
	const char *label = PQgetvalue(s->val, v->row, VC_PERIOD);

	if (!o)
		return NULL;
	history = json_array();
	for (int i = 0; rev && history && i < PQntuples(rev); i++) {
		if (strcmp(PQgetvalue(rev, i, 0), label) != 0)
			continue;
		if (json_array_append_new(history, json_pack("{s:I, s:o, s:o, s:o, s:o, s:s}",
				"revision", (json_int_t)db_get_ll(rev, i, 1),
				"target", number_json(number_col(rev, i, 2)),
				"actual", number_json(number_col(rev, i, 3)),
				"commentary", text_or_null(rev, i, 4),
				"published_on", text_or_null(rev, i, 5),
				"recorded_at", PQgetvalue(rev, i, 6)))) {
			json_decref(history);
			history = NULL;
		}
	}
	if (!history ||
	    json_object_set_new(o, "commentary", text_or_null(s->val, v->row, VC_COMMENTARY)) ||
	    json_object_set_new(o, "published_on", text_or_null(s->val, v->row, VC_PUBLISHED)) ||
	    json_object_set_new(o, "revision", json_integer((json_int_t)revision)) ||
	    json_object_set_new(o, "revised", json_boolean(revision > 1)) ||
	    json_object_set_new(o, "revised_at", revision > 1
				? json_string(PQgetvalue(s->val, v->row, VC_UPDATED)) : json_null()) ||
	    json_object_set_new(o, "updated_at", json_string(PQgetvalue(s->val, v->row, VC_UPDATED))) ||
	    json_object_set_new(o, "revisions", history)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *indicator_json(const struct indicator_set *s, const struct indicator *ind)
{
	const PGresult *r = s->ind;
	int i = ind->row;
	const struct value *latest = latest_value(ind);
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
			 "latest", latest ? value_core_json(ind, latest) : json_null());
}

/* ---- GET /v1/indicators ---------------------------------------------------------- */

static const char *const frequencies[] = { "monthly", "quarterly", "annual", NULL };
static const char *const rag_filters[] = { "green", "amber", "red", "none", NULL };

static const struct csv_column indicator_columns[] = {
	{ "code", "/code" },
	{ "title", "/title" },
	{ "unit", "/unit" },
	{ "polarity", "/polarity" },
	{ "frequency", "/frequency" },
	{ "outcome", "/outcome" },
	{ "source", "/source" },
	{ "tolerance_kind", "/tolerance/kind" },
	{ "tolerance", "/tolerance/value" },
	{ "latest_period", "/latest/period/label" },
	{ "latest_target", "/latest/target" },
	{ "latest_actual", "/latest/actual" },
	{ "latest_rag", "/latest/rag" },
	{ "latest_direction_previous_period", "/latest/direction/previous_period" },
	{ "latest_direction_year_earlier", "/latest/direction/year_earlier" },
};

static void indicators_list(struct request *req, struct response *res)
{
	const char *outcome, *frequency, *rag;
	struct page page;
	struct indicator_set s;
	json_t *data;
	const char *next = NULL, *last_code = NULL;
	size_t taken = 0;

	if (request_single_or_respond(req, res, "outcome", &outcome) ||
	    request_enum_or_respond(req, res, "frequency", frequencies, NULL, &frequency) ||
	    request_enum_or_respond(req, res, "rag", rag_filters, NULL, &rag) ||
	    request_page_or_respond(req, res, &page))
		return;
	if (outcome && !code_is_valid(outcome)) {
		problem_send_bad_parameter(res, "outcome", "must be an outcome code such as equal_access");
		return;
	}
	if (page.after && !code_is_valid(page.after)) {
		problem_send_bad_parameter(res, "cursor",
			"is not a cursor this service issued; use links.next from a previous page");
		return;
	}
	if (!request_db_or_respond(req, res) || set_load_or_respond(req, res, NULL, &s))
		return;
	data = json_array();
	for (size_t i = 0; data && i < s.n; i++) {
		const struct indicator *ind = &s.items[i];
		const struct value *latest = latest_value(ind);
		const char *latest_rag = latest ? indicator_rag_name(value_rag(ind, latest)) : NULL;

		if (outcome && strcmp(PQgetvalue(s.ind, ind->row, IC_OUTCOME), outcome) != 0)
			continue;
		if (frequency && strcmp(PQgetvalue(s.ind, ind->row, IC_FREQUENCY), frequency) != 0)
			continue;
		if (rag && strcmp(latest_rag ? latest_rag : "none", rag) != 0)
			continue;
		if (page.after && strcmp(ind->code, page.after) <= 0)
			continue;
		if ((long)taken == page.limit) {
			next = request_cursor_encode(req, last_code);
			if (!next) {
				json_decref(data);
				data = NULL;
			}
			break;
		}
		if (json_array_append_new(data, indicator_json(&s, ind))) {
			json_decref(data);
			data = NULL;
		}
		taken++;
		last_code = ind->code;
	}
	if (!data) {
		set_release(&s);
		problem_send_internal(res);
		return;
	}
	set_release(&s);
	response_list(req, res, data, json_pack("{s:i}", "count", (int)json_array_size(data)),
		      next, indicator_columns, API_COUNT(indicator_columns));
}

/* ---- GET /v1/indicators/{code} ----------------------------------------------------- */

static void not_found(struct response *res)
{
	problem_send(res, 404, "not-found", "Not found",
		     "There is no indicator with that code (see /v1/indicators).");
}

static void indicators_get(struct request *req, struct response *res)
{
	const char *code = request_param(req, "code");
	struct indicator_set s;
	json_t *body;

	if (!code_is_valid(code)) {
		not_found(res);
		return;
	}
	if (!request_db_or_respond(req, res) || set_load_or_respond(req, res, code, &s))
		return;
	if (s.n != 1) {
		set_release(&s);
		not_found(res);
		return;
	}
	body = indicator_json(&s, &s.items[0]);
	set_release(&s);
	if (!body) {
		problem_send_internal(res);
		return;
	}
	response_json(res, 200, body);
}

/* ---- GET /v1/indicators/{code}/values ---------------------------------------------- */

static const struct csv_column value_columns[] = {
	{ "period", "/period/label" },
	{ "period_start", "/period/start" },
	{ "period_end", "/period/end" },
	{ "target", "/target" },
	{ "actual", "/actual" },
	{ "rag", "/rag" },
	{ "direction_previous_period", "/direction/previous_period" },
	{ "direction_year_earlier", "/direction/year_earlier" },
	{ "commentary", "/commentary" },
	{ "published_on", "/published_on" },
	{ "revision", "/revision" },
	{ "revised", "/revised" },
	{ "revised_at", "/revised_at" },
};

/* from/to: any period label; *set false when absent. */
static int period_query_or_respond(struct request *req, struct response *res, const char *name,
				   struct period *out, bool *set)
{
	const char *text;

	*set = false;
	if (request_single_or_respond(req, res, name, &text))
		return -1;
	if (!text)
		return 0;
	if (period_parse(text, out) != 0) {
		problem_send_bad_parameter(res, name,
			"must be a month such as 2024-04, a financial year such as 2024/25 or a financial quarter such as 2024/25 Q2");
		return -1;
	}
	*set = true;
	return 0;
}

static void values_list(struct request *req, struct response *res)
{
	const char *code = request_param(req, "code");
	struct period from, to;
	bool have_from, have_to;
	struct page page;
	struct date after;
	struct indicator_set s;
	PGresult *rev = NULL;
	json_t *data;
	const char *next = NULL;
	const struct value *last = NULL;

	if (!code_is_valid(code)) {
		not_found(res);
		return;
	}
	if (period_query_or_respond(req, res, "from", &from, &have_from) ||
	    period_query_or_respond(req, res, "to", &to, &have_to) ||
	    request_page_or_respond(req, res, &page))
		return;
	if (have_from && have_to && date_compare(&to.end, &from.start) < 0) {
		problem_send_bad_parameter(res, "to", "must not end before from begins");
		return;
	}
	if (page.after && date_parse(page.after, &after) != 0) {
		problem_send_bad_parameter(res, "cursor",
			"is not a cursor this service issued; use links.next from a previous page");
		return;
	}
	if (!request_db_or_respond(req, res) || set_load_or_respond(req, res, code, &s))
		return;
	if (s.n != 1) {
		set_release(&s);
		not_found(res);
		return;
	}
	{
		const char *p[1] = { code };

		if (api_exec_or_respond(req, res, "ind_revisions", 1, p, &rev)) {
			set_release(&s);
			return;
		}
	}
	data = json_array();
	for (size_t i = 0; data && i < s.items[0].nvalues; i++) {
		const struct value *v = &s.items[0].values[i];

		if (have_from && date_compare(&v->period.start, &from.start) < 0)
			continue;
		if (have_to && date_compare(&v->period.end, &to.end) > 0)
			continue;
		if (page.after && date_compare(&v->period.start, &after) <= 0)
			continue;
		if ((long)json_array_size(data) == page.limit) {
			char key[11];

			if (date_format(&last->period.start, key, sizeof(key)) < 0 ||
			    !(next = request_cursor_encode(req, key))) {
				json_decref(data);
				data = NULL;
			}
			break;
		}
		if (json_array_append_new(data, value_json(&s, &s.items[0], v, rev))) {
			json_decref(data);
			data = NULL;
		}
		last = v;
	}
	PQclear(rev);
	if (!data) {
		set_release(&s);
		problem_send_internal(res);
		return;
	}
	{
		json_t *meta = json_pack("{s:i, s:s, s:s, s:s}", "count", (int)json_array_size(data),
					 "indicator", code,
					 "unit", PQgetvalue(s.ind, 0, IC_UNIT),
					 "polarity", PQgetvalue(s.ind, 0, IC_POLARITY));

		set_release(&s);
		response_list(req, res, data, meta, next, value_columns, API_COUNT(value_columns));
	}
}

/* ---- PUT /v1/indicators/{code}/values/{period} --------------------------------------- */

static const char *const value_fields[] = {
	"target", "actual", "commentary", "published_on", NULL,
};

/*
 * A number with at most three decimal places and at most 10^9 in size, as
 * thousandths: printed with three decimals and read back, it must be the
 * very same double (so 72.1 passes and 0.0015 does not), and the digits of
 * that print are the exact thousandths.
 */
static void validate_number(struct validation *v, const json_t *obj, const char *name,
			    struct indicator_number *out)
{
	const json_t *m = json_object_get(obj, name);
	char ptr[32], text[48], digits[48];
	double x;
	size_t k = 0;

	out->present = false;
	if (!m || json_is_null(m))
		return;
	snprintf(ptr, sizeof(ptr), "/%s", name);
	if (!json_is_number(m)) {
		validation_add(v, ptr, "must be a number or null");
		return;
	}
	x = json_number_value(m);
	if (!isfinite(x) || fabs(x) > 1e9) {
		validation_add(v, ptr, "must be between -1000000000 and 1000000000");
		return;
	}
	snprintf(text, sizeof(text), "%.3f", x);
	if (strtod(text, NULL) != x) {
		validation_add(v, ptr, "must have at most three decimal places");
		return;
	}
	for (const char *c = text; *c; c++)
		if (*c != '.')
			digits[k++] = *c;
	digits[k] = '\0';
	out->present = true;
	out->thousandths = strtoll(digits, NULL, 10);
}

static bool has_control_chars(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/* The indicator's frequency decides which kind of period it takes. */
static enum period_kind frequency_kind(const char *frequency)
{
	if (strcmp(frequency, "monthly") == 0)
		return PERIOD_MONTH;
	if (strcmp(frequency, "annual") == 0)
		return PERIOD_FINANCIAL_YEAR;
	return PERIOD_QUARTER;
}


static const char *thousandths_text(struct indicator_number n, char *buf, size_t size)
{
	if (!n.present)
		return NULL;
	snprintf(buf, size, "%lld", n.thousandths);
	return buf;
}

/* The stored value as GET .../values shows it, in the response of a PUT. */
static void respond_value(struct request *req, struct response *res, const char *code,
			  const struct period *period, int status)
{
	struct indicator_set s;
	PGresult *rev = NULL;
	const struct value *v;
	json_t *body;
	const char *p[1] = { code };

	if (set_load_or_respond(req, res, code, &s))
		return;
	if (api_exec_or_respond(req, res, "ind_revisions", 1, p, &rev)) {
		set_release(&s);
		return;
	}
	v = s.n == 1 ? find_value(&s.items[0], period) : NULL;
	body = v ? value_json(&s, &s.items[0], v, rev) : NULL;
	if (!body) {
		problem_send_internal(res);
	} else {
		char revision[24];

		snprintf(revision, sizeof(revision), "%lld", db_get_ll(s.val, v->row, VC_REVISION));
		response_json(res, status, body);
		response_version_etag(res, revision);
	}
	PQclear(rev);
	set_release(&s);
}

static void value_put(struct request *req, struct response *res)
{
	const char *code = request_param(req, "code");
	const char *year = request_param(req, "year");
	const char *tail = request_param(req, "period");
	const char *if_match = request_header(req, "If-Match");
	json_t *body = NULL;
	struct validation v;
	struct period period;
	struct indicator_number target, actual;
	const char *commentary = NULL, *published = NULL;
	struct date published_date;
	PGresult *r = NULL;
	char label[32], start[11], end[11], ttext[24], atext[24], revision[24];
	char target_text[80] = "";
	bool exists;
	enum period_kind want;

	validation_init(&v);
	if (code_is_valid(code))
		snprintf(target_text, sizeof(target_text), "%s", code);
	if (!code_is_valid(code)) {
		not_found(res);
		goto done;
	}
	{
		const char *p[1] = { code };

		if (api_exec_or_respond(req, res, "ind_frequency", 1, p, &r))
			goto done;
	}
	if (PQntuples(r) != 1) {
		not_found(res);
		goto done;
	}
	want = frequency_kind(PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	snprintf(label, sizeof(label), "%s%s%s", year ? year : "", year ? "/" : "", tail ? tail : "");
	if (period_parse(label, &period) != 0 || period.kind != want) {
		problem_sendf(res, 404, "not-found", "Not found",
			      "This indicator is reported %s; its periods are written %s.",
			      want == PERIOD_MONTH ? "monthly" : want == PERIOD_QUARTER ? "quarterly" : "annually",
			      want == PERIOD_MONTH ? "such as 2024-04"
			      : want == PERIOD_QUARTER ? "such as 2024/25 Q2 (in a URL 2024/25-Q2)"
			      : "such as 2024/25");
		goto done;
	}
	(void)period_format(&period, label, sizeof(label));
	(void)date_format(&period.start, start, sizeof(start));
	(void)date_format(&period.end, end, sizeof(end));
	snprintf(target_text, sizeof(target_text), "%s %s", code, label);

	body = request_json_or_respond(req, res);
	if (!body)
		goto done;
	validate_known_fields(&v, body, "", value_fields);
	validate_number(&v, body, "target", &target);
	validate_number(&v, body, "actual", &actual);
	if (!target.present && !actual.present &&
	    !(json_object_get(body, "target") && !json_is_number(json_object_get(body, "target"))
	      && !json_is_null(json_object_get(body, "target"))) &&
	    !(json_object_get(body, "actual") && !json_is_number(json_object_get(body, "actual"))
	      && !json_is_null(json_object_get(body, "actual"))))
		validation_add(&v, "/actual", "is required unless a target is given (a value needs a target, an actual or both)");
	commentary = validate_string(&v, body, "", "commentary", false, COMMENTARY_MAX);
	if (commentary && has_control_chars(commentary)) {
		validation_add(&v, "/commentary", "must not contain control characters other than new lines and tabs");
		commentary = NULL;
	}
	if (validate_date(&v, body, "", "published_on", false, &published_date)) {
		if (date_compare(&published_date, &period.start) < 0)
			validation_add(&v, "/published_on", "must not be before the period begins (%s)", start);
		else
			published = json_string_value(json_object_get(body, "published_on"));
	}
	if (!validation_ok(&v)) {
		if (v.oom)
			problem_send_internal(res);
		else
			problem_send_invalid(res, validation_take_errors(&v));
		goto done;
	}

	{
		const char *p[2] = { code, label };

		if (api_exec_or_respond(req, res, "ind_value_lock", 2, p, &r))
			goto done;
	}
	exists = PQntuples(r) == 1;
	if (exists && !if_match) {
		problem_send(res, 428, "precondition-required", "Precondition required",
			     "This period has a value already: send If-Match with the ETag of the revision you are replacing, such as \"v1\" (its revision in GET .../values).");
		goto done;
	}
	if (if_match && (!exists || request_if_match_version(if_match, (long)db_get_ll(r, 0, 0)) != 1)) {
		if (exists) {
			problem_sendf(res, 412, "precondition-failed", "Precondition failed",
				      "The value is at revision %s; If-Match does not name it. Fetch it again and re-apply the change.",
				      PQgetvalue(r, 0, 0));
			response_version_etag(res, PQgetvalue(r, 0, 0));
		} else {
			problem_send(res, 412, "precondition-failed", "Precondition failed",
				     "There is no value for this period yet, so If-Match cannot match; send the first value without If-Match.");
		}
		goto done;
	}
	if (exists) {
		/* The same figures again change nothing: no new revision. */
		struct indicator_number ct = number_col(r, 0, 1), ca = number_col(r, 0, 2);
		const char *cc = db_get_text(r, 0, 3), *cp = db_get_text(r, 0, 4);
		bool same = ct.present == target.present &&
			    (!ct.present || ct.thousandths == target.thousandths) &&
			    ca.present == actual.present &&
			    (!ca.present || ca.thousandths == actual.thousandths) &&
			    ((!cc && !commentary) || (cc && commentary && strcmp(cc, commentary) == 0)) &&
			    ((!cp && !published) || (cp && published && strcmp(cp, published) == 0));

		PQclear(r);
		r = NULL;
		if (same) {
			respond_value(req, res, code, &period, 200);
			goto done;
		}
		{
			const char *p[6] = { code, label, thousandths_text(target, ttext, sizeof(ttext)),
					     thousandths_text(actual, atext, sizeof(atext)), commentary, published };

			if (api_exec_or_respond(req, res, "ind_value_update", 6, p, &r))
				goto done;
		}
	} else {
		PQclear(r);
		r = NULL;
		{
			const char *p[8] = { code, label, start, end,
					     thousandths_text(target, ttext, sizeof(ttext)),
					     thousandths_text(actual, atext, sizeof(atext)), commentary, published };

			if (api_exec_or_respond(req, res, "ind_value_insert", 8, p, &r))
				goto done;
		}
		if (PQntuples(r) != 1) {
			/* Another request created it first, between our look and our insert. */
			problem_send(res, 412, "precondition-failed", "Precondition failed",
				     "A value for this period was created by another request meanwhile; fetch it and send If-Match to replace it.");
			goto done;
		}
	}
	snprintf(revision, sizeof(revision), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = NULL;
	{
		const char *p[4] = { code, label, req->auth.key_prefix, req->request_id };

		if (api_exec_or_respond(req, res, "ind_revision_put", 4, p, NULL) ||
		    api_exec_or_respond(req, res, "ind_notify", 0, NULL, NULL))
			goto done;
	}
	respond_value(req, res, code, &period, exists ? 200 : 201);
	if (res->status == 201) {
		char location[160];

		snprintf(location, sizeof(location), "/v1/indicators/%s/values", code);
		(void)response_header_add(res, "Location", location);
	}
done:
	/* Set last: a problem response clears the target. */
	if (target_text[0])
		snprintf(res->audit_target, sizeof(res->audit_target), "%s", target_text);
	PQclear(r);
	validation_release(&v);
	json_decref(body);
}

/* ---- GET /v1/scorecard ------------------------------------------------------------- */

static void scorecard(struct request *req, struct response *res)
{
	const char *text;
	struct period quarter;
	struct indicator_set s;
	json_t *rows = NULL, *plan = NULL, *body = NULL;
	long counts[4] = { 0 };

	if (request_single_or_respond(req, res, "period", &text))
		return;
	if (text && period_parse_kinds(text, 1u << PERIOD_QUARTER, &quarter) != 0) {
		problem_send_bad_parameter(res, "period",
			"must be a financial quarter such as 2024/25 Q2 (or 2024/25-Q2)");
		return;
	}
	if (!request_db_or_respond(req, res) || set_load_or_respond(req, res, NULL, &s))
		return;
	if (!text) {
		/* The newest quarter any quarterly indicator has an actual for. */
		bool found = false;

		for (size_t i = 0; i < s.nvalues; i++) {
			const struct value *v = &s.values[i];

			if (v->period.kind == PERIOD_QUARTER && v->actual.present &&
			    (!found || date_compare(&v->period.start, &quarter.start) > 0)) {
				quarter = v->period;
				found = true;
			}
		}
		if (!found) {
			set_release(&s);
			problem_send(res, 404, "not-found", "Not found",
				     "No indicator has a quarterly value yet; name a period.");
			return;
		}
	}
	rows = json_array();
	for (size_t i = 0; rows && i < s.n; i++) {
		const struct indicator *ind = &s.items[i];
		const PGresult *r = s.ind;
		const char *freq = PQgetvalue(r, ind->row, IC_FREQUENCY);
		struct period p;
		const struct value *v;
		json_t *row, *core;
		enum indicator_rag rag = RAG_NONE;

		/* A monthly indicator shows the quarter's last month, an annual
		 * one the quarter's financial year. */
		period_containing(frequency_kind(freq), &quarter.end, &p);
		v = find_value(ind, &p);
		row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
				"code", ind->code,
				"title", PQgetvalue(r, ind->row, IC_TITLE),
				"unit", PQgetvalue(r, ind->row, IC_UNIT),
				"polarity", PQgetvalue(r, ind->row, IC_POLARITY),
				"frequency", freq,
				"outcome", PQgetvalue(r, ind->row, IC_OUTCOME));
		if (v) {
			rag = value_rag(ind, v);
			core = value_core_json(ind, v);
			if (core && row) {
				json_object_update(row, core);
				if (json_object_set_new(row, "commentary",
							text_or_null(s.val, v->row, VC_COMMENTARY)) ||
				    json_object_set_new(row, "revised", json_boolean(
						db_get_ll(s.val, v->row, VC_REVISION) > 1))) {
					json_decref(row);
					row = NULL;
				}
			} else {
				json_decref(row);
				row = NULL;
			}
			json_decref(core);
		} else if (row) {
			json_t *none = json_pack("{s:o, s:n, s:n, s:n, s:{s:s, s:s}, s:n, s:n, s:b}",
						 "period", period_json(&p), "target", "actual", "rag",
						 "direction", "previous_period", "not_comparable",
						 "year_earlier", "not_comparable",
						 "compared_with", "commentary", "revised", 0);

			if (!none || json_object_update(row, none)) {
				json_decref(row);
				row = NULL;
			}
			json_decref(none);
		}
		counts[rag]++;
		if (!row || json_array_append_new(rows, row)) {
			json_decref(rows);
			rows = NULL;
		}
	}
	set_release(&s);
	if (!rows) {
		problem_send_internal(res);
		return;
	}
	plan = action_plan_summary_json(req, res, NULL);
	if (!plan) {
		if (res->status != 404) {
			json_decref(rows);
			return;   /* 503 or 500 in res already */
		}
		/* No current action plan: the scorecard says so. */
		response_reset(res);
		res->status = 0;
		plan = json_null();
	}
	body = json_pack("{s:o, s:o, s:{s:i, s:i, s:i, s:i}, s:o}",
			 "period", period_json(&quarter),
			 "indicators", rows,
			 "rag_counts", "green", (int)counts[RAG_GREEN], "amber", (int)counts[RAG_AMBER],
			 "red", (int)counts[RAG_RED], "none", (int)counts[RAG_NONE],
			 "action_plan", plan);
	if (!body) {
		problem_send_internal(res);
		return;
	}
	response_json(res, 200, body);
}

/* ---- the route table --------------------------------------------------------------- */

static const char *const list_params[] = {
	"outcome", "frequency", "rag", "limit", "cursor", "format", NULL,
};
static const char *const values_params[] = { "from", "to", "limit", "cursor", "format", NULL };
static const char *const scorecard_params[] = { "period", NULL };

static const struct route routes[] = {
	{ .method = HTTP_GET, .template = "/v1/indicators", .handler = indicators_list,
	  .query_params = list_params, .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = DATA_INDICATORS | DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/indicators/{code}", .handler = indicators_get,
	  .flags = ROUTE_PUBLIC, .depends = DATA_INDICATORS | DATA_REFERENCE },
	{ .method = HTTP_GET, .template = "/v1/indicators/{code}/values", .handler = values_list,
	  .query_params = values_params, .flags = ROUTE_PUBLIC | ROUTE_CSV,
	  .depends = DATA_INDICATORS | DATA_REFERENCE },
	{ .method = HTTP_PUT, .template = "/v1/indicators/{code}/values/{period}", .handler = value_put,
	  .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "manage:indicators",
	  .action = "indicator_value.put", .depends = DATA_INDICATORS },
	{ .method = HTTP_PUT, .template = "/v1/indicators/{code}/values/{year}/{period}",
	  .handler = value_put, .flags = ROUTE_WRITE | ROUTE_BODY, .scope = "manage:indicators",
	  .action = "indicator_value.put", .depends = DATA_INDICATORS },
	{ .method = HTTP_GET, .template = "/v1/scorecard", .handler = scorecard,
	  .query_params = scorecard_params, .flags = ROUTE_PUBLIC,
	  .depends = DATA_INDICATORS | DATA_REFERENCE | DATA_ACTION_PLAN },
};

const struct api_module indicators_module = {
	.name = "indicators",
	.routes = routes,
	.nroutes = API_COUNT(routes),
	.statements = statements,
	.nstatements = API_COUNT(statements),
};
