/*
 * edits.c - the versioned edits of a partner's return, each through the
 * kit (src/api/kit/edit.h): change a draft, submit it, review it.
 *
 *   PUT  /v1/returns/{id}          submit:returns, own organisation, If-Match
 *   POST /v1/returns/{id}/submit   submit:returns, own organisation, idempotent
 *   POST /v1/returns/{id}/recall   submit:returns, own organisation, idempotent
 *   POST /v1/returns/{id}/review   review:returns (council), idempotent
 *
 * A return is changed while it is a draft or returned for correction, and
 * only once its window is open; submitted after the due date it needs a
 * reason.  Each submission is kept as a version (rt_submission_put).  A
 * submitted return not yet reviewed may be recalled to a draft.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "api/returns/returns.h"
#include "domain/validate.h"

/* The locked return and its window (rt_lock's columns). */
static struct return_state locked_state(const struct edit *e)
{
	return (struct return_state){
		.status = edit_column(e, 2),
		.kind = edit_column(e, 3),
		.open = strcmp(edit_column(e, 4), "t") == 0,
		.past_due = strcmp(edit_column(e, 5), "t") == 0,
		.open_date = edit_column(e, 7),
		.due_date = edit_column(e, 8),
		.age_bands = edit_column(e, 9),
		.universe = edit_column(e, 10),
		.was_late = strcmp(edit_column(e, 11), "t") == 0,
	};
}

/* What an action needs of a return's status. */
enum need { NEED_EDITABLE, NEED_SUBMITTED };

/* 0 when the return is in a state for this, else 409 naming its state,
 * what the action needs and what the client can do next. */
static int state_or_respond(struct response *res, const struct return_state *s, enum need need,
			    const char *action)
{
	if (need == NEED_SUBMITTED ? return_recallable(s->status) : return_editable(s->status))
		return 0;
	problem_sendf(res, 409, "return-state", "Return not in a state for this",
		      "The return is %s; %s. %s.", s->status, action, return_next_step(s->status));
	return -1;
}

void return_put(struct request *req, struct response *res)
{
	struct returns_categories cat = { 0 };
	struct edit e;
	struct return_state s;
	struct returns_content c = { 0 };

	edit_init(&e, &return_edit, request_param(req, "id"));
	if (!edit_body_or_respond(req, res, &e) ||
	    edit_lock_or_respond(req, res, &e, req->auth.org_id, EDIT_IF_MATCH_REQUIRED))
		goto done;
	s = locked_state(&e);
	if (state_or_respond(res, &s, NEED_EDITABLE, "only a draft or a returned return can be changed") ||
	    returns_categories_load_or_respond(req, res, &cat))
		goto done;
	return_validate_replacement(&e.v, e.body, &s, &cat.cat);
	if (edit_valid_or_respond(res, &e.v))
		goto done;
	if (returns_content_or_respond(res, e.body, &c))
		goto done;
	{
		const char *p[5] = { e.id, c.total, c.lines, c.adult, c.notes };

		if (api_exec_or_respond(req, res, "rt_update", 5, p, NULL) ||
		    edit_finish(req, res, &e, NULL, 200))
			goto done;
	}
done:
	edit_release(&e, res);
	returns_content_release(&c);
	returns_categories_release(&cat);
}

/* A submit or a review (If-Match optional: both are idempotent): the
 * return locked (scope: its organisation, NULL for any) into *s and in a
 * state for it.  0, or -1 with the problem in res. */
static int lock_in_state_or_respond(struct request *req, struct response *res, struct edit *e,
				    const char *scope, enum need need, const char *action,
				    struct return_state *s)
{
	if (edit_lock_or_respond(req, res, e, scope, EDIT_IF_MATCH_OPTIONAL))
		return -1;
	*s = locked_state(e);
	return state_or_respond(res, s, need, action);
}

/* Run the change of a submit, recall or review (p: n parameters of stmt)
 * and answer; version_put records a submission.  0, or -1 with the problem. */
static int change_or_respond(struct request *req, struct response *res, const struct edit *e,
			     const char *stmt, int n, const char *const *p, const char *version_put)
{
	if (api_exec_or_respond(req, res, stmt, n, p, NULL))
		return -1;
	return edit_finish(req, res, e, version_put, 200);
}

void return_submit(struct request *req, struct response *res)
{
	struct edit e;
	struct return_state s;
	const char *reason;

	edit_init(&e, &return_edit, request_param(req, "id"));
	if (!edit_body_or_respond(req, res, &e) ||
	    lock_in_state_or_respond(req, res, &e, req->auth.org_id, NEED_EDITABLE,
				     "only a draft or a returned return can be submitted", &s))
		goto done;
	return_validate_submission(&e.v, e.body, &s, &reason);
	if (edit_valid_or_respond(res, &e.v))
		goto done;
	{
		const char *p[3] = { e.id, return_submission_late(&s) ? "true" : "false", reason };

		if (change_or_respond(req, res, &e, "rt_submit", 3, p, "rt_submission_put"))
			goto done;
	}
done:
	edit_release(&e, res);
}

void return_review(struct request *req, struct response *res)
{
	struct edit e;
	struct return_state s;
	const char *outcome, *note;

	edit_init(&e, &return_edit, request_param(req, "id"));
	if (!edit_body_or_respond(req, res, &e))
		goto done;
	if (!returns_reviewer(req)) {
		problem_send(res, 403, "forbidden", "Forbidden", "Only the council reviews returns.");
		goto done;
	}
	if (lock_in_state_or_respond(req, res, &e, NULL, NEED_SUBMITTED,
				     "only a submitted return can be reviewed", &s))
		goto done;
	return_validate_review(&e.v, e.body, &outcome, &note);
	if (edit_valid_or_respond(res, &e.v))
		goto done;
	{
		const char *p[3] = { e.id, outcome, note };

		/* An accepted late return reaches the public as a new release. */
		if (api_exec_or_respond(req, res, "rt_review", 3, p, NULL) ||
		    (strcmp(outcome, "accepted") == 0 && summary_rerelease_or_respond(req, res, e.id)) ||
		    edit_finish(req, res, &e, NULL, 200))
			goto done;
	}
done:
	edit_release(&e, res);
}

void return_recall(struct request *req, struct response *res)
{
	static const char *const no_fields[] = { NULL };
	struct edit e;
	struct return_state s;
	const char *p[1];

	edit_init(&e, &return_edit, request_param(req, "id"));
	if (!edit_body_or_respond(req, res, &e) ||
	    lock_in_state_or_respond(req, res, &e, req->auth.org_id, NEED_SUBMITTED,
				     "only a submitted return not yet reviewed can be recalled", &s))
		goto done;
	validate_known_fields(&e.v, e.body, "", no_fields);
	if (edit_valid_or_respond(res, &e.v))
		goto done;
	p[0] = e.id;
	if (change_or_respond(req, res, &e, "rt_recall", 1, p, NULL))
		goto done;
done:
	edit_release(&e, res);
}
