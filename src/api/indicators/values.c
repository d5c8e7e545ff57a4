/*
 * values.c - an indicator's values: GET /v1/indicators/{code}/values and
 * PUT .../values/{period}, which records a value or a new revision of one
 * (routes and SQL in module.c, rules in domain/indicator_value.c).
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/indicators/indicators.h"
#include "api/kit/edit.h"
#include "api/kit/list.h"
#include "http/request.h"
#include "http/response.h"

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

/* Oldest first, by the day the period starts. */
static const struct cursor_spec value_keyset = CURSOR_SPEC("indicator-values", CURSOR_KEY_DATE);

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

struct value_range {
	struct period from, to;
	bool have_from, have_to, have_after;
	struct date after;   /* the cursor's period start */
};

static int range_or_respond(struct request *req, struct response *res, struct value_range *q,
			    struct list_page *page)
{
	if (period_query_or_respond(req, res, "from", &q->from, &q->have_from) ||
	    period_query_or_respond(req, res, "to", &q->to, &q->have_to) ||
	    list_page_or_respond(req, res, &value_keyset, page))
		return -1;
	if (q->have_from && q->have_to && date_compare(&q->to.end, &q->from.start) < 0) {
		problem_send_bad_parameter(res, "to", "must not end before from begins");
		return -1;
	}
	/* The codec has checked the key is a date. */
	q->have_after = list_after(page, 0) && date_parse(list_after(page, 0), &q->after) == 0;
	return 0;
}

static bool in_range(const struct value_range *q, const struct period *p)
{
	return (!q->have_from || date_compare(&p->start, &q->from.start) >= 0) &&
	       (!q->have_to || date_compare(&p->end, &q->to.end) <= 0) &&
	       (!q->have_after || date_compare(&p->start, &q->after) > 0);
}

/* The page of the one indicator in s: data, and the start of its last
 * row in next (11 bytes, "" when no more rows match). */
static json_t *page_json(const struct indicator_set *s, const PGresult *rev,
			 const struct value_range *q, long limit, char *next)
{
	const struct indicator *ind = &s->items[0];
	const struct indicator_point *last = NULL;
	json_t *data = json_array();

	next[0] = '\0';
	for (size_t i = 0; data && i < ind->npoints; i++) {
		const struct indicator_point *pt = &ind->points[i];

		if (!in_range(q, &pt->period))
			continue;
		if ((long)json_array_size(data) == limit) {
			if (date_format(&last->period.start, next, 11) < 0) {
				json_decref(data);
				data = NULL;
			}
			break;
		}
		if (json_array_append_new(data, set_value_json(s, ind, pt, rev))) {
			json_decref(data);
			data = NULL;
		}
		last = pt;
	}
	return data;
}

/* The indicator code with its values, and their earlier revisions. */
static int values_load_or_respond(struct request *req, struct response *res, const char *code,
				  struct indicator_set *s, PGresult **rev)
{
	const char *p[1] = { code };

	*rev = NULL;
	if (set_load_or_respond(req, res, code, s))
		return -1;
	if (s->n != 1) {
		set_release(s);
		indicator_not_found(res);
		return -1;
	}
	if (api_exec_or_respond(req, res, "ind_revisions", 1, p, rev)) {
		set_release(s);
		return -1;
	}
	return 0;
}

void values_list(struct request *req, struct response *res)
{
	const char *code = request_param(req, "code");
	struct value_range q;
	struct list_page page;
	struct indicator_set s;
	PGresult *rev = NULL;
	char next[11];
	const char *keys[1] = { next };
	json_t *data;

	if (!code_is_valid(code)) {
		indicator_not_found(res);
		return;
	}
	if (range_or_respond(req, res, &q, &page) || !request_db_or_respond(req, res) ||
	    values_load_or_respond(req, res, code, &s, &rev))
		return;
	data = page_json(&s, rev, &q, page.limit, next);
	PQclear(rev);
	list_respond(req, res, &page, data, next[0] ? keys : NULL,
		     json_pack("{s:s, s:s, s:s}", "indicator", code,
			       "unit", PQgetvalue(s.ind, 0, IC_UNIT),
			       "polarity", PQgetvalue(s.ind, 0, IC_POLARITY)),
		     value_columns, API_COUNT(value_columns));
	set_release(&s);
}

/* ---- PUT /v1/indicators/{code}/values/{period} --------------------------------------- */

