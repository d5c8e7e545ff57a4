/*
 * summary.c - the published summary of a window's accepted returns.
 *
 *   GET /v1/returns/summary?window=   public, disclosure-controlled (JSON or CSV)
 *
 * The table and its suppression are src/domain/returns_summary.h; this
 * file reads the window, the accepted returns and the categories, and
 * writes the rows and the rule that was applied.  A window's summary is
 * built and suppressed once per change of the returns (the memo kit) and
 * shared by every request for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/releases.h"
#include "api/kit/table_memo.h"
#include "api/returns/returns.h"
#include "config.h"
#include "http/cache.h"
#include "domain/returns_summary.h"
#include "http/request.h"
#include "http/response.h"

static const struct csv_column summary_csv[] = {
	{ "window", "/window" },
	{ "kind", "/kind" },
	{ "period", "/period" },
	{ "characteristic", "/characteristic" },
	{ "category", "/category" },
	{ "category_name", "/category_name" },
	{ "value", "/value" },
	{ "suppressed", "/suppressed" },
	{ "partners", "/partners" },
};

/* What the summary is built from. */
struct inputs {
	const char *window;
	PGresult *w;                  /* kind, period, open_date, due_date, age_bands, universe */
	PGresult *acc;                /* total, lines, adult total of each accepted return */
	struct returns_categories cat;
	json_t **lines;               /* parsed lines of each accepted return */
	struct accepted_return *accepted;
	size_t naccepted;
};

static void inputs_release(struct inputs *in)
{
	for (size_t a = 0; in->lines && a < in->naccepted; a++)
		json_decref(in->lines[a]);
	free(in->lines);
	free(in->accepted);
	PQclear(in->w);
	PQclear(in->acc);
	returns_categories_release(&in->cat);
}

/* The accepted returns as the rule takes them (lines that do not parse
 * count nothing, as an empty return). */
static int accepted_parse(struct inputs *in)
{
	in->naccepted = (size_t)PQntuples(in->acc);
	in->lines = calloc(in->naccepted + 1, sizeof(*in->lines));
	in->accepted = calloc(in->naccepted + 1, sizeof(*in->accepted));
	if (!in->lines || !in->accepted)
		return -1;
	for (size_t a = 0; a < in->naccepted; a++) {
		in->lines[a] = json_loads(PQgetvalue(in->acc, (int)a, 1), 0, NULL);
		in->accepted[a] = (struct accepted_return){
			db_get_ll(in->acc, (int)a, 0), in->lines[a], db_get_ll(in->acc, (int)a, 2) };
	}
	return 0;
}

/* 0, or -1 with the problem in res (404 for no such window). */
static int inputs_load_or_respond(struct request *req, struct response *res, struct inputs *in)
{
	const char *p[1] = { in->window };

	if (api_exec_or_respond(req, res, "rs_window", 1, p, &in->w))
		return -1;
	if (PQntuples(in->w) != 1) {
		returns_not_found(res, "return window");
		return -1;
	}
	if (api_exec_or_respond(req, res, "rs_accepted", 1, p, &in->acc) ||
	    returns_categories_load_or_respond(req, res, &in->cat))
		return -1;
	if (accepted_parse(in) != 0) {
		problem_send_internal(res);
		return -1;
	}
	return 0;
}

/* One row per characteristic and cell (the total under each). */
static json_t *rows_new(const struct inputs *in, const struct return_kind *kind,
			const struct returns_summary *s)
{
	json_t *data = json_array();

	for (size_t c = 0; data && kind->characteristics[c]; c++) {
		for (size_t k = 0; k < s->ncells; k++) {
			json_t *row;

			if (!returns_summary_in(s, k, kind->characteristics[c]))
				continue;
			row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:i}",
					"window", in->window, "kind", kind->kind,
					"period", PQgetvalue(in->w, 0, 1),
					"characteristic", kind->characteristics[c],
					"category", s->cells[k].category, "category_name", s->cells[k].name,
					"value", s->suppressed[k] ? json_null() : json_integer(s->values[k]),
					"suppressed", s->suppressed[k], "partners", (int)s->partners);
			if (!row || json_array_append_new(data, row)) {
				json_decref(data);
				return NULL;
			}
		}
	}
	return data;
}

/* What a value of a window of this kind counts. */
static const char *kind_counts(const char *kind)
{
	return strcmp(kind, "workforce") == 0
		? "people: each value is a number of staff that partners' accepted returns for the window report, each person once per characteristic."
		: "people: each value is a number of service users that partners' accepted returns for the window report, each person once per characteristic (adult_total: those aged 16 and over).";
}

