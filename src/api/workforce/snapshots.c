/*
 * snapshots.c - GET /v1/workforce/snapshots (the snapshots loaded, newest
 * first) and POST /v1/workforce/snapshots (load one, admin): employee rows
 * as CSV or JSON, aggregated at import; the rows themselves are never
 * stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "api/common.h"
#include "api/workforce/workforce.h"
#include "domain/csv.h"
#include "domain/period.h"
#include "domain/validate.h"
#include "http/request.h"
#include "http/response.h"
#include "util/buf.h"

const struct db_statement wf_import_statements[] = {
	{ "wf_import_categories", wf_categories_sql, 0 },
	{ "wf_import_grades", wf_grades_sql, 0 },
	{ "wf_store", wf_store_sql, 5 },
};
const size_t wf_import_nstatements = sizeof(wf_import_statements) / sizeof(wf_import_statements[0]);

/* ---- GET /v1/workforce/snapshots ----------------------------------------- */

static const struct csv_column snapshot_csv[] = {
	{ "as_of", "/as_of" }, { "headcount", "/headcount" }, { "source", "/source" },
	{ "official", "/official" }, { "pay_basis", "/pay_basis" }, { "loaded_at", "/loaded_at" },
	{ "notes", "/notes" },
};

static json_t *snapshot_json(const struct wf_snap *s)
{
	const struct wf_table *t = &s->tables[0];
	size_t total = wf_cell(&s->dims, t, s->dims.ndirs, s->dims.ngrades, t->ncats);
	json_t *dirs = json_array();

	for (size_t d = 0; d < s->dims.ndirs; d++)
		json_array_append_new(dirs, json_string(s->dirs[d]));
	return json_pack("{s:s, s:o, s:b, s:s, s:s, s:b, s:s, s:s, s:o}",
		"as_of", s->as_of,
		"headcount", t->supp[total] ? json_null() : json_integer(t->values[total]),
		"headcount_suppressed", t->supp[total],
		"source", s->source, "notes", s->notes, "official", s->official,
		"pay_basis", s->pay_basis, "loaded_at", s->loaded_at, "directorates", dirs);
}

void wf_snapshots_get(struct request *req, struct response *res)
{
	struct memo_ref ref = { 0 };
	struct wf_state *st;
	json_t *data, *chars;

	if (wf_state_get_or_respond(req, res, &ref) != 0)
		return;
	st = ref.value;
	data = json_array();
	for (size_t i = st->nsnaps; i-- > 0;)
		json_array_append_new(data, snapshot_json(&st->snaps[i]));
	chars = json_array();
	for (int ch = 0; ch < WF_NCHARS; ch++)
		json_array_append_new(chars, json_string(wf_characteristics[ch]));
	response_list(req, res, data, json_pack("{s:i, s:o, s:o, s:s}",
		"count", (int)json_array_size(data), "grade_bands", wf_grade_bands_json(st),
		"characteristics", chars,
		"categories", "Each characteristic is counted by its top-level categories (ethnicity by the five ONS high-level groups), with prefer_not_to_say and not_recorded, which count in every total. Age is counted in workforce age bands (age_16_19 ... age_65_plus)."),
		NULL, snapshot_csv, API_COUNT(snapshot_csv));
	wf_state_release(&ref);
}

/* ---- POST /v1/workforce/snapshots ---------------------------------------- */

static const char *const employee_fields[] = {
	"directorate", "grade_band", "sex", "ethnicity", "disability", "religion",
	"sexual_orientation", "age_band", "hourly_pay", "bonus_paid", NULL,
};

/* One employee object as a CSV line.  Problems go to v. */
static int employee_csv(const json_t *e, const char *base, struct buf *out, struct validation *v)
{
	validate_known_fields(v, e, base, employee_fields);
	for (size_t f = 0; employee_fields[f]; f++) {
		const json_t *x = json_object_get(e, employee_fields[f]);
		char num[64];
		const char *text = "";

		if (json_is_string(x)) {
			text = json_string_value(x);
		} else if (json_is_number(x)) {
			snprintf(num, sizeof(num), "%.4f", json_number_value(x));
			text = num;
		} else if (x && !json_is_null(x)) {
			validation_add(v, base, "%s must be a string or a number", employee_fields[f]);
		}
		if ((f && buf_append_char(out, ',')) || csv_append_field(out, text, strlen(text)))
			return -1;
	}
	return buf_append_char(out, '\n');
}

/* A JSON body's employees as CSV text for the one parser.  Problems go to v. */
static int employees_csv(const json_t *list, struct buf *out, struct validation *v)
{
	size_t i;
	json_t *e;

	for (size_t f = 0; employee_fields[f]; f++)
		if ((f && buf_append_char(out, ',')) || buf_append_str(out, employee_fields[f]))
			return -1;
	if (buf_append_char(out, '\n'))
		return -1;
	json_array_foreach(list, i, e) {
		char base[32];

		snprintf(base, sizeof(base), "/employees/%zu", i);
		if (!json_is_object(e))
			validation_add(v, base, "must be an object");
		else if (employee_csv(e, base, out, v) != 0)
			return -1;
	}
	return 0;
}

/* The upload: a text/csv body as it is, or a JSON body's fields. */
struct upload {
	bool is_csv;
	const char *as_of, *notes;
	const char *data;
	size_t len;
	json_t *body;              /* JSON bodies */
	struct buf csv;            /* a JSON body's employees as CSV */
};