/* The stored value as GET .../values shows it, in the response of a PUT. */
static void respond_value(struct request *req, struct response *res, const char *code,
			  const struct period *period, int status)
{
	struct indicator_set s;
	PGresult *rev = NULL;
	const struct indicator_point *pt;
	json_t *body;
	char revision[24];

	if (values_load_or_respond(req, res, code, &s, &rev))
		return;
	pt = indicator_point_find(s.items[0].points, s.items[0].npoints, period);
	if (!pt) {
		problem_send(res, 404, "not-found", "Not found",
			     "This indicator has no value for this period yet; the first one is sent with PUT, without If-Match.");
		goto done;
	}
	body = set_value_json(&s, &s.items[0], pt, rev);
	if (!body) {
		problem_send_internal(res);
		goto done;
	}
	snprintf(revision, sizeof(revision), "%lld",
		 db_get_ll(s.val, set_point_row(&s, pt), VC_REVISION));
	response_json(res, status, body);
	response_version_etag(res, revision);
	if (res->status == 201)
		response_location(res, "/v1/indicators/%s/values", code);
done:
	PQclear(rev);
	set_release(&s);
}

/* The period the path names, of the kind the indicator takes: 0, or -1
 * with a 404 (or 503) in res.  label: its canonical label (32 bytes). */
static int period_or_respond(struct request *req, struct response *res, const char *code,
			     struct period *out, char *label, bool *computed)
{
	const char *p[1] = { code };
	PGresult *r = NULL;
	enum period_kind want;

	if (!code_is_valid(code)) {
		indicator_not_found(res);
		return -1;
	}
	if (api_exec_or_respond(req, res, "ind_frequency", 1, p, &r))
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		indicator_not_found(res);
		return -1;
	}
	want = indicator_frequency_kind(PQgetvalue(r, 0, 0));
	*computed = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	PQclear(r);
	if (indicator_value_period(request_param(req, "year"), request_param(req, "period"), want,
				   out) != 0 || period_format(out, label, 32) < 0) {
		problem_sendf(res, 404, "not-found", "Not found",
			      "This indicator is reported %s; its periods are written %s.",
			      want == PERIOD_MONTH ? "monthly" : want == PERIOD_QUARTER ? "quarterly" : "annually",
			      want == PERIOD_MONTH ? "such as 2024-04"
			      : want == PERIOD_QUARTER ? "such as 2024/25 Q2 (in a URL 2024/25-Q2)"
			      : "such as 2024/25");
		return -1;
	}
	return 0;
}

/*
 * A value that exists is edited as every versioned record is (If-Match
 * naming its revision, 428 without, domain/versioned_edit.h); one that
 * does not is created only without If-Match, which has nothing to name.
 * The kit's lock does not fit: a value is named by code and period, and
 * its absence is a create rather than a 404.
 */
static int precondition_or_respond(struct request *req, struct response *res, const PGresult *lock)
{
	const char *if_match = request_header(req, "If-Match");
	bool exists = PQntuples(lock) == 1;
	long revision = exists ? (long)db_get_ll(lock, 0, 0) : 0;
	enum edit_precondition p = exists
		? edit_precondition_locked(EDIT_IF_MATCH_REQUIRED, if_match != NULL,
					   if_match ? request_if_match_version(if_match, revision) : 0)
		: if_match ? EDIT_PRECONDITION_FAILED : EDIT_PRECONDITION_MET;

	if (p == EDIT_PRECONDITION_REQUIRED) {
		problem_send(res, 428, "precondition-required", "Precondition required",
			     "This period has a value already: send If-Match with the ETag of the revision you are replacing, such as \"v1\" (its revision in GET .../values).");
	} else if (p == EDIT_PRECONDITION_FAILED && exists) {
		problem_sendf(res, 412, "precondition-failed", "Precondition failed",
			      "The value is at revision %ld; If-Match does not name it. Fetch it again and re-apply the change.",
			      revision);
		response_version_etag(res, PQgetvalue(lock, 0, 0));
	} else if (p == EDIT_PRECONDITION_FAILED) {
		problem_send(res, 412, "precondition-failed", "Precondition failed",
			     "There is no value for this period yet, so If-Match cannot match; send the first value without If-Match.");
	}
	return p == EDIT_PRECONDITION_MET ? 0 : -1;
}