static json_t *meta_new(const struct inputs *in, const struct return_kind *kind,
			const struct returns_summary *s, unsigned threshold, size_t count)
{
	char rule[700];

	snprintf(rule, sizeof(rule),
		 "Nothing is published unless at least %d partners' accepted returns contribute (with fewer, a partner could subtract its own counts and learn another's). Then counts from 1 to %u are withheld (value null, suppressed true), and further cells where needed so that no withheld count can be recovered from the total and the other categories of any characteristic. Zero is published as zero.",
		 RETURNS_MIN_PARTNERS, threshold - 1);
	return json_pack("{s:{s:s, s:s, s:s, s:s, s:s}, s:i, s:i, s:{s:s, s:i, s:s}, s:s, s:s, s:s, s:i}",
			 "window", "id", in->window, "kind", kind->kind, "period", PQgetvalue(in->w, 0, 1),
			 "open_date", PQgetvalue(in->w, 0, 2), "due_date", PQgetvalue(in->w, 0, 3),
			 "partners_contributing", (int)s->partners,
			 "minimum_partners", RETURNS_MIN_PARTNERS,
			 "disclosure", "method", "minimum contributors, then primary and secondary cell suppression",
			 "threshold", (int)threshold, "rule", rule,
			 "categories", "Accepted returns only, combined by top-level category: a return that gives sub-categories (such as asian_indian) counts towards their parent (asian). Each characteristic's categories add up to its total (category total), or for a measure asked only of people aged 16 and over (sexual orientation) in a window that includes children, to the adult total (category adult_total).",
			 "undeclared", "prefer_not_to_say (declined) and not_known (the partner does not hold an answer) are rows of every characteristic, counted in its total. A share is a row's value over its characteristic's total, so undeclared people stay in the denominator: subtract the two undeclared rows from the total first to compare declared groups only.",
			 "counts", kind_counts(kind->kind),
			 "count", (int)count);
}

/* The window parameter: required, a uuid.  0, or -1 with the problem. */
static int window_param_or_respond(struct request *req, struct response *res, const char **window)
{
	if (request_single_or_respond(req, res, "window", window))
		return -1;
	if (!*window) {
		problem_send_bad_parameter(res, "window", "is required: the id of a return window (see /v1/return-windows)");
		return -1;
	}
	if (!uuid_is_valid(*window)) {
		problem_send_bad_parameter(res, "window", "must be a return window's id");
		return -1;
	}
	return 0;
}

/* A window's summary and what its strings point into. */
struct built {
	struct inputs in;
	struct returns_summary s;
	struct return_rules rules;   /* the window's kind, band scheme and universe */
	const struct return_kind *kind;
};

static void built_free(void *v)
{
	struct built *b = v;

	if (!b)
		return;
	returns_summary_release(&b->s);
	inputs_release(&b->in);
	free(b);
}

static struct memo summaries = MEMO_INIT(built_free);

static void *summary_build(struct request *req, struct response *res, void *arg)
{
	struct built *b = calloc(1, sizeof(*b));

	if (!b) {
		problem_send_internal(res);
		return NULL;
	}
	b->in.window = arg;
	if (!request_db_or_respond(req, res) || inputs_load_or_respond(req, res, &b->in))
		goto fail;
	b->rules = return_rules_of(PQgetvalue(b->in.w, 0, 0), PQgetvalue(b->in.w, 0, 4),
				   PQgetvalue(b->in.w, 0, 5));
	b->kind = b->rules.kind;
	if (!b->kind || returns_summary_build(&b->s, &b->rules, &b->in.cat.cat, b->in.accepted,
					      b->in.naccepted, (int)req->cfg->suppress_below) != 0) {
		problem_send_internal(res);
		goto fail;
	}
	/* The window string is the first request's: the key keeps it. */
	b->in.window = NULL;
	return b;
fail:
	built_free(b);
	return NULL;
}

/* The memoised summary of window; -1 after a problem in res. */
static int summary_ref_or_respond(struct request *req, struct response *res, const char *window,
				  struct memo_ref *ref)
{
	char name[64];

	snprintf(name, sizeof(name), "window|%s", window);
	return table_memo_get_or_respond(&summaries, req, res, DATA_RETURNS | DATA_REFERENCE, name,
					 summary_build, (void *)window, ref);
}

/* ---- releases (api/kit/releases.h) ---------------------------------------------- */

#define SUMMARY_TABLE "summary"

static void layout_of(const struct built *b, char *buf, size_t n)
{
	snprintf(buf, n, "returns-summary:%s:cells=%zu", b->kind->kind, b->s.ncells);
}

/* Release summary b of window: 0 with the release in *made, or -1 after
 * a problem in res.  given: the caller's reason, or NULL. */
