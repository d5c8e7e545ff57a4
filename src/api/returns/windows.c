/*
 * windows.c - the council's return windows: a kind of return for a period,
 * open from one date and due by another.
 *
 *   POST /v1/return-windows        review:returns (council), idempotent
 *   GET  /v1/return-windows        submit:returns or review:returns (JSON or CSV)
 *   GET  /v1/return-windows/{id}   submit:returns or review:returns
 *   GET  /v1/return-windows/public public (JSON or CSV): no partner's state
 *
 * A window declares its age bands (census or hr) and its universe
 * (everyone, or adults); every representation says which characteristics
 * a return for it must give and what each adds up to.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/common.h"
#include "api/kit/list.h"
#include "api/returns/returns.h"
#include "domain/period.h"
#include "domain/validate.h"

static const char *const window_fields[] = {
	"kind", "period", "open_date", "due_date", "age_bands", "universe", NULL,
};

/* A new window's body, as statement parameters. */
struct window_values {
	const char *kind, *age_bands, *universe;
	char label[24], open[11], due[11];
};

static void window_validate(struct validation *v, const json_t *body, struct window_values *wv)
{
	const char *period_text;
	struct date open, due;
	bool have_open, have_due;

	validate_known_fields(v, body, "", window_fields);
	wv->kind = validate_enum(v, body, "", "kind", true, return_kind_names);
	wv->age_bands = validate_enum(v, body, "", "age_bands", false, return_age_band_schemes);
	wv->universe = validate_enum(v, body, "", "universe", false, return_universes);
	if (!wv->age_bands)
		wv->age_bands = "census";
	if (!wv->universe)
		wv->universe = return_default_universe(wv->kind);
	period_text = validate_string(v, body, "", "period", true, 20);
	wv->label[0] = '\0';
	if (period_text) {
		struct period p;

		if (period_parse_kinds(period_text, 1u << PERIOD_FINANCIAL_YEAR | 1u << PERIOD_QUARTER, &p) != 0 ||
		    period_format(&p, wv->label, sizeof(wv->label)) < 0) {
			validation_add(v, "/period", "must be a financial year such as 2024/25 or a quarter such as 2024/25 Q1");
			wv->label[0] = '\0';
		}
	}
	have_open = validate_date(v, body, "", "open_date", true, &open);
	have_due = validate_date(v, body, "", "due_date", true, &due);
	if (have_open && have_due && date_compare(&due, &open) < 0)
		validation_add(v, "/due_date", "must not be before open_date");
	if (validation_ok(v)) {
		(void)date_format(&open, wv->open, sizeof(wv->open));
		(void)date_format(&due, wv->due, sizeof(wv->due));
	}
}

/* Respond with status and the window the database built, decorated. */
static void window_respond(struct response *res, int status, const char *text)
{
	json_t *w = returns_window_json_new(text);

	if (w)
		response_json(res, status, w);
	else
		problem_send_internal(res);
}

/* Insert the window; its id into id (40 bytes), or -1 with the problem. */
static int window_insert_or_respond(struct request *req, struct response *res,
				    const struct window_values *wv, char *id)
{
	static const struct api_conflict duplicate = {
		"duplicate-window", "Duplicate return window",
		"A return window of this kind for this period exists already; find it with GET /v1/return-windows?kind=.",
		"/period", "already has a return window of this kind",
	};
	const char *p[6] = { wv->kind, wv->label, wv->open, wv->due, wv->age_bands, wv->universe };

	return api_insert_unique_or_respond(req, res, "rw_insert", 6, p, id, 40, &duplicate);
}

void window_create(struct request *req, struct response *res)
{
	json_t *body = request_json_or_respond(req, res);
	struct validation v;
	struct window_values wv;
	char id[40];
	PGresult *r = NULL;
	const char *p[2] = { id, NULL };

	validation_init(&v);
	if (!body)
		goto done;
	if (!returns_reviewer(req)) {
		problem_send(res, 403, "forbidden", "Forbidden", "Only the council opens return windows.");
		goto done;
	}
	window_validate(&v, body, &wv);
	if (edit_valid_or_respond(res, &v))
		goto done;
	if (window_insert_or_respond(req, res, &wv, id))
		goto done;
	snprintf(res->audit_target, sizeof(res->audit_target), "%s", id);
	if (api_exec_or_respond(req, res, "rw_get", 2, p, &r))
		goto done;
	window_respond(res, 201, PQgetvalue(r, 0, 0));
	if (res->status == 201)
		response_location(res, "/v1/return-windows/%s", id);
done:
	PQclear(r);
	validation_release(&v);
	json_decref(body);
}

static const struct csv_column window_csv[] = {
	{ "id", "/id" },
	{ "title", "/title" },
	{ "kind", "/kind" },
	{ "period", "/period" },
	{ "open_date", "/open_date" },
	{ "due_date", "/due_date" },
	{ "state", "/state" },
	{ "age_bands", "/age_bands" },
	{ "universe", "/universe" },
	{ "created_at", "/created_at" },
};

static json_t *window_row(const PGresult *r, int row)
{
	return returns_window_json_new(PQgetvalue(r, row, 0));
}

static const struct list_query window_query = {
	LIST_KEYSET("return-windows", CURSOR_KEY_DATE, CURSOR_KEY_UUID), "rw_list",
	LIST_KEY_COLS(1, 2), window_row, LIST_CSV(window_csv), NULL, NULL,
};
static const struct list_query public_query = {
	LIST_KEYSET("return-windows-public", CURSOR_KEY_DATE, CURSOR_KEY_UUID), "rw_public_list",
	LIST_KEY_COLS(1, 2), window_row, window_csv, API_COUNT(window_csv) - 1,   /* no created_at */
	NULL, "rw_public_total",
};

void window_list(struct request *req, struct response *res)
{
	const char *filters[2] = { returns_visible_org(req), NULL };

	if (request_enum_or_respond(req, res, "kind", return_kind_names, NULL, &filters[1]))
		return;
	list_run(req, res, &window_query, filters, 2);
}

void window_public_list(struct request *req, struct response *res)
{
	list_run_filtered(req, res, &public_query, "kind", return_kind_names);
}

void window_get(struct request *req, struct response *res)
{
	const char *id = request_param(req, "id");
	const char *p[2] = { id, returns_visible_org(req) };
	PGresult *r = NULL;

	if (!uuid_is_valid(id)) {
		returns_not_found(res, "return window");
		return;
	}
	if (!request_db_or_respond(req, res) ||
	    api_exec_or_respond(req, res, "rw_get", 2, p, &r))
		return;
	if (PQntuples(r) != 1)
		returns_not_found(res, "return window");
	else
		window_respond(res, 200, PQgetvalue(r, 0, 0));
	PQclear(r);
}