static const char *thousandths_text(struct indicator_number n, char *buf, size_t size)
{
	if (!n.present)
		return NULL;
	snprintf(buf, size, "%lld", n.thousandths);
	return buf;
}

/* Writes the value (a new one, or a new revision of the one locked) and
 * its revision row.  0, or -1 with the problem in res. */
static int value_write_or_respond(struct request *req, struct response *res, const char *code,
				  const char *label, const struct period *period,
				  const struct indicator_value_input *in, bool exists)
{
	char start[11], end[11], t[24], a[24];
	const char *target = thousandths_text(in->target, t, sizeof(t));
	const char *actual = thousandths_text(in->actual, a, sizeof(a));
	const char *upd[6] = { code, label, target, actual, in->commentary, in->published_on };
	const char *ins[8] = { code, label, start, end, target, actual, in->commentary,
			       in->published_on };
	const char *rev[4] = { code, label, req->auth.key_prefix, req->request_id };
	PGresult *r = NULL;
	bool written;

	if (date_format(&period->start, start, sizeof(start)) < 0 ||
	    date_format(&period->end, end, sizeof(end)) < 0) {
		problem_send_internal(res);
		return -1;
	}
	if (exists ? api_exec_or_respond(req, res, "ind_value_update", 6, upd, &r)
		   : api_exec_or_respond(req, res, "ind_value_insert", 8, ins, &r))
		return -1;
	written = PQntuples(r) == 1;
	PQclear(r);
	if (!written) {
		/* Another request created it first, between our look and our insert. */
		problem_send(res, 412, "precondition-failed", "Precondition failed",
			     "A value for this period was created by another request meanwhile; fetch it and send If-Match to replace it.");
		return -1;
	}
	return api_exec_or_respond(req, res, "ind_revision_put", 4, rev, NULL);
}

/* The value as stored (the row of ind_value_lock). */
static struct indicator_value_input stored_value(const PGresult *lock)
{
	struct indicator_value_input in = {
		set_number_col(lock, 0, 1), set_number_col(lock, 0, 2),
		db_get_text(lock, 0, 3), db_get_text(lock, 0, 4),
	};

	return in;
}

/* GET: the one value a PUT would replace, with the ETag its If-Match
 * names (not a shared cache's validator: the route is not ROUTE_PUBLIC). */
void value_get(struct request *req, struct response *res)
{
	const char *code = request_param(req, "code");
	struct period period;
	char label[32];
	bool computed;

	if (!request_db_or_respond(req, res) ||
	    period_or_respond(req, res, code, &period, label, &computed))
		return;
	respond_value(req, res, code, &period, 200);
}

void value_put(struct request *req, struct response *res)
{
	const char *code = request_param(req, "code");
	const char *p[2] = { code, NULL };
	json_t *body = NULL;
	struct validation v;
	struct period period;
	struct indicator_value_input in, was;
	PGresult *lock = NULL;
	char label[32] = "", target[80] = "";
	bool exists, computed = false;

	validation_init(&v);
	if (code_is_valid(code))
		snprintf(target, sizeof(target), "%s", code);
	if (period_or_respond(req, res, code, &period, label, &computed))
		goto done;
	snprintf(target, sizeof(target), "%s %s", code, label);
	body = request_json_or_respond(req, res);
	if (!body)
		goto done;
	indicator_value_validate(&v, body, &period, &in);
	/* A computed indicator's actual is the published figure (computed.c). */
	if (computed && in.actual.present)
		validation_add(&v, "/actual", "is computed from the published data for this indicator; "
			       "send its target and commentary only");
	p[1] = label;
	if (edit_valid_or_respond(res, &v) ||
	    api_exec_or_respond(req, res, "ind_value_lock", 2, p, &lock) ||
	    precondition_or_respond(req, res, lock))
		goto done;
	exists = PQntuples(lock) == 1;
	was = exists ? stored_value(lock) : in;
	/* The same figures again change nothing: no new revision. */
	if (!exists || !indicator_value_same(&was, &in)) {
		if (value_write_or_respond(req, res, code, label, &period, &in, exists))
			goto done;
	}
	respond_value(req, res, code, &period, exists ? 200 : 201);
done:
	/* Set last: a problem response clears the target. */
	if (target[0])
		snprintf(res->audit_target, sizeof(res->audit_target), "%s", target);
	PQclear(lock);
	validation_release(&v);
	json_decref(body);
}
