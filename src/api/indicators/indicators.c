/*
 * indicators.c - GET /v1/indicators (filtered on what only C computes, the
 * latest RAG, so paged in C by code) and GET /v1/indicators/{code}.
 */
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/indicators/indicators.h"
#include "api/kit/list.h"
#include "http/request.h"
#include "http/response.h"

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

static const struct cursor_spec indicator_keyset = CURSOR_SPEC("indicators", CURSOR_KEY_TEXT);

struct indicator_filters {
	const char *outcome, *frequency, *rag;
};

static bool matches(const struct indicator_set *s, const struct indicator *ind,
		    const struct indicator_filters *f)
{
	const struct indicator_point *latest = indicator_point_latest(ind->points, ind->npoints);
	const char *rag = latest ? indicator_rag_name(set_point_rag(ind, latest)) : NULL;

	return (!f->outcome || strcmp(PQgetvalue(s->ind, ind->row, IC_OUTCOME), f->outcome) == 0) &&
	       (!f->frequency ||
		strcmp(PQgetvalue(s->ind, ind->row, IC_FREQUENCY), f->frequency) == 0) &&
	       (!f->rag || strcmp(rag ? rag : "none", f->rag) == 0);
}

/* The page of s after the cursor: data, the code of its last row in
 * *next when more rows match, and in *total how many match on every page
 * (the set is in memory: counting is free). */
static json_t *page_json(const struct indicator_set *s, const struct indicator_filters *f,
			 const struct list_page *page, const char **next, size_t *total)
{
	const char *after = list_after(page, 0), *last = NULL;
	json_t *data = json_array();

	*next = NULL;
	*total = 0;
	for (size_t i = 0; data && i < s->n; i++) {
		const struct indicator *ind = &s->items[i];

		if (!matches(s, ind, f))
			continue;
		++*total;
		if ((after && strcmp(ind->code, after) <= 0) || *next)
			continue;
		if ((long)json_array_size(data) == page->limit) {
			*next = last;
			continue;
		}
		if (json_array_append_new(data, set_indicator_json(s, ind))) {
			json_decref(data);
			data = NULL;
		}
		last = ind->code;
	}
	return data;
}

void indicators_list(struct request *req, struct response *res)
{
	struct indicator_filters f;
	struct list_page page;
	struct indicator_set s;
	const char *next;
	json_t *data;
	size_t total;

	if (request_single_or_respond(req, res, "outcome", &f.outcome) ||
	    request_enum_or_respond(req, res, "frequency", frequencies, NULL, &f.frequency) ||
	    request_enum_or_respond(req, res, "rag", rag_filters, NULL, &f.rag) ||
	    list_page_or_respond(req, res, &indicator_keyset, &page))
		return;
	if (f.outcome && !code_is_valid(f.outcome)) {
		problem_send_bad_parameter(res, "outcome", "must be an outcome code such as equal_access");
		return;
	}
	if (!request_db_or_respond(req, res) || set_load_or_respond(req, res, NULL, &s))
		return;
	data = page_json(&s, &f, &page, &next, &total);
	/* The codes live in s: the cursor is made before it goes. */
	list_respond(req, res, &page, data, next ? &next : NULL,
		     json_pack("{s:I}", "total", (json_int_t)total), indicator_columns,
		     API_COUNT(indicator_columns));
	set_release(&s);
}

void indicators_get(struct request *req, struct response *res)
{
	const char *code = request_param(req, "code");
	struct indicator_set s;
	json_t *body;

	if (!code_is_valid(code)) {
		indicator_not_found(res);
		return;
	}
	if (!request_db_or_respond(req, res) || set_load_or_respond(req, res, code, &s))
		return;
	if (s.n != 1) {
		set_release(&s);
		indicator_not_found(res);
		return;
	}
	body = set_indicator_json(&s, &s.items[0]);
	set_release(&s);
	if (!body) {
		problem_send_internal(res);
		return;
	}
	response_json(res, 200, body);
}
