/*
 * returns.h - what the files of the returns resource share; included only
 * by the .c files of src/api/returns/.
 *
 *   module.c    the statements and the route table (returns_module)
 *   windows.c   the council's return windows
 *   returns.c   a partner's return: create and the reads
 *   edits.c     PUT, submit and review: versioned edits (src/api/kit/edit.h)
 *   summary.c   the published, disclosure-controlled summary
 *   shared.c    the pieces below
 *
 * The rules are in src/domain/partner_return.h (what a return must
 * satisfy) and src/domain/returns_summary.h (the summary and its
 * suppression).
 */
#ifndef EQ_API_RETURNS_RETURNS_H
#define EQ_API_RETURNS_RETURNS_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "api/kit/edit.h"
#include "domain/partner_return.h"
#include "http/request.h"
#include "http/response.h"

#define TODAY "(now() AT TIME ZONE 'Europe/London')::date"

/* The versioned edits of a return (rt_lock, rt_get, rt_notify). */
extern const struct edit_kind return_edit;

/* A council key with review:returns: sees and reviews every return. */
bool returns_reviewer(const struct request *req);

/* The organisation whose returns this key may read: NULL for a reviewer. */
const char *returns_visible_org(const struct request *req);

/* 404: "There is no <what> with that id that this key may see." */
void returns_not_found(struct response *res, const char *what);

/* Respond with status and the JSON text the database built (500 if it
 * does not parse). */
void returns_respond_text(struct response *res, int status, const char *text);

/* Every category (rt_categories) as a catalogue; rows point into r. */
struct returns_categories {
	PGresult *r;
	struct return_category *rows;
	struct return_catalogue cat;
};

/* 0, or -1 with the problem in res.  Release with
 * returns_categories_release either way. */
__attribute__((warn_unused_result))
int returns_categories_load_or_respond(struct request *req, struct response *res,
				       struct returns_categories *c);
void returns_categories_release(struct returns_categories *c);

/* A return's content as statement parameters: total and adult_total as
 * text (adult NULL when not given), lines as compact JSON text with sorted
 * keys (owned), notes borrowed from the body (NULL when not given). */
struct returns_content {
	char total[24], adult_buf[24];
	const char *adult;
	char *lines;
	const char *notes;
};

/* 0, or -1 after a 500 (memory).  Release either way. */
__attribute__((warn_unused_result))
int returns_content_or_respond(struct response *res, const json_t *body, struct returns_content *c);
void returns_content_release(struct returns_content *c);

/* A window's JSON text (rw_get, rw_list, rw_public_list) with what a
 * return for it must give: "characteristics" and "undeclared_codes".  A
 * new reference, or NULL on failure. */
json_t *returns_window_json_new(const char *text);

/* Handlers (module.c routes them). */
route_handler window_create, window_list, window_get, window_public_list, return_create,
	return_list, return_get, return_versions, return_put, return_submit, return_recall,
	return_review, summary_get, summary_release_make;

/*
 * After a return is accepted, in the review's transaction: a window whose
 * summary was released before is released again (api/kit/releases.h), so
 * the public sees a late return in a release decided with the earlier
 * ones.  0, or -1 after a problem in res.
 */
__attribute__((warn_unused_result))
int summary_rerelease_or_respond(struct request *req, struct response *res, const char *return_id);

#endif