static int release_built_or_respond(struct request *req, struct response *res, const struct built *b,
				    const char *window, const char *given, json_t **made)
{
	json_t *about = json_pack("{s:i}", "partners", (int)b->s.partners);
	char layout[128], *reason = request_alloc(req, 400);
	int rc = -1;

	layout_of(b, layout, sizeof(layout));
	if (!about || !reason) {
		problem_send_internal(res);
		goto done;
	}
	snprintf(reason, 400, "%s%s%zu partners' accepted returns.", given ? given : "", given ? " " : "",
		 b->s.partners);
	{
		const struct release_subject subject = { "returns-summary", window, layout };
		const struct release_table table = { SUMMARY_TABLE, b->s.values, b->s.ncells,
			b->s.constraints, b->s.nconstraints, b->s.partners < RETURNS_MIN_PARTNERS, about, NULL, NULL };

		rc = releases_make_or_respond(req, res, &subject, reason, &table, 1, made);
	}
done:
	json_decref(about);
	return rc;
}

/* POST /v1/returns/summary/releases: the council releases a window's
 * summary when the window closes (summary_rerelease_or_respond releases
 * it again after each late return accepted). */
void summary_release_make(struct request *req, struct response *res)
{
	struct memo_ref ref = { 0 };
	json_t *body = request_json_or_respond(req, res), *made = NULL;
	const char *window;

	if (!body)
		return;
	window = json_string_value(json_object_get(body, "window"));
	if (summary_ref_or_respond(req, res, window, &ref) == 0 &&
	    release_built_or_respond(req, res, ref.value, window,
				     json_string_value(json_object_get(body, "reason")), &made) == 0) {
		snprintf(res->audit_target, sizeof(res->audit_target), "returns-summary/%.36s", window);
		response_json(res, 201, made);
	}
	json_decref(body);
	memo_release(&summaries, &ref);
}

int summary_rerelease_or_respond(struct request *req, struct response *res, const char *return_id)
{
	const char *p[1] = { return_id };
	PGresult *r = NULL;
	struct built *b = NULL;
	json_t *made = NULL;
	int rc = -1;

	if (api_exec_or_respond(req, res, "rs_released_window", 1, p, &r))
		return -1;
	if (PQntuples(r) == 0) {
		rc = 0;   /* never released: the release at the window's close will show it */
		goto done;
	}
	/* Built afresh: a memoised summary predates this transaction's acceptance. */
	if ((b = summary_build(req, res, PQgetvalue(r, 0, 0))))
		rc = release_built_or_respond(req, res, b, PQgetvalue(r, 0, 0), "A late return was accepted.",
					      &made);
done:
	json_decref(made);
	built_free(b);
	PQclear(r);
	return rc;
}

/* The summary a read serves for its release=: the live one, or the
 * release's cells in arrays the request owns.  -1 after a problem. */
static int summary_view_or_respond(struct request *req, struct response *res, const struct built *b,
				   const char *window, struct returns_summary *view, json_t **meta)
{
	const struct release_subject subject = { "returns-summary", window, "" };
	struct release_view v;
	char layout[128];
	int rc = -1;

	if (releases_view_or_respond(req, res, &subject, "review:returns", &v) != 0)
		return -1;
	*view = b->s;
	layout_of(b, layout, sizeof(layout));
	if (!v.live) {
		view->values = request_alloc(req, (b->s.ncells + 1) * sizeof(*view->values));
		view->suppressed = request_alloc(req, (b->s.ncells + 1) * sizeof(*view->suppressed));
		if (!view->values || !view->suppressed || strcmp(v.layout, layout) != 0 ||
		    !releases_view_table(&v, SUMMARY_TABLE, b->s.ncells, view->values, view->suppressed)) {
			problem_send_internal(res);
			goto done;
		}
		view->partners = (size_t)json_integer_value(json_object_get(
			releases_view_about(&v, SUMMARY_TABLE), "partners"));
	}
	*meta = json_incref(v.meta);
	rc = 0;
done:
	releases_view_release(&v);
	return rc;
}

void summary_get(struct request *req, struct response *res)
{
	struct memo_ref ref = { 0 };
	const struct built *b;
	struct returns_summary view;
	struct inputs in;
	const char *window;
	json_t *data, *release = NULL;

	if (window_param_or_respond(req, res, &window) || summary_ref_or_respond(req, res, window, &ref) != 0)
		return;
	b = ref.value;
	in = b->in;
	in.window = window;
	/* The public reads the window's latest release, once there is one. */
	if (summary_view_or_respond(req, res, b, window, &view, &release) != 0)
		goto done;
	data = rows_new(&in, b->kind, &view);
	releases_list_respond(req, res, data,
			      data ? meta_new(&in, b->kind, &view, req->cfg->suppress_below, json_array_size(data))
				   : NULL, release, summary_csv, API_COUNT(summary_csv));
done:
	json_decref(release);
	memo_release(&summaries, &ref);
}
