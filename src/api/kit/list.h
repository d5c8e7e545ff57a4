/*
 * list.h - keyset lists, the same for every resource.
 *
 * A list's statement takes the last row's key and limit + 1:
 *
 *     ... WHERE ($2::date IS NULL OR (p.starts_on, p.id) > ($2::date, $3::bigint))
 *         ORDER BY p.starts_on, p.id LIMIT $4
 *
 * and the whole list - keyset, statement, key columns, rows and CSV - is
 * one constant beside it:
 *
 *     static const struct list_query plan_query = {
 *         LIST_KEYSET("action-plans", CURSOR_KEY_DATE, CURSOR_KEY_INT),
 *         "ap_plan_list", LIST_KEY_COLS(1, 2), NULL, LIST_CSV(plan_columns) };
 *
 * (a list that pages without a list_query declares its keyset alone with
 * CURSOR_SPEC, domain/cursor.h).
 *
 * Then the handler reads its own filters (typed, checked) and hands them
 * to the kit in the statement's parameter order:
 *
 *     if (request_enum_or_respond(req, res, "status", ..., &status))
 *         return;
 *     list_run(req, res, &plan_query, &status, 1);
 *
 * which reads limit and cursor, binds [filters..., the cursor's keys...,
 * limit + 1], runs the statement and answers.  A handler that must read
 * the page before some check of its own (so that which 400 comes first
 * stays as it was) calls list_page_or_respond and then list_run_page.
 *
 * Underneath, list_respond_result shows the first `limit` rows and, when
 * the statement returned the extra row, a links.next (a Link header in
 * CSV) whose cursor is the key of the last row shown.  JSON and CSV are made from the same
 * rows by response_list.  A list computed in C (filters SQL cannot do)
 * builds its own array and calls list_respond with the last shown row's
 * keys instead.
 *
 * Every cursor that is not one this list issued (another list's, another
 * sort order's, damaged, forged or not a cursor at all) gets the same 400
 * problem naming the parameter "cursor" (see domain/cursor.h).
 */
#ifndef EQ_API_KIT_LIST_H
#define EQ_API_KIT_LIST_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stddef.h>

#include "domain/cursor.h"

struct request;
struct response;
struct csv_column;

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 500

struct list_page {
	const struct cursor_spec *spec;
	long limit;                   /* 1..LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT when absent */
	/* The cursor's keys (spec->nkeys, request-owned), or NULL on the
	 * first page.  Read them with list_after. */
	const char *const *after;
	/* limit + 1 as text: the LIMIT of a keyset statement; the extra row
	 * says whether there is a next page. */
	char fetch[24];
};

/*
 * Reads the query parameters limit and cursor for the list spec (which
 * must outlive out).  0, or -1 after a 400 (or a 500 when memory runs out)
 * in res.
 */
__attribute__((warn_unused_result))
int list_page_or_respond(struct request *req, struct response *res,
			 const struct cursor_spec *spec, struct list_page *out);

/*
 * The 400 for a cursor this list did not issue, into res: for a list whose
 * keys decode but do not name a position it can have (list_page_or_respond
 * sends it for every other bad cursor).
 */
void list_cursor_refuse(struct response *res);

/* The i-th key of the cursor, or NULL on the first page: a statement
 * parameter that is NULL exactly when there is no cursor. */
const char *list_after(const struct list_page *page, size_t i);

/*
 * A cursor for the row with these keys (spec->nkeys strings, in spec
 * order): a request-owned token, or NULL when a key is not of its declared
 * kind or memory runs out (the caller answers 500).
 */
const char *list_cursor_new(struct request *req, const struct list_page *page,
			    const char *const *keys);

/* One row of a result as JSON (a new reference), or NULL on failure. */
typedef json_t *(*list_row_fn)(const PGresult *r, int row);

/* Column 0 of the row as JSON text (the resource's SQL made the JSON). */
json_t *list_row_json_text(const PGresult *r, int row);

/*
 * Answers with the rows of a keyset statement run with page->fetch as its
 * LIMIT: data is row_json of the first page->limit rows; when r has more,
 * links.next is the cursor of the last shown row's columns key_cols
 * (spec->nkeys column numbers, none NULL in the result).  meta (stolen; NULL
 * for none) gets "count", the rows shown.  r stays the caller's.  Any
 * failure is a 500 in res.
 */