/* -1 after a problem in res; validation problems go to v. */
static int upload_read(struct request *req, struct response *res, struct upload *u, struct validation *v)
{
	static const char *const fields[] = { "as_of", "notes", "employees", NULL };
	const json_t *list;
	const char *body_as_of;

	if (request_single_or_respond(req, res, "as_of", &u->as_of))
		return -1;
	if (u->is_csv) {
		if (!u->as_of) {
			problem_send_bad_parameter(res, "as_of", "is required with a text/csv body: the date of the snapshot, such as 2024-03-31");
			return -1;
		}
		u->data = req->body ? req->body : "";
		u->len = req->body_len;
		return 0;
	}
	if (!(u->body = request_json_or_respond(req, res)))
		return -1;
	validate_known_fields(v, u->body, "", fields);
	if ((body_as_of = validate_string(v, u->body, "", "as_of", !u->as_of, 10)))
		u->as_of = body_as_of;
	if (validate_string(v, u->body, "", "notes", false, 2000))
		u->notes = json_string_value(json_object_get(u->body, "notes"));
	list = validate_array(v, u->body, "", "employees", true, 1, 100000);
	if (list && employees_csv(list, &u->csv, v) != 0) {
		problem_send_internal(res);
		return -1;
	}
	u->data = buf_cstr(&u->csv);
	u->len = u->csv.len;
	return 0;
}

/* The importer's row problems as pointers into what was sent. */
static void row_errors(const json_t *errors, bool is_csv, struct validation *v)
{
	json_t *e;
	size_t i;

	json_array_foreach(errors, i, e) {
		const char *col = json_string_value(json_object_get(e, "column"));
		const char *detail = json_string_value(json_object_get(e, "detail"));
		json_int_t line = json_integer_value(json_object_get(e, "line"));
		char ptr[160];

		/* A field the JSON body does not know is reported once, by the body check. */
		if (!is_csv && line < 2)
			continue;
		if (is_csv)
			snprintf(ptr, sizeof(ptr), "/lines/%lld%s%s", (long long)line, col ? "/" : "", col ? col : "");
		else
			snprintf(ptr, sizeof(ptr), "/employees/%lld%s%s", (long long)line - 2, col ? "/" : "", col ? col : "");
		validation_add(v, ptr, "%s", detail ? detail : "is not valid");
	}
}

/* Parse and aggregate the rows into *doc (JSON text in *text); -1 after a
 * problem (every problem at once, the body's own and the rows'). */
static int aggregate_or_respond(struct request *req, struct response *res, const struct upload *u,
				struct validation *v, json_t **doc, char **text)
{
	PGresult *cats = NULL, *grades = NULL;
	json_t *errors = NULL;
	int b, rc = -1;

	if (api_exec_or_respond(req, res, "wf_import_categories", 0, NULL, &cats) ||
	    api_exec_or_respond(req, res, "wf_import_grades", 0, NULL, &grades))
		goto done;
	errors = json_array();
	{
		struct wf_codes codes = { cats, grades };

		b = errors ? workforce_build(u->data, u->len, &codes, doc, errors) : -1;
	}
	if (b == 1)
		row_errors(errors, u->is_csv, v);
	if (!validation_ok(v))
		problem_send_invalid(res, validation_take_errors(v));
	else if (b != 0 || !(*text = json_dumps(*doc, JSON_COMPACT | JSON_SORT_KEYS)))
		problem_send_internal(res);
	else
		rc = 0;
done:
	PQclear(cats);
	PQclear(grades);
	json_decref(errors);
	return rc;
}

void wf_snapshot_create(struct request *req, struct response *res)
{
	const char *ctype = request_header(req, "Content-Type");
	struct upload u = { .is_csv = ctype && strncasecmp(ctype, "text/csv", 8) == 0, .notes = "",
			    .csv = BUF_INIT };
	json_t *doc = NULL;
	struct validation v;
	PGresult *r = NULL;
	char *text = NULL, source[96];
	struct date d;

	validation_init(&v);
	if (upload_read(req, res, &u, &v))
		goto done;
	if (u.as_of && date_parse(u.as_of, &d) != 0)
		validation_add(&v, "/as_of", "must be a date such as 2024-03-31");
	if (aggregate_or_respond(req, res, &u, &v, &doc, &text))
		goto done;
	snprintf(source, sizeof(source), "api:%s", req->auth.org_slug);
	{
		const char *p[5] = { u.as_of, source, "false", u.notes, text };

		if (api_exec_or_respond(req, res, "wf_store", 5, p, &r))
			goto done;
	}
	snprintf(res->audit_target, sizeof(res->audit_target), "workforce_snapshot:%s", u.as_of);
	response_json(res, strcmp(PQgetvalue(r, 0, 0), "created") == 0 ? 201 : 200,
		      json_pack("{s:s, s:s, s:I}", "as_of", u.as_of, "outcome", PQgetvalue(r, 0, 0),
				"headcount", json_integer_value(json_object_get(doc, "headcount"))));
	response_location(res, "/v1/workforce/profile?as_of=%s", u.as_of);
done:
	PQclear(r);
	free(text);
	json_decref(doc);
	json_decref(u.body);
	buf_release(&u.csv);
	validation_release(&v);
}
