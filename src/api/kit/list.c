/*
 * list.c - keyset lists: limit and cursor in, a page of rows and the next
 * cursor out (see list.h).
 */
#include "api/kit/list.h"

#include <stdio.h>
#include <string.h>

#include "api/common.h"
#include "http/request.h"
#include "http/response.h"

int list_page_or_respond(struct request *req, struct response *res,
			 const struct cursor_spec *spec, struct list_page *out)
{
	struct cursor_keys *keys;
	const char *token;

	memset(out, 0, sizeof(*out));
	out->spec = spec;
	if (request_long_or_respond(req, res, "limit", LIST_LIMIT_DEFAULT, 1, LIST_LIMIT_MAX,
				    &out->limit) ||
	    request_single_or_respond(req, res, "cursor", &token))
		return -1;
	snprintf(out->fetch, sizeof(out->fetch), "%ld", out->limit + 1);
	if (!token)
		return 0;
	keys = request_alloc(req, sizeof(*keys));
	if (!keys) {
		problem_send_internal(res);
		return -1;
	}
	if (cursor_decode(spec, token, keys) != CURSOR_OK) {
		list_cursor_refuse(res);
		return -1;
	}
	out->after = keys->key;
	return 0;
}

/* Foreign or damaged: one answer, so clients need handle one case. */
void list_cursor_refuse(struct response *res)
{
	problem_send_bad_parameter(res, "cursor",
		"is not a cursor this service issued for this list; use links.next from a previous page of the same list");
}

const char *list_after(const struct list_page *page, size_t i)
{
	return page->after && i < page->spec->nkeys ? page->after[i] : NULL;
}

const char *list_cursor_new(struct request *req, const struct list_page *page,
			    const char *const *keys)
{
	char token[CURSOR_TOKEN_MAX + 1];

	if (cursor_encode(page->spec, keys, token, sizeof(token)))
		return NULL;
	return request_strdup(req, token);
}

json_t *list_row_json_text(const PGresult *r, int row)
{
	return json_loads(PQgetvalue(r, row, 0), 0, NULL);
}

/* list_respond_result for the list q (its row, key and CSV declarations). */
static void respond_rows(struct request *req, struct response *res, const struct list_page *page,
			 const PGresult *r, const struct list_query *q, json_t *meta)
{
	int n = PQntuples(r), shown = n < page->limit ? n : (int)page->limit;
	const char *keys[CURSOR_MAX_KEYS];
	list_row_fn row_json = q->row ? q->row : list_row_json_text;
	json_t *data = json_array();

	for (int i = 0; data && i < shown; i++)
		if (json_array_append_new(data, row_json(r, i))) {
			json_decref(data);
			data = NULL;
		}
	/* CSV rows of nested items: the count is of items, as in JSON. */
	if (data && q->csv_rows && req->format == FORMAT_CSV) {
		if (!meta)
			meta = json_object();
		if (!meta || json_object_set_new(meta, "count", json_integer(shown))) {
			json_decref(data);
			data = NULL;
		}
		data = data ? q->csv_rows(data) : NULL;
	}
	for (size_t k = 0; data && n > shown && k < page->spec->nkeys; k++)
		keys[k] = PQgetisnull(r, shown - 1, q->key_cols[k]) ? NULL
			: PQgetvalue(r, shown - 1, q->key_cols[k]);
	list_respond(req, res, page, data, data && n > shown ? keys : NULL, meta, q->columns,
		     q->ncolumns);
}

void list_respond_result(struct request *req, struct response *res,
			 const struct list_page *page, const PGresult *r, list_row_fn row_json,
			 const int *key_cols, json_t *meta,
			 const struct csv_column *columns, size_t ncolumns)
{
	const struct list_query q = {
		.spec = page->spec, .key_cols = key_cols, .row = row_json,
		.columns = columns, .ncolumns = ncolumns,
	};

	respond_rows(req, res, page, r, &q, meta);
}

void list_respond(struct request *req, struct response *res, const struct list_page *page,
		  json_t *data, const char *const *next_keys, json_t *meta,
		  const struct csv_column *columns, size_t ncolumns)
{
	list_respond_rendered(req, res, page, data, NULL, 0, next_keys, meta, columns, ncolumns);
}

void list_respond_rendered(struct request *req, struct response *res, const struct list_page *page,
			   json_t *data, const char *data_text, size_t data_len,
			   const char *const *next_keys, json_t *meta,
			   const struct csv_column *columns, size_t ncolumns)
{
	const char *next = NULL;

	if (!meta)
		meta = json_object();
	if (data && next_keys)
		next = list_cursor_new(req, page, next_keys);
	if (!data || !meta || (next_keys && !next) ||
	    (!json_object_get(meta, "count") &&
	     json_object_set_new(meta, "count", json_integer((json_int_t)json_array_size(data))))) {
		json_decref(data);
		json_decref(meta);
		problem_send_internal(res);
		return;
	}
	response_list_rendered(req, res, data, data_text, data_len, meta, next, columns, ncolumns);
}

void list_run(struct request *req, struct response *res, const struct list_query *q,
	      const char *const *filters, size_t nfilters)
{
	struct list_page page;

	if (list_page_or_respond(req, res, q->spec, &page))
		return;
	list_run_page(req, res, q, &page, filters, nfilters, NULL);
}

void list_run_filtered(struct request *req, struct response *res, const struct list_query *q,
		       const char *name, const char *const *choices)
{
	const char *value;

	if (request_enum_or_respond(req, res, name, choices, NULL, &value))
		return;
	list_run(req, res, q, &value, 1);
}

/* meta (stolen) with "total" from the count statement's result, or NULL
 * when memory runs out. */
static json_t *with_total(json_t *meta, const PGresult *total)
{
	if (!meta)
		meta = json_object();
	if (meta && total && PQntuples(total) == 1 && !PQgetisnull(total, 0, 0) &&
	    json_object_set_new(meta, "total", json_integer(db_get_ll(total, 0, 0)))) {
		json_decref(meta);
		return NULL;
	}
	return meta;
}

void list_run_page(struct request *req, struct response *res, const struct list_query *q,
		   const struct list_page *page, const char *const *filters, size_t nfilters,
		   json_t *meta)
{
	const char *p[LIST_FILTERS_MAX + CURSOR_MAX_KEYS + 1];
	size_t n = 0;
	PGresult *r = NULL, *total = NULL;
	struct db_call calls[2] = {
		{ q->statement, 0, p, &r },
		{ q->total_statement, (int)nfilters, filters, &total },
	};

	/* A list that outgrows the array is a programming error: a 500,
	 * never a write past its end. */
	if (nfilters > LIST_FILTERS_MAX || page->spec->nkeys > CURSOR_MAX_KEYS) {
		json_decref(meta);
		problem_send_internal(res);
		return;
	}
	for (size_t i = 0; i < nfilters; i++)
		p[n++] = filters[i];
	for (size_t i = 0; i < page->spec->nkeys; i++)
		p[n++] = list_after(page, i);
	p[n++] = page->fetch;
	calls[0].nparams = (int)n;
	if (!request_db_or_respond(req, res) ||
	    api_batch_or_respond(req, res, calls, q->total_statement ? 2 : 1)) {
		json_decref(meta);
		return;
	}
	meta = with_total(meta, total);
	PQclear(total);
	if (!meta)
		problem_send_internal(res);
	else
		respond_rows(req, res, page, r, q, meta);
	PQclear(r);
}