void list_respond_result(struct request *req, struct response *res,
			 const struct list_page *page, const PGresult *r, list_row_fn row_json,
			 const int *key_cols, json_t *meta,
			 const struct csv_column *columns, size_t ncolumns);

/*
 * A keyset list served by one prepared statement: its parameters are the
 * list's filters, then the cursor's spec->nkeys keys (NULL on the first
 * page), then the LIMIT (limit + 1).  Lives as long as the program (a
 * static const beside the statement).
 */
struct list_query {
	const struct cursor_spec *spec;
	const char *statement;           /* the prepared statement's name */
	const int *key_cols;             /* spec->nkeys result columns: a row's keys */
	list_row_fn row;                 /* a row as JSON; NULL: list_row_json_text */
	const struct csv_column *columns;
	size_t ncolumns;
	/* The rows of a CSV page made from the page's data (stolen; returns
	 * a new array, or NULL on failure): a list of nested items is flat in
	 * CSV, one row per inner item.  NULL: a row per item.  meta.count
	 * stays the number of items. */
	json_t *(*csv_rows)(json_t *data);
	/* A statement taking the same filters (and nothing else) whose one
	 * row and column is the number of items in the whole filtered list:
	 * meta.total, run in the same round trip as the page.  NULL: no
	 * total (a list too large to count on every page, or one whose count
	 * would tell more than its rows). */
	const char *total_statement;
};

/* The parts of a list_query's initialiser, each written once: the keyset
 * (its list name and key kinds), the key columns (as many as the kinds)
 * and the CSV columns with their count. */
#define LIST_KEYSET(list, ...) (&(const struct cursor_spec)CURSOR_SPEC(list, __VA_ARGS__))
#define LIST_KEY_COLS(...) ((const int[]){ __VA_ARGS__ })
#define LIST_CSV(columns) (columns), (sizeof(columns) / sizeof((columns)[0]))

/* The most filters a list_query statement takes before its keys. */
#define LIST_FILTERS_MAX 16

/*
 * The whole list: reads limit and cursor for q->spec, then list_run_page.
 * filters: nfilters statement parameters (NULL for an absent filter), the
 * caller's, only read.  Every outcome,
 * 400, 500 or 503 included, is answered in res.
 */
void list_run(struct request *req, struct response *res, const struct list_query *q,
	      const char *const *filters, size_t nfilters);

/*
 * The common list with one optional filter, an enum query parameter
 * (GET /v1/action-plans?status=, /v1/organisations?kind=, ...): name's
 * value, one of choices (NULL-terminated), or NULL when absent, is the
 * statement's one filter.  Answers everything in res, as list_run.
 */
void list_run_filtered(struct request *req, struct response *res, const struct list_query *q,
		       const char *name, const char *const *choices);

/*
 * The list for a page already read by list_page_or_respond (page->spec is
 * the spec to use: a list with several orders has a query per order, or
 * shares one whose spec it overrides this way): takes a database
 * connection, runs q->statement with [filters..., the cursor's keys...,
 * page->fetch] (and q->total_statement with [filters...]) and answers
 * with list_respond_result (meta as there, with "total" when counted).
 */
void list_run_page(struct request *req, struct response *res, const struct list_query *q,
		   const struct list_page *page, const char *const *filters, size_t nfilters,
		   json_t *meta);

/*
 * Answers with data (stolen: at most page->limit rows) built in C.
 * next_keys: the keys of the last row in data when more rows follow, or
 * NULL on the last page.  meta as for list_respond_result.
 */
void list_respond(struct request *req, struct response *res, const struct list_page *page,
		  json_t *data, const char *const *next_keys, json_t *meta,
		  const struct csv_column *columns, size_t ncolumns);

/* list_respond with data also rendered as JSON text (response_list_rendered). */
void list_respond_rendered(struct request *req, struct response *res, const struct list_page *page,
			   json_t *data, const char *data_text, size_t data_len,
			   const char *const *next_keys, json_t *meta,
			   const struct csv_column *columns, size_t ncolumns);

#endif
