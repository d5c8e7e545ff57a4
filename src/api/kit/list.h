/*
 * list.h - a keyset list in four steps, the same for every resource.
 *
 * A list declares its keyset once, beside its SQL:
 *
 *     static const enum cursor_key keys[] = { CURSOR_KEY_DATE, CURSOR_KEY_INT };
 *     static const struct cursor_spec plans = { "action-plans", keys, 2 };
 *
 * and its statement takes the last row's key and limit + 1:
 *
 *     ... WHERE ($2::date IS NULL OR (p.starts_on, p.id) > ($2::date, $3::bigint))
 *         ORDER BY p.starts_on, p.id LIMIT $4
 *
 * Then the handler is a straight line:
 *
 *     struct list_page page;
 *
 *     if (list_page_or_respond(req, res, &plans, &page))     1. limit, cursor
 *         return;
 *     p = { status, list_after(&page, 0), list_after(&page, 1), page.fetch };
 *     ... run the statement into r ...                       2. bind, fetch
 *     list_respond_result(req, res, &page, r, list_row_json_text,
 *                         key_cols, meta, columns, ncolumns);   3. answer
 *
 * list_respond_result shows the first `limit` rows and, when the statement
 * returned the extra row, a links.next (a Link header in CSV) whose cursor
 * is the key of the last row shown.  JSON and CSV are made from the same
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
 * Answers with data (stolen: at most page->limit rows) built in C.
 * next_keys: the keys of the last row in data when more rows follow, or
 * NULL on the last page.  meta as for list_respond_result.
 */
void list_respond(struct request *req, struct response *res, const struct list_page *page,
		  json_t *data, const char *const *next_keys, json_t *meta,
		  const struct csv_column *columns, size_t ncolumns);

#endif
